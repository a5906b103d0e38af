/* Bounded operation pool: fixed threads, bounded FIFO, -EAGAIN when full. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "ops.h"

struct op_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct op **queue;
	int cap, head, count;
	int stopping;
	int nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	struct op_pool *p = arg;

	for (;;) {
		struct op *op;

		pthread_mutex_lock(&p->lock);
		while (!p->count && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->count) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		op = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);
		op_run(op);
		op_free(op);
	}
}

int pool_new(int threads, int queue, struct op_pool **out)
{
	struct op_pool *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return -ENOMEM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->cap = queue;
	p->queue = calloc((size_t)queue, sizeof(*p->queue));
	p->threads = calloc((size_t)threads, sizeof(*p->threads));
	if (!p->queue || !p->threads) {
		pool_free(p);
		return -ENOMEM;
	}
	for (i = 0; i < threads; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p)) {
			pool_free(p);
			return -EAGAIN;
		}
		p->nthreads++;
	}
	*out = p;
	return 0;
}

int pool_submit(struct op_pool *p, struct op *op)
{
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	if (p->count == p->cap || p->stopping) {
		ret = -EAGAIN;
	} else {
		p->queue[(p->head + p->count) % p->cap] = op;
		p->count++;
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void pool_free(struct op_pool *p)
{
	int i;

	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);
	free(p->queue);
	free(p->threads);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}
