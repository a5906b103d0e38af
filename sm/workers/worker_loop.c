/* The periodic, wakeable worker thread of the manager's schedulers. */
#include "worker_loop.h"
#include "db_fence.h"
#include "vas/clock.h"
#include "vas/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

struct worker_loop {
	const char *name;
	int period_ms;
	void (*pass)(void *);
	void *arg;
	int64_t epoch; /* the starter's leadership (db_fence.h) */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int next_ms; /* wait before the next pass; -1: period_ms */
	bool woken;
	bool stop;
	bool fixed_rate; /* period_ms from one pass's start to the next's */
};

static void *run(void *arg)
{
	struct worker_loop *w = arg;

	db_fence_enter(w->epoch);
	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		int64_t started = vas_now_ms(), from;

		w->woken = false;
		w->next_ms = -1;
		pthread_mutex_unlock(&w->lock);
		w->pass(w->arg);
		pthread_mutex_lock(&w->lock);
		if (w->woken || w->stop || w->next_ms == 0)
			continue;
		from = w->fixed_rate ? started : vas_now_ms();
		vas_cond_wait_until(
		    &w->cond, &w->lock,
		    from + (w->next_ms > 0 && w->next_ms < w->period_ms
				? w->next_ms
				: w->period_ms));
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static int start(const char *name, int period_ms, bool fixed_rate,
		 void (*pass)(void *), void *arg, struct worker_loop **out)
{
	struct worker_loop *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->name = name;
	w->period_ms = period_ms > 0 ? period_ms : 1000;
	w->next_ms = -1;
	w->fixed_rate = fixed_rate;
	w->pass = pass;
	w->arg = arg;
	w->epoch = db_fence_epoch();
	pthread_mutex_init(&w->lock, NULL);
	vas_cond_init(&w->cond);
	if (pthread_create(&w->thread, NULL, run, w)) {
		log_err("cannot start the %s worker", name);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
		free(w);
		return -EAGAIN;
	}
	*out = w;
	return 0;
}

int worker_loop_start(const char *name, int period_ms, void (*pass)(void *),
		      void *arg, struct worker_loop **out)
{
	return start(name, period_ms, false, pass, arg, out);
}

int worker_loop_start_every(const char *name, int period_ms,
			    void (*pass)(void *), void *arg,
			    struct worker_loop **out)
{
	return start(name, period_ms, true, pass, arg, out);
}

void worker_loop_wake(struct worker_loop *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->woken = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

void worker_loop_set_next(struct worker_loop *w, int ms)
{
	pthread_mutex_lock(&w->lock);
	w->next_ms = ms < 0 ? 0 : ms;
	pthread_mutex_unlock(&w->lock);
}

void worker_loop_stop(struct worker_loop *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

int worker_backoff_s(int attempts)
{
	int s = 10;

	while (attempts-- > 1 && s < 600)
		s *= 2;
	return s > 600 ? 600 : s;
}

struct fanout {
	char *items;
	int n;
	size_t size;
	void (*fn)(void *, void *);
	void *ctx;
	int64_t epoch; /* the caller's leadership, for every thread */
	int next;
	pthread_mutex_t lock;
};

static void *fanout_thread(void *arg)
{
	struct fanout *f = arg;

	db_fence_enter(f->epoch);
	for (;;) {
		int i;

		pthread_mutex_lock(&f->lock);
		i = f->next++;
		pthread_mutex_unlock(&f->lock);
		if (i >= f->n)
			return NULL;
		f->fn(f->ctx, f->items + (size_t)i * f->size);
	}
}

void worker_fanout(void *items, int n, size_t size,
		   void (*fn)(void *ctx, void *item), void *ctx,
		   int max_threads)
{
	struct fanout f = {items, n,
			   size,  fn,
			   ctx,	  db_fence_epoch(),
			   0,	  PTHREAD_MUTEX_INITIALIZER};
	pthread_t threads[32];
	int started = 0, i;

	if (max_threads > 32)
		max_threads = 32;
	for (i = 0; i < max_threads && i < n - 1; i++)
		if (!pthread_create(&threads[started], NULL, fanout_thread, &f))
			started++;
	fanout_thread(&f); /* this thread works too */
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&f.lock);
}
