/*
 * Running one statement: parameters as text, each distinct SQL text
 * prepared once per connection (parsed and planned once, not per call),
 * failures turned into errno codes, result rows copied out.
 */
#include "db_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Distinct statements remembered per connection; more run unprepared. */
#define STMT_SLOTS 512

struct db_stmt {
	uint64_t hash; /* 0 = free slot */
	char *sql;
	char name[16];
};

void db_session_close(struct db_session *s)
{
	int i;

	if (s->conn)
		PQfinish(s->conn);
	s->conn = NULL;
	for (i = 0; s->stmts && i < STMT_SLOTS; i++)
		free(s->stmts[i].sql);
	free(s->stmts);
	s->stmts = NULL;
}

static uint64_t hash_sql(const char *sql)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *sql; sql++)
		h = (h ^ (unsigned char)*sql) * 1099511628211ULL;
	return h ? h : 1;
}

/*
 * The prepared statement for sql on this connection, preparing it on
 * first use; NULL when it must run unprepared (table full, no memory).
 * -1 in *err when preparing failed (the statement's own error).
 */
static const char *prepared(struct db_tx *tx, const char *sql, int n,
			    PGresult **err)
{
	struct db_session *s = tx->s;
	uint64_t h = hash_sql(sql);
	struct db_stmt *e = NULL;
	PGresult *r;
	int i, idx;

	*err = NULL;
	if (!s->stmts) {
		s->stmts = calloc(STMT_SLOTS, sizeof(*s->stmts));
		if (!s->stmts)
			return NULL;
	}
	for (i = 0; i < STMT_SLOTS; i++) {
		idx = (int)((h + (uint64_t)i) % STMT_SLOTS);
		e = &s->stmts[idx];
		if (!e->hash)
			break;
		if (e->hash == h && !strcmp(e->sql, sql))
			return e->name;
	}
	if (i == STMT_SLOTS || !(e->sql = strdup(sql)))
		return NULL;
	snprintf(e->name, sizeof(e->name), "s%d", idx);
	r = PQprepare(tx->conn, e->name, sql, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		free(e->sql);
		e->sql = NULL;
		*err = r;
		return NULL;
	}
	PQclear(r);
	e->hash = h;
	return e->name;
}

static bool connection_lost(const PGresult *res, PGconn *conn)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (PQstatus(conn) != CONNECTION_OK)
		return true;
	/* 08: connection exception; 57P0x: the server shuts down. */
	return state && (!strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
			 !strcmp(state, "57P02") || !strcmp(state, "57P03"));
}

int db_fail(struct db_tx *tx, const PGresult *res, const char *sql)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int ret;

	if (connection_lost(res, tx->conn)) {
		tx->lost = true;
		db_note_down(tx->db, PQerrorMessage(tx->conn));
		ret = -EAGAIN;
	} else if (state && !strcmp(state, "23505")) {
		ret = -EEXIST;
	} else if (state &&
		   (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
		ret = -EAGAIN;
	} else {
		log_err("SQL failed (%s): %.120s", PQerrorMessage(tx->conn),
			sql);
		ret = -EIO;
	}
	tx->failed = ret;
	return ret;
}

static PGresult *run(struct db_tx *tx, const char *sql, int n,
		     const char *const *values)
{
	const char *name;
	PGresult *r;

	name = prepared(tx, sql, n, &r);
	if (name)
		return PQexecPrepared(tx->conn, name, n, values, NULL, NULL, 0);
	if (r) /* the statement itself is wrong */
		return r;
	return PQexecParams(tx->conn, sql, n, NULL, values, NULL, NULL, 0);
}

int db_vq(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	  va_list ap)
{
	const char *values[16];
	char bufs[16][24];
	int n = 0, ret = 0, attempt;
	PGresult *r;

	if (res)
		*res = NULL;
	if (tx->failed)
		return tx->failed;
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
	for (attempt = 0;; attempt++) {
		r = run(tx, sql, n, values);
		if (PQresultStatus(r) == PGRES_COMMAND_OK ||
		    PQresultStatus(r) == PGRES_TUPLES_OK)
			break;
		ret = db_fail(tx, r, sql);
		PQclear(r);
		/*
		 * A read stands alone: after a lost connection (a pooled one
		 * the server dropped, or a restart) it simply runs again.
		 */
		if (!tx->lost || tx->mutating || attempt || db_reconnect(tx))
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
