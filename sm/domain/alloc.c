/* Leg placement ranking; the same rules as the original, ties pinned. */
#include "alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

static bool omitted(int32_t ssvrid, const int32_t *omit, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (omit[i] == ssvrid)
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

int alloc_pick(const struct alloc_pool *pool, int64_t c, const int32_t *omit,
	       int n_omit)
{
	struct server_score best = {0}, cur = {0};
	bool have_best = false;
	int i;

	cur.ssvrid = -1;
	for (i = 0; i <= pool->n; i++) {
		const struct alloc_disk *d = i < pool->n ? &pool->disk[i] : NULL;

		if (!d || d->ssvrid != cur.ssvrid) {
			if (cur.count > 0 && (!have_best || better(&cur, &best))) {
				best = cur;
				have_best = true;
			}
			if (!d)
				break;
			cur.ssvrid = d->ssvrid;
			cur.sum_pct = cur.count = cur.max_pct = 0;
			cur.best = -1;
		}
		if (d->largest_vb < c || omitted(d->ssvrid, omit, n_omit))
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
