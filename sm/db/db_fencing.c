/* Queries of the fence table (sql/006_fence.sql). */
#include "db_fencing.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <stdio.h>

int db_fencing_record(struct db_tx *tx, int32_t hsvrid)
{
	/* A head without a data address logs in from nowhere we know. */
	return db_q(
	    tx, NULL,
	    "INSERT INTO fence (hsvrid, ssvrid, initiators) SELECT DISTINCT "
	    "$1::int, p.ssvrid, (SELECT string_agg(ip, ' ' ORDER BY seq) FROM "
	    "ipdata WHERE hsvrid = $1) FROM attach a JOIN lvolmap m ON "
	    "m.toplvolid = a.lvolid OR m.toplvolid IN (SELECT assoc_lvolid "
	    "FROM assoc WHERE lvolid = a.lvolid) JOIN dskmap d ON d.dextid = "
	    "m.dextid JOIN pdsklst p ON p.pdskid = d.pdskid WHERE a.hsvrid = "
	    "$1 AND EXISTS (SELECT 1 FROM ipdata WHERE hsvrid = $1) "
	    "ON CONFLICT (hsvrid, ssvrid) DO UPDATE SET initiators = "
	    "EXCLUDED.initiators, attempts = 0, next_try = now()",
	    "d", hsvrid);
}

static void fill_row(const PGresult *r, int i, void *out)
{
	struct fencing_row *f = out;

	f->hsvrid = (int32_t)db_l(r, i, 0);
	f->ssvrid = (int32_t)db_l(r, i, 1);
	snprintf(f->initiators, sizeof(f->initiators), "%s", db_s(r, i, 2));
	f->attempts = (int)db_l(r, i, 3);
}

int db_fencing_due(struct db_tx *tx, int max, struct fencing_row **rows, int *n)
{
	return db_rows(tx, (void **)rows, n, sizeof(**rows), fill_row,
		       "SELECT hsvrid, ssvrid, initiators, attempts FROM fence "
		       "WHERE next_try <= now() ORDER BY next_try, hsvrid, "
		       "ssvrid LIMIT $1",
		       "d", max);
}

int db_fencing_done(struct db_tx *tx, int32_t hsvrid, int32_t ssvrid)
{
	return db_q(tx, NULL,
		    "DELETE FROM fence WHERE hsvrid = $1 AND ssvrid = $2", "dd",
		    hsvrid, ssvrid);
}

int db_fencing_retry(struct db_tx *tx, int32_t hsvrid, int32_t ssvrid,
		     int delay_ms)
{
	return db_q(tx, NULL,
		    "UPDATE fence SET attempts = attempts + 1, next_try = "
		    "now() + make_interval(secs => $3::int / 1000.0) WHERE "
		    "hsvrid = $1 AND ssvrid = $2",
		    "ddd", hsvrid, ssvrid, delay_ms);
}

int db_fencing_waits(struct db_tx *tx, int32_t lvolid, int32_t *hsvrid,
		     int32_t *ssvrid)
{
	PGresult *r;
	int ret;

	/* A failed storage server's legs are rebuilt, never trusted. */
	ret = db_q(tx, &r,
		   "SELECT f.hsvrid, f.ssvrid FROM fence f JOIN ssvrlst s ON "
		   "s.ssvrid = f.ssvrid WHERE s.priority NOT IN ($2, $3) AND "
		   "f.ssvrid IN (SELECT p.ssvrid FROM lvolmap m JOIN dskmap d "
		   "ON d.dextid = m.dextid JOIN pdsklst p ON p.pdskid = "
		   "d.pdskid WHERE m.toplvolid = $1 OR m.toplvolid IN (SELECT "
		   "assoc_lvolid FROM assoc WHERE lvolid = $1)) ORDER BY "
		   "f.hsvrid, f.ssvrid LIMIT 1",
		   "ddd", lvolid, PRIO_OFFLINE, PRIO_FAULTY);
	if (ret)
		return ret;
	ret = PQntuples(r) == 1;
	if (ret) {
		*hsvrid = (int32_t)db_l(r, 0, 0);
		*ssvrid = (int32_t)db_l(r, 0, 1);
	}
	PQclear(r);
	return ret;
}
