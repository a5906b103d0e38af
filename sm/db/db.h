/*
 * The manager's database: a pool of libpq connections and transactions.
 * The only module that includes libpq-fe.h is sm/db/. Errors: -EEXIST for
 * a unique violation; -EAGAIN for a serialisation failure, or when the
 * database is unreachable (nothing of the transaction was committed, so
 * the caller may try again); -EIO when a statement fails (logged once
 * here).
 */
#ifndef VAS_SM_DB_H
#define VAS_SM_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct db;
struct db_tx;

/*
 * How long (ms) a PostgreSQL that acknowledges nothing - not even TCP
 * keepalive probes - may hold any connection made from now on before it
 * is given up; 0 leaves the system's TCP defaults. Default below.
 */
#define DB_TCP_TIMEOUT_MS 10000
void db_set_tcp_timeout(int ms);
int db_open(const char *dsn, int pool_size, struct db **out);
void db_close(struct db *db);
/* Pool size and connections in use now (for /metrics). */
void db_pool_usage(struct db *db, int *size, int *busy);
/* Creates or upgrades the schema, then runs db_analyze(); idempotent. */
int db_migrate(struct db *db);
/* Refreshes the planner's statistics of every table. */
int db_analyze(struct db *db);

/*
 * Starts a transaction on a pooled connection. A mutating transaction
 * takes the manager's advisory lock first, so state changes are
 * serialised in the database (never across network I/O).
 */
int db_begin(struct db *db, bool mutating, struct db_tx **tx);
/*
 * A mutating transaction that reads first and takes the advisory lock only
 * at db_lock(), so the lock is held for less time. Every write goes after
 * db_lock(); what was read before it may be stale and must be checked
 * again under the lock (or the work redone with db_begin()).
 */
int db_begin_unlocked(struct db *db, struct db_tx **tx);
/*
 * A mutating transaction of background work (the shred engine), which
 * gives way to the others with db_give_way() before it begins.
 */
int db_begin_background(struct db *db, struct db_tx **tx);
/*
 * Waits until no other mutating transaction of this process is open and
 * none ended in the last recent_ms (one of an operation of several may
 * follow), at most max_ms: the mutation lock is granted in turn, so an
 * API write that arrives while background work waits for it would wait
 * for that work's transaction too. Returns the ms waited.
 */
int db_give_way(struct db *db, int recent_ms, int max_ms);
/* Whether db_give_way() would wait now. */
bool db_others_writing(struct db *db, int recent_ms);
/* Takes the lock (sent with the next round trip); a no-op when held. */
int db_lock(struct db_tx *tx);
/* Commits and returns the connection; 0 or -EIO. */
int db_commit(struct db_tx *tx);
/* Rolls back and returns the connection. NULL is a no-op. */
void db_rollback(struct db_tx *tx);
/*
 * Ends tx with the outcome of the work done in it: commits when ret is 0,
 * else rolls back. Returns ret, or the commit's error.
 */
int db_end(struct db_tx *tx, int ret);
/* Runs fn in a transaction of its own, ended by db_end(). */
int db_run(struct db *db, bool mutating, int (*fn)(struct db_tx *, void *),
	   void *arg);

/*
 * A token of the database's committed state (malloc'd text), or NULL when
 * it cannot be read: equal tokens, no commit in between (db_state.c).
 */
char *db_state_token(struct db *db);

/* Id counters (sm.md 2.5): gap-free, inside the caller's transaction. */
enum db_idtype {
	DB_ID_HSVR = 1,
	DB_ID_LVOL = 2,
	DB_ID_PDSK = 3,
	DB_ID_SSVR = 4,
	DB_ID_EVENT = 5,
	DB_ID_POOL = 6, /* storage pools (sql/002_pools.sql) */
};
/* Reads the counter ahead, with the transaction's next round trip. */
int db_genid_ask(struct db_tx *tx, enum db_idtype type);
/* Next id; -ENOSPC when a non-wrapping counter is exhausted. */
int db_genid(struct db_tx *tx, enum db_idtype type, int32_t *id);
/*
 * n event ids, each in use by no shred, resync or attach row, from the
 * wrapping event counter (the agents' range); -ENOSPC if all are in use.
 */
int db_genid_events(struct db_tx *tx, int n, int32_t *out);
/*
 * Gives each of n rows (stride bytes apart) whose int32_t event id at
 * id_offset is 0 a fresh one (db_genid_events).
 */
int db_events_fill(struct db_tx *tx, void *rows, size_t stride, int n,
		   size_t id_offset);
/* n consecutive ids of a non-wrapping counter starting at *first. */
int db_genid_block(struct db_tx *tx, enum db_idtype type, int n,
		   int32_t *first);

#endif
