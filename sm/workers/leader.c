/*
 * The election thread: standby -> starting (lock taken, waiting for the
 * previous lease to run out) -> leading (workers running, lease renewed)
 * -> standby again when a renewal fails or comes too late. Times, for a
 * lease L: a tick every L/8, a renewal every L/4 with an answer due
 * within L/4, and the workers may act until 3L/4 after the last renewal
 * was sent - before the database's L after it was written, when a
 * successor may start.
 */
#include "leader.h"
#include "db_fence.h"
#include "db_leader.h"
#include "workers.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a lost leadership waits for its resumed operations. */
#define STOP_WAIT_MS (60 * 1000)
/* The next look when a dead leader's lock is about to be released. */
#define SOON_MS 20

enum leader_state { STANDBY, STARTING, LEADING };

struct leader {
	struct sm *sm;
	struct db_lease self; /* who this manager is */
	struct db_leader *conn;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* stop */
	bool stop;
	int lease_ms;
	enum leader_state state; /* the thread's own */
	int64_t epoch;
	int64_t start_at;    /* STARTING: when the old lease has run out */
	int64_t renew_at;    /* next renewal due */
	int64_t valid_until; /* workers may act until then */
	int64_t took_lock;   /* when the lock was taken, for the log */
	atomic_int_fast64_t leading_epoch; /* 0 while not leading */
	/* Standby: what was last said about the leader, for the log. */
	int64_t seen_epoch;
	/* A lock holder that has not written the lease since this time. */
	int mismatch_pid;
	int64_t mismatch_since;
	bool soon; /* look again after SOON_MS, not a whole tick */
};

/*
 * Start time of process pid (clock ticks after boot, /proc/PID/stat field
 * 22), or -1 when there is no such process or it is a zombie.
 */
static int64_t start_time(int pid)
{
	char path[64], buf[1024], *p, *save = NULL;
	int64_t t = -1;
	size_t n;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold blanks and parentheses */
	if (!p)
		return -1;
	p = strtok_r(p + 1, " ", &save); /* field 3, the state */
	if (!p || *p == 'Z' || *p == 'X')
		return -1;
	for (i = 4; p && i <= 22; i++)
		p = strtok_r(NULL, " ", &save);
	if (p)
		t = strtoll(p, NULL, 10);
	return t;
}

/* This process as the lease records it: machine, pid, start time. */
static void identify(struct db_lease *me)
{
	char boot[64] = "", ns[64] = "";
	ssize_t n;
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f) {
		if (!fgets(boot, sizeof(boot), f))
			boot[0] = '\0';
		fclose(f);
		boot[strcspn(boot, "\n")] = '\0';
	}
	n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = '\0';
	/* Unknown stays empty, and empty is never the same machine. */
	if (getenv("VAS_HOST_ID")) /* tests: managers on "other" machines */
		snprintf(me->host_id, sizeof(me->host_id), "%s",
			 getenv("VAS_HOST_ID"));
	else if (boot[0] && ns[0] &&
		 snprintf(me->host_id, sizeof(me->host_id), "%.40s/%.40s", boot,
			  ns) >= (int)sizeof(me->host_id))
		me->host_id[0] = '\0';
	me->os_pid = (int)getpid();
	me->os_start = start_time(me->os_pid);
}

/*
 * Whether the previous holder is surely dead: it ran on this machine, in
 * this pid namespace, and its process is gone (or the pid is another's).
 * From another machine nothing can be told: then its lease is waited out.
 */
static bool holder_gone(const struct db_lease *me, const struct db_lease *prev)
{
	if (!prev->host_id[0] || strcmp(prev->host_id, me->host_id))
		return false;
	return start_time(prev->os_pid) != prev->os_start;
}

static int tick_ms(const struct leader *l)
{
	return l->lease_ms / 8 > 50 ? l->lease_ms / 8 : 50;
}

static int call_ms(const struct leader *l)
{
	return l->lease_ms / 4;
}

