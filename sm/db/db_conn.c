/*
 * The connection pool and transactions, and what happens when PostgreSQL
 * goes away: a transaction that cannot start waits for one reconnect and
 * tries once more, then answers -EAGAIN; a transaction cut off before its
 * COMMIT answered learns after reconnecting whether it committed.
 */
#include "db_fence.h"
#include "db_priv.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long a lost COMMIT's outcome is asked for before giving up. */
#define DB_OUTCOME_WAIT_MS 10000
#define DB_OUTCOME_STEP_MS 250

struct db {
	struct db_target target;
	int size;
	struct db_session *sessions;
	bool *busy;
	pthread_mutex_t lock;
	pthread_cond_t freed;
	/*
	 * What background work gives way to (db_give_way): mutating
	 * transactions not begun as background, open now, and when the last
	 * of them ended. Under lock.
	 */
	int fg_open;
	int64_t fg_ended_ms;
	pthread_cond_t fg_quiet;
};

int db_open(const char *dsn, int pool_size, struct db **out)
{
	struct db *db = calloc(1, sizeof(*db));

	if (!db)
		return -ENOMEM;
	db->target.dsn = strdup(dsn);
	db->size = pool_size > 0 ? pool_size : 8;
	db->sessions = calloc((size_t)db->size, sizeof(*db->sessions));
	db->busy = calloc((size_t)db->size, sizeof(*db->busy));
	pthread_mutex_init(&db->lock, NULL);
	pthread_cond_init(&db->freed, NULL);
	vas_cond_init(&db->fg_quiet);
	db->fg_ended_ms = INT64_MIN / 2;
	if (!db->target.dsn || !db->sessions || !db->busy) {
		db_close(db);
		return -ENOMEM;
	}
	/* Fail early when the database is unreachable at start-up. */
	db->sessions[0].conn = db_connect(&db->target);
	if (!db->sessions[0].conn) {
		db_close(db);
		return -EIO;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	int i;

	if (!db)
		return;
	for (i = 0; db->sessions && i < db->size; i++)
		db_session_close(&db->sessions[i]);
	free(db->sessions);
	free(db->busy);
	free(db->target.dsn);
	pthread_mutex_destroy(&db->lock);
	pthread_cond_destroy(&db->freed);
	pthread_cond_destroy(&db->fg_quiet);
	free(db);
}

void db_pool_usage(struct db *db, int *size, int *busy)
{
	int i;

	pthread_mutex_lock(&db->lock);
	*size = db->size;
	for (*busy = 0, i = 0; i < db->size; i++)
		*busy += db->busy[i];
	pthread_mutex_unlock(&db->lock);
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

static void release(struct db_tx *tx)
{
	struct db *db = tx->db;
	int i;

	PQclear(tx->begin_res);
	for (i = 0; i < DB_MAX_ASKS; i++)
		PQclear(tx->answers[i]);

	/* A broken connection is replaced by the slot's next user. */
	if (tx->lost)
		db_session_close(tx->s);
	pthread_mutex_lock(&db->lock);
	db->busy[tx->slot] = false;
	pthread_cond_signal(&db->freed);
	if (tx->foreground) {
		db->fg_open--;
		db->fg_ended_ms = vas_now_ms();
		pthread_cond_broadcast(&db->fg_quiet);
	}
	pthread_mutex_unlock(&db->lock);
	free(tx);
}

/* A mutation that background work gives way to, from now on. */
static void count_foreground(struct db_tx *tx)
{
	pthread_mutex_lock(&tx->db->lock);
	tx->db->fg_open++;
	tx->foreground = true;
	pthread_mutex_unlock(&tx->db->lock);
}

/* With db->lock held: whether background work would wait now. */
static bool others_writing(const struct db *db, int recent_ms, int64_t now)
{
	return db->fg_open || now < db->fg_ended_ms + recent_ms;
}

bool db_others_writing(struct db *db, int recent_ms)
{
	bool yes;

	pthread_mutex_lock(&db->lock);
	yes = others_writing(db, recent_ms, vas_now_ms());
	pthread_mutex_unlock(&db->lock);
	return yes;
}

int db_give_way(struct db *db, int recent_ms, int max_ms)
{
	int64_t start = vas_now_ms(), deadline = start + max_ms, now, until;

	pthread_mutex_lock(&db->lock);
	for (;;) {
		now = vas_now_ms();
		if (now >= deadline || !others_writing(db, recent_ms, now))
			break;
		until = db->fg_open ? deadline : db->fg_ended_ms + recent_ms;
		vas_cond_wait_until(&db->fg_quiet, &db->lock,
				    until < deadline ? until : deadline);
	}
	pthread_mutex_unlock(&db->lock);
	return (int)(now - start);
}

/*
 * Whether an idle pooled connection still stands: one the server closed
 * (it restarted, or ended the session) has its end of file waiting.
 */
static bool still_open(PGconn *conn)
{
	struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};

	if (PQstatus(conn) != CONNECTION_OK || p.fd < 0)
		return false;
	if (poll(&p, 1, 0) <= 0)
		return true;
	return PQconsumeInput(conn) && PQstatus(conn) == CONNECTION_OK;
}

#define LOCK_SQL                                                               \
	"SELECT pg_advisory_xact_lock(" DB_MUTATE_LOCK                         \
	"), pg_current_xact_id(), pg_postmaster_start_time()"

/*
 * Sends the lock ahead of the transaction's next statements (libpq
 * pipeline mode): they travel in one round trip, and the lock is held
 * from the moment they arrive, not a round trip earlier.
 */
static int send_lock(struct db_tx *tx)
{
	PGresult *err = NULL;
	/* Prepared once per connection (a round trip then): no parse after. */
	const char *name =
	    tx->piped ? NULL
		      : db_session_prepared(tx->s, LOCK_SQL, 0, true, &err);

	PQclear(err);
	if (tx->piped == DB_MAX_PIPED && db_flush(tx))
		return tx->failed;
	if (!tx->piped && !PQenterPipelineMode(tx->conn))
		return db_fail(tx, NULL, "pipeline");
	if (!name)
		name = db_session_prepared(tx->s, LOCK_SQL, 0, false, &err);
	if (!(name ? PQsendQueryPrepared(tx->conn, name, 0, NULL, NULL, NULL, 0)
		   : PQsendQueryParams(tx->conn, LOCK_SQL, 0, NULL, NULL, NULL,
				       NULL, 0))) {
		tx->lost = true; /* half sent: never reuse it */
		return db_fail(tx, NULL, LOCK_SQL);
	}
	tx->piped_sql[tx->piped] = LOCK_SQL;
	tx->piped_dest[tx->piped++] = &tx->begin_res;
	tx->locked = true;
	return 0;
}

/* Sends BEGIN (and the lock unless late) ahead of the first statements. */
static int send_begin(struct db_tx *tx, bool lock)
{
	PGresult *err = NULL;

	/* Prepared before the pipeline starts (PQprepare waits). */
	if (!db_session_prepared(tx->s, LOCK_SQL, 0, true, &err))
		PQclear(err);
	if (!PQenterPipelineMode(tx->conn) ||
	    !PQsendQueryParams(tx->conn, "BEGIN", 0, NULL, NULL, NULL, NULL,
			       0)) {
		tx->lost = true; /* half sent: never reuse it */
		return db_fail(tx, NULL, "BEGIN");
	}
	tx->piped_sql[0] = "BEGIN";
	tx->piped_dest[0] = NULL;
	tx->piped = 1;
	return lock ? send_lock(tx) : 0;
}

/* BEGIN on the slot's connection (made if needed); 0 or an errno. */
static int start(struct db_tx *tx, bool mutating, bool lock)
{
	struct db_session *s = tx->s;

	tx->failed = 0;
	tx->lost = false;
	tx->xid = 0;
	tx->piped = 0;
	tx->locked = false;
	PQclear(tx->begin_res);
	tx->begin_res = NULL;
	if (s->conn && !still_open(s->conn))
		db_session_close(s);
	if (!s->conn)
		s->conn = db_connect(tx->target);
	tx->conn = s->conn;
	if (!tx->conn) {
		tx->lost = true;
		return -EAGAIN;
	}
	/*
	 * Reads need no transaction: under READ COMMITTED each statement
	 * takes its own snapshot anyway, so BEGIN and ROLLBACK would only
	 * cost two round trips.
	 */
	/*
	 * Mutating transactions serialise on the advisory lock; their id
	 * tells a lost commit's outcome later - on the same server run only:
	 * a promoted standby or a crash-restarted server may give an id that
	 * never reached its WAL to another transaction.
	 */
	return mutating ? send_begin(tx, lock) : 0;
}

/* The transaction's id and its server's start, read with the lock. */
static int read_begin(struct db_tx *tx)
{
	if (!tx->begin_res)
		(void)db_flush(tx);
	if (tx->failed)
		return tx->failed;
	if (!tx->begin_res || PQntuples(tx->begin_res) != 1)
		return db_fail(tx, tx->begin_res, "BEGIN");
	tx->xid = strtoll(PQgetvalue(tx->begin_res, 0, 1), NULL, 10);
	snprintf(tx->server_start, sizeof(tx->server_start), "%s",
		 PQgetvalue(tx->begin_res, 0, 2));
	return 0;
}

static int begin(struct db *db, bool mutating, bool lock, bool background,
		 struct db_tx **out)
{
	struct db_tx *tx;
	int ret;

	/*
	 * A worker whose leadership ended here starts nothing more: waiting
	 * for a connection to a database it was cut off from would only
	 * delay its stop, and with it the next campaign.
	 */
	if (!db_fence_ok())
		return -ESTALE;
	tx = calloc(1, sizeof(*tx));
	if (!tx)
		return -ENOMEM;
	tx->db = db;
	tx->target = &db->target;
	tx->mutating = mutating;
	/* Counted from here: once it has a connection it wants the lock. */
	if (mutating && !background)
		count_foreground(tx);
	tx->slot = checkout(db);
	tx->s = &db->sessions[tx->slot];
	/* A pooled connection may have died with the server. */
	ret = start(tx, mutating, lock);
	if (ret && tx->lost && db_fence_ok() && !db_reconnect(tx))
		ret = start(tx, mutating, lock);
	if (ret) {
		release(tx);
		return ret;
	}
	/*
	 * A worker of a lost leadership changes nothing (issue 15). Checked
	 * under the mutation lock, which a new leadership takes to bump the
	 * epoch: the epoch read here holds until this transaction ends.
	 */
	if (mutating && lock)
		ret = db_fence_check(tx);
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	*out = tx;
	return 0;
}

int db_begin(struct db *db, bool mutating, struct db_tx **out)
{
	return begin(db, mutating, mutating, false, out);
}

int db_begin_unlocked(struct db *db, struct db_tx **out)
{
	return begin(db, true, false, false, out);
}

int db_begin_background(struct db *db, struct db_tx **out)
{
	return begin(db, true, true, true, out);
}

int db_lock(struct db_tx *tx)
{
	int ret;

	if (tx->failed || tx->locked || !tx->mutating)
		return tx->failed;
	ret = send_lock(tx);
	return ret ? ret : db_fence_check(tx);
}

/*
 * "committed", "aborted", "unknown" (another server run: it cannot be
 * told), or NULL while the server cannot be asked.
 */
static const char *xact_status(struct db_tx *tx, char *buf, size_t len)
{
	char xid[24];
	const char *values[2] = {xid, tx->server_start};
	PGresult *r;

	if (!tx->s->conn)
		tx->s->conn = db_connect(tx->target);
	if (!tx->s->conn)
		return NULL;
	snprintf(xid, sizeof(xid), "%lld", (long long)tx->xid);
	r = PQexecParams(tx->s->conn,
			 "SELECT CASE WHEN pg_postmaster_start_time() = "
			 "$2::timestamptz THEN pg_xact_status($1::xid8) ELSE "
			 "'unknown' END",
			 2, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		PQclear(r);
		db_session_close(tx->s);
		return NULL;
	}
	snprintf(buf, len, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return !strcmp(buf, "committed") || !strcmp(buf, "aborted") ||
		       !strcmp(buf, "unknown")
		   ? buf
		   : NULL;
}

/*
 * The connection broke before COMMIT was answered: whether it committed
 * is known once the server is reachable again. 0 committed, -EAGAIN not
 * committed, -EIO still unknown after DB_OUTCOME_WAIT_MS.
 */
static int lost_commit_outcome(struct db_tx *tx)
{
	int64_t deadline = vas_now_ms() + DB_OUTCOME_WAIT_MS;
	const char *status;
	char buf[32];

	db_session_close(tx->s);
	for (;;) {
		status = xact_status(tx, buf, sizeof(buf));
		if (status)
			break;
		if (vas_now_ms() >= deadline) {
			log_err("transaction %lld: connection lost at COMMIT "
				"and the outcome is unknown",
				(long long)tx->xid);
			return -EIO;
		}
		vas_sleep_ms(DB_OUTCOME_STEP_MS);
	}
	if (!strcmp(status, "unknown")) {
		log_err("transaction %lld: connection lost at COMMIT and the "
			"server restarted or was replaced: outcome unknown",
			(long long)tx->xid);
		tx->lost = false;
		return -EIO;
	}
	log_warn("transaction %lld: connection lost at COMMIT; it %s",
		 (long long)tx->xid, status);
	tx->lost = false; /* the slot holds a fresh connection */
	return strcmp(status, "committed") ? -EAGAIN : 0;
}

int db_commit(struct db_tx *tx)
{
	PGresult *r;
	int ret;

	if (tx->failed) {
		ret = tx->failed;
		db_rollback(tx);
		return ret;
	}
	if (!tx->mutating) {
		release(tx);
		return 0;
	}
	/* Nothing is written unlocked: a late lock goes with the COMMIT. */
	ret = db_lock(tx);
	if (!ret)
		ret = db_counters_store(tx);
	/* A COMMIT lost on the way is judged by the id: known before it. */
	if (!ret)
		ret = read_begin(tx);
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	/* One round trip with the statements not read yet. */
	r = db_exec_last(tx, "COMMIT");
	if (r && PQresultStatus(r) == PGRES_COMMAND_OK)
		ret = 0;
	else
		ret = r ? db_fail(tx, r, "COMMIT") : tx->failed;
	PQclear(r);
	if (ret && tx->lost) {
		ret = lost_commit_outcome(tx);
	} else if (ret) {
		/* A deferred statement failed: the transaction is still open.
		 */
		PQclear(PQexec(tx->conn, "ROLLBACK"));
	}
	release(tx);
	return ret;
}

void db_rollback(struct db_tx *tx)
{
	PGresult *r;

	if (!tx)
		return;
	if (!tx->lost && tx->mutating) {
		/* With what is in flight; their errors no longer matter. */
		r = db_exec_last(tx, "ROLLBACK");
		if (!r && !tx->lost) /* a failure skipped it */
			r = PQexec(tx->conn, "ROLLBACK");
		if (!tx->lost && PQresultStatus(r) != PGRES_COMMAND_OK)
			tx->lost = true; /* the next user reconnects */
		PQclear(r);
	}
	release(tx);
}
