/*
 * The job engine's settler thread (jobs_priv.h): records the jobs the
 * poller saw end and starts the next ones, in transactions of at most
 * job_batch rows (every mutation waits for each), then sends the started
 * ones. A batch's sends run on their own thread while the settler goes
 * on: its next transaction waits for no agent.
 */
#include "db_fence.h"
#include "jobs_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct send_call {
	struct jobs *j;
	void *row;
	const struct sm_server *srv;
};

/*
 * Sends one started row; the poller tracks it from the moment its agent
 * accepts it, whatever the other agents of its batch take.
 */
static void sender(void *ctx, void *item)
{
	struct send_call *c = item;
	struct jobs *j = ctx;
	bool keep_id = false, ended = false;
	int ret;

	ret =
	    c->srv ? j->ops->send(j->sm, c->row, c->srv, &keep_id) : -EHOSTDOWN;
	pthread_mutex_lock(&j->state);
	j->n_sending--;
	if (ret || jobs_add_running(j, c->row, eta_now())) {
		server_cache_add_load(&j->servers, j->ops->server(c->row), -1);
		jobs_add_end(j, c->row, false, keep_id);
		ended = true;
	}
	pthread_mutex_unlock(&j->state);
	/* Recorded (to be retried) by the settler's next pass, now. */
	if (ended)
		jobs_wake_settler(j);
}

/*
 * With state held: the rows of a committed batch count as running on
 * their servers (caps) from now on, before they reach the agents.
 */
static void count_sending(struct jobs *j, const char *rows, int n)
{
	int32_t *ids = calloc((size_t)n + 1, sizeof(*ids));
	int i;

	for (i = 0; ids && i < n; i++)
		ids[i] = j->ops->server(rows + (size_t)i * j->ops->row_size);
	if (ids)
		server_cache_fill(&j->servers, j->sm->db, ids, n);
	for (i = 0; i < n; i++)
		server_cache_add_load(
		    &j->servers,
		    j->ops->server(rows + (size_t)i * j->ops->row_size), +1);
	j->n_sending += n;
	free(ids);
}

/* Sends the rows just marked PROGRESS; failures end at once. */
static void send_started(struct jobs *j, char *rows, int n)
{
	struct send_call *calls = calloc((size_t)n + 1, sizeof(*calls));
	int k = 0, i;

	pthread_mutex_lock(&j->state);
	for (i = 0; i < n; i++) {
		const char *row = rows + (size_t)i * j->ops->row_size;
		void *copy = calls ? malloc(j->ops->row_size) : NULL;

		if (!copy) { /* no memory: requeued by a later pass */
			j->unsure = true;
			j->n_sending--;
			server_cache_add_load(&j->servers, j->ops->server(row),
					      -1);
			continue;
		}
		memcpy(copy, row, j->ops->row_size);
		calls[k].j = j;
		calls[k].row = copy;
		calls[k++].srv =
		    server_cache_get(&j->servers, j->ops->server(copy));
	}
	pthread_mutex_unlock(&j->state);
	if (k)
		worker_fanout(calls, k, sizeof(*calls), sender, j,
			      j->cfg.fanout);
	pthread_mutex_lock(&j->lock);
	j->st.started += (uint64_t)n;
	pthread_mutex_unlock(&j->lock);
	free(calls);
	/* The poller plans its next look with the new jobs in it. */
	jobs_wake_poller(j);
}

static void *send_thread(void *arg)
{
	struct sending *s = arg;

	db_fence_enter(s->epoch);
	send_started(s->j, s->rows, s->n);
	return NULL;
}

void jobs_send_wait(struct sending *s)
{
	if (s->on_thread)
		pthread_join(s->thread, NULL);
	free(s->rows);
	s->rows = NULL;
	s->n = 0;
	s->on_thread = false;
}

void jobs_send_wait_all(struct jobs *j)
{
	int i;

	for (i = 0; i < JOBS_SENDING; i++)
		jobs_send_wait(&j->sending[i]);
}

