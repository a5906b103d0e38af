/* The storage manager's context: configuration, database, workers. */
#ifndef VAS_SM_H
#define VAS_SM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vas/conf.h"
#include "vas/peer_acl.h"

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
	int max_shred_tasks;	/* 0: no cap */
	int job_batch;		/* rows per shred/resync transaction */
	int shred_give_way_ms;	/* a shred transaction waits for others */
	int resync_give_way_ms; /* the same for a rebuild transaction */
	int shredder_count; /* per storage server (agent threads); 0: none */
	int hsvr_port;
	int ssvr_port;
	char iqn_prefix[128];
	/* Targets ask heads for CHAP with per-disk secrets (SECURITY.md). */
	bool iscsi_chap;
	int max_connections;
	size_t max_request_bytes;
	int request_timeout_s;	      /* a request arrives, a reply leaves */
	int idle_timeout_s;	      /* keep-alive connection, no request */
	int max_open_connections;     /* more wait in the listen backlog */
	int max_connections_per_peer; /* more from one address are closed */
	int op_timeout_s;	      /* synchronous attach/detach deadline */
	int agent_timeout_ms;	      /* one call to an agent */
	int attach_poll_ms;  /* getEventStatus period of attach/detach */
	int shred_poll_ms;   /* longest gap between polls of a shred */
	int sched_period_ms; /* scheduler pass without a wake-up */
	int resync_poll_ms;  /* longest gap between polls of a resync */
	int server_check_interval_s; /* health polling; 0 = off */
	int health_timeout_ms;	     /* one helloWorld */
	int health_retry_ms;	     /* second chance before failing */
	/* delete*, shutdownAll; default: this host's addresses. */
	struct peer_acl admin_peers;
	/* Besides registered servers: who may call register*, notify*;
	 * default: the networks this host is directly on. */
	struct peer_acl agent_peers;
	int leader_lease_ms;   /* how long a silent leader stays leader */
	int db_tcp_timeout_ms; /* a silent PostgreSQL connection is given up */
};

struct db;
struct jobs;
struct worker_loop;
struct health;
struct placement_view;
struct sm;
struct attach_op;
struct attach_driver;
struct leader;

/*
 * What the rules (sm/domain) ask of the background machinery
 * (sm/workers): the workers fill these in as they start, so the domain
 * never names a worker. NULL until then (unit tests): waking is a no-op.
 */
struct sm_hooks {
	void (*wake_shred)(struct sm *sm);
	void (*wake_resync)(struct sm *sm);
	/*
	 * Drives a recorded attach/detach on its head agent, waits for the
	 * outcome and records it; frees op. 0 or the error for the caller.
	 */
	int (*run_attach)(struct sm *sm, struct attach_op *op);
	void (*wake_fencing)(struct sm *sm);
	/*
	 * Waits (op_timeout) until an attach of lvolid need no longer wait
	 * for a failed head to be fenced; 0, or -EAGAIN when it still must.
	 */
	int (*await_fencing)(struct sm *sm, int32_t lvolid);
};

struct sm {
	struct sm_config cfg;
	struct db *db;
	int32_t instance; /* this process among the managers (issue 15) */
	struct sm_hooks hooks;
	/* The workers' own state; only sm/workers/ looks inside. */
	struct jobs *shred;
	struct jobs *resync;
	struct health *health;
	struct worker_loop *fencing;
	struct attach_driver *attach;
	struct leader *leader; /* runs the workers while this one leads */
	/* Leg placement's view of the disks (sm/domain/placement_view.c). */
	struct placement_view *placement;
	/* Legs given a new extent: [0] in a batch, [1] one by one (atomic). */
	uint64_t legs_replaced[2];
};

/* Reads [storage_manager] and friends; -EINVAL on a malformed value. */
int sm_config_load(const struct vas_conf *conf, struct sm_config *cfg);
/* Parses "10" or "10,2": positive sizes, each a multiple of the first. */
int sm_parse_extentsize(const char *text, struct sm_config *cfg);

/* Wakes the shred scheduler (new rows, freed capacity). */
static inline void sm_wake_shred(struct sm *sm)
{
	if (sm->hooks.wake_shred)
		sm->hooks.wake_shred(sm);
}

/* Wakes the resync worker (new rows, failures). */
static inline void sm_wake_resync(struct sm *sm)
{
	if (sm->hooks.wake_resync)
		sm->hooks.wake_resync(sm);
}

/* Wakes the fencing worker (a head server failed). */
static inline void sm_wake_fencing(struct sm *sm)
{
	if (sm->hooks.wake_fencing)
		sm->hooks.wake_fencing(sm);
}

static inline int sm_await_fencing(struct sm *sm, int32_t lvolid)
{
	return sm->hooks.await_fencing ? sm->hooks.await_fencing(sm, lvolid)
				       : -EAGAIN;
}

#endif
