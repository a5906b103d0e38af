/*
 * The election connection and its statements: instance and leader locks,
 * the lease row, evicting a hung holder. Statements are sent without
 * blocking and waited for with a deadline, so a database that hangs or
 * vanishes costs at most that deadline.
 */
#include "db_leader.h"
#include "db_priv.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS	   DB_LOCK_NS_SQL
#define MAX_PARAMS 4

struct db_leader {
	char *dsn;
	char appname[64];
	struct db_lease self;
	PGconn *conn;
	bool instance_locked;
	bool said_taken; /* "instance lock taken" logged for this outage */
	bool listening;	 /* to NOTIFY vas_shred_work (sql/013) */
};

void db_leader_appname(int32_t instance, char *buf, int len)
{
	snprintf(buf, (size_t)len, DB_APPNAME_PREFIX "%d", instance);
}

int db_leader_new(const char *dsn, const struct db_lease *self,
		  struct db_leader **out)
{
	struct db_leader *l = calloc(1, sizeof(*l));

	if (!l || !(l->dsn = strdup(dsn))) {
		free(l);
		return -ENOMEM;
	}
	l->self = *self;
	db_leader_appname(self->instance, l->appname, sizeof(l->appname));
	*out = l;
	return 0;
}

static void drop(struct db_leader *l)
{
	if (l->conn)
		PQfinish(l->conn);
	l->conn = NULL;
	l->instance_locked = false;
	l->listening = false;
}

void db_leader_free(struct db_leader *l)
{
	if (!l)
		return;
	drop(l);
	free(l->dsn);
	free(l);
}

bool db_leader_connected(const struct db_leader *l)
{
	return l->conn && l->instance_locked;
}

/* Waits for the answer to what was sent; the last result or NULL. */
static PGresult *await(struct db_leader *l, int64_t deadline, int *err)
{
	PGresult *r, *last = NULL;

	for (;;) {
		while (PQisBusy(l->conn)) {
			struct pollfd p = {PQsocket(l->conn), POLLIN, 0};
			int64_t left = deadline - vas_now_ms();

			if (left <= 0) {
				*err = -ETIMEDOUT;
				goto fail;
			}
			if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
				*err = -EAGAIN;
				goto fail;
			}
			if (!PQconsumeInput(l->conn)) {
				*err = -EAGAIN;
				goto fail;
			}
		}
		r = PQgetResult(l->conn);
		if (!r)
			return last;
		PQclear(last);
		last = r;
	}
fail:
	PQclear(last);
	return NULL;
}

/*
 * One statement with text parameters, answered within timeout_ms: 0 and
 * *out (optional; the caller clears it). A lost or silent connection is
 * dropped (-EAGAIN, -ETIMEDOUT); a failed statement is -EIO, logged.
 */
static int lq(struct db_leader *l, int timeout_ms, PGresult **out,
	      const char *sql, int n, const char *const *values)
{
	int64_t deadline = vas_now_ms() + timeout_ms;
	PGresult *r;
	int err = -EAGAIN;

	if (out)
		*out = NULL;
	if (!l->conn)
		return -EAGAIN;
	if (!PQsendQueryParams(l->conn, sql, n, NULL, values, NULL, NULL, 0))
		goto lost;
	r = await(l, deadline, &err);
	if (!r)
		goto lost;
	if (PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK) {
		if (out)
			*out = r;
		else
			PQclear(r);
		return 0;
	}
	PQclear(r);
	if (PQstatus(l->conn) != CONNECTION_OK)
		goto lost;
	log_err("election connection: %s: %.80s", PQerrorMessage(l->conn), sql);
	return -EIO;
lost:
	log_warn("election connection lost: %s", err == -ETIMEDOUT
						     ? "no answer in time"
						     : PQerrorMessage(l->conn));
	drop(l);
	return err;
}

