/*
 * Fencing of the leader's background work (issue 15). A thread that works
 * for a leadership carries its epoch; the leader module publishes the
 * epoch it holds and until when (monotonic clock) it is sure of it. Such
 * a thread may call an agent only while both agree and the time has not
 * run out, and its mutating transactions commit only while the database
 * still names its epoch: a leader that stalled and was replaced can
 * neither send nor write late. Request threads carry no epoch: any
 * manager serves the API.
 */
#ifndef VAS_SM_DB_FENCE_H
#define VAS_SM_DB_FENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/* The calling thread works for epoch (0: for no leadership). */
void db_fence_enter(int64_t epoch);
/* The calling thread's epoch, 0 for a request thread. */
int64_t db_fence_epoch(void);

/* The leader module: epoch is held until until_ms (vas_now_ms()). */
void db_fence_publish(int64_t epoch, int64_t until_ms);
/* Leadership lost or given up: every fenced thread stops at once. */
void db_fence_revoke(void);

/*
 * May the calling thread act now? Always for a request thread; for a
 * worker only while its epoch is held and not expired.
 */
bool db_fence_ok(void);

/*
 * db_fence_ok(), and the leadership was renewed lately (within half of
 * the time a renewal grants): false as soon as a renewal is overdue, well
 * before it fails and the leadership is lost. For work that does not wait
 * for the database and would otherwise go on until the very end.
 */
bool db_fence_fresh(void);

/*
 * Inside a mutating transaction (db_begin calls it): -ESTALE when the
 * calling thread works for an epoch that is no longer the database's or
 * no longer held here, -EIO when it cannot be read.
 */
int db_fence_check(struct db_tx *tx);

#endif
