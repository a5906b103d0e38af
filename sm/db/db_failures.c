/*
 * Failure bookkeeping. Legs on failed parts become SPARE (shown as fault);
 * booking replacement extents and rebuilding them is the resync worker's
 * job (sm.md 8.3-8.6).
 */
#include "db_failures.h"
#include "db_priv.h"
#include "db_volumes.h"
#include "vas/proto.h"

#include <errno.h>

int db_fail_hsvr(struct db_tx *tx, int32_t hsvrid)
{
	PGresult *r;
	int ret, i;

	ret = db_q(tx, &r, "SELECT lvolid FROM attach WHERE hsvrid = $1 "
			   "ORDER BY lvolid",
		   "d", hsvrid);
	if (ret)
		return ret;
	for (i = 0; !ret && i < PQntuples(r); i++) {
		int32_t v = (int32_t)db_l(r, i, 0);

		ret = db_attach_delete(tx, v);
		if (!ret)
			ret = db_legs_detached(tx, v, true);
		if (!ret)
			ret = db_purge_deleted_snaps(tx, v);
	}
	PQclear(r);
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE hsvrlst SET priority = $2 WHERE hsvrid = $1",
			   "dd", hsvrid, PRIO_OFFLINE);
	return ret;
}

static int degrade_legs(struct db_tx *tx, const char *where_extent, int32_t id)
{
	(void)where_extent;
	return db_q(tx, NULL,
		    "UPDATE lvolmap SET mirror_status = $2 WHERE lvoltype = 3 "
		    "AND mirror_status = $3 AND dextid IN (SELECT dextid FROM "
		    "dskmap WHERE pdskid IN (SELECT pdskid FROM pdsklst WHERE "
		    "pdskid = $1 OR ssvrid = -$1))",
		    "ddd", id, MIRROR_SPARE, MIRROR_INSYNC);
}

static int cancel_shreds(struct db_tx *tx, const char *sel, int32_t id)
{
	int ret = db_q(tx, NULL,
		       "DELETE FROM shred WHERE status = 1 AND pdskid IN (SELECT "
		       "pdskid FROM pdsklst WHERE pdskid = $1 OR ssvrid = -$1)",
		       "d", id);

	(void)sel;
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE shred SET status = 4 WHERE status = 2 AND "
			   "pdskid IN (SELECT pdskid FROM pdsklst WHERE pdskid = "
			   "$1 OR ssvrid = -$1)",
			   "d", id);
	return ret;
}

int db_fail_ssvr(struct db_tx *tx, int32_t ssvrid)
{
	int ret = db_q(tx, NULL,
		       "UPDATE ssvrlst SET priority = $2 WHERE ssvrid = $1", "dd",
		       ssvrid, PRIO_OFFLINE);

	/* A FAULTY disk stays FAULTY (M71). The -id selects by server. */
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE pdsklst SET priority = $2 WHERE ssvrid = $1 "
			   "AND priority <> $3",
			   "ddd", ssvrid, PRIO_OFFLINE, PRIO_FAULTY);
	if (!ret)
		ret = cancel_shreds(tx, "ssvr", -ssvrid);
	if (!ret)
		ret = degrade_legs(tx, "ssvr", -ssvrid);
	return ret;
}

int db_fail_pdsk(struct db_tx *tx, int32_t pdskid)
{
	int ret = db_q(tx, NULL,
		       "UPDATE pdsklst SET priority = $2 WHERE pdskid = $1", "dd",
		       pdskid, PRIO_FAULTY);

	if (!ret)
		ret = cancel_shreds(tx, "pdsk", pdskid);
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE dskmap SET status = $2 WHERE pdskid = $1 AND "
			   "status IN ($3, $4)",
			   "dddd", pdskid, EXT_FAULTY, EXT_FREE, EXT_OFFLINE);
	if (!ret)
		ret = degrade_legs(tx, "pdsk", pdskid);
	return ret;
}

int db_fail_dext(struct db_tx *tx, int32_t dextid)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "SELECT d.status, m.mirror_status FROM dskmap d LEFT JOIN "
		       "lvolmap m ON m.dextid = d.dextid WHERE d.dextid = $1",
		       "d", dextid);

	if (ret)
		return ret;
	if (!PQntuples(r))
		ret = -ENOENT;
	else if (PQgetisnull(r, 0, 1))
		ret = db_l(r, 0, 0) == EXT_FAULTY ? 0 : -EINVAL;
	PQclear(r);
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE lvolmap SET mirror_status = $2 WHERE dextid = "
			   "$1 AND mirror_status = $3",
			   "ddd", dextid, MIRROR_SPARE, MIRROR_INSYNC);
	return ret;
}

int db_bad_blocks(struct db_tx *tx, int32_t pdskid, const int32_t *blocks,
		  int n)
{
	PGresult *r;
	int ret = 0, i;

	for (i = 0; !ret && i < n; i++) {
		ret = db_q(tx, &r,
			   "SELECT dextid, status FROM dskmap WHERE pdskid = $1 "
			   "AND status <> $3 AND \"offset\" <= $2 AND $2 < "
			   "\"offset\" + capacity",
			   "ddd", pdskid, blocks[i], EXT_SUPER);
		if (ret)
			break;
		if (!PQntuples(r)) {
			ret = -EINVAL;
		} else if (db_l(r, 0, 1) == EXT_BUSY) {
			ret = db_q(tx, NULL,
				   "UPDATE lvolmap SET mirror_status = $2 WHERE "
				   "dextid = $1 AND mirror_status = $3",
				   "ddd", (int32_t)db_l(r, 0, 0), MIRROR_SPARE,
				   MIRROR_INSYNC);
		} else {
			ret = db_q(tx, NULL,
				   "UPDATE dskmap SET status = $2 WHERE dextid = $1",
				   "dd", (int32_t)db_l(r, 0, 0), EXT_FAULTY);
			if (!ret)
				ret = db_q(tx, NULL,
					   "DELETE FROM shred WHERE dextid = $1 "
					   "AND status = 1",
					   "d", (int32_t)db_l(r, 0, 0));
		}
		PQclear(r);
	}
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE pdsklst SET priority = $2 WHERE pdskid = $1 "
			   "AND priority = $3",
			   "ddd", pdskid, PRIO_LOW, PRIO_HIGH);
	return ret;
}