int db_leader_connect(struct db_leader *l, int timeout_ms)
{
	char id[16];
	const char *params[1] = {id};
	struct db_params p;
	PGresult *r;
	int ret;

	if (l->conn && PQstatus(l->conn) != CONNECTION_OK)
		drop(l);
	if (!l->conn) {
		/* The dsn's own connect_timeout wins; our name wins over its.
		 */
		db_params_init(&p, l->dsn,
			       timeout_ms >= 2000 ? timeout_ms / 1000 : 2);
		db_params_add(&p, "application_name", l->appname);
		l->conn = db_params_connect(&p);
		if (PQstatus(l->conn) != CONNECTION_OK) {
			PQfinish(l->conn);
			l->conn = NULL;
			return -EAGAIN;
		}
	}
	if (!l->listening)
		l->listening = !lq(l, timeout_ms, NULL,
				   "LISTEN " DB_SHRED_WORK_CHANNEL, 0, NULL);
	if (!l->conn)
		return -EAGAIN;
	if (l->instance_locked)
		return 0;
	/*
	 * A renewal waits for no standby: a synchronous standby that is
	 * away would cost the leadership. The epoch bump (take) still does.
	 */
	ret =
	    lq(l, timeout_ms, NULL, "SET synchronous_commit = local", 0, NULL);
	if (ret)
		return ret;
	snprintf(id, sizeof(id), "%d", l->self.instance);
	ret = lq(l, timeout_ms, &r,
		 "SELECT pg_try_advisory_lock(" NS ", $1::int)", 1, params);
	if (ret)
		return ret;
	l->instance_locked = !strcmp(PQgetvalue(r, 0, 0), "t");
	PQclear(r);
	if (!l->instance_locked) {
		if (!l->said_taken)
			log_warn("instance %d: lock still held by an old "
				 "session; waiting for it to end",
				 l->self.instance);
		l->said_taken = true;
		return -EEXIST;
	}
	l->said_taken = false;
	return 0;
}

int db_leader_try(struct db_leader *l, int timeout_ms, bool *got,
		  struct db_lease *cur)
{
	PGresult *r;
	int ret;

	*got = false;
	memset(cur, 0, sizeof(*cur));
	/* The lock first: what is read after it is what it was taken over. */
	ret = lq(l, timeout_ms, &r,
		 "SELECT pg_try_advisory_lock(" NS ", 0), epoch, instance, "
		 "holder, host_id, os_pid, os_start, pid, (extract(epoch "
		 "FROM clock_timestamp() - "
		 "renewed_at) * 1000)::bigint, lease_ms, COALESCE((SELECT "
		 "k.pid FROM pg_locks k WHERE k.locktype = 'advisory' AND "
		 "k.database = (SELECT oid FROM pg_database WHERE datname = "
		 "current_database()) AND k.classid = " NS " AND k.objid = 0 "
		 "AND k.objsubid = 2 AND k.granted AND k.pid <> "
		 "pg_backend_pid() LIMIT 1), 0) FROM sm_leader WHERE id = 1",
		 0, NULL);
	if (ret)
		return ret;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return -EIO;
	}
	*got = !strcmp(PQgetvalue(r, 0, 0), "t");
	cur->epoch = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	cur->instance = (int32_t)strtol(PQgetvalue(r, 0, 2), NULL, 10);
	snprintf(cur->holder, sizeof(cur->holder), "%s", PQgetvalue(r, 0, 3));
	snprintf(cur->host_id, sizeof(cur->host_id), "%s", PQgetvalue(r, 0, 4));
	cur->os_pid = (int)strtol(PQgetvalue(r, 0, 5), NULL, 10);
	cur->os_start = strtoll(PQgetvalue(r, 0, 6), NULL, 10);
	cur->pid = (int)strtol(PQgetvalue(r, 0, 7), NULL, 10);
	cur->age_ms = strtoll(PQgetvalue(r, 0, 8), NULL, 10);
	cur->lease_ms = (int)strtol(PQgetvalue(r, 0, 9), NULL, 10);
	cur->lock_pid = (int)strtol(PQgetvalue(r, 0, 10), NULL, 10);
	PQclear(r);
	return 0;
}

