/*
 * Health polling (the original's check_servers, inside the manager): every
 * server_check_interval, helloWorld on every data address of every live
 * server; a server none of whose addresses answers, twice health_retry_ms
 * apart, is failed through the notifyFailure path. When most servers stop
 * answering at once, the manager suspects its own network and fails none.
 */
#include "health.h"
#include "agent_ops.h"
#include "db_fence.h"
#include "db_servers.h"
#include "failures.h"
#include "worker_loop.h"
#include "vas/clock.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct probe {
	enum srv_kind kind;
	struct sm_server srv;
	bool down;
	bool was_down; /* silent at the poll (the judge's retry asks all) */
};

static bool answers(struct sm *sm, const struct probe *p)
{
	const char *hosts[SRV_MAX_IPS];
	xmlrpc_value *param, *res = NULL;
	struct rpc_outcome oc;
	xmlrpc_env env;
	int i, ret;

	if (!db_fence_ok())
		return true; /* no longer the leader: judges nothing */
	for (i = 0; i < p->srv.n_ip; i++)
		hosts[i] = p->srv.ip[i];
	xmlrpc_env_init(&env);
	param = xmlrpc_build_value(&env, "{s:i}", "ver", VAS_XMLRPC_VERSION);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		return true; /* cannot tell: never fail a server for our OOM */
	}
	/* Any address that answers (even with a fault) means alive. */
	ret = rpc_call(hosts, p->srv.n_ip,
		       p->kind == SRV_HSVR ? sm->cfg.hsvr_port
					   : sm->cfg.ssvr_port,
		       "helloWorld", param, sm->cfg.health_timeout_ms,
		       RPC_FAILOVER_AGENT, &res, &oc);
	xmlrpc_DECREF(param);
	if (res)
		xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	return ret == 0 || ret == -EREMOTEIO;
}

/* Live (HIGH/LOW) servers of both kinds, with their addresses. */
static int load(struct sm *sm, struct probe **out, int *n)
{
	struct sm_server *rows = NULL;
	struct db_tx *tx = NULL;
	int ret, kind, k, i;

	*out = NULL;
	*n = 0;
	ret = db_begin(sm->db, false, &tx);
	for (kind = SRV_HSVR; !ret && kind <= SRV_SSVR; kind++) {
		struct probe *grown;

		ret = db_servers_live(tx, kind, &rows, &k);
		if (ret)
			break;
		grown = realloc(*out, sizeof(**out) * (size_t)(*n + k + 1));
		if (!grown) {
			ret = -ENOMEM;
			free(rows);
			break;
		}
		*out = grown;
		for (i = 0; i < k; i++) {
			(*out)[*n].kind = kind;
			(*out)[*n].srv = rows[i];
			(*out)[*n].down = false;
			(*n)++;
		}
		free(rows);
	}
	if (tx)
		db_rollback(tx);
	return ret;
}

/* One round of asks over a poll's servers. */
struct round {
	struct sm *sm;
	const struct probe *base;
	int n;
	int64_t start_ms;
	int spread_ms;
	const atomic_bool *stop;
	/* How the round went, for the log: the latest ask, the slowest. */
	_Atomic int64_t late_ms;
	_Atomic int64_t slow_ms;
};

static void note_max(_Atomic int64_t *at, int64_t v)
{
	int64_t cur = atomic_load(at);

	while (v > cur && !atomic_compare_exchange_weak(at, &cur, v))
		;
}

static void ask(void *ctx, void *item)
{
	const struct round *r = ctx;
	struct probe *p = item;
	int64_t due =
	    r->start_ms + (p - r->base) * (int64_t)r->spread_ms / r->n;

	if (!p->down)
		return;
	for (;;) {
		int64_t left = due - vas_now_ms();

		if (atomic_load(r->stop))
			return; /* stopping: the caller judges nothing */
		if (left <= 0)
			break;
		vas_sleep_ms(left < 100 ? (long)left : 100);
	}
	note_max((_Atomic int64_t *)&r->late_ms, vas_now_ms() - due);
	p->down = !answers(r->sm, p);
	note_max((_Atomic int64_t *)&r->slow_ms, vas_now_ms() - due);
}

/*
 * Only servers still marked down are asked (again), in parallel; spread
 * over spread_ms, each at its own offset into the round, so two polls of
 * one server are an interval apart however long others' answers take
 * (issue 14: up to 47.8 s apart at 1 000 servers during a failure, when
 * a loaded machine made some passes 2 s long and others 20 s).
 */
static int check(struct sm *sm, struct probe *p, int n, int spread_ms,
		 const atomic_bool *stop)
{
	struct round r = {sm, p, n, vas_now_ms(), spread_ms, stop, 0, 0};
	int i, down = 0;

	worker_fanout(p, n, sizeof(*p), ask, &r, 32);
	for (i = 0; i < n; i++)
		down += p[i].down;
	log_info("health: %d servers asked in %lld ms (spread over %d ms), "
		 "latest ask %lld ms after its time, slowest done %lld ms "
		 "after; %d silent",
		 n, (long long)(vas_now_ms() - r.start_ms), spread_ms,
		 (long long)atomic_load(&r.late_ms),
		 (long long)atomic_load(&r.slow_ms), down);
	return down;
}

