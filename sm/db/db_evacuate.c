/*
 * Batched leg replacement (db_evacuate.h): the statements of db_leg_get,
 * db_root_in_flight, db_mirror_servers, db_extent_take and db_leg_swap,
 * each run once for all legs with arrays instead of once per leg.
 */
#include "db_evacuate.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* "{1,2,3}" -> ints (at most max). */
static int parse_ints(const char *s, int32_t *out, int max)
{
	int n = 0;

	while (*s && n < max) {
		char *end;
		long v = strtol(s, &end, 10);

		if (end != s)
			out[n++] = (int32_t)v;
		s = *end ? end + 1 : end;
	}
	return n;
}

static void fill(const PGresult *r, int i, void *elem)
{
	struct evac_leg *e = elem;

	e->leg.dextid = (int32_t)db_l(r, i, 0);
	e->leg.mirrorid = (int32_t)db_l(r, i, 1);
	e->leg.toplvolid = (int32_t)db_l(r, i, 2);
	e->leg.capacity_vb = db_l(r, i, 3);
	e->leg.mirror_status = (int)db_l(r, i, 4);
	e->leg.ssvrid = (int32_t)db_l(r, i, 5);
	e->leg.pdskid = (int32_t)db_l(r, i, 6);
	e->post_ext = db_l(r, i, 7) == PRIO_FAULTY ? EXT_FAULTY : EXT_OFFLINE;
	e->n_others =
	    parse_ints(db_s(r, i, 8), e->other_dext, VAS_MAX_REDUNDANCY);
	/* Same rows, same order: the three arrays line up. */
	parse_ints(db_s(r, i, 9), e->others, e->n_others);
	parse_ints(db_s(r, i, 10), e->other_domains, e->n_others);
	e->storage = (int32_t)db_l(r, i, 11);
}

static int64_t get_i64(const void *e)
{
	return *(const int64_t *)e;
}

static int64_t get_leg(const void *e)
{
	return ((const struct evac_leg *)e)->leg.dextid;
}

/* Locks the roots (lvollst, then attach rows) and reads their state. */
static int lock_roots(struct db_tx *tx, struct evac_leg *legs, int n)
{
	PGresult *r = NULL;
	char *roots = db_array(legs, sizeof(*legs), n, get_leg);
	int ret, i, k;

	if (!roots)
		return -ENOMEM;
	/* Lock order: the roots' lvollst rows, then their attach rows. */
	ret = db_q(tx, NULL,
		   "SELECT 1 FROM lvollst WHERE lvolid IN (SELECT COALESCE("
		   "o.lvolid, m.toplvolid) FROM lvolmap m LEFT JOIN assoc o ON "
		   "o.assoc_lvolid = m.toplvolid WHERE m.dextid = "
		   "ANY($1::int[])) ORDER BY lvolid FOR UPDATE",
		   "s", roots);
	if (!ret)
		ret = db_q(
		    tx, &r,
		    "SELECT m.dextid, a.eventid FROM lvolmap m LEFT JOIN "
		    "assoc o ON o.assoc_lvolid = m.toplvolid JOIN attach a "
		    "ON a.lvolid = COALESCE(o.lvolid, m.toplvolid) WHERE "
		    "m.dextid = ANY($1::int[]) ORDER BY a.lvolid FOR "
		    "UPDATE OF a",
		    "s", roots);
	free(roots);
	if (ret)
		return ret;
	for (k = 0; k < PQntuples(r); k++)
		for (i = 0; i < n; i++)
			if (legs[i].leg.dextid == (int32_t)db_l(r, k, 0)) {
				legs[i].attached = true;
				legs[i].in_flight = db_l(r, k, 1) != 0;
			}
	PQclear(r);
	return 0;
}

/* A failure domain's key as placement has it (db_alloc.c). */
#define DOMAIN_KEY                                                             \
	"CASE WHEN s2.domainid IS NULL THEN s2.ssvrid ELSE -s2.domainid END"

/*
 * The mirror's other legs: extents, servers and domain keys, each in leg
 * order. One LATERAL for the three (three ARRAY() subqueries walked the
 * mirror three times: ~2/3 of this statement's time for 1 000 legs).
 */
