/* Simulator helpers: clock, latency histogram, int map, XML-RPC members. */
#include "sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sim_now(void)
{
	return mono();
}

/* Bucket b holds latencies up to 0.1 ms * 2^(b/8): 9 % wide. */
static int bucket_of(double s)
{
	int b;

	if (s <= 0.0001)
		return 0;
	b = (int)ceil(8.0 * log2(s / 0.0001));
	return b >= SIM_HIST_BUCKETS ? SIM_HIST_BUCKETS - 1 : b;
}

void sim_hist_add(struct sim_hist *h, double seconds)
{
	h->count++;
	h->sum_s += seconds;
	if (seconds > h->max_s)
		h->max_s = seconds;
	h->bucket[bucket_of(seconds)]++;
}

double sim_hist_quantile(const struct sim_hist *h, double q)
{
	uint64_t want, seen = 0;
	int b;

	if (!h->count)
		return 0;
	want = (uint64_t)ceil(q * (double)h->count);
	for (b = 0; b < SIM_HIST_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= want) {
			double up = 0.0001 * pow(2.0, b / 8.0);

			return up < h->max_s ? up : h->max_s;
		}
	}
	return h->max_s;
}

static size_t slot(const struct sim_map *m, uint64_t key)
{
	uint64_t x = key * 0x9e3779b97f4a7c15ull;

	return (size_t)(x >> 17) & (m->cap - 1);
}

void *sim_map_get(const struct sim_map *m, uint64_t key)
{
	size_t i;

	if (!m->cap)
		return NULL;
	for (i = slot(m, key); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key)
			return m->vals[i];
	return NULL;
}

static int grow(struct sim_map *m)
{
	struct sim_map bigger = {0};
	size_t i;

	bigger.cap = m->cap ? m->cap * 2 : 1024;
	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.vals = calloc(bigger.cap, sizeof(*bigger.vals));
	if (!bigger.keys || !bigger.vals) {
		sim_map_free(&bigger);
		return -ENOMEM;
	}
	for (i = 0; i < m->cap; i++)
		if (m->keys[i])
			sim_map_put(&bigger, m->keys[i], m->vals[i]);
	sim_map_free(m);
	*m = bigger;
	return 0;
}

int sim_map_put(struct sim_map *m, uint64_t key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap && grow(m))
		return -ENOMEM;
	for (i = slot(m, key); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

void *sim_map_del(struct sim_map *m, uint64_t key)
{
	size_t i, j;
	void *val;

	if (!m->cap)
		return NULL;
	for (i = slot(m, key); m->keys[i] && m->keys[i] != key;
	     i = (i + 1) & (m->cap - 1))
		;
	if (!m->keys[i])
		return NULL;
	val = m->vals[i];
	m->keys[i] = 0;
	m->n--;
	/* Re-insert the rest of the cluster so lookups still find it. */
	for (j = (i + 1) & (m->cap - 1); m->keys[j];
	     j = (j + 1) & (m->cap - 1)) {
		uint64_t k = m->keys[j];
		void *v = m->vals[j];

		m->keys[j] = 0;
		m->n--;
		sim_map_put(m, k, v);
	}
	return val;
}

void sim_map_free(struct sim_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

xmlrpc_value *sim_get_member(xmlrpc_env *env, xmlrpc_value *st, const char *key)
{
	xmlrpc_value *v = NULL;

	if (xmlrpc_value_type(st) != XMLRPC_TYPE_STRUCT)
		return NULL;
	xmlrpc_struct_find_value(env, st, key, &v);
	return env->fault_occurred ? NULL : v;
}

int sim_get_int(xmlrpc_env *env, xmlrpc_value *st, const char *key,
		int64_t *out)
{
	xmlrpc_value *v = sim_get_member(env, st, key);
	int i = 0, ret = -EINVAL;

	if (!v)
		return -EINVAL;
	if (xmlrpc_value_type(v) == XMLRPC_TYPE_INT) {
		xmlrpc_read_int(env, v, &i);
		*out = i;
		ret = env->fault_occurred ? -EINVAL : 0;
	} else if (xmlrpc_value_type(v) == XMLRPC_TYPE_I8) {
		xmlrpc_int64 l = 0;

		xmlrpc_read_i8(env, v, &l);
		*out = l;
		ret = env->fault_occurred ? -EINVAL : 0;
	}
	xmlrpc_DECREF(v);
	return ret;
}

void sim_put_double(xmlrpc_env *env, xmlrpc_value *st, const char *key,
		    double v)
{
	xmlrpc_value *d = xmlrpc_double_new(env, v);

	if (d) {
		xmlrpc_struct_set_value(env, st, key, d);
		xmlrpc_DECREF(d);
	}
}

void sim_put_int(xmlrpc_env *env, xmlrpc_value *st, const char *key, int64_t v)
{
	xmlrpc_value *d = xmlrpc_i8_new(env, v);

	if (d) {
		xmlrpc_struct_set_value(env, st, key, d);
		xmlrpc_DECREF(d);
	}
}

void sim_put_hist(xmlrpc_env *env, xmlrpc_value *st, const char *prefix,
		  const struct sim_hist *h)
{
	static const struct {
		const char *suffix;
		double q;
	} qs[] = {{"p50", 0.5}, {"p99", 0.99}};
	char key[96];
	size_t i;

	snprintf(key, sizeof(key), "%s_count", prefix);
	sim_put_int(env, st, key, (int64_t)h->count);
	snprintf(key, sizeof(key), "%s_max", prefix);
	sim_put_double(env, st, key, h->max_s);
	snprintf(key, sizeof(key), "%s_mean", prefix);
	sim_put_double(env, st, key, h->count ? h->sum_s / h->count : 0);
	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		snprintf(key, sizeof(key), "%s_%s", prefix, qs[i].suffix);
		sim_put_double(env, st, key, sim_hist_quantile(h, qs[i].q));
	}
}
