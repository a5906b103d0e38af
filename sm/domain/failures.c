/*
 * notifyFailure and notifyBadBlocks (sm.md 3.18, 3.19, 8). The failed part
 * is marked first; then every leg on it gets a replacement extent on
 * another server, one leg at a time (M63): a leg with no room stays
 * degraded (SPARE) and is retried by the periodic evacuation pass.
 */
#include "failures.h"
#include "alloc.h"
#include "alloc_order.h"
#include "db_alloc.h"
#include "db_disks.h"
#include "db_evacuate.h"
#include "db_failures.h"
#include "db_resync.h"
#include "db_servers.h"
#include "db_volumes.h"
#include "placement_view.h"
#include "vas/clock.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The storage pool of the last volume asked about, to ask once per pool. */
struct storage_memo {
	int32_t poolid;
	int32_t storage; /* 0: no pool up the tree has a disk */
};

static int leg_storage(struct db_tx *tx, int32_t toplvolid,
		       struct storage_memo *memo)
{
	int32_t poolid = 0;
	int ret = db_lvol_pool(tx, toplvolid, &poolid);

	if (ret || poolid == memo->poolid)
		return ret;
	memo->poolid = poolid;
	memo->storage = 0;
	ret = db_pool_storage(tx, poolid, &memo->storage);
	return ret == -ENOSPC ? 0 : ret;
}

/*
 * Books a new extent for one leg, by the rules of its creation: in its
 * volume's pool, on a failure domain (else a server) the mirror's other
 * legs are not on, never the failed server. 0 also when it must wait for
 * room.
 */
static int replace_leg(struct db_tx *tx, struct alloc_pool *pool,
		       const struct leg_row *leg, int post_ext,
		       struct storage_memo *memo, int *moved)
{
	struct alloc_legs legs = {0};
	int32_t new_id;
	int idx = -ENOSPC, ret, status;

	ret = leg_storage(tx, leg->toplvolid, memo);
	if (!ret)
		ret = db_mirror_legs(tx, leg->mirrorid, leg->dextid, &legs);
	if (ret)
		return ret;
	/* never back onto the failed server (M41); its domain may do */
	if (legs.n < ALLOC_MAX_LEGS) {
		legs.ssvrid[legs.n] = leg->ssvrid;
		legs.domain[legs.n++] = 0;
	}
	legs.storage = memo->storage;
	if (memo->storage)
		idx = alloc_pick_leg(pool, leg->capacity_vb, &legs);
	if (idx < 0) {
		log_warn("dext-%08x: no room for a replacement; degraded until "
			 "space appears",
			 leg->dextid);
		return leg->mirror_status == MIRROR_INSYNC
			   ? db_leg_set_status(tx, leg->dextid, MIRROR_SPARE)
			   : 0;
	}
	ret = db_extent_take(tx, &pool->disk[idx], leg->capacity_vb, &new_id);
	if (ret)
		return ret;
	status = leg->mirror_status == MIRROR_ALLOCATED ||
			 leg->mirror_status == MIRROR_NEEDSHRED
		     ? MIRROR_ALLOCATED
		     : MIRROR_SPARE;
	log_info("dext-%08x of mirr-%08x replaced by dext-%08x", leg->dextid,
		 leg->mirrorid, new_id);
	ret = db_leg_swap(tx, leg, new_id, post_ext, status);
	*moved += !ret;
	return ret;
}

static bool part_failed(int priority)
{
	return priority == PRIO_OFFLINE || priority == PRIO_FAULTY;
}

/* The legs on failed parts, one by one (mixed extent sizes). */
static int evacuate_one_by_one(struct sm *sm, struct db_tx *tx)
{
	struct alloc_pool pool = {0};
	struct storage_memo memo = {0, 0};
	struct leg_row *legs = NULL;
	struct sm_disk *disks = NULL;
	int n_disks = 0, n_legs = 0, moved = 0, ret, i, j;

	ret = db_pdsk_to_evacuate(tx, &disks, &n_disks);
	if (!ret && n_disks)
		ret = db_alloc_pool_load(tx, 0, &pool);
	for (i = 0; !ret && i < n_disks; i++) {
		ret = db_legs_on(tx, disks[i].pdskid, &legs, &n_legs);
		for (j = 0; !ret && j < n_legs; j++) {
			bool busy = false;

			/*
			 * An attach/detach in flight sends a tree built
			 * before now: swapping a leg under it would leave
			 * the head holding an extent this manager shreds
			 * and re-uses. A later pass replaces the leg.
			 */
			ret = db_root_in_flight(tx, legs[j].toplvolid, &busy);
			if (!ret && !busy)
				ret =
				    replace_leg(tx, &pool, &legs[j],
						disks[i].priority == PRIO_FAULTY
						    ? EXT_FAULTY
						    : EXT_OFFLINE,
						&memo, &moved);
		}
		free(legs);
		legs = NULL;
	}
	free(disks);
	free(pool.disk);
	if (!ret)
		__atomic_add_fetch(&sm->legs_replaced[1], moved,
				   __ATOMIC_RELAXED);
	return ret;
}

