/* Leg placement ranking; the same rules as the original, ties pinned. */
#include "alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

/* a better than b? mean compared by cross-multiplication (no floats). */
static bool better(const struct alloc_score *a, const struct alloc_score *b)
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

/* Scores the server whose disks are [first, end): count 0 when none fits. */
static void score(const struct alloc_pool *pool, int first, int end, int64_t c,
		  const struct exclusion *x, struct alloc_score *cur)
{
	int i;

	cur->ssvrid = pool->disk[first].ssvrid;
	cur->sum_pct = cur->count = cur->max_pct = 0;
	cur->best = -1;
	for (i = first; i < end; i++) {
		const struct alloc_disk *d = &pool->disk[i];

		if (!eligible(d, c, x))
			continue;
		cur->sum_pct += percent(d);
		cur->count++;
		if (cur->best < 0 || percent(d) > cur->max_pct) {
			cur->max_pct = percent(d);
			cur->best = i;
		}
	}
}

static void consider(const struct alloc_score *cur, struct alloc_score *best,
		     bool *have_best)
{
	if (cur->count > 0 && (!*have_best || better(cur, best))) {
		*best = *cur;
		*have_best = true;
	}
}

void alloc_score_server(const struct alloc_pool *pool, int first, int end,
			int64_t c, int32_t storage, struct alloc_score *s)
{
	const struct exclusion x = {.storage = storage};

	score(pool, first, end, c, &x, s);
}

bool alloc_score_better(const struct alloc_score *a,
			const struct alloc_score *b)
{
	return better(a, b);
}

bool alloc_listed(int32_t v, const int32_t *list, int n)
{
	return listed(v, list, n);
}

/* Every server, one pass over the disks (sorted by server): O(disks). */
static int rank_all(const struct alloc_pool *pool, int64_t c,
		    const struct exclusion *x)
{
	struct alloc_score best = {0}, cur;
	bool have_best = false;
	int first = 0, end;

	while (first < pool->n) {
		for (end = first + 1;
		     end < pool->n &&
		     pool->disk[end].ssvrid == pool->disk[first].ssvrid;
		     end++)
			;
		score(pool, first, end, c, x, &cur);
		consider(&cur, &best, &have_best);
		first = end;
	}
	return have_best ? best.best : -ENOSPC;
}

/*
 * The servers of one pool, bucketed by an upper bound of their eligible
 * disks' free percent (0..100): a server's mean can be no higher than
 * its best disk, so ranking walks the buckets from the top and stops
 * where no server left can beat the best found: a few servers' disks
 * per pick instead of every disk. A take only lowers a bound (a server
 * found in too high a bucket is moved down when met); anything that may
 * raise one goes through alloc_index_update().
 */
#define PCT_BUCKETS 101

struct alloc_index {
	struct alloc_index *next;
	int32_t storage;
	bool broken; /* a percent out of 0..100: rank_all() instead */
	int n_slots; /* servers, in disk order */
	int *first;  /* slot -> its first disk; first[n_slots] = pool->n */
	int *slot_of;
	int8_t *bucket; /* slot -> bucket, -1: no disk that could fit */
	int words;
	uint64_t *bits; /* bucket b's slots at bits + b * words */
};

/* The slot's bucket: its best free percent in the pool, -1 none. */
static int bound(const struct alloc_pool *pool, const struct alloc_index *ix,
		 int slot)
{
	int64_t best = -1;
	int i;

	for (i = ix->first[slot]; i < ix->first[slot + 1]; i++) {
		const struct alloc_disk *d = &pool->disk[i];

		if (d->largest_vb > 0 &&
		    (!ix->storage || d->poolid == ix->storage) &&
		    percent(d) > best)
			best = percent(d);
	}
	return best < PCT_BUCKETS ? (int)best : PCT_BUCKETS;
}

static void set_bucket(struct alloc_index *ix, int slot, int b)
{
	uint64_t bit = UINT64_C(1) << (slot % 64);

	if (ix->bucket[slot] >= 0)
		ix->bits[(size_t)ix->bucket[slot] * ix->words + slot / 64] &=
		    ~bit;
	if (b >= PCT_BUCKETS) {
		ix->broken = true;
		b = -1;
	}
	ix->bucket[slot] = (int8_t)b;
	if (b >= 0)
		ix->bits[(size_t)b * ix->words + slot / 64] |= bit;
}

static void index_free(struct alloc_index *ix)
{
	free(ix->first);
	free(ix->slot_of);
	free(ix->bucket);
	free(ix->bits);
	free(ix);
}

static struct alloc_index *index_of(const struct alloc_pool *pool,
				    int32_t storage)
{
	struct alloc_index *ix;

	for (ix = pool->index; ix; ix = ix->next)
		if (ix->storage == storage && !ix->broken)
			return ix;
	return NULL;
}

