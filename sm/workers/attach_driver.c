/*
 * The agent side of attach and detach: send {ver, eventid, lvolstruct},
 * poll getEventStatus until DONE or ERROR or the deadline, send again when
 * the agent forgot the event (it restarted), then record the outcome
 * through the domain - retried while the database is away, so an outcome
 * is not lost to a blip (M47). No transaction is open while the agent
 * works. Lock order: driver.lock only, never held across a call.
 */
#include "attach_driver.h"
#include "agent_ops.h"
#include "attach.h"
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
/* How long an outcome waits for the database to come back. */
#define RECORD_RETRY_MS	     (30 * 1000)
#define RECORD_RETRY_STEP_MS 1000

struct attach_driver {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* stopping, or resumed operations done */
	bool stopping;
	bool resuming; /* the resume thread has not finished */
	pthread_t resumer;
	struct attach_op **resumed;
	int n_resumed;
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
	int ret;

	for (;;) {
		ret = attach_op_record(sm, op, res);
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

/* sm->hooks.run_attach: drives, records, frees op. */
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

static void resume_one(void *ctx, void *item)
{
	struct attach_op **op = item;

	(void)run(ctx, *op); /* the outcome is in the database */
	*op = NULL;
}

static void *resume_all(void *arg)
{
	struct sm *sm = arg;
	struct attach_driver *d = sm->attach;

	worker_fanout(d->resumed, d->n_resumed, sizeof(*d->resumed), resume_one,
		      sm, ATTACH_RESUME_THREADS);
	pthread_mutex_lock(&d->lock);
	d->resuming = false;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static void driver_free(struct attach_driver *d)
{
	free(d->resumed);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->cond);
	free(d);
}

int attach_driver_start(struct sm *sm)
{
	struct attach_driver *d = calloc(1, sizeof(*d));
	int ret, i;

	if (!d)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	vas_cond_init(&d->cond);
	sm->attach = d;
	sm->hooks.run_attach = run;
	ret = attach_ops_in_flight(sm, &d->resumed, &d->n_resumed);
	for (i = 0; i < d->n_resumed; i++)
		log_info("lvol-%08x: resuming %s event %d",
			 d->resumed[i]->target, attach_op_method(d->resumed[i]),
			 d->resumed[i]->eventid);
	if (!d->n_resumed)
		return ret;
	d->resuming = true;
	if (pthread_create(&d->resumer, NULL, resume_all, sm)) {
		d->resuming = false;
		for (i = 0; i < d->n_resumed; i++)
			attach_op_free(d->resumed[i]);
		d->n_resumed = 0;
		return -EAGAIN;
	}
	return ret;
}

bool attach_driver_stop(struct sm *sm, int wait_ms)
{
	struct attach_driver *d = sm->attach;
	int64_t deadline = vas_now_ms() + wait_ms;
	bool ended;

	if (!d)
		return true;
	pthread_mutex_lock(&d->lock);
	d->stopping = true;
	pthread_cond_broadcast(&d->cond);
	while (d->resuming &&
	       vas_cond_wait_until(&d->cond, &d->lock, deadline) != ETIMEDOUT)
		;
	ended = !d->resuming;
	pthread_mutex_unlock(&d->lock);
	if (!ended)
		return false;
	if (d->n_resumed)
		pthread_join(d->resumer, NULL);
	sm->hooks.run_attach = NULL;
	sm->attach = NULL;
	driver_free(d);
	return true;
}
