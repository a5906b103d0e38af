/*
 * Shred scheduler (sm.md 7.3 with M8, M11, M54-M58 fixed): every idle
 * disk zeroes its next extent, all disks at once - one shred per disk;
 * shredder_count per server and max_shred_tasks in all only when set. A
 * shred is polled when its disk's measured speed says it ends (jobs.h,
 * eta.h), and the disk's next extent starts in the transaction that
 * records the end. Failed attempts back off exponentially (10 s .. 10 min).
 */
#include "shred.h"
#include "agent_ops.h"
#include "db_shred.h"
#include "db_requeue.h"
#include "jobs.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int32_t row_eventid(const void *r)
{
	return ((const struct shred_row *)r)->eventid;
}

static int32_t row_server(const void *r)
{
	return ((const struct shred_row *)r)->ssvrid;
}

static int64_t row_disk(const void *r)
{
	return ((const struct shred_row *)r)->pdskid;
}

static int64_t row_size(const void *r)
{
	return ((const struct shred_row *)r)->capacity_vb;
}

static int row_attempts(const void *r)
{
	return ((const struct shred_row *)r)->attempts;
}

struct ranked {
	struct shred_row row;
	int score; /* shreds on its server once it runs */
};

static int by_server(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->row.ssvrid != y->row.ssvrid)
		return x->row.ssvrid < y->row.ssvrid ? -1 : 1;
	return x->row.pdskid < y->row.pdskid ? -1 : 1;
}

static int by_score(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	return x->row.pdskid < y->row.pdskid ? -1 : 1;
}

/*
 * Which candidates start: all of them, unless a cap binds. Then, as in
 * 3.0, the load a server would have after counting each candidate ranks
 * them (least loaded first), so servers take turns.
 */
static int apply_caps(struct jobs *j, struct shred_row *c, int n)
{
	int per_server = jobs_sm(j)->cfg.shredder_count, room = jobs_room(j);
	struct ranked *r;
	int kept = 0, i;

	if (per_server <= 0 && room >= n)
		return n;
	r = calloc((size_t)n + 1, sizeof(*r));
	if (!r)
		return 0;
	for (i = 0; i < n; i++)
		r[i].row = c[i];
	qsort(r, (size_t)n, sizeof(*r), by_server);
	for (i = 0; i < n; i++)
		r[i].score = i && r[i - 1].row.ssvrid == r[i].row.ssvrid
				 ? r[i - 1].score + 1
				 : jobs_running_on(j, r[i].row.ssvrid) + 1;
	qsort(r, (size_t)n, sizeof(*r), by_score);
	for (i = 0; i < n && kept < room; i++)
		if (per_server <= 0 || r[i].score <= per_server)
			c[kept++] = r[i].row;
	free(r);
	return kept;
}

/* What a pass starts: chosen before its transaction (one allocation). */
struct plan {
	int n;
	struct shred_row rows[];
};

static int by_disk(const void *a, const void *b)
{
	const struct shred_row *x = a, *y = b;

	return x->pdskid < y->pdskid ? -1 : x->pdskid > y->pdskid;
}

/*
 * The plan's order (jobs.h plan_is_next): the next extent of each ended
 * disk first, in the order of the ends, then the other disks'. c[] holds
 * at most one row per disk.
 */
static void order_plan(struct plan *p, struct shred_row *c, int n,
		       const struct job_end *ends, int n_ends)
{
	bool *used = calloc((size_t)n + 1, sizeof(*used));
	int k = 0, i;

	if (!used) { /* no pairs: the ends' disks start a batch later */
		memcpy(p->rows, c, sizeof(*c) * (size_t)n);
		return;
	}
	qsort(c, (size_t)n, sizeof(*c), by_disk);
	for (i = 0; i < n_ends; i++) {
		const struct shred_row *end = ends[i].row;
		struct shred_row *r =
		    bsearch(end, c, (size_t)n, sizeof(*c), by_disk);

		if (r && !used[r - c]) {
			used[r - c] = true;
			p->rows[k++] = *r;
		}
	}
	for (i = 0; i < n; i++)
		if (!used[i])
			p->rows[k++] = c[i];
	free(used);
}

