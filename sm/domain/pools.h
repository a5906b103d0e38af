/*
 * Storage pools (issue 16): a tree under 'default', each pool with an
 * optional quota in GiB of volume capacity that its volumes and those of
 * its sub-pools together may not pass (Velocity's rule: the used amount
 * never surpasses the quota of any ancestor). Storage servers and disks
 * belong to one pool; a volume's legs go to the disks of its pool, or of
 * the nearest ancestor that has disks.
 */
#ifndef VAS_SM_POOLS_H
#define VAS_SM_POOLS_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"
#include "sm.h"

#define POOL_DEFAULT_NAME "default"

struct db_tx;

/* Pool and domain names: 1..64 of A-Z a-z 0-9 . - _, not "." or "..". */
bool pool_name_valid(const char *name);

/* parent NULL = 'default'; quota_gib 0 = none. */
int pool_create(struct sm *sm, const char *name, const char *parent,
		int64_t quota_gib, int32_t *poolid);
/* EBUSY while anything is in it, and always for 'default'. */
int pool_delete(struct sm *sm, const char *name);
int pool_set_quota(struct sm *sm, const char *name, int64_t quota_gib);
/* name NULL = every pool. The caller frees *rows. */
int pool_list(struct sm *sm, const char *name, struct sm_pool **rows, int *n);

/*
 * Moves a storage server (with the disks that have no pool of their own)
 * or one disk into a pool. No data moves: legs already there stay and go
 * on serving their volumes; new legs follow the new pool.
 */
int pool_place_server(struct sm *sm, int32_t ssvrid, const char *pool);
int pool_place_disk(struct sm *sm, int32_t pdskid, const char *pool);
/* A storage server's failure domain; "" = none. */
int pool_set_domain(struct sm *sm, int32_t ssvrid, const char *domain);

/*
 * Inside the caller's transaction: the id of a pool by name (NULL =
 * 'default'); -ENOENT.
 */
int pool_resolve(struct db_tx *tx, const char *name, int32_t *poolid);
/*
 * Inside the caller's transaction: -EDQUOT unless delta_gib more fits in
 * the pool and every ancestor.
 */
int pool_charge(struct db_tx *tx, int32_t poolid, int64_t delta_gib);
/* The same asked ahead, with the transaction's next round trip. */
int pool_charge_ask(struct db_tx *tx, int32_t poolid, int64_t delta_gib,
		    int *ticket);
int pool_charge_answer(struct db_tx *tx, int ticket);

#endif
