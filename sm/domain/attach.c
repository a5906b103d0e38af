/*
 * Synchronous attach and detach (sm.md 6.3, 6.4, 5.3, 5.4): what may be
 * attached where, the in-flight record, and what each outcome means for
 * the attach row and the legs. The agent is driven by sm/workers.
 */
#include "attach.h"
#include "db_chap.h"
#include "db_drivers.h"
#include "db_grow.h"
#include "db_servers.h"
#include "db_volumes.h"
#include "domain_priv.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *attach_op_method(const struct attach_op *op)
{
	if (op->kind == ATTACH_OP_GROW)
		return "extendLogicalVolume";
	return op->kind == ATTACH_OP_ATTACH || op->kind == ATTACH_OP_SNAP_ATTACH
		   ? "attachLogicalVolume"
		   : "detachLogicalVolume";
}

void attach_op_free(struct attach_op *op)
{
	if (op)
		lvs_clear(&op->tree);
	free(op);
}

/* Reads what the agent needs; inside the recording transaction. */
static int op_load(struct sm *sm, struct db_tx *tx, struct attach_op *op,
		   int32_t hsvrid)
{
	int ret;

	memset(&op->hsvr, 0, sizeof(op->hsvr));
	op->hsvr.id = hsvrid;
	ret = db_lvolstruct(tx, op->target, sm->cfg.iqn_prefix, &op->tree);
	/* Only towards the head, only for the logins (SECURITY.md "CHAP"). */
	if (!ret && sm->cfg.iscsi_chap && op->kind != ATTACH_OP_DETACH &&
	    op->kind != ATTACH_OP_SNAP_DETACH)
		ret = db_chap_fill(tx, &op->tree);
	if (!ret)
		ret = db_server_ips(tx, SRV_HSVR, hsvrid, &op->hsvr);
	return ret;
}

/* A new operation of kind on root (and target); NULL when out of memory. */
static struct attach_op *op_new(enum attach_kind kind, int32_t root,
				int32_t target)
{
	struct attach_op *op = calloc(1, sizeof(*op));

	if (op) {
		op->kind = kind;
		op->root = root;
		op->target = target;
	}
	return op;
}

int attach_op_error(const struct agent_result *res)
{
	switch (res->outcome) {
	case AGENT_DONE:
		return 0;
	case AGENT_TIMEDOUT:
		return -ETIMEDOUT;
	case AGENT_UNREACHED:
	case AGENT_UNCERTAIN:
		return -VAS_EINTERNAL;
	default:
		/* The agent's own code, relayed (sm.md 6.3, M53). */
		return res->code > 0 ? -(VAS_ERELAY + res->code)
				     : -VAS_EINTERNAL;
	}
}

static _Thread_local char failure_cause[256];

const char *attach_failure_cause(void)
{
	return failure_cause;
}

void attach_note_failure(const struct agent_result *res)
{
	snprintf(failure_cause, sizeof(failure_cause), "%s",
		 res->outcome == AGENT_FAILED ? res->string : "");
}

/* Our head agent says when a failed attach left nothing behind. */
static bool rolled_back(const struct agent_result *res)
{
	return res->outcome == AGENT_FAILED && res->rolled_back;
}

/* Nothing ran on the head: a definite refusal (M51). */
static bool nothing_built(const struct agent_result *res)
{
	return res->outcome == AGENT_REFUSED || res->outcome == AGENT_UNREACHED;
}

static int end_event(struct db_tx *tx, const struct attach_op *op, int status,
		     bool *matched)
{
	return db_attach_end_event(tx, op->root, op->eventid, status, matched);
}

/*
 * An extension: done, the new legs are in sync; refused, or failed and
 * rolled back by our head, it is undone (nothing half-made; legs the head
 * wrote are shredded); else the head may hold part of it: ERROR, and the
 * new legs count as dirty (M50). The volume keeps its new size then: a
 * detach and attach build it whole.
 */
