/*
 * The rows of a new volume or of its new mirrors: layers gathered and
 * written in one statement, each mirror's legs picked and booked
 * together (shared by create, snapshot and extend).
 */
#include "volume_build.h"
#include "db_alloc.h"
#include "db_pools.h"
#include "db_volumes.h"
#include "placement_view.h"
#include "pools.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

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
			ret = VOL_STALE_READ;
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

int vol_ask_charge(struct db_tx *tx, const struct sm_volume *v,
		   struct volume_asks *a)
{
	int ret = pool_charge_ask(tx, v->poolid, v->capacity, &a->quota);

	return ret ? ret : db_genid_ask(tx, DB_ID_LVOL);
}

int vol_ask_volume(struct sm *sm, struct db_tx *tx, const struct sm_volume *v,
		   struct volume_asks *a)
{
	int ret = vol_ask_charge(tx, v, a);

	return ret ? ret : placement_view_ask(sm, tx, v->poolid, &a->alloc);
}

/* Velocity's rule first (EDQUOT before ENOSPC), then the disks. */
int vol_answer_volume(struct sm *sm, struct db_tx *tx, struct volume_asks *a)
{
	int ret = pool_charge_answer(tx, a->quota);

	a->quota = -1;
	return ret ? ret
		   : placement_view_answer(sm, tx, a->alloc, &a->storage,
					   &a->pool);
}

/* LVOL row, top layer (SO or SNAPSHOT), LINEAR, mirrors (sm.md 3.7). */
int vol_build(struct sm *sm, struct db_tx *tx, struct sm_volume *v,
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

int vol_ask_first_mirror(struct sm *sm, struct db_tx *tx,
			 const struct sm_volume *v, struct volume_asks *a)
{
	return ask_legs(tx, v, &a->pool, a->storage,
			next_extent(sm, v->capacity), true, &a->first);
}
