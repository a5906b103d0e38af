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

static _Thread_local int64_t thread_epoch;
static atomic_int_fast64_t held_epoch;
static atomic_int_fast64_t held_until_ms;
static atomic_int_fast64_t held_since_ms; /* when until_ms was published */

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
	atomic_store(&held_since_ms, vas_now_ms());
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

bool db_fence_fresh(void)
{
	int64_t since = atomic_load(&held_since_ms);

	if (!thread_epoch)
		return true;
	return db_fence_ok() &&
	       vas_now_ms() - since < (atomic_load(&held_until_ms) - since) / 2;
}

int db_fence_check(struct db_tx *tx)
{
	PGresult *r = NULL;
	int ret;

	if (!thread_epoch)
		return 0;
	if (!db_fence_ok())
		return -ESTALE;
	ret =
	    db_q(tx, &r, "SELECT 1 FROM sm_leader WHERE id = 1 AND epoch = $1",
		 "l", thread_epoch);
	if (!ret && PQntuples(r) != 1) {
		log_warn("a write of leadership epoch %lld refused: no longer "
			 "the database's",
			 (long long)thread_epoch);
		ret = -ESTALE;
	}
	PQclear(r);
	return ret;
}
