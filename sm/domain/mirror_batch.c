/* Several mirrors' legs picked in C and booked in one statement. */
#include "mirror_batch.h"
#include "alloc_order.h"
#include "db_alloc.h"
#include "sm.h"
#include "volume_build.h"

#include <stdlib.h>

int64_t mirror_next_extent(const struct sm *sm, int64_t resid)
{
	int i;

	/* The first configured extent size that fits, in the configured
	 * order. */
	for (i = 0; i < sm->cfg.n_extentsize; i++)
		if (resid >= sm->cfg.extentsize[i])
			return sm->cfg.extentsize[i];
	return 0;
}

static int grow(struct mirror_batch *b, int more)
{
	int cap = b->cap ? b->cap : 64;
	struct alloc_disk **disk;
	int64_t *vb, *guess;

	if (b->n_legs + more <= b->cap)
		return 0;
	while (cap < b->n_legs + more)
		cap *= 2;
	disk = realloc(b->disk, (size_t)cap * sizeof(*disk));
	if (disk)
		b->disk = disk;
	vb = realloc(b->vb, (size_t)cap * sizeof(*vb));
	if (vb)
		b->vb = vb;
	guess = realloc(b->guess, (size_t)cap * sizeof(*guess));
	if (guess)
		b->guess = guess;
	if (!disk || !vb || !guess)
		return -ENOMEM;
	b->cap = cap;
	return 0;
}

/*
 * Servers kept ranked per leg size (alloc_order.c: the picks of
 * alloc_pick_leg(), which re-scores every server already taken from on
 * each pick while all are about as free: 309 legs on 1 000 servers,
 * ~50 000 servers scored), built when a plan first needs that size.
 */
#define ORDERS 4

struct orders {
	int32_t storage;
	int n;
	int64_t vb[ORDERS];
	struct alloc_order *o[ORDERS]; /* NULL: alloc_pick_leg() */
};

static int pick(struct orders *os, const struct alloc_pool *pool, int64_t vb,
		const struct alloc_legs *legs)
{
	int k;

	for (k = 0; k < os->n && os->vb[k] != vb; k++)
		;
	if (k == os->n && k < ORDERS) {
		os->vb[k] = vb;
		if (alloc_order_build(pool, os->storage, vb, &os->o[k]))
			os->o[k] = NULL;
		os->n++;
	}
	return k < os->n && os->o[k] ? alloc_order_pick(os->o[k], legs)
				     : alloc_pick_leg(pool, vb, legs);
}

static void orders_free(struct orders *os)
{
	while (os->n > 0)
		alloc_order_free(os->o[--os->n]);
}

static bool taken_before(const struct mirror_batch *b,
			 const struct alloc_disk *d, int legs)
{
	int i;

	for (i = 0; i < legs; i++)
		if (b->disk[i] == d)
			return true;
	return false;
}

/* Leg i's take as the plan assumes it. */
static void assume_taken(struct mirror_batch *b, int i, int64_t vb)
{
	struct alloc_disk *d = b->disk[i];

	d->free_vb -= vb;
	d->largest_vb = d->free_vb <= 0		     ? 0
			: d->largest_vb < d->free_vb ? d->largest_vb
						     : d->free_vb;
	b->vb[i] = vb;
	b->guess[i] = d->largest_vb;
}

int mirror_batch_plan(const struct sm *sm, struct alloc_pool *pool,
		      int32_t storage, int legs, int64_t from, int64_t to,
		      int max_mirrors, struct mirror_batch *b)
{
	struct orders os = {.storage = storage};
	int64_t off = from, e;
	int ret = 0, i, k, idx;

	b->n_legs = b->n_mirrors = 0;
	b->legs_per = legs;
	b->take = b->recheck = -1;
	if (legs > ALLOC_MAX_LEGS)
		return -EINVAL;
	while (off < to && b->n_mirrors < max_mirrors) {
		struct alloc_legs picked = {.storage = storage};
		int first = b->n_legs;

		e = mirror_next_extent(sm, to - off);
		if (!e)
			break;
		ret = grow(b, legs);
		if (ret)
			break;
		/* A mirror's legs are all picked before any is taken. */
		for (i = 0; i < legs; i++) {
			idx = max_mirrors > 1
				  ? pick(&os, pool, e, &picked)
				  : alloc_pick_leg(pool, e, &picked);
			if (idx < 0 || taken_before(b, &pool->disk[idx], first))
				break;
			alloc_legs_add(&picked, &pool->disk[idx]);
			b->disk[first + i] = &pool->disk[idx];
		}
		if (i < legs)
			break; /* the rest is planned from the truth */
		for (i = first; i < first + legs; i++) {
			assume_taken(b, i, e);
			for (k = 0; k < os.n; k++)
				if (os.o[k])
					alloc_order_took(
					    os.o[k], pool,
					    (int)(b->disk[i] - pool->disk));
		}
		b->n_legs += legs;
		b->n_mirrors++;
		off += e;
	}
	orders_free(&os);
	if (ret)
		return ret;
	return b->n_mirrors ? 0 : -ENOSPC;
}

int mirror_batch_ask(struct db_tx *tx, int32_t storage, bool recheck,
		     struct mirror_batch *b)
{
	int ret = 0;

	if (recheck)
		ret = db_alloc_recheck_ask(tx, storage, b->disk, b->n_legs,
					   &b->recheck);
	return ret ? ret
		   : db_legs_take_ask(tx, b->disk, b->vb, b->n_legs, &b->take);
}

int mirror_batch_answer(struct db_tx *tx, struct mirror_batch *b)
{
	bool same = true;
	int ret = 0;

	if (b->recheck >= 0) {
		ret = db_alloc_recheck_answer(tx, b->recheck, b->disk,
					      b->n_legs, &same);
		b->recheck = -1;
		if (!ret && !same)
			ret = VOL_STALE_READ;
	}
	free(b->taken);
	b->taken = calloc((size_t)b->n_legs + 1, sizeof(*b->taken));
	if (!b->taken)
		return -ENOMEM;
	if (!ret)
		ret = db_legs_take_answer(tx, b->take, b->n_legs, b->taken);
	b->take = -1;
	return ret;
}

/* Whether the guess and the truth differ where a later pick looked. */
static bool guess_mattered(const struct mirror_batch *b, int k, int64_t truth)
{
	int64_t guess = b->guess[k];
	int m;

	if (k / b->legs_per == b->n_mirrors - 1)
		return false; /* no pick of the batch came after it */
	if ((guess > 0) != (truth > 0))
		return true;
	for (m = k / b->legs_per + 1; m < b->n_mirrors; m++) {
		int64_t e = b->vb[m * b->legs_per];

		if ((guess >= e) != (truth >= e))
			return true;
	}
	return false;
}

int mirror_batch_book(struct db_tx *tx, struct mirror_batch *b, int k,
		      int32_t *dextid)
{
	const struct db_taken *t = &b->taken[k];
	int64_t vb = b->vb[k], truth;
	int ret = db_taken_keep_rest(tx, t, b->disk[k]->pdskid, vb);

	if (ret)
		return ret;
	truth = t->size - vb > t->next ? t->size - vb : t->next;
	if (guess_mattered(b, k, truth))
		return VOL_GUESS_WRONG;
	b->disk[k]->largest_vb = truth;
	*dextid = t->dextid;
	return 0;
}

void mirror_batch_free(struct mirror_batch *b)
{
	free(b->disk);
	free(b->vb);
	free(b->guess);
	free(b->taken);
	*b = (struct mirror_batch){.take = -1, .recheck = -1};
}
