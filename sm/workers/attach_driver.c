/*
 * The agent side of attach and detach: send {ver, eventid, lvolstruct},
 * poll getEventStatus until DONE or ERROR or the deadline, send again when
 * the agent forgot the event (it restarted), then record the outcome
 * through the domain - retried while the database is away, so an outcome
 * is not lost to a blip (M47). No transaction is open while the agent
 * works. The leader also resumes the operations whose driver went away
 * (a restart, another manager's death), each on a thread of its own.
 * What this manager drives itself - resumed or for its own requests - is
 * never adopted by it: a leadership lost and taken back while a request
 * thread drives would otherwise drive that operation a second time.
 * Lock order: driver.lock only, never held across a call.
 */
#include "attach_driver.h"
#include "agent_ops.h"
#include "attach.h"
#include "db_fence.h"
#include "worker_loop.h"
#include "vas/clock.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/lvolstruct_rpc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Resumed operations run on at most this many threads at once. */
#define ATTACH_RESUME_THREADS 16
/* How often the leader looks for operations whose driver went away. */
#define ADOPT_PERIOD_MS 2000
/* How long an outcome waits for the database to come back. */
#define RECORD_RETRY_MS	     (30 * 1000)
#define RECORD_RETRY_STEP_MS 1000

/* A resumed operation and the thread that drives it. */
struct resumed {
	bool used;  /* the thread was started and not joined yet */
	bool ended; /* it returned */
	pthread_t thread;
	int32_t root;
	int64_t epoch;
	struct attach_op *op;
	struct sm *sm;
};

/* A volume whose operation a request thread drives (on its stack). */
struct requested {
	int32_t root;
	struct requested *next;
};

struct attach_driver {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* stopping, or a resumed operation ended */
	bool stopping;
	struct worker_loop *adopter; /* while this manager leads */
	struct resumed slots[ATTACH_RESUME_THREADS];
	struct requested *requests; /* driven by request threads now */
	int n_requests;
};

static int send_request(const struct sm_config *cfg, const struct attach_op *op,
			struct agent_result *res)
{
	xmlrpc_value *p, *t, *reply = NULL;
	struct rpc_outcome oc;
	xmlrpc_env env;
	int ret;

	xmlrpc_env_init(&env);
	t = lvs_encode(&env, &op->tree);
	p = xmlrpc_build_value(&env, "{s:i,s:i,s:V}", "ver", VAS_XMLRPC_VERSION,
			       "eventid", op->eventid, "lvolstruct", t);
	if (t)
		xmlrpc_DECREF(t);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		res->outcome = AGENT_UNCERTAIN;
		res->code = VAS_EINTERNAL;
		return -ENOMEM;
	}
	ret = agent_call(cfg, &op->hsvr, cfg->hsvr_port, attach_op_method(op),
			 p, &reply, &oc);
	xmlrpc_DECREF(p);
	if (reply)
		xmlrpc_DECREF(reply);
	xmlrpc_env_clean(&env);
	if (!ret)
		return 0;
	if (ret == -EREMOTEIO) {
		res->outcome = AGENT_REFUSED;
		res->code = oc.fault_code;
		snprintf(res->string, sizeof(res->string), "%s",
			 oc.fault_string);
	} else {
		res->outcome = oc.fail == RPC_FAIL_CONNECT ? AGENT_UNREACHED
							   : AGENT_UNCERTAIN;
		res->code = VAS_EINTERNAL;
	}
	log_warn("%s event %d to hsvr-%08x: %s", attach_op_method(op),
		 op->eventid, op->hsvr.id,
		 oc.detail[0] ? oc.detail : oc.fault_string);
	return -1;
}

/* Runs op on its head agent until an outcome or op_timeout. */
static void drive(const struct sm_config *cfg, const struct attach_op *op,
		  struct agent_result *res)
{
	int64_t deadline = cfg->op_timeout_s > 0
			       ? vas_now_ms() + cfg->op_timeout_s * 1000L
			       : 0;
	int status, result, poll_failures = 0, ret;

