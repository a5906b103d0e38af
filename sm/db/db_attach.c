/* SQL for attach rows and the per-leg effects of attach and detach. */
#include "db_priv.h"
#include "db_volumes.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

void db_attachment_fill(const PGresult *r, int i, void *elem)
{
	struct sm_attachment *a = elem;

	a->lvolid = (int32_t)db_l(r, i, 0);
	a->hsvrid = (int32_t)db_l(r, i, 1);
	a->status = (int)db_l(r, i, 2);
	a->eventid = (int32_t)db_l(r, i, 3);
	a->event_type = (int)db_l(r, i, 4);
	a->assoc_lvolid = (int32_t)db_l(r, i, 5);
}

#define ATTACH_GET_SQL                                                         \
	"SELECT lvolid, hsvrid, status, eventid, event_type, assoc_lvolid "    \
	"FROM attach WHERE lvolid = $1 FOR UPDATE"

int db_attach_get(struct db_tx *tx, int32_t root, struct sm_attachment *row)
{
	return db_row(tx, row, db_attachment_fill, ATTACH_GET_SQL, "d", root);
}

int db_attach_get_ask(struct db_tx *tx, int32_t root, int *ticket)
{
	return db_ask(tx, ticket, ATTACH_GET_SQL, "d", root);
}

int db_attach_get_answer(struct db_tx *tx, int ticket,
			 struct sm_attachment *row)
{
	return db_row_answer(tx, ticket, row, db_attachment_fill);
}

int db_root_in_flight(struct db_tx *tx, int32_t toplvolid, bool *busy)
{
	PGresult *r;
	int ret =
	    db_q(tx, &r,
		 "SELECT COALESCE(o.lvolid, l.lvolid) FROM lvollst l LEFT "
		 "JOIN assoc o ON o.assoc_lvolid = l.lvolid WHERE "
		 "l.lvolid = $1",
		 "d", toplvolid);
	int32_t root;

	*busy = false;
	if (ret)
		return ret;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	root = (int32_t)db_l(r, 0, 0);
	PQclear(r);
	/* Lock order: the root's lvollst row, then its attach row. */
	ret = db_lvol_lock(tx, root);
	if (!ret)
		ret = db_q(tx, &r,
			   "SELECT eventid FROM attach WHERE lvolid = $1 FOR "
			   "UPDATE",
			   "d", root);
	if (ret)
		return ret;
	*busy = PQntuples(r) == 1 && db_l(r, 0, 0) != 0;
	PQclear(r);
	return 0;
}

int db_attach_in_flight(struct db_tx *tx, struct sm_attachment **rows, int *n)
{
	return db_rows(tx, (void **)rows, n, sizeof(**rows), db_attachment_fill,
		       "SELECT lvolid, hsvrid, status, eventid, event_type, "
		       "assoc_lvolid FROM attach WHERE eventid <> 0 ORDER BY "
		       "lvolid",
		       NULL);
}

int db_attach_insert(struct db_tx *tx, const struct sm_attachment *a)
{
	return db_q(tx, NULL,
		    "INSERT INTO attach (lvolid, hsvrid, status, eventid, "
		    "event_type, assoc_lvolid) VALUES ($1, $2, $3, $4, $5, $6)",
		    "dddddd", a->lvolid, a->hsvrid, a->status, a->eventid,
		    a->event_type, a->assoc_lvolid);
}

int db_attach_set_event(struct db_tx *tx, int32_t root, int32_t eventid,
			int type, int32_t assoc)
{
	return db_q(tx, NULL,
		    "UPDATE attach SET eventid = $2, event_type = $3, "
		    "assoc_lvolid = $4 WHERE lvolid = $1",
		    "dddd", root, eventid, type, assoc);
}

int db_attach_end_event(struct db_tx *tx, int32_t root, int32_t eventid,
			int status, bool *matched)
{
	PGresult *r;
	int ret =
	    db_q(tx, &r,
		 "UPDATE attach SET eventid = 0, event_type = $4, "
		 "assoc_lvolid = 0, status = CASE WHEN $3 = 0 THEN status "
		 "ELSE $3 END WHERE lvolid = $1 AND eventid = $2 "
		 "RETURNING 1",
		 "dddd", root, eventid, status, ATTACH_EV_NONE);

	if (ret)
		return ret;
	*matched = PQntuples(r) == 1;
	PQclear(r);
	return 0;
}

