/* The simulated hardware and event tables: jobs moving bytes over time. */
#include "sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t sim_event_key(enum sim_role role, int idx, int64_t eventid)
{
	return (1ull << 63) | ((uint64_t)role << 56) |
	       ((uint64_t)(uint32_t)idx << 32) | (uint32_t)eventid;
}

struct sim_model *sim_model_new(const struct sim_opts *o)
{
	struct sim_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->o = *o;
	m->links = calloc((size_t)o->n_hsvr + 1, sizeof(*m->links));
	m->hello[SIM_SSVR] =
	    calloc((size_t)o->n_ssvr + 1, sizeof(struct sim_hello));
	m->hello[SIM_HSVR] =
	    calloc((size_t)o->n_hsvr + 1, sizeof(struct sim_hello));
	if (!m->links || !m->hello[SIM_SSVR] || !m->hello[SIM_HSVR]) {
		sim_model_free(m);
		return NULL;
	}
	m->last_tick = sim_now();
	return m;
}

static void free_values(struct sim_map *map)
{
	size_t i;

	for (i = 0; i < map->cap; i++)
		if (map->keys[i])
			free(map->vals[i]);
	sim_map_free(map);
}

void sim_model_free(struct sim_model *m)
{
	if (!m)
		return;
	free_values(&m->disks);
	free_values(&m->events);
	free(m->active);
	free(m->links);
	free(m->hello[SIM_SSVR]);
	free(m->hello[SIM_HSVR]);
	free(m);
}

struct sim_disk *sim_disk_get(struct sim_model *m, int32_t pdskid, int idx)
{
	struct sim_disk *d =
	    sim_map_get(&m->disks, (uint64_t)(uint32_t)pdskid + 1);

	if (d)
		return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->pdskid = pdskid;
	d->speed = idx >= 0 && idx < m->o.fast_first ? m->o.fast_factor : 1;
	if (sim_map_put(&m->disks, (uint64_t)(uint32_t)pdskid + 1, d)) {
		free(d);
		return NULL;
	}
	return d;
}

static void count(struct sim_job *j, int delta)
{
	struct sim_disk *d = j->disk;

	if (d) {
		d->active += delta;
		if (j->kind == JOB_SHRED) {
			d->active_shreds += delta;
			if (d->active_shreds > d->max_shreds)
				d->max_shreds = d->active_shreds;
		} else {
			d->active_rebuilds += delta;
			if (d->active_rebuilds > d->max_rebuilds)
				d->max_rebuilds = d->active_rebuilds;
		}
	}
	if (j->link)
		j->link->active += delta;
}

int sim_job_start(struct sim_model *m, struct sim_job *j)
{
	j->t_start = sim_now();
	j->status = SIM_EV_PROGRESS;
	j->active_idx = -1;
	if (j->kind == JOB_INSTANT || j->left_bytes <= 0) {
		j->status = SIM_EV_DONE;
		j->t_done = j->t_start;
		return 0;
	}
	if (m->n_active == m->cap_active) {
		int cap = m->cap_active ? m->cap_active * 2 : 4096;
		struct sim_job **a =
		    realloc(m->active, sizeof(*a) * (size_t)cap);

		if (!a)
			return -ENOMEM;
		m->active = a;
		m->cap_active = cap;
	}
	j->active_idx = m->n_active;
	m->active[m->n_active++] = j;
	count(j, +1);
	if (j->kind == JOB_SHRED && j->disk && !j->disk->first_shred_s)
		j->disk->first_shred_s = j->t_start;
	else if (j->kind == JOB_SHRED && j->disk && j->disk->last_noticed_s)
		sim_hist_add(&m->shred.turn,
			     j->t_start - j->disk->last_noticed_s);
	if (j->kind == JOB_REBUILD && j->disk)
		j->disk->rebuilds++;
	return 0;
}

/* Bytes per second the job moves now: its share of disk and link. */
static double rate_of(const struct sim_model *m, const struct sim_job *j)
{
	double r = m->o.disk_mb_s * 1e6 * (j->disk ? j->disk->speed : 1) /
		   (j->disk && j->disk->active > 0 ? j->disk->active : 1);

	if (j->link) {
		double l = m->o.link_mb_s * 1e6 /
			   (j->link->active > 0 ? j->link->active : 1);

		if (l < r)
			r = l;
	}
	return r;
}

