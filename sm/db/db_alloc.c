/* SQL of leg placement: allocatable disks, domains, extents taken. */
#include "db_alloc.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* A server in no failure domain is a domain of its own (issue 16). */
#define DOMAIN_KEY                                                             \
	"CASE WHEN s.domainid IS NULL THEN s.ssvrid ELSE -s.domainid END "

#define DISKS_SQL                                                              \
	"SELECT p.pdskid, p.ssvrid, p.capacity, f.free_vb, "                   \
	"f.largest_vb, " DOMAIN_KEY                                            \
	", COALESCE(p.poolid, s.poolid) AS disk_pool FROM pdsklst "            \
	"p JOIN pdsk_free f ON f.pdskid = p.pdskid JOIN ssvrlst s ON "         \
	"s.ssvrid = p.ssvrid WHERE f.free_vb > 0 AND p.priority IN ($1, $2) "  \
	"AND s.priority IN ($1, $2) "

/* Every disk placement may use, free or not, for placement_view.c. */
#define VIEW_SQL                                                               \
	"SELECT p.pdskid, p.ssvrid, p.capacity, f.free_vb, "                   \
	"f.largest_vb, " DOMAIN_KEY                                            \
	", COALESCE(p.poolid, s.poolid) FROM pdsklst p JOIN pdsk_free f ON "   \
	"f.pdskid = p.pdskid JOIN ssvrlst s ON s.ssvrid = p.ssvrid WHERE "     \
	"p.priority IN ($1, $2) AND s.priority IN ($1, $2) "

/* What tells a view read from another epoch, database or server apart. */
#define VIEW_EPOCH                                                             \
	"(SELECT n::text || '/' || pg_postmaster_start_time()::text FROM "     \
	"placement_epoch)"

/* Rows of DISKS_SQL from column `first` on; a NULL pdskid is no disk. */
static int pool_from(PGresult *r, int first, struct alloc_pool *pool)
{
	int i;

	pool->n = 0;
	pool->disk = calloc((size_t)PQntuples(r) + 1, sizeof(*pool->disk));
	if (!pool->disk) {
		PQclear(r);
		return -ENOMEM;
	}
	for (i = 0; i < PQntuples(r); i++) {
		struct alloc_disk *d = &pool->disk[pool->n];

		if (PQgetisnull(r, i, first))
			continue;
		d->pdskid = (int32_t)db_l(r, i, first);
		d->ssvrid = (int32_t)db_l(r, i, first + 1);
		d->total_vb = db_l(r, i, first + 2);
		d->free_vb = db_l(r, i, first + 3);
		d->largest_vb = db_l(r, i, first + 4);
		d->domain = (int32_t)db_l(r, i, first + 5);
		d->poolid = (int32_t)db_l(r, i, first + 6);
		pool->n++;
	}
	PQclear(r);
	return 0;
}

int db_alloc_pool_load(struct db_tx *tx, int32_t storage,
		       struct alloc_pool *pool)
{
	PGresult *r;
	int ret;

	ret = db_q(tx, &r,
		   DISKS_SQL "AND ($3 = 0 OR COALESCE(p.poolid, s.poolid) = "
			     "$3) ORDER BY p.ssvrid, p.pdskid",
		   "ddd", PRIO_HIGH, PRIO_LOW, storage);
	return ret ? ret : pool_from(r, 0, pool);
}

int db_alloc_view_ask(struct db_tx *tx, int32_t poolid, const char *epoch,
		      const char *xmin, int *ticket)
{
	/*
	 * One snapshot for the epoch, the xmin and the rows: every disk when
	 * the epoch is not the caller's, else those changed since its xmin.
	 */
	return db_ask(tx, ticket,
		      "WITH st AS MATERIALIZED (SELECT pool_storage($3) AS "
		      "storage, " VIEW_EPOCH " AS epoch, pg_snapshot_xmin("
		      "pg_current_snapshot())::text AS xmin) SELECT st.*, d.* "
		      "FROM st LEFT JOIN (" VIEW_SQL "AND " VIEW_EPOCH
		      " <> $4 UNION ALL " VIEW_SQL "AND " VIEW_EPOCH
		      " = $4 AND f.changed >= $5::xid8) d ON true ORDER BY "
		      "d.ssvrid, d.pdskid",
		      "dddss", PRIO_HIGH, PRIO_LOW, poolid, epoch, xmin);
}

int db_alloc_view_answer(struct db_tx *tx, int ticket,
			 struct alloc_view_read *out)
{
	PGresult *r;
	int ret = db_answer(tx, ticket, &r);

	if (ret)
		return ret;
	if (PQntuples(r) < 1) {
		PQclear(r);
		return -EIO;
	}
	out->storage = (int32_t)db_l(r, 0, 0);
	snprintf(out->epoch, sizeof(out->epoch), "%s", db_s(r, 0, 1));
	snprintf(out->xmin, sizeof(out->xmin), "%s", db_s(r, 0, 2));
	return pool_from(r, 3, &out->rows);
}