	memset(res, 0, sizeof(*res));
	if (send_request(cfg, op, res))
		return;
	for (;;) {
		if (!db_fence_ok()) {
			/* Leadership lost: the next leader resumes it. */
			res->outcome = AGENT_UNCERTAIN;
			res->code = VAS_EINTERNAL;
			return;
		}
		ret = agent_event_status_msg(cfg, &op->hsvr, cfg->hsvr_port,
					     op->eventid, &status, &result,
					     res->string, sizeof(res->string),
					     &res->rolled_back);
		if (ret) {
			/* A lost poll leaves the outcome unknown (M51). */
			if (++poll_failures >= 3) {
				res->outcome = AGENT_UNCERTAIN;
				res->code = VAS_EINTERNAL;
				return;
			}
		} else {
			poll_failures = 0;
			switch (status) {
			case EV_DONE:
				res->outcome = AGENT_DONE;
				return;
			case EV_ERROR:
				res->outcome = AGENT_FAILED;
				res->code = result ? result : VAS_EINTERNAL;
				return;
			case EV_PROGRESS:
				break;
			case EV_NONE:
				/* The agent restarted and forgot: send again.
				 */
				if (send_request(cfg, op, res))
					return;
				break;
			default: /* M77: only DONE is success */
				res->outcome = AGENT_FAILED;
				res->code = VAS_EINTERNAL;
				return;
			}
		}
		if (deadline && vas_now_ms() >= deadline) {
			res->outcome = AGENT_TIMEDOUT;
			res->code = ETIMEDOUT;
			return;
		}
		vas_sleep_ms(cfg->attach_poll_ms); /* the agent's poll period */
	}
}

/* Records res; while the database is away, waits and tries again. */
static int record(struct sm *sm, const struct attach_op *op,
		  const struct agent_result *res)
{
	struct attach_driver *d = sm->attach;
	int64_t deadline = vas_now_ms() + RECORD_RETRY_MS;
	bool unknown = false;
	int ret;

	for (;;) {
		ret = attach_op_record(sm, op, res);
		/*
		 * A try whose COMMIT was lost (-EIO) may have ended the event
		 * itself: a later "no longer in flight" then does not mean the
		 * head failed meanwhile - the outcome is unknown (fault 500).
		 */
		if (ret == -EHOSTDOWN && unknown)
			return -EIO;
		unknown |= ret == -EIO;
		/* -EAGAIN: the database is away (nothing was recorded). */
		if ((ret != -EIO && ret != -EAGAIN) || !d)
			return ret;
		pthread_mutex_lock(&d->lock);
		if (!d->stopping && vas_now_ms() < deadline)
			vas_cond_wait_until(&d->cond, &d->lock,
					    vas_now_ms() +
						RECORD_RETRY_STEP_MS);
		if (d->stopping || vas_now_ms() >= deadline) {
			pthread_mutex_unlock(&d->lock);
			return ret; /* left in flight: the next start resumes it
				     */
		}
		pthread_mutex_unlock(&d->lock);
	}
}

/* Drives, records, frees op. */
static int run(struct sm *sm, struct attach_op *op)
{
	struct agent_result res;
	int ret;

	drive(&sm->cfg, op, &res);
	attach_note_failure(&res); /* the cause for the client (api) */
	if (res.outcome == AGENT_FAILED && res.string[0])
		log_warn("lvol-%08x %s on hsvr-%08x: %s", op->target,
			 attach_op_method(op), op->hsvr.id, res.string);
	ret = record(sm, op, &res);
	log_info("lvol-%08x %s (event %d) on hsvr-%08x: outcome %d code %d",
		 op->target, attach_op_method(op), op->eventid, op->hsvr.id,
		 res.outcome, res.code);
	if (!ret && op->kind != ATTACH_OP_ATTACH)
		sm_wake_shred(sm);
	attach_op_free(op);
	return ret ? ret : attach_op_error(&res);
}

/*
 * sm->hooks.run_attach, on a request thread: run() with op's volume kept
 * among those this manager drives, so that no leadership of it adopts
 * the operation meanwhile (its instance lock - the mark of a live driver
 * - goes with a lost election session). Not a resume thread's budget.
 */
static int run_request(struct sm *sm, struct attach_op *op)
{
	struct attach_driver *d = sm->attach;
	struct requested self = {op->root, NULL}, **p;
	int ret;

	pthread_mutex_lock(&d->lock);
	self.next = d->requests;
	d->requests = &self;
	d->n_requests++;
	pthread_mutex_unlock(&d->lock);
	ret = run(sm, op);
	pthread_mutex_lock(&d->lock);
	for (p = &d->requests; *p != &self; p = &(*p)->next)
		;
	*p = self.next;
	d->n_requests--;
	pthread_mutex_unlock(&d->lock);
	return ret;
}

