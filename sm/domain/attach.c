/*
 * Synchronous attach and detach (sm.md 6.3, 6.4, 5.3, 5.4): one
 * transaction records the in-flight operation, the head agent is driven
 * with no transaction open, one transaction records the outcome. The same
 * completion functions finish operations salvaged after a restart (9.1).
 */
#include "agent_ops.h"
#include "attach.h"
#include "volumes.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum op_kind { OP_ATTACH, OP_DETACH, OP_SNAP_ATTACH, OP_SNAP_DETACH };

static const char *const op_method[] = {
    "attachLogicalVolume", "detachLogicalVolume", "attachLogicalVolume",
    "detachLogicalVolume"};

struct op {
	enum op_kind kind;
	int32_t root;	/* the attach row */
	int32_t target; /* root, or the snapshot concerned */
	int32_t eventid;
	struct srv_row hsvr;
	struct vas_lvolstruct tree;
};

/* Reads what the agent needs; inside the recording transaction. */
static int op_load(struct sm *sm, struct db_tx *tx, struct op *op,
		   int32_t hsvrid)
{
	int ret;

	memset(&op->hsvr, 0, sizeof(op->hsvr));
	op->hsvr.id = hsvrid;
	ret = db_lvolstruct(tx, op->target, sm->cfg.iqn_prefix, &op->tree);
	if (!ret)
		ret = db_server_ips(tx, SRV_HSVR, hsvrid, &op->hsvr);
	return ret;
}

static int outcome_to_err(const struct agent_result *res)
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

static int end_event(struct db_tx *tx, const struct op *op, int status,
		     bool *matched)
{
	return db_attach_end_event(tx, op->root, op->eventid, status, matched);
}

/* Records the outcome; returns 0 or the transaction's error. */
static int complete(struct sm *sm, struct db_tx *tx, const struct op *op,
		    const struct agent_result *res)
{
	bool done = res->outcome == AGENT_DONE, matched = false;
	int ret = 0;

	(void)sm;
	switch (op->kind) {
	case OP_ATTACH:
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
	case OP_DETACH:
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
	case OP_SNAP_ATTACH:
		/* The origin stays BOUND whatever happens (M14). */
		ret = end_event(tx, op, 0, &matched);
		if (!ret && matched && done)
			ret = db_legs_attached(tx, op->target, false);
		else if (!ret && matched && nothing_built(res))
			ret = db_lvol_delete(tx, op->target); /* M44 */
		else if (!ret && matched)
			ret = db_legs_detached(tx, op->target, false);
		break;
	case OP_SNAP_DETACH:
		ret = end_event(tx, op, 0, &matched);
		if (!ret && matched && done)
			ret = db_legs_detached(tx, op->target, false);
		if (!ret && matched && done)
			ret = db_lvol_delete(tx, op->target);
		else if (!ret && matched)
			ret = db_lvol_set_deleted(tx, op->target, 0); /* M45 */
		break;
	}
	if (!ret && !matched)
		ret = -EHOSTDOWN; /* the head failed meanwhile (M7) */
	return ret;
}

/* One transaction recording the outcome; -EIO when the DB is away. */
static int record(struct sm *sm, const struct op *op,
		  const struct agent_result *res)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, true, &tx);

	if (ret)
		return ret;
	ret = complete(sm, tx, op, res);
	if (ret && ret != -EHOSTDOWN) {
		db_rollback(tx);
		return ret;
	}
	return db_commit(tx) ? -EIO : ret;
}

/* Drives the recorded operation and records its outcome. */
static int run(struct sm *sm, struct op *op)
{
	struct agent_result res;
	int ret, tries;

	agent_drive_lvol(&sm->cfg, &op->hsvr, op_method[op->kind], op->eventid,
			 &op->tree, &res);
	lvs_clear(&op->tree);
	snprintf(failure_cause, sizeof(failure_cause), "%s",
		 res.outcome == AGENT_FAILED ? res.string : "");
	if (failure_cause[0])
		log_warn("lvol-%08x %s on hsvr-%08x: %s", op->target,
			 op_method[op->kind], op->hsvr.id, failure_cause);
	/* The agent's outcome must not be lost to a database blip (M47). */
	for (tries = 0;; tries++) {
		ret = record(sm, op, &res);
		if (ret != -EIO || tries >= 30)
			break;
		sleep(1);
	}
	log_info("lvol-%08x %s (event %d) on hsvr-%08x: outcome %d code %d",
		 op->target, op_method[op->kind], op->eventid, op->hsvr.id,
		 res.outcome, res.code);
	if (ret)
		return ret;
	if (op->kind != OP_ATTACH)
		sm_wake_shred(sm);
	return outcome_to_err(&res);
}

