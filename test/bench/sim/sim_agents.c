/*
 * The agents' methods as the manager calls them (ssvr.md 3.2, hsvr.md 3):
 * storage agents shred, head agents attach at once and rebuild legs over
 * their link; plus the control methods of the benchmark driver.
 */
#include "sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAULT_EINVAL 22
#define FAULT_EBUSY  16
#define FAULT_EPROTO 71

/* Replaces whatever env holds with Fault(EINVAL); returns NULL. */
static xmlrpc_value *einval(xmlrpc_env *env)
{
	xmlrpc_env_clean(env);
	xmlrpc_env_init(env);
	xmlrpc_env_set_fault(env, FAULT_EINVAL, "EINVAL");
	return NULL;
}

static void note_hello(struct sim_model *m, enum sim_role role, int idx)
{
	struct sim_hello *h = &m->hello[role][idx];
	double now = sim_now();

	if (h->count && now - h->last_s > h->max_gap_s)
		h->max_gap_s = now - h->last_s;
	h->last_s = now;
	h->count++;
}

static xmlrpc_value *int_reply(xmlrpc_env *env, int v)
{
	return xmlrpc_int_new(env, v);
}

static void note_eventid(struct sim_model *m, int64_t ev)
{
	if (ev > m->max_eventid)
		m->max_eventid = ev;
}

/* Registers job under the event id; an equal live request is a re-send. */
static xmlrpc_value *start(struct sim_model *m, enum sim_role role, int idx,
			   int64_t eventid, struct sim_job *j,
			   struct sim_poll_stats *ps, xmlrpc_env *env)
{
	uint64_t key = sim_event_key(role, idx, eventid);
	struct sim_job *old = sim_map_get(&m->events, key);

	note_eventid(m, eventid);
	if (ps) {
		ps->requests++;
		if (ps->requests == 1)
			ps->first_request_s = sim_now();
	}
	if (old && !memcmp(old->key, j->key, sizeof(j->key))) {
		if (ps)
			ps->resends++;
		free(j);
		return int_reply(env, 0);
	}
	if (old && old->status == SIM_EV_PROGRESS) {
		if (ps)
			ps->refused++;
		free(j);
		xmlrpc_env_set_fault(env, FAULT_EBUSY, "EBUSY");
		return NULL;
	}
	if (old) { /* a finished event nobody read: the new job replaces it */
		sim_map_del(&m->events, key);
		free(old);
	}
	if (sim_job_start(m, j) || sim_map_put(&m->events, key, j)) {
		free(j);
		xmlrpc_env_set_fault(env, 500, "Internal Server Error");
		return NULL;
	}
	return int_reply(env, 0);
}

static xmlrpc_value *shred_request(struct sim_model *m, int idx,
				   xmlrpc_value *p, xmlrpc_env *env)
{
	static const char *const keys[] = {"eventid", "dextid", "pdskid",
					   "offset", "capacity"};
	struct sim_job *j = calloc(1, sizeof(*j));
	size_t i;

	if (!j)
		return NULL;
	for (i = 0; i < 5; i++)
		if (sim_get_int(env, p, keys[i], &j->key[i])) {
			free(j);
			return einval(env);
		}
	j->kind = JOB_SHRED;
	j->left_bytes = (double)j->key[4] * SIM_VB_BYTES;
	j->disk = sim_disk_get(m, (int32_t)j->key[2], idx);
	return start(m, SIM_SSVR, idx, j->key[0], j, &m->shred, env);
}

