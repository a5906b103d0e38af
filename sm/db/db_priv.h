/* Internals of sm/db/: query helper shared by the db_*.c files. */
#ifndef VAS_DB_PRIV_H
#define VAS_DB_PRIV_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_migration {
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];

/*
 * pg_advisory_xact_lock key of every mutating transaction ("VAS"); a new
 * leadership takes it too, to change the epoch between two of them.
 */
#define DB_MUTATE_LOCK "5652819"
/* Notified by sql/013's triggers when shred work may start (db_leader.h). */
#define DB_SHRED_WORK_CHANNEL "vas_shred_work"

/* Statements of a transaction sent before their results are read. */
#define DB_MAX_PIPED 64
/* Id counter types (enum db_idtype) a transaction keeps a copy of. */
#define DB_ID_COUNTERS 8
/* Reads of a transaction sent ahead and not answered yet (db_ask). */
#define DB_MAX_ASKS 16

/* Where connections go, and whether the server was last seen away. */
struct db_target {
	char *dsn;
	atomic_bool down; /* for the log: one line per outage */
};

/* One pooled connection and the statements prepared on it (db_session.c). */
struct db_stmt;
struct db_session {
	PGconn *conn;
	struct db_stmt *stmts; /* NULL until the first statement */
};
/*
 * The keywords of a new connection (db_params.c): connect_timeout and the
 * TCP bounds of db_set_tcp_timeout(), then the dsn (whose own settings
 * win over those), then what db_params_add() adds (winning over the dsn).
 */
#define DB_PARAMS_MAX 12
struct db_params {
	const char *keys[DB_PARAMS_MAX + 1];
	const char *vals[DB_PARAMS_MAX + 1];
	int n;
	char num[5][16];
};
void db_params_init(struct db_params *p, const char *dsn, int connect_s);
void db_params_add(struct db_params *p, const char *key, const char *val);
/* PQconnectdbParams() of them (never NULL but on OOM: check PQstatus). */
PGconn *db_params_connect(const struct db_params *p);

/* A new connection with the session settings, or NULL (logged once). */
PGconn *db_connect(struct db_target *t);
/* Closes the connection and forgets its statements. */
void db_session_close(struct db_session *s);
/*
 * The name of sql prepared on s, preparing it first unless prepare is
 * false; NULL when it must run unprepared (not prepared yet, table full,
 * no memory). When preparing failed, *err holds the statement's error.
 */
const char *db_session_prepared(struct db_session *s, const char *sql, int n,
				bool prepare, PGresult **err);
/* The server was found unreachable / reachable; logs the changes. */
void db_target_down(struct db_target *t, const char *why);
void db_target_up(struct db_target *t);

struct db_tx {
	struct db *db;
	struct db_target *target;
	struct db_session *s;
	PGconn *conn; /* s->conn */
	int slot;
	bool mutating;	 /* else read-only: statements run one by one */
	bool locked;	 /* the mutation lock is sent (db_lock) */
	bool foreground; /* counted for db_give_way() until released */
	int failed;	 /* 0, or what every later statement returns */
	bool lost;	 /* the connection broke: it is dropped at the end */
	int64_t xid; /* of a mutating transaction: a lost commit's outcome */
	/* Its server's start: an xid is only asked of the same server run. */
	char server_start[48];
	/* Sent but not yet read (libpq pipeline mode), see db_exec.c. */
	int piped;
	const char *piped_sql[DB_MAX_PIPED];
	PGresult **piped_dest[DB_MAX_PIPED]; /* where a wanted result goes */
	/*
	 * A mutating transaction's BEGIN and lock travel with its first
	 * statements; this is the lock's row (xid, server start) once read.
	 */
	PGresult *begin_res;
	/* Answers to db_ask(), by ticket. */
	PGresult *answers[DB_MAX_ASKS];
	bool asked[DB_MAX_ASKS];
	/* Id counters read in this transaction (row locked), by type. */
	struct db_counter {
		bool known, dirty; /* dirty: id not yet written back */
		int ticket; /* > 0: ticket + 1 of db_genid_ask()'s read */
		int64_t id, maxid;
		int rotate;
	} counter[DB_ID_COUNTERS];
};

