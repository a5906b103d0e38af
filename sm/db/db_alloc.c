/* SQL of leg placement: allocatable disks, domains, extents taken. */
#include "db_alloc.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

/* A server in no failure domain is a domain of its own (issue 16). */
#define DOMAIN_KEY                                                             \
	"CASE WHEN s.domainid IS NULL THEN s.ssvrid ELSE -s.domainid END "

int db_alloc_pool_load(struct db_tx *tx, int32_t storage,
		       struct alloc_pool *pool)
{
	PGresult *r;
	int ret, i;

	ret = db_q(
	    tx, &r,
	    "SELECT p.pdskid, p.ssvrid, p.capacity, f.free_vb, "
	    " (SELECT d.capacity FROM dskmap d WHERE d.pdskid = p.pdskid "
	    "  AND d.status = $1 ORDER BY d.capacity DESC LIMIT 1), " DOMAIN_KEY
	    ", COALESCE(p.poolid, s.poolid) "
	    "FROM pdsklst p JOIN pdsk_free f ON f.pdskid = p.pdskid "
	    "JOIN ssvrlst s ON s.ssvrid = p.ssvrid "
	    "WHERE f.free_vb > 0 AND p.priority IN ($2, $3) AND "
	    "s.priority IN ($2, $3) AND ($4 = 0 OR "
	    "COALESCE(p.poolid, s.poolid) = $4) ORDER BY p.ssvrid, "
	    "p.pdskid",
	    "dddd", EXT_FREE, PRIO_HIGH, PRIO_LOW, storage);
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
		d->domain = (int32_t)db_l(r, i, 5);
		d->poolid = (int32_t)db_l(r, i, 6);
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
