/* The storage manager's context: configuration, database, workers. */
#ifndef VAS_SM_H
#define VAS_SM_H

#include <stddef.h>
#include <stdint.h>

#include "vas/conf.h"

#define SM_MAX_EXTENTSIZES 8

struct sm_config {
	char listen_address[64];
	int port;
	char state_dir[512];
	char dsn[1024];	     /* empty = embedded PostgreSQL */
	char pg_bindir[256]; /* embedded: where initdb/pg_ctl live */
	char pg_user[64];    /* embedded, when started as root */
	int64_t extentsize[SM_MAX_EXTENTSIZES];
	int n_extentsize;
	int64_t unit;  /* min(extentsize) */
	int64_t carve; /* max(extentsize) */
	int max_resync_tasks;
	int max_shred_tasks; /* 0: no cap */
	int shredder_count;  /* per storage server (agent threads); 0: none */
	int hsvr_port;
	int ssvr_port;
	char iqn_prefix[128];
	int max_connections;
	size_t max_request_bytes;
	int request_timeout_s;
	int op_timeout_s;     /* synchronous attach/detach deadline */
	int agent_timeout_ms; /* one call to an agent */
	int attach_poll_ms;   /* getEventStatus period of attach/detach */
	int shred_poll_ms;    /* longest gap between polls of a shred */
	int sched_period_ms;  /* scheduler pass without a wake-up */
	int resync_poll_ms;   /* longest gap between polls of a resync */
	int server_check_interval_s; /* health polling; 0 = off */
	int health_timeout_ms;	     /* one helloWorld */
	int health_retry_ms;	     /* second chance before failing */
};

struct db;
struct jobs;
struct worker_loop;

struct sm {
	struct sm_config cfg;
	struct db *db;
	struct jobs *shred;
	struct jobs *resync;
	struct worker_loop *health;
};

/* Reads [storage_manager] and friends; -EINVAL on a malformed value. */
int sm_config_load(const struct vas_conf *conf, struct sm_config *cfg);
/* Parses "10" or "10,2": positive sizes, each a multiple of the first. */
int sm_parse_extentsize(const char *text, struct sm_config *cfg);

/* Wakes the shred scheduler (new rows, freed capacity). */
void sm_wake_shred(struct sm *sm);
/* Wakes the resync worker (new rows, attach done, failures). */
void sm_wake_resync(struct sm *sm);

#endif
