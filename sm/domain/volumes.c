/* Volume life cycle: create, snapshot, delete, list, show. */
#include "volumes.h"
#include "alloc.h"
#include "db_alloc.h"
#include "db_fencing.h"
#include "db_pools.h"
#include "db_servers.h"
#include "db_volumes.h"
#include "domain_priv.h"
#include "placement_view.h"
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

static void utc_now(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
}

/* Layer rows gathered while a tree is built, written in one statement. */
struct layer_batch {
	struct db_layer *row;
	int n, cap;
};

static int layer_add(struct layer_batch *b, int32_t id, int type, int32_t super,
		     int64_t offset, int64_t capacity, int32_t top,
		     int mirror_status)
{
	if (b->n == b->cap) {
		int cap = b->cap ? 2 * b->cap : 16;
		struct db_layer *row =
		    realloc(b->row, (size_t)cap * sizeof(*row));

		if (!row)
			return -ENOMEM;
		b->row = row;
		b->cap = cap;
	}
	b->row[b->n++] = (struct db_layer){
	    .id = id,
	    .type = type,
	    .super = super,
	    .offset = offset,
	    .capacity = capacity,
	    .top = top,
	    .mirror_status = mirror_status,
	};
	return 0;
}

/* Writes the batch unless ret says the build failed; frees it. */
static int layers_write(struct db_tx *tx, struct layer_batch *b, int ret)
{
	if (!ret)
		ret = db_layers_insert(tx, b->row, b->n);
	free(b->row);
	b->row = NULL;
	b->n = b->cap = 0;
	return ret;
}

/*
 * A mirror's legs, each on a failure domain (else a server) the others
 * are not on, and their extents asked for. The legs are picked first (no
 * pick depends on another's booking: they are on different servers) and
 * booked together, in one round trip.
 */
struct mirror_legs {
	struct alloc_disk *disk[ALLOC_MAX_LEGS];
	int take[ALLOC_MAX_LEGS];
	int recheck; /* ticket, or -1: the pool was read under the lock */
	int n;
};

/*
 * Told by a transaction that read the disks before taking the lock when
 * what it read no longer holds: it is done again, lock first.
 */
#define STALE_READ (-ECANCELED)

static int ask_legs(struct db_tx *tx, const struct sm_volume *v,
		    struct alloc_pool *pool, int32_t storage, int64_t e,
		    bool recheck, struct mirror_legs *m)
{
	struct alloc_legs legs = {.storage = storage};
	int idx, ret = 0;

	m->recheck = -1;
	if (v->redundancy > ALLOC_MAX_LEGS)
		return -EINVAL;
	for (m->n = 0; m->n < v->redundancy; m->n++) {
		idx = alloc_pick_leg(pool, e, &legs);
		if (idx < 0)
			return -ENOSPC;
		alloc_legs_add(&legs, &pool->disk[idx]);
		m->disk[m->n] = &pool->disk[idx];
	}
	if (recheck)
		ret = db_alloc_recheck_ask(tx, storage, m->disk, m->n,
					   &m->recheck);
	return ret ? ret : db_extents_take_ask(tx, m->disk, m->n, e, m->take);
}

/* Books the legs asked for and adds the mirror's layer rows to b. */
static int finish_mirror(struct db_tx *tx, struct mirror_legs *m,
			 struct layer_batch *b, int32_t linear, int32_t top,
			 int64_t offset, int64_t e)
{
	int32_t mirror, dextid[ALLOC_MAX_LEGS];
	bool same = true;
	int ret, leg;

	ret = db_genid(tx, DB_ID_LVOL, &mirror);
	if (!ret)
		ret = layer_add(b, mirror, LVOLTYPE_MIRROR, linear, offset, e,
				top, 0);
	if (!ret && m->recheck >= 0) {
		ret = db_alloc_recheck_answer(tx, m->recheck, m->disk, m->n,
					      &same);
		if (!ret && !same)
			ret = STALE_READ;
	}
	if (!ret)
		ret = db_extents_take_answer(tx, m->disk, m->n, e, m->take,
					     dextid);
	for (leg = 0; !ret && leg < m->n; leg++)
		ret = layer_add(b, dextid[leg], LVOLTYPE_DEXT, mirror, 0, e,
				top, MIRROR_ALLOCATED);
	return ret;
}

/* The size of the next mirror of resid vb: the first extent size that
 * fits (the sizes are used in the configured order); 0 if none. */
static int64_t next_extent(const struct sm *sm, int64_t resid)
{
	int i;

	for (i = 0; i < sm->cfg.n_extentsize; i++)
		if (resid >= sm->cfg.extentsize[i])
			return sm->cfg.extentsize[i];
	return 0;
}

/*
 * The mirrors of [from, to) from the disks of pool (storage's); first,
 * if given, are the first mirror's legs, already asked for. recheck: the
 * pool was read before the lock, each pick is checked again under it.
 */
static int build_mirrors_from(struct sm *sm, struct db_tx *tx,
			      const struct sm_volume *v, int32_t storage,
			      struct alloc_pool *pool, struct layer_batch *b,
			      int32_t linear, int64_t from, int64_t to,
			      struct mirror_legs *first, bool recheck)
{
	struct mirror_legs m;
	int64_t off = from, e;
	int ret = 0;

	while (!ret && off < to) {
		e = next_extent(sm, to - off);
		if (!e)
			return -ENOSPC;
		if (first)
			m = *first;
		else
			ret = ask_legs(tx, v, pool, storage, e, recheck, &m);
		first = NULL;
		if (!ret)
			ret =
			    finish_mirror(tx, &m, b, linear, v->lvolid, off, e);
		off += e;
	}
	return ret;
}