static bool plan_is_next(const void *plan, int i, const struct job_end *end)
{
	const struct plan *p = plan;

	return p->rows[i].pdskid ==
	       ((const struct shred_row *)end->row)->pdskid;
}

/* The next extent of each disk that just finished, of all when full. */
static int prepare(struct jobs *j, struct db_tx *tx, const struct job_end *ends,
		   int n_ends, bool full, void **out, int *n_planned)
{
	struct shred_row *ended = calloc((size_t)n_ends + 1, sizeof(*ended));
	struct shred_row *c = NULL;
	struct plan *p = NULL;
	int ret = ended ? 0 : -ENOMEM, n = 0, k = 0, i;

	/* A disk whose agent may still run the ended dd waits for it. */
	for (i = 0; !ret && i < n_ends; i++)
		if (ends[i].done || !ends[i].keep_id)
			ended[k++] = *(const struct shred_row *)ends[i].row;
	if (!ret && (full || k) && jobs_room(j) > 0)
		ret = db_shred_candidates(tx, ended, k, full, &c, &n);
	if (!ret) {
		int all = n;

		n = apply_caps(j, c, n);
		if (n < all)
			jobs_full_on_end(j);
	}
	if (!ret) {
		p = malloc(sizeof(*p) + sizeof(*c) * (size_t)n);
		ret = p ? 0 : -ENOMEM;
	}
	if (!ret) {
		p->n = n;
		if (n)
			order_plan(p, c, n, ends, n_ends);
		*out = p;
		*n_planned = n;
	}
	free(ended);
	free(c);
	return ret;
}

/* The speeds the ends measured anew, kept for a restart (sql/013). */
static int keep_speeds(struct db_tx *tx, const struct job_end *ends, int n)
{
	int64_t *ids = calloc((size_t)n, sizeof(*ids)),
		*us = calloc((size_t)n, sizeof(*us));
	int k = 0, ret, i;

	for (i = 0; ids && us && i < n; i++)
		if (ends[i].s_per_vb > 0) {
			ids[k] = row_disk(ends[i].row);
			us[k++] = (int64_t)(ends[i].s_per_vb * 1e6) + 1;
		}
	ret = ids && us ? 0 : -ENOMEM;
	if (!ret && k)
		ret = db_shred_keep_speeds(tx, ids, us, k);
	free(ids);
	free(us);
	return ret;
}

static int known_speeds(struct db_tx *tx, int64_t **keys, double **s_per_vb,
			int *n)
{
	int64_t *us = NULL;
	int ret = db_shred_speeds(tx, keys, &us, n), i;

	*s_per_vb = ret ? NULL : calloc((size_t)*n + 1, sizeof(**s_per_vb));
	if (!ret && !*s_per_vb)
		ret = -ENOMEM;
	for (i = 0; !ret && i < *n; i++)
		(*s_per_vb)[i] = (double)us[i] / 1e6;
	free(us);
	if (ret) {
		free(*keys);
		*keys = NULL;
		*n = 0;
	}
	return ret;
}

static int settle(struct jobs *j, struct db_tx *tx, const struct job_batch *b,
		  void **started, int *n_started)
{
	struct shred_end *e = calloc((size_t)b->n_ends + 1, sizeof(*e));
	const struct plan *p = b->plan;
	struct shred_row *rows = NULL;
	int ret = e ? 0 : -ENOMEM, n = p ? b->plan_n : 0, i;

	(void)j;
	for (i = 0; !ret && i < b->n_ends; i++) {
		e[i].row = *(struct shred_row *)b->ends[i].row;
		e[i].done = b->ends[i].done;
		e[i].keep_id = b->ends[i].keep_id;
		e[i].delay_s = b->ends[i].delay_s;
	}
	if (!ret && b->n_ends)
		ret = db_shred_end(tx, e, b->n_ends);
	if (!ret && b->n_ends)
		ret = keep_speeds(tx, b->ends, b->n_ends);
	if (!ret && n) {
		rows = malloc(sizeof(*rows) * (size_t)n);
		ret = rows ? 0 : -ENOMEM;
	}
	if (!ret && n) {
		memcpy(rows, p->rows + b->plan_from, sizeof(*rows) * (size_t)n);
		ret = db_shred_begin(tx, rows, &n);
	}
	free(e);
	if (ret) {
		free(rows);
		return ret;
	}
	*started = rows;
	*n_started = n;
	return 0;
}

