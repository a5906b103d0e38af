/*
 * The job engine of the shred and resync workers (jobs.h). One thread per
 * engine runs the passes; j->lock guards only what other threads touch
 * (the loop pointer, the wake flag and the figures).
 */
#include "jobs.h"
#include "agent_ops.h"
#include "eta.h"
#include "server_cache.h"
#include "worker_loop.h"
#include "vas/log.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct job {
	void *row;
	struct eta_poll poll;
};

struct call {
	struct jobs *j;
	void *row;
	const struct sm_server *srv;
	enum agent_poll answer;
	char note[200]; /* said with a DONE (ask_note) */
	bool keep_id;
	int ret;
};

struct jobs {
	struct sm *sm;
	const struct job_ops *ops;
	struct jobs_config cfg;
	struct worker_loop *loop;
	pthread_mutex_t lock;
	bool woken;
	struct jobs_stats st;
	/* Owned by the worker thread: */
	struct job *run;
	int n_run;
	int cap_run;
	struct job_end *ends; /* ended, not yet recorded */
	int n_ends;
	int cap_ends;
	struct eta_table *eta;
	struct server_cache servers;
	double next_full;
	double last_full;
	double settle_after; /* after a failed transaction: not before */
	/* A COMMIT's outcome is unknown: rows it started may be unsent. */
	bool unsure;
};

struct sm *jobs_sm(const struct jobs *j)
{
	return j->sm;
}

int jobs_room(const struct jobs *j)
{
	if (j->cfg.max_running <= 0)
		return INT_MAX;
	return j->n_run < j->cfg.max_running ? j->cfg.max_running - j->n_run
					     : 0;
}

int jobs_running_on(const struct jobs *j, int32_t server)
{
	int n = 0, i;

	if (server_cache_load(&j->servers, server, &n))
		return n;
	for (i = 0; i < j->n_run; i++)
		n += j->ops->server(j->run[i].row) == server;
	return n;
}

void jobs_get_stats(const struct jobs *j, struct jobs_stats *st)
{
	struct jobs *mj = (struct jobs *)j;

	pthread_mutex_lock(&mj->lock);
	*st = j->st;
	pthread_mutex_unlock(&mj->lock);
}

static double gap_s(const struct jobs *j)
{
	return j->cfg.max_gap_ms / 1000.0;
}

static void add_end(struct jobs *j, void *row, bool done, bool keep_id)
{
	struct job_end *e;

	if (j->n_ends == j->cap_ends) {
		int cap = j->cap_ends ? j->cap_ends * 2 : 256;
		struct job_end *g = realloc(j->ends, sizeof(*g) * (size_t)cap);

		if (!g) {
			/* Forget it: the row stays PROGRESS until the next
			 * settle requeues it; nothing is freed twice. */
			log_err("%s: out of memory, event %d dropped",
				j->ops->name, j->ops->eventid(row));
			j->unsure = true;
			free(row);
			return;
		}
		j->ends = g;
		j->cap_ends = cap;
	}
	e = &j->ends[j->n_ends++];
	e->row = row;
	e->done = done;
	e->keep_id = keep_id;
	e->delay_s = done ? 0 : worker_backoff_s(j->ops->attempts(row));
}

static void set_load(struct jobs *j, void *row, int delta)
{
	server_cache_add_load(&j->servers, j->ops->server(row), delta);
}

static void ask(void *ctx, void *item)
{
	struct call *c = item;
	struct jobs *j = c->j;

	(void)ctx;
	if (!c->srv)
		c->answer = AGENT_POLL_LOST;
	else if (j->ops->poll)
		c->answer =
		    j->ops->poll(&j->sm->cfg, c->srv, j->cfg.port, c->row);
	else
		c->answer = agent_poll_event(
		    &j->sm->cfg, c->srv, j->cfg.port, j->ops->eventid(c->row),
		    c->note, j->ops->ask_note ? sizeof(c->note) : 0);
}