int vol_build_mirrors(struct sm *sm, struct db_tx *tx,
		      const struct sm_volume *v, int32_t linear, int64_t from,
		      int64_t to)
{
	struct alloc_pool pool = {0};
	struct layer_batch b = {0};
	int32_t storage = 0;
	int ret;

	ret = db_pool_storage(tx, v->poolid, &storage);
	if (!ret)
		ret = db_alloc_pool_load(tx, storage, &pool);
	if (!ret)
		ret = build_mirrors_from(sm, tx, v, storage, &pool, &b, linear,
					 from, to, NULL, false);
	free(pool.disk);
	return layers_write(tx, &b, ret);
}

/*
 * What building a volume reads, asked ahead so that it travels in one
 * round trip (with the lock, when it is the transaction's first).
 */
struct volume_asks {
	int quota; /* ticket, or -1 once answered */
	int alloc;
	int32_t storage;
	struct alloc_pool pool;
	struct mirror_legs first; /* when has_first: asked with the lock */
	bool has_first;
	bool recheck; /* the pool was read before the lock */
};

static int ask_charge(struct db_tx *tx, const struct sm_volume *v,
		      struct volume_asks *a)
{
	int ret = pool_charge_ask(tx, v->poolid, v->capacity, &a->quota);

	return ret ? ret : db_genid_ask(tx, DB_ID_LVOL);
}

static int ask_volume(struct sm *sm, struct db_tx *tx,
		      const struct sm_volume *v, struct volume_asks *a)
{
	int ret = ask_charge(tx, v, a);

	return ret ? ret : placement_view_ask(sm, tx, v->poolid, &a->alloc);
}

/* Velocity's rule first (EDQUOT before ENOSPC), then the disks. */
static int answer_volume(struct sm *sm, struct db_tx *tx, struct volume_asks *a)
{
	int ret = pool_charge_answer(tx, a->quota);

	a->quota = -1;
	return ret ? ret
		   : placement_view_answer(sm, tx, a->alloc, &a->storage,
					   &a->pool);
}

/* LVOL row, top layer (SO or SNAPSHOT), LINEAR, mirrors (sm.md 3.7). */
static int build_volume(struct sm *sm, struct db_tx *tx, struct sm_volume *v,
			struct volume_asks *a, int top_type, int32_t *top_layer)
{
	struct layer_batch b = {0};
	int32_t linear;
	int ret = 0;

	utc_now(v->ctime, sizeof(v->ctime));
	/* Velocity's rule, in the transaction that books the space. */
	if (a->quota >= 0)
		ret = pool_charge_answer(tx, a->quota);
	if (!ret)
		ret = db_genid(tx, DB_ID_LVOL, &v->lvolid);
	if (!ret)
		ret = db_lvol_insert(tx, v);
	if (!ret)
		ret = db_genid(tx, DB_ID_LVOL, top_layer);
	if (!ret)
		ret = layer_add(&b, *top_layer, top_type, v->lvolid, 0,
				v->capacity, v->lvolid, 0);
	if (!ret)
		ret = db_genid(tx, DB_ID_LVOL, &linear);
	if (!ret)
		ret = layer_add(&b, linear, LVOLTYPE_LINEAR, *top_layer, 0,
				v->capacity, v->lvolid, 0);
	if (!ret)
		ret = build_mirrors_from(
		    sm, tx, v, a->storage, &a->pool, &b, linear, 0, v->capacity,
		    a->has_first ? &a->first : NULL, a->recheck);
	return layers_write(tx, &b, ret);
}

/*
 * One attempt at a create. With late_lock, what decides nothing alone -
 * the name, the pool, the disks - is read before the mutation lock; the
 * lock goes with the quota, the id counter, the first mirror's bookings
 * and a check that the disks picked still qualify, so it is held for one
 * round trip instead of two. A read found stale (or any ENOSPC, which a
 * stale read can cause) answers STALE_READ: the caller tries again with
 * the lock taken first, as every other mutation does.
 */
static int try_create(struct sm *sm, struct sm_volume *v, const char *pool,
		      bool late_lock)
{
	struct volume_asks a = {.quota = -1};
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
			  : ask_volume(sm, tx, v, &a);
	if (!ret || ret == -ENOENT) { /* a taken name is told first */
		int found = db_lvol_name_taken_answer(tx, ticket, &taken);

		ret = found ? found : (taken ? -EEXIST : ret);
	}
	if (!ret && !late_lock)
		ret = answer_volume(sm, tx, &a);
	if (!ret && late_lock) {
		a.recheck = a.has_first = true;
		ret =
		    placement_view_answer(sm, tx, a.alloc, &a.storage, &a.pool);
		if (!ret)
			ret = db_lock(tx);
		if (!ret)
			ret = ask_charge(tx, v, &a);
		if (!ret)
			ret = ask_legs(tx, v, &a.pool, a.storage,
				       next_extent(sm, v->capacity), true,
				       &a.first);
	}
	if (!ret)
		ret =
		    build_volume(sm, tx, v, &a, LVOLTYPE_SNAPSHOT_ORIGIN, &top);
	if (late_lock && ret == -ENOSPC)
		ret = STALE_READ;
	alloc_pool_free(&a.pool);
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
	ret = try_create(sm, &v, pool, true);
	if (ret == STALE_READ) {
		log_debug("create of '%s': disks read before the lock changed; "
			  "again with the lock first",
			  name);
		ret = try_create(sm, &v, pool, false);
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
		ret = ask_volume(sm, tx, &v, &asks);
	if (!ret)
		ret = answer_volume(sm, tx, &asks);
	if (!ret)
		ret = build_volume(sm, tx, &v, &asks, LVOLTYPE_SNAPSHOT, &top);
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