int db_attach_delete(struct db_tx *tx, int32_t root)
{
	return db_q(tx, NULL, "DELETE FROM attach WHERE lvolid = $1", "d",
		    root);
}

int db_attach_count_hsvr(struct db_tx *tx, int32_t hsvrid, int *n)
{
	PGresult *r;
	int ret = db_q(
	    tx, &r, "SELECT count(*) FROM attach WHERE $1 = 0 OR hsvrid = $1",
	    "d", hsvrid);

	if (ret)
		return ret;
	*n = (int)db_l(r, 0, 0);
	PQclear(r);
	return 0;
}

#define FAMILY                                                                 \
	"(SELECT $1 UNION ALL SELECT assoc_lvolid FROM assoc WHERE lvolid = "  \
	"$1 AND $2 = 1)"

int db_legs_attached(struct db_tx *tx, int32_t lvolid, bool with_snaps)
{
	int ret = db_q(
	    tx, NULL,
	    "UPDATE lvolmap SET mirror_status = $3 WHERE toplvolid IN " FAMILY
	    " AND lvoltype = $6 AND mirror_status IN ($4, $5)",
	    "dddddd", lvolid, (int)with_snaps, MIRROR_INSYNC, MIRROR_ALLOCATED,
	    MIRROR_NEEDSHRED, LVOLTYPE_DEXT);
	PGresult *r;
	int i;

	if (ret)
		return ret;
	/* SPARE legs get their rebuild queued now that a head holds them. */
	ret =
	    db_q(tx, &r,
		 "SELECT m.lvolid, m.superlvolid FROM lvolmap m WHERE "
		 "m.toplvolid IN " FAMILY " AND m.lvoltype = $4 AND "
		 "m.mirror_status = $3 AND NOT EXISTS (SELECT 1 FROM resync "
		 "x WHERE x.lvolid_add = m.lvolid) ORDER BY m.lvolid",
		 "dddd", lvolid, (int)with_snaps, MIRROR_SPARE, LVOLTYPE_DEXT);
	if (ret)
		return ret;
	/* Each takes its event id only when it is sent. */
	for (i = 0; !ret && i < PQntuples(r); i++)
		ret = db_q(tx, NULL,
			   "INSERT INTO resync (mirrorid, lvolid_add, "
			   "lvolid_rm, status) VALUES ($1, $2, 0, $3)",
			   "ddd", (int32_t)db_l(r, i, 1),
			   (int32_t)db_l(r, i, 0), EV_PENDING);
	PQclear(r);
	return ret;
}

int db_legs_detached(struct db_tx *tx, int32_t lvolid, bool with_snaps)
{
	int ret = db_q(
	    tx, NULL,
	    "UPDATE lvolmap SET mirror_status = $3 WHERE toplvolid IN " FAMILY
	    " AND lvoltype = $5 AND mirror_status = $4",
	    "ddddd", lvolid, (int)with_snaps, MIRROR_NEEDSHRED,
	    MIRROR_ALLOCATED, LVOLTYPE_DEXT);

	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM resync WHERE lvolid_add IN (SELECT "
			   "lvolid FROM lvolmap WHERE toplvolid IN " FAMILY ")",
			   "dd", lvolid, (int)with_snaps);
	return ret;
}

int db_purge_deleted_snaps(struct db_tx *tx, int32_t origin)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "SELECT l.lvolid FROM lvollst l JOIN assoc a ON "
		       "a.assoc_lvolid = l.lvolid WHERE a.lvolid = $1 AND "
		       "l.deleted = 1 ORDER BY a.seq",
		       "d", origin),
	    i;

	if (ret)
		return ret;
	for (i = 0; !ret && i < PQntuples(r); i++)
		ret = db_lvol_delete(tx, (int32_t)db_l(r, i, 0));
	PQclear(r);
	return ret;
}