/*
 * What replace_leg() would avoid for legs[i] after the legs before it:
 * the mirror's other legs (a sibling replaced earlier by its new disk),
 * the failed server but not its domain (M41).
 */
static void avoid(const struct alloc_pool *pool, const struct evac_leg *legs,
		  int i, struct alloc_legs *out)
{
	const struct evac_leg *e = &legs[i];
	int k, j;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < e->n_others && out->n < ALLOC_MAX_LEGS; k++) {
		bool moved = false;

		for (j = 0; j < i && !moved; j++)
			moved = legs[j].new_pdskid &&
				legs[j].leg.dextid == e->other_dext[k];
		if (moved)
			continue;
		out->ssvrid[out->n] = e->others[k];
		out->domain[out->n++] = e->other_domains[k];
	}
	for (j = 0; j < i; j++)
		if (legs[j].new_pdskid &&
		    legs[j].leg.mirrorid == e->leg.mirrorid)
			alloc_legs_add(out, &pool->disk[legs[j].disk_idx]);
	if (out->n < ALLOC_MAX_LEGS) {
		out->ssvrid[out->n] = e->leg.ssvrid;
		out->domain[out->n++] = 0;
	}
	out->storage = e->storage;
}

/* The servers ranked per pool and leg size, at most a few of them. */
#define ORDERS 8

struct orders {
	int n;
	int32_t storage[ORDERS];
	int64_t c[ORDERS];
	struct alloc_order *o[ORDERS]; /* NULL: alloc_pick_leg() */
};

/* alloc_pick_leg(pool, c, taken), through the ranked servers. */
static int pick(const struct alloc_pool *pool, struct orders *os,
		const struct evac_leg *e, const struct alloc_legs *taken)
{
	int64_t c = e->leg.capacity_vb;
	int k;

	for (k = 0; k < os->n; k++)
		if (os->storage[k] == e->storage && os->c[k] == c)
			break;
	if (k == os->n && k < ORDERS) {
		os->storage[k] = e->storage;
		os->c[k] = c;
		if (alloc_order_build(pool, e->storage, c, &os->o[k]))
			os->o[k] = NULL;
		os->n++;
	}
	return k < os->n && os->o[k] ? alloc_order_pick(os->o[k], taken)
				     : alloc_pick_leg(pool, c, taken);
}

/*
 * Places every leg as replace_leg() would, one after the other, on the
 * pool in memory: in its volume's pool, away from the domains (else the
 * servers) of its mirror's other legs.
 */
static void place(struct alloc_pool *pool, struct evac_leg *legs, int n)
{
	struct orders os = {0};
	struct alloc_legs taken;
	int i, idx, k;

	for (i = 0; i < n; i++) {
		struct evac_leg *e = &legs[i];
		struct alloc_disk *d;

		if (e->in_flight) {
			e->skip = true; /* see evacuate_one_by_one() */
			continue;
		}
		avoid(pool, legs, i, &taken);
		idx = e->storage ? pick(pool, &os, e, &taken) : -ENOSPC;
		if (idx < 0) {
			log_warn("dext-%08x: no room for a replacement; "
				 "degraded until space appears",
				 e->leg.dextid);
			continue;
		}
		d = &pool->disk[idx];
		e->new_pdskid = d->pdskid;
		e->disk_idx = idx;
		d->free_vb -= e->leg.capacity_vb;
		/* Exact with one extent size; db_evac_take checks. */
		if (d->largest_vb > d->free_vb)
			d->largest_vb = d->free_vb;
		for (k = 0; k < os.n; k++)
			if (os.o[k])
				alloc_order_took(os.o[k], pool, idx);
	}
	for (k = 0; k < os.n; k++)
		alloc_order_free(os.o[k]);
}