/*
 * Sends rows (heap, taken over) while the settler goes on: to its next
 * transaction, or its next pass. A few batches may be on their way at
 * once (one slow agent holds up only its own); a batch waits for the
 * oldest beyond that.
 */
static void send_async(struct jobs *j, void *rows, int n)
{
	struct sending *s = &j->sending[j->next_sending];

	if (!n) {
		free(rows);
		return;
	}
	pthread_mutex_lock(&j->state);
	count_sending(j, rows, n);
	pthread_mutex_unlock(&j->state);
	jobs_send_wait(s);
	j->next_sending = (j->next_sending + 1) % JOBS_SENDING;
	s->j = j;
	s->rows = rows;
	s->n = n;
	s->epoch = db_fence_epoch();
	s->on_thread = !pthread_create(&s->thread, NULL, send_thread, s);
	if (!s->on_thread)
		send_started(j, rows, n);
}

/* Drops ends[0..n) once recorded: their rows are freed. */
static void forget_ends(struct jobs *j, const struct job_end *ends, int n)
{
	int done = 0, i;

	for (i = 0; i < n; i++) {
		done += ends[i].done;
		free(ends[i].row);
	}
	pthread_mutex_lock(&j->lock);
	j->st.done += (uint64_t)done;
	j->st.retried += (uint64_t)(n - done);
	pthread_mutex_unlock(&j->lock);
}

static bool has_full_work(const struct jobs *j, const void *plan)
{
	return j->ops->full_work && j->ops->full_work(plan);
}

/* The lock held for rows of a committed batch: the cost of one, smoothed. */
static void learn_row_cost(struct jobs *j, double held, int rows)
{
	double per = held / (rows > 0 ? rows : 1);

	j->s_per_row = j->s_per_row > 0 ? 0.8 * j->s_per_row + 0.2 * per : per;
}

/*
 * The mutation lock is granted in turn: an API write that arrives while
 * the settler waits for it waits for the settler's transaction too. So
 * the settler gives way: it begins once no other mutation of the manager
 * is open and none ended within as long as it held the lock last (an
 * operation of several transactions, e.g. a failure's replacements, takes
 * the lock again soon), at most shred_give_way_ms. With nobody else
 * writing it goes on at once; before, it stayed away as long as it had
 * held the lock whatever the others did, and API writes still queued
 * behind it.
 */
static void give_way(struct jobs *j)
{
	int recent = (int)(j->last_held_s * 1000), waited;

	if (recent > 100)
		recent = 100;
	if (j->cfg.give_way_ms <= 0 || !db_others_writing(j->sm->db, recent))
		return;
	pthread_mutex_lock(&j->lock);
	j->st.gave_way++;
	pthread_mutex_unlock(&j->lock);
	waited = db_give_way(j->sm->db, recent, j->cfg.give_way_ms);
	pthread_mutex_lock(&j->lock);
	j->st.gave_way_s += waited / 1000.0;
	pthread_mutex_unlock(&j->lock);
}

/* Rows this engine put back to wait: when each is due (the settler's). */
static void due_add(struct jobs *j, double t)
{
	if (j->n_dues == j->cap_dues) {
		int cap = j->cap_dues ? j->cap_dues * 2 : 64;
		double *g = realloc(j->dues, sizeof(*g) * (size_t)cap);

		if (!g) { /* no memory: the whole queue is looked at then */
			if (t < j->next_full)
				j->next_full = t;
			return;
		}
		j->dues = g;
		j->cap_dues = cap;
	}
	j->dues[j->n_dues++] = t;
}

static double due_next(const struct jobs *j)
{
	double t = INFINITY;
	int i;

	for (i = 0; i < j->n_dues; i++)
		if (j->dues[i] < t)
			t = j->dues[i];
	return t;
}

