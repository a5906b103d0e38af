/* SQL for lvollst, lvolmap, assoc, snapshot and allocation. */
#include "db_priv.h"
#include "db_shred.h"
#include "db_volumes.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill_lvol(const PGresult *r, int i, void *elem)
{
	struct sm_volume *v = elem;

	v->lvolid = (int32_t)db_l(r, i, 0);
	snprintf(v->lvolname, sizeof(v->lvolname), "%s", db_s(r, i, 1));
	v->redundancy = (int)db_l(r, i, 2);
	v->capacity = db_l(r, i, 3);
	snprintf(v->ctime, sizeof(v->ctime), "%s", db_s(r, i, 4));
	v->deleted = (int)db_l(r, i, 5);
	v->origin = (int32_t)db_l(r, i, 6);
}

#define LVOL_COLUMNS                                                           \
	"l.lvolid, l.lvolname, l.redundancy, l.capacity, l.ctime, l.deleted, " \
	"(SELECT a.lvolid FROM assoc a WHERE a.assoc_lvolid = l.lvolid) "

int db_lvol_lookup(struct db_tx *tx, int32_t id, const char *name,
		   struct sm_volume *row)
{
	if (id) /* negative too: it finds nothing (ENOENT, as 3.0) */
		return db_row(tx, row, fill_lvol,
			      "SELECT " LVOL_COLUMNS
			      "FROM lvollst l WHERE l.lvolid = $1",
			      "d", id);
	return db_row(tx, row, fill_lvol,
		      "SELECT " LVOL_COLUMNS
		      "FROM lvollst l WHERE l.lvolname = $1",
		      "s", name);
}

int db_lvol_lock(struct db_tx *tx, int32_t lvolid)
{
	return db_q(tx, NULL,
		    "SELECT 1 FROM lvollst WHERE lvolid = $1 FOR UPDATE", "d",
		    lvolid);
}