/* Writes back the id counters the transaction moved (before COMMIT). */
int db_counters_store(struct db_tx *tx);

/*
 * Reads what statements were only sent (db_exec.c defers those whose
 * result nobody reads); 0 or the first failure's errno. Required before
 * any PQexec on tx->conn.
 */
int db_flush(struct db_tx *tx);
/* PQexec(sql) sent after the deferred statements, in one round trip;
 * NULL when one of them failed (recorded in tx). */
PGresult *db_exec_last(struct db_tx *tx, const char *sql);

/*
 * Records a failed statement in tx and returns its errno: -EEXIST for a
 * unique violation, -EAGAIN for a serialisation failure or a lost
 * connection (tx->lost), -EIO for anything else (logged).
 */
int db_fail(struct db_tx *tx, const PGresult *res, const char *sql);
/*
 * A new connection for tx's slot after the old one was lost; if the
 * server cannot be reached, waits a second for it once. 0 or -EAGAIN.
 */
int db_reconnect(struct db_tx *tx);

/*
 * A read sent ahead: it travels with the transaction's next round trip
 * (in a mutating transaction; elsewhere it runs at once), and its result
 * is taken with db_answer(ticket). What the transaction sends before it
 * is seen by it, what comes after is not. Results never taken are freed
 * with the transaction.
 */
int db_ask(struct db_tx *tx, int *ticket, const char *sql, const char *fmt,
	   ...);
/* The result of db_ask(ticket), which the caller PQclear()s; 0 or the
 * transaction's failure. */
int db_answer(struct db_tx *tx, int ticket, PGresult **res);
/*
 * Runs one parameterised statement. fmt has one letter per parameter:
 * 'd' int, 'l' int64_t, 's' string (NULL = SQL NULL). *res (optional)
 * receives the result, which the caller PQclear()s. Returns 0 or a
 * negative errno (see db.h).
 */
int db_q(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	 ...);
int db_vq(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	  va_list ap);
/*
 * Runs a query and turns every result row into one element (elem_size
 * bytes) of a calloc'd array via fill(result, row, element). The caller
 * frees *rows.
 */
int db_rows(struct db_tx *tx, void **rows, int *n, size_t elem_size,
	    void (*fill)(const PGresult *, int, void *), const char *sql,
	    const char *fmt, ...);
/* The first row into *row via fill(); -ENOENT when there is none. */
int db_row(struct db_tx *tx, void *row,
	   void (*fill)(const PGresult *, int, void *), const char *sql,
	   const char *fmt, ...);
/* The same for the answer to db_ask(ticket). */
int db_row_answer(struct db_tx *tx, int ticket, void *row,
		  void (*fill)(const PGresult *, int, void *));
/* A db_row filler: the first column as an int. */
void db_fill_int(const PGresult *r, int i, void *out);
/* The first column of the first row, an id; -ENOENT without one (NULL). */
int db_id(struct db_tx *tx, int32_t *id, const char *sql, const char *fmt, ...);
/* The same for a result already at hand. */
int db_rows_from(const PGresult *r, void **rows, int *n, size_t elem_size,
		 void (*fill)(const PGresult *, int, void *));
/*
 * The array literal "{v0,v1,...}" of get(element) over n elements stride
 * bytes apart, for batch statements ($1::int[]). Caller frees; NULL when
 * out of memory.
 */
char *db_array(const void *base, size_t stride, int n,
	       int64_t (*get)(const void *elem));
/*
 * Keeps, in order, the rows (stride bytes apart) whose key is among the
 * values of column 0 of r (a batch statement's RETURNING); *n updated.
 */
void db_keep_returned(const PGresult *r, void *rows, size_t stride, int *n,
		      int64_t (*key)(const void *row));
/*
 * A row "lvolid, hsvrid, status, eventid, event_type, assoc_lvolid" of
 * attach into a struct sm_attachment (db_attach.c; the drivers' adoption
 * reads the same columns).
 */
void db_attachment_fill(const PGresult *r, int i, void *elem);
/* Column helpers on a result row. */
int64_t db_l(const PGresult *r, int row, int col);
const char *db_s(const PGresult *r, int row, int col);

#endif
