/*
 * Shred scheduler (sm.md 7.3 with M8, M11, M54-M58 fixed): one thread,
 * woken by state changes and by a timer. Limits: one shred per disk,
 * shredder_count per server, max_shred_tasks in all. Failed attempts back
 * off exponentially (10 s .. 10 min). Dispatch state lives in the DB.
 */
#include "shred.h"
#include "agent_ops.h"
#include "db_disks.h"
#include "db_shred.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct shred_sched {
	struct sm *sm;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool woken;
	bool stop;
};

static int backoff_s(int attempts)
{
	int s = 10;

	while (attempts-- > 1 && s < 600)
		s *= 2;
	return s > 600 ? 600 : s;
}

static int with_tx(struct sm *sm, int (*fn)(struct db_tx *, void *), void *arg)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, true, &tx);

	if (ret)
		return ret;
	ret = fn(tx, arg);
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	return db_commit(tx);
}

struct retry_arg {
	int32_t eventid;
	int delay;
};

static int do_retry(struct db_tx *tx, void *arg)
{
	struct retry_arg *r = arg;

	return db_shred_retry(tx, r->eventid, r->delay);
}

static int do_done(struct db_tx *tx, void *arg)
{
	return db_shred_done(tx, arg);
}

static int do_start(struct db_tx *tx, void *arg)
{
	return db_shred_start(tx, *(int32_t *)arg);
}

static void retry(struct sm *sm, const struct shred_row *row)
{
	struct retry_arg r = {row->eventid, backoff_s(row->attempts)};

	log_info("shred %d of dext-%08x: retry in %d s", row->eventid,
		 row->dextid, r.delay);
	if (with_tx(sm, do_retry, &r))
		log_err("shred %d: cannot requeue", row->eventid);
}

static int ssvr_of(struct sm *sm, int32_t ssvrid, struct srv_row *srv)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	srv->id = ssvrid;
	ret = db_server_ips(tx, SRV_SSVR, ssvrid, srv);
	db_rollback(tx);
	return ret;
}

static void dispatch(struct sm *sm, struct shred_row *row)
{
	xmlrpc_value *p, *res = NULL;
	struct rpc_outcome oc;
	struct srv_row srv = {0};
	xmlrpc_env env;
	int ret;

	if (ssvr_of(sm, row->ssvrid, &srv) || with_tx(sm, do_start, &row->eventid))
		return;
	row->attempts++;
	xmlrpc_env_init(&env);
	p = xmlrpc_build_value(&env, "{s:i,s:i,s:i,s:i,s:i,s:i}", "ver",
			       VAS_XMLRPC_VERSION, "eventid", row->eventid,
			       "dextid", row->dextid, "offset",
			       (int)row->offset_vb, "capacity",
			       (int)row->capacity_vb, "pdskid", row->pdskid);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		retry(sm, row);
		return;
	}
	ret = agent_call(&sm->cfg, &srv, sm->cfg.ssvr_port,
			 "registerShredRequest", p, &res, &oc);
	xmlrpc_DECREF(p);
	if (res)
		xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	if (ret) {
		log_warn("registerShredRequest %d to ssvr-%08x: %s",
			 row->eventid, row->ssvrid,
			 oc.detail[0] ? oc.detail : oc.fault_string);
		retry(sm, row);
	}
}

static void poll_one(struct sm *sm, struct shred_row *row)
{
	struct srv_row srv = {0};
	int status = 0, result = 0, ret;

	if (ssvr_of(sm, row->ssvrid, &srv))
		return;
	ret = agent_event_status(&sm->cfg, &srv, sm->cfg.ssvr_port,
				 row->eventid, &status, &result);
	if (!ret && status == EV_PROGRESS)
		return;
	if (!ret && status == EV_DONE) {
		if (with_tx(sm, do_done, row))
			log_err("shred %d: cannot record completion",
				row->eventid);
		else
			log_debug("shred %d of dext-%08x done", row->eventid,
				  row->dextid);
		return;
	}
	retry(sm, row);
}

static void pass(struct sm *sm)
{
	struct shred_row *rows = NULL;
	struct db_tx *tx = NULL;
	int n = 0, i, running;

	if (db_begin(sm->db, false, &tx))
		return;
	if (!db_shred_running(tx, &rows, &n)) {
		db_rollback(tx);
		tx = NULL;
		for (i = 0; i < n; i++)
			poll_one(sm, &rows[i]);
	}
	db_rollback(tx);
	running = n;
	free(rows);
	rows = NULL;
	n = 0;
	if (running >= sm->cfg.max_shred_tasks || db_begin(sm->db, false, &tx))
		return;
	if (!db_shred_pick(tx, sm->cfg.max_shred_tasks - running,
			   sm->cfg.shredder_count, &rows, &n)) {
		db_rollback(tx);
		tx = NULL;
		for (i = 0; i < n; i++)
			dispatch(sm, &rows[i]);
	}
	db_rollback(tx);
	free(rows);
}

static void *run(void *arg)
{
	struct shred_sched *s = arg;
	struct timespec until;
	int period = s->sm->cfg.shred_poll_ms;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		pthread_mutex_unlock(&s->lock);
		pass(s->sm);
		pthread_mutex_lock(&s->lock);
		if (s->woken || s->stop) {
			s->woken = false;
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += period / 1000;
		until.tv_nsec += (period % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->cond, &s->lock, &until);
		s->woken = false;
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int salvage(struct db_tx *tx, void *arg)
{
	(void)arg;
	return db_shred_salvage(tx);
}

int shred_sched_start(struct sm *sm)
{
	struct shred_sched *s;
	int ret;

	/* A failed salvage would strand rows forever (M76): fatal. */
	ret = with_tx(sm, salvage, NULL);
	if (ret)
		return ret;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sm = sm;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (pthread_create(&s->thread, NULL, run, s)) {
		free(s);
		return -EAGAIN;
	}
	sm->shred = s;
	return 0;
}

void shred_sched_wake(struct shred_sched *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->woken = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void shred_sched_stop(struct shred_sched *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = true;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}

void sm_wake_shred(struct sm *sm)
{
	shred_sched_wake(sm->shred);
}
