/*
 * Fencing a failed head server's initiators on the storage servers before
 * its volumes are attached elsewhere (sql/006_fence.sql, SECURITY.md
 * "Fencing"). Not to be confused with db_fence.h, which fences a deposed
 * leader's own writes.
 */
#ifndef VAS_SM_DB_FENCING_H
#define VAS_SM_DB_FENCING_H

#include <stdint.h>

#include "db.h"
#include "records.h"

/*
 * Inside the transaction that fails hsvrid, before its attachments go:
 * every storage server holding a leg of a volume (or snapshot) attached
 * to it gets a row, and those volumes wait for the rows.
 */
int db_fencing_record(struct db_tx *tx, int32_t hsvrid);

struct fencing_row {
	int32_t hsvrid;
	int32_t ssvrid;
	int attempts;
	char initiators[SRV_MAX_IPS * 21]; /* space separated */
};

/* Rows whose next attempt is due, at most max, oldest first (heap). */
int db_fencing_due(struct db_tx *tx, int max, struct fencing_row **rows,
		   int *n);
/* The storage server answered: its row goes (and the waits with the last). */
int db_fencing_done(struct db_tx *tx, int32_t hsvrid, int32_t ssvrid);
/* Not answered: try again after delay_ms. */
int db_fencing_retry(struct db_tx *tx, int32_t hsvrid, int32_t ssvrid,
		     int delay_ms);
/*
 * 1 when an attach of lvolid must wait: a head that had it is not yet
 * fenced on a storage server that is not failed (*hsvrid, *ssvrid name
 * one); 0 when it need not; -errno.
 */
int db_fencing_waits(struct db_tx *tx, int32_t lvolid, int32_t *hsvrid,
		     int32_t *ssvrid);

#endif
