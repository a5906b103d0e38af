/*
 * What leg placement reads and books: the allocatable disks of a pool,
 * their failure domains, and the extents taken from them.
 */
#ifndef VAS_SM_DB_ALLOC_H
#define VAS_SM_DB_ALLOC_H

#include <stdint.h>

#include "db.h"
#include "records.h"

/*
 * Disks that can take legs, in pool `storage` (0 = every pool), sorted by
 * (ssvrid, pdskid), each with its domain key and pool.
 */
int db_alloc_pool_load(struct db_tx *tx, int32_t storage,
		       struct alloc_pool *pool);
/*
 * What a placement view read: the storage pool of the asked pool (0 when
 * none holds a disk), the epoch and xmin to ask with next time, and the
 * disks (every one when the epoch changed, else those changed since).
 */
struct alloc_view_read {
	int32_t storage;
	char epoch[96];
	char xmin[24];
	struct alloc_pool rows;
};
/*
 * Asks ahead for the storage pool of poolid and the disks placement may
 * use (any pool, free or not) changed since a read that returned epoch
 * and xmin ("" for none: every disk).
 */
int db_alloc_view_ask(struct db_tx *tx, int32_t poolid, const char *epoch,
		      const char *xmin, int *ticket);
int db_alloc_view_answer(struct db_tx *tx, int ticket,
			 struct alloc_view_read *out);
/*
 * Takes c vb from the disk's largest FREE extent (split at the high end
 * with a new lvol id) and marks it BUSY; updates the pool entry.
 */
int db_extent_take(struct db_tx *tx, struct alloc_disk *disk, int64_t c,
		   int32_t *dextid);
/* The same on n distinct disks at once, in one round trip. */
int db_extents_take(struct db_tx *tx, struct alloc_disk **disks, int n,
		    int64_t c, int32_t *dextids);
/* The same in two halves: asked ahead (db_ask), answered later. */
int db_extents_take_ask(struct db_tx *tx, struct alloc_disk **disks, int n,
			int64_t c, int *tickets);
int db_extents_take_answer(struct db_tx *tx, struct alloc_disk **disks, int n,
			   int64_t c, const int *tickets, int32_t *dextids);
/* What one leg's take found: its extent (size 0: no FREE extent), and
 * the disk's next largest FREE extent before the take. */
struct db_taken {
	int32_t dextid;
	int64_t offset, size, next;
};
/*
 * Takes vb[k] from the largest FREE extent of disks[k], every leg in one
 * statement (the disks distinct), asked ahead; the answer tells out[k]
 * for leg k. db_taken_keep_rest() then books each leg: -ENOSPC when its
 * extent was missing or too small, else the rest of a split extent stays
 * FREE under a new lvol id (ids handed out in the order of the calls).
 */
int db_legs_take_ask(struct db_tx *tx, struct alloc_disk **disks,
		     const int64_t *vb, int n, int *ticket);
int db_legs_take_answer(struct db_tx *tx, int ticket, int n,
			struct db_taken *out);
int db_taken_keep_rest(struct db_tx *tx, const struct db_taken *t,
		       int32_t pdskid, int64_t c);
/*
 * Whether disks, picked from a read made before the mutation lock, can
 * still take legs (their and their servers' priorities), in storage pool
 * storage, on the same servers and failure domains (*same); asked ahead
 * and answered later.
 */
int db_alloc_recheck_ask(struct db_tx *tx, int32_t storage,
			 struct alloc_disk **disks, int n, int *ticket);
int db_alloc_recheck_answer(struct db_tx *tx, int ticket,
			    struct alloc_disk **disks, int n, bool *same);
/* The servers and domains of a mirror's legs other than `except`. */
int db_mirror_legs(struct db_tx *tx, int32_t mirrorid, int32_t except,
		   struct alloc_legs *legs);
/*
 * The pool whose disks take the legs of pool poolid's volumes (itself or
 * its nearest ancestor holding a disk); -ENOSPC when none holds one.
 */
int db_pool_storage(struct db_tx *tx, int32_t poolid, int32_t *storage);
/* The pool of a volume. */
int db_lvol_pool(struct db_tx *tx, int32_t lvolid, int32_t *poolid);

#endif
