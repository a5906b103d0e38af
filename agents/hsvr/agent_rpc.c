/*
 * XML-RPC handlers of hsvr_agent: decode and validate the request, record
 * the event, queue the operation. The dispatcher (lib/rpc_dispatch.c)
 * checks ver (71), unknown methods (1) and the member specs below (22).
 */
#include "agent_rpc.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "mdstat.h"
#include "ops.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/lvolstruct_rpc.h"

#define EVENTID                                                                \
	{                                                                      \
		"eventid", RPC_T_INT, RPC_REQUIRED, 0, INT32_MAX, RPC_T_INT    \
	}

static const struct rpc_param_spec lvol_spec[] = {
    EVENTID,
    {"lvolstruct", RPC_T_STRUCT, RPC_REQUIRED, 0, 0, RPC_T_INT},
    {NULL, RPC_T_INT, 0, 0, 0, RPC_T_INT},
};

static const struct rpc_param_spec replace_spec[] = {
    EVENTID,
    {"mirrorid", RPC_T_INT, RPC_REQUIRED, 1, INT32_MAX, RPC_T_INT},
    {"add", RPC_T_STRUCT, RPC_REQUIRED, 0, 0, RPC_T_INT},
    {"remove", RPC_T_STRUCT, RPC_REQUIRED, 0, 0, RPC_T_INT},
    {NULL, RPC_T_INT, 0, 0, 0, RPC_T_INT},
};

static const struct rpc_param_spec event_spec[] = {
    EVENTID,
    /* Ours: 1 asks for [status, result, cause, rolled_back]. */
    {"detail", RPC_T_INT, 0, 0, 1, RPC_T_INT},
    {NULL, RPC_T_INT, 0, 0, 0, RPC_T_INT},
};

static int hello(struct rpc_request *req)
{
	rpc_result_int(req, 0);
	return 0;
}

/*
 * Records eventid as PROGRESS (with an optional hook) and queues op.
 * Takes ownership of op. A known eventid is an idempotent re-send (3.1).
 */
static int submit(struct hsvr *h, struct op *op, event_hook hook, void *arg)
{
	int64_t eventid = op->eventid;
	int ret;

	ret = event_table_add(h->events, eventid, EV_PROGRESS, hook, arg,
			      hook ? resync_state_put : NULL);
	if (ret <= 0) {
		op_free(op);
		return ret;
	}
	ret = op_enqueue(op);
	if (ret) {
		log_err("event %lld: cannot queue: %s", (long long)eventid,
			strerror(-ret));
		event_table_delete(h->events, eventid);
		op_free(op);
	}
	return ret;
}

/* The lvolstruct must decode and make a graph (checked before queueing). */
static int decode_lvol(struct hsvr *h, struct rpc_request *req,
		       struct vas_lvolstruct *lv)
{
	struct hgraph g;
	int ret;

	ret = lvs_decode(rpc_member(req, "lvolstruct"), lv);
	if (ret)
		return -EINVAL;
	if (lv->lvoltype != LVOLTYPE_LVOL) {
		lvs_clear(lv);
		return -EINVAL;
	}
	ret = graph_build(h, lv, &g);
	if (ret) {
		lvs_clear(lv);
		return -EINVAL;
	}
	graph_free(&g);
	return 0;
}

static struct op *op_new(struct hsvr *h, enum op_kind kind, int64_t eventid)
{
	struct op *op = calloc(1, sizeof(*op));

	if (!op)
		return NULL;
	op->kind = kind;
	op->eventid = eventid;
	op->h = h;
	return op;
}

static int lvol_op(struct rpc_request *req, enum op_kind kind)
{
	struct hsvr *h = req->ctx;
	int64_t eventid = rpc_int(req, "eventid", 0);
	struct op *op;
	int ret;

	if (event_table_exists(h->events, eventid))
		return 0;
	op = op_new(h, kind, eventid);
	if (!op)
		return -ENOMEM;
	ret = decode_lvol(h, req, &op->lv);
	if (ret) {
		free(op);
		return ret;
	}
	log_info("event %lld: %s lvol-%08x", (long long)eventid,
		 kind == OP_ATTACH ? "attach"
		 : kind == OP_GROW ? "extend"
				   : "detach",
		 (uint32_t)op->lv.lvolid);
	return submit(h, op, NULL, NULL);
}

static int attach(struct rpc_request *req)
{
	return lvol_op(req, OP_ATTACH);
}

static int detach(struct rpc_request *req)
{
	return lvol_op(req, OP_DETACH);
}

/* Ours (issue 16): the volume's whole tree, grown by the manager. */
static int extend(struct rpc_request *req)
{
	return lvol_op(req, OP_GROW);
}

static int decode_dext(struct rpc_request *req, const char *name,
		       struct vas_lvolstruct *d, int may_be_empty)
{
	int ret = lvs_decode(rpc_member(req, name), d);

