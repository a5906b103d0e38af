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
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/lvolstruct_rpc.h"

#include <errno.h>
#include <stdlib.h>

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

/*
 * Moves the best of c[from..n) to c[from]: fewest in-sync legs, then the
 * head with the fewest rebuilds (running and chosen), skipping a mirror
 * already chosen. Returns false when none is left.
 */
static bool choose_next(struct jobs *j, struct resync_row *c, int from, int n)
{
	int best = -1, best_load = 0, i, k;

	for (i = from; i < n; i++) {
		int load = jobs_running_on(j, c[i].hsvrid);
		bool dup = false;

		for (k = 0; k < from; k++) {
			dup |= c[k].mirrorid == c[i].mirrorid;
			load += c[k].hsvrid == c[i].hsvrid;
		}
		if (dup)
			continue;
		if (best < 0 || c[i].insync < c[best].insync ||
		    (c[i].insync == c[best].insync && load < best_load)) {
			best = i;
			best_load = load;
		}
	}
	if (best < 0)
		return false;
	if (best != from) {
		struct resync_row t = c[from];

		c[from] = c[best];
		c[best] = t;
	}
	return true;
}

static int record(struct db_tx *tx, const struct job_end *e)
{
	const struct resync_row *row = e->row;

	if (e->done)
		return db_resync_done(tx, row);
	return db_resync_retry(tx, row->eventid, e->delay_s, e->keep_id);
}

static int settle(struct jobs *j, struct db_tx *tx, const struct job_batch *b,
		  void **started, int *n_started)
{
	struct resync_row *c = NULL;
	int room = jobs_room(j), ret = 0, n = 0, k = 0, i;

	if (room > b->max_start)
		room = b->max_start;
	for (i = 0; !ret && i < b->n_ends; i++)
		ret = record(tx, &b->ends[i]);
	/* Legs on failed parts without a replacement yet; stale rows. */
	if (!ret && b->full)
		ret = sm_evacuate(jobs_sm(j), tx);
	if (!ret && b->full)
		ret = db_resync_purge(tx);
	/* A few more candidates than room, to spread over the heads. */
	if (!ret && room > 0)
		ret = db_resync_pick(tx, room < 4096 ? room * 4 + 16 : room, &c,
				     &n);
	while (!ret && k < n && k < room && choose_next(j, c, k, n))
		k++;
	if (!ret && k)
		ret = db_resync_begin(tx, c, &k);
	if (ret) {
		free(c);
		return ret;
	}
	*started = c;
	*n_started = k;
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
    .size_vb = row_size,
    .attempts = row_attempts,
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
	};
	int ret = jobs_start(sm, &resync_ops, &cfg, &sm->resync);

	if (!ret)
		sm->hooks.wake_resync = wake;
	return ret;
}
