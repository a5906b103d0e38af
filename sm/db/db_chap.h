/*
 * CHAP accounts of the targets (sql/007_chap.sql, SECURITY.md "CHAP"):
 * one per physical disk, user "vas-<pdskid>", the secret generated when
 * the disk was registered. Read only for the agents that need them.
 */
#ifndef VAS_SM_DB_CHAP_H
#define VAS_SM_DB_CHAP_H

#include <stdint.h>

#include "db.h"
#include "records.h"
#include "vas/lvolstruct.h"

/* The accounts of every disk of storage server ssvrid, by pdskid. */
int db_chap_of_server(struct db_tx *tx, int32_t ssvrid, struct sm_chap **out,
		      int *n);
/*
 * Gives every DEXT of tree (components and snapshots, also those below)
 * that names paths and a disk its account: one statement for the tree.
 */
int db_chap_fill(struct db_tx *tx, struct vas_lvolstruct *tree);
/* The same for one DEXT node on disk pdskid. */
int db_chap_fill_one(struct db_tx *tx, int32_t pdskid,
		     struct vas_lvolstruct *n);

#endif
