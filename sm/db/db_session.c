/*
 * One pooled connection: making it (with the session settings), closing
 * it, replacing it after it broke, and the statements prepared on it.
 */
#include "db_priv.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A connection that could not be made is tried again once after this. */
#define DB_RETRY_WAIT_MS 1000

void db_target_down(struct db_target *t, const char *why)
{
	if (!atomic_exchange(&t->down, true))
		log_err("database unreachable: %s", why);
}

void db_target_up(struct db_target *t)
{
	if (atomic_exchange(&t->down, false))
		log_info("database reachable again");
}

PGconn *db_connect(struct db_target *t)
{
	struct db_params p;
	PGconn *c;
	PGresult *r;

	db_params_init(&p, t->dsn, 5);
	c = db_params_connect(&p);

	if (PQstatus(c) != CONNECTION_OK) {
		db_target_down(t, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	/* JIT compiles a plan in ~9 ms; no query of ours runs long enough. */
	r = PQexec(c, "SET jit = off");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		log_warn("SET jit = off: %s", PQerrorMessage(c));
	PQclear(r);
	db_target_up(t);
	return c;
}

int db_reconnect(struct db_tx *tx)
{
	db_session_close(tx->s);
	tx->s->conn = db_connect(tx->target);
	if (!tx->s->conn) {
		/* Away, or restarting (which takes about a second). */
		vas_sleep_ms(DB_RETRY_WAIT_MS);
		tx->s->conn = db_connect(tx->target);
	}
	tx->conn = tx->s->conn;
	tx->failed = 0;
	tx->lost = !tx->conn;
	return tx->conn ? 0 : -EAGAIN;
}

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

/* The table slot for sql: its entry, or the free slot to use (NULL: full). */
static struct db_stmt *find(struct db_session *s, const char *sql, uint64_t h,
			    int *idx)
{
	struct db_stmt *e;
	int i;

	for (i = 0; i < STMT_SLOTS; i++) {
		*idx = (int)((h + (uint64_t)i) % STMT_SLOTS);
		e = &s->stmts[*idx];
		if (!e->hash || (e->hash == h && !strcmp(e->sql, sql)))
			return e;
	}
	return NULL;
}

/*
 * The prepared statement for sql on this connection, preparing it on
 * first use (prepare: false only looks); NULL when it must run unprepared
 * (table full, no memory, not prepared yet). When preparing failed, *err
 * holds the statement's own error.
 */
const char *db_session_prepared(struct db_session *s, const char *sql, int n,
				bool prepare, PGresult **err)
{
	uint64_t h = hash_sql(sql);
	struct db_stmt *e;
	PGresult *r;
	int idx;

	*err = NULL;
	if (!s->stmts) {
		s->stmts = calloc(STMT_SLOTS, sizeof(*s->stmts));
		if (!s->stmts)
			return NULL;
	}
	e = find(s, sql, h, &idx);
	if (e && e->hash)
		return e->name;
	if (!e || !prepare || !(e->sql = strdup(sql)))
		return NULL;
	snprintf(e->name, sizeof(e->name), "s%d", idx);
	r = PQprepare(s->conn, e->name, sql, n, NULL);
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