static int grown(struct db_tx *tx, const struct attach_op *op,
		 const struct agent_result *res, bool *matched)
{
	bool done = res->outcome == AGENT_DONE;
	bool undo = nothing_built(res) || rolled_back(res);
	int ret = db_attach_end_event(tx, op->root, op->eventid,
				      done || undo ? 0 : ATTACH_ERROR, matched);

	if (ret || !*matched)
		return ret;
	if (done)
		return db_legs_attached(tx, op->root, false);
	if (undo)
		return db_lvol_shrink_back(tx, op->root, op->grow_from,
					   rolled_back(res));
	return db_legs_dirty(tx, op->root);
}

/* What the outcome means for the attach row and the legs. */
static int complete(struct db_tx *tx, const struct attach_op *op,
		    const struct agent_result *res)
{
	bool done = res->outcome == AGENT_DONE, matched = false;
	int ret = 0;

	switch (op->kind) {
	case ATTACH_OP_ATTACH:
		if (done) {
			ret = end_event(tx, op, 0, &matched);
			if (!ret && matched)
				ret = db_legs_attached(tx, op->root, true);
		} else if (nothing_built(res)) {
			ret = end_event(tx, op, 0, &matched);
			if (!ret && matched)
				ret = db_attach_delete(tx, op->root);
		} else if (rolled_back(res)) {
			/* Nothing left on the head: no ERROR row blocking
			 * snapshots; md may have written: legs dirty (M50). */
			ret = end_event(tx, op, 0, &matched);
			if (!ret && matched)
				ret = db_attach_delete(tx, op->root);
			if (!ret && matched)
				ret = db_legs_detached(tx, op->root, true);
		} else {
			/* Maybe partly built: ERROR, legs dirty (M50). */
			ret = end_event(tx, op, ATTACH_ERROR, &matched);
			if (!ret && matched)
				ret = db_legs_detached(tx, op->root, true);
		}
		break;
	case ATTACH_OP_DETACH:
		if (done) {
			ret = end_event(tx, op, 0, &matched);
			if (!ret && matched)
				ret = db_attach_delete(tx, op->root);
			if (!ret && matched)
				ret = db_legs_detached(tx, op->root, true);
			if (!ret && matched)
				ret = db_purge_deleted_snaps(tx, op->root);
		} else {
			bool busy =
			    res->outcome == AGENT_FAILED && res->code == EBUSY;

			ret = end_event(
			    tx, op,
			    busy || nothing_built(res) ? 0 : ATTACH_ERROR,
			    &matched);
		}
		break;
	case ATTACH_OP_SNAP_ATTACH:
		/* The origin stays BOUND whatever happens (M14). */
		ret = end_event(tx, op, 0, &matched);
		if (!ret && matched && done)
			ret = db_legs_attached(tx, op->target, false);
		else if (!ret && matched && nothing_built(res))
			ret = db_lvol_delete(tx, op->target); /* M44 */
		else if (!ret && matched)
			ret = db_legs_detached(tx, op->target, false);
		break;
	case ATTACH_OP_SNAP_DETACH:
		ret = end_event(tx, op, 0, &matched);
		if (!ret && matched && done)
			ret = db_legs_detached(tx, op->target, false);
		if (!ret && matched && done)
			ret = db_lvol_delete(tx, op->target);
		else if (!ret && matched)
			ret = db_lvol_set_deleted(tx, op->target, 0); /* M45 */
		break;
	case ATTACH_OP_GROW:
		ret = grown(tx, op, res, &matched);
		break;
	}
	if (!ret && !matched)
		ret = -EHOSTDOWN; /* the head failed meanwhile (M7) */
	return ret;
}

int attach_op_record(struct sm *sm, const struct attach_op *op,
		     const struct agent_result *res)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, true, &tx);

	if (ret)
		return ret;
	ret = complete(tx, op, res);
	if (ret && ret != -EHOSTDOWN)
		return db_end(tx, ret);
	/* -EHOSTDOWN: the outcome is moot, the rest is kept all the same. */
	return db_end(tx, 0) ? -EIO : ret;
}