/* The SQL below names the states: a partial index matches only those. */
_Static_assert(EXT_FREE == 2 && EXT_BUSY == 1, "extent states in SQL");

/*
 * Books the k-th element of $2 (vb) from the largest FREE extent of the
 * k-th disk of $1 (that leg's row is k) and tells what it was and the
 * disk's next largest FREE extent (before this statement). One statement
 * for many legs: the free-space triggers (sql/012) then run once, not once
 * per leg. The disks must be distinct (two picks of one disk would find
 * one extent).
 */
#define TAKE_SQL                                                               \
	"WITH pick AS (SELECT k.n, k.pdskid, k.c, x.dextid, x.\"offset\", "    \
	"x.capacity FROM unnest($1::int[], $2::bigint[]) WITH ORDINALITY AS "  \
	"k(pdskid, c, n) CROSS JOIN LATERAL (SELECT dextid, \"offset\", "      \
	"capacity FROM dskmap WHERE pdskid = k.pdskid AND status = 2 ORDER "   \
	"BY capacity DESC, \"offset\" LIMIT 1 FOR UPDATE) x), taken AS "       \
	"(UPDATE dskmap d SET status = 1, capacity = pick.c FROM pick WHERE "  \
	"d.dextid = pick.dextid AND pick.capacity >= pick.c RETURNING "        \
	"d.dextid) SELECT pick.n, pick.dextid, pick.\"offset\", "              \
	"pick.capacity, COALESCE((SELECT x.capacity FROM dskmap x WHERE "      \
	"x.pdskid = pick.pdskid AND x.status = 2 AND x.dextid <> pick.dextid " \
	"ORDER BY x.capacity DESC LIMIT 1), 0) FROM pick ORDER BY pick.n"

static int64_t disk_id(const void *e)
{
	return (*(struct alloc_disk *const *)e)->pdskid;
}

static int64_t vb_of(const void *e)
{
	return *(const int64_t *)e;
}

int db_legs_take_ask(struct db_tx *tx, struct alloc_disk **disks,
		     const int64_t *vb, int n, int *ticket)
{
	char *ids = db_array(disks, sizeof(*disks), n, disk_id);
	char *caps = db_array(vb, sizeof(*vb), n, vb_of);
	int ret = -ENOMEM;

	if (ids && caps)
		ret = db_ask(tx, ticket, TAKE_SQL, "ss", ids, caps);
	free(ids);
	free(caps);
	return ret;
}

int db_legs_take_answer(struct db_tx *tx, int ticket, int n,
			struct db_taken *out)
{
	PGresult *r;
	int ret = db_answer(tx, ticket, &r), i;

	if (ret)
		return ret;
	for (i = 0; i < n; i++)
		out[i] = (struct db_taken){0};
	for (i = 0; i < PQntuples(r); i++) {
		int64_t k = db_l(r, i, 0) - 1;

		if (k < 0 || k >= n)
			continue;
		out[k].dextid = (int32_t)db_l(r, i, 1);
		out[k].offset = db_l(r, i, 2);
		out[k].size = db_l(r, i, 3);
		out[k].next = db_l(r, i, 4);
	}
	PQclear(r);
	return 0;
}

int db_taken_keep_rest(struct db_tx *tx, const struct db_taken *t,
		       int32_t pdskid, int64_t c)
{
	int32_t rest_id;
	int ret;

	if (t->size < c || t->size <= 0)
		return -ENOSPC; /* nothing FREE there, or too small */
	if (t->size == c)
		return 0;
	ret = db_genid(tx, DB_ID_LVOL, &rest_id);
	return ret ? ret
		   : db_q(tx, NULL,
			  "INSERT INTO dskmap (dextid, pdskid, \"offset\", "
			  "capacity, status) VALUES ($1, $2, $3, $4, $5)",
			  "ddlld", rest_id, pdskid, t->offset + c, t->size - c,
			  EXT_FREE);
}

/* The rest of a split extent stays FREE under a new id; the pool entry
 * follows. */
static int keep_rest(struct db_tx *tx, struct alloc_disk *disk, int64_t c,
		     const struct db_taken *t, int32_t *dextid)
{
	int ret = db_taken_keep_rest(tx, t, disk->pdskid, c);

	if (ret)
		return ret;
	*dextid = t->dextid;
	disk->free_vb -= c;
	disk->largest_vb = t->size - c > t->next ? t->size - c : t->next;
	return 0;
}

/* Whether every disk is there once (the batched pick needs it). */
static bool distinct(struct alloc_disk **disks, int n)
{
	int i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < i; k++)
			if (disks[i]->pdskid == disks[k]->pdskid)
				return false;
	return true;
}

/*
 * One statement for all n legs: tickets[0] answers it and the others are
 * unused. Disks named twice are booked one statement each (tickets[i]),
 * so that the second pick sees the first's booking.
 */
