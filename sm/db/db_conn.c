/* Connection pool, transactions, the query helper and schema migrations. */
#include "db_fence.h"
#include "db_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* pg_advisory_xact_lock key of every mutating transaction ("VAS"). */
#define DB_MUTATE_LOCK 0x564153

struct db {
	char *dsn;
	int size;
	PGconn **conns;
	bool *busy;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

static PGconn *connect_one(const char *dsn)
{
	PGconn *c = PQconnectdb(dsn);

	if (PQstatus(c) != CONNECTION_OK) {
		log_err("database connection failed: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

int db_open(const char *dsn, int pool_size, struct db **out)
{
	struct db *db = calloc(1, sizeof(*db));
	PGconn *probe;

	if (!db)
		return -ENOMEM;
	db->dsn = strdup(dsn);
	db->size = pool_size > 0 ? pool_size : 8;
	db->conns = calloc((size_t)db->size, sizeof(*db->conns));
	db->busy = calloc((size_t)db->size, sizeof(*db->busy));
	if (!db->dsn || !db->conns || !db->busy) {
		db_close(db);
		return -ENOMEM;
	}
	pthread_mutex_init(&db->lock, NULL);
	pthread_cond_init(&db->freed, NULL);
	/* Fail early when the database is unreachable at start-up. */
	probe = connect_one(dsn);
	if (!probe) {
		db_close(db);
		return -EIO;
	}
	db->conns[0] = probe;
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	int i;

	if (!db)
		return;
	for (i = 0; db->conns && i < db->size; i++)
		if (db->conns[i])
			PQfinish(db->conns[i]);
	free(db->conns);
	free(db->busy);
	free(db->dsn);
	pthread_mutex_destroy(&db->lock);
	pthread_cond_destroy(&db->freed);
	free(db);
}

static int checkout(struct db *db)
{
	int i;

	pthread_mutex_lock(&db->lock);
	for (;;) {
		for (i = 0; i < db->size; i++)
			if (!db->busy[i]) {
				db->busy[i] = true;
				pthread_mutex_unlock(&db->lock);
				return i;
			}
		pthread_cond_wait(&db->freed, &db->lock);
	}
}

static void checkin(struct db *db, int slot)
{
	pthread_mutex_lock(&db->lock);
	db->busy[slot] = false;
	pthread_cond_signal(&db->freed);
	pthread_mutex_unlock(&db->lock);
}

/* A usable connection for the slot, reconnecting after an outage. */
static PGconn *slot_conn(struct db *db, int slot)
{
	PGconn *c = db->conns[slot];

	if (c && PQstatus(c) == CONNECTION_OK)
		return c;
	if (c) {
		PQfinish(c);
		db->conns[slot] = NULL;
	}
	db->conns[slot] = connect_one(db->dsn);
	return db->conns[slot];
}

static int map_error(const PGresult *res, PGconn *conn, const char *sql)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (state && !strcmp(state, "23505"))
		return -EEXIST;
	if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01")))
		return -EAGAIN;
	log_err("SQL failed (%s): %.120s", PQerrorMessage(conn), sql);
	return -EIO;
}

int db_vq(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	  va_list ap)
{
	const char *values[16];
	char bufs[16][24];
	int n = 0, ret = 0;
	PGresult *r;

	if (res)
		*res = NULL;
	if (tx->failed)
		return -EIO;
	for (; fmt && *fmt && n < 16; fmt++, n++) {
		switch (*fmt) {
		case 'd':
			snprintf(bufs[n], sizeof(bufs[n]), "%d",
				 va_arg(ap, int));
			values[n] = bufs[n];
			break;
		case 'l':
			snprintf(bufs[n], sizeof(bufs[n]), "%lld",
				 (long long)va_arg(ap, int64_t));
			values[n] = bufs[n];
			break;
		default:
			values[n] = va_arg(ap, const char *);
			break;
		}
	}
	r = PQexecParams(tx->conn, sql, n, NULL, values, NULL, NULL, 0);
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK:
		break;
	default:
		ret = map_error(r, tx->conn, sql);
		tx->failed = 1;
		PQclear(r);
		return ret;
	}
	if (res)
		*res = r;
	else
		PQclear(r);
	return 0;
}

int db_q(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	 ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = db_vq(tx, res, sql, fmt, ap);
	va_end(ap);
	return ret;
}

int db_rows_from(const PGresult *r, void **rows, int *n, size_t elem_size,
		 void (*fill)(const PGresult *, int, void *))
{
	int i;

	*rows = calloc((size_t)PQntuples(r) + 1, elem_size);
	*n = 0;
	if (!*rows)
		return -ENOMEM;
	for (i = 0; i < PQntuples(r); i++)
		fill(r, i, (char *)*rows + (size_t)i * elem_size);
	*n = PQntuples(r);
	return 0;
}

int db_rows(struct db_tx *tx, void **rows, int *n, size_t elem_size,
	    void (*fill)(const PGresult *, int, void *), const char *sql,
	    const char *fmt, ...)
{
	PGresult *r;
	va_list ap;
	int ret;

	*rows = NULL;
	*n = 0;
	va_start(ap, fmt);
	ret = db_vq(tx, &r, sql, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = db_rows_from(r, rows, n, elem_size, fill);
	PQclear(r);
	return ret;
}

int64_t db_l(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col)
		   ? 0
		   : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

const char *db_s(const PGresult *r, int row, int col)
{
	return PQgetvalue(r, row, col);
}

static void release(struct db_tx *tx)
{
	checkin(tx->db, tx->slot);
	free(tx);
}

int db_begin(struct db *db, bool mutating, struct db_tx **out)
{
	struct db_tx *tx = calloc(1, sizeof(*tx));
	int ret, attempt;

	if (!tx)
		return -ENOMEM;
	tx->db = db;
	tx->slot = checkout(db);
	/* A pooled connection may have died with the server: reconnect once. */
	for (attempt = 0; attempt < 2; attempt++) {
		tx->failed = 0;
		tx->conn = slot_conn(db, tx->slot);
		if (!tx->conn) {
			ret = -EIO;
			break;
		}
		ret = db_q(tx, NULL, "BEGIN", NULL);
		if (!ret)
			break;
		/*
		 * BEGIN fails only on a connection the server dropped, even
		 * when libpq has not noticed yet (admin shutdown notice).
		 */
		PQfinish(db->conns[tx->slot]);
		db->conns[tx->slot] = NULL;
		tx->conn = NULL;
	}
	if (!ret && mutating)
		ret = db_q(tx, NULL, "SELECT pg_advisory_xact_lock($1)", "d",
			   DB_MUTATE_LOCK);
	/* A worker of a lost leadership changes nothing (issue 15). */
	if (!ret && mutating)
		ret = db_fence_check(tx);
	if (ret) {
		if (tx->conn)
			db_rollback(tx);
		else
			release(tx);
		return ret;
	}
	*out = tx;
	return 0;
}

int db_commit(struct db_tx *tx)
{
	int ret;

	if (tx->failed) {
		db_rollback(tx);
		return -EIO;
	}
	ret = db_q(tx, NULL, "COMMIT", NULL);
	release(tx);
	return ret;
}

void db_rollback(struct db_tx *tx)
{
	PGresult *r;

	if (!tx)
		return;
	if (PQstatus(tx->conn) == CONNECTION_OK) {
		r = PQexec(tx->conn, "ROLLBACK");
		PQclear(r);
	}
	release(tx);
}

int db_migrate(struct db *db)
{
	struct db_tx *tx = NULL;
	PGresult *r = NULL;
	int ret, i;

	ret = db_begin(db, true, &tx);
	if (ret)
		return ret;
	ret = db_q(tx, NULL,
		   "CREATE TABLE IF NOT EXISTS schema_version ("
		   "name text PRIMARY KEY, applied timestamptz NOT NULL "
		   "DEFAULT now())",
		   NULL);
	for (i = 0; !ret && db_migrations[i].name; i++) {
		ret =
		    db_q(tx, &r, "SELECT 1 FROM schema_version WHERE name = $1",
			 "s", db_migrations[i].name);
		if (ret)
			break;
		if (PQntuples(r) == 0) {
			PGresult *m = PQexec(tx->conn, db_migrations[i].sql);

			if (PQresultStatus(m) != PGRES_COMMAND_OK &&
			    PQresultStatus(m) != PGRES_TUPLES_OK) {
				log_err("migration %s failed: %s",
					db_migrations[i].name,
					PQerrorMessage(tx->conn));
				ret = -EIO;
				tx->failed = 1;
			} else {
				log_info("applied migration %s",
					 db_migrations[i].name);
				ret = db_q(tx, NULL,
					   "INSERT INTO schema_version (name) "
					   "VALUES ($1)",
					   "s", db_migrations[i].name);
			}
			PQclear(m);
		}
		PQclear(r);
		r = NULL;
	}
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	return db_commit(tx);
}
