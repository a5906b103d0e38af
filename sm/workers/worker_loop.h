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
void worker_loop_wake(struct worker_loop *w);
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

/*
 * One pass over a work queue kept in the database: poll every running row,
 * then start up to max minus those. Rows are row_size bytes; running() and
 * pick() return heap arrays of them.
 */
struct worker_queue {
	size_t row_size;
	int max;
	int (*running)(struct db_tx *tx, void **rows, int *n);
	int (*pick)(struct sm *sm, struct db_tx *tx, int max, void **rows,
		    int *n);
	void (*poll)(void *sm, void *row);
	void (*dispatch)(void *sm, void *row);
};
void worker_queue_pass(struct sm *sm, const struct worker_queue *q);

/* Exponential back-off of a failed attempt: 10 s .. 10 min. */
int worker_backoff_s(int attempts);

#endif