/*
 * Replaces every leg on a failed part. pool: the placement view's disks
 * read before the failure in this transaction, the failed parts taken
 * out (see drop_failed()), or empty: then read here.
 */
static int evacuate(struct sm *sm, struct db_tx *tx, struct alloc_pool *pool)
{
	struct evac_leg *legs = NULL;
	int n = 0, ret, i, moved = 0;
	int64_t t[6];

	/* Runs every resync pass: nothing but one query when all is well. */
	t[0] = vas_now_ms();
	ret = db_evac_legs(tx, &legs, &n);
	t[1] = vas_now_ms();
	if (!ret && n && !pool->disk)
		ret = placement_view_copy(sm, tx, pool);
	t[2] = vas_now_ms();
	if (!ret && n)
		place(pool, legs, n);
	t[3] = vas_now_ms();
	if (!ret && n)
		ret = db_evac_take(tx, legs, n);
	t[4] = vas_now_ms();
	if (!ret && n)
		ret = db_evac_swap(tx, legs, n);
	t[5] = vas_now_ms();
	/* Where a failure's booking goes, under the mutation lock. */
	if (n)
		log_info("evacuation of %d legs: read %lld ms, disks %lld ms, "
			 "placed %lld ms, taken %lld ms, swapped %lld ms",
			 n, (long long)(t[1] - t[0]), (long long)(t[2] - t[1]),
			 (long long)(t[3] - t[2]), (long long)(t[4] - t[3]),
			 (long long)(t[5] - t[4]));
	for (i = 0; !ret && i < n; i++)
		if (legs[i].new_id) {
			log_info("dext-%08x of mirr-%08x replaced by dext-%08x",
				 legs[i].leg.dextid, legs[i].leg.mirrorid,
				 legs[i].new_id);
			moved++;
		}
	if (!ret)
		__atomic_add_fetch(&sm->legs_replaced[0], moved,
				   __ATOMIC_RELAXED);
	free(legs);
	/* Extents of several sizes: leg by leg, as placement requires. */
	return ret == -EAGAIN ? evacuate_one_by_one(sm, tx) : ret;
}

int sm_evacuate(struct sm *sm, struct db_tx *tx)
{
	struct alloc_pool pool = {0};
	int ret = evacuate(sm, tx, &pool);

	alloc_pool_free(&pool);
	return ret;
}

/*
 * The disks of a server (ssvrid) or one disk (pdskid) that failed after
 * the copy was read: no leg goes there, as a read now would not list them.
 */
static void drop_failed(struct alloc_pool *pool, int32_t ssvrid, int32_t pdskid)
{
	int i;

	/* Only lowers what an index or order bounds: they need not know. */
	for (i = 0; i < pool->n; i++)
		if (pool->disk[i].ssvrid == ssvrid ||
		    pool->disk[i].pdskid == pdskid)
			pool->disk[i].largest_vb = 0;
}

/*
 * A head that lost a leg cannot tell a bad extent from a storage server
 * that just died. The same extent is re-added only after the health
 * check had time to find its server dead (a poll, then the retry): if it
 * did, the evacuation replaces the queued re-add, and the head is never
 * asked to rebuild onto a server that is gone (sm.md M74).
 */
static int readd_grace_s(const struct sm *sm)
{
	if (sm->cfg.server_check_interval_s <= 0)
		return 0;
	return sm->cfg.server_check_interval_s +
	       (sm->cfg.health_retry_ms + 999) / 1000;
}

static int fail_dext(struct sm *sm, struct db_tx *tx, int32_t dextid)
{
	struct leg_row leg;
	int ret = db_fail_dext_check(tx, dextid);

	if (ret)
		return ret > 0 ? 0 : ret;
	ret = db_leg_get(tx, dextid, &leg);
	if (ret)
		return ret;
	/* Only a leg holding data is rebuilt; SPARE is already queued. */
	return leg.mirror_status == MIRROR_INSYNC
		   ? db_leg_readd(tx, &leg, readd_grace_s(sm))
		   : 0;
}

/*
 * A failed storage server or disk: the placement view is brought up to
 * date before the mutation lock (a full read of every disk, when a disk
 * or server came or went since, is done there), again under it (the
 * changes since: a few rows), and that copy, read before the failure is
 * marked and without the failed parts, places the replacements.
 */
