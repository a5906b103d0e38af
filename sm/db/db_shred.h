/* The zeroing queue (shred rows) and the extent states it moves. */
#ifndef VAS_SM_DB_SHRED_H
#define VAS_SM_DB_SHRED_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

struct shred_row {
	int64_t shredid;
	int32_t eventid; /* 0 while queued without one */
	int32_t dextid;
	int32_t pdskid;
	int32_t ssvrid;
	int64_t offset_vb;
	int64_t capacity_vb;
	int attempts;
};

/* How a sent shred ended. */
struct shred_end {
	struct shred_row row;
	bool done;   /* the agent reported DONE for exactly this range */
	int keep_id; /* 1: the agent may still hold the id (re-send it) */
	int delay_s; /* back-off before the next attempt */
};

/* A shred row for every OFFLINE extent of the disk that has none. */
int db_shred_queue_offline(struct db_tx *tx, int32_t pdskid);
/* Extent -> OFFLINE with a new PENDING shred row (it held data). */
int db_shred_queue_extent(struct db_tx *tx, int32_t dextid);
/*
 * Start-up: CANCELED rows dropped, PROGRESS -> PENDING with their ids,
 * which the first dispatch re-sends (sm.md 9.1).
 */
int db_shred_salvage(struct db_tx *tx);
/*
 * The next shred for each idle eligible disk (HIGH/LOW disk on a HIGH/LOW
 * server, no shred running on it; the running rows in ended[] count as
 * finished): of all disks when all is set, else of the disks of ended[].
 * A row that kept its id goes first, and while it backs off its disk
 * waits. Never an extent a head may still hold (a resync must first drop
 * it) or one whose cancelled shred may still run, nor on a server that has
 * not yet fenced a failed head. Caller frees *rows.
 */
int db_shred_candidates(struct db_tx *tx, const struct shred_row *ended,
			int n_ended, bool all, struct shred_row **rows,
			int *n_rows);
/*
 * PENDING -> PROGRESS for rows[0..*n), each taking an event id unless it
 * kept one, in this transaction. Dropped from the array: rows no longer
 * queued, on a disk or server no longer HIGH/LOW, whose extent a head
 * may hold or a cancelled shred may still zero, or whose extent is no
 * longer OFFLINE (M54; those also leave the queue).
 */
int db_shred_begin(struct db_tx *tx, struct shred_row *rows, int *n);
/* Running (PROGRESS) and cancelled-while-running rows, for polling. */
int db_shred_running(struct db_tx *tx, struct shred_row **rows, int *n);
/*
 * Records how sent shreds ended (reorders ends[]): DONE frees the extent
 * if it is still OFFLINE and the row still names that range; others go
 * back to PENDING after their delay (CANCELED rows are dropped).
 */
int db_shred_end(struct db_tx *tx, struct shred_end *ends, int n);
/* Disk speeds kept (sql/013), in microseconds per VB; caller frees both. */
int db_shred_speeds(struct db_tx *tx, int64_t **pdskids, int64_t **us_per_vb,
		    int *n);
/* Keeps speeds[i] (microseconds per VB) of disk pdskids[i], i < n. */
int db_shred_keep_speeds(struct db_tx *tx, const int64_t *pdskids,
			 const int64_t *us_per_vb, int n);

#endif
