/* SQL for pools, quotas, and the pool and domain of servers and disks. */
#include "db_pools.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

int db_pool_find(struct db_tx *tx, const char *name, int32_t *poolid)
{
	return db_id(tx, poolid, "SELECT poolid FROM pool WHERE poolname = $1",
		     "s", name);
}

int db_pool_insert(struct db_tx *tx, int32_t poolid, const char *name,
		   int32_t parent, int64_t quota_gib)
{
	return db_q(tx, NULL,
		    "INSERT INTO pool (poolid, poolname, parent, quota_gib) "
		    "VALUES ($1, $2, $3, $4)",
		    "dsdl", poolid, name, parent, quota_gib);
}

int db_pool_delete(struct db_tx *tx, int32_t poolid)
{
	return db_q(tx, NULL, "DELETE FROM pool WHERE poolid = $1", "d",
		    poolid);
}

int db_pool_in_use(struct db_tx *tx, int32_t poolid, bool *busy)
{
	PGresult *r;
	int ret = db_q(
	    tx, &r,
	    "SELECT (EXISTS (SELECT 1 FROM lvollst WHERE poolid = $1) OR "
	    "EXISTS (SELECT 1 FROM pool WHERE parent = $1) OR EXISTS (SELECT "
	    "1 FROM ssvrlst WHERE poolid = $1) OR EXISTS (SELECT 1 FROM "
	    "pdsklst WHERE poolid = $1))::int",
	    "d", poolid);

	if (ret)
		return ret;
	*busy = db_l(r, 0, 0) != 0;
	PQclear(r);
	return 0;
}

/* The pool and its ancestors, as (poolid, depth). */
#define UP(start)                                                              \
	"WITH RECURSIVE up (poolid, parent, depth) AS (SELECT poolid, "        \
	"parent, 0 FROM pool WHERE poolid = " start " UNION ALL SELECT "       \
	"q.poolid, q.parent, up.depth + 1 FROM pool q JOIN up ON q.poolid = "  \
	"up.parent) "