int alloc_index_build(struct alloc_pool *pool, int32_t storage)
{
	struct alloc_index *ix;
	int i, slot = -1;

	if (index_of(pool, storage))
		return 0;
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	ix->storage = storage;
	ix->first = malloc(sizeof(int) * ((size_t)pool->n + 1));
	ix->slot_of = malloc(sizeof(int) * ((size_t)pool->n + 1));
	if (!ix->first || !ix->slot_of) {
		index_free(ix);
		return -ENOMEM;
	}
	for (i = 0; i < pool->n; i++) {
		if (!i || pool->disk[i].ssvrid != pool->disk[i - 1].ssvrid)
			ix->first[++slot] = i;
		ix->slot_of[i] = slot;
	}
	ix->n_slots = slot + 1;
	ix->first[ix->n_slots] = pool->n;
	ix->words = ix->n_slots / 64 + 1;
	ix->bucket = malloc((size_t)ix->n_slots + 1);
	ix->bits = calloc((size_t)PCT_BUCKETS * ix->words, sizeof(uint64_t));
	if (!ix->bucket || !ix->bits) {
		index_free(ix);
		return -ENOMEM;
	}
	for (slot = 0; slot < ix->n_slots; slot++) {
		ix->bucket[slot] = -1;
		set_bucket(ix, slot, bound(pool, ix, slot));
	}
	ix->next = pool->index;
	pool->index = ix;
	return 0;
}

void alloc_index_update(struct alloc_pool *pool, int i)
{
	struct alloc_index *ix;

	for (ix = pool->index; ix; ix = ix->next) {
		int slot = ix->slot_of[i], b = bound(pool, ix, slot);

		if (b != ix->bucket[slot])
			set_bucket(ix, slot, b);
	}
}

void alloc_index_free(struct alloc_pool *pool)
{
	while (pool->index) {
		struct alloc_index *next = pool->index->next;

		index_free(pool->index);
		pool->index = next;
	}
}

/* Can a server in bucket b beat best (better())? */
static bool can_beat(int b, const struct alloc_score *best, int32_t ssvrid)
{
	int64_t l = b * best->count, r = best->sum_pct;

	if (l != r)
		return l > r;
	/* Only with every eligible disk at b: then best's disk and id. */
	return best->max_pct == b && ssvrid < best->ssvrid;
}

static int rank_indexed(const struct alloc_pool *pool, struct alloc_index *ix,
			int64_t c, const struct exclusion *x)
{
	struct alloc_score best = {0}, cur;
	bool have_best = false;
	int b, w;

	for (b = PCT_BUCKETS - 1; b >= 0; b--) {
		uint64_t *set = ix->bits + (size_t)b * ix->words;

		for (w = 0; w < ix->words; w++) {
			uint64_t left = set[w];

			while (left) {
				int slot = w * 64 + __builtin_ctzll(left), now;

				left &= left - 1;
				if (have_best &&
				    !can_beat(
					b, &best,
					pool->disk[ix->first[slot]].ssvrid))
					return best.best;
				now = bound(pool, ix, slot);
				if (now < b) { /* met again lower down */
					set_bucket(ix, slot, now);
					continue;
				}
				score(pool, ix->first[slot],
				      ix->first[slot + 1], c, x, &cur);
				consider(&cur, &best, &have_best);
			}
		}
	}
	return have_best ? best.best : -ENOSPC;
}

static int rank(const struct alloc_pool *pool, int64_t c,
		const struct exclusion *x)
{
	struct alloc_index *ix = index_of(pool, x->storage);

	return ix ? rank_indexed(pool, ix, c, x) : rank_all(pool, c, x);
}

static void *dup(const void *src, size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p)
		memcpy(p, src, size);
	return p;
}

int alloc_pool_copy(struct alloc_pool *dst, const struct alloc_pool *src,
		    int32_t storage)
{
	const struct alloc_index *from = index_of(src, storage);
	struct alloc_index *ix;

	dst->n = src->n;
	dst->index = NULL;
	dst->disk = dup(src->disk, sizeof(*src->disk) * (size_t)src->n);
	if (!dst->disk)
		return -ENOMEM;
	if (!from)
		return 0;
	ix = calloc(1, sizeof(*ix));
	if (!ix)
		return 0; /* ranked by a full pass */
	*ix = *from;
	ix->next = NULL;
	ix->first = dup(from->first, sizeof(int) * ((size_t)from->n_slots + 1));
	ix->slot_of = dup(from->slot_of, sizeof(int) * ((size_t)src->n + 1));
	ix->bucket = dup(from->bucket, (size_t)from->n_slots + 1);
	ix->bits = dup(from->bits,
		       sizeof(uint64_t) * PCT_BUCKETS * (size_t)from->words);
	if (!ix->first || !ix->slot_of || !ix->bucket || !ix->bits)
		index_free(ix);
	else
		dst->index = ix;
	return 0;
}

void alloc_pool_free(struct alloc_pool *pool)
{
	alloc_index_free(pool);
	free(pool->disk);
	pool->disk = NULL;
	pool->n = 0;
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
