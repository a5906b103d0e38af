/* SQL for lvollst, lvolmap, assoc and snapshot. */
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
	v->poolid = (int32_t)db_l(r, i, 7);
}

#define LVOL_COLUMNS                                                           \
	"l.lvolid, l.lvolname, l.redundancy, l.capacity, l.ctime, l.deleted, " \
	"(SELECT a.lvolid FROM assoc a WHERE a.assoc_lvolid = l.lvolid), "     \
	"l.poolid "

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

int db_lvol_still_ask(struct db_tx *tx, const struct sm_volume *v, int *ticket)
{
	return db_ask(tx, ticket,
		      "SELECT (SELECT count(*) FROM assoc a WHERE a.lvolid = "
		      "l.lvolid) FROM lvollst l WHERE l.lvolid = $1 AND "
		      "l.lvolname = $2",
		      "ds", v->lvolid, v->lvolname);
}

int db_lvol_still_answer(struct db_tx *tx, int ticket, int *snapshots)
{
	return db_row_answer(tx, ticket, snapshots, db_fill_int);
}

int db_lvol_lock(struct db_tx *tx, int32_t lvolid)
{
	return db_q(tx, NULL,
		    "SELECT 1 FROM lvollst WHERE lvolid = $1 FOR UPDATE", "d",
		    lvolid);
}

#define NAME_TAKEN_SQL "SELECT 1 FROM lvollst WHERE lvolname = $1"

int db_lvol_name_taken(struct db_tx *tx, const char *name, bool *taken)
{
	PGresult *r;
	int ret = db_q(tx, &r, NAME_TAKEN_SQL, "s", name);

	if (ret)
		return ret;
	*taken = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

int db_lvol_name_taken_ask(struct db_tx *tx, const char *name, int *ticket)
{
	return db_ask(tx, ticket, NAME_TAKEN_SQL, "s", name);
}

int db_lvol_name_taken_answer(struct db_tx *tx, int ticket, bool *taken)
{
	PGresult *r;
	int ret = db_answer(tx, ticket, &r);

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
	    "ctime, deleted, poolid) VALUES ($1, $2, $3, $4, $5, 0, $6)",
	    "dsdlsd", v->lvolid, v->lvolname, v->redundancy, v->capacity,
	    v->ctime, v->poolid);
}

static int64_t layer_id(const void *e)
{
	return ((const struct db_layer *)e)->id;
}
static int64_t layer_type(const void *e)
{
	return ((const struct db_layer *)e)->type;
}
static int64_t layer_super(const void *e)
{
	return ((const struct db_layer *)e)->super;
}
static int64_t layer_offset(const void *e)
{
	return ((const struct db_layer *)e)->offset;
}
static int64_t layer_capacity(const void *e)
{
	return ((const struct db_layer *)e)->capacity;
}
static int64_t layer_top(const void *e)
{
	return ((const struct db_layer *)e)->top;
}
static int64_t layer_status(const void *e)
{
	return ((const struct db_layer *)e)->mirror_status;
}

int db_layers_insert(struct db_tx *tx, const struct db_layer *rows, int n)
{
	static int64_t (*const column[])(const void *) = {
	    layer_id,	    layer_type, layer_super,  layer_offset,
	    layer_capacity, layer_top,	layer_status,
	};
	char *a[7] = {0};
	int ret = 0, i;

	if (n <= 0)
		return 0;
	for (i = 0; i < 7; i++) {
		a[i] = db_array(rows, sizeof(*rows), n, column[i]);
		if (!a[i])
			ret = -ENOMEM;
	}
	/* Each row costs a statement's parse and round of its own else. */
	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "INSERT INTO lvolmap (lvolid, lvoltype, "
			 "superlvolid, \"offset\", capacity, toplvolid, "
			 "mirror_status, dextid) SELECT r.id, r.t, r.s, r.o, "
			 "r.c, r.top, r.m, CASE WHEN r.t = $8::int THEN r.id "
			 "END FROM unnest($1::int[], $2::int[], $3::int[], "
			 "$4::int[], $5::int[], $6::int[], $7::int[]) WITH "
			 "ORDINALITY AS r(id, t, s, o, c, top, m, n) ORDER BY "
			 "r.n",
			 "sssssssd", a[0], a[1], a[2], a[3], a[4], a[5], a[6],
			 LVOLTYPE_DEXT);
	for (i = 0; i < 7; i++)
		free(a[i]);
	return ret;
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

#define SNAPSHOT_COUNT_SQL "SELECT count(*) FROM assoc WHERE lvolid = $1"