#define OTHERS_ORDER " ORDER BY m2.seq, m2.dextid), '{}') "
#define OTHERS                                                                 \
	"CROSS JOIN LATERAL (SELECT COALESCE(array_agg(m2.dextid" OTHERS_ORDER \
	"AS dexts, COALESCE(array_agg(p2.ssvrid" OTHERS_ORDER                  \
	"AS ssvrs, COALESCE(array_agg(" DOMAIN_KEY OTHERS_ORDER                \
	"AS domains FROM lvolmap m2 JOIN dskmap d2 ON d2.dextid = m2.dextid "  \
	"JOIN pdsklst p2 ON p2.pdskid = d2.pdskid JOIN ssvrlst s2 ON "         \
	"s2.ssvrid = p2.ssvrid WHERE m2.superlvolid = m.superlvolid AND "      \
	"m2.dextid <> m.dextid) o "

/*
 * The legs on failed parts, then their volume's storage pool. ps is
 * materialized: inlined, pool_storage() ran once per leg, not per pool
 * (7 ms each at 12 000 disks: 7.2 s under the lock for 1 000 legs).
 */
#define LEGS_SQL                                                               \
	"WITH f AS (SELECT p.pdskid, p.ssvrid, p.priority FROM pdsklst p "     \
	"JOIN ssvrlst s ON s.ssvrid = p.ssvrid WHERE p.priority IN ($1, $2) "  \
	"OR s.priority IN ($1, $2)), ps AS MATERIALIZED (SELECT poolid, "      \
	"pool_storage(poolid) AS storage FROM pool) SELECT m.dextid, "         \
	"m.superlvolid, m.toplvolid, m.capacity, m.mirror_status, f.ssvrid, "  \
	"f.pdskid, f.priority, o.dexts, o.ssvrs, o.domains, "                  \
	"COALESCE(ps.storage, 0) FROM f JOIN dskmap d ON d.pdskid = f.pdskid " \
	"JOIN lvolmap m ON m.dextid = d.dextid " OTHERS "LEFT JOIN lvollst l " \
	"ON l.lvolid = m.toplvolid LEFT JOIN ps ON ps.poolid = l.poolid "      \
	"ORDER BY f.pdskid, m.dextid"

int db_evac_legs(struct db_tx *tx, struct evac_leg **legs, int *n)
{
	int ret = db_rows(tx, (void **)legs, n, sizeof(**legs), fill, LEGS_SQL,
			  "dd", PRIO_OFFLINE, PRIO_FAULTY);

	if (!ret && *n)
		ret = lock_roots(tx, *legs, *n);
	return ret;
}

/* Legs that take a new extent, and the disks' demands, in leg order. */
static int64_t get_new_disk(const void *e)
{
	return ((const struct evac_leg *)e)->new_pdskid;
}

static int64_t get_count(const void *e)
{
	return ((const struct evac_leg *)e)->new_id; /* the demand, see below */
}

/*
 * The new extents BUSY and the replaced ones what their part's failure
 * makes them (OFFLINE, FAULTY), in one statement: the books' trigger
 * (sql/012) runs once for the disks of both. taken: new extents.
 */
static int mark(struct db_tx *tx, const struct evac_leg *legs, int n, int taken)
{
	int64_t *v = calloc(4 * (size_t)n + 1, sizeof(int64_t));
	char *ids = NULL, *states = NULL;
	int m = 0, busy = 0, ret, i, k;
	PGresult *r = NULL;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!legs[i].new_id)
			continue;
		v[m] = legs[i].new_id;
		v[2 * n + m++] = EXT_BUSY;
		v[m] = legs[i].leg.dextid;
		v[2 * n + m++] = legs[i].post_ext;
	}
	ids = db_array(v, sizeof(*v), m, get_i64);
	states = db_array(v + 2 * n, sizeof(*v), m, get_i64);
	ret = ids && states ? 0 : -ENOMEM;
	if (!ret)
		ret = db_q(tx, &r,
			   "UPDATE dskmap d SET status = x.st FROM unnest("
			   "$1::int[], $2::int[]) AS x(id, st) WHERE d.dextid "
			   "= x.id AND (x.st <> $3 OR d.status = $4) RETURNING "
			   "(x.st = $3)::int",
			   "ssdd", ids, states, EXT_BUSY, EXT_FREE);
	for (k = 0; !ret && k < PQntuples(r); k++)
		busy += (int)db_l(r, k, 0);
	/* cannot be otherwise: the manager's lock is held */
	if (!ret && (busy != taken || PQntuples(r) != m))
		ret = -EIO;
	PQclear(r);
	free(ids);
	free(states);
	free(v);
	return ret;
}

