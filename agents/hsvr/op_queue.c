/*
 * The order of operations: every accepted, unfinished operation is kept
 * in acceptance order, and one waits for the earlier ones on its volume
 * (or mirror) before it runs (ops.h).
 */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

/* Volume ids and mirror ids (negated) name what an operation changes. */
static int64_t op_key(const struct op *op)
{
	return op->kind == OP_RESYNC || op->kind == OP_RETIRE
		   ? -(int64_t)op->mirrorid
		   : (int64_t)op->lv.lvolid;
}

int op_enqueue(struct op *op)
{
	struct hsvr *h = op->h;
	int ret = 0;

	pthread_mutex_lock(&h->busy_lock);
	if (h->n_queued == h->cap_queued) {
		int cap = h->cap_queued ? h->cap_queued * 2 : 64;
		struct op **q = realloc(h->queued, sizeof(*q) * (size_t)cap);

		if (q) {
			h->queued = q;
			h->cap_queued = cap;
		} else {
			ret = -ENOMEM;
		}
	}
	/*
	 * Queued under busy_lock: the pool's FIFO order is the acceptance
	 * order, so an operation only ever waits for running ones.
	 */
	if (!ret)
		ret = pool_submit(h->pool, op);
	if (!ret)
		h->queued[h->n_queued++] = op;
	pthread_mutex_unlock(&h->busy_lock);
	return ret;
}

void op_forget(struct op *op)
{
	struct hsvr *h = op->h;
	int i;

	pthread_mutex_lock(&h->busy_lock);
	for (i = 0; i < h->n_queued && h->queued[i] != op; i++)
		;
	if (i < h->n_queued) {
		memmove(&h->queued[i], &h->queued[i + 1],
			sizeof(*h->queued) * (size_t)(h->n_queued - i - 1));
		h->n_queued--;
	}
	pthread_cond_broadcast(&h->busy_cond);
	pthread_mutex_unlock(&h->busy_lock);
}

/* Is op the earliest accepted operation on its key? */
static int op_first(const struct hsvr *h, const struct op *op)
{
	int64_t key = op_key(op);
	int i;

	for (i = 0; i < h->n_queued; i++)
		if (op_key(h->queued[i]) == key)
			return h->queued[i] == op;
	return 1;
}

void op_wait_turn(struct op *op)
{
	struct hsvr *h = op->h;

	pthread_mutex_lock(&h->busy_lock);
	while (!op_first(h, op))
		pthread_cond_wait(&h->busy_cond, &h->busy_lock);
	pthread_mutex_unlock(&h->busy_lock);
}