/*
 * The poller and the judge of the servers it found silent are two
 * threads: a retry's wait and a failure's recording (which waits for
 * the mutation lock) never hold up the next poll of the others.
 */
struct health {
	struct sm *sm;
	struct worker_loop *poll;
	struct worker_loop *judge;
	atomic_bool stopping;
	pthread_mutex_t lock;
	struct probe *suspects; /* one poll's servers, the silent marked */
	int n_polled;
	bool judging;
};

/*
 * Retries one poll's servers and fails those silent both times. The
 * retry asks every server at once: a poll spread over time may have
 * caught a network going away half way, which the silent-majority rule
 * must still see whole.
 */
static void judge(struct health *h, struct probe *p, int n)
{
	static const char *const kind_name[] = {"hsvr", "ssvr"};
	struct sm *sm = h->sm;
	int i, down;

	/* One retry, as check_servers did: a blip is not a failure. */
	vas_sleep_ms(sm->cfg.health_retry_ms);
	for (i = 0; i < n; i++) {
		p[i].was_down = p[i].down;
		p[i].down = true;
	}
	down = check(sm, p, n, 0, &h->stopping);
	if (atomic_load(&h->stopping))
		return;
	if (down && n >= 3 && down * 2 > n) {
		log_err("%d of %d servers do not answer: suspecting this "
			"manager's own network, failing none",
			down, n);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!p[i].down || !p[i].was_down)
			continue;
		log_warn("%s-%08x does not answer on any address: failing it",
			 kind_name[p[i].kind], p[i].srv.id);
		if (sm_notify_failure(
			sm, p[i].kind == SRV_HSVR ? TARGET_HSVR : TARGET_SSVR,
			p[i].srv.id))
			log_err("%s-%08x: recording the failure failed; "
				"next pass retries",
				kind_name[p[i].kind], p[i].srv.id);
	}
}

static void judge_pass(void *arg)
{
	struct health *h = arg;
	struct probe *p;
	int n;

	pthread_mutex_lock(&h->lock);
	p = h->suspects;
	n = h->n_polled;
	h->suspects = NULL;
	h->judging = p != NULL;
	pthread_mutex_unlock(&h->lock);
	if (!p)
		return;
	judge(h, p, n);
	free(p);
	pthread_mutex_lock(&h->lock);
	h->judging = false;
	pthread_mutex_unlock(&h->lock);
}

/*
 * Hands a poll with silent servers to the judge; while it judges an
 * earlier one, the next poll finds them again. False: p stays the
 * caller's.
 */
static bool hand_over(struct health *h, struct probe *p, int n)
{
	bool taken;

	pthread_mutex_lock(&h->lock);
	taken = !h->judging && !h->suspects;
	if (taken) {
		h->suspects = p;
		h->n_polled = n;
	}
	pthread_mutex_unlock(&h->lock);
	if (taken)
		worker_loop_wake(h->judge);
	return taken;
}

static void poll_pass(void *arg)
{
	struct health *h = arg;
	struct probe *p = NULL;
	int n = 0, i;

	if (load(h->sm, &p, &n) || !n) {
		free(p);
		return;
	}
	for (i = 0; i < n; i++)
		p[i].down = true;
	/* Over half the interval: the other half is the slow answers'. */
	if (check(h->sm, p, n, h->sm->cfg.server_check_interval_s * 500,
		  &h->stopping) &&
	    !atomic_load(&h->stopping) && hand_over(h, p, n))
		return;
	free(p);
}

int health_start(struct sm *sm)
{
	struct health *h;
	int ret, period_ms = sm->cfg.server_check_interval_s * 1000;

	if (sm->cfg.server_check_interval_s <= 0)
		return 0;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->sm = sm;
	pthread_mutex_init(&h->lock, NULL);
	/* The judge runs when woken; its period is only a fallback. */
	ret = worker_loop_start("health-judge", period_ms, judge_pass, h,
				&h->judge);
	if (!ret)
		ret = worker_loop_start_every("health", period_ms, poll_pass, h,
					      &h->poll);
	if (ret) {
		worker_loop_stop(h->judge);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return ret;
	}
	sm->health = h;
	return 0;
}

void health_stop(struct sm *sm)
{
	struct health *h = sm->health;

	if (!h)
		return;
	atomic_store(&h->stopping, true);
	worker_loop_stop(h->poll);
	worker_loop_stop(h->judge);
	free(h->suspects);
	pthread_mutex_destroy(&h->lock);
	free(h);
	sm->health = NULL;
}