/* A look at the whole queue at now serves every row due by then. */
static void due_served(struct jobs *j, double now)
{
	int k = 0, i;

	for (i = 0; i < j->n_dues; i++)
		if (j->dues[i] > now)
			j->dues[k++] = j->dues[i];
	j->n_dues = k;
}

/* One transaction of a pass (*n_out rows started); 0 or why rolled back. */
static int settle_batch(struct jobs *j, struct job_batch *b, int *n_out)
{
	struct db_tx *tx = NULL;
	void *started = NULL;
	int n_started = 0, ret, rows, i;
	double t0 = 0, held;

	give_way(j);
	ret = j->cfg.give_way_ms > 0 ? db_begin_background(j->sm->db, &tx)
				     : db_begin(j->sm->db, true, &tx);
	if (!ret) {
		t0 = eta_now(); /* the mutation lock is held from here */
		ret = j->ops->settle(j, tx, b, &started, &n_started);
	}
	if (!ret) {
		ret = db_commit(tx);
		/* -EAGAIN: known not committed. */
		if (ret && ret != -EAGAIN) {
			pthread_mutex_lock(&j->state);
			j->unsure = true;
			pthread_mutex_unlock(&j->state);
		}
	} else if (tx) {
		db_rollback(tx);
	}
	if (ret) {
		free(started);
		return ret;
	}
	*n_out = n_started;
	rows = b->n_ends + n_started;
	held = eta_now() - t0;
	j->last_held_s = held;
	/* A full pass's own work (a resync's evacuation) is not per row. */
	if (!(b->full && has_full_work(j, b->plan)))
		learn_row_cost(j, held, rows);
	/* Every mutation waits for this one: a long one is worth a line. */
	if (held > 0.05)
		log_info("%s: %d ended, %d started%s in %.0f ms", j->ops->name,
			 b->n_ends, n_started, b->full ? " (whole queue)" : "",
			 held * 1000);
	/*
	 * A row put back after a delay starts at the look at the queue after
	 * it (a second late: the database's clock decides, and a look that
	 * comes too early would leave it to sched_period_ms).
	 */
	for (i = 0; i < b->n_ends; i++)
		if (!b->ends[i].done)
			due_add(j, t0 + b->ends[i].delay_s + 1);
	pthread_mutex_lock(&j->lock);
	j->st.transactions++;
	j->st.lock_s += held;
	if (rows > j->st.largest_batch)
		j->st.largest_batch = rows;
	pthread_mutex_unlock(&j->lock);
	if (j->ops->settled)
		j->ops->settled(j->sm, b->ends, b->n_ends);
	forget_ends(j, b->ends, b->n_ends);
	send_async(j, started, n_started);
	return 0;
}

/*
 * After a COMMIT lost with its outcome: rows it marked PROGRESS were never
 * sent and nobody polls them; back to the queue with everything else this
 * engine does not track (running, or ended and not yet recorded: those
 * the poller holds and taken[]). 0 or why not.
 */
static int requeue_unknown(struct jobs *j, const struct job_end *taken,
			   int n_taken)
{
	struct db_tx *tx = NULL;
	int32_t *keep;
	int n = 0, moved = 0, ret, i;

	/* Rows on their way to an agent are tracked once it answers. */
	jobs_send_wait_all(j);
	pthread_mutex_lock(&j->state);
	keep =
	    calloc((size_t)(j->n_run + j->n_ends + n_taken) + 1, sizeof(*keep));
	for (i = 0; keep && i < j->n_run; i++)
		keep[n++] = j->ops->eventid(j->run[i].row);
	for (i = 0; keep && i < j->n_ends; i++)
		keep[n++] = j->ops->eventid(j->ends[i].row);
	/* A row dropped from now on sets it again for the next pass. */
	j->unsure = !keep;
	pthread_mutex_unlock(&j->state);
	if (!keep)
		return -ENOMEM;
	for (i = 0; i < n_taken; i++)
		keep[n++] = j->ops->eventid(taken[i].row);
	/*
	 * Rows the poller ends meanwhile stay PROGRESS until recorded: the
	 * statement moves only ids missing from keep[].
	 */
	ret = db_begin(j->sm->db, true, &tx);
	if (!ret)
		ret = db_end(tx, j->ops->requeue(tx, keep, n, &moved));
	free(keep);
	if (ret) {
		pthread_mutex_lock(&j->state);
		j->unsure = true;
		pthread_mutex_unlock(&j->state);
	} else {
		log_warn("%s: %d in-flight rows of an unknown COMMIT back to "
			 "the queue",
			 j->ops->name, moved);
	}
	return ret;
}

