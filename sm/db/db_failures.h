/* Recording failures reported by notifyFailure / notifyBadBlocks. */
#ifndef VAS_SM_DB_FAILURES_H
#define VAS_SM_DB_FAILURES_H

#include <stdint.h>

#include "db.h"

/* Drops every attachment of the head server without RPC (sm.md 8.2). */
int db_fail_hsvr(struct db_tx *tx, int32_t hsvrid);
/* Server and its disks OFFLINE (FAULTY ones stay), shreds cancelled. */
int db_fail_ssvr(struct db_tx *tx, int32_t ssvrid);
/* Disk FAULTY, its free and offline extents FAULTY, shreds cancelled. */
int db_fail_pdsk(struct db_tx *tx, int32_t pdskid);
/*
 * Whether a reported extent has a leg to rebuild: 0 yes, 1 nothing to do
 * (already replaced, disk known bad), -ENOENT unknown, -EINVAL never used.
 */
int db_fail_dext_check(struct db_tx *tx, int32_t dextid);
/*
 * Block numbers (vb) of a disk: unused extents there become FAULTY, used
 * ones are returned in *busy (heap) for replacement. -EINVAL if a block
 * lies in no extent.
 */
int db_bad_blocks(struct db_tx *tx, int32_t pdskid, const int32_t *blocks,
		  int n, int32_t **busy, int *n_busy);

#endif
