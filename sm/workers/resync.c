/*
 * Resync worker (sm.md 8.4.3-8.4.6 with M61-M70, M77 fixed): books
 * replacements for legs still on failed parts, polls running rebuilds when
 * their head's link should have finished them (jobs.h, eta.h), and starts
 * new ones - at most max_resync_tasks, one per target disk and one per
 * mirror, fewest in-sync legs first, then the least busy head. State lives
 * in the resync table; failures back off exponentially.
 */
#include "resync.h"
#include "agent_ops.h"
#include "db_requeue.h"
#include "db_resync.h"
#include "failures.h"
#include "jobs.h"
#include "resync_plan.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/lvolstruct_rpc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int32_t row_eventid(const void *r)
{
	return ((const struct resync_row *)r)->eventid;
}

static int32_t row_head(const void *r)
{
	return ((const struct resync_row *)r)->hsvrid;
}

static int64_t row_link(const void *r)
{
	return ((const struct resync_row *)r)->hsvrid;
}

static int64_t row_size(const void *r)
{
	return ((const struct resync_row *)r)->capacity_vb;
}

static int row_attempts(const void *r)
{
	return ((const struct resync_row *)r)->attempts;
}

static int record(struct db_tx *tx, const struct job_end *e)
{
	const struct resync_row *row = e->row;

	if (e->done)
		return db_resync_done(tx, row);
	return db_resync_retry(tx, row->eventid, e->delay_s, e->keep_id);
}

static int head_load(void *ctx, int32_t hsvrid)
{
	return jobs_running_on(ctx, hsvrid);
}

/* What a pass does: chosen before its transactions (one allocation). */
struct plan {
	bool evacuate; /* legs on failed parts (full passes) */
	bool purge;    /* stale rows (full passes) */
	int n;
	struct resync_row rows[];
};

static bool full_work(const void *plan)
{
	const struct plan *p = plan;

	return p && (p->evacuate || p->purge);
}

/*
 * Read-only, before any transaction takes the mutation lock: the pick
 * and the choice are the costly part of a start (a failure queues a
 * thousand), and every API write would wait for them. The rows that just
 * ended count as ended (their disks and mirrors are free once recorded,
 * which the first transactions do); one whose head may still run it
 * (keep_id) does not.
 */
static int prepare(struct jobs *j, struct db_tx *tx, const struct job_end *ends,
		   int n_ends, bool full, void **out, int *n_planned)
{
	int32_t *freed = calloc((size_t)n_ends + 1, sizeof(*freed));
	int room = jobs_room(j), ret = freed ? 0 : -ENOMEM, n = 0, k = 0, i;
	struct resync_row *c = NULL;
	struct plan *p = NULL;
	bool evacuate = false, purge = false;

	if (!ret && full)
		ret = db_resync_upkeep(tx, &evacuate, &purge);
	for (i = 0; !ret && i < n_ends; i++)
		if (ends[i].done || !ends[i].keep_id)
			freed[k++] =
			    ((const struct resync_row *)ends[i].row)->add;
	/* A few more candidates than room, to spread over the heads. */
	if (!ret && (full || k) && room > 0)
		ret = db_resync_pick(tx, room < 4096 ? room * 4 + 16 : room,
				     freed, k, &c, &n);
	if (!ret && n) {
		n = resync_plan_choose(c, n, room, head_load, j);
		ret = n < 0 ? -ENOMEM : 0;
	}
	if (!ret) {
		p = malloc(sizeof(*p) + sizeof(*c) * (size_t)n);
		ret = p ? 0 : -ENOMEM;
	}
	if (!ret) {
		p->evacuate = evacuate;
		p->purge = purge;
		p->n = n;
		if (n)
			memcpy(p->rows, c, sizeof(*c) * (size_t)n);
		*out = p;
		*n_planned = n;
	}
	free(freed);
	free(c);
	return ret;
}

