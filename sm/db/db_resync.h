/* Mirror legs under repair: replacement bookkeeping and the resync queue. */
#ifndef VAS_SM_DB_RESYNC_H
#define VAS_SM_DB_RESYNC_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "vas/lvolstruct.h"

struct leg_row {
	int32_t dextid;
	int32_t mirrorid;
	int32_t toplvolid;
	int64_t capacity_vb;
	int mirror_status;
	int32_t ssvrid;
	int32_t pdskid;
};

struct resync_row {
	int32_t eventid; /* 0 while queued without one */
	int32_t mirrorid;
	int32_t add;
	int32_t rm;
	int attempts;
	int32_t hsvrid;
	int32_t pdskid; /* of the added leg */
	int64_t capacity_vb;
	int insync; /* in-sync legs of the mirror (picks only) */
};

/* Legs whose extents lie on a disk (pdskid > 0) or a server (-ssvrid). */
int db_legs_on(struct db_tx *tx, int32_t where, struct leg_row **rows, int *n);
int db_leg_get(struct db_tx *tx, int32_t dextid, struct leg_row *row);
/*
 * Swaps leg old for the extent new (already BUSY): the old extent gets
 * status post_ext, the new leg new_status, and a resync row is queued when
 * the volume's root is attached and idle.
 */
int db_leg_swap(struct db_tx *tx, const struct leg_row *old, int32_t new_id,
		int post_ext, int new_status);
/* Marks a leg SPARE and queues a rebuild of that same extent (8.5). */
int db_leg_readd(struct db_tx *tx, const struct leg_row *leg, int delay_s);
int db_leg_set_status(struct db_tx *tx, int32_t dextid, int status);

int db_resync_salvage(struct db_tx *tx);
/* Drops rows whose leg or attachment is gone (M9, M64). */
int db_resync_purge(struct db_tx *tx);
/*
 * Read-only: whether legs lie on failed disks or servers (to evacuate)
 * and whether rows are stale (to purge).
 */
int db_resync_upkeep(struct db_tx *tx, bool *evacuate, bool *purge);
/*
 * Ready rows, fewest in-sync legs first, one per target disk, none on a
 * disk or mirror already rebuilding (rows whose add is in freed[] count as
 * ended); never a mirror with none in sync (M68).
 */
int db_resync_pick(struct db_tx *tx, int max, const int32_t *freed, int n_freed,
		   struct resync_row **rows, int *n);
int db_resync_running(struct db_tx *tx, struct resync_row **rows, int *n);
/*
 * PENDING -> PROGRESS for rows[0..*n), each taking an event id unless it
 * kept one; rows gone or no longer startable since the pick are dropped
 * from the array.
 */
int db_resync_begin(struct db_tx *tx, struct resync_row *rows, int *n);
/* The head reported the leg in sync: INSYNC, row removed. */
int db_resync_done(struct db_tx *tx, const struct resync_row *row);
/* Back to PENDING after delay_s; keep_id: the agent may hold the id. */
int db_resync_retry(struct db_tx *tx, int32_t eventid, int delay_s,
		    bool keep_id);
/* DEXT nodes for replaceMirrorDisk (sm.md 8.4.5); chap: add's account. */
int db_resync_request(struct db_tx *tx, const struct resync_row *row,
		      const char *iqn_prefix, bool chap,
		      struct vas_lvolstruct *add, struct vas_lvolstruct *rm);

#endif