int attach_op_run(struct sm *sm, struct attach_op *op)
{
	if (!sm->hooks.run_attach) {
		/* No driver (not started): the row stays in flight. */
		attach_op_free(op);
		return -VAS_EINTERNAL;
	}
	return sm->hooks.run_attach(sm, op);
}

int attach_op_begin(struct sm *sm, struct db_tx *tx, enum attach_kind kind,
		    int32_t root, int32_t target, int32_t hsvrid,
		    struct attach_op **out)
{
	struct attach_op *op = op_new(kind, root, target);
	bool binding =
	    kind == ATTACH_OP_ATTACH || kind == ATTACH_OP_SNAP_ATTACH;
	int ret;

	if (!op)
		return -ENOMEM;
	ret = db_genid(tx, DB_ID_EVENT, &op->eventid);
	if (!ret && kind == ATTACH_OP_GROW) {
		ret = db_attach_grow_from(tx, root, &op->grow_from);
		if (!ret)
			ret = db_attach_set_grow(tx, root, op->eventid);
	} else if (!ret && kind == ATTACH_OP_ATTACH) {
		struct sm_attachment a = {
		    root, hsvrid, ATTACH_BOUND, op->eventid, ATTACH_BINDING, 0};

		ret = db_attach_insert(tx, &a);
	} else if (!ret) {
		ret = db_attach_set_event(tx, root, op->eventid,
					  binding ? ATTACH_BINDING
						  : ATTACH_UNBINDING,
					  target == root ? 0 : target);
	}
	/* Driven by this manager until it goes away (issue 15). */
	if (!ret)
		ret = db_attach_drive(tx, root, sm->instance);
	/* Hidden from lists while its deletion runs (sm.md 5.4). */
	if (!ret && kind == ATTACH_OP_SNAP_DETACH)
		ret = db_lvol_set_deleted(tx, target, 1);
	if (!ret)
		ret = op_load(sm, tx, op, hsvrid);
	if (ret) {
		attach_op_free(op);
		return ret;
	}
	*out = op;
	return 0;
}

/* The operation an in-flight attach row stands for. */
static enum attach_kind kind_of(const struct sm_attachment *a)
{
	if (a->event_type == SM_ATTACH_GROWING)
		return ATTACH_OP_GROW;
	if (a->event_type == ATTACH_BINDING)
		return a->assoc_lvolid ? ATTACH_OP_SNAP_ATTACH
				       : ATTACH_OP_ATTACH;
	return a->assoc_lvolid ? ATTACH_OP_SNAP_DETACH : ATTACH_OP_DETACH;
}

int attach_ops_adopt(struct sm *sm, const int32_t *busy, int n_busy, int max,
		     struct attach_op ***ops, int *n)
{
	struct sm_attachment *rows = NULL;
	struct db_tx *tx = NULL;
	int ret, n_rows = 0, i;

	*ops = NULL;
	*n = 0;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_attach_adopt(tx, busy, n_busy, max, &rows, &n_rows);
	if (!ret) {
		*ops = calloc((size_t)n_rows + 1, sizeof(**ops));
		ret = *ops ? 0 : -ENOMEM;
	}
	/* Each row on its own: one bad row does not stop the rest (M60). */
	for (i = 0; !ret && i < n_rows; i++) {
		const struct sm_attachment *a = &rows[i];
		struct attach_op *op =
		    op_new(kind_of(a), a->lvolid,
			   a->assoc_lvolid ? a->assoc_lvolid : a->lvolid);

		if (!op) {
			ret = -ENOMEM;
			break;
		}
		op->eventid = a->eventid;
		if ((op->kind == ATTACH_OP_GROW &&
		     db_attach_grow_from(tx, a->lvolid, &op->grow_from)) ||
		    op_load(sm, tx, op, a->hsvrid)) {
			log_err("lvol-%08x: cannot resume event %d", a->lvolid,
				a->eventid);
			attach_op_free(op);
			continue;
		}
		(*ops)[(*n)++] = op;
	}
	free(rows);
	ret = db_end(tx, ret);
	if (ret) {
		while (*n > 0)
			attach_op_free((*ops)[--*n]);
		free(*ops);
		*ops = NULL;
	}
	return ret;
}
