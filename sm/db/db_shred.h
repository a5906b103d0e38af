/* The zeroing queue (shred rows) and the extent states it moves. */
#ifndef VAS_SM_DB_SHRED_H
#define VAS_SM_DB_SHRED_H

#include <stdint.h>

#include "db.h"

struct shred_row {
	int32_t eventid;
	int32_t dextid;
	int32_t pdskid;
	int32_t ssvrid;
	int64_t offset_vb;
	int64_t capacity_vb;
	int attempts;
};

/* A shred row for every OFFLINE extent of the disk that has none. */
int db_shred_queue_offline(struct db_tx *tx, int32_t pdskid);
/* Extent -> OFFLINE with a new PENDING shred row (it held data). */
int db_shred_queue_extent(struct db_tx *tx, int32_t dextid);
/* Start-up: PROGRESS -> PENDING, CANCELED rows dropped (sm.md 9.1). */
int db_shred_salvage(struct db_tx *tx);
/*
 * Up to max rows ready to dispatch: PENDING and due, extent still OFFLINE,
 * disk and server HIGH/LOW, no shred running on the disk, fewer than
 * per_server running on the server. Caller frees *rows.
 */
int db_shred_pick(struct db_tx *tx, int max, int per_server,
		  struct shred_row **rows, int *n);
int db_shred_running(struct db_tx *tx, struct shred_row **rows, int *n);
/* PENDING -> PROGRESS; -ENOENT if the row or its OFFLINE extent is gone. */
int db_shred_start(struct db_tx *tx, int32_t eventid);
/*
 * The agent finished zeroing exactly this extent range: the extent becomes
 * FREE if it is still OFFLINE and the row still names that range.
 */
int db_shred_done(struct db_tx *tx, const struct shred_row *row);
/* Back to PENDING after delay_s (CANCELED rows are dropped). */
int db_shred_retry(struct db_tx *tx, int32_t eventid, int delay_s);

#endif
