/*
 * Bounded job pool: fixed threads, bounded FIFO queue. It knows nothing of
 * what a job is: each job is handed to the run callback given at creation,
 * which owns it from then on.
 */
#ifndef HSVR_POOL_H
#define HSVR_POOL_H

struct job_pool;

typedef void (*job_run_fn)(void *job);

/* 0, -ENOMEM or -EAGAIN (no thread could be started). */
int pool_new(int threads, int queue, job_run_fn run, struct job_pool **out);
/* Queues job; -EAGAIN when the queue is full or the pool stops. */
int pool_submit(struct job_pool *p, void *job);
/* Finishes queued work, joins the threads. */
void pool_free(struct job_pool *p);

#endif
