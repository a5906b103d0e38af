/*
 * Many legs of one size placed one after the other (a failed server's
 * replacements): the servers of a pool kept sorted by placement's rank
 * for that size, so each pick takes the first server its mirror does not
 * exclude instead of ranking every server again. alloc_pick_leg() ranks
 * by the mean of a server's disks that can take the leg; when those disks
 * are all about as free, its bucket index still scores every server once
 * taken from (1 000 legs on 1 000 servers: ~half a million servers).
 */
#ifndef VAS_SM_ALLOC_ORDER_H
#define VAS_SM_ALLOC_ORDER_H

#include <stdint.h>

#include "records.h"

struct alloc_order;

/*
 * The servers of pool `storage` (> 0) of `pool` ranked for legs of c vb.
 * The order reads pool's disks again only through alloc_order_took().
 * -EINVAL when a server's disks are in different failure domains (the
 * database never has it so: alloc_pick_leg() then).
 */
int alloc_order_build(const struct alloc_pool *pool, int32_t storage, int64_t c,
		      struct alloc_order **out);
/*
 * What alloc_pick_leg(pool, c, legs) returns for the pool the order was
 * built on, as alloc_order_took() has kept it; legs->storage is ignored.
 */
int alloc_order_pick(const struct alloc_order *o,
		     const struct alloc_legs *legs);
/* Disk i's free space went down (a take): its server is ranked again. */
void alloc_order_took(struct alloc_order *o, const struct alloc_pool *pool,
		      int i);
void alloc_order_free(struct alloc_order *o);

#endif
