/*
 * The manager's metrics registry and its rendering (metrics.h). Request
 * figures are kept in memory under one mutex (one short update per
 * request); everything else is read when scraped.
 */
#include "metrics.h"
#include "db.h"
#include "db_metrics.h"
#include "jobs.h"
#include "vas/log.h"
#include "vas/prom.h"
#include "vas/rpc.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_METHODS 40

static const double bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
				0.25,  0.5,    1,     2.5,  5,	   10,	 30};
#define N_BOUNDS ((int)(sizeof(bounds) / sizeof(bounds[0])))

struct method_figures {
	char name[48];
	uint64_t faults;
	struct prom_hist latency;
};

static struct {
	pthread_mutex_t lock;
	struct method_figures m[MAX_METHODS];
	int n;
} reg = {.lock = PTHREAD_MUTEX_INITIALIZER};

void sm_metrics_request(void *ctx, const struct rpc_served *o)
{
	/* Names only from the method table: hostile ones add no labels. */
	const char *method = o->method ? o->method : "unknown";
	double seconds = (double)(o->queued_us + o->run_us) / 1e6;
	struct method_figures *f = NULL;
	int i;

	(void)ctx;
	pthread_mutex_lock(&reg.lock);
	for (i = 0; i < reg.n && !f; i++)
		if (!strcmp(reg.m[i].name, method))
			f = &reg.m[i];
	if (!f && reg.n < MAX_METHODS) {
		f = &reg.m[reg.n++];
		snprintf(f->name, sizeof(f->name), "%s", method);
	}
	if (f) {
		f->faults += o->fault_code != 0;
		prom_hist_observe(&f->latency, bounds, N_BOUNDS, seconds);
	}
	pthread_mutex_unlock(&reg.lock);
}

static void requests(struct prom_buf *b)
{
	int i;

	pthread_mutex_lock(&reg.lock);
	prom_family(b, "vas_requests_total", "counter",
		    "XML-RPC requests answered, by method");
	for (i = 0; i < reg.n; i++) {
		const char *l[] = {"method", reg.m[i].name, NULL};

		prom_sample(b, "vas_requests_total", l,
			    (double)reg.m[i].latency.count);
	}
	prom_family(b, "vas_request_faults_total", "counter",
		    "XML-RPC requests answered with a fault, by method");
	for (i = 0; i < reg.n; i++) {
		const char *l[] = {"method", reg.m[i].name, NULL};

		prom_sample(b, "vas_request_faults_total", l,
			    (double)reg.m[i].faults);
	}
	prom_family(b, "vas_request_duration_seconds", "histogram",
		    "Time from a request's arrival (whole body) to its reply, "
		    "by method");
	for (i = 0; i < reg.n; i++) {
		const char *l[] = {"method", reg.m[i].name, NULL};

		prom_hist_write(b, "vas_request_duration_seconds", l,
				&reg.m[i].latency, bounds, N_BOUNDS);
	}
	pthread_mutex_unlock(&reg.lock);
}

static void worker(struct prom_buf *b, const char *kind, struct jobs *j,
		   const int64_t *queue)
{
	static const char *const state[] = {NULL, "pending", "running", NULL,
					    "cancelled"};
	struct jobs_stats st = {0};
	char name[64], help[128];
	int s;
	struct {
		const char *suffix;
		const char *help;
		uint64_t v;
	} c[] = {
	    {"started", "jobs sent to an agent", 0},
	    {"done", "jobs reported DONE by the agent", 0},
	    {"retried", "jobs that ended otherwise, queued again", 0},
	    {"polls", "getEventStatus calls", 0},
	    {"transactions", "transactions recording ends and starts", 0},
	    {"full_passes", "reads of the whole queue for work to start", 0}};

	if (j)
		jobs_get_stats(j, &st);
	c[0].v = st.started;
	c[1].v = st.done;
	c[2].v = st.retried;
	c[3].v = st.polls;
	c[4].v = st.transactions;
	c[5].v = st.full_passes;
	prom_family(
	    b, kind[0] == 's' ? "vas_shreds_running" : "vas_resyncs_running",
	    "gauge", "jobs the worker polls now");
	prom_sample(
	    b, kind[0] == 's' ? "vas_shreds_running" : "vas_resyncs_running",
	    NULL, st.running);
	snprintf(name, sizeof(name), "vas_%s_queue", kind);
	snprintf(help, sizeof(help), "%s rows in the database, by state", kind);
	prom_family(b, name, "gauge", help);
	for (s = 1; s <= 4; s++) {
		const char *l[] = {"state", state[s], NULL};

		if (state[s])
			prom_sample(b, name, l, (double)queue[s]);
	}
	for (s = 0; s < (int)(sizeof(c) / sizeof(c[0])); s++) {
		snprintf(name, sizeof(name), "vas_%s_%s_total", kind,
			 c[s].suffix);
		snprintf(help, sizeof(help), "%s %s", kind, c[s].help);
		prom_family(b, name, "counter", help);
		prom_sample(b, name, NULL, (double)c[s].v);
	}
	/* What an API write may wait behind (job_batch caps it). */
	snprintf(name, sizeof(name), "vas_%s_batch_rows_max", kind);
	prom_family(b, name, "gauge",
		    "most ends and starts one transaction recorded");
	prom_sample(b, name, NULL, st.largest_batch);
	snprintf(name, sizeof(name), "vas_%s_lock_seconds_total", kind);
	prom_family(b, name, "counter",
		    "time those transactions held the mutation lock");
	prom_sample(b, name, NULL, st.lock_s);
	snprintf(name, sizeof(name), "vas_%s_gave_way_total", kind);
	prom_family(b, name, "counter",
		    "those transactions that let other mutations go first");
	prom_sample(b, name, NULL, (double)st.gave_way);
	snprintf(name, sizeof(name), "vas_%s_gave_way_seconds_total", kind);
	prom_family(b, name, "counter",
		    "time they waited for other mutations to end first");
	prom_sample(b, name, NULL, st.gave_way_s);
}