/* Polls every running job that is due; ended ones move to j->ends. */
static void poll_due(struct jobs *j, double now)
{
	struct call *calls = calloc((size_t)j->n_run + 1, sizeof(*calls));
	int32_t *ids = calloc((size_t)j->n_run + 1, sizeof(*ids));
	int n = 0, i, k, kept = 0;
	bool replan = false;

	if (!calls || !ids)
		goto out;
	for (i = 0; i < j->n_run; i++)
		if (j->run[i].poll.next <= now)
			ids[n++] = j->ops->server(j->run[i].row);
	if (!n)
		goto out;
	server_cache_fill(&j->servers, j->sm->db, ids, n);
	for (i = 0, k = 0; i < j->n_run; i++)
		if (j->run[i].poll.next <= now) {
			calls[k].j = j;
			calls[k].row = j->run[i].row;
			calls[k++].srv = server_cache_get(
			    &j->servers, j->ops->server(j->run[i].row));
		}
	worker_fanout(calls, n, sizeof(*calls), ask, j, j->cfg.fanout);
	now = eta_now();
	for (i = 0, k = 0; i < j->n_run; i++) {
		struct job *job = &j->run[i];
		void *row = job->row;
		enum agent_poll a;

		if (k >= n || calls[k].row != row) {
			j->run[kept++] = *job; /* not asked this pass */
			continue;
		}
		a = calls[k++].answer;
		if (a == AGENT_POLL_RUNNING) {
			eta_running(&job->poll, now, gap_s(j));
			j->run[kept++] = *job;
			continue;
		}
		/* Done, but e.g. the head kept the old leg built (its map). */
		if (a == AGENT_POLL_DONE && calls[k - 1].note[0])
			log_warn("%s %d: %s-%08x: %s", j->ops->name,
				 j->ops->eventid(row),
				 j->ops->kind == SRV_HSVR ? "hsvr" : "ssvr",
				 j->ops->server(row), calls[k - 1].note);
		if (a == AGENT_POLL_DONE)
			replan |= eta_done(j->eta, &job->poll,
					   j->ops->eta_key(row), now, gap_s(j));
		set_load(j, row, -1);
		add_end(j, row, a == AGENT_POLL_DONE, a == AGENT_POLL_LOST);
	}
	j->n_run = kept;
	for (i = 0; replan && i < j->n_run; i++)
		eta_replan(j->eta, &j->run[i].poll,
			   j->ops->eta_key(j->run[i].row), now);
	pthread_mutex_lock(&j->lock);
	j->st.polls += (uint64_t)n;
	pthread_mutex_unlock(&j->lock);
out:
	free(calls);
	free(ids);
}

static void sender(void *ctx, void *item)
{
	struct call *c = item;
	struct jobs *j = ctx;

	c->keep_id = false;
	c->ret = c->srv ? j->ops->send(j->sm, c->row, c->srv, &c->keep_id)
			: -EHOSTDOWN;
}

static int add_running(struct jobs *j, void *row, double now)
{
	struct job *job;

	if (j->n_run == j->cap_run) {
		int cap = j->cap_run ? j->cap_run * 2 : 256;
		struct job *g = realloc(j->run, sizeof(*g) * (size_t)cap);

		if (!g)
			return -ENOMEM;
		j->run = g;
		j->cap_run = cap;
	}
	job = &j->run[j->n_run++];
	job->row = row;
	set_load(j, row, +1);
	/* Jobs sharing their server's link go as fast as their share. */
	eta_begin(
	    j->eta, &job->poll, j->ops->eta_key(row), j->ops->size_vb(row),
	    j->ops->share_server ? jobs_running_on(j, j->ops->server(row)) : 1,
	    now);
	return 0;
}

/* Sends the rows just marked PROGRESS; failures end at once. */
static void send_started(struct jobs *j, char *rows, int n)
{
	struct call *calls = calloc((size_t)n + 1, sizeof(*calls));
	int32_t *ids = calloc((size_t)n + 1, sizeof(*ids));
	double now;
	int i;

	for (i = 0; calls && ids && i < n; i++)
		ids[i] = j->ops->server(rows + (size_t)i * j->ops->row_size);
	if (calls && ids)
		server_cache_fill(&j->servers, j->sm->db, ids, n);
	for (i = 0; i < n; i++) {
		void *copy = malloc(j->ops->row_size);

		if (copy)
			memcpy(copy, rows + (size_t)i * j->ops->row_size,
			       j->ops->row_size);
		if (calls) {
			calls[i].j = j;
			calls[i].row = copy;
			calls[i].srv =
			    copy ? server_cache_get(&j->servers,
						    j->ops->server(copy))
				 : NULL;
		}
	}
	if (calls)
		worker_fanout(calls, n, sizeof(*calls), sender, j,
			      j->cfg.fanout);
	now = eta_now();
	for (i = 0; calls && i < n; i++) {
		if (!calls[i].row) { /* no memory: requeued by a later pass */
			j->unsure = true;
			continue;
		}
		if (calls[i].ret || add_running(j, calls[i].row, now))
			add_end(j, calls[i].row, false, calls[i].keep_id);
	}
	pthread_mutex_lock(&j->lock);
	j->st.started += (uint64_t)n;
	pthread_mutex_unlock(&j->lock);
	free(calls);
	free(ids);
}

static int batch_rows(const struct jobs *j)
{
	return j->cfg.batch > 0 ? j->cfg.batch : 64;
}