static void *resume_thread(void *arg)
{
	struct resumed *r = arg;
	struct attach_driver *d = r->sm->attach;

	db_fence_enter(r->epoch);
	(void)run(r->sm, r->op); /* the outcome is in the database */
	pthread_mutex_lock(&d->lock);
	r->op = NULL;
	r->ended = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

/*
 * Joins the resume threads that ended; the number still running. With
 * busy: *busy (heap, NULL when out of memory) gets the volumes driven now,
 * by them and by request threads, *n_busy how many.
 */
static int reap(struct attach_driver *d, int32_t **busy, int *n_busy)
{
	struct requested *q;
	int i, n = 0;

	pthread_mutex_lock(&d->lock);
	if (busy) {
		*n_busy = 0;
		*busy = malloc((ATTACH_RESUME_THREADS + (size_t)d->n_requests) *
			       sizeof(**busy));
		for (q = d->requests; *busy && q; q = q->next)
			(*busy)[(*n_busy)++] = q->root;
	}
	for (i = 0; i < ATTACH_RESUME_THREADS; i++) {
		struct resumed *r = &d->slots[i];

		if (r->used && r->ended) {
			pthread_join(r->thread, NULL);
			r->used = r->ended = false;
		}
		if (!r->used)
			continue;
		n++;
		if (busy && *busy)
			(*busy)[(*n_busy)++] = r->root;
	}
	pthread_mutex_unlock(&d->lock);
	return n;
}

static void start_one(struct sm *sm, struct attach_op *op)
{
	struct attach_driver *d = sm->attach;
	struct resumed *r = NULL;
	int i;

	log_info("lvol-%08x: resuming %s event %d", op->target,
		 attach_op_method(op), op->eventid);
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < ATTACH_RESUME_THREADS && !r; i++)
		if (!d->slots[i].used)
			r = &d->slots[i];
	if (r) {
		*r = (struct resumed){
		    true, false, 0, op->root, db_fence_epoch(), op, sm};
		if (pthread_create(&r->thread, NULL, resume_thread, r)) {
			r->used = false;
			r = NULL;
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (!r) /* claimed but not driven: the next pass takes it again */
		attach_op_free(op);
}

/* The leader's pass: adopts what no live manager drives and drives it. */
static void adopt_pass(void *arg)
{
	struct sm *sm = arg;
	struct attach_op **ops = NULL;
	int32_t *busy = NULL;
	int n_busy = 0, n = 0, i, ret;
	/* Only resumed operations take threads of the budget. */
	int running = reap(sm->attach, &busy, &n_busy);

	if (running == ATTACH_RESUME_THREADS || !busy) {
		free(busy);
		return;
	}
	ret = attach_ops_adopt(sm, busy, n_busy,
			       ATTACH_RESUME_THREADS - running, &ops, &n);
	free(busy);
	if (ret) {
		log_warn("could not look for attach/detach operations to "
			 "resume; next pass retries");
		return;
	}
	for (i = 0; i < n; i++)
		start_one(sm, ops[i]);
	free(ops);
}

static void driver_free(struct attach_driver *d)
{
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}

int attach_driver_start(struct sm *sm)
{
	struct attach_driver *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	vas_cond_init(&d->cond);
	sm->attach = d;
	sm->hooks.run_attach = run_request;
	return 0;
}

int attach_driver_adopt_start(struct sm *sm)
{
	return worker_loop_start("attach", ADOPT_PERIOD_MS, adopt_pass, sm,
				 &sm->attach->adopter);
}

bool attach_driver_adopt_stop(struct sm *sm, int wait_ms)
{
	struct attach_driver *d = sm->attach;
	int64_t deadline = vas_now_ms() + wait_ms;
	bool ended = true;
	int i;

	if (!d)
		return true;
	worker_loop_stop(d->adopter);
	d->adopter = NULL;
	pthread_mutex_lock(&d->lock);
	for (i = 0; i < ATTACH_RESUME_THREADS; i++)
		while (d->slots[i].used && !d->slots[i].ended &&
		       vas_cond_wait_until(&d->cond, &d->lock, deadline) !=
			   ETIMEDOUT)
			;
	for (i = 0; i < ATTACH_RESUME_THREADS; i++)
		if (d->slots[i].used && !d->slots[i].ended)
			ended = false;
	pthread_mutex_unlock(&d->lock);
	if (ended)
		(void)reap(d, NULL, NULL); /* joins them all */
	return ended;
}

bool attach_driver_stop(struct sm *sm, int wait_ms)
{
	struct attach_driver *d = sm->attach;

	if (!d)
		return true;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	if (!attach_driver_adopt_stop(sm, wait_ms))
		return false;
	sm->hooks.run_attach = NULL;
	sm->attach = NULL;
	driver_free(d);
	return true;
}