/* The pdskid of a leg, from ".../iqn.<prefix>:<pdskid %08x>-lun-1". */
static int32_t leg_pdskid(xmlrpc_env *env, xmlrpc_value *leg)
{
	xmlrpc_value *spec = sim_get_member(env, leg, "lvolspec"), *paths,
		     *first = NULL;
	const char *path = NULL, *tail;
	int32_t id = 0;

	if (!spec)
		return 0;
	paths = sim_get_member(env, spec, "iscsi_path");
	xmlrpc_DECREF(spec);
	if (!paths)
		return 0;
	if (xmlrpc_value_type(paths) == XMLRPC_TYPE_ARRAY &&
	    xmlrpc_array_size(env, paths) > 0)
		xmlrpc_array_read_item(env, paths, 0, &first);
	if (first && xmlrpc_value_type(first) == XMLRPC_TYPE_STRING)
		xmlrpc_read_string(env, first, &path);
	tail = path ? strstr(path, "-lun-1") : NULL;
	if (tail && tail - path >= 8)
		id = (int32_t)strtol(tail - 8, NULL, 16);
	free((void *)path);
	if (first)
		xmlrpc_DECREF(first);
	xmlrpc_DECREF(paths);
	return id;
}

static xmlrpc_value *rebuild_request(struct sim_model *m, int idx,
				     xmlrpc_value *p, xmlrpc_env *env)
{
	struct sim_job *j = calloc(1, sizeof(*j));
	xmlrpc_value *add = NULL;
	int64_t cap = 0;

	if (!j)
		return NULL;
	if (sim_get_int(env, p, "eventid", &j->key[0]) ||
	    sim_get_int(env, p, "mirrorid", &j->key[1]) ||
	    !(add = sim_get_member(env, p, "add")) ||
	    sim_get_int(env, add, "lvolid", &j->key[2]) ||
	    sim_get_int(env, add, "capacity", &cap)) {
		if (add)
			xmlrpc_DECREF(add);
		free(j);
		return einval(env);
	}
	j->kind = JOB_REBUILD;
	j->key[3] = cap;
	j->left_bytes = (double)cap * SIM_VB_BYTES;
	j->disk = sim_disk_get(m, leg_pdskid(env, add), -1);
	j->link = &m->links[idx];
	xmlrpc_DECREF(add);
	return start(m, SIM_HSVR, idx, j->key[0], j, &m->rebuild, env);
}

static xmlrpc_value *instant(struct sim_model *m, int idx, xmlrpc_value *p,
			     xmlrpc_env *env)
{
	struct sim_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	if (sim_get_int(env, p, "eventid", &j->key[0])) {
		free(j);
		return einval(env);
	}
	j->kind = JOB_INSTANT;
	j->key[1] = m->attaches++; /* every request runs afresh */
	return start(m, SIM_HSVR, idx, j->key[0], j, NULL, env);
}

static xmlrpc_value *event_status(struct sim_model *m, enum sim_role role,
				  int idx, xmlrpc_value *p, xmlrpc_env *env)
{
	int64_t ev;

	if (sim_get_int(env, p, "eventid", &ev))
		return einval(env);
	return xmlrpc_build_value(env, "(ii)", sim_event_read(m, role, idx, ev),
				  0);
}

