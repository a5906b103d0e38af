/*
 * The fencing worker: a pass sends fenceInitiators for every due fence row
 * (in parallel, one call per storage server and failed head) and records
 * the answers in one transaction. An agent that answers 0 has refused the
 * head's addresses on every target and cut its sessions; the row goes. One
 * that cannot fence (an agent without the method, or initiator_address
 * set by hand: the admin's own list) is logged and counts as answered, as
 * the storage admin chose there. Any other outcome is retried after
 * RETRY_MS; meanwhile the volumes wait, unless the storage server itself
 * is failed (then its legs are rebuilt elsewhere and not used).
 */
#include "fencing.h"
#include "agent_ops.h"
#include "db_fencing.h"
#include "worker_loop.h"
#include "vas/clock.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERIOD_MS     2000
#define RETRY_MS      1000
#define MAX_ROWS      256
#define AWAIT_STEP_MS 100

struct fence_call {
	struct fencing_row row;
	bool answered;
};

/* {ver, hsvrid, initiators: [address...]} */
static xmlrpc_value *build_param(xmlrpc_env *env, const struct fencing_row *f)
{
	char buf[sizeof(f->initiators)], *tok, *save = NULL;
	xmlrpc_value *arr = xmlrpc_array_new(env), *param = NULL;

	snprintf(buf, sizeof(buf), "%s", f->initiators);
	for (tok = strtok_r(buf, " ", &save); tok && !env->fault_occurred;
	     tok = strtok_r(NULL, " ", &save)) {
		xmlrpc_value *s = xmlrpc_string_new(env, tok);

		if (!env->fault_occurred) {
			xmlrpc_array_append_item(env, arr, s);
			xmlrpc_DECREF(s);
		}
	}
	if (!env->fault_occurred)
		param = xmlrpc_build_value(env, "{s:i,s:i,s:A}", "ver",
					   VAS_XMLRPC_VERSION, "hsvrid",
					   f->hsvrid, "initiators", arr);
	if (arr)
		xmlrpc_DECREF(arr);
	return env->fault_occurred ? NULL : param;
}

static void call_one(void *ctx, void *item)
{
	struct sm *sm = ctx;
	struct fence_call *c = item;
	struct rpc_outcome oc;
	struct sm_server srv;
	xmlrpc_value *param, *res = NULL;
	xmlrpc_env env;
	int ret;

	ret = agent_server_load(sm, SRV_SSVR, c->row.ssvrid, &srv);
	if (ret)
		return;
	xmlrpc_env_init(&env);
	param = build_param(&env, &c->row);
	xmlrpc_env_clean(&env);
	if (!param)
		return;
	ret = agent_call(&sm->cfg, &srv, sm->cfg.ssvr_port, "fenceInitiators",
			 param, &res, &oc);
	xmlrpc_DECREF(param);
	if (res)
		xmlrpc_DECREF(res);
	if (!ret) {
		log_warn("hsvr-%08x fenced on ssvr-%08x (%s)", c->row.hsvrid,
			 c->row.ssvrid, c->row.initiators);
		c->answered = true;
	} else if (ret == -EREMOTEIO && (oc.fault_code == VAS_ENOMETHOD ||
					 oc.fault_code == EOPNOTSUPP)) {
		log_err("ssvr-%08x cannot fence hsvr-%08x (%d %s): its targets "
			"may still let that head in",
			c->row.ssvrid, c->row.hsvrid, oc.fault_code,
			oc.fault_string);
		c->answered = true;
	} else if (c->row.attempts % 10 == 0) {
		log_warn("ssvr-%08x: fencing hsvr-%08x failed (%s%s): retried, "
			 "its volumes wait",
			 c->row.ssvrid, c->row.hsvrid, oc.fault_string,
			 oc.detail);
	}
}

struct record_arg {
	struct fence_call *calls;
	int n;
};

static int record(struct db_tx *tx, void *arg)
{
	struct record_arg *a = arg;
	int i, ret = 0;

	for (i = 0; !ret && i < a->n; i++)
		ret = a->calls[i].answered
			  ? db_fencing_done(tx, a->calls[i].row.hsvrid,
					    a->calls[i].row.ssvrid)
			  : db_fencing_retry(tx, a->calls[i].row.hsvrid,
					     a->calls[i].row.ssvrid, RETRY_MS);
	return ret;
}

static int load(struct db_tx *tx, void *arg)
{
	struct record_arg *a = arg;
	struct fencing_row *rows = NULL;
	int i, n = 0, ret = db_fencing_due(tx, MAX_ROWS, &rows, &n);

	if (!ret && n) {
		a->calls = calloc((size_t)n, sizeof(*a->calls));
		ret = a->calls ? 0 : -ENOMEM;
	}
	for (i = 0; !ret && i < n; i++)
		a->calls[i].row = rows[i];
	a->n = ret ? 0 : n;
	free(rows);
	return ret;
}

static void pass(void *arg)
{
	struct sm *sm = arg;
	struct record_arg a = {NULL, 0};

	if (db_run(sm->db, false, load, &a) || !a.n) {
		free(a.calls);
		return;
	}
	worker_fanout(a.calls, a.n, sizeof(*a.calls), call_one, sm, 16);
	if (db_run(sm->db, true, record, &a))
		log_err("fencing: recording %d answer(s) failed; resent", a.n);
	worker_loop_set_next(sm->fencing, RETRY_MS);
	free(a.calls);
}

static void wake(struct sm *sm)
{
	if (sm->fencing)
		worker_loop_wake(sm->fencing);
}

struct waits_arg {
	int32_t lvolid, hsvrid, ssvrid;
};

static int waits(struct db_tx *tx, void *arg)
{
	struct waits_arg *w = arg;

	return db_fencing_waits(tx, w->lvolid, &w->hsvrid, &w->ssvrid);
}

/* Any manager: the leader's worker does the calls; we watch the rows. */
static int await(struct sm *sm, int32_t lvolid)
{
	int64_t deadline =
	    vas_now_ms() +
	    (sm->cfg.op_timeout_s > 0 ? sm->cfg.op_timeout_s : 60) * 1000L;
	struct waits_arg w = {lvolid, 0, 0};
	int ret;

	for (;;) {
		wake(sm);
		ret = db_run(sm->db, false, waits, &w);
		if (ret <= 0)
			return ret;
		if (vas_now_ms() >= deadline) {
			log_warn("attach of lvol-%08x refused: hsvr-%08x still "
				 "not fenced on ssvr-%08x",
				 lvolid, w.hsvrid, w.ssvrid);
			return -EAGAIN;
		}
		vas_sleep_ms(AWAIT_STEP_MS);
	}
}

void fencing_hooks_init(struct sm *sm)
{
	sm->hooks.await_fencing = await;
}

int fencing_start(struct sm *sm)
{
	int ret =
	    worker_loop_start("fencing", PERIOD_MS, pass, sm, &sm->fencing);

	if (!ret)
		sm->hooks.wake_fencing = wake;
	return ret;
}

void fencing_stop(struct sm *sm)
{
	sm->hooks.wake_fencing = NULL;
	worker_loop_stop(sm->fencing);
	sm->fencing = NULL;
}