/* Drops ends[0..n) once recorded: their rows are freed. */
static void forget_ends(struct jobs *j, int n)
{
	int done = 0, i;

	for (i = 0; i < n; i++) {
		done += j->ends[i].done;
		free(j->ends[i].row);
	}
	if (j->n_ends > n) /* else ends may be NULL: none were ever added */
		memmove(j->ends, j->ends + n,
			sizeof(*j->ends) * (size_t)(j->n_ends - n));
	j->n_ends -= n;
	pthread_mutex_lock(&j->lock);
	j->st.done += (uint64_t)done;
	j->st.retried += (uint64_t)(n - done);
	pthread_mutex_unlock(&j->lock);
}

/* One transaction of a pass; 0 or why it was rolled back. */
static int settle_batch(struct jobs *j, struct job_batch *b)
{
	struct db_tx *tx = NULL;
	void *started = NULL;
	int n_started = 0, ret, rows;
	double t0 = eta_now();

	ret = db_begin(j->sm->db, true, &tx);
	if (!ret)
		ret = j->ops->settle(j, tx, b, &started, &n_started);
	if (!ret) {
		ret = db_commit(tx);
		/* -EAGAIN: known not committed. */
		if (ret && ret != -EAGAIN)
			j->unsure = true;
	} else if (tx) {
		db_rollback(tx);
	}
	if (ret) {
		free(started);
		return ret;
	}
	rows = b->n_ends + n_started;
	/* Every mutation waits for this one: a long one is worth a line. */
	if (eta_now() - t0 > 0.05)
		log_info("%s: %d ended, %d started%s in %.0f ms", j->ops->name,
			 b->n_ends, n_started, b->full ? " (whole queue)" : "",
			 (eta_now() - t0) * 1000);
	pthread_mutex_lock(&j->lock);
	j->st.transactions++;
	if (rows > j->st.largest_batch)
		j->st.largest_batch = rows;
	pthread_mutex_unlock(&j->lock);
	if (j->ops->settled)
		j->ops->settled(j->sm, b->ends, b->n_ends);
	forget_ends(j, b->n_ends);
	/* Sent before the next batch: the agents start while it waits. */
	if (n_started)
		send_started(j, started, n_started);
	free(started);
	return 0;
}

/*
 * After a COMMIT lost with its outcome: rows it marked PROGRESS were never
 * sent and nobody polls them; back to the queue with everything else this
 * engine does not track (running or ended, not yet recorded). 0 or why not.
 */
static int requeue_unknown(struct jobs *j)
{
	int32_t *keep =
	    calloc((size_t)(j->n_run + j->n_ends) + 1, sizeof(*keep));
	struct db_tx *tx = NULL;
	int n = 0, moved = 0, ret, i;

	if (!keep)
		return -ENOMEM;
	for (i = 0; i < j->n_run; i++)
		keep[n++] = j->ops->eventid(j->run[i].row);
	for (i = 0; i < j->n_ends; i++)
		keep[n++] = j->ops->eventid(j->ends[i].row);
	ret = db_begin(j->sm->db, true, &tx);
	if (!ret)
		ret = db_end(tx, j->ops->requeue(tx, keep, n, &moved));
	free(keep);
	if (!ret) {
		j->unsure = false;
		log_warn("%s: %d in-flight rows of an unknown COMMIT back to "
			 "the queue",
			 j->ops->name, moved);
	}
	return ret;
}

/*
 * Records the ends and starts what is next, in transactions of at most
 * batch_rows() rows: ends first, then the starts (the disks they free).
 */
static void settle(struct jobs *j, bool full, double now)
{
	struct db_tx *tx = NULL;
	void *plan = NULL;
	int n_planned = 0, ret = 0, max = batch_rows(j);
	bool planned = j->ops->prepare != NULL, starts_done = false;
	struct job_batch b;

	if ((!j->n_ends && !full && !j->unsure) || now < j->settle_after)
		return;
	if (j->unsure) {
		ret = requeue_unknown(j);
		full = true; /* what went back to the queue starts now */
	}
	b = (struct job_batch){.full = full};
	if (!ret && planned) {
		ret = db_begin(j->sm->db, false, &tx);
		if (!ret)
			ret = j->ops->prepare(j, tx, j->ends, j->n_ends, full,
					      &plan, &n_planned);
		if (tx)
			db_rollback(tx);
		/* Nothing to record or start: no mutation to wait for. */
		if (!ret && !j->n_ends && !n_planned)
			starts_done = true;
	}
	b.plan = plan;
	while (!ret && (j->n_ends || !starts_done)) {
		int room;

		b.ends = j->ends;
		b.n_ends = j->n_ends < max ? j->n_ends : max;
		room = b.n_ends == j->n_ends ? max - b.n_ends : 0;
		b.plan_n = planned ? n_planned - b.plan_from : 0;
		if (b.plan_n > room)
			b.plan_n = room;
		b.max_start = planned ? 0 : room;
		ret = settle_batch(j, &b);
		if (ret)
			break;
		b.full = false;
		b.plan_from += b.plan_n;
		if (!j->n_ends)
			starts_done =
			    planned ? b.plan_from >= n_planned : room > 0;
	}
	free(plan);
	if (ret) {
		/* The ends left stay for the next pass; rows stay PROGRESS. */
		log_warn("%s: cannot record %d ended jobs (%d); next pass "
			 "retries",
			 j->ops->name, j->n_ends, ret);
		j->settle_after = now + 1;
		return;
	}
	j->settle_after = 0;
	if (full) {
		j->last_full = now;
		j->next_full = now + j->cfg.full_ms / 1000.0;
	}
}