static int settle(struct jobs *j, struct db_tx *tx, const struct job_batch *b,
		  void **started, int *n_started)
{
	const struct plan *p = b->plan;
	struct resync_row *rows = NULL;
	int ret = 0, n = p ? b->plan_n : 0, i;

	for (i = 0; !ret && i < b->n_ends; i++)
		ret = record(tx, &b->ends[i]);
	/* Legs on failed parts without a replacement yet; stale rows. */
	if (!ret && b->full && p && p->evacuate)
		ret = sm_evacuate(jobs_sm(j), tx);
	if (!ret && b->full && p && p->purge)
		ret = db_resync_purge(tx);
	if (!ret && n) {
		rows = malloc(sizeof(*rows) * (size_t)n);
		ret = rows ? 0 : -ENOMEM;
	}
	if (!ret && n) {
		memcpy(rows, p->rows + b->plan_from, sizeof(*rows) * (size_t)n);
		ret = db_resync_begin(tx, rows, &n);
	}
	if (ret) {
		free(rows);
		return ret;
	}
	*started = rows;
	*n_started = n;
	return 0;
}

static int build_request(struct sm *sm, const struct resync_row *row,
			 xmlrpc_env *env, xmlrpc_value **out)
{
	struct vas_lvolstruct add, rm;
	xmlrpc_value *a = NULL, *r = NULL;
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	ret = db_resync_request(tx, row, sm->cfg.iqn_prefix, sm->cfg.iscsi_chap,
				&add, &rm);
	db_rollback(tx);
	if (ret)
		return ret;
	a = lvs_encode(env, &add);
	r = lvs_encode(env, &rm);
	lvs_clear(&add);
	lvs_clear(&rm);
	*out = xmlrpc_build_value(
	    env, "{s:i,s:i,s:i,s:V,s:V}", "ver", VAS_XMLRPC_VERSION, "eventid",
	    row->eventid, "mirrorid", row->mirrorid, "add", a, "remove", r);
	if (a)
		xmlrpc_DECREF(a);
	if (r)
		xmlrpc_DECREF(r);
	return env->fault_occurred ? -ENOMEM : 0;
}

static int send_row(struct sm *sm, void *r, const struct sm_server *head,
		    bool *keep_id)
{
	struct resync_row *row = r;
	xmlrpc_value *p = NULL;
	xmlrpc_env env;
	int ret;

	*keep_id = false;
	xmlrpc_env_init(&env);
	ret = build_request(sm, row, &env, &p);
	if (ret) {
		xmlrpc_env_clean(&env);
		return ret; /* the leg vanished or the database is away */
	}
	log_info("resync %d: mirr-%08x add dext-%08x remove dext-%08x on "
		 "hsvr-%08x",
		 row->eventid, row->mirrorid, row->add, row->rm, row->hsvrid);
	ret = agent_send_job(&sm->cfg, head, sm->cfg.hsvr_port,
			     "replaceMirrorDisk", p, row->eventid, keep_id);
	xmlrpc_DECREF(p);
	xmlrpc_env_clean(&env);
	return ret;
}

static void settled(struct sm *sm, const struct job_end *ends, int n)
{
	int i, done = 0;

	for (i = 0; i < n; i++) {
		const struct resync_row *row = ends[i].row;

		if (ends[i].done)
			log_info("resync %d: dext-%08x in sync", row->eventid,
				 row->add);
		else
			log_info("resync %d of dext-%08x: retry in %d s",
				 row->eventid, row->add, ends[i].delay_s);
		done += ends[i].done;
	}
	/* The replaced extents may be shredded once the head dropped them. */
	if (done)
		sm_wake_shred(sm);
}

static const struct job_ops resync_ops = {
    .name = "resync",
    .row_size = sizeof(struct resync_row),
    .kind = SRV_HSVR,
    .eventid = row_eventid,
    .server = row_head,
    .eta_key = row_link,
    .share_server = true,
    .ask_note = true,
    .full_work = full_work,
    .size_vb = row_size,
    .attempts = row_attempts,
    .prepare = prepare,
    .settle = settle,
    .send = send_row,
    .settled = settled,
    .salvage = db_resync_salvage,
    .requeue = db_resync_requeue,
};

static void wake(struct sm *sm)
{
	jobs_wake(sm->resync);
}

int resync_start(struct sm *sm)
{
	struct jobs_config cfg = {
	    .port = sm->cfg.hsvr_port,
	    .max_running = sm->cfg.max_resync_tasks,
	    .max_gap_ms = sm->cfg.resync_poll_ms,
	    .full_ms = sm->cfg.resync_poll_ms,
	    .batch = sm->cfg.job_batch,
	    .give_way_ms = sm->cfg.resync_give_way_ms,
	};
	int ret = jobs_start(sm, &resync_ops, &cfg, &sm->resync);

	if (!ret)
		sm->hooks.wake_resync = wake;
	return ret;
}
