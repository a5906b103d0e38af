/*
 * Leg placement (sm.md 4.3, 4.6): pure ranking over a snapshot of the
 * allocatable disks, so cost per leg is O(disks), never O(extents).
 */
#ifndef VAS_SM_ALLOC_H
#define VAS_SM_ALLOC_H

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

#endif
