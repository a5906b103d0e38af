/*
 * Leg placement's view of the disks, kept in the manager (issue 14): a
 * create reads only the disks changed since the view's last read
 * (db_alloc_view_ask), not every disk, and ranks through an index
 * (alloc_index_build). The changes are found by marks the writing
 * transactions leave (sql/011), in the create's own snapshot, so the
 * view is exactly what a full read in that transaction would return,
 * whichever manager or worker wrote them.
 */
#ifndef VAS_SM_PLACEMENT_VIEW_H
#define VAS_SM_PLACEMENT_VIEW_H

#include <stdint.h>

#include "db.h"
#include "records.h"
#include "sm.h"

/* Asks ahead for pool poolid's storage pool and the disks' changes. */
int placement_view_ask(struct sm *sm, struct db_tx *tx, int32_t poolid,
		       int *ticket);
/*
 * Brings the view up to the transaction's snapshot and gives the caller
 * its own copy (*pool, indexed for *storage; alloc_pool_free() it), to
 * take legs from. -ENOSPC when no pool up the tree holds a disk.
 */
int placement_view_answer(struct sm *sm, struct db_tx *tx, int ticket,
			  int32_t *storage, struct alloc_pool *pool);
/*
 * Brings the view up to the transaction's snapshot and, if pool is not
 * NULL, gives the caller its own copy of every disk (no pool indexed but
 * 0; alloc_pool_free() it): what db_alloc_pool_load(tx, 0) would read,
 * plus the disks with no free space, which placement never picks.
 */
int placement_view_copy(struct sm *sm, struct db_tx *tx,
			struct alloc_pool *pool);
/*
 * For tests: brings the view up to date in tx and compares it with a
 * full read there; the number of disks that differ (0), or -errno.
 */
int placement_view_check(struct sm *sm, struct db_tx *tx);
/* Disk rows the creates' reads returned, all told. */
uint64_t placement_view_rows_read(struct sm *sm);
void placement_view_free(struct sm *sm);

#endif