static xmlrpc_value *load_start(xmlrpc_value *p, xmlrpc_env *env)
{
	struct sim_load_opts o = {0};
	xmlrpc_value *ids = NULL, *host = NULL;
	int64_t v;
	int i, n;

	snprintf(o.host, sizeof(o.host), "127.0.0.1");
	o.conns = sim_get_int(env, p, "conns", &v) ? 200 : (int)v;
	o.rate = sim_get_int(env, p, "rate", &v) ? 200 : (double)v;
	o.port = sim_get_int(env, p, "port", &v) ? 8881 : (int)v;
	o.n_ssvr = sim_get_int(env, p, "n_ssvr", &v) ? 1 : (int)v;
	o.write_share =
	    sim_get_int(env, p, "write_percent", &v) ? 0.2 : (double)v / 100;
	xmlrpc_env_clean(env);
	xmlrpc_env_init(env);
	host = sim_get_member(env, p, "host");
	if (host && xmlrpc_value_type(host) == XMLRPC_TYPE_STRING) {
		const char *h = NULL;

		xmlrpc_read_string(env, host, &h);
		if (h)
			snprintf(o.host, sizeof(o.host), "%s", h);
		free((void *)h);
	}
	if (host)
		xmlrpc_DECREF(host);
	ids = sim_get_member(env, p, "lvolids");
	n = ids && xmlrpc_value_type(ids) == XMLRPC_TYPE_ARRAY
		? xmlrpc_array_size(env, ids)
		: 0;
	for (i = 0; i < n && o.n_lvolids < 256; i++) {
		xmlrpc_value *e = NULL;
		int x = 0;

		xmlrpc_array_read_item(env, ids, i, &e);
		if (e && xmlrpc_value_type(e) == XMLRPC_TYPE_INT) {
			xmlrpc_read_int(env, e, &x);
			o.lvolids[o.n_lvolids++] = x;
		}
		if (e)
			xmlrpc_DECREF(e);
	}
	if (ids)
		xmlrpc_DECREF(ids);
	xmlrpc_env_clean(env);
	xmlrpc_env_init(env);
	if (o.conns < 1 || o.conns > SIM_MAX_LOAD_CONNS || o.rate <= 0 ||
	    sim_load_start(&o)) {
		xmlrpc_env_set_fault(env, FAULT_EINVAL, "EINVAL");
		return NULL;
	}
	return int_reply(env, 0);
}

static xmlrpc_value *control(struct sim_model *m, const char *method,
			     xmlrpc_value *p, xmlrpc_env *env)
{
	if (!strcmp(method, "simStats"))
		return sim_model_stats(m, env);
	if (!strcmp(method, "simReset")) {
		sim_model_reset_stats(m);
		return int_reply(env, 0);
	}
	if (!strcmp(method, "loadStart"))
		return load_start(p, env);
	if (!strcmp(method, "simStop"))
		return int_reply(env, 0); /* the loop ends after this reply */
	if (!strcmp(method, "simDisks"))
		return sim_model_disks(m, env);
	if (!strcmp(method, "loadStop")) {
		sim_load_stop();
		return int_reply(env, 0);
	}
	xmlrpc_env_set_fault(env, 1, "method not supported");
	return NULL;
}

xmlrpc_value *sim_model_call(struct sim_model *m, enum sim_role role, int idx,
			     const char *method, xmlrpc_value *params,
			     xmlrpc_env *env)
{
	xmlrpc_value *p = NULL, *reply = NULL;
	int64_t ver = 0;

	if (xmlrpc_value_type(params) == XMLRPC_TYPE_ARRAY &&
	    xmlrpc_array_size(env, params) > 0)
		xmlrpc_array_read_item(env, params, 0, &p);
	if (env->fault_occurred || !p)
		return einval(env);
	if (role == SIM_CONTROL) {
		reply = control(m, method, p, env);
		goto out;
	}
	if (!strcmp(method, "helloWorld")) {
		note_hello(m, role, idx);
		reply = int_reply(env, 0);
		goto out;
	}
	if (sim_get_int(env, p, "ver", &ver) || ver != 5) {
		xmlrpc_env_clean(env);
		xmlrpc_env_init(env);
		xmlrpc_env_set_fault(env, FAULT_EPROTO, "EPROTO");
		goto out;
	}
	if (!strcmp(method, "getEventStatus"))
		reply = event_status(m, role, idx, p, env);
	else if (role == SIM_SSVR && !strcmp(method, "registerShredRequest"))
		reply = shred_request(m, idx, p, env);
	else if (role == SIM_HSVR && !strcmp(method, "replaceMirrorDisk"))
		reply = rebuild_request(m, idx, p, env);
	else if (role == SIM_HSVR && (!strcmp(method, "attachLogicalVolume") ||
				      !strcmp(method, "detachLogicalVolume")))
		reply = instant(m, idx, p, env);
	else
		xmlrpc_env_set_fault(env, 1, "method not supported");
out:
	xmlrpc_DECREF(p);
	return reply;
}
