/*
 * The job engine of the shred and resync workers (jobs.h): the public
 * calls and the poller thread (jobs_priv.h); the settler is in
 * jobs_settle.c.
 */
#include "jobs_priv.h"
#include "agent_ops.h"
#include "db_fence.h"
#include "vas/log.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

struct call {
	struct jobs *j;
	void *row;
	const struct sm_server *srv;
	enum agent_poll answer;
	char note[200]; /* said with a DONE (ask_note) */
};

struct sm *jobs_sm(const struct jobs *j)
{
	return j->sm;
}

int jobs_room(const struct jobs *j)
{
	struct jobs *mj = (struct jobs *)j;
	int room;

	if (j->cfg.max_running <= 0)
		return INT_MAX;
	pthread_mutex_lock(&mj->state);
	room = j->cfg.max_running - j->n_run - j->n_sending;
	if (room < 0)
		room = 0;
	pthread_mutex_unlock(&mj->state);
	return room;
}

int jobs_running_on(const struct jobs *j, int32_t server)
{
	struct jobs *mj = (struct jobs *)j;
	int n;

	pthread_mutex_lock(&mj->state);
	n = jobs_running_on_locked(j, server);
	pthread_mutex_unlock(&mj->state);
	return n;
}

void jobs_get_stats(const struct jobs *j, struct jobs_stats *st)
{
	struct jobs *mj = (struct jobs *)j;
	int running;

	pthread_mutex_lock(&mj->state);
	running = j->n_run;
	pthread_mutex_unlock(&mj->state);
	pthread_mutex_lock(&mj->lock);
	*st = j->st;
	pthread_mutex_unlock(&mj->lock);
	st->running = running;
}

static double gap_s(const struct jobs *j)
{
	return j->cfg.max_gap_ms / 1000.0;
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

/*
 * With state held: what the answers say of the running jobs that were
 * asked (in run[] order; rows added meanwhile come after them and were not
 * asked). True when some ended.
 */
static bool take_answers(struct jobs *j, const struct call *calls, int n,
			 double now)
{
	int i, k, kept = 0, *share = NULL;
	bool replan = false, ended = false;

	/*
	 * The jobs on each one's server as it ended, read before any of the
	 * ends of this pass is taken off (no memory: as when sent).
	 */
	if (j->ops->share_server && n)
		share = calloc((size_t)n, sizeof(*share));
	for (k = 0; share && k < n; k++)
		if (calls[k].answer == AGENT_POLL_DONE)
			share[k] = jobs_running_on_locked(
			    j, j->ops->server(calls[k].row));
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
			replan |=
			    eta_done(j->eta, &job->poll, j->ops->eta_key(row),
				     share ? share[k - 1] : 0, now, gap_s(j));
		else
			eta_forget(j->eta, &job->poll);
		server_cache_add_load(&j->servers, j->ops->server(row), -1);
		jobs_add_end(j, row, a == AGENT_POLL_DONE,
			     a == AGENT_POLL_LOST);
		if (a == AGENT_POLL_DONE && j->n_ends &&
		    j->ends[j->n_ends - 1].row == row)
			j->ends[j->n_ends - 1].s_per_vb =
			    eta_to_keep(j->eta, j->ops->eta_key(row));
		ended = true;
	}
	j->n_run = kept;
	free(share);
	for (i = 0; replan && i < j->n_run; i++)
		eta_replan(j->eta, &j->run[i].poll,
			   j->ops->eta_key(j->run[i].row), now);
	return ended;
}

/*
 * Polls every running job that is due; ended ones move to j->ends for the
 * settler. The agents are asked without the state lock: the settler adds
 * the jobs it sends meanwhile.
 */
static void poll_due(struct jobs *j, double now)
{
	struct call *calls;
	int32_t *ids;
	int n = 0, i, k;
	bool ended = false;

	/*
	 * Unlike the settler, the poller never waits for the database: a
	 * leader cut off from it stops asking once its lease is overdue,
	 * before it is lost, not with the last call before the loss.
	 */
	if (!db_fence_fresh())
		return;
	pthread_mutex_lock(&j->state);
	for (i = 0; i < j->n_run; i++)
		n += j->run[i].poll.next <= now;
	calls = n ? calloc((size_t)n, sizeof(*calls)) : NULL;
	ids = n ? calloc((size_t)n, sizeof(*ids)) : NULL;
	if (!calls || !ids)
		n = 0;
	for (i = 0, k = 0; k < n && i < j->n_run; i++)
		if (j->run[i].poll.next <= now)
			ids[k++] = j->ops->server(j->run[i].row);
	if (n)
		server_cache_fill(&j->servers, j->sm->db, ids, n);
	for (i = 0, k = 0; k < n && i < j->n_run; i++)
		if (j->run[i].poll.next <= now) {
			calls[k].j = j;
			calls[k].row = j->run[i].row;
			calls[k++].srv = server_cache_get(
			    &j->servers, j->ops->server(j->run[i].row));
		}
	pthread_mutex_unlock(&j->state);
	if (n) {
		worker_fanout(calls, n, sizeof(*calls), ask, j, j->cfg.fanout);
		pthread_mutex_lock(&j->state);
		ended = take_answers(j, calls, n, eta_now());
		pthread_mutex_unlock(&j->state);
		pthread_mutex_lock(&j->lock);
		j->st.polls += (uint64_t)n;
		pthread_mutex_unlock(&j->lock);
	}
	if (ended)
		jobs_wake_settler(j);
	free(calls);
	free(ids);
}

