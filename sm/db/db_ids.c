/* Gap-free id counters in idtable (sm.md 2.5, M5, M22). */
#include "db_priv.h"

#include <errno.h>

static int read_counter(struct db_tx *tx, enum db_idtype type, int64_t *id,
			int64_t *maxid, int *rotate)
{
	PGresult *r;
	int ret;

	ret = db_q(tx, &r,
		   "SELECT id, maxid, rotate::int FROM idtable WHERE type = $1 "
		   "FOR UPDATE",
		   "d", (int)type);
	if (ret)
		return ret;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return -EIO;
	}
	*id = db_l(r, 0, 0);
	*maxid = db_l(r, 0, 1);
	*rotate = (int)db_l(r, 0, 2);
	PQclear(r);
	return 0;
}

static int store_counter(struct db_tx *tx, enum db_idtype type, int64_t id)
{
	return db_q(tx, NULL, "UPDATE idtable SET id = $2 WHERE type = $1",
		    "dl", (int)type, id);
}

/* An event id is in use while a queue row or an operation holds it. */
static int event_in_use(struct db_tx *tx, int64_t lo, int64_t hi, bool *used)
{
	PGresult *r;
	int ret;

	ret = db_q(tx, &r,
		   "SELECT 1 WHERE EXISTS (SELECT 1 FROM shred WHERE eventid "
		   "BETWEEN $1 AND $2) OR EXISTS (SELECT 1 FROM resync WHERE "
		   "eventid BETWEEN $1 AND $2) OR EXISTS (SELECT 1 FROM attach "
		   "WHERE eventid BETWEEN $1 AND $2)",
		   "ll", lo, hi);
	if (ret)
		return ret;
	*used = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

int db_genid(struct db_tx *tx, enum db_idtype type, int32_t *out)
{
	int64_t id, maxid, tries;
	int rotate, ret;
	bool used;

	ret = read_counter(tx, type, &id, &maxid, &rotate);
	if (ret)
		return ret;
	for (tries = 0; tries < maxid; tries++) {
		if (id >= maxid) {
			if (!rotate)
				return -ENOSPC;
			id = 1; /* wrap without handing out 1 twice (M22) */
		}
		used = false;
		if (type == DB_ID_EVENT) {
			ret = event_in_use(tx, id, id, &used);
			if (ret)
				return ret;
		}
		if (!used) {
			*out = (int32_t)id;
			return store_counter(tx, type, id + 1);
		}
		id++;
	}
	return -ENOSPC;
}

int db_genid_block(struct db_tx *tx, enum db_idtype type, int n,
		   int32_t *first)
{
	int64_t id, maxid;
	int rotate, ret;
	bool used = false;

	if (n <= 0)
		return -EINVAL;
	ret = read_counter(tx, type, &id, &maxid, &rotate);
	if (ret)
		return ret;
	if (id + n > maxid) {
		if (!rotate)
			return -ENOSPC;
		/* Near the wrap: hand out one by one. */
		return -EAGAIN;
	}
	if (type == DB_ID_EVENT) {
		ret = event_in_use(tx, id, id + n - 1, &used);
		if (ret)
			return ret;
		if (used)
			return -EAGAIN;
	}
	*first = (int32_t)id;
	return store_counter(tx, type, id + n);
}