int db_snapshot_count(struct db_tx *tx, int32_t origin, int *n)
{
	int ticket, ret = db_snapshot_count_ask(tx, origin, &ticket);

	return ret ? ret : db_snapshot_count_answer(tx, ticket, n);
}

int db_snapshot_count_ask(struct db_tx *tx, int32_t origin, int *ticket)
{
	return db_ask(tx, ticket, SNAPSHOT_COUNT_SQL, "d", origin);
}

int db_snapshot_count_answer(struct db_tx *tx, int ticket, int *n)
{
	PGresult *r;
	int ret = db_answer(tx, ticket, &r);

	if (ret)
		return ret;
	*n = (int)db_l(r, 0, 0);
	PQclear(r);
	return 0;
}

int db_lvol_delete_ask(struct db_tx *tx, int32_t lvolid, int *ticket)
{
	/* The legs that may hold data: shredded before they are FREE. */
	return db_ask(
	    tx, ticket,
	    "SELECT m.dextid FROM lvolmap m JOIN lvolmap p ON p.lvolid = "
	    "m.superlvolid WHERE m.toplvolid = $1 AND m.lvoltype = $3 AND "
	    "m.mirror_status <> $2 ORDER BY p.\"offset\", m.seq",
	    "ddd", lvolid, MIRROR_ALLOCATED, LVOLTYPE_DEXT);
}

int db_lvol_delete(struct db_tx *tx, int32_t lvolid)
{
	int ticket, ret = db_lvol_delete_ask(tx, lvolid, &ticket);

	return ret ? ret : db_lvol_delete_asked(tx, lvolid, true, ticket);
}

int db_lvol_delete_asked(struct db_tx *tx, int32_t lvolid, bool snapshot,
			 int ticket)
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
	if (!ret)
		ret = db_answer(tx, ticket, &r);
	if (ret)
		return ret;
	for (i = 0; !ret && i < PQntuples(r); i++)
		ret = db_q(tx, NULL, "DELETE FROM resync WHERE lvolid_add = $1",
			   "d", (int32_t)db_l(r, i, 0));
	if (!ret && snapshot)
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
	if (!ret && snapshot)
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

int db_lvol_list(struct db_tx *tx, int32_t id, int32_t poolid,
		 struct sm_volume_list *out)
{
	PGresult *r;
	int ret, i, n_snaps = 0;

	memset(out, 0, sizeof(*out));
	/* An extension in flight shows as BINDING: new mirrors attach. */
	ret =
	    db_q(tx, &r,
		 "SELECT " LVOL_COLUMNS ", COALESCE(a.hsvrid, 0), "
		 " COALESCE(a.status, $3), CASE WHEN a.eventid <> 0 AND "
		 " (a.lvolid = l.lvolid OR a.assoc_lvolid = l.lvolid) THEN "
		 " (CASE a.event_type WHEN $6 THEN $7 ELSE a.event_type END) "
		 " ELSE $4 END, "
		 " EXISTS (SELECT 1 FROM lvolmap m WHERE m.toplvolid = "
		 " l.lvolid AND m.mirror_status = $2)::int, "
		 " (SELECT string_agg(s.assoc_lvolid::text, ',' ORDER BY "
		 " s.seq) FROM assoc s WHERE s.lvolid = l.lvolid), "
		 " (SELECT p.poolname FROM pool p WHERE p.poolid = l.poolid) "
		 "FROM lvollst l LEFT JOIN assoc o ON o.assoc_lvolid = "
		 "l.lvolid LEFT JOIN attach a ON a.lvolid = COALESCE(o.lvolid, "
		 "l.lvolid) WHERE l.deleted = 0 AND ($1 = 0 OR l.lvolid = $1) "
		 "AND ($5 = 0 OR l.poolid = $5) ORDER BY l.lvolid",
		 "ddddddd", id, MIRROR_SPARE, ATTACH_UNBOUND, ATTACH_EV_NONE,
		 poolid, SM_ATTACH_GROWING, ATTACH_BINDING);
	if (ret)
		return ret;
	for (i = 0; i < PQntuples(r); i++)
		n_snaps += count_ids(db_s(r, i, 12));
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
		const char *p = db_s(r, i, 12);

		fill_lvol(r, i, &e->v);
		e->hsvrid = (int32_t)db_l(r, i, 8);
		e->bind_status = (int)db_l(r, i, 9);
		e->bind_event = (int)db_l(r, i, 10);
		e->fault = db_l(r, i, 11) != 0;
		snprintf(e->pool, sizeof(e->pool), "%s", db_s(r, i, 13));
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