/*
 * Rows per transaction: as many as fit in about HOLD_S of holding the
 * mutation lock at the cost per row measured lately, at most job_batch.
 * An API write waits for at most one such transaction (the lock is
 * granted in turn); a quiet database takes whole batches.
 */
#define HOLD_S	 0.05
#define MIN_ROWS 16 /* the fixed cost of a transaction is shared */

#define FIRST_ROWS 16 /* before any cost is known */

static int batch_rows(const struct jobs *j)
{
	int max = j->cfg.batch > 0 ? j->cfg.batch : 64, n;

	if (!j->ops->cost_sized)
		return max;
	if (j->s_per_row <= 0)
		return max < FIRST_ROWS ? max : FIRST_ROWS;
	if (j->s_per_row * max <= HOLD_S)
		return max;
	n = (int)(HOLD_S / j->s_per_row);
	return n < MIN_ROWS ? (max < MIN_ROWS ? max : MIN_ROWS) : n;
}

/* Chooses what starts, in a read-only transaction; 0 or why not. */
static int plan(struct jobs *j, const struct job_end *taken, int n_taken,
		bool full, void **plan, int *n_planned)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(j->sm->db, false, &tx);

	if (!ret)
		ret = j->ops->prepare(j, tx, taken, n_taken, full, plan,
				      n_planned);
	if (tx)
		db_rollback(tx);
	return ret;
}

/*
 * How many of ends[0..n) go in a transaction of at most max rows, each
 * with the plan's row that is its resource's next job (from *plan_at on,
 * which moves past them): a turn of a resource is one transaction.
 */
static int take_turns(const struct jobs *j, const void *plan, int n_planned,
		      const struct job_end *ends, int n, int max, int *plan_at)
{
	int k, rows = 0;

	for (k = 0; k < n; k++) {
		bool next = *plan_at < n_planned &&
			    j->ops->plan_is_next(plan, *plan_at, &ends[k]);

		if (k && rows + 1 + next > max)
			break;
		rows += 1 + next;
		*plan_at += next;
	}
	return k;
}

/*
 * Records the ends taken from the poller and starts what is next, in
 * transactions of at most batch_rows() rows: ends first, then the starts
 * (the disks they free); with plan_is_next, each end with its resource's
 * next job, then the plan's other rows. 0, or why it stopped (the ends
 * left go back).
 */
