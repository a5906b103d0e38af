/*
 * Growing a volume (extendLogicalVolume, issue 16): its size, the record
 * of an extension in flight on its head, and undoing one the head refused.
 */
#ifndef VAS_SM_DB_GROW_H
#define VAS_SM_DB_GROW_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/* The LINEAR layer of a volume. */
int db_lvol_linear(struct db_tx *tx, int32_t lvolid, int32_t *linear);
/* The volume, its top layer and its LINEAR layer: capacity_gib. */
int db_lvol_resize(struct db_tx *tx, int32_t lvolid, int64_t capacity_gib);
/* Notes the capacity an extension of an attached volume starts from. */
int db_attach_set_grow_from(struct db_tx *tx, int32_t root, int64_t from_gib);
/* Records that extension in flight on the head as event eventid. */
int db_attach_set_grow(struct db_tx *tx, int32_t root, int32_t eventid);
/* The capacity an extension in flight started from. */
int db_attach_grow_from(struct db_tx *tx, int32_t root, int64_t *from_gib);
/*
 * Undoes an extension the head does not hold: the mirrors from GiB
 * from_gib on are dropped and the volume is from_gib again. Their legs'
 * extents are FREE at once, or, when dirty (the head wrote and removed
 * them), queued for shredding.
 */
int db_lvol_shrink_back(struct db_tx *tx, int32_t lvolid, int64_t from_gib,
			bool dirty);
/* Legs not yet attached (ALLOCATED) may have been written: NEEDSHRED. */
int db_legs_dirty(struct db_tx *tx, int32_t lvolid);

#endif
