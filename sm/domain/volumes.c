/* Volume life cycle: create, snapshot, delete, list, show. */
#include "volumes.h"
#include "db_alloc.h"
#include "db_fencing.h"
#include "db_pools.h"
#include "db_servers.h"
#include "db_volumes.h"
#include "domain_priv.h"
#include "placement_view.h"
#include "volume_build.h"
#include "pools.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int lookup(struct db_tx *tx, struct vol_ref ref, struct sm_volume *v)
{
	if (!ref.id && (!ref.name || !*ref.name))
		return -EINVAL;
	return db_lvol_lookup(tx, ref.id, ref.name, v);
}

/*
 * One attempt at a create. With late_lock, what decides nothing alone -
 * the name, the pool, the disks, the legs' placement - is read and worked
 * out before the mutation lock; the lock goes with the quota, the id
 * counter, the legs' bookings and a check that the disks picked still
 * qualify, so it is held for about two round trips. A read found stale
 * (or any ENOSPC, which a stale read can cause) answers VOL_STALE_READ:
 * the caller tries again with the lock taken first, as every other
 * mutation does. batched: the legs of many mirrors per statement
 * (mirror_batch.h), VOL_GUESS_WRONG when that would have picked
 * otherwise than mirror by mirror.
 */
static int try_create(struct sm *sm, struct sm_volume *v, const char *pool,
		      bool late_lock, bool batched)
{
	struct volume_asks a = {.quota = -1, .batched = batched};
	struct db_tx *tx = NULL;
	int32_t top;
	bool taken;
	int ret, ticket;

	ret = late_lock ? db_begin_unlocked(sm->db, &tx)
			: db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	/*
	 * Without a pool name, everything read here goes in one round trip
	 * (the one that takes the lock, unless late_lock).
	 */
	ret = db_lvol_name_taken_ask(tx, v->lvolname, &ticket);
	if (!ret)
		ret = pool_resolve(tx, pool, &v->poolid);
	if (!ret)
		ret = late_lock
			  ? placement_view_ask(sm, tx, v->poolid, &a.alloc)
			  : vol_ask_volume(sm, tx, v, &a);
	if (!ret || ret == -ENOENT) { /* a taken name is told first */
		int found = db_lvol_name_taken_answer(tx, ticket, &taken);

		ret = found ? found : (taken ? -EEXIST : ret);
	}
	if (!ret && !late_lock)
		ret = vol_answer_volume(sm, tx, &a);
	if (!ret && late_lock) {
		a.recheck = true;
		ret =
		    placement_view_answer(sm, tx, a.alloc, &a.storage, &a.pool);
		if (!ret)
			ret = vol_plan_first_mirrors(sm, v, &a);
		if (!ret)
			ret = db_lock(tx);
		if (!ret)
			ret = vol_ask_charge(tx, v, &a);
		if (!ret)
			ret = vol_ask_first_mirrors(tx, &a);
	}
	if (!ret)
		ret = vol_build(sm, tx, v, &a, LVOLTYPE_SNAPSHOT_ORIGIN, &top);
	if (late_lock && ret == -ENOSPC)
		ret = VOL_STALE_READ;
	vol_asks_free(&a);
	return db_end(tx, ret);
}

int vol_create(struct sm *sm, const char *name, int64_t capacity_gib,
	       int redundancy, const char *pool, int32_t *lvolid)
{
	struct sm_volume v = {0};
	int64_t cap;
	int ret;

	if (redundancy < VAS_MIN_REDUNDANCY || redundancy > VAS_MAX_REDUNDANCY)
		return -EINVAL;
	if (names_check_lvolname(name))
		return -EINVAL;
	cap = units_round_up(capacity_gib, sm->cfg.unit);
	if (cap < 1 || cap > VAS_MAX_LENGTH_GIB)
		return -EINVAL;
	snprintf(v.lvolname, sizeof(v.lvolname), "%s", name);
	v.redundancy = redundancy;
	v.capacity = cap;
	ret = try_create(sm, &v, pool, true, true);
	if (ret == VOL_STALE_READ) {
		log_debug("create of '%s': disks read before the lock changed; "
			  "again with the lock first",
			  name);
		ret = try_create(sm, &v, pool, false, true);
	}
	if (ret == VOL_GUESS_WRONG) {
		log_debug(
		    "create of '%s': a batch's picks depended on a disk's "
		    "space after a take; again mirror by mirror",
		    name);
		ret = try_create(sm, &v, pool, false, false);
	}
	if (!ret) {
		*lvolid = v.lvolid;
		log_info("lvol-%08x '%s' created: %lld GiB x%d in pool-%08x",
			 v.lvolid, name, (long long)cap, redundancy, v.poolid);
	}
	return ret;
}

