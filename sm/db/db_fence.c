/*
 * Fencing state: the thread's epoch (thread-local, inherited by the
 * threads a worker starts), the epoch this manager holds and its expiry,
 * and the in-transaction check against the database's epoch.
 */
#include "db_fence.h"
#include "db_priv.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>

static _Thread_local int64_t thread_epoch;
static atomic_int_fast64_t held_epoch;
static atomic_int_fast64_t held_until_ms;

void db_fence_enter(int64_t epoch)
{
	thread_epoch = epoch;
}

int64_t db_fence_epoch(void)
{
	return thread_epoch;
}

void db_fence_publish(int64_t epoch, int64_t until_ms)
{
	/* Expiry first: a new epoch never borrows the old one's time. */
	atomic_store(&held_until_ms, 0);
	atomic_store(&held_epoch, epoch);
	atomic_store(&held_until_ms, until_ms);
}

void db_fence_revoke(void)
{
	atomic_store(&held_until_ms, 0);
	atomic_store(&held_epoch, 0);
}

bool db_fence_ok(void)
{
	if (!thread_epoch)
		return true;
	return atomic_load(&held_epoch) == thread_epoch &&
	       vas_now_ms() < atomic_load(&held_until_ms);
}

int db_fence_check(struct db_tx *tx)
{
	char epoch[24];
	const char *values[1] = {epoch};
	PGresult *r;
	int ret;

	if (!thread_epoch)
		return 0;
	if (!db_fence_ok())
		return -ESTALE;
	snprintf(epoch, sizeof(epoch), "%lld", (long long)thread_epoch);
	r = PQexecParams(tx->conn,
			 "SELECT 1 FROM sm_leader WHERE id = 1 AND epoch = $1",
			 1, NULL, values, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_err("leadership check failed: %s",
			PQerrorMessage(tx->conn));
		ret = -EIO;
	} else {
		ret = PQntuples(r) == 1 ? 0 : -ESTALE;
	}
	PQclear(r);
	return ret;
}
