/*
 * Synchronous attach and detach (sm.md 6.3, 6.4): commit the in-flight
 * row, drive the head agent with no transaction open, commit the outcome.
 */
#include "agent_ops.h"
#include "volumes.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <string.h>

struct op {
	int32_t root;
	int32_t eventid;
	struct srv_row hsvr;
	struct vas_lvolstruct tree;
};

static int read_hsvr(struct db_tx *tx, int32_t hsvrid, struct srv_row *h)
{
	memset(h, 0, sizeof(*h));
	h->id = hsvrid;
	return db_server_ips(tx, SRV_HSVR, hsvrid, h);
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

int vol_attach(struct sm *sm, struct vol_ref ref, int32_t hsvrid)
{
	struct agent_result res;
	struct attach_row a;
	struct lvol_row v;
	struct db_tx *tx = NULL;
	struct op op = {0};
	bool matched;
	int ret, prio;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = ref.id <= 0 && (!ref.name || !*ref.name)
		      ? -EINVAL
		      : db_lvol_lookup(tx, ref.id, ref.name, &v);
	if (!ret && v.origin)
		ret = -EINVAL;
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
	if (!ret)
		ret = db_genid(tx, DB_ID_EVENT, &op.eventid);
	if (!ret) {
		a = (struct attach_row){v.lvolid, hsvrid, ATTACH_BOUND,
					op.eventid, ATTACH_BINDING, 0};
		ret = db_attach_insert(tx, &a);
	}
	if (!ret)
		ret = db_lvolstruct(tx, v.lvolid, sm->cfg.iqn_prefix, &op.tree);
	if (!ret)
		ret = read_hsvr(tx, hsvrid, &op.hsvr);
	if (ret) {
		db_rollback(tx);
		lvs_clear(&op.tree);
		return ret;
	}
	ret = db_commit(tx);
	if (ret) {
		lvs_clear(&op.tree);
		return ret;
	}

	agent_drive_lvol(&sm->cfg, &op.hsvr, "attachLogicalVolume", op.eventid,
			 &op.tree, &res);
	lvs_clear(&op.tree);

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	switch (res.outcome) {
	case AGENT_DONE:
		ret = db_attach_end_event(tx, v.lvolid, op.eventid, 0,
					  &matched);
		if (!ret && matched)
			ret = db_legs_attached(tx, v.lvolid, true);
		if (!ret && !matched)
			ret = -EHOSTDOWN; /* the head failed meanwhile (M7) */
		break;
	case AGENT_REFUSED:
	case AGENT_UNREACHED:
		/* Nothing was built: the attachment never happened. */
		ret = db_attach_end_event(tx, v.lvolid, op.eventid, 0,
					  &matched);
		if (!ret && matched)
			ret = db_attach_delete(tx, v.lvolid);
		break;
	default:
		/* Built partly or fully: keep it visible as ERROR (M50, M51). */
		ret = db_attach_end_event(tx, v.lvolid, op.eventid,
					  ATTACH_ERROR, &matched);
		if (!ret && matched)
			ret = db_legs_detached(tx, v.lvolid, true);
		break;
	}
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	ret = db_commit(tx);
	if (ret)
		return ret;
	log_info("lvol-%08x attach on hsvr-%08x: outcome %d code %d",
		 v.lvolid, hsvrid, res.outcome, res.code);
	return outcome_to_err(&res);
}

int vol_detach(struct sm *sm, struct vol_ref ref)
{
	struct agent_result res;
	struct attach_row a;
	struct lvol_row v;
	struct db_tx *tx = NULL;
	struct op op = {0};
	bool matched;
	int ret;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = ref.id <= 0 && (!ref.name || !*ref.name)
		      ? -EINVAL
		      : db_lvol_lookup(tx, ref.id, ref.name, &v);
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
	if (!ret)
		ret = db_genid(tx, DB_ID_EVENT, &op.eventid);
	if (!ret)
		ret = db_attach_set_event(tx, v.lvolid, op.eventid,
					  ATTACH_UNBINDING, 0);
	if (!ret)
		ret = db_lvolstruct(tx, v.lvolid, sm->cfg.iqn_prefix, &op.tree);
	if (!ret)
		ret = read_hsvr(tx, a.hsvrid, &op.hsvr);
	if (ret) {
		db_rollback(tx);
		lvs_clear(&op.tree);
		return ret;
	}
	ret = db_commit(tx);
	if (ret) {
		lvs_clear(&op.tree);
		return ret;
	}

	agent_drive_lvol(&sm->cfg, &op.hsvr, "detachLogicalVolume", op.eventid,
			 &op.tree, &res);
	lvs_clear(&op.tree);

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	if (res.outcome == AGENT_DONE) {
		ret = db_attach_end_event(tx, v.lvolid, op.eventid, 0,
					  &matched);
		if (!ret && matched)
			ret = db_attach_delete(tx, v.lvolid);
		if (!ret && matched)
			ret = db_legs_detached(tx, v.lvolid, true);
		if (!ret && matched)
			ret = db_purge_deleted_snaps(tx, v.lvolid);
	} else {
		/* Busy, refused, unreachable: still attached; other errors
		 * leave the attachment ERROR so only a detach clears it. */
		int status = res.outcome == AGENT_FAILED && res.code != EBUSY
				     ? ATTACH_ERROR
				     : 0;

		if (res.outcome == AGENT_UNCERTAIN ||
		    res.outcome == AGENT_TIMEDOUT)
			status = ATTACH_ERROR;
		ret = db_attach_end_event(tx, v.lvolid, op.eventid, status,
					  &matched);
	}
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	ret = db_commit(tx);
	if (ret)
		return ret;
	if (res.outcome == AGENT_DONE)
		sm_wake_shred(sm);
	log_info("lvol-%08x detach: outcome %d code %d", v.lvolid,
		 res.outcome, res.code);
	return outcome_to_err(&res);
}