/* Commits the recording transaction and runs op, or drops both. */
static int commit_and_run(struct sm *sm, struct db_tx *tx, struct attach_op *op,
			  int ret)
{
	ret = db_end(tx, ret);
	if (ret) {
		attach_op_free(op);
		return ret;
	}
	return op ? attach_op_run(sm, op) : 0;
}

/*
 * Starts the transaction of an attach or detach: the volume, which must
 * not be a snapshot (snapshots follow their origin). 0 with *tx open, or
 * the error with *tx open too (for commit_and_run).
 */
static int begin_root(struct sm *sm, struct vol_ref ref, struct db_tx **tx,
		      struct sm_volume *v)
{
	int ret = db_begin(sm->db, true, tx);

	if (ret)
		return ret;
	ret = lookup(*tx, ref, v);
	return !ret && v->origin ? -EINVAL : ret;
}

/*
 * One attempt; *fencing is set (nothing done) while a head that had the
 * volume is not yet refused by a storage server holding its legs (M73).
 */
static int try_attach(struct sm *sm, struct vol_ref ref, int32_t hsvrid,
		      int32_t *fencing)
{
	struct attach_op *op = NULL;
	struct sm_attachment a;
	struct sm_volume v;
	struct db_tx *tx = NULL;
	int32_t old_hsvr = 0, ssvr = 0;
	int ret, prio;

	*fencing = 0;
	ret = begin_root(sm, ref, &tx, &v);
	if (!tx)
		return ret;
	if (!ret) /* no leg is replaced while the tree is built */
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
	if (!ret)
		ret = db_fencing_waits(tx, v.lvolid, &old_hsvr, &ssvr);
	if (ret == 1) {
		log_info("attach of lvol-%08x waits: hsvr-%08x not yet fenced "
			 "on ssvr-%08x",
			 v.lvolid, old_hsvr, ssvr);
		*fencing = v.lvolid;
		db_rollback(tx);
		return -EAGAIN;
	}
	if (!ret)
		ret = attach_op_begin(sm, tx, ATTACH_OP_ATTACH, v.lvolid,
				      v.lvolid, hsvrid, &op);
	return commit_and_run(sm, tx, op, ret);
}

int vol_attach(struct sm *sm, struct vol_ref ref, int32_t hsvrid)
{
	int32_t fencing;
	int ret = try_attach(sm, ref, hsvrid, &fencing);

	/* Once, after the wait: a head failed meanwhile waits anew. */
	if (fencing && !sm_await_fencing(sm, fencing))
		ret = try_attach(sm, ref, hsvrid, &fencing);
	return ret;
}

int vol_detach(struct sm *sm, struct vol_ref ref)
{
	struct attach_op *op = NULL;
	struct sm_attachment a;
	struct sm_volume v;
	struct db_tx *tx = NULL;
	int ret;

	ret = begin_root(sm, ref, &tx, &v);
	if (!tx)
		return ret;
	if (!ret) {
		ret = db_attach_get(tx, v.lvolid, &a);
		if (ret == -ENOENT) {
			db_rollback(tx);
			return 0; /* not attached: nothing to do */
		}
	}
	if (!ret && a.eventid)
		ret = -EAGAIN;
	if (!ret)
		ret = attach_op_begin(sm, tx, ATTACH_OP_DETACH, v.lvolid,
				      v.lvolid, a.hsvrid, &op);
	return commit_and_run(sm, tx, op, ret);
}