static void finish(struct sim_model *m, struct sim_job *j, double when)
{
	int i = j->active_idx;

	m->active[i] = m->active[--m->n_active];
	m->active[i]->active_idx = i;
	j->active_idx = -1;
	count(j, -1);
	j->status = SIM_EV_DONE;
	j->t_done = when;
	if (j->kind == JOB_SHRED) {
		m->shred.done++;
		m->shred.last_done_s = when;
		if (j->disk)
			j->disk->shreds_done++;
	} else {
		m->rebuild.done++;
		m->rebuild.last_done_s = when;
	}
}

void sim_model_tick(struct sim_model *m)
{
	double now = sim_now(), dt = now - m->last_tick;
	int i;

	m->last_tick = now;
	if (dt <= 0)
		return;
	/* Rates from the counts before anything finishes in this step. */
	for (i = 0; i < m->n_active; i++) {
		struct sim_job *j = m->active[i];
		double r = rate_of(m, j);

		j->left_bytes -= r * dt;
		if (j->link)
			j->link->bytes += r * dt;
		/* Remember the overshoot as a time for the DONE stamp. */
		if (j->left_bytes <= 0)
			j->t_done = now + j->left_bytes / r;
	}
	for (i = 0; i < m->n_active;) {
		struct sim_job *j = m->active[i];

		if (j->left_bytes <= 0)
			finish(m, j, j->t_done);
		else
			i++;
	}
}

int sim_event_read(struct sim_model *m, enum sim_role role, int idx,
		   int64_t eventid)
{
	uint64_t key = sim_event_key(role, idx, eventid);
	struct sim_job *j = sim_map_get(&m->events, key);
	struct sim_poll_stats *ps;
	double now = sim_now();

	if (!j) {
		/* Attach events are not counted as shreds or rebuilds. */
		if (role == SIM_SSVR) {
			m->shred.polls++;
			m->shred.polls_none++;
		}
		return SIM_EV_NONE;
	}
	if (j->kind == JOB_INSTANT) {
		sim_map_del(&m->events, key);
		free(j);
		return SIM_EV_DONE;
	}
	ps = j->kind == JOB_SHRED ? &m->shred : &m->rebuild;
	ps->polls++;
	if (j->status == SIM_EV_PROGRESS) {
		ps->polls_progress++;
		return SIM_EV_PROGRESS;
	}
	sim_hist_add(&ps->noticed, now - j->t_done);
	ps->last_noticed_s = now;
	if (j->kind == JOB_SHRED && j->disk)
		j->disk->last_noticed_s = now;
	sim_map_del(&m->events, key);
	free(j);
	return SIM_EV_DONE;
}

static void put_polls(xmlrpc_env *env, xmlrpc_value *st, const char *p,
		      const struct sim_poll_stats *s)
{
	char key[64];
	const struct {
		const char *name;
		uint64_t v;
	} ints[] = {
	    {"requests", s->requests},	  {"resends", s->resends},
	    {"refused", s->refused},	  {"done", s->done},
	    {"polls", s->polls},	  {"polls_progress", s->polls_progress},
	    {"polls_none", s->polls_none}};
	size_t i;

	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		snprintf(key, sizeof(key), "%s_%s", p, ints[i].name);
		sim_put_int(env, st, key, (int64_t)ints[i].v);
	}
	snprintf(key, sizeof(key), "%s_first_request_s", p);
	sim_put_double(env, st, key, s->first_request_s);
	snprintf(key, sizeof(key), "%s_last_done_s", p);
	sim_put_double(env, st, key, s->last_done_s);
	snprintf(key, sizeof(key), "%s_last_noticed_s", p);
	sim_put_double(env, st, key, s->last_noticed_s);
	snprintf(key, sizeof(key), "%s_noticed", p);
	sim_put_hist(env, st, key, &s->noticed);
	snprintf(key, sizeof(key), "%s_turn", p);
	sim_put_hist(env, st, key, &s->turn);
}

static void put_disks(struct sim_model *m, xmlrpc_env *env, xmlrpc_value *st)
{
	int max_shreds = 0, max_rebuilds = 0, most_rebuilt = 0, rebuilt = 0;
	size_t i;

	for (i = 0; i < m->disks.cap; i++) {
		const struct sim_disk *d = m->disks.vals[i];

		if (!m->disks.keys[i])
			continue;
		if (d->max_shreds > max_shreds)
			max_shreds = d->max_shreds;
		if (d->max_rebuilds > max_rebuilds)
			max_rebuilds = d->max_rebuilds;
		if (d->rebuilds > most_rebuilt)
			most_rebuilt = d->rebuilds;
		rebuilt += d->rebuilds > 0;
	}
	sim_put_int(env, st, "disks_seen", (int64_t)m->disks.n);
	sim_put_int(env, st, "disk_max_concurrent_shreds", max_shreds);
	sim_put_int(env, st, "disk_max_concurrent_rebuilds", max_rebuilds);
	sim_put_int(env, st, "disk_most_rebuilds", most_rebuilt);
	sim_put_int(env, st, "disks_rebuilt_to", rebuilt);
	sim_put_int(env, st, "jobs_active", m->n_active);
	sim_put_int(env, st, "events_held", (int64_t)m->events.n);
	sim_put_int(env, st, "max_eventid", m->max_eventid);
	sim_put_int(env, st, "attaches", (int64_t)m->attaches);
}

