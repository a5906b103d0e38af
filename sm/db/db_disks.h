/* Physical disks and their extents (pdsklst, dskmap). */
#ifndef VAS_SM_DB_DISKS_H
#define VAS_SM_DB_DISKS_H

#include <stdint.h>

#include "db.h"
#include "records.h"

/* The disk of ssvrid at path (its id and priority), or -ENOENT. */
int db_pdsk_find(struct db_tx *tx, int32_t ssvrid, const char *path,
		 int32_t *pdskid, int *priority);
/* Locks and reads a disk; -ENOENT if unknown. */
int db_pdsk_get(struct db_tx *tx, int32_t pdskid, struct sm_disk *row);
int db_pdsk_set_priority(struct db_tx *tx, int32_t pdskid, int priority);
/* Every disk of a storage server -> priority (optionally keeping one). */
int db_pdsks_of_ssvr_set(struct db_tx *tx, int32_t ssvrid, int to, int keep);
int db_pdsks_set_all(struct db_tx *tx, int to);
/* Whether any extent of the disk is FAULTY. */
int db_pdsk_has_faulty(struct db_tx *tx, int32_t pdskid, int *yes);

/*
 * Inserts a new disk carved into extents of `carve` vb (sm.md 3.3):
 * extent ids first_lvolid+1.., SUPER extent first_lvolid, shred rows with
 * events first_event.. (0: the caller queues them). All extents are born
 * OFFLINE with a PENDING shred.
 */
int db_pdsk_insert(struct db_tx *tx, int32_t pdskid, int32_t ssvrid,
		   const char *path, int64_t vb, int64_t rest_sectors,
		   int64_t carve, int32_t first_lvolid, int32_t first_event);
/* Number of data extents a disk of vb gets with this carve size. */
int64_t db_pdsk_extent_count(int64_t vb, int64_t carve);

/*
 * Disks that still carry legs although the disk is OFFLINE/FAULTY or its
 * server OFFLINE/FAULTY (pdskid, ssvrid, priority filled), in id order.
 */
int db_pdsk_to_evacuate(struct db_tx *tx, struct sm_disk **rows, int *n);

/* Deletes a disk whose extents are all unused; -EBUSY if one is in use. */
int db_pdsk_delete(struct db_tx *tx, int32_t pdskid);
/* Disks in id order, optionally of one server. */
int db_pdsk_list(struct db_tx *tx, int32_t ssvrid, struct sm_disk **rows,
		 int *n);
/* The same, only disks of pool poolid (their own, else their server's). */
int db_pdsk_list_in(struct db_tx *tx, int32_t ssvrid, int32_t poolid,
		    struct sm_disk **rows, int *n);

#endif
