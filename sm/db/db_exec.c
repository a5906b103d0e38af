/*
 * Running one statement: parameters as text, the statement prepared once
 * per connection (db_session.c), statements whose result nobody reads
 * sent ahead, failures turned into errno codes, result rows copied out.
 */
#include "db_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool connection_lost(const PGresult *res, PGconn *conn)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	/*
	 * The server sends a SQLSTATE with every error; one without comes
	 * from libpq itself ("server closed the connection unexpectedly",
	 * also while PQstatus still says OK). 08: connection exception;
	 * 57P0x: the server shuts down.
	 */
	return PQstatus(conn) != CONNECTION_OK || !state ||
	       !strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
	       !strcmp(state, "57P02") || !strcmp(state, "57P03");
}

int db_fail(struct db_tx *tx, const PGresult *res, const char *sql)
{
	const char *state =
	    res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int ret;

	if (connection_lost(res, tx->conn)) {
		tx->lost = true;
		db_target_down(tx->target, PQerrorMessage(tx->conn));
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

/* The next statement's result in the pipeline (its NULL read), or NULL. */
static PGresult *next_result(struct db_tx *tx)
{
	PGresult *r = PQgetResult(tx->conn), *end;

	if (r && PQresultStatus(r) != PGRES_PIPELINE_SYNC)
		while ((end = PQgetResult(tx->conn)))
			PQclear(end);
	return r;
}

/* After a failure: the skipped statements' results up to the sync point. */
static void drain(struct db_tx *tx)
{
	bool after_result = false;
	PGresult *r;

	while (!tx->lost) {
		r = PQgetResult(tx->conn);
		if (!r) {
			if (!after_result)
				break; /* nothing more will come */
			after_result = false;
			continue;
		}
		after_result = true;
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		PQclear(r);
	}
}

/*
 * Ends the pipeline: reads the deferred statements' results and then
 * last's (sent after them; its result goes to *res). Returns 0 or the
 * first failure's errno, recorded in tx.
 */
static int pipeline_end(struct db_tx *tx, const char *last, PGresult **res)
{
	int ret = 0, i, n = tx->piped + (last ? 1 : 0);
	PGresult *r;

	*res = NULL;
	if (!PQpipelineSync(tx->conn))
		ret = db_fail(tx, NULL, "pipeline sync");
	for (i = 0; !ret && i < n; i++) {
		const char *sql = i < tx->piped ? tx->piped_sql[i] : last;
		PGresult **dest = i < tx->piped ? tx->piped_dest[i] : res;

		r = next_result(tx);
		if (!r || PQresultStatus(r) == PGRES_FATAL_ERROR)
			ret = db_fail(tx, r, sql);
		if (!ret && dest && (i < tx->piped || last))
			*dest = r;
		else
			PQclear(r);
	}
	if (ret)
		drain(tx);
	else
		PQclear(next_result(tx)); /* the sync point */
	tx->piped = 0;
	if (!tx->lost && !PQexitPipelineMode(tx->conn) && !ret)
		ret = db_fail(tx, NULL, "pipeline end");
	if (ret && *res) {
		PQclear(*res);
		*res = NULL;
	}
	return ret;
}

int db_flush(struct db_tx *tx)
{
	PGresult *r;

	return tx->piped ? pipeline_end(tx, NULL, &r) : tx->failed;
}

PGresult *db_exec_last(struct db_tx *tx, const char *sql)
{
	PGresult *r = NULL;

	if (!tx->piped)
		return PQexec(tx->conn, sql);
	if (!PQsendQueryParams(tx->conn, sql, 0, NULL, NULL, NULL, NULL, 0))
		db_fail(tx, NULL, sql);
	pipeline_end(tx, sql, &r);
	return r;
}

/*
 * A statement of a mutating transaction whose result nobody reads is only
 * sent: it travels with the next one that is read (or COMMIT), saving a
 * round trip each while the manager's lock is held. An error is reported
 * there; the transaction is lost either way.
 */
static bool defer(struct db_tx *tx, const char *sql, int n,
		  const char *const *values, PGresult **dest)
{
	const char *name;
	PGresult *err;

	name = db_session_prepared(tx->s, sql, n, false, &err);
	if (!name || (tx->piped == DB_MAX_PIPED && db_flush(tx)))
		return false;
	if (!tx->piped && !PQenterPipelineMode(tx->conn))
		return false;
	if (!PQsendQueryPrepared(tx->conn, name, n, values, NULL, NULL, 0)) {
		db_fail(tx, NULL, sql);
		tx->lost = true; /* half sent: never reuse it */
		return true;
	}
	tx->piped_dest[tx->piped] = dest;
	tx->piped_sql[tx->piped++] = sql;
	return true;
}

/* Sends the statement after the deferred ones: its result, or NULL to run
 * it alone (not prepared yet). */
static PGresult *run_piped(struct db_tx *tx, const char *sql, int n,
			   const char *const *values)
{
	PGresult *r = NULL, *err;
	const char *name = db_session_prepared(tx->s, sql, n, false, &err);

	if (!name)
		return db_flush(tx)
			   ? PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR)
			   : NULL;
	if (!PQsendQueryPrepared(tx->conn, name, n, values, NULL, NULL, 0))
		db_fail(tx, NULL, sql);
	if (pipeline_end(tx, sql, &r))
		return PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
	return r;
}

static PGresult *run(struct db_tx *tx, const char *sql, int n,
		     const char *const *values)
{
	const char *name;
	PGresult *r;

	if (tx->piped) {
		r = run_piped(tx, sql, n, values);
		if (r)
			return r;
	}
	name = db_session_prepared(tx->s, sql, n, true, &r);
	if (name)
		return PQexecPrepared(tx->conn, name, n, values, NULL, NULL, 0);
	if (r) /* the statement itself is wrong */
		return r;
	return PQexecParams(tx->conn, sql, n, NULL, values, NULL, NULL, 0);
}

/* The parameters as text: values point into bufs or at the strings. */
static int bind_params(const char *fmt, va_list ap, const char **values,
		       char (*bufs)[24])
{
	int n = 0;

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
	return n;
}

/* Runs a statement now (after what was sent ahead of it). */
static int run_now(struct db_tx *tx, PGresult **res, const char *sql, int n,
		   const char *const *values)
{
	int ret = 0, attempt;
	PGresult *r;

	for (attempt = 0;; attempt++) {
		r = run(tx, sql, n, values);
		if (tx->failed) { /* a deferred statement failed */
			PQclear(r);
			return tx->failed;
		}
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

int db_vq(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	  va_list ap)
{
	const char *values[16];
	char bufs[16][24];
	int n;

	if (res)
		*res = NULL;
	if (tx->failed)
		return tx->failed;
	n = bind_params(fmt, ap, values, bufs);
	if (!res && tx->mutating && defer(tx, sql, n, values, NULL))
		return tx->failed;
	return run_now(tx, res, sql, n, values);
}

int db_ask(struct db_tx *tx, int *ticket, const char *sql, const char *fmt, ...)
{
	const char *values[16];
	char bufs[16][24];
	va_list ap;
	int n, t;

	*ticket = -1;
	if (tx->failed)
		return tx->failed;
	for (t = 0; t < DB_MAX_ASKS && tx->asked[t]; t++)
		;
	if (t == DB_MAX_ASKS) {
		log_err("db_ask: more than %d reads in flight", DB_MAX_ASKS);
		return -ENOMEM;
	}
	va_start(ap, fmt);
	n = bind_params(fmt, ap, values, bufs);
	va_end(ap);
	tx->asked[t] = true;
	tx->answers[t] = NULL;
	*ticket = t;
	if (tx->mutating && defer(tx, sql, n, values, &tx->answers[t]))
		return tx->failed;
	return run_now(tx, &tx->answers[t], sql, n, values);
}

int db_answer(struct db_tx *tx, int ticket, PGresult **res)
{
	*res = NULL;
	if (ticket < 0 || ticket >= DB_MAX_ASKS || !tx->asked[ticket])
		return tx->failed ? tx->failed : -EIO;
	if (!tx->answers[ticket] && tx->piped)
		(void)db_flush(tx);
	*res = tx->answers[ticket];
	tx->answers[ticket] = NULL;
	tx->asked[ticket] = false;
	if (*res)
		return 0;
	return tx->failed ? tx->failed : -EIO;
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