int db_evac_take(struct db_tx *tx, struct evac_leg *legs, int n)
{
	struct evac_leg *want = calloc((size_t)n + 1, sizeof(*want));
	char *disks = NULL, *counts = NULL;
	int n_want = 0, ret = want ? 0 : -ENOMEM, i, k, row = 0;
	int64_t size = 0;
	PGresult *r = NULL;

	/* One entry per disk: new_pdskid and (in new_id) how many extents. */
	for (i = 0; !ret && i < n; i++) {
		if (legs[i].skip || !legs[i].new_pdskid)
			continue;
		if (size && legs[i].leg.capacity_vb != size)
			ret = -EAGAIN; /* mixed sizes: one by one */
		size = legs[i].leg.capacity_vb;
		for (k = 0; k < n_want; k++)
			if (want[k].new_pdskid == legs[i].new_pdskid)
				break;
		if (k == n_want)
			want[n_want++].new_pdskid = legs[i].new_pdskid;
		want[k].new_id++;
	}
	if (!ret && !n_want) {
		free(want);
		return 0;
	}
	disks = db_array(want, sizeof(*want), n_want, get_new_disk);
	counts = db_array(want, sizeof(*want), n_want, get_count);
	if (!ret && (!disks || !counts))
		ret = -ENOMEM;
	if (!ret)
		ret =
		    db_q(tx, &r,
			 "SELECT w.pdskid, e.dextid, e.capacity FROM "
			 "unnest($1::int[], $2::int[]) WITH ORDINALITY AS "
			 "w(pdskid, k, ord) CROSS JOIN LATERAL (SELECT "
			 "d.dextid, d.capacity, d.\"offset\" FROM dskmap d "
			 "WHERE d.pdskid = w.pdskid AND d.status = $3 ORDER "
			 "BY d.capacity DESC, d.\"offset\" LIMIT w.k) e ORDER "
			 "BY w.ord, e.capacity DESC, e.\"offset\"",
			 "ssd", disks, counts, EXT_FREE);
	free(disks);
	free(counts);
	/* Exactly k extents of exactly the size, else one by one. */
	for (k = 0; !ret && k < n_want; k++) {
		for (i = 0; i < n; i++) {
			if (legs[i].skip ||
			    legs[i].new_pdskid != want[k].new_pdskid)
				continue;
			if (row >= PQntuples(r) ||
			    db_l(r, row, 0) != want[k].new_pdskid ||
			    db_l(r, row, 2) != size) {
				ret = -EAGAIN;
				break;
			}
			legs[i].new_id = (int32_t)db_l(r, row++, 1);
		}
	}
	PQclear(r);
	r = NULL;
	if (!ret)
		ret = mark(tx, legs, n, row);
	free(want);
	if (ret == -EAGAIN)
		for (i = 0; i < n; i++)
			legs[i].new_id = 0;
	return ret;
}

/* The new leg's state: clean legs stay clean, others need a rebuild. */
static int new_status(const struct evac_leg *e)
{
	return e->leg.mirror_status == MIRROR_ALLOCATED ||
		       e->leg.mirror_status == MIRROR_NEEDSHRED
		   ? MIRROR_ALLOCATED
		   : MIRROR_SPARE;
}

/* Whether the swap queues a rebuild (db_leg_swap: SPARE and attached). */
static bool queues(const struct evac_leg *e)
{
	return e->new_id && new_status(e) == MIRROR_SPARE && e->attached;
}

struct cols {
	char *old, *id, *mirror, *cap, *top, *status, *queued, *stuck;
};

