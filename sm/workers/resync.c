/*
 * Resync worker (sm.md 8.4.3-8.4.6 with M61-M70, M77 fixed): each pass
 * books replacements for legs still on failed parts, polls running
 * rebuilds, and starts new ones - at most max_resync_tasks, one per target
 * disk and one per mirror, fewest in-sync legs first. State lives in the
 * resync table; failures back off exponentially.
 */
#include "resync.h"
#include "agent_ops.h"
#include "db_resync.h"
#include "db_servers.h"
#include "failures.h"
#include "worker_loop.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/lvolstruct_rpc.h"

#include <errno.h>
#include <stdlib.h>

struct retry_arg {
	int32_t eventid;
	int delay;
};

static int do_retry(struct db_tx *tx, void *arg)
{
	struct retry_arg *r = arg;

	return db_resync_retry(tx, r->eventid, r->delay);
}

static int do_done(struct db_tx *tx, void *arg)
{
	return db_resync_done(tx, arg);
}

static int do_start(struct db_tx *tx, void *arg)
{
	return db_resync_start(tx, *(int32_t *)arg);
}

static int do_housekeeping(struct db_tx *tx, void *arg)
{
	int ret = sm_evacuate(arg, tx);

	return ret ? ret : db_resync_purge(tx);
}

static void retry(struct sm *sm, const struct resync_row *row)
{
	struct retry_arg r = {row->eventid, worker_backoff_s(row->attempts)};

	log_info("resync %d of dext-%08x: retry in %d s", row->eventid,
		 row->add, r.delay);
	if (db_run(sm->db, true, do_retry, &r))
		log_err("resync %d: cannot requeue", row->eventid);
}

static int build_request(struct sm *sm, const struct resync_row *row,
			 xmlrpc_env *env, xmlrpc_value **out)
{
	struct vas_lvolstruct add, rm;
	xmlrpc_value *a = NULL, *r = NULL;
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	ret = db_resync_request(tx, row, sm->cfg.iqn_prefix, &add, &rm);
	db_rollback(tx);
	if (ret)
		return ret;
	a = lvs_encode(env, &add);
	r = lvs_encode(env, &rm);
	lvs_clear(&add);
	lvs_clear(&rm);
	*out = xmlrpc_build_value(
	    env, "{s:i,s:i,s:i,s:V,s:V}", "ver", VAS_XMLRPC_VERSION, "eventid",
	    row->eventid, "mirrorid", row->mirrorid, "add", a, "remove", r);
	if (a)
		xmlrpc_DECREF(a);
	if (r)
		xmlrpc_DECREF(r);
	return env->fault_occurred ? -ENOMEM : 0;
}

static void dispatch(void *ctx, void *item)
{
	struct resync_row *row = item;
	struct sm *sm = ctx;
	xmlrpc_value *p = NULL, *res = NULL;
	struct sm_server head = {0};
	struct rpc_outcome oc;
	xmlrpc_env env;
	int ret;

	xmlrpc_env_init(&env);
	ret = agent_server_load(sm, SRV_HSVR, row->hsvrid, &head);
	if (!ret)
		ret = build_request(sm, row, &env, &p);
	if (!ret)
		ret = db_run(sm->db, true, do_start, &row->eventid);
	if (ret) {
		xmlrpc_env_clean(&env);
		return; /* the row vanished or the database is away */
	}
	row->attempts++;
	log_info("resync %d: mirr-%08x add dext-%08x remove dext-%08x on "
		 "hsvr-%08x",
		 row->eventid, row->mirrorid, row->add, row->rm, row->hsvrid);
	ret = agent_call(&sm->cfg, &head, sm->cfg.hsvr_port,
			 "replaceMirrorDisk", p, &res, &oc);
	xmlrpc_DECREF(p);
	if (res)
		xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	if (ret) {
		log_warn("replaceMirrorDisk %d: %s", row->eventid,
			 oc.detail[0] ? oc.detail : oc.fault_string);
		retry(sm, row);
	}
}

static void poll_one(void *ctx, void *item)
{
	struct resync_row *row = item;
	struct sm *sm = ctx;
	struct sm_server head = {0};
	int status = 0, result = 0, ret;
	char note[256];

	if (agent_server_load(sm, SRV_HSVR, row->hsvrid, &head))
		return;
	ret = agent_event_status_msg(&sm->cfg, &head, sm->cfg.hsvr_port,
				     row->eventid, &status, &result, note,
				     sizeof(note), NULL);
	if (!ret && status == EV_PROGRESS)
		return;
	/* Done, but the head kept the old leg built (its session, map). */
	if (!ret && status == EV_DONE && note[0])
		log_warn("resync %d: hsvr-%08x: %s", row->eventid, row->hsvrid,
			 note);
	if (!ret && status == EV_DONE) {
		if (db_run(sm->db, true, do_done, row))
			log_err("resync %d: cannot record completion",
				row->eventid);
		else
			log_info("resync %d: dext-%08x in sync", row->eventid,
				 row->add);
		sm_wake_shred(sm);
		return;
	}
	/* NONE (agent restarted), ERROR, garbage: only DONE is success. */
	retry(sm, row);
}

static int running(struct db_tx *tx, void **rows, int *n)
{
	return db_resync_running(tx, (struct resync_row **)rows, n);
}

static int pick(struct sm *sm, struct db_tx *tx, int max, void **rows, int *n)
{
	(void)sm;
	return db_resync_pick(tx, max, (struct resync_row **)rows, n);
}

static void pass(void *arg)
{
	struct sm *sm = arg;
	struct worker_queue q = {sizeof(struct resync_row),
				 sm->cfg.max_resync_tasks,
				 running,
				 pick,
				 poll_one,
				 dispatch};

	if (db_run(sm->db, true, do_housekeeping, sm))
		log_warn("resync housekeeping failed; retrying next pass");
	worker_queue_pass(sm, &q);
}

static int salvage(struct db_tx *tx, void *arg)
{
	(void)arg;
	return db_resync_salvage(tx);
}

static void wake(struct sm *sm)
{
	worker_loop_wake(sm->resync);
}

int resync_start(struct sm *sm)
{
	int ret = db_run(sm->db, true, salvage, NULL);

	if (ret)
		return ret;	      /* stranded rows would never run (M76) */
	sm->hooks.wake_resync = wake; /* a no-op until the loop runs */
	return worker_loop_start("resync", sm->cfg.resync_poll_ms, pass, sm,
				 &sm->resync);
}