/* Leadership ends here: nothing fenced acts from now on. */
static void lose(struct leader *l, const char *why)
{
	int64_t t0 = vas_now_ms();
	bool ended = true;

	db_fence_revoke();
	atomic_store(&l->leading_epoch, 0);
	if (l->state == LEADING) {
		log_warn("leadership lost (epoch %lld): %s; stopping the "
			 "workers",
			 (long long)l->epoch, why);
		ended = workers_stop(l->sm, STOP_WAIT_MS);
		log_info("workers stopped in %lld ms%s",
			 (long long)(vas_now_ms() - t0),
			 ended ? "" : "; resumed operations still end");
	} else {
		log_warn("leadership given up before starting (epoch %lld): "
			 "%s",
			 (long long)l->epoch, why);
	}
	db_leader_release(l->conn, l->epoch, false, call_ms(l));
	l->state = STANDBY;
}

/* Renews when due; false when the leadership is lost. */
static bool keep(struct leader *l, int64_t now)
{
	int ret;

	if (l->state == LEADING && now >= l->valid_until) {
		lose(l, "lease not renewed in time");
		return false;
	}
	if (now < l->renew_at)
		return true;
	ret = db_leader_renew(l->conn, l->epoch, call_ms(l));
	if (ret) {
		lose(l, ret == -ESTALE ? "another manager took over"
				       : "cannot renew the lease");
		return false;
	}
	l->renew_at = now + l->lease_ms / 4;
	l->valid_until = now + l->lease_ms * 3 / 4;
	if (l->state == LEADING)
		db_fence_publish(l->epoch, l->valid_until);
	return true;
}

static void take(struct leader *l, int64_t now)
{
	struct db_lease prev;
	int64_t wait_ms = 0;
	int ret;

	l->took_lock = now;
	ret = db_leader_take(l->conn, l->lease_ms, call_ms(l), &l->epoch,
			     &wait_ms, &prev);
	if (ret) {
		log_warn("could not take the leadership over: %s",
			 strerror(-ret));
		db_leader_release(l->conn, 0, false, call_ms(l));
		return;
	}
	/*
	 * The previous leader may act until its lease runs out - unless it
	 * was this manager (its workers are stopped) or it is dead.
	 */
	if (wait_ms &&
	    (prev.instance == l->self.instance || holder_gone(&l->self, &prev)))
		wait_ms = 0;
	log_info("taking the leadership over (epoch %lld) from %s; waiting "
		 "%lld ms for its lease to run out",
		 (long long)l->epoch, prev.holder[0] ? prev.holder : "nobody",
		 (long long)wait_ms);
	l->state = STARTING;
	l->start_at = now + wait_ms;
	l->renew_at = now + l->lease_ms / 4;
	l->valid_until = now + l->lease_ms * 3 / 4;
}

static void start_workers(struct leader *l)
{
	int ret;

	db_fence_publish(l->epoch, l->valid_until);
	db_fence_enter(l->epoch); /* salvage runs on this thread */
	ret = workers_start(l->sm);
	db_fence_enter(0);
	if (ret) {
		lose(l, "the workers did not start");
		return;
	}
	l->state = LEADING;
	atomic_store(&l->leading_epoch, l->epoch);
	log_info("leading (epoch %lld): workers started %lld ms after the "
		 "lock was taken",
		 (long long)l->epoch, (long long)(vas_now_ms() - l->took_lock));
}