static int send_row(struct sm *sm, void *r, const struct sm_server *srv,
		    bool *keep_id)
{
	struct shred_row *row = r;
	xmlrpc_value *p;
	xmlrpc_env env;
	int ret;

	*keep_id = false;
	xmlrpc_env_init(&env);
	p = xmlrpc_build_value(&env, "{s:i,s:i,s:i,s:i,s:i,s:i}", "ver",
			       VAS_XMLRPC_VERSION, "eventid", row->eventid,
			       "dextid", row->dextid, "offset",
			       (int)row->offset_vb, "capacity",
			       (int)row->capacity_vb, "pdskid", row->pdskid);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		return -ENOMEM;
	}
	ret = agent_send_job(&sm->cfg, srv, sm->cfg.ssvr_port,
			     "registerShredRequest", p, row->eventid, keep_id);
	xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	if (!ret)
		log_debug("shred %d of dext-%08x sent to ssvr-%08x",
			  row->eventid, row->dextid, row->ssvrid);
	return ret;
}

static void settled(struct sm *sm, const struct job_end *ends, int n)
{
	int i;

	(void)sm;
	/*
	 * Freed space for a replacement leg that found no room (M63) is
	 * seen by the resync worker's next look at its queue.
	 */
	for (i = 0; i < n; i++) {
		const struct shred_row *row = ends[i].row;

		if (ends[i].done)
			log_debug("shred %d of dext-%08x done", row->eventid,
				  row->dextid);
		else
			log_info("shred %d of dext-%08x: retry in %d s",
				 row->eventid, row->dextid, ends[i].delay_s);
	}
}

/*
 * Names the extent too: the agent answers NONE for a job on another one,
 * so an old DONE under a reused id never frees an unzeroed extent.
 */
static enum agent_poll poll_row(const struct sm_config *cfg,
				const struct sm_server *srv, int port,
				const void *r)
{
	const struct shred_row *row = r;
	int status = 0, result = 0;

	if (agent_shred_status(cfg, srv, port, row->eventid, row->dextid,
			       row->pdskid, row->offset_vb, row->capacity_vb,
			       &status, &result))
		return AGENT_POLL_LOST;
	return agent_poll_of(status);
}

static const struct job_ops shred_ops = {
    .name = "shred",
    .row_size = sizeof(struct shred_row),
    .kind = SRV_SSVR,
    .eventid = row_eventid,
    .server = row_server,
    .eta_key = row_disk,
    .cost_sized = true,
    .size_vb = row_size,
    .attempts = row_attempts,
    .prepare = prepare,
    .plan_is_next = plan_is_next,
    .settle = settle,
    .send = send_row,
    .settled = settled,
    .known_speeds = known_speeds,
    .salvage = db_shred_salvage,
    .requeue = db_shred_requeue,
    .poll = poll_row,
};

static void wake(struct sm *sm)
{
	jobs_wake(sm->shred);
}

int shred_sched_start(struct sm *sm)
{
	struct jobs_config cfg = {
	    .port = sm->cfg.ssvr_port,
	    .max_running = sm->cfg.max_shred_tasks,
	    .max_gap_ms = sm->cfg.shred_poll_ms,
	    /*
	     * New work wakes it (sm_wake_shred, or another manager's write:
	     * sql/013); its own retries it looks for when due. The rest of
	     * the time the whole queue is read every sched_period_ms.
	     */
	    .full_ms = sm->cfg.sched_period_ms,
	    .batch = sm->cfg.job_batch,
	    .give_way_ms = sm->cfg.shred_give_way_ms,
	};
	int ret = jobs_start(sm, &shred_ops, &cfg, &sm->shred);

	if (!ret)
		sm->hooks.wake_shred = wake;
	return ret;
}
