/* SQL for pdsklst and dskmap. */
#include "db_disks.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int db_pdsk_find(struct db_tx *tx, int32_t ssvrid, const char *path,
		 int32_t *pdskid, int *priority)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "SELECT pdskid, priority FROM pdsklst WHERE ssvrid = $1 "
		       "AND local_path = $2 FOR UPDATE",
		       "ds", ssvrid, path);

	if (ret)
		return ret;
	ret = PQntuples(r) ? 0 : -ENOENT;
	if (!ret) {
		*pdskid = (int32_t)db_l(r, 0, 0);
		*priority = (int)db_l(r, 0, 1);
	}
	PQclear(r);
	return ret;
}

static void fill_row(const PGresult *r, int i, void *elem)
{
	struct sm_disk *row = elem;

	row->pdskid = (int32_t)db_l(r, i, 0);
	row->ssvrid = (int32_t)db_l(r, i, 1);
	row->priority = (int)db_l(r, i, 2);
	row->capacity_vb = db_l(r, i, 3);
	snprintf(row->local_path, sizeof(row->local_path), "%s", db_s(r, i, 4));
	row->available_vb = db_l(r, i, 5);
	row->resync = (int)db_l(r, i, 6);
	snprintf(row->pool, sizeof(row->pool), "%s", db_s(r, i, 7));
	snprintf(row->domain, sizeof(row->domain), "%s", db_s(r, i, 8));
}

/* Running rebuilds per disk: an index of the running rows (sql/015). */
#define PDSK_COLUMNS                                                           \
	"p.pdskid, p.ssvrid, p.priority, p.capacity, p.local_path, "           \
	"COALESCE((SELECT available FROM dskspace d WHERE d.pdskid = "         \
	"p.pdskid), 0), (SELECT count(*) FROM resync r WHERE r.pdskid = "      \
	"p.pdskid AND r.status = $2), (SELECT q.poolname FROM pool q JOIN "    \
	"ssvrlst s ON s.ssvrid = p.ssvrid WHERE q.poolid = COALESCE("          \
	"p.poolid, s.poolid)), COALESCE((SELECT f.name FROM ssvrlst s JOIN "   \
	"fdomain f ON f.domainid = s.domainid WHERE s.ssvrid = p.ssvrid), "    \
	"'') "

int db_pdsk_get(struct db_tx *tx, int32_t pdskid, struct sm_disk *row)
{
	return db_row(tx, row, fill_row,
		      "SELECT " PDSK_COLUMNS
		      "FROM pdsklst p WHERE p.pdskid = $1 FOR UPDATE OF p",
		      "dd", pdskid, EV_PROGRESS);
}

int db_pdsk_list(struct db_tx *tx, int32_t ssvrid, struct sm_disk **rows,
		 int *n)
{
	return db_pdsk_list_in(tx, ssvrid, 0, rows, n);
}

int db_pdsk_list_in(struct db_tx *tx, int32_t ssvrid, int32_t poolid,
		    struct sm_disk **rows, int *n)
{
	return db_rows(tx, (void **)rows, n, sizeof(**rows), fill_row,
		       "SELECT " PDSK_COLUMNS "FROM pdsklst p WHERE ($1 = 0 OR "
		       "p.ssvrid = $1) AND ($3 = 0 OR COALESCE(p.poolid, "
		       "(SELECT s.poolid FROM ssvrlst s WHERE s.ssvrid = "
		       "p.ssvrid)) = $3) ORDER BY p.pdskid",
		       "ddd", ssvrid, EV_PROGRESS, poolid);
}

int db_pdsk_set_priority(struct db_tx *tx, int32_t pdskid, int priority)
{
	return db_q(tx, NULL,
		    "UPDATE pdsklst SET priority = $2 WHERE pdskid = $1", "dd",
		    pdskid, priority);
}

int db_pdsks_of_ssvr_set(struct db_tx *tx, int32_t ssvrid, int to, int keep)
{
	return db_q(tx, NULL,
		    "UPDATE pdsklst SET priority = $2 WHERE ssvrid = $1 AND "
		    "priority <> $3",
		    "ddd", ssvrid, to, keep);
}

int db_pdsks_set_all(struct db_tx *tx, int to)
{
	return db_q(
	    tx, NULL,
	    "UPDATE pdsklst SET priority = $1 WHERE priority IN ($2, $3)",
	    "ddd", to, PRIO_HIGH, PRIO_LOW);
}