static int finish_prepare(struct db_tx *tx, struct op *op, int ret)
{
	if (ret) {
		db_rollback(tx);
		lvs_clear(&op->tree);
		return ret;
	}
	ret = db_commit(tx);
	if (ret)
		lvs_clear(&op->tree);
	return ret;
}

static int lookup_root(struct db_tx *tx, struct vol_ref ref, struct lvol_row *v)
{
	if (ref.id <= 0 && (!ref.name || !*ref.name))
		return -EINVAL;
	return db_lvol_lookup(tx, ref.id, ref.name, v);
}

int vol_attach(struct sm *sm, struct vol_ref ref, int32_t hsvrid)
{
	struct op op = {.kind = OP_ATTACH};
	struct attach_row a;
	struct lvol_row v;
	struct db_tx *tx = NULL;
	int ret, prio;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = lookup_root(tx, ref, &v);
	if (!ret && v.origin)
		ret = -EINVAL; /* snapshots follow their origin */
	if (!ret)	       /* no leg is replaced while the tree is built */
		ret = db_lvol_lock(tx, v.lvolid);
	if (!ret) {
		ret = db_attach_get(tx, v.lvolid, &a);
		ret = ret == -ENOENT ? 0 : (ret ? ret : -EBUSY);
	}
	if (!ret) {
		ret = db_server_priority(tx, SRV_HSVR, hsvrid, &prio);
		if (ret == -ENOENT ||
		    (!ret && (prio == PRIO_OFFLINE || prio == PRIO_FAULTY)))
			ret = -EINVAL;
	}
	op.root = op.target = v.lvolid;
	if (!ret)
		ret = db_genid(tx, DB_ID_EVENT, &op.eventid);
	if (!ret) {
		a = (struct attach_row){v.lvolid,	hsvrid,
					ATTACH_BOUND,	op.eventid,
					ATTACH_BINDING, 0};
		ret = db_attach_insert(tx, &a);
	}
	if (!ret)
		ret = op_load(sm, tx, &op, hsvrid);
	ret = finish_prepare(tx, &op, ret);
	return ret ? ret : run(sm, &op);
}

int vol_detach(struct sm *sm, struct vol_ref ref)
{
	struct op op = {.kind = OP_DETACH};
	struct attach_row a;
	struct lvol_row v;
	struct db_tx *tx = NULL;
	int ret;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = lookup_root(tx, ref, &v);
	if (!ret && v.origin)
		ret = -EINVAL;
	if (!ret)
		ret = db_attach_get(tx, v.lvolid, &a);
	if (ret == -ENOENT) {
		db_rollback(tx);
		return 0; /* not attached: nothing to do */
	}
	if (!ret && a.eventid)
		ret = -EAGAIN;
	op.root = op.target = v.lvolid;
	if (!ret)
		ret = db_genid(tx, DB_ID_EVENT, &op.eventid);
	if (!ret)
		ret = db_attach_set_event(tx, v.lvolid, op.eventid,
					  ATTACH_UNBINDING, 0);
	if (!ret)
		ret = op_load(sm, tx, &op, a.hsvrid);
	ret = finish_prepare(tx, &op, ret);
	return ret ? ret : run(sm, &op);
}

/* Records an operation on one snapshot of an attached origin. */
static int snapshot_op(struct sm *sm, struct db_tx *tx, enum op_kind kind,
		       const struct attach_row *origin, int32_t snap,
		       struct attach_op **out)
{
	struct op *op = calloc(1, sizeof(*op));
	int ret;