static int settle(struct jobs *j, bool full, struct job_end *taken, int n_taken,
		  bool unsure)
{
	void *planned = NULL;
	int n_planned = 0, ret = 0, max, from = 0, i;
	bool has_plan = j->ops->prepare != NULL, starts_done = false;
	bool turns = has_plan && j->ops->plan_is_next;
	struct job_batch b;

	if (unsure) {
		ret = requeue_unknown(j, taken, n_taken);
		full = true; /* what went back to the queue starts now */
	}
	b = (struct job_batch){.full = full};
	if (!ret && has_plan) {
		ret = plan(j, taken, n_taken, full, &planned, &n_planned);
		/* Nothing to record or start: no mutation to wait for. */
		if (!ret && !n_taken && !n_planned &&
		    !(full && has_full_work(j, planned)))
			starts_done = true;
	}
	b.plan = planned;
	while (!ret && (from < n_taken || !starts_done)) {
		int room, left = n_taken - from, n_started = 0,
			  plan_at = b.plan_from;

		max = batch_rows(j);
		b.ends = taken + from;
		if (turns && left) {
			b.n_ends = take_turns(j, planned, n_planned, b.ends,
					      left, max, &plan_at);
			room = max - b.n_ends - (plan_at - b.plan_from);
			if (b.n_ends < left || room < 0)
				room = 0;
			room += plan_at - b.plan_from;
		} else {
			b.n_ends = left < max ? left : max;
			room = b.n_ends == left ? max - b.n_ends : 0;
		}
		b.plan_n = has_plan ? n_planned - b.plan_from : 0;
		if (b.plan_n > room)
			b.plan_n = room;
		b.max_start = has_plan ? 0 : room;
		ret = settle_batch(j, &b, &n_started);
		if (ret)
			break;
		from += b.n_ends;
		b.full = false;
		b.plan_from += b.plan_n;
		/* Without a plan: done once a batch had room left over. */
		if (from == n_taken)
			starts_done = has_plan ? b.plan_from >= n_planned
					       : room > 0 && n_started < room;
	}
	free(planned);
	if (ret) {
		/* The ends left stay for the next pass; rows stay PROGRESS. */
		log_warn("%s: cannot record %d ended jobs (%d); next pass "
			 "retries",
			 j->ops->name, n_taken - from, ret);
		pthread_mutex_lock(&j->state);
		for (i = from; i < n_taken; i++)
			jobs_put_end(j, &taken[i]);
		pthread_mutex_unlock(&j->state);
	}
	return ret;
}

/* The shortest time between two looks at the whole queue: 250 ms. */
static double full_gap(const struct jobs *j)
{
	double g = j->cfg.full_ms / 1000.0;

	return g < 0.25 ? g : 0.25;
}

void jobs_settle_pass(void *arg)
{
	struct jobs *j = arg;
	double now = eta_now(), next;
	struct job_end *taken = NULL;
	int n_taken = 0, ret;
	bool full, unsure = false;

	pthread_mutex_lock(&j->lock);
	/*
	 * Wakes come in bursts (a disk registered, a volume deleted): the
	 * whole queue is looked at soon after, but not once per wake.
	 */
	if (j->woken && j->next_full > j->last_full + full_gap(j))
		j->next_full = j->last_full + full_gap(j);
	j->woken = false;
	full = now >= j->next_full || now >= due_next(j);
	pthread_mutex_unlock(&j->lock);
	if (now >= j->settle_after) {
		/* Ends seen from now on wait for the next pass. */
		pthread_mutex_lock(&j->state);
		taken = j->ends;
		n_taken = j->n_ends;
		unsure = j->unsure;
		j->ends = NULL;
		j->n_ends = j->cap_ends = 0;
		pthread_mutex_unlock(&j->state);
		if (n_taken && j->full_on_end)
			full = true;
		if (full)
			j->full_on_end = false; /* prepare() sets it again */
		ret = n_taken || full || unsure
			  ? settle(j, full, taken, n_taken, unsure)
			  : 0;
		free(taken);
		j->settle_after = ret ? now + 1 : 0;
		if (!ret && full) {
			due_served(j, now);
			pthread_mutex_lock(&j->lock);
			j->st.full_passes++;
			pthread_mutex_unlock(&j->lock);
			j->last_full = now;
			j->next_full = now + j->cfg.full_ms / 1000.0;
		}
	}
	next = j->next_full < due_next(j) ? j->next_full : due_next(j);
	/* While the database refuses, look at the queue once a second. */
	if (next < j->settle_after)
		next = j->settle_after;
	pthread_mutex_lock(&j->state);
	if (j->n_ends && j->settle_after < next)
		next = j->settle_after;
	pthread_mutex_unlock(&j->state);
	jobs_next_pass_at(j, &j->settler, next);
}

void jobs_full_on_end(struct jobs *j)
{
	j->full_on_end = true; /* the settler's own, as prepare() runs there */
}
