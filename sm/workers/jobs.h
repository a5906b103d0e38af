/*
 * A queue of agent jobs kept in the database (shreds, resyncs) and driven
 * by two threads: a poller asks each running job's agent when the job is
 * expected to end (eta.h); a settler records the jobs that ended and
 * starts new ones in short transactions, and sends those to their agents
 * in parallel while it goes on. Running jobs are also kept in memory (what
 * to poll when); the database stays the truth, so a restart resumes from
 * it.
 */
#ifndef VAS_SM_JOBS_H
#define VAS_SM_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "agent_ops.h"
#include "db.h"
#include "records.h"
#include "sm.h"

struct jobs;

/* How a sent job ended, as the engine hands it to settle(). */
struct job_end {
	void *row;    /* the engine's copy, valid during settle() */
	bool done;    /* the agent reported DONE */
	bool keep_id; /* the agent may still hold the event id */
	int delay_s;  /* back-off before the next attempt */
	/* Its resource's speed, measured anew, worth keeping (0: none). */
	double s_per_vb;
};

/*
 * One settle transaction's share of a pass: every mutation waits for it,
 * so a pass with many ends or starts is cut into several (the rows that
 * fit in ~50 ms of the lock at their measured cost, at most job_batch;
 * the lock free in between).
 */
struct job_batch {
	struct job_end *ends;
	int n_ends;
	bool full;     /* the first batch of a look at the whole queue */
	void *plan;    /* from prepare() */
	int plan_from; /* with a plan: which of its rows start */
	int plan_n;
	int max_start; /* without a plan: at most this many start */
};

/* What one kind of job needs; rows are opaque, row_size bytes. */
struct job_ops {
	const char *name;
	size_t row_size;
	enum srv_kind kind; /* which agents run it */
	int32_t (*eventid)(const void *row);
	int32_t (*server)(const void *row);
	int64_t (*eta_key)(const void *row); /* what sets its speed */
	bool share_server; /* jobs of one server share its speed (a link) */
	bool ask_note;	   /* our head agent: a DONE may carry a note */
	/*
	 * Rows per transaction from their measured cost (jobs_settle.c), for
	 * cheap rows in large numbers; else job_batch each.
	 */
	bool cost_sized;
	/*
	 * Optional: whether settle() has work of its own on this full pass
	 * (b->full) as prepare() planned it, so that the pass takes a
	 * transaction even with nothing to record or start.
	 */
	bool (*full_work)(const void *plan);
	/* Optional: asks the agent about a sent row (default: by event id). */
	enum agent_poll (*poll)(const struct sm_config *cfg,
				const struct sm_server *srv, int port,
				const void *row);
	int64_t (*size_vb)(const void *row);
	int (*attempts)(const void *row);
	/*
	 * Optional, in a read-only transaction that waits for no other
	 * mutation: choose what settle() starts (*plan, heap memory the
	 * engine frees after settle(); *n_planned rows). The ended jobs
	 * still look running. Nothing ended and nothing planned: no
	 * settle().
	 */
	int (*prepare)(struct jobs *j, struct db_tx *tx,
		       const struct job_end *ends, int n_ends, bool full,
		       void **plan, int *n_planned);
	/*
	 * Optional, with prepare(): whether the plan's row i is the next job
	 * of the resource end ran on. prepare() puts those rows first, in
	 * the order of the ends, and each starts in the transaction that
	 * records its end: one transaction per turn of a resource.
	 */
	bool (*plan_is_next)(const void *plan, int i,
			     const struct job_end *end);
	/*
	 * In one mutating transaction: record b->ends and start new rows
	 * (PENDING -> PROGRESS with event ids): with a plan, its rows
	 * [b->plan_from, +b->plan_n); without, at most b->max_start and
	 * jobs_room(), only near the ended ones unless b->full. *started:
	 * heap array of rows.
	 */
	int (*settle)(struct jobs *j, struct db_tx *tx,
		      const struct job_batch *b, void **started,
		      int *n_started);
	/* Sends a started row; on failure *keep_id says if it may have run. */
	int (*send)(struct sm *sm, void *row, const struct sm_server *srv,
		    bool *keep_id);
	/* After the commit of ends (optional). */
	void (*settled)(struct sm *sm, const struct job_end *ends, int n);
	/*
	 * Optional, at start-up: speeds kept by an earlier run (settle()
	 * keeps those the ends carry), by eta_key; the caller frees both.
	 */
	int (*known_speeds)(struct db_tx *tx, int64_t **keys, double **s_per_vb,
			    int *n);
	/* Start-up: in-flight rows back to PENDING with their ids. */
	int (*salvage)(struct db_tx *tx);
	/* The same for those whose event id is not in keep[] (db_requeue.h). */
	int (*requeue)(struct db_tx *tx, const int32_t *keep, int n_keep,
		       int *moved);
};

struct jobs_config {
	int port;	 /* of the agents */
	int max_running; /* 0: no cap */
	int max_gap_ms;	 /* longest wait between polls past the expected end */
	int full_ms;	 /* how often to look at the whole queue */
	int fanout;	 /* agent calls in parallel */
	int batch;	 /* most rows (ends + starts) per transaction; 0: 64 */
	int give_way_ms; /* most a transaction waits for others; 0: none */
};

/* Salvages (a failure is fatal, M76) and starts the worker. */
int jobs_start(struct sm *sm, const struct job_ops *ops,
	       const struct jobs_config *cfg, struct jobs **out);
/* New work may be queued: look at the whole queue at once. */
void jobs_wake(struct jobs *j);
/*
 * Stops the worker and joins it; later wakes are no-ops. Two engines that
 * wake each other are both halted before either is freed.
 */
void jobs_halt(struct jobs *j);
/* Halts if needed and frees; NULL is a no-op. */
void jobs_free(struct jobs *j);

/*
 * For prepare(): a cap held back work that an end may let start (another
 * disk of the same server): the next pass that records an end looks at
 * the whole queue.
 */
void jobs_full_on_end(struct jobs *j);
/* For settle(): the manager, the room left under max_running, load. */
struct sm *jobs_sm(const struct jobs *j);
int jobs_room(const struct jobs *j);
int jobs_running_on(const struct jobs *j, int32_t server);

/* Figures for /metrics. */
struct jobs_stats {
	int running;
	uint64_t started;
	uint64_t done;
	uint64_t retried;
	uint64_t polls;
	uint64_t transactions; /* settle transactions committed */
	uint64_t full_passes;  /* looks at the whole queue */
	int largest_batch;     /* most rows one of them recorded */
	double lock_s;	       /* the mutation lock held by them, in all */
	uint64_t gave_way;     /* of them waited for other mutations first */
	double gave_way_s;     /* how long, in all */
};
void jobs_get_stats(const struct jobs *j, struct jobs_stats *st);

#endif
