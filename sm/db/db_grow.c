/* SQL of growing a volume (issue 16). */
#include "db_grow.h"
#include "db_priv.h"
#include "db_shred.h"
#include "records.h"
#include "vas/proto.h"

#include <errno.h>

int db_lvol_linear(struct db_tx *tx, int32_t lvolid, int32_t *linear)
{
	int ret = db_id(tx, linear,
			"SELECT lvolid FROM lvolmap WHERE toplvolid = $1 AND "
			"lvoltype = $2",
			"dd", lvolid, LVOLTYPE_LINEAR);

	return ret == -ENOENT ? -EIO : ret; /* every volume has one */
}

int db_lvol_resize(struct db_tx *tx, int32_t lvolid, int64_t capacity_gib)
{
	int ret =
	    db_q(tx, NULL, "UPDATE lvollst SET capacity = $2 WHERE lvolid = $1",
		 "dl", lvolid, capacity_gib);

	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE lvolmap SET capacity = $2 WHERE toplvolid "
			   "= $1 AND lvoltype IN ($3, $4)",
			   "dldd", lvolid, capacity_gib,
			   LVOLTYPE_SNAPSHOT_ORIGIN, LVOLTYPE_LINEAR);
	return ret;
}

int db_attach_set_grow_from(struct db_tx *tx, int32_t root, int64_t from_gib)
{
	return db_q(tx, NULL,
		    "UPDATE attach SET grow_from = $2 WHERE lvolid = $1", "dl",
		    root, from_gib);
}

int db_attach_set_grow(struct db_tx *tx, int32_t root, int32_t eventid)
{
	return db_q(tx, NULL,
		    "UPDATE attach SET eventid = $2, event_type = $3, "
		    "assoc_lvolid = 0 WHERE lvolid = $1",
		    "ddd", root, eventid, SM_ATTACH_GROWING);
}

int db_attach_grow_from(struct db_tx *tx, int32_t root, int64_t *from_gib)
{
	int32_t from = 0;
	int ret =
	    db_id(tx, &from, "SELECT grow_from FROM attach WHERE lvolid = $1",
		  "d", root);

	*from_gib = from;
	return ret;
}

/* The legs of the mirrors of a LINEAR from an offset on. */
#define GROWN_LEGS                                                             \
	"(SELECT l.lvolid FROM lvolmap m JOIN lvolmap l ON l.superlvolid = "   \
	"m.lvolid WHERE m.superlvolid = $1 AND m.\"offset\" >= $2)"

int db_lvol_shrink_back(struct db_tx *tx, int32_t lvolid, int64_t from_gib,
			bool dirty)
{
	PGresult *r = NULL;
	int32_t linear;
	int ret = db_lvol_linear(tx, lvolid, &linear), i;

	/* Never on a head: clean, FREE at once (as sm.md 7.1 for ALLOCATED);
	 * else zeroed before they are used again. */
	if (!ret && !dirty)
		ret = db_q(
		    tx, NULL,
		    "UPDATE dskmap SET status = $3 WHERE dextid IN " GROWN_LEGS,
		    "dld", linear, from_gib, EXT_FREE);
	if (!ret && dirty)
		ret = db_q(tx, &r, "SELECT lvolid FROM " GROWN_LEGS " x", "dl",
			   linear, from_gib);
	for (i = 0; !ret && r && i < PQntuples(r); i++)
		ret = db_shred_queue_extent(tx, (int32_t)db_l(r, i, 0));
	PQclear(r);
	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM lvolmap WHERE lvolid IN " GROWN_LEGS,
			   "dl", linear, from_gib);
	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM lvolmap WHERE superlvolid = $1 AND "
			   "\"offset\" >= $2 AND lvoltype = $3",
			   "dld", linear, from_gib, LVOLTYPE_MIRROR);
	if (!ret)
		ret = db_lvol_resize(tx, lvolid, from_gib);
	return ret;
}

int db_legs_dirty(struct db_tx *tx, int32_t lvolid)
{
	return db_q(tx, NULL,
		    "UPDATE lvolmap SET mirror_status = $2 WHERE toplvolid = "
		    "$1 AND lvoltype = $4 AND mirror_status = $3",
		    "dddd", lvolid, MIRROR_NEEDSHRED, MIRROR_ALLOCATED,
		    LVOLTYPE_DEXT);
}