	if (!op)
		return -ENOMEM;
	op->kind = kind;
	op->root = origin->lvolid;
	op->target = snap;
	ret = db_genid(tx, DB_ID_EVENT, &op->eventid);
	if (!ret)
		ret = db_attach_set_event(
		    tx, op->root, op->eventid,
		    kind == OP_SNAP_ATTACH ? ATTACH_BINDING : ATTACH_UNBINDING,
		    snap);
	/* Hidden from lists while its deletion runs (sm.md 5.4). */
	if (!ret && kind == OP_SNAP_DETACH)
		ret = db_lvol_set_deleted(tx, snap, 1);
	if (!ret)
		ret = op_load(sm, tx, op, origin->hsvrid);
	if (ret) {
		lvs_clear(&op->tree);
		free(op);
		return ret;
	}
	*out = (struct attach_op *)op;
	return 0;
}

int attach_snapshot_begin(struct sm *sm, struct db_tx *tx,
			  const struct attach_row *origin, int32_t snap,
			  struct attach_op **out)
{
	return snapshot_op(sm, tx, OP_SNAP_ATTACH, origin, snap, out);
}

int attach_snapshot_delete_begin(struct sm *sm, struct db_tx *tx,
				 const struct attach_row *origin, int32_t snap,
				 struct attach_op **out)
{
	return snapshot_op(sm, tx, OP_SNAP_DETACH, origin, snap, out);
}

int attach_op_run(struct sm *sm, struct attach_op *aop)
{
	struct op *op = (struct op *)aop;
	int ret = run(sm, op);

	free(op);
	return ret;
}

void attach_op_free(struct attach_op *aop)
{
	struct op *op = (struct op *)aop;

	if (op)
		lvs_clear(&op->tree);
	free(op);
}

static atomic_int salvaging;

struct salvage_arg {
	struct sm *sm;
	struct op op;
};

static void *salvage_thread(void *arg)
{
	struct salvage_arg *s = arg;

	(void)run(s->sm, &s->op); /* outcome is in the database */
	free(s);
	atomic_fetch_sub(&salvaging, 1);
	return NULL;
}

int attach_salvage(struct sm *sm)
{
	struct attach_row *rows = NULL;
	struct db_tx *tx = NULL;
	int ret, n = 0, i;

	ret = db_begin(sm->db, false, &tx);
	if (ret)
		return ret;
	ret = db_attach_in_flight(tx, &rows, &n);
	/* Each row on its own: one bad row does not stop the rest (M60). */
	for (i = 0; !ret && i < n; i++) {
		struct salvage_arg *s = calloc(1, sizeof(*s));
		pthread_t t;

		if (!s) {
			ret = -ENOMEM;
			break;
		}
		s->sm = sm;
		s->op.root = rows[i].lvolid;
		s->op.target = rows[i].assoc_lvolid ? rows[i].assoc_lvolid
						    : rows[i].lvolid;
		s->op.eventid = rows[i].eventid;
		if (rows[i].event_type == ATTACH_BINDING)
			s->op.kind =
			    rows[i].assoc_lvolid ? OP_SNAP_ATTACH : OP_ATTACH;
		else
			s->op.kind =
			    rows[i].assoc_lvolid ? OP_SNAP_DETACH : OP_DETACH;
		atomic_fetch_add(&salvaging, 1);
		if (op_load(sm, tx, &s->op, rows[i].hsvrid) ||
		    pthread_create(&t, NULL, salvage_thread, s)) {
			atomic_fetch_sub(&salvaging, 1);
			log_err("lvol-%08x: cannot resume event %d",
				rows[i].lvolid, rows[i].eventid);
			lvs_clear(&s->op.tree);
			free(s);
			continue;
		}
		pthread_detach(t);
		log_info("lvol-%08x: resuming %s event %d", s->op.target,
			 op_method[s->op.kind], s->op.eventid);
	}
	free(rows);
	db_rollback(tx);
	return ret;
}

bool attach_salvage_wait(int seconds)
{
	while (atomic_load(&salvaging) > 0 && seconds-- > 0)
		sleep(1);
	return atomic_load(&salvaging) == 0;
}
