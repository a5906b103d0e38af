/*
 * Scale simulator: one process playing N storage agents and M head agents
 * (each on its own 127.x.y.z address, all on one port per kind) whose disks
 * and links move bytes at a set rate, plus an API load generator. Internal
 * to test/bench/sim/.
 */
#ifndef VAS_SIM_H
#define VAS_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <xmlrpc-c/base.h>

#define SIM_MIB		   (1024.0 * 1024.0)
#define SIM_VB_BYTES	   (1025.0 * SIM_MIB)
#define SIM_HIST_BUCKETS   160
#define SIM_MAX_LOAD_CONNS 1024

/* Seconds on CLOCK_MONOTONIC (the clock of Python's time.monotonic()). */
double sim_now(void);

/* A latency histogram with logarithmic buckets (0.1 ms .. ~100 s). */
struct sim_hist {
	uint64_t count;
	double sum_s;
	double max_s;
	uint64_t bucket[SIM_HIST_BUCKETS];
};
void sim_hist_add(struct sim_hist *h, double seconds);
/* The q-quantile (0..1) as the upper bound of its bucket, in seconds. */
double sim_hist_quantile(const struct sim_hist *h, double q);

/* int64 -> pointer map with open addressing; keys are never 0. */
struct sim_map {
	uint64_t *keys;
	void **vals;
	size_t cap;
	size_t n;
};
void *sim_map_get(const struct sim_map *m, uint64_t key);
int sim_map_put(struct sim_map *m, uint64_t key, void *val);
void *sim_map_del(struct sim_map *m, uint64_t key);
void sim_map_free(struct sim_map *m);

/* What one listening address plays. */
enum sim_role { SIM_SSVR, SIM_HSVR, SIM_CONTROL };

struct sim_opts {
	int n_ssvr;
	int n_hsvr;
	char ssvr_base[32]; /* first storage address, e.g. 127.50.0.1 */
	char hsvr_base[32];
	int ssvr_port;
	int hsvr_port;
	int control_port;   /* on 127.0.0.1 */
	double disk_mb_s;   /* write rate of every disk, MB/s (1e6 bytes) */
	double link_mb_s;   /* data link of every head server, MB/s */
	int fast_first;	    /* disks of storage servers 0..fast_first-1 ... */
	double fast_factor; /* ... write this many times faster */
};

/* The agents' model; everything runs on the agent loop's thread. */
struct sim_model;
struct sim_model *sim_model_new(const struct sim_opts *o);
void sim_model_free(struct sim_model *m);
/* Moves every running job forward to now. */
void sim_model_tick(struct sim_model *m);
/*
 * Answers one call to server idx of the given role; returns a new value
 * or NULL with env set to the fault.
 */
xmlrpc_value *sim_model_call(struct sim_model *m, enum sim_role role, int idx,
			     const char *method, xmlrpc_value *params,
			     xmlrpc_env *env);

/* The HTTP side: listeners, connections and the loop. */
struct sim_server;
int sim_server_new(const struct sim_opts *o, struct sim_model *m,
		   struct sim_server **out);
/* Serves until a simStop call; returns 0. */
int sim_server_run(struct sim_server *s);
void sim_server_free(struct sim_server *s);

/* The API load generator (its own thread). */
struct sim_load_opts {
	char host[64];
	int port;
	int conns;
	double rate; /* requests per second, all connections together */
	int n_lvolids;
	int32_t lvolids[256]; /* volumes to read */
	int n_ssvr;	      /* ssvrids 1..n_ssvr are read */
	double write_share;   /* create+delete share of all requests */
};
int sim_load_start(const struct sim_load_opts *o);
void sim_load_stop(void);
/* Adds the load's figures to a struct for simStats. */
void sim_load_report(xmlrpc_env *env, xmlrpc_value *st);
void sim_load_reset(void);

/* Helpers shared by the model files. */
int sim_get_int(xmlrpc_env *env, xmlrpc_value *st, const char *key,
		int64_t *out);
xmlrpc_value *sim_get_member(xmlrpc_env *env, xmlrpc_value *st,
			     const char *key);
void sim_put_double(xmlrpc_env *env, xmlrpc_value *st, const char *key,
		    double v);
void sim_put_int(xmlrpc_env *env, xmlrpc_value *st, const char *key, int64_t v);
void sim_put_hist(xmlrpc_env *env, xmlrpc_value *st, const char *prefix,
		  const struct sim_hist *h);

#endif
