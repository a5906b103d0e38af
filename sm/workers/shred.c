/*
 * Shred scheduler (sm.md 7.3 with M8, M11, M54-M58 fixed): one thread,
 * woken by state changes and by a timer. Limits: one shred per disk,
 * shredder_count per server, max_shred_tasks in all. Failed attempts back
 * off exponentially (10 s .. 10 min). Dispatch state lives in the DB.
 */
#include "shred.h"
#include "worker_loop.h"
#include "agent_ops.h"
#include "db_disks.h"
#include "db_shred.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

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
	struct retry_arg r = {row->eventid, worker_backoff_s(row->attempts)};

	log_info("shred %d of dext-%08x: retry in %d s", row->eventid,
		 row->dextid, r.delay);
	if (db_run(sm->db, true, do_retry, &r))
		log_err("shred %d: cannot requeue", row->eventid);
}

static void dispatch(void *ctx, void *item)
{
	struct shred_row *row = item;
	struct sm *sm = ctx;
	xmlrpc_value *p, *res = NULL;
	struct rpc_outcome oc;
	struct sm_server srv = {0};
	xmlrpc_env env;
	int ret;

	if (agent_server_load(sm, SRV_SSVR, row->ssvrid, &srv) ||
	    db_run(sm->db, true, do_start, &row->eventid))
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

static void poll_one(void *ctx, void *item)
{
	struct shred_row *row = item;
	struct sm *sm = ctx;
	struct sm_server srv = {0};
	int status = 0, result = 0, ret;

	if (agent_server_load(sm, SRV_SSVR, row->ssvrid, &srv))
		return;
	ret = agent_shred_status(
	    &sm->cfg, &srv, sm->cfg.ssvr_port, row->eventid, row->dextid,
	    row->pdskid, row->offset_vb, row->capacity_vb, &status, &result);
	if (!ret && status == EV_PROGRESS)
		return;
	if (!ret && status == EV_DONE) {
		if (db_run(sm->db, true, do_done, row))
			log_err("shred %d: cannot record completion",
				row->eventid);
		else
			log_debug("shred %d of dext-%08x done", row->eventid,
				  row->dextid);
		return;
	}
	retry(sm, row);
}

static int running(struct db_tx *tx, void **rows, int *n)
{
	return db_shred_running(tx, (struct shred_row **)rows, n);
}

static int pick(struct sm *sm, struct db_tx *tx, int max, void **rows, int *n)
{
	return db_shred_pick(tx, max, sm->cfg.shredder_count,
			     (struct shred_row **)rows, n);
}

static int salvage(struct db_tx *tx, void *arg)
{
	(void)arg;
	return db_shred_salvage(tx);
}

static void shred_pass(void *arg)
{
	struct sm *sm = arg;
	struct worker_queue q = {sizeof(struct shred_row),
				 sm->cfg.max_shred_tasks,
				 running,
				 pick,
				 poll_one,
				 dispatch};

	worker_queue_pass(sm, &q);
}

static void wake(struct sm *sm)
{
	worker_loop_wake(sm->shred);
}

int shred_sched_start(struct sm *sm)
{
	int ret;

	/* A failed salvage would strand rows forever (M76): fatal. */
	ret = db_run(sm->db, true, salvage, NULL);
	if (ret)
		return ret;
	sm->hooks.wake_shred = wake; /* a no-op until the loop runs */
	return worker_loop_start("shred", sm->cfg.shred_poll_ms, shred_pass, sm,
				 &sm->shred);
}
