/*
 * Inside the job engine (jobs.h): two threads share one engine. The poller
 * (jobs.c) asks the agents about the running jobs that are due and moves
 * the ended ones to ends[]; the settler (jobs_settle.c) records them and
 * starts the next ones, then sends those. Neither waits for the other: a
 * DONE is noticed while the settler's transactions and sends run. What
 * both change is in jobs_state.c.
 */
#ifndef VAS_SM_JOBS_PRIV_H
#define VAS_SM_JOBS_PRIV_H

#include "eta.h"
#include "jobs.h"
#include "server_cache.h"
#include "worker_loop.h"

#include <pthread.h>

struct job {
	void *row;
	struct eta_poll poll;
};

/* Batches being sent at once, at most (each fans out to its agents). */
#define JOBS_SENDING 4

/* A batch's started rows on their way to the agents (jobs_settle.c). */
struct sending {
	struct jobs *j;
	char *rows;
	int n;
	int64_t epoch; /* the settler's leadership, for the thread */
	pthread_t thread;
	bool on_thread;
};

struct jobs {
	struct sm *sm;
	const struct job_ops *ops;
	struct jobs_config cfg;
	/* lock: the loops, the wake flag and the figures (any thread). */
	pthread_mutex_t lock;
	struct worker_loop *poller;
	struct worker_loop *settler;
	bool woken;
	struct jobs_stats st;
	/*
	 * state: what both engine threads touch. Held only for memory work
	 * (and a server cache miss), never across an agent call or a
	 * transaction. Order: state before lock.
	 */
	pthread_mutex_t state;
	struct job *run; /* sent, polled by the poller */
	int n_run;
	int cap_run;
	struct job_end *ends; /* ended, not yet taken by the settler */
	int n_ends;
	int cap_ends;
	int n_sending; /* started, on their way to an agent */
	struct eta_table *eta;
	struct server_cache servers;
	/* A COMMIT's outcome is unknown: rows it started may be unsent. */
	bool unsure;
	/* The settler's own: */
	double next_full;
	double last_full;
	double settle_after; /* after a failed transaction: not before */
	double *dues; /* rows put back to wait: when each is due (settler) */
	int n_dues;
	int cap_dues;
	bool full_on_end;   /* jobs_full_on_end() */
	double s_per_row;   /* mutation lock held per row recorded, lately */
	double last_held_s; /* the lock, by the last transaction (give_way) */
	struct sending sending[JOBS_SENDING];
	int next_sending;
};

/* With state held: jobs of this engine running on server. */
int jobs_running_on_locked(const struct jobs *j, int32_t server);
/* With state held: queue an ended row (the engine owns row). */
void jobs_add_end(struct jobs *j, void *row, bool done, bool keep_id);
/* The same for an end already described (one the settler gives back). */
void jobs_put_end(struct jobs *j, const struct job_end *e);
/*
 * With state held: track a row its agent accepted (its server's load
 * counts it since it was handed to the sender).
 */
int jobs_add_running(struct jobs *j, void *row, double now);
/* Wakes the other thread (no-op once halted). */
void jobs_wake_poller(struct jobs *j);
void jobs_wake_settler(struct jobs *j);
/* The next pass of *loop (j->poller or j->settler) at eta time next. */
void jobs_next_pass_at(struct jobs *j, struct worker_loop *const *loop,
		       double next);

/* The settler's pass (jobs_settle.c), run by j->settler. */
void jobs_settle_pass(void *arg);
/* Waits until the batch on its way is sent (none: no-op). */
void jobs_send_wait(struct sending *s);
/* The same for every batch on its way. */
void jobs_send_wait_all(struct jobs *j);

#endif
