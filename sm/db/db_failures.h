/* Recording failures reported by notifyFailure / notifyBadBlocks. */
#ifndef VAS_SM_DB_FAILURES_H
#define VAS_SM_DB_FAILURES_H

#include <stdint.h>

#include "db.h"

/* Drops every attachment of the head server without RPC (sm.md 8.2). */
int db_fail_hsvr(struct db_tx *tx, int32_t hsvrid);
/* Server and its disks OFFLINE, shreds cancelled, legs degraded. */
int db_fail_ssvr(struct db_tx *tx, int32_t ssvrid);
/* Disk FAULTY, its free/offline extents FAULTY, legs degraded. */
int db_fail_pdsk(struct db_tx *tx, int32_t pdskid);
/* One leg degraded: -ENOENT unknown extent, -EINVAL not in use. */
int db_fail_dext(struct db_tx *tx, int32_t dextid);
/* Block numbers (vb) of a disk: -EINVAL if one lies in no extent. */
int db_bad_blocks(struct db_tx *tx, int32_t pdskid, const int32_t *blocks,
		  int n);

#endif
