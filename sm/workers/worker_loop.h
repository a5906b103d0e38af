/*
 * A background worker: runs pass(arg) once at start, then on every wake-up
 * and at least every period_ms; stops on request. Shared by the shred,
 * resync and health workers.
 */
#ifndef VAS_SM_WORKER_LOOP_H
#define VAS_SM_WORKER_LOOP_H

#include "db.h"
#include "sm.h"

struct worker_loop;

int worker_loop_start(const char *name, int period_ms, void (*pass)(void *),
		      void *arg, struct worker_loop **out);
/*
 * The same, the period counted from one pass's start to the next's (a
 * pass that takes longer is followed at once): a poller's rhythm does not
 * drift by the time its passes take.
 */
int worker_loop_start_every(const char *name, int period_ms,
			    void (*pass)(void *), void *arg,
			    struct worker_loop **out);
void worker_loop_wake(struct worker_loop *w);
/*
 * Called by a pass: run the next pass after ms (0: at once) instead of
 * the period, if that is sooner.
 */
void worker_loop_set_next(struct worker_loop *w, int ms);
/* Joins the thread and frees; NULL is a no-op. */
void worker_loop_stop(struct worker_loop *w);

/*
 * Calls fn(ctx, item) for each of n items (size bytes each) on up to
 * max_threads threads at once and waits for all: one slow agent costs a
 * pass one timeout, not one per row.
 */
void worker_fanout(void *items, int n, size_t size,
		   void (*fn)(void *ctx, void *item), void *ctx,
		   int max_threads);

/* Exponential back-off of a failed attempt: 10 s .. 10 min. */
int worker_backoff_s(int attempts);

#endif
