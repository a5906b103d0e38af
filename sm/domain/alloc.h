/*
 * Leg placement (sm.md 4.3, 4.6): pure ranking over a snapshot of the
 * allocatable disks, so cost per leg is O(disks), never O(extents).
 */
#ifndef VAS_SM_ALLOC_H
#define VAS_SM_ALLOC_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"

/*
 * Index of the disk for a leg of c vb whose server is not in omit[]:
 * servers ranked by mean integer free percent of their eligible disks,
 * then best disk percent, then lowest ssvrid; the disk is the server's
 * highest-percent disk with an extent >= c, then lowest pdskid.
 * -ENOSPC when no disk qualifies.
 */
int alloc_pick(const struct alloc_pool *pool, int64_t c, const int32_t *omit,
	       int n_omit);

/*
 * The disk for a new leg of a mirror whose other legs are `legs`, among
 * the disks of legs->storage (0 = any pool): ranked as alloc_pick(), on a
 * failure domain none of those legs is in; when no such domain has room,
 * on a server none of them is on (issue 16). A server in no domain is a
 * domain of its own, so without domains this is alloc_pick() exactly.
 * At most two passes over the disks. -ENOSPC when no disk qualifies.
 */
int alloc_pick_leg(const struct alloc_pool *pool, int64_t c,
		   const struct alloc_legs *legs);

/*
 * Indexes the disks of pool `storage` (0: every pool) so that picks for
 * it look at a few servers instead of every disk, with the same result.
 * The caller tells alloc_index_update() of every disk whose free space
 * may have grown or whose pool changed; takes need not be told.
 */
int alloc_index_build(struct alloc_pool *pool, int32_t storage);
void alloc_index_update(struct alloc_pool *pool, int i);
void alloc_index_free(struct alloc_pool *pool);
/* A copy of src's disks and of its index of `storage`, if it has one. */
int alloc_pool_copy(struct alloc_pool *dst, const struct alloc_pool *src,
		    int32_t storage);
/* Frees the disks and the indexes. */
void alloc_pool_free(struct alloc_pool *pool);

/* Records that the mirror now has a leg on disk d. */
void alloc_legs_add(struct alloc_legs *legs, const struct alloc_disk *d);

/* A server's rank for one leg size (alloc_pick's rules). */
struct alloc_score {
	int32_t ssvrid;
	int64_t sum_pct;
	int64_t count;
	int64_t max_pct;
	int best; /* disk index */
};

/*
 * Scores the server whose disks are pool->disk[first, end) for legs of c
 * vb in pool storage (0: any): count 0 when none fits.
 */
void alloc_score_server(const struct alloc_pool *pool, int first, int end,
			int64_t c, int32_t storage, struct alloc_score *s);
/* Whether a ranks before b. */
bool alloc_score_better(const struct alloc_score *a,
			const struct alloc_score *b);
/* Whether v is among list[0..n). */
bool alloc_listed(int32_t v, const int32_t *list, int n);

#endif
