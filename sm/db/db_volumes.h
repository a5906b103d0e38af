/* Volumes, their layer trees, associations and attachments. */
#ifndef VAS_SM_DB_VOLUMES_H
#define VAS_SM_DB_VOLUMES_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "records.h"
#include "vas/lvolstruct.h"

/* By id when id > 0, else by name; -ENOENT. */
int db_lvol_lookup(struct db_tx *tx, int32_t id, const char *name,
		   struct sm_volume *row);
/*
 * Whether volume v, found earlier in the transaction (before the lock),
 * is still there under its id and name (0, or -ENOENT), and how many
 * snapshots it has; asked ahead.
 */
int db_lvol_still_ask(struct db_tx *tx, const struct sm_volume *v, int *ticket);
int db_lvol_still_answer(struct db_tx *tx, int ticket, int *snapshots);
int db_lvol_name_taken(struct db_tx *tx, const char *name, bool *taken);
/* The same asked ahead (db_ask) and answered later. */
int db_lvol_name_taken_ask(struct db_tx *tx, const char *name, int *ticket);
int db_lvol_name_taken_answer(struct db_tx *tx, int ticket, bool *taken);
int db_lvol_insert(struct db_tx *tx, const struct sm_volume *row);
/* One layer row of lvolmap; a DEXT layer's id is its extent's. */
struct db_layer {
	int32_t id, super, top;
	int type, mirror_status;
	int64_t offset, capacity;
};
/* The rows, in order, in one statement (lvolmap.seq follows it). */
int db_layers_insert(struct db_tx *tx, const struct db_layer *rows, int n);
/* The top layer (SNAPSHOT-ORIGIN or SNAPSHOT) of a volume. */
int db_top_layer(struct db_tx *tx, int32_t lvolid, int32_t *layer);
int db_snapshot_link(struct db_tx *tx, int32_t origin, int32_t origin_layer,
		     int32_t snap, int32_t snap_layer);
int db_snapshot_count(struct db_tx *tx, int32_t origin, int *n);
int db_snapshot_count_ask(struct db_tx *tx, int32_t origin, int *ticket);
int db_snapshot_count_answer(struct db_tx *tx, int ticket, int *n);
/* sm.md 7.1: legs freed or queued for shredding, rows removed. */
int db_lvol_delete(struct db_tx *tx, int32_t lvolid);
/*
 * The same in two steps: what it reads asked ahead (with reads of the
 * caller), then the deletion with that answer. snapshot: the volume is
 * a snapshot (only a snapshot has snapshot and assoc rows of its own).
 */
int db_lvol_delete_ask(struct db_tx *tx, int32_t lvolid, int *ticket);
int db_lvol_delete_asked(struct db_tx *tx, int32_t lvolid, bool snapshot,
			 int ticket);
int db_lvol_set_deleted(struct db_tx *tx, int32_t lvolid, int deleted);
/*
 * Visible volumes (one when id > 0, of one pool when poolid > 0); the
 * caller frees out->e, out->snaps.
 */
int db_lvol_list(struct db_tx *tx, int32_t id, int32_t poolid,
		 struct sm_volume_list *out);
/* The lvolstruct tree of a volume (sm.md 6.2) into *out. */
int db_lvolstruct(struct db_tx *tx, int32_t lvolid, const char *iqn_prefix,
		  struct vas_lvolstruct *out);

int db_attach_get(struct db_tx *tx, int32_t root, struct sm_attachment *row);
int db_attach_get_ask(struct db_tx *tx, int32_t root, int *ticket);
int db_attach_get_answer(struct db_tx *tx, int ticket,
			 struct sm_attachment *row);
/*
 * Locks the volume's root (its lvollst row, then its attach row) and says
 * whether an attach/detach of it is in flight. Serialises leg replacement
 * with the building of the tree an operation sends to the head.
 */
int db_root_in_flight(struct db_tx *tx, int32_t toplvolid, bool *busy);
/* SELECT ... FOR UPDATE of the lvollst row. */
int db_lvol_lock(struct db_tx *tx, int32_t lvolid);
int db_attach_insert(struct db_tx *tx, const struct sm_attachment *row);
int db_attach_set_event(struct db_tx *tx, int32_t root, int32_t eventid,
			int type, int32_t assoc);
/* Clears the event if it is still eventid; status 0 keeps the status. */
int db_attach_end_event(struct db_tx *tx, int32_t root, int32_t eventid,
			int status, bool *matched);
int db_attach_delete(struct db_tx *tx, int32_t root);
/* Attach rows of a head server (0 = of any). */
int db_attach_count_hsvr(struct db_tx *tx, int32_t hsvrid, int *n);
int db_attach_in_flight(struct db_tx *tx, struct sm_attachment **rows, int *n);
/* Leg effects of attach/detach DONE over the volume (and snapshots). */
int db_legs_attached(struct db_tx *tx, int32_t lvolid, bool with_snaps);
int db_legs_detached(struct db_tx *tx, int32_t lvolid, bool with_snaps);
/* Deletes the volume's snapshots marked deleted = 1. */
int db_purge_deleted_snaps(struct db_tx *tx, int32_t origin);

#endif