int db_leader_take(struct db_leader *l, int lease_ms, int timeout_ms,
		   int64_t *epoch, int64_t *wait_ms, struct db_lease *prev)
{
	char id[16], lease[16], os_pid[16], os_start[24];
	const char *params[6] = {id,	 l->self.holder, l->self.host_id,
				 os_pid, os_start,	 lease};
	PGresult *r = NULL;
	int ret;

	memset(prev, 0, sizeof(*prev));
	snprintf(id, sizeof(id), "%d", l->self.instance);
	snprintf(os_pid, sizeof(os_pid), "%d", l->self.os_pid);
	snprintf(os_start, sizeof(os_start), "%lld",
		 (long long)l->self.os_start);
	snprintf(lease, sizeof(lease), "%d", lease_ms);
	/*
	 * Under the mutation lock: a worker's transaction read the epoch
	 * under it too, so it commits before the new epoch or sees it.
	 */
	ret = lq(l, timeout_ms, NULL, "BEGIN", 0, NULL);
	if (!ret)
		ret = lq(l, timeout_ms, NULL,
			 "SET LOCAL synchronous_commit = on", 0, NULL);
	if (!ret)
		ret = lq(l, timeout_ms, NULL,
			 "SELECT pg_advisory_xact_lock(" DB_MUTATE_LOCK ")", 0,
			 NULL);
	if (!ret)
		ret = lq(l, timeout_ms, &r,
			 "SELECT instance, holder, host_id, os_pid, os_start, "
			 "GREATEST(0, (extract(epoch FROM renewed_at - "
			 "clock_timestamp()) * 1000)::bigint + lease_ms) FROM "
			 "sm_leader WHERE id = 1 FOR UPDATE",
			 0, NULL);
	if (!ret && PQntuples(r) != 1)
		ret = -EIO;
	if (!ret) {
		prev->instance = (int32_t)strtol(PQgetvalue(r, 0, 0), NULL, 10);
		snprintf(prev->holder, sizeof(prev->holder), "%s",
			 PQgetvalue(r, 0, 1));
		snprintf(prev->host_id, sizeof(prev->host_id), "%s",
			 PQgetvalue(r, 0, 2));
		prev->os_pid = (int)strtol(PQgetvalue(r, 0, 3), NULL, 10);
		prev->os_start = strtoll(PQgetvalue(r, 0, 4), NULL, 10);
		*wait_ms = strtoll(PQgetvalue(r, 0, 5), NULL, 10);
	}
	PQclear(r);
	r = NULL;
	if (!ret)
		ret = lq(l, timeout_ms, &r,
			 "UPDATE sm_leader SET epoch = epoch + 1, instance = "
			 "$1, holder = $2, host_id = $3, os_pid = $4, os_start "
			 "= $5, pid = pg_backend_pid(), renewed_at = "
			 "clock_timestamp(), lease_ms = $6 WHERE id = 1 "
			 "RETURNING epoch",
			 6, params);
	if (!ret)
		*epoch = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (!ret)
		ret = lq(l, timeout_ms, NULL, "COMMIT", 0, NULL);
	else if (l->conn)
		(void)lq(l, timeout_ms, NULL, "ROLLBACK", 0, NULL); /* moot */
	return ret;
}

int db_leader_renew(struct db_leader *l, int64_t epoch, int timeout_ms)
{
	char e[24];
	const char *params[1] = {e};
	PGresult *r;
	int ret, n;

	snprintf(e, sizeof(e), "%lld", (long long)epoch);
	ret = lq(l, timeout_ms, &r,
		 "UPDATE sm_leader SET renewed_at = clock_timestamp() WHERE "
		 "id = 1 AND epoch = $1 AND pid = pg_backend_pid()",
		 1, params);
	if (ret)
		return ret;
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	return n == 1 ? 0 : -ESTALE;
}

void db_leader_release(struct db_leader *l, int64_t epoch, bool resign,
		       int timeout_ms)
{
	char e[24];
	const char *params[1] = {e};

	if (!l->conn)
		return;
	snprintf(e, sizeof(e), "%lld", (long long)epoch);
	if (resign &&
	    lq(l, timeout_ms, NULL,
	       "UPDATE sm_leader SET renewed_at = '1970-01-01 00:00:00+00' "
	       "WHERE id = 1 AND epoch = $1 AND pid = pg_backend_pid()",
	       1, params))
		log_warn("could not mark the lease run out");
	/* A connection that fails here is dropped, which releases it too. */
	if (l->conn && lq(l, timeout_ms, NULL,
			  "SELECT pg_advisory_unlock(" NS ", 0)", 0, NULL))
		drop(l);
}

int db_leader_evict(struct db_leader *l, const struct db_lease *cur,
		    int timeout_ms, int *n)
{
	char pid[16], app[64];
	const char *params[2] = {pid, app};
	PGresult *r;
	int ret;

	*n = 0;
	snprintf(pid, sizeof(pid), "%d", cur->lock_pid);
	/* The lease names the lock holder's instance only if it wrote it. */
	if (cur->pid == cur->lock_pid && cur->instance)
		db_leader_appname(cur->instance, app, sizeof(app));
	else
		snprintf(app, sizeof(app), "%s", "");
	ret = lq(l, timeout_ms, &r,
		 "SELECT count(pg_terminate_backend(pid)) FROM "
		 "pg_stat_activity WHERE datname = current_database() AND "
		 "pid <> pg_backend_pid() AND (pid = $1::int OR "
		 "(application_name = $2 AND $2 <> ''))",
		 2, params);
	if (ret)
		return ret;
	*n = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	return 0;
}

bool db_leader_shred_work(struct db_leader *l)
{
	PGnotify *n;
	bool any = false;

	/* A lost connection is found by the next statement. */
	if (!l->conn || !l->listening || !PQconsumeInput(l->conn))
		return false;
	while ((n = PQnotifies(l->conn))) {
		any = true;
		PQfreemem(n);
	}
	return any;
}