/* A count query's answer as 0, or err when it is not 0. */
static int none_or(struct db_tx *tx, int err, const char *sql, const char *fmt,
		   ...)
{
	PGresult *r;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = db_vq(tx, &r, sql, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = db_l(r, 0, 0) ? err : 0;
	PQclear(r);
	return ret;
}

#define QUOTA_ROOM_SQL                                                         \
	UP("$1")                                                               \
	"SELECT count(*) FROM up JOIN pool p ON p.poolid = "                   \
	"up.poolid JOIN pool_tree_used t ON t.poolid = up.poolid "             \
	"WHERE p.quota_gib > 0 AND t.used_gib + $2 > p.quota_gib"

int db_pool_quota_room(struct db_tx *tx, int32_t poolid, int64_t delta_gib)
{
	return none_or(tx, -EDQUOT, QUOTA_ROOM_SQL, "dl", poolid, delta_gib);
}

int db_pool_quota_room_ask(struct db_tx *tx, int32_t poolid, int64_t delta_gib,
			   int *ticket)
{
	return db_ask(tx, ticket, QUOTA_ROOM_SQL, "dl", poolid, delta_gib);
}

int db_pool_quota_room_answer(struct db_tx *tx, int ticket)
{
	PGresult *r;
	int ret = db_answer(tx, ticket, &r);

	if (ret)
		return ret;
	ret = db_l(r, 0, 0) ? -EDQUOT : 0;
	PQclear(r);
	return ret;
}

int db_pool_quota_fits(struct db_tx *tx, int32_t poolid, int32_t parent,
		       int64_t quota_gib)
{
	int ret;

	/* Above: no ancestor's quota is smaller. */
	ret = none_or(tx, -EDQUOT,
		      UP("$1") "SELECT count(*) FROM up JOIN pool p ON "
			       "p.poolid = up.poolid WHERE p.quota_gib > 0 "
			       "AND p.quota_gib < $2",
		      "dl", parent, quota_gib);
	if (ret || !poolid)
		return ret;
	/* The pool and below: no more in use, no larger quota. */
	return none_or(
	    tx, -EDQUOT,
	    "WITH RECURSIVE down (poolid) AS (SELECT poolid FROM pool WHERE "
	    "parent = $1 UNION ALL SELECT q.poolid FROM pool q JOIN down ON "
	    "q.parent = down.poolid) SELECT (SELECT count(*) FROM down JOIN "
	    "pool p ON p.poolid = down.poolid WHERE p.quota_gib > $2) + "
	    "(SELECT count(*) FROM pool_tree_used t WHERE t.poolid = $1 AND "
	    "t.used_gib > $2)",
	    "dl", poolid, quota_gib);
}

int db_pool_set_quota(struct db_tx *tx, int32_t poolid, int64_t quota_gib)
{
	return db_q(tx, NULL,
		    "UPDATE pool SET quota_gib = $2 WHERE poolid = $1", "dl",
		    poolid, quota_gib);
}

static void fill_pool(const PGresult *r, int i, void *elem)
{
	struct sm_pool *p = elem;

	p->poolid = (int32_t)db_l(r, i, 0);
	snprintf(p->name, sizeof(p->name), "%s", db_s(r, i, 1));
	p->parent = (int32_t)db_l(r, i, 2);
	p->quota_gib = db_l(r, i, 3);
	p->used_gib = db_l(r, i, 4);
	p->capacity_vb = db_l(r, i, 5);
	p->available_vb = db_l(r, i, 6);
	p->volumes = (int)db_l(r, i, 7);
}

int db_pool_list(struct db_tx *tx, int32_t poolid, struct sm_pool **rows,
		 int *n)
{
	int ret = db_rows(
	    tx, (void **)rows, n, sizeof(**rows), fill_pool,
	    "WITH ps AS (SELECT poolid, pool_storage(poolid) AS st FROM pool "
	    "WHERE $1 = 0 OR poolid = $1), "
	    "ds AS (SELECT COALESCE(d.poolid, s.poolid) AS poolid, "
	    " sum(d.capacity) AS cap, sum(COALESCE(f.available, 0)) AS avail "
	    " FROM pdsklst d JOIN ssvrlst s ON s.ssvrid = d.ssvrid LEFT JOIN "
	    " dskspace f ON f.pdskid = d.pdskid GROUP BY 1), "
	    "vc AS (SELECT poolid, count(*) AS n FROM lvollst GROUP BY 1) "
	    "SELECT p.poolid, p.poolname, COALESCE(p.parent, 0), p.quota_gib, "
	    " t.used_gib, COALESCE(ds.cap, 0), COALESCE(ds.avail, 0), "
	    " COALESCE(vc.n, 0) FROM pool p JOIN ps ON ps.poolid = p.poolid "
	    "JOIN pool_tree_used t ON t.poolid = p.poolid LEFT JOIN ds ON "
	    "ds.poolid = ps.st LEFT JOIN vc ON vc.poolid = p.poolid "
	    "ORDER BY p.poolid",
	    "d", poolid);

	if (!ret && poolid > 0 && *n == 0)
		ret = -ENOENT;
	return ret;
}

int db_ssvr_set_pool(struct db_tx *tx, int32_t ssvrid, int32_t poolid)
{
	return db_q(tx, NULL,
		    "UPDATE ssvrlst SET poolid = $2 WHERE ssvrid = $1", "dd",
		    ssvrid, poolid);
}

int db_pdsk_set_pool(struct db_tx *tx, int32_t pdskid, int32_t poolid)
{
	return db_q(tx, NULL,
		    "UPDATE pdsklst SET poolid = $2 WHERE pdskid = $1", "dd",
		    pdskid, poolid);
}

int db_ssvr_set_domain(struct db_tx *tx, int32_t ssvrid, const char *domain)
{
	int ret = 0;

	if (*domain)
		ret = db_q(tx, NULL,
			   "INSERT INTO fdomain (name) VALUES ($1) ON CONFLICT "
			   "(name) DO NOTHING",
			   "s", domain);
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE ssvrlst SET domainid = (SELECT domainid "
			   "FROM fdomain WHERE name = $2) WHERE ssvrid = $1",
			   "ds", ssvrid, domain);
	/* A domain no server names is forgotten. */
	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM fdomain f WHERE NOT EXISTS (SELECT 1 "
			   "FROM ssvrlst s WHERE s.domainid = f.domainid)",
			   NULL);
	return ret;
}
