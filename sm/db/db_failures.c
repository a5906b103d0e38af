/*
 * Failure bookkeeping. Legs on failed parts become SPARE (shown as fault);
 * booking replacement extents and rebuilding them is the resync worker's
 * job (sm.md 8.3-8.6).
 */
#include "db_failures.h"
#include "db_fencing.h"
#include "db_priv.h"
#include "db_volumes.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

int db_fail_hsvr(struct db_tx *tx, int32_t hsvrid)
{
	PGresult *r;
	int ret, i;

	/* Its volumes wait until the storage servers refuse it (M73). */
	ret = db_fencing_record(tx, hsvrid);
	if (ret)
		return ret;
	ret = db_q(tx, &r,
		   "SELECT lvolid FROM attach WHERE hsvrid = $1 "
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

/* Live shreds of a disk (id > 0) or of a server's disks (-ssvrid). */
static int cancel_shreds(struct db_tx *tx, int32_t id)
{
	/*
	 * Queued rows with and without an id, each by its partial index
	 * (shred_queue, shred_held): as one statement it scanned the whole
	 * queue (1.1 M rows in a 1 000-server cluster) under the lock.
	 */
	int ret =
	    db_q(tx, NULL,
		 "DELETE FROM shred WHERE status = $2 AND eventid IS NULL AND "
		 "pdskid IN (SELECT pdskid FROM pdsklst WHERE pdskid = $1 OR "
		 "ssvrid = -$1)",
		 "dd", id, EV_PENDING);

	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM shred WHERE status = $2 AND eventid IS "
			   "NOT NULL AND pdskid IN (SELECT pdskid FROM pdsklst "
			   "WHERE pdskid = $1 OR ssvrid = -$1)",
			   "dd", id, EV_PENDING);

	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "UPDATE shred SET status = $2 WHERE status = $3 AND "
			 "pdskid IN (SELECT pdskid FROM pdsklst WHERE pdskid = "
			 "$1 OR ssvrid = -$1)",
			 "ddd", id, EV_CANCELED, EV_PROGRESS);
	return ret;
}

int db_fail_ssvr(struct db_tx *tx, int32_t ssvrid)
{
	int ret =
	    db_q(tx, NULL, "UPDATE ssvrlst SET priority = $2 WHERE ssvrid = $1",
		 "dd", ssvrid, PRIO_OFFLINE);

	/* A FAULTY disk stays FAULTY (M71). The -id selects by server. */
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE pdsklst SET priority = $2 WHERE ssvrid = $1 "
			   "AND priority <> $3",
			   "ddd", ssvrid, PRIO_OFFLINE, PRIO_FAULTY);
	if (!ret)
		ret = cancel_shreds(tx, -ssvrid);
	return ret;
}

int db_fail_pdsk(struct db_tx *tx, int32_t pdskid)
{
	int ret =
	    db_q(tx, NULL, "UPDATE pdsklst SET priority = $2 WHERE pdskid = $1",
		 "dd", pdskid, PRIO_FAULTY);

	if (!ret)
		ret = cancel_shreds(tx, pdskid);
	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "UPDATE dskmap SET status = $2 WHERE pdskid = $1 AND "
			 "status IN ($3, $4)",
			 "dddd", pdskid, EXT_FAULTY, EXT_FREE, EXT_OFFLINE);
	return ret;
}

int db_fail_dext_check(struct db_tx *tx, int32_t dextid)
{
	PGresult *r;
	int ret = db_q(
	    tx, &r,
	    "SELECT d.status, p.priority, (m.lvolid IS NOT NULL)::int FROM "
	    "dskmap d JOIN pdsklst p ON p.pdskid = d.pdskid LEFT JOIN "
	    "lvolmap m ON m.dextid = d.dextid WHERE d.dextid = $1",
	    "d", dextid);

	if (ret)
		return ret;
	if (!PQntuples(r))
		ret = -ENOENT;
	else if (db_l(r, 0, 2))
		ret = 0;
	else if (db_l(r, 0, 0) == EXT_FREE || db_l(r, 0, 0) == EXT_SUPER)
		ret = -EINVAL; /* never part of a volume (M79) */
	else
		ret = 1; /* already replaced, or its disk is known bad */
	PQclear(r);
	return ret;
}

int db_bad_blocks(struct db_tx *tx, int32_t pdskid, const int32_t *blocks,
		  int n, int32_t **busy, int *n_busy)
{
	PGresult *r;
	int ret = 0, i, j, changed = 0;

	*busy = calloc((size_t)n + 1, sizeof(**busy));
	*n_busy = 0;
	if (!*busy)
		return -ENOMEM;
	for (i = 0; !ret && i < n; i++) {
		int32_t dextid;
		int status;

		ret =
		    db_q(tx, &r,
			 "SELECT dextid, status FROM dskmap WHERE pdskid = $1 "
			 "AND status <> $3 AND \"offset\" <= $2 AND $2 < "
			 "\"offset\" + capacity",
			 "ddd", pdskid, blocks[i], EXT_SUPER);
		if (ret)
			break;
		if (!PQntuples(r)) {
			PQclear(r);
			ret = -EINVAL; /* a block inside no extent */
			break;
		}
		dextid = (int32_t)db_l(r, 0, 0);
		status = (int)db_l(r, 0, 1);
		PQclear(r);
		if (status != EXT_FAULTY)
			changed++;
		if (status == EXT_BUSY) {
			for (j = 0; j < *n_busy && (*busy)[j] != dextid; j++)
				;
			if (j == *n_busy) /* the same extent twice (M72) */
				(*busy)[(*n_busy)++] = dextid;
		} else if (status != EXT_FAULTY) {
			ret = db_q(
			    tx, NULL,
			    "UPDATE dskmap SET status = $2 WHERE dextid = $1",
			    "dd", dextid, EXT_FAULTY);
			if (!ret)
				ret =
				    db_q(tx, NULL,
					 "DELETE FROM shred WHERE dextid = $1 "
					 "AND status = $2",
					 "dd", dextid, EV_PENDING);
			if (!ret)
				ret = db_q(tx, NULL,
					   "UPDATE shred SET status = $2 WHERE "
					   "dextid = $1 AND status = $3",
					   "ddd", dextid, EV_CANCELED,
					   EV_PROGRESS);
		}
	}
	/* Nothing newly bad (no blocks, or all on FAULTY extents): as 3.0,
	 * the disk keeps its priority (sm.md 8.6). */
	if (!ret && changed)
		ret = db_q(tx, NULL,
			   "UPDATE pdsklst SET priority = $2 WHERE pdskid = $1 "
			   "AND priority = $3",
			   "ddd", pdskid, PRIO_LOW, PRIO_HIGH);
	if (ret) {
		free(*busy);
		*busy = NULL;
		*n_busy = 0;
	}
	return ret;
}
