/*
 * PROGRESS rows whose event id is not in keep[] back to PENDING with their
 * ids (n_keep 0: all of them); *moved (optional) how many.
 */
#ifndef VAS_SM_DB_REQUEUE_H
#define VAS_SM_DB_REQUEUE_H

#include <stdint.h>

#include "db.h"

int db_shred_requeue(struct db_tx *tx, const int32_t *keep, int n_keep,
		     int *moved);
int db_resync_requeue(struct db_tx *tx, const int32_t *keep, int n_keep,
		      int *moved);

#endif
