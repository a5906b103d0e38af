/* How many rows of each kind are in each state (for /metrics). */
#ifndef VAS_SM_DB_METRICS_H
#define VAS_SM_DB_METRICS_H

#include <stdint.h>

#include "db.h"

#define DB_MAX_STATE 8

/* Indexed by the state number as stored (sm.md 2.1). */
struct db_state_counts {
	int64_t extents[DB_MAX_STATE]; /* dskmap.status */
	int64_t hsvr[DB_MAX_STATE];    /* priority */
	int64_t ssvr[DB_MAX_STATE];
	int64_t pdsk[DB_MAX_STATE];
	int64_t shred[DB_MAX_STATE]; /* status: pending, running, cancelled */
	int64_t resync[DB_MAX_STATE];
};

int db_state_counts(struct db_tx *tx, struct db_state_counts *c);

#endif
