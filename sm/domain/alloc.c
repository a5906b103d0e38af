/* Leg placement ranking; the same rules as the original, ties pinned. */
#include "alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

static bool listed(int32_t v, const int32_t *list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static int64_t percent(const struct alloc_disk *d)
{
	return d->total_vb > 0 ? d->free_vb * 100 / d->total_vb : 0;
}

struct server_score {
	int32_t ssvrid;
	int64_t sum_pct;
	int64_t count;
	int64_t max_pct;
	int best; /* disk index */
};

/* a better than b? mean compared by cross-multiplication (no floats). */
static bool better(const struct server_score *a, const struct server_score *b)
{
	int64_t l = a->sum_pct * b->count, r = b->sum_pct * a->count;

	if (l != r)
		return l > r;
	if (a->max_pct != b->max_pct)
		return a->max_pct > b->max_pct;
	return a->ssvrid < b->ssvrid;
}

/* What a pick leaves out. */
struct exclusion {
	const int32_t *ssvrid;
	int n_ssvr;
	const int32_t *domain;
	int n_domain;
	int32_t storage;
};

static bool eligible(const struct alloc_disk *d, int64_t c,
		     const struct exclusion *x)
{
	return d->largest_vb >= c && (!x->storage || d->poolid == x->storage) &&
	       !listed(d->ssvrid, x->ssvrid, x->n_ssvr) &&
	       !listed(d->domain, x->domain, x->n_domain);
}

/* One pass over the disks (sorted by server): O(disks). */
static int rank(const struct alloc_pool *pool, int64_t c,
		const struct exclusion *x)
{
	struct server_score best = {0}, cur = {0};
	bool have_best = false;
	int i;

	cur.ssvrid = -1;
	for (i = 0; i <= pool->n; i++) {
		const struct alloc_disk *d =
		    i < pool->n ? &pool->disk[i] : NULL;

		if (!d || d->ssvrid != cur.ssvrid) {
			if (cur.count > 0 &&
			    (!have_best || better(&cur, &best))) {
				best = cur;
				have_best = true;
			}
			if (!d)
				break;
			cur.ssvrid = d->ssvrid;
			cur.sum_pct = cur.count = cur.max_pct = 0;
			cur.best = -1;
		}
		if (!eligible(d, c, x))
			continue;
		cur.sum_pct += percent(d);
		cur.count++;
		if (cur.best < 0 || percent(d) > cur.max_pct) {
			cur.max_pct = percent(d);
			cur.best = i;
		}
	}
	return have_best ? best.best : -ENOSPC;
}

int alloc_pick(const struct alloc_pool *pool, int64_t c, const int32_t *omit,
	       int n_omit)
{
	struct exclusion x = {omit, n_omit, NULL, 0, 0};

	return rank(pool, c, &x);
}

int alloc_pick_leg(const struct alloc_pool *pool, int64_t c,
		   const struct alloc_legs *legs)
{
	struct exclusion x = {legs->ssvrid, legs->n, legs->domain, legs->n,
			      legs->storage};
	int idx = rank(pool, c, &x);

	if (idx >= 0)
		return idx;
	/* Fewer domains with room than legs: distinct servers, as 3.0. */
	x.n_domain = 0;
	return rank(pool, c, &x);
}

void alloc_legs_add(struct alloc_legs *legs, const struct alloc_disk *d)
{
	if (legs->n < ALLOC_MAX_LEGS) {
		legs->ssvrid[legs->n] = d->ssvrid;
		legs->domain[legs->n] = d->domain;
		legs->n++;
	}
}
