/* SQL for the shred table. */
#include "db_priv.h"
#include "db_shred.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

static int insert_row(struct db_tx *tx, int32_t dextid)
{
	int32_t ev;
	int ret = db_genid(tx, DB_ID_EVENT, &ev);

	if (!ret)
		ret = db_q(
		    tx, NULL,
		    "INSERT INTO shred (eventid, dextid, pdskid, \"offset\", "
		    "capacity, status) SELECT $1, dextid, pdskid, "
		    "\"offset\", capacity, $2 FROM dskmap WHERE dextid = $3",
		    "ddd", ev, EV_PENDING, dextid);
	return ret;
}

int db_shred_queue_offline(struct db_tx *tx, int32_t pdskid)
{
	PGresult *r;
	int ret, i;

	ret = db_q(
	    tx, &r,
	    "SELECT d.dextid FROM dskmap d WHERE d.pdskid = $1 AND "
	    "d.status = $2 AND NOT EXISTS (SELECT 1 FROM shred s WHERE "
	    "s.dextid = d.dextid AND s.status IN ($3, $4)) ORDER BY d.dextid",
	    "dddd", pdskid, EXT_OFFLINE, EV_PENDING, EV_PROGRESS);
	if (ret)
		return ret;
	for (i = 0; !ret && i < PQntuples(r); i++)
		ret = insert_row(tx, (int32_t)db_l(r, i, 0));
	PQclear(r);
	return ret;
}

int db_shred_queue_extent(struct db_tx *tx, int32_t dextid)
{
	int ret =
	    db_q(tx, NULL, "UPDATE dskmap SET status = $2 WHERE dextid = $1",
		 "dd", dextid, EXT_OFFLINE);

	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "DELETE FROM shred WHERE dextid = $1 AND status = $2",
			 "dd", dextid, EV_CANCELED);
	if (!ret)
		ret = insert_row(tx, dextid);
	return ret;
}

int db_shred_salvage(struct db_tx *tx)
{
	int ret = db_q(tx, NULL, "DELETE FROM shred WHERE status = $1", "d",
		       EV_CANCELED);

	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE shred SET status = $1 WHERE status = $2",
			   "dd", EV_PENDING, EV_PROGRESS);
	return ret;
}

static void fill(const PGresult *r, int i, void *elem)
{
	struct shred_row *s = elem;

	s->eventid = (int32_t)db_l(r, i, 0);
	s->dextid = (int32_t)db_l(r, i, 1);
	s->pdskid = (int32_t)db_l(r, i, 2);
	s->ssvrid = (int32_t)db_l(r, i, 3);
	s->offset_vb = db_l(r, i, 4);
	s->capacity_vb = db_l(r, i, 5);
	s->attempts = (int)db_l(r, i, 6);
}

int db_shred_pick(struct db_tx *tx, int max, int per_server,
		  struct shred_row **rows, int *n)
{
	PGresult *r;
	int ret;

	*rows = NULL;
	*n = 0;
	/* Rows whose extent is no longer OFFLINE must never zero it (M54). */
	ret =
	    db_q(tx, NULL,
		 "DELETE FROM shred s USING dskmap d WHERE d.dextid = s.dextid "
		 "AND s.status = $1 AND d.status <> $2",
		 "dd", EV_PENDING, EXT_OFFLINE);
	if (ret)
		return ret;
	ret = db_q(
	    tx, &r,
	    "WITH running AS (SELECT p.ssvrid, count(*) AS n FROM shred s "
	    " JOIN pdsklst p ON p.pdskid = s.pdskid WHERE s.status = $3 "
	    " GROUP BY p.ssvrid), "
	    "cand AS (SELECT DISTINCT ON (s.pdskid) s.eventid, s.dextid, "
	    " s.pdskid, p.ssvrid, s.\"offset\", s.capacity, s.attempts "
	    " FROM shred s JOIN pdsklst p ON p.pdskid = s.pdskid "
	    " JOIN ssvrlst v ON v.ssvrid = p.ssvrid "
	    " WHERE s.status = $4 AND s.next_try <= now() "
	    " AND p.priority IN ($5, $6) AND v.priority IN ($5, $6) "
	    " AND NOT EXISTS (SELECT 1 FROM shred b WHERE b.pdskid = "
	    " s.pdskid AND b.status = $3) "
	    /* a head may still hold a replaced extent until told to drop it */
	    " AND NOT EXISTS (SELECT 1 FROM resync x WHERE x.lvolid_rm = "
	    " s.dextid AND x.lvolid_add <> s.dextid) "
	    /*
	     * an agent is never told of a cancel: while the old dd may
	     * still run, a new shred could free the extent for re-use
	     * under it
	     */
	    " AND NOT EXISTS (SELECT 1 FROM shred c WHERE c.dextid = "
	    " s.dextid AND c.status = $7) "
	    " ORDER BY s.pdskid, s.eventid) "
	    "SELECT c.* FROM cand c LEFT JOIN running r USING (ssvrid) "
	    "WHERE COALESCE(r.n, 0) < $2 "
	    "ORDER BY COALESCE(r.n, 0), c.eventid LIMIT $1",
	    "ddddddd", max, per_server, EV_PROGRESS, EV_PENDING, PRIO_HIGH,
	    PRIO_LOW, EV_CANCELED);
	if (ret)
		return ret;
	ret = db_rows_from(r, (void **)rows, n, sizeof(**rows), fill);
	PQclear(r);
	return ret;
}