static void by_state(struct prom_buf *b, const char *name, const char *help,
		     const char *kind, const int64_t *n,
		     const char *const *names)
{
	int s;

	if (help)
		prom_family(b, name, "gauge", help);
	for (s = 0; s < DB_MAX_STATE; s++) {
		const char *l[] = {"kind", kind, "state", names[s], NULL};

		if (!names[s])
			continue;
		prom_sample(b, name, kind ? l : l + 2, (double)n[s]);
	}
}

static void state_gauges(struct prom_buf *b, const struct db_state_counts *c)
{
	static const char *const ext[DB_MAX_STATE] = {
	    NULL, "busy", "free", NULL, "offline", "super", "faulty"};
	static const char *const prio[DB_MAX_STATE] = {
	    NULL, "high", "low", "evacuate", "offline", "faulty", "halt"};

	by_state(b, "vas_extents", "Disk extents by state", NULL, c->extents,
		 ext);
	by_state(b, "vas_servers", "Servers by kind and state", "head", c->hsvr,
		 prio);
	by_state(b, "vas_servers", NULL, "storage", c->ssvr, prio);
	by_state(b, "vas_disks", "Physical disks by state", NULL, c->pdsk,
		 prio);
}

static void pool(struct prom_buf *b, struct db *db)
{
	int size = 0, busy = 0;

	db_pool_usage(db, &size, &busy);
	prom_family(b, "vas_db_connections", "gauge",
		    "PostgreSQL connection pool of the manager");
	{
		const char *l[] = {"state", "busy", NULL};
		const char *i[] = {"state", "idle", NULL};

		prom_sample(b, "vas_db_connections", l, busy);
		prom_sample(b, "vas_db_connections", i, size - busy);
	}
}

/* How failed parts' legs got their replacements (one by one: slower). */
static void replaced(struct prom_buf *b, struct sm *sm)
{
	static const char *const path[] = {"batch", "one_by_one"};
	int i;

	prom_family(b, "vas_legs_replaced_total", "counter",
		    "legs given a new extent after a failure, by how");
	for (i = 0; i < 2; i++) {
		const char *l[] = {"path", path[i], NULL};

		prom_sample(b, "vas_legs_replaced_total", l,
			    (double)__atomic_load_n(&sm->legs_replaced[i],
						    __ATOMIC_RELAXED));
	}
}

int sm_metrics_render(struct sm *sm, char **text, size_t *len)
{
	struct prom_buf b = {0};
	struct db_state_counts c;
	struct db_tx *tx = NULL;
	int ret;

	/* The pool first: the read below takes a connection itself. */
	pool(&b, sm->db);
	ret = db_begin(sm->db, false, &tx);
	if (!ret) {
		ret = db_state_counts(tx, &c);
		db_rollback(tx);
	}
	if (ret) {
		log_warn("metrics: database unreadable (%d)", ret);
		memset(&c, 0, sizeof(c));
	}
	prom_family(&b, "vas_db_up", "gauge",
		    "1 if the database answered this scrape");
	prom_sample(&b, "vas_db_up", NULL, ret ? 0 : 1);
	requests(&b);
	worker(&b, "shred", sm->shred, c.shred);
	worker(&b, "resync", sm->resync, c.resync);
	state_gauges(&b, &c);
	replaced(&b, sm);
	if (b.failed) {
		free(b.text);
		return -ENOMEM;
	}
	*text = b.text;
	*len = b.len;
	return 0;
}

void sm_metrics_route(void *ctx, const struct rpc_http_request *rq,
		      struct rpc_http_reply *reply)
{
	(void)rq;
	if (sm_metrics_render(ctx, &reply->body, &reply->body_len)) {
		reply->status = 500;
		return;
	}
	reply->content_type = PROM_CONTENT_TYPE;
}