int db_pdsk_has_faulty(struct db_tx *tx, int32_t pdskid, int *yes)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "SELECT 1 FROM dskmap WHERE pdskid = $1 AND status = $2 "
		       "LIMIT 1",
		       "dd", pdskid, EXT_FAULTY);

	if (ret)
		return ret;
	*yes = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

int64_t db_pdsk_extent_count(int64_t vb, int64_t carve)
{
	return carve > 0 ? (vb + carve - 1) / carve : 0;
}

int db_pdsk_insert(struct db_tx *tx, int32_t pdskid, int32_t ssvrid,
		   const char *path, int64_t vb, int64_t rest_sectors,
		   int64_t carve, int32_t first_lvolid)
{
	int ret;

	ret = db_q(tx, NULL,
		   "INSERT INTO pdsklst (pdskid, ssvrid, capacity, local_path, "
		   "priority) VALUES ($1, $2, $3, $4, $5)",
		   "ddlsd", pdskid, ssvrid, vb, path, PRIO_HIGH);
	if (!ret)
		ret = db_q(
		    tx, NULL,
		    "INSERT INTO pdsk_free (pdskid, free_vb) VALUES ($1, 0)",
		    "d", pdskid);
	/* Extent k (0-based) starts at k*carve; the last one is shorter. */
	if (!ret && vb > 0)
		ret =
		    db_q(tx, NULL,
			 "INSERT INTO dskmap (dextid, pdskid, \"offset\", "
			 "capacity, status) SELECT $1::int + 1 + k, $2, "
			 "k * $3::int, LEAST($3::int, $4::int - k * $3::int), "
			 "$5 FROM generate_series(0, ($4::int + $3::int - 1) "
			 "/ $3::int - 1) k",
			 "ddlld", first_lvolid, pdskid, carve, vb, EXT_OFFLINE);
	if (!ret)
		ret = db_q(tx, NULL,
			   "INSERT INTO dskmap (dextid, pdskid, \"offset\", "
			   "capacity, status) VALUES ($1, $2, $3, $4, $5)",
			   "ddlld", first_lvolid, pdskid, vb, rest_sectors,
			   EXT_SUPER);
	return ret;
}

int db_pdsk_delete(struct db_tx *tx, int32_t pdskid)
{
	PGresult *r;
	int ret =
	    db_q(tx, &r,
		 "SELECT 1 FROM dskmap d WHERE d.pdskid = $1 AND (d.status "
		 "= $2 OR EXISTS (SELECT 1 FROM lvolmap m WHERE m.dextid = "
		 "d.dextid)) LIMIT 1",
		 "dd", pdskid, EXT_BUSY);

	if (ret)
		return ret;
	ret = PQntuples(r) ? -EBUSY : 0;
	PQclear(r);
	if (!ret)
		ret = db_q(
		    tx, NULL,
		    "DELETE FROM resync WHERE lvolid_add IN (SELECT dextid "
		    "FROM dskmap WHERE pdskid = $1)",
		    "d", pdskid);
	if (!ret)
		ret = db_q(tx, NULL, "DELETE FROM dskmap WHERE pdskid = $1",
			   "d", pdskid);
	if (!ret)
		ret = db_q(tx, NULL, "DELETE FROM pdsklst WHERE pdskid = $1",
			   "d", pdskid);
	return ret;
}

static void fill_evacuee(const PGresult *r, int i, void *elem)
{
	struct sm_disk *row = elem;

	row->pdskid = (int32_t)db_l(r, i, 0);
	row->ssvrid = (int32_t)db_l(r, i, 1);
	row->priority = (int)db_l(r, i, 2);
}

int db_pdsk_to_evacuate(struct db_tx *tx, struct sm_disk **rows, int *n)
{
	return db_rows(
	    tx, (void **)rows, n, sizeof(**rows), fill_evacuee,
	    "SELECT p.pdskid, p.ssvrid, p.priority FROM pdsklst p "
	    "JOIN ssvrlst s ON s.ssvrid = p.ssvrid WHERE (p.priority "
	    "IN ($1, $2) OR s.priority IN ($1, $2)) AND EXISTS "
	    "(SELECT 1 FROM dskmap d JOIN lvolmap m ON m.dextid = "
	    "d.dextid WHERE d.pdskid = p.pdskid) ORDER BY p.pdskid",
	    "dd", PRIO_OFFLINE, PRIO_FAULTY);
}