/* A standby's look: take the lock if free, evict a hung holder. */
static void campaign(struct leader *l, int64_t now)
{
	struct db_lease cur;
	bool got = false;
	int ret, n;

	if (db_leader_connect(l->conn, call_ms(l)) ||
	    db_leader_try(l->conn, call_ms(l), &got, &cur))
		return;
	if (got) {
		take(l, now);
		return;
	}
	if (cur.epoch != l->seen_epoch) {
		log_info("standby; the leader is %s (epoch %lld)", cur.holder,
			 (long long)cur.epoch);
		l->seen_epoch = cur.epoch;
	}
	if (!cur.lock_pid)
		return; /* released meanwhile: the next tick takes it */
	if (cur.lock_pid == cur.pid && holder_gone(&l->self, &cur)) {
		/* Dead on this machine; its backend has yet to notice. */
		(void)db_leader_evict(l->conn, &cur, call_ms(l), &n);
		log_info("the leader %s is gone: taking over", cur.holder);
		l->soon = true;
		return;
	}
	if (cur.lock_pid != cur.pid) {
		/* Holds the lock but has not written the lease (yet). */
		if (l->mismatch_pid != cur.lock_pid) {
			l->mismatch_pid = cur.lock_pid;
			l->mismatch_since = now;
		}
		if (now - l->mismatch_since < l->lease_ms)
			return;
	} else if (cur.age_ms <= cur.lease_ms) {
		return;
	}
	ret = db_leader_evict(l->conn, &cur, call_ms(l), &n);
	if (!ret)
		log_warn("the leader %s (epoch %lld) has not renewed its "
			 "lease for %lld ms: ended its %d session(s)",
			 cur.holder, (long long)cur.epoch,
			 (long long)cur.age_ms, n);
	l->mismatch_pid = 0;
}

static bool wait_tick(struct leader *l)
{
	bool stop;

	pthread_mutex_lock(&l->lock);
	if (!l->stop)
		vas_cond_wait_until(&l->cond, &l->lock,
				    vas_now_ms() +
					(l->soon ? SOON_MS : tick_ms(l)));
	l->soon = false;
	stop = l->stop;
	pthread_mutex_unlock(&l->lock);
	return !stop;
}

static void *run(void *arg)
{
	struct leader *l = arg;

	do {
		int64_t now = vas_now_ms();

		switch (l->state) {
		case STANDBY:
			campaign(l, now);
			if (l->state == STARTING && l->start_at <= now)
				start_workers(l);
			break;
		case STARTING:
			if (keep(l, now) && now >= l->start_at)
				start_workers(l);
			break;
		case LEADING:
			keep(l, now);
			break;
		}
		/* Drained by standbys too: a listener that lags holds the
		 * server's whole notification queue. */
		if (db_leader_shred_work(l->conn) && l->state == LEADING)
			sm_wake_shred(l->sm);
	} while (wait_tick(l));
	return NULL;
}

int leader_start(struct sm *sm, const char *dsn, const char *holder)
{
	struct leader *l = calloc(1, sizeof(*l));
	int ret;

	if (!l)
		return -ENOMEM;
	l->self.instance = sm->instance;
	snprintf(l->self.holder, sizeof(l->self.holder), "%s", holder);
	identify(&l->self);
	ret = db_leader_new(dsn, &l->self, &l->conn);
	if (ret) {
		free(l);
		return ret;
	}
	l->sm = sm;
	l->lease_ms = sm->cfg.leader_lease_ms;
	pthread_mutex_init(&l->lock, NULL);
	vas_cond_init(&l->cond);
	sm->leader = l;
	if (pthread_create(&l->thread, NULL, run, l)) {
		sm->leader = NULL;
		db_leader_free(l->conn);
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->cond);
		free(l);
		return -EAGAIN;
	}
	return 0;
}

bool leader_stop(struct sm *sm, int wait_ms)
{
	struct leader *l = sm->leader;
	bool ended = true;

	if (!l)
		return true;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	if (l->state != STANDBY) {
		db_fence_revoke();
		atomic_store(&l->leading_epoch, 0);
		if (l->state == LEADING)
			ended = workers_stop(sm, wait_ms);
		/* Stopped cleanly: the successor need not wait for the lease.
		 */
		db_leader_release(l->conn, l->epoch, ended, call_ms(l));
		log_info("leadership handed over (epoch %lld)",
			 (long long)l->epoch);
	}
	if (!ended)
		return false; /* its threads still use the connection state */
	sm->leader = NULL;
	db_leader_free(l->conn);
	pthread_mutex_destroy(&l->lock);
	pthread_cond_destroy(&l->cond);
	free(l);
	return true;
}

bool leader_leading(const struct sm *sm, int64_t *epoch)
{
	int64_t e = sm->leader ? atomic_load(&sm->leader->leading_epoch) : 0;

	if (epoch)
		*epoch = e;
	return e != 0;
}