int db_extents_take_ask(struct db_tx *tx, struct alloc_disk **disks, int n,
			int64_t c, int *tickets)
{
	int64_t vb[ALLOC_MAX_LEGS];
	int ret = 0, i, legs = distinct(disks, n) ? n : 1;

	if (n > ALLOC_MAX_LEGS)
		return -EINVAL;
	for (i = 0; i < n; i++)
		vb[i] = c;
	for (i = 0; !ret && i < n; i += legs)
		ret = db_legs_take_ask(tx, &disks[i], vb, legs, &tickets[i]);
	return ret;
}

int db_extents_take_answer(struct db_tx *tx, struct alloc_disk **disks, int n,
			   int64_t c, const int *tickets, int32_t *dextids)
{
	struct db_taken t[ALLOC_MAX_LEGS];
	int ret = 0, i, k, legs = distinct(disks, n) ? n : 1;

	for (i = 0; !ret && i < n; i += legs) {
		ret = db_legs_take_answer(tx, tickets[i], legs, t);
		for (k = 0; !ret && k < legs; k++)
			ret = keep_rest(tx, disks[i + k], c, &t[k],
					&dextids[i + k]);
	}
	return ret;
}

int db_extents_take(struct db_tx *tx, struct alloc_disk **disks, int n,
		    int64_t c, int32_t *dextids)
{
	int ticket[ALLOC_MAX_LEGS];
	int ret = db_extents_take_ask(tx, disks, n, c, ticket);

	return ret ? ret
		   : db_extents_take_answer(tx, disks, n, c, ticket, dextids);
}

int db_alloc_recheck_ask(struct db_tx *tx, int32_t storage,
			 struct alloc_disk **disks, int n, int *ticket)
{
	char *ids = db_array(disks, sizeof(*disks), n, disk_id);
	int ret;

	if (!ids)
		return -ENOMEM;
	/* Not DISKS_SQL: no free-space join, no pool walk (pool_storage). */
	ret = db_ask(tx, ticket,
		     "SELECT p.pdskid, p.ssvrid, " DOMAIN_KEY
		     "FROM pdsklst p JOIN ssvrlst s ON s.ssvrid = p.ssvrid "
		     "WHERE p.pdskid = ANY($3::int[]) AND p.priority IN ($1, "
		     "$2) AND s.priority IN ($1, $2) AND COALESCE(p.poolid, "
		     "s.poolid) = $4",
		     "ddsd", PRIO_HIGH, PRIO_LOW, ids, storage);
	free(ids);
	return ret;
}

int db_alloc_recheck_answer(struct db_tx *tx, int ticket,
			    struct alloc_disk **disks, int n, bool *same)
{
	PGresult *r;
	int ret = db_answer(tx, ticket, &r), i, k;

	if (ret)
		return ret;
	*same = PQntuples(r) == n;
	for (i = 0; *same && i < n; i++) {
		for (k = 0; k < PQntuples(r); k++)
			if (db_l(r, k, 0) == disks[i]->pdskid)
				break;
		*same = k < PQntuples(r) && db_l(r, k, 1) == disks[i]->ssvrid &&
			db_l(r, k, 2) == disks[i]->domain;
	}
	PQclear(r);
	return 0;
}

int db_extent_take(struct db_tx *tx, struct alloc_disk *disk, int64_t c,
		   int32_t *dextid)
{
	return db_extents_take(tx, &disk, 1, c, dextid);
}

int db_mirror_legs(struct db_tx *tx, int32_t mirrorid, int32_t except,
		   struct alloc_legs *legs)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "SELECT p.ssvrid, " DOMAIN_KEY
		       "FROM lvolmap m JOIN dskmap d ON d.dextid = m.dextid "
		       "JOIN pdsklst p ON p.pdskid = d.pdskid JOIN ssvrlst s "
		       "ON s.ssvrid = p.ssvrid WHERE m.superlvolid = $1 AND "
		       "m.dextid <> $2 ORDER BY m.seq",
		       "dd", mirrorid, except),
	    i;

	if (ret)
		return ret;
	for (i = 0; i < PQntuples(r) && legs->n < ALLOC_MAX_LEGS; i++) {
		legs->ssvrid[legs->n] = (int32_t)db_l(r, i, 0);
		legs->domain[legs->n] = (int32_t)db_l(r, i, 1);
		legs->n++;
	}
	PQclear(r);
	return 0;
}

int db_pool_storage(struct db_tx *tx, int32_t poolid, int32_t *storage)
{
	int ret = db_id(tx, storage, "SELECT pool_storage($1)", "d", poolid);

	return ret == -ENOENT ? -ENOSPC : ret;
}

int db_lvol_pool(struct db_tx *tx, int32_t lvolid, int32_t *poolid)
{
	return db_id(tx, poolid, "SELECT poolid FROM lvollst WHERE lvolid = $1",
		     "d", lvolid);
}