static void put_hello(struct sim_model *m, xmlrpc_env *env, xmlrpc_value *st,
		      enum sim_role role, int n, const char *p)
{
	uint64_t least = UINT64_MAX, second = UINT64_MAX;
	double gap = 0;
	char key[64];
	int i, never = 0;

	for (i = 0; i < n; i++) {
		const struct sim_hello *h = &m->hello[role][i];

		if (h->count < least) {
			second = least;
			least = h->count;
		} else if (h->count < second) {
			second = h->count;
		}
		never += h->count == 0;
		if (h->max_gap_s > gap)
			gap = h->max_gap_s;
	}
	/* A failed server is asked no more: the second least as well. */
	snprintf(key, sizeof(key), "%s_hello_never", p);
	sim_put_int(env, st, key, never);
	snprintf(key, sizeof(key), "%s_hello_second_least", p);
	sim_put_int(env, st, key, n > 1 ? (int64_t)second : 0);
	snprintf(key, sizeof(key), "%s_hello_least", p);
	sim_put_int(env, st, key, n ? (int64_t)least : 0);
	snprintf(key, sizeof(key), "%s_hello_max_gap_s", p);
	sim_put_double(env, st, key, gap);
}

xmlrpc_value *sim_model_stats(struct sim_model *m, xmlrpc_env *env)
{
	xmlrpc_value *st = xmlrpc_struct_new(env);
	double head_bytes = 0;
	int i;

	if (!st)
		return NULL;
	sim_model_tick(m);
	sim_put_double(env, st, "now_s", sim_now());
	put_polls(env, st, "shred", &m->shred);
	put_polls(env, st, "rebuild", &m->rebuild);
	put_disks(m, env, st);
	put_hello(m, env, st, SIM_SSVR, m->o.n_ssvr, "ssvr");
	put_hello(m, env, st, SIM_HSVR, m->o.n_hsvr, "hsvr");
	for (i = 0; i < m->o.n_hsvr; i++)
		head_bytes += m->links[i].bytes;
	sim_put_double(env, st, "rebuild_bytes", head_bytes);
	sim_load_report(env, st);
	return st;
}

void sim_model_reset_stats(struct sim_model *m)
{
	size_t i;

	memset(&m->shred, 0, sizeof(m->shred));
	memset(&m->rebuild, 0, sizeof(m->rebuild));
	for (i = 0; i < m->disks.cap; i++) {
		struct sim_disk *d = m->disks.vals[i];

		if (!m->disks.keys[i])
			continue;
		d->max_shreds = d->active_shreds;
		d->max_rebuilds = d->active_rebuilds;
		d->rebuilds = 0;
		d->shreds_done = 0;
		d->first_shred_s = d->last_noticed_s = 0;
	}
	memset(m->hello[SIM_SSVR], 0,
	       sizeof(struct sim_hello) * (size_t)m->o.n_ssvr);
	memset(m->hello[SIM_HSVR], 0,
	       sizeof(struct sim_hello) * (size_t)m->o.n_hsvr);
	for (i = 0; i < (size_t)m->o.n_hsvr; i++)
		m->links[i].bytes = 0;
	m->attaches = 0;
	sim_load_reset();
}

xmlrpc_value *sim_model_disks(struct sim_model *m, xmlrpc_env *env)
{
	xmlrpc_value *a = xmlrpc_array_new(env);
	size_t i;

	for (i = 0; a && i < m->disks.cap; i++) {
		const struct sim_disk *d = m->disks.vals[i];
		xmlrpc_value *row;

		if (!m->disks.keys[i])
			continue;
		row = xmlrpc_build_value(env, "(iiddi)", d->pdskid,
					 d->shreds_done, d->first_shred_s,
					 d->last_noticed_s, d->rebuilds);
		if (row) {
			xmlrpc_array_append_item(env, a, row);
			xmlrpc_DECREF(row);
		}
	}
	return a;
}
