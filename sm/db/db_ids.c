/* Gap-free id counters in idtable (sm.md 2.5, M5, M22). */
#include "db_priv.h"

#include <errno.h>
#include <stdlib.h>

#define COUNTER_SQL                                                            \
	"SELECT id, maxid, rotate::int FROM idtable WHERE type = $1 FOR "      \
	"UPDATE"

/*
 * A counter is read once per transaction (its row then stays locked, and
 * the mutation lock keeps every other writer out); later ids are handed
 * out from the copy, each store still written to the table.
 */
static int read_counter(struct db_tx *tx, enum db_idtype type, int64_t *id,
			int64_t *maxid, int *rotate)
{
	struct db_counter *c = &tx->counter[type];
	PGresult *r;
	int ret;

	if (!c->known) {
		ret = c->ticket > 0 ? db_answer(tx, c->ticket - 1, &r)
				    : db_q(tx, &r, COUNTER_SQL, "d", (int)type);
		c->ticket = 0;
		if (ret)
			return ret;
		if (PQntuples(r) != 1) {
			PQclear(r);
			return -EIO;
		}
		c->id = db_l(r, 0, 0);
		c->maxid = db_l(r, 0, 1);
		c->rotate = (int)db_l(r, 0, 2);
		c->known = true;
		PQclear(r);
	}
	*id = c->id;
	*maxid = c->maxid;
	*rotate = c->rotate;
	return 0;
}

int db_genid_ask(struct db_tx *tx, enum db_idtype type)
{
	struct db_counter *c = &tx->counter[type];
	int ret, ticket;

	if (c->known || c->ticket > 0)
		return tx->failed;
	ret = db_ask(tx, &ticket, COUNTER_SQL, "d", (int)type);
	if (!ret)
		c->ticket = ticket + 1;
	return ret;
}

/*
 * The counter's next value, written once, just before COMMIT
 * (db_counters_store): a transaction that takes several ids pays one
 * UPDATE, and the row is locked by the read anyway.
 */
static int store_counter(struct db_tx *tx, enum db_idtype type, int64_t id)
{
	tx->counter[type].id = id;
	tx->counter[type].dirty = true;
	return tx->failed;
}

int db_counters_store(struct db_tx *tx)
{
	int ret = tx->failed, type;

	for (type = 0; !ret && type < DB_ID_COUNTERS; type++) {
		struct db_counter *c = &tx->counter[type];

		if (!c->dirty)
			continue;
		ret =
		    db_q(tx, NULL, "UPDATE idtable SET id = $2 WHERE type = $1",
			 "dl", type, c->id);
		c->dirty = false;
	}
	return ret;
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

static int used_events(struct db_tx *tx, int64_t lo, int64_t hi, PGresult **r)
{
	return db_q(tx, r,
		    "SELECT eventid FROM shred WHERE eventid BETWEEN $1 AND $2 "
		    "UNION SELECT eventid FROM resync WHERE eventid BETWEEN $1 "
		    "AND $2 UNION SELECT eventid FROM attach WHERE eventid "
		    "BETWEEN $1 AND $2 ORDER BY 1",
		    "ll", lo, hi);
}

int db_genid_events(struct db_tx *tx, int n, int32_t *out)
{
	int64_t id, maxid, scanned = 0;
	int rotate, ret, got = 0;

	ret = read_counter(tx, DB_ID_EVENT, &id, &maxid, &rotate);
	while (!ret && got < n) {
		int64_t hi, x;
		PGresult *r;
		int k = 0;

		if (id >= maxid) {
			if (!rotate)
				return -ENOSPC;
			id = 1; /* the wrap never hands out 1 twice (M22) */
		}
		if (scanned >= maxid)
			return -ENOSPC; /* every id in use */
		/* One look at a window a little wider than what is needed. */
		hi = id + (n - got) + 64;
		if (hi > maxid - 1)
			hi = maxid - 1;
		ret = used_events(tx, id, hi, &r);
		if (ret)
			return ret;
		for (x = id; x <= hi && got < n; x++) {
			while (k < PQntuples(r) && db_l(r, k, 0) < x)
				k++;
			if (k < PQntuples(r) && db_l(r, k, 0) == x)
				continue;
			out[got++] = (int32_t)x;
		}
		PQclear(r);
		scanned += x - id;
		id = x;
	}
	return ret ? ret : store_counter(tx, DB_ID_EVENT, id);
}

int db_events_fill(struct db_tx *tx, void *rows, size_t stride, int n,
		   size_t id_offset)
{
	int32_t *fresh;
	int need = 0, ret, i, k = 0;

	for (i = 0; i < n; i++)
		need += *(int32_t *)((char *)rows + (size_t)i * stride +
				     id_offset) == 0;
	if (!need)
		return 0;
	fresh = calloc((size_t)need, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	ret = db_genid_events(tx, need, fresh);
	for (i = 0; !ret && i < n; i++) {
		int32_t *id =
		    (int32_t *)((char *)rows + (size_t)i * stride + id_offset);

		if (!*id)
			*id = fresh[k++];
	}
	free(fresh);
	return ret;
}

int db_genid_block(struct db_tx *tx, enum db_idtype type, int n, int32_t *first)
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
