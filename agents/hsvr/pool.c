/* Bounded job pool: fixed threads, bounded FIFO, -EAGAIN when full. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct job_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	job_run_fn run;
	void **queue;
	int cap, head, count;
	int stopping;
	int nthreads;
	pthread_t *threads;
};

static void *worker(void *arg)
{
	struct job_pool *p = arg;

	for (;;) {
		void *job;

		pthread_mutex_lock(&p->lock);
		while (!p->count && !p->stopping)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->count) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		job = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);
		p->run(job);
	}
}

int pool_new(int threads, int queue, job_run_fn run, struct job_pool **out)
{
	struct job_pool *p = calloc(1, sizeof(*p));
	int i;

	if (!p)
		return -ENOMEM;
	p->run = run;
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

int pool_submit(struct job_pool *p, void *job)
{
	int ret = 0;

	pthread_mutex_lock(&p->lock);
	if (p->count == p->cap || p->stopping) {
		ret = -EAGAIN;
	} else {
		p->queue[(p->head + p->count) % p->cap] = job;
		p->count++;
		pthread_cond_signal(&p->cond);
	}
	pthread_mutex_unlock(&p->lock);
	return ret;
}

void pool_free(struct job_pool *p)
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