int vol_snapshot(struct sm *sm, struct vol_ref origin, const char *name,
		 const char *pool, int32_t *lvolid)
{
	struct attach_op *op = NULL;
	struct sm_volume o, v = {0};
	struct volume_asks asks = {.quota = -1};
	struct sm_attachment a;
	struct db_tx *tx = NULL;
	int32_t top, origin_top;
	bool taken, attached = false;
	int ret;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	/* The origin first: 3.0 answers ENOENT before a bad name. */
	ret = lookup(tx, origin, &o);
	if (!ret && (!name || names_check_lvolname(name)))
		ret = -EINVAL;
	if (!ret) {
		ret = db_lvol_name_taken(tx, name, &taken);
		if (!ret && taken)
			ret = -EEXIST;
	}
	if (!ret && o.origin)
		ret = -EINVAL; /* no snapshots of snapshots (M14) */
	if (!ret) {
		ret = db_attach_get(tx, o.lvolid, &a);
		attached = !ret;
		if (ret == -ENOENT)
			ret = 0;
		else if (!ret && (a.eventid || a.status != ATTACH_BOUND))
			ret = -EBUSY;
	}
	/* In the origin's pool unless told otherwise. */
	if (!ret)
		v.poolid = o.poolid;
	if (!ret && pool)
		ret = pool_resolve(tx, pool, &v.poolid);
	snprintf(v.lvolname, sizeof(v.lvolname), "%s", name ? name : "");
	v.redundancy = o.redundancy;
	v.capacity = units_cow_gib(o.capacity, sm->cfg.unit);
	if (!ret)
		ret = db_top_layer(tx, o.lvolid, &origin_top);
	if (!ret)
		ret = vol_ask_volume(sm, tx, &v, &asks);
	if (!ret)
		ret = vol_answer_volume(sm, tx, &asks);
	if (!ret)
		ret = vol_build(sm, tx, &v, &asks, LVOLTYPE_SNAPSHOT, &top);
	alloc_pool_free(&asks.pool);
	if (!ret)
		ret = db_snapshot_link(tx, o.lvolid, origin_top, v.lvolid, top);
	/* An attached origin gets the snapshot on its head server too. */
	if (!ret && attached)
		ret = attach_op_begin(sm, tx, ATTACH_OP_SNAP_ATTACH, a.lvolid,
				      v.lvolid, a.hsvrid, &op);
	if (!ret)
		*lvolid = v.lvolid;
	return commit_and_run(sm, tx, op, ret);
}

int vol_delete(struct sm *sm, struct vol_ref ref)
{
	struct attach_op *op = NULL;
	struct sm_volume v;
	struct sm_attachment a;
	struct db_tx *tx = NULL;
	int ret, snaps = 0, attach_q, legs_q, still_q;

	/*
	 * The volume is found before the lock; the rest is read with it, in
	 * one round trip, with a check that the volume is still the one
	 * found: the lock is held for one round trip instead of two.
	 */
	ret = db_begin_unlocked(sm->db, &tx);
	if (ret)
		return ret;
	ret = lookup(tx, ref, &v);
	if (!ret)
		ret = db_lock(tx);
	if (!ret)
		ret = db_lvol_still_ask(tx, &v, &still_q);
	if (!ret)
		ret = db_attach_get_ask(tx, v.origin ? v.origin : v.lvolid,
					&attach_q);
	if (!ret)
		ret = db_lvol_delete_ask(tx, v.lvolid, &legs_q);
	if (!ret)
		ret = db_lvol_still_answer(tx, still_q, &snaps);
	if (!ret && snaps)
		ret = -EBUSY;
	if (!ret) {
		ret = db_attach_get_answer(tx, attach_q, &a);
		if (ret == -ENOENT)
			ret = 0;
		else if (!ret &&
			 (!v.origin || a.eventid || a.status != ATTACH_BOUND))
			ret = -EBUSY;
		else if (!ret) /* attached snapshot: detach it, then delete */
			ret =
			    attach_op_begin(sm, tx, ATTACH_OP_SNAP_DETACH,
					    a.lvolid, v.lvolid, a.hsvrid, &op);
	}
	if (!ret && !op)
		ret = db_lvol_delete_asked(tx, v.lvolid, v.origin != 0, legs_q);
	ret = db_end(tx, ret);
	if (ret) {
		attach_op_free(op);
		return ret;
	}
	if (op)
		return attach_op_run(sm, op);
	log_info("lvol-%08x '%s' deleted", v.lvolid, v.lvolname);
	sm_wake_shred(sm);
	return 0;
}

int vol_list(struct sm *sm, const struct vol_ref *ref, const char *pool,
	     struct sm_volume_list *out)
{
	struct sm_volume v;
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	v.lvolid = 0;
	if (ref)
		ret = lookup(tx, *ref, &v);
	if (!ret && pool)
		ret = db_pool_find(tx, pool, &poolid);
	if (!ret)
		ret = db_lvol_list(tx, v.lvolid, poolid, out);
	db_rollback(tx);
	return ret;
}

void vol_list_free(struct sm_volume_list *list)
{
	free(list->e);
	free(list->snaps);
	list->e = NULL;
	list->snaps = NULL;
	list->n = 0;
}

int vol_show(struct sm *sm, struct vol_ref ref, struct vas_lvolstruct *out)
{
	struct sm_volume v;
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	ret = lookup(tx, ref, &v);
	if (!ret)
		ret = db_lvolstruct(tx, v.lvolid, sm->cfg.iqn_prefix, out);
	db_rollback(tx);
	return ret;
}
