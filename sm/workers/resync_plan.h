/* Which queued rebuilds start, chosen from a pick (resync_plan.c). */
#ifndef VAS_SM_RESYNC_PLAN_H
#define VAS_SM_RESYNC_PLAN_H

#include "db_resync.h"

/*
 * Reorders rows[0..n) (db_resync_pick's order) so that rows[0..return)
 * are the ones to start, at most room: one per mirror, fewest in-sync
 * legs first, then the head with the fewest rebuilds, load(ctx, head)
 * running plus those chosen. -1 when out of memory.
 */
int resync_plan_choose(struct resync_row *rows, int n, int room,
		       int (*load)(void *ctx, int32_t hsvrid), void *ctx);

#endif