/* 100 ms, or a quarter of the longest poll gap when that is shorter. */
static double batch_gap(const struct jobs *j)
{
	double g = gap_s(j) / 4;

	return g < 0.1 ? g : 0.1;
}

static void poll_pass(void *arg)
{
	struct jobs *j = arg;
	double now = eta_now(), next = now + j->cfg.full_ms / 1000.0;
	int i;

	poll_due(j, now);
	pthread_mutex_lock(&j->state);
	for (i = 0; i < j->n_run; i++)
		if (j->run[i].poll.next < next)
			next = j->run[i].poll.next;
	pthread_mutex_unlock(&j->state);
	/* Polls due close together share one pass: one per batch gap. */
	if (next < now + batch_gap(j))
		next = now + batch_gap(j);
	jobs_next_pass_at(j, &j->poller, next);
}

static int salvage(struct db_tx *tx, void *arg)
{
	const struct job_ops *ops = arg;

	return ops->salvage(tx);
}

/* Speeds an earlier run kept (ops->known_speeds): best effort. */
static void learn_known(struct jobs *j)
{
	struct db_tx *tx = NULL;
	int64_t *keys = NULL;
	double *s = NULL;
	int n = 0, ret, i;

	if (!j->ops->known_speeds)
		return;
	ret = db_begin(j->sm->db, false, &tx);
	if (!ret)
		ret = j->ops->known_speeds(tx, &keys, &s, &n);
	if (tx)
		db_rollback(tx);
	for (i = 0; !ret && i < n; i++)
		eta_learn(j->eta, keys[i], s[i]);
	if (ret)
		log_warn("%s: speeds of an earlier run not read (%d); "
			 "measured again",
			 j->ops->name, ret);
	else if (n)
		log_info("%s: %d speeds of an earlier run known", j->ops->name,
			 n);
	free(keys);
	free(s);
}

static void destroy(struct jobs *j)
{
	int i;

	for (i = 0; i < j->n_run; i++)
		free(j->run[i].row);
	for (i = 0; i < j->n_ends; i++)
		free(j->ends[i].row);
	free(j->run);
	free(j->ends);
	free(j->dues);
	server_cache_free(&j->servers);
	eta_free(j->eta);
	pthread_mutex_destroy(&j->lock);
	pthread_mutex_destroy(&j->state);
	free(j);
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
	pthread_mutex_init(&j->state, NULL);
	/* Stranded PROGRESS rows would never run again (M76): fatal. */
	ret = j->eta ? db_run(sm->db, true, salvage, (void *)ops) : -ENOMEM;
	if (!ret)
		learn_known(j);
	if (!ret) {
		/* Under the lock: a pass waking the other finds it set. */
		pthread_mutex_lock(&j->lock);
		ret = worker_loop_start(ops->name, cfg->full_ms,
					jobs_settle_pass, j, &j->settler);
		if (!ret)
			ret = worker_loop_start(ops->name, cfg->full_ms,
						poll_pass, j, &j->poller);
		pthread_mutex_unlock(&j->lock);
	}
	if (ret) {
		jobs_halt(j);
		destroy(j);
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
	worker_loop_wake(j->settler);
	pthread_mutex_unlock(&j->lock);
}

void jobs_halt(struct jobs *j)
{
	struct worker_loop *poller, *settler;

	if (!j)
		return;
	pthread_mutex_lock(&j->lock);
	poller = j->poller;
	settler = j->settler;
	j->poller = j->settler = NULL;
	pthread_mutex_unlock(&j->lock);
	/* Each may still wake the other: that finds NULL. */
	worker_loop_stop(poller);
	worker_loop_stop(settler);
	jobs_send_wait_all(j);
}

void jobs_free(struct jobs *j)
{
	if (!j)
		return;
	jobs_halt(j);
	destroy(j);
}
