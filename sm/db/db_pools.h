/* Storage pools, their quotas, and where servers and disks belong. */
#ifndef VAS_SM_DB_POOLS_H
#define VAS_SM_DB_POOLS_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "records.h"

#define DB_POOL_DEFAULT 1 /* 'default', the root: what 3.0 had */

/* The id of the pool named name; -ENOENT. */
int db_pool_find(struct db_tx *tx, const char *name, int32_t *poolid);
int db_pool_insert(struct db_tx *tx, int32_t poolid, const char *name,
		   int32_t parent, int64_t quota_gib);
int db_pool_delete(struct db_tx *tx, int32_t poolid);
/* Whether volumes, sub-pools, servers or disks are in the pool. */
int db_pool_in_use(struct db_tx *tx, int32_t poolid, bool *busy);
/*
 * -EDQUOT when delta_gib more in pool poolid would take the pool or an
 * ancestor past its quota (Velocity's rule), else 0.
 */
int db_pool_quota_room(struct db_tx *tx, int32_t poolid, int64_t delta_gib);
/* The same asked ahead (db_ask) and answered later. */
int db_pool_quota_room_ask(struct db_tx *tx, int32_t poolid, int64_t delta_gib,
			   int *ticket);
int db_pool_quota_room_answer(struct db_tx *tx, int ticket);
/*
 * Whether quota_gib (> 0) suits the pool: no less than what its subtree
 * holds or any quota below it, no more than any quota above it.
 * 0 or -EDQUOT. parent is used for a pool not yet inserted (poolid 0).
 */
int db_pool_quota_fits(struct db_tx *tx, int32_t poolid, int32_t parent,
		       int64_t quota_gib);
int db_pool_set_quota(struct db_tx *tx, int32_t poolid, int64_t quota_gib);
/* Pools in id order (one when poolid > 0). The caller frees *rows. */
int db_pool_list(struct db_tx *tx, int32_t poolid, struct sm_pool **rows,
		 int *n);

/* Places a storage server (its disks follow) or one disk in a pool. */
int db_ssvr_set_pool(struct db_tx *tx, int32_t ssvrid, int32_t poolid);
int db_pdsk_set_pool(struct db_tx *tx, int32_t pdskid, int32_t poolid);
/* A server's failure domain by name; "" = none. */
int db_ssvr_set_domain(struct db_tx *tx, int32_t ssvrid, const char *domain);

#endif
