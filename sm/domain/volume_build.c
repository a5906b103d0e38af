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
#include <limits.h>
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

/* Books the batch asked for and adds its mirrors' layer rows to b. */
static int book_batch(struct db_tx *tx, struct mirror_batch *mb,
		      struct layer_batch *b, int32_t linear, int32_t top,
		      int64_t *offset)
{
	int32_t mirror, dextid;
	int ret = mirror_batch_answer(tx, mb), m, leg;

	for (m = 0; !ret && m < mb->n_mirrors; m++) {
		int64_t e = mb->vb[m * mb->legs_per];

		ret = db_genid(tx, DB_ID_LVOL, &mirror);
		if (!ret)
			ret = layer_add(b, mirror, LVOLTYPE_MIRROR, linear,
					*offset, e, top, 0);
		for (leg = 0; !ret && leg < mb->legs_per; leg++) {
			ret = mirror_batch_book(tx, mb, m * mb->legs_per + leg,
						&dextid);
			if (!ret)
				ret =
				    layer_add(b, dextid, LVOLTYPE_DEXT, mirror,
					      0, e, top, MIRROR_ALLOCATED);
		}
		*offset += e;
	}
	return ret;
}

/*
 * The mirrors of [from, to) from the disks of pool (storage's); first,
 * if given, holds the first mirrors' legs, already asked for. recheck: the
 * pool was read before the lock, each pick is checked again under it.
 * batched: as many mirrors per round trip as mirror_batch_plan() allows,
 * else one.
 */
static int build_mirrors_from(struct sm *sm, struct db_tx *tx,
			      const struct sm_volume *v, int32_t storage,
			      struct alloc_pool *pool, struct layer_batch *b,
			      int32_t linear, int64_t from, int64_t to,
			      struct mirror_batch *first, bool recheck,
			      bool batched)
{
	struct mirror_batch own = {.take = -1, .recheck = -1};
	struct mirror_batch *mb = first ? first : &own;
	int64_t off = from;
	int ret = 0;

	while (!ret && off < to) {
		if (!first) {
			ret = mirror_batch_plan(sm, pool, storage,
						v->redundancy, off, to,
						batched ? INT_MAX : 1, mb);
			if (!ret)
				ret =
				    mirror_batch_ask(tx, storage, recheck, mb);
		}
		first = NULL;
		if (!ret)
			ret = book_batch(tx, mb, b, linear, v->lvolid, &off);
	}
	mirror_batch_free(&own);
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
					 from, to, NULL, false, false);
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
		    a->has_first ? &a->first : NULL, a->recheck, a->batched);
	return layers_write(tx, &b, ret);
}

int vol_plan_first_mirrors(struct sm *sm, const struct sm_volume *v,
			   struct volume_asks *a)
{
	a->has_first = true;
	return mirror_batch_plan(sm, &a->pool, a->storage, v->redundancy, 0,
				 v->capacity, a->batched ? INT_MAX : 1,
				 &a->first);
}

int vol_ask_first_mirrors(struct db_tx *tx, struct volume_asks *a)
{
	return mirror_batch_ask(tx, a->storage, a->recheck, &a->first);
}

void vol_asks_free(struct volume_asks *a)
{
	alloc_pool_free(&a->pool);
	mirror_batch_free(&a->first);
}