int db_shred_running(struct db_tx *tx, struct shred_row **rows, int *n)
{
	PGresult *r;
	int ret =
	    db_q(tx, &r,
		 "SELECT s.eventid, s.dextid, s.pdskid, p.ssvrid, "
		 "s.\"offset\", s.capacity, s.attempts FROM shred s "
		 "JOIN pdsklst p ON p.pdskid = s.pdskid WHERE s.status IN "
		 "($1, $2) ORDER BY s.eventid",
		 "dd", EV_PROGRESS, EV_CANCELED);

	*rows = NULL;
	*n = 0;
	if (ret)
		return ret;
	ret = db_rows_from(r, (void **)rows, n, sizeof(**rows), fill);
	PQclear(r);
	return ret;
}

int db_shred_start(struct db_tx *tx, int32_t eventid)
{
	PGresult *r;
	/* Still queued and its extent still OFFLINE, else send nothing (M54).
	 */
	int ret =
	    db_q(tx, &r,
		 "UPDATE shred s SET status = $2, attempts = attempts + 1 "
		 "FROM dskmap d WHERE s.eventid = $1 AND s.status = $3 "
		 "AND d.dextid = s.dextid AND d.status = $4 RETURNING 1",
		 "dddd", eventid, EV_PROGRESS, EV_PENDING, EXT_OFFLINE);

	if (ret)
		return ret;
	ret = PQntuples(r) == 1 ? 0 : -ENOENT;
	PQclear(r);
	return ret;
}

int db_shred_done(struct db_tx *tx, const struct shred_row *row)
{
	PGresult *r;
	int ret;

	ret = db_q(tx, &r,
		   "DELETE FROM shred WHERE eventid = $1 AND dextid = $2 AND "
		   "\"offset\" = $3 AND capacity = $4 RETURNING status",
		   "ddll", row->eventid, row->dextid, row->offset_vb,
		   row->capacity_vb);
	if (ret)
		return ret;
	/*
	 * Only the extent's live shred frees it. A CANCELED row's dd was
	 * started before the extent was given up again (server failure):
	 * by now a newer shred may be queued or running, or the extent may
	 * be re-used and released dirty - a late DONE must free nothing.
	 */
	if (PQntuples(r) == 1 && db_l(r, 0, 0) == EV_PROGRESS)
		ret =
		    db_q(tx, NULL,
			 "UPDATE dskmap SET status = $2 WHERE dextid = $1 AND "
			 "status = $3 AND \"offset\" = $4 AND capacity = $5",
			 "dddll", row->dextid, EXT_FREE, EXT_OFFLINE,
			 row->offset_vb, row->capacity_vb);
	PQclear(r);
	return ret;
}

int db_shred_retry(struct db_tx *tx, int32_t eventid, int delay_s)
{
	int ret = db_q(tx, NULL,
		       "DELETE FROM shred WHERE eventid = $1 AND "
		       "status = $2",
		       "dd", eventid, EV_CANCELED);

	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE shred SET status = $2, next_try = now() + "
			   "make_interval(secs => $3::int) WHERE eventid = $1",
			   "ddd", eventid, EV_PENDING, delay_s);
	return ret;
}