/* The shortest time between two looks at the whole queue: 250 ms. */
static double full_gap(const struct jobs *j)
{
	double g = j->cfg.full_ms / 1000.0;

	return g < 0.25 ? g : 0.25;
}

/* 100 ms, or a quarter of the longest poll gap when that is shorter. */
static double batch_gap(const struct jobs *j)
{
	double g = gap_s(j) / 4;

	return g < 0.1 ? g : 0.1;
}

static void pass(void *arg)
{
	struct jobs *j = arg;
	double now = eta_now(), next;
	struct worker_loop *loop;
	bool full;
	int i;

	pthread_mutex_lock(&j->lock);
	/*
	 * Wakes come in bursts (a disk registered, a volume deleted): the
	 * whole queue is looked at soon after, but not once per wake.
	 */
	if (j->woken && j->next_full > j->last_full + full_gap(j))
		j->next_full = j->last_full + full_gap(j);
	j->woken = false;
	full = now >= j->next_full;
	loop = j->loop;
	pthread_mutex_unlock(&j->lock);
	poll_due(j, now);
	settle(j, full, eta_now());
	pthread_mutex_lock(&j->lock);
	j->st.running = j->n_run;
	pthread_mutex_unlock(&j->lock);
	next = j->next_full;
	/* While the database refuses, look at the queue once a second. */
	if (next < j->settle_after)
		next = j->settle_after;
	for (i = 0; i < j->n_run; i++)
		if (j->run[i].poll.next < next)
			next = j->run[i].poll.next;
	/*
	 * Polls due close together share one pass (and one transaction,
	 * which every other mutation waits for): at most one per batch gap.
	 */
	if (next < now + batch_gap(j))
		next = now + batch_gap(j);
	if (j->n_ends && j->settle_after < next)
		next = j->settle_after;
	if (loop)
		worker_loop_set_next(loop,
				     (int)ceil((next - eta_now()) * 1000));
}

static int salvage(struct db_tx *tx, void *arg)
{
	const struct job_ops *ops = arg;

	return ops->salvage(tx);
}

int jobs_start(struct sm *sm, const struct job_ops *ops,
	       const struct jobs_config *cfg, struct jobs **out)
{
	struct jobs *j = calloc(1, sizeof(*j));
	int ret;

	if (!j)
		return -ENOMEM;
	j->sm = sm;
	j->ops = ops;
	j->cfg = *cfg;
	j->servers.kind = ops->kind;
	if (j->cfg.fanout <= 0)
		j->cfg.fanout = 32;
	j->eta = eta_new();
	pthread_mutex_init(&j->lock, NULL);
	/* Stranded PROGRESS rows would never run again (M76): fatal. */
	ret = j->eta ? db_run(sm->db, true, salvage, (void *)ops) : -ENOMEM;
	if (!ret) {
		pthread_mutex_lock(&j->lock);
		ret = worker_loop_start(ops->name, cfg->full_ms, pass, j,
					&j->loop);
		pthread_mutex_unlock(&j->lock);
	}
	if (ret) {
		eta_free(j->eta);
		pthread_mutex_destroy(&j->lock);
		free(j);
		return ret;
	}
	*out = j;
	return 0;
}

void jobs_wake(struct jobs *j)
{
	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	j->woken = true;
	/* Under the lock: jobs_halt() cannot free the loop meanwhile. */
	worker_loop_wake(j->loop);
	pthread_mutex_unlock(&j->lock);
}

void jobs_halt(struct jobs *j)
{
	struct worker_loop *loop;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	loop = j->loop;
	j->loop = NULL;
	pthread_mutex_unlock(&j->lock);
	worker_loop_stop(loop);
}

void jobs_free(struct jobs *j)
{
	int i;

	if (!j)
		return;
	jobs_halt(j);
	for (i = 0; i < j->n_run; i++)
		free(j->run[i].row);
	for (i = 0; i < j->n_ends; i++)
		free(j->ends[i].row);
	free(j->run);
	free(j->ends);
	server_cache_free(&j->servers);
	eta_free(j->eta);
	pthread_mutex_destroy(&j->lock);
	free(j);
}