static int fail_part(struct sm *sm, struct db_tx *tx, int target, int32_t id)
{
	struct alloc_pool pool = {0};
	struct sm_disk disk;
	int ret, prio = 0;

	if (target == TARGET_SSVR) {
		ret = db_server_priority(tx, SRV_SSVR, id, &prio);
		if (ret == -ENOENT || (!ret && prio == PRIO_OFFLINE))
			return 1; /* unknown or already failed: nothing to do */
	} else {
		ret = db_pdsk_get(tx, id, &disk);
		if (ret == -ENOENT || (!ret && part_failed(disk.priority)))
			return 1;
	}
	if (!ret)
		ret = placement_view_copy(sm, tx, &pool);
	if (!ret)
		ret = target == TARGET_SSVR ? db_fail_ssvr(tx, id)
					    : db_fail_pdsk(tx, id);
	if (!ret) {
		drop_failed(&pool, target == TARGET_SSVR ? id : 0,
			    target == TARGET_PDSK ? id : 0);
		ret = evacuate(sm, tx, &pool);
	}
	alloc_pool_free(&pool);
	return ret;
}

int sm_notify_failure(struct sm *sm, int target, int32_t id)
{
	bool part = target == TARGET_SSVR || target == TARGET_PDSK;
	struct db_tx *tx = NULL;
	int ret;
	int64_t t0 = vas_now_ms(), t1;

	ret =
	    part ? db_begin_unlocked(sm->db, &tx) : db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	if (part) {
		ret = placement_view_copy(sm, tx, NULL);
		if (!ret)
			ret = db_lock(tx);
		if (ret)
			return db_end(tx, ret);
	}
	t1 = vas_now_ms();
	switch (target) {
	case TARGET_HSVR: {
		int prio = 0;

		ret = db_server_priority(tx, SRV_HSVR, id, &prio);
		if (ret == -ENOENT || (!ret && prio == PRIO_OFFLINE)) {
			db_rollback(tx);
			return 0; /* unknown or already failed: nothing to do */
		}
		if (!ret)
			ret = db_fail_hsvr(tx, id);
		break;
	}
	case TARGET_SSVR:
	case TARGET_PDSK:
		ret = fail_part(sm, tx, target, id);
		if (ret == 1) {
			db_rollback(tx);
			return 0;
		}
		break;
	case TARGET_LVOL:
		ret = fail_dext(sm, tx, id);
		break;
	default:
		ret = -EINVAL;
	}
	ret = db_end(tx, ret);
	if (!ret) {
		log_warn("failure recorded: target %d id %08x (before the lock "
			 "%lld ms, held %lld ms)",
			 target, id, (long long)(t1 - t0),
			 (long long)(vas_now_ms() - t1));
		sm_wake_resync(sm);
		if (target == TARGET_HSVR)
			sm_wake_fencing(sm);
	}
	return ret;
}

int sm_notify_bad_blocks(struct sm *sm, int32_t pdskid, const int32_t *blocks,
			 int n)
{
	struct alloc_pool pool = {0};
	struct storage_memo memo = {0, 0};
	struct sm_disk disk;
	struct db_tx *tx = NULL;
	int32_t *busy = NULL;
	int n_busy = 0, moved = 0, ret, i;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_pdsk_get(tx, pdskid, &disk);
	if (ret == -ENOENT)
		ret = -EINVAL; /* as vas_api.txt documents */
	if (!ret && disk.priority == PRIO_FAULTY) {
		db_rollback(tx);
		return 0;
	}
	if (!ret)
		ret = db_bad_blocks(tx, pdskid, blocks, n, &busy, &n_busy);
	if (!ret && n_busy)
		ret = db_alloc_pool_load(tx, 0, &pool);
	/* The reporting disk takes no replacement of its own legs (M72). */
	for (i = 0; !ret && i < pool.n; i++)
		if (pool.disk[i].pdskid == pdskid)
			pool.disk[i].largest_vb = 0;
	for (i = 0; !ret && i < n_busy; i++) {
		struct leg_row leg;

		ret = db_leg_get(tx, busy[i], &leg);
		if (!ret)
			ret = replace_leg(tx, &pool, &leg, EXT_FAULTY, &memo,
					  &moved);
	}
	free(busy);
	free(pool.disk);
	ret = db_end(tx, ret);
	if (!ret)
		__atomic_add_fetch(&sm->legs_replaced[1], moved,
				   __ATOMIC_RELAXED);
	if (!ret)
		sm_wake_resync(sm);
	return ret;
}