static void cols_free(struct cols *c)
{
	free(c->old);
	free(c->id);
	free(c->mirror);
	free(c->cap);
	free(c->top);
	free(c->status);
	free(c->queued);
	free(c->stuck);
}

/* The swapped legs (new_id set) only, as arrays; queued: their subset. */
static int columns(const struct evac_leg *legs, int n, struct cols *c)
{
	int64_t *v[9];
	int i, k, m = 0, q = 0, s = 0;

	memset(c, 0, sizeof(*c));
	for (k = 0; k < 9; k++) {
		v[k] = calloc((size_t)n + 1, sizeof(int64_t));
		if (!v[k]) {
			while (k--)
				free(v[k]);
			return -ENOMEM;
		}
	}
	for (i = 0; i < n; i++) {
		const struct evac_leg *e = &legs[i];

		if (!e->skip && !e->new_id &&
		    e->leg.mirror_status == MIRROR_INSYNC)
			v[8][s++] = e->leg.dextid; /* no room: degraded */
		if (!e->new_id)
			continue;
		v[0][m] = e->leg.dextid;
		v[2][m] = e->new_id;
		v[3][m] = e->leg.mirrorid;
		v[4][m] = e->leg.capacity_vb;
		v[5][m] = e->leg.toplvolid;
		v[6][m] = new_status(e);
		v[7][q] = queues(e) ? e->new_id : 0;
		m++;
		q++;
	}
	c->old = db_array(v[0], sizeof(int64_t), m, get_i64);
	c->id = db_array(v[2], sizeof(int64_t), m, get_i64);
	c->mirror = db_array(v[3], sizeof(int64_t), m, get_i64);
	c->cap = db_array(v[4], sizeof(int64_t), m, get_i64);
	c->top = db_array(v[5], sizeof(int64_t), m, get_i64);
	c->status = db_array(v[6], sizeof(int64_t), m, get_i64);
	c->queued = db_array(v[7], sizeof(int64_t), q, get_i64);
	c->stuck = db_array(v[8], sizeof(int64_t), s, get_i64);
	for (k = 0; k < 9; k++)
		free(v[k]);
	return c->old && c->id && c->mirror && c->cap && c->top && c->status &&
		       c->queued && c->stuck
		   ? 0
		   : -ENOMEM;
}

int db_evac_swap(struct db_tx *tx, const struct evac_leg *legs, int n)
{
	struct cols c;
	int ret = columns(legs, n, &c);

	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM lvolmap WHERE lvolid = ANY($1::int[])",
			   "s", c.old);
	/* In leg order: seq keeps the order of a mirror's legs. */
	if (!ret)
		ret = db_q(
		    tx, NULL,
		    "INSERT INTO lvolmap (lvolid, lvoltype, superlvolid, "
		    "\"offset\", capacity, toplvolid, mirror_status, dextid) "
		    "SELECT x.id, $6, x.mirror, 0, x.cap, x.top, x.st, x.id "
		    "FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], "
		    "$5::int[]) WITH ORDINALITY AS x(id, mirror, cap, top, st, "
		    "ord) ORDER BY x.ord",
		    "sssssd", c.id, c.mirror, c.cap, c.top, c.status,
		    LVOLTYPE_DEXT);
	/*
	 * As db_leg_swap: the rebuild row tells the head to drop the old
	 * extent, also while an attach or detach is in flight (M67).
	 */
	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM resync WHERE lvolid_add = "
			   "ANY($1::int[]) OR lvolid_add = ANY($2::int[])",
			   "ss", c.old, c.queued);
	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "INSERT INTO resync (mirrorid, lvolid_add, "
			 "lvolid_rm, status) SELECT x.mirror, x.add, x.rm, $4 "
			 "FROM unnest($1::int[], $2::int[], $3::int[]) WITH "
			 "ORDINALITY AS x(add, mirror, rm, ord) WHERE x.add <> "
			 "0 ORDER BY x.ord",
			 "sssd", c.queued, c.mirror, c.old, EV_PENDING);
	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "UPDATE lvolmap SET mirror_status = $2 WHERE dextid = "
			 "ANY($1::int[])",
			 "sd", c.stuck, MIRROR_SPARE);
	cols_free(&c);
	return ret;
}