int db_lvol_name_taken(struct db_tx *tx, const char *name, bool *taken)
{
	PGresult *r;
	int ret = db_q(tx, &r, "SELECT 1 FROM lvollst WHERE lvolname = $1", "s",
		       name);

	if (ret)
		return ret;
	*taken = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

int db_lvol_insert(struct db_tx *tx, const struct sm_volume *v)
{
	return db_q(
	    tx, NULL,
	    "INSERT INTO lvollst (lvolid, lvolname, redundancy, capacity, "
	    "ctime, deleted) VALUES ($1, $2, $3, $4, $5, 0)",
	    "dsdls", v->lvolid, v->lvolname, v->redundancy, v->capacity,
	    v->ctime);
}

int db_layer_insert(struct db_tx *tx, int32_t id, int type, int32_t super,
		    int64_t offset, int64_t capacity, int32_t top,
		    int mirror_status)
{
	return db_q(tx, NULL,
		    "INSERT INTO lvolmap (lvolid, lvoltype, superlvolid, "
		    "\"offset\", capacity, toplvolid, mirror_status, dextid) "
		    "VALUES ($1::int, $2::int, $3, $4, $5, $6, $7, CASE WHEN "
		    "$2::int = $8::int THEN $1::int END)",
		    "dddllddd", id, type, super, offset, capacity, top,
		    mirror_status, LVOLTYPE_DEXT);
}

int db_top_layer(struct db_tx *tx, int32_t lvolid, int32_t *layer)
{
	PGresult *r;
	int ret =
	    db_q(tx, &r,
		 "SELECT lvolid FROM lvolmap WHERE superlvolid = $1 AND "
		 "toplvolid = $1 AND lvoltype IN ($2, $3)",
		 "ddd", lvolid, LVOLTYPE_SNAPSHOT_ORIGIN, LVOLTYPE_SNAPSHOT);

	if (ret)
		return ret;
	ret = PQntuples(r) == 1 ? 0 : -EIO;
	if (!ret)
		*layer = (int32_t)db_l(r, 0, 0);
	PQclear(r);
	return ret;
}

int db_snapshot_link(struct db_tx *tx, int32_t origin, int32_t origin_layer,
		     int32_t snap, int32_t snap_layer)
{
	int ret = db_q(tx, NULL,
		       "INSERT INTO snapshot (snapshot_lvolid, origin_lvolid) "
		       "VALUES ($1, $2)",
		       "dd", snap_layer, origin_layer);

	if (!ret)
		ret = db_q(tx, NULL,
			   "INSERT INTO assoc (assoc_lvolid, lvolid, type) "
			   "VALUES ($1, $2, 'snapshot')",
			   "dd", snap, origin);
	return ret;
}

int db_snapshot_count(struct db_tx *tx, int32_t origin, int *n)
{
	PGresult *r;
	int ret = db_q(tx, &r, "SELECT count(*) FROM assoc WHERE lvolid = $1",
		       "d", origin);

	if (ret)
		return ret;
	*n = (int)db_l(r, 0, 0);
	PQclear(r);
	return 0;
}

int db_alloc_pool_load(struct db_tx *tx, struct alloc_pool *pool)
{
	PGresult *r;
	int ret, i;

	ret =
	    db_q(tx, &r,
		 "SELECT p.pdskid, p.ssvrid, p.capacity, f.free_vb, "
		 " (SELECT d.capacity FROM dskmap d WHERE d.pdskid = p.pdskid "
		 "  AND d.status = $1 ORDER BY d.capacity DESC LIMIT 1) "
		 "FROM pdsklst p JOIN pdsk_free f ON f.pdskid = p.pdskid "
		 "JOIN ssvrlst s ON s.ssvrid = p.ssvrid "
		 "WHERE f.free_vb > 0 AND p.priority IN ($2, $3) AND "
		 "s.priority IN ($2, $3) ORDER BY p.ssvrid, p.pdskid",
		 "ddd", EXT_FREE, PRIO_HIGH, PRIO_LOW);
	if (ret)
		return ret;
	pool->n = PQntuples(r);
	pool->disk = calloc((size_t)pool->n + 1, sizeof(*pool->disk));
	if (!pool->disk) {
		PQclear(r);
		return -ENOMEM;
	}
	for (i = 0; i < pool->n; i++) {
		struct alloc_disk *d = &pool->disk[i];

		d->pdskid = (int32_t)db_l(r, i, 0);
		d->ssvrid = (int32_t)db_l(r, i, 1);
		d->total_vb = db_l(r, i, 2);
		d->free_vb = db_l(r, i, 3);
		d->largest_vb = db_l(r, i, 4);
	}
	PQclear(r);
	return 0;
}

int db_extent_take(struct db_tx *tx, struct alloc_disk *disk, int64_t c,
		   int32_t *dextid)
{
	PGresult *r;
	int64_t size, offset;
	int32_t rest_id;
	int ret;

	ret = db_q(tx, &r,
		   "SELECT dextid, \"offset\", capacity FROM dskmap WHERE "
		   "pdskid = $1 AND status = $2 ORDER BY capacity DESC, "
		   "\"offset\" LIMIT 1 FOR UPDATE",
		   "dd", disk->pdskid, EXT_FREE);
	if (ret)
		return ret;
	if (PQntuples(r) != 1 || db_l(r, 0, 2) < c) {
		PQclear(r);
		return -ENOSPC;
	}
	*dextid = (int32_t)db_l(r, 0, 0);
	offset = db_l(r, 0, 1);
	size = db_l(r, 0, 2);
	PQclear(r);
	ret = db_q(
	    tx, NULL,
	    "UPDATE dskmap SET status = $2, capacity = $3 WHERE dextid = $1",
	    "ddl", *dextid, EXT_BUSY, c);
	if (!ret && size > c) {
		ret = db_genid(tx, DB_ID_LVOL, &rest_id);
		if (!ret)
			ret = db_q(
			    tx, NULL,
			    "INSERT INTO dskmap (dextid, pdskid, "
			    "\"offset\", capacity, status) VALUES ($1, $2, "
			    "$3, $4, $5)",
			    "ddlld", rest_id, disk->pdskid, offset + c,
			    size - c, EXT_FREE);
	}
	if (ret)
		return ret;
	disk->free_vb -= c;
	ret =
	    db_q(tx, &r,
		 "SELECT COALESCE(max(capacity), 0) FROM dskmap WHERE pdskid = "
		 "$1 AND status = $2",
		 "dd", disk->pdskid, EXT_FREE);
	if (ret)
		return ret;
	disk->largest_vb = db_l(r, 0, 0);
	PQclear(r);
	return 0;
}

int db_lvol_delete(struct db_tx *tx, int32_t lvolid)
{
	PGresult *r;
	int ret, i;

	/* Never-attached legs are clean: FREE at once, no shred. */
	ret = db_q(
	    tx, NULL,
	    "UPDATE dskmap d SET status = $2 FROM lvolmap m WHERE "
	    "m.toplvolid = $1 AND m.lvoltype = $4 AND m.mirror_status = $3 "
	    "AND d.dextid = m.dextid",
	    "dddd", lvolid, EXT_FREE, MIRROR_ALLOCATED, LVOLTYPE_DEXT);
	if (ret)
		return ret;
	ret =
	    db_q(tx, &r,
		 "SELECT m.dextid FROM lvolmap m JOIN lvolmap p ON p.lvolid = "
		 "m.superlvolid WHERE m.toplvolid = $1 AND m.lvoltype = $3 AND "
		 "m.mirror_status <> $2 ORDER BY p.\"offset\", m.seq",
		 "ddd", lvolid, MIRROR_ALLOCATED, LVOLTYPE_DEXT);
	if (ret)
		return ret;
	for (i = 0; !ret && i < PQntuples(r); i++)
		ret = db_q(tx, NULL, "DELETE FROM resync WHERE lvolid_add = $1",
			   "d", (int32_t)db_l(r, i, 0));
	if (!ret)
		ret = db_q(
		    tx, NULL,
		    "DELETE FROM snapshot WHERE snapshot_lvolid IN (SELECT "
		    "lvolid FROM lvolmap WHERE toplvolid = $1)",
		    "d", lvolid);
	if (!ret)
		ret = db_q(tx, NULL, "DELETE FROM lvolmap WHERE toplvolid = $1",
			   "d", lvolid);
	for (i = 0; !ret && i < PQntuples(r); i++)
		ret = db_shred_queue_extent(tx, (int32_t)db_l(r, i, 0));
	PQclear(r);
	if (!ret)
		ret =
		    db_q(tx, NULL, "DELETE FROM assoc WHERE assoc_lvolid = $1",
			 "d", lvolid);
	if (!ret)
		ret = db_q(tx, NULL, "DELETE FROM lvollst WHERE lvolid = $1",
			   "d", lvolid);
	return ret;
}

int db_lvol_set_deleted(struct db_tx *tx, int32_t lvolid, int deleted)
{
	return db_q(tx, NULL,
		    "UPDATE lvollst SET deleted = $2 WHERE lvolid = $1", "dd",
		    lvolid, deleted);
}

/* Snapshot ids in a row's comma-separated list. */
static int count_ids(const char *list)
{
	int n = *list ? 1 : 0;

	for (; *list; list++)
		n += *list == ',';
	return n;
}

int db_lvol_list(struct db_tx *tx, int32_t id, struct sm_volume_list *out)
{
	PGresult *r;
	int ret, i, n_snaps = 0;

	memset(out, 0, sizeof(*out));
	ret =
	    db_q(tx, &r,
		 "SELECT " LVOL_COLUMNS ", COALESCE(a.hsvrid, 0), "
		 " COALESCE(a.status, $3), CASE WHEN a.eventid <> 0 AND "
		 " (a.lvolid = l.lvolid OR a.assoc_lvolid = l.lvolid) THEN "
		 " a.event_type ELSE $4 END, "
		 " EXISTS (SELECT 1 FROM lvolmap m WHERE m.toplvolid = "
		 " l.lvolid AND m.mirror_status = $2)::int, "
		 " (SELECT string_agg(s.assoc_lvolid::text, ',' ORDER BY "
		 " s.seq) FROM assoc s WHERE s.lvolid = l.lvolid) "
		 "FROM lvollst l LEFT JOIN assoc o ON o.assoc_lvolid = "
		 "l.lvolid LEFT JOIN attach a ON a.lvolid = COALESCE(o.lvolid, "
		 "l.lvolid) WHERE l.deleted = 0 AND ($1 = 0 OR l.lvolid = $1) "
		 "ORDER BY l.lvolid",
		 "dddd", id, MIRROR_SPARE, ATTACH_UNBOUND, ATTACH_EV_NONE);
	if (ret)
		return ret;
	for (i = 0; i < PQntuples(r); i++)
		n_snaps += count_ids(db_s(r, i, 11));
	out->e = calloc((size_t)PQntuples(r) + 1, sizeof(*out->e));
	out->snaps = calloc((size_t)n_snaps + 1, sizeof(*out->snaps));
	if (!out->e || !out->snaps) {
		PQclear(r);
		free(out->e);
		free(out->snaps);
		memset(out, 0, sizeof(*out));
		return -ENOMEM;
	}
	n_snaps = 0;
	for (i = 0; i < PQntuples(r); i++) {
		struct sm_volume_entry *e = &out->e[i];
		const char *p = db_s(r, i, 11);

		fill_lvol(r, i, &e->v);
		e->hsvrid = (int32_t)db_l(r, i, 7);
		e->bind_status = (int)db_l(r, i, 8);
		e->bind_event = (int)db_l(r, i, 9);
		e->fault = db_l(r, i, 10) != 0;
		e->first_snap = n_snaps;
		while (*p) {
			out->snaps[n_snaps++] =
			    (int32_t)strtol(p, (char **)&p, 10);
			if (*p == ',')
				p++;
		}
		e->n_snaps = n_snaps - e->first_snap;
	}
	out->n = PQntuples(r);
	PQclear(r);
	return 0;
}