	if (ret)
		return -EINVAL;
	if (may_be_empty && d->lvolid == 0)
		return 0;
	/* The manager names a dead "remove" extent only: offset and capacity
	 * 0 (sm.md 8.4.5). */
	if (d->lvoltype != LVOLTYPE_DEXT || d->n_paths <= 0 || d->lvolid <= 0 ||
	    (d->capacity <= 0 && !may_be_empty)) {
		lvs_clear(d);
		return -EINVAL;
	}
	return 0;
}

static int replace(struct rpc_request *req)
{
	struct hsvr *h = req->ctx;
	int64_t eventid = rpc_int(req, "eventid", 0);
	int32_t ids[MDSTAT_MAX_MEMBERS];
	int states[MDSTAT_MAX_MEMBERS], n = 0, i, ret;
	struct resync_state *rs;
	struct op *op;

	if (event_table_exists(h->events, eventid))
		return 0;
	op = op_new(h, OP_RESYNC, eventid);
	if (!op)
		return -ENOMEM;
	op->mirrorid = (int32_t)rpc_int(req, "mirrorid", 0);
	ret = decode_dext(req, "add", &op->add, 0);
	if (!ret)
		ret = decode_dext(req, "remove", &op->remove, 1);
	/* No I/O under the event lock (W1): the table lock is not held. */
	if (!ret) {
		ret = mirror_members(h, op->mirrorid, ids, states,
				     MDSTAT_MAX_MEMBERS, &n);
		if (ret && ret != -ENOENT) {
			log_err("mirror %08x: member states: %s",
				(uint32_t)op->mirrorid, strerror(-ret));
			ret = -VAS_EINTERNAL; /* not the caller's fault */
		}
	}
	if (!ret && !n)
		ret = -ENOENT;
	if (ret) {
		op_free(op);
		return ret;
	}
	for (i = 0; i < n && ids[i] != op->add.lvolid; i++)
		;
	log_info("event %lld: replaceMirrorDisk mirror %08x add %08x "
		 "remove %08x",
		 (long long)eventid, (uint32_t)op->mirrorid,
		 (uint32_t)op->add.lvolid, (uint32_t)op->remove.lvolid);
	if (i < n && states[i] == MD_IN_SYNC) {
		op_free(op);
		ret = event_table_add(h->events, eventid, EV_DONE, NULL, NULL,
				      NULL);
		return ret < 0 ? ret : 0;
	}
	if (i < n && states[i] == MD_REBUILDING) {
		/* Rebuild already running: only follow it. */
		op_free(op);
		rs = resync_state_new(h, (int32_t)rpc_int(req, "mirrorid", 0),
				      ids[i], 0);
		if (!rs)
			return -ENOMEM;
		ret = event_table_add(h->events, eventid, EV_PROGRESS,
				      resync_hook, rs, resync_state_put);
		return ret < 0 ? ret : 0;
	}
	rs = resync_state_new(h, op->mirrorid, op->add.lvolid, 1);
	if (!rs) {
		op_free(op);
		return -ENOMEM;
	}
	resync_state_get(rs);
	op->rs = rs; /* the worker's reference */
	ret = submit(h, op, resync_hook, rs);
	return ret < 0 ? ret : 0;
}

static int event_status(struct rpc_request *req)
{
	struct hsvr *h = req->ctx;
	int status, result;
	xmlrpc_value *arr;
	char msg[256];
	int rolled_back;

	event_table_read_msg(h->events, rpc_int(req, "eventid", 0), &status,
			     &result, msg, sizeof(msg), &rolled_back);
	arr = xmlrpc_array_new(req->env);
	rpc_append(req, arr, xmlrpc_int_new(req->env, status));
	rpc_append(req, arr, xmlrpc_int_new(req->env, result));
	/*
	 * 3.0's callers send no "detail" and read [status, result]; ours
	 * also get the cause and whether a failed attach left nothing.
	 */
	if (rpc_int(req, "detail", 0)) {
		rpc_append(req, arr, xmlrpc_string_new(req->env, msg));
		rpc_append(req, arr, xmlrpc_int_new(req->env, rolled_back));
	}
	req->result = arr;
	return 0;
}

const struct rpc_method hsvr_methods[] = {
    {"helloWorld", hello, NULL, RPC_M_NOVERSION},
    {"attachLogicalVolume", attach, lvol_spec, RPC_M_MUTATES},
    {"detachLogicalVolume", detach, lvol_spec, RPC_M_MUTATES},
    {"replaceMirrorDisk", replace, replace_spec, RPC_M_MUTATES},
    {"extendLogicalVolume", extend, lvol_spec, RPC_M_MUTATES},
    {"getEventStatus", event_status, event_spec, 0},
    {NULL, NULL, NULL, 0},
};
