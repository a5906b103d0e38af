/*
 * The simulated hardware: disks that write at a set rate, shared by the
 * jobs on them; head-server links that carry rebuilds at a set rate,
 * shared likewise; and the agents' event tables. Internal to the model
 * files.
 */
#ifndef VAS_SIM_MODEL_H
#define VAS_SIM_MODEL_H

#include "sim.h"

enum sim_job_kind { JOB_SHRED, JOB_REBUILD, JOB_INSTANT };

/* Agent event states as on the wire (ssvr.md 4). */
#define SIM_EV_NONE	0
#define SIM_EV_PROGRESS 2
#define SIM_EV_DONE	3

struct sim_disk {
	int32_t pdskid;
	double speed;	   /* factor on the set disk rate */
	int active;	   /* jobs writing to it now */
	int active_shreds; /* of which shreds */
	int max_shreds;	   /* most shreds at once, ever */
	int active_rebuilds;
	int max_rebuilds;
	int rebuilds; /* rebuilds that wrote to it */
	int shreds_done;
	double first_shred_s;  /* first shred request seen */
	double last_noticed_s; /* last shred DONE read by the manager */
};

struct sim_link {
	int active; /* rebuilds on this head server now */
	double bytes;
};

struct sim_job {
	enum sim_job_kind kind;
	int64_t key[5]; /* the request, for idempotent re-sends */
	int status;
	double left_bytes;
	double t_start;
	double t_done;
	struct sim_disk *disk;
	struct sim_link *link;
	int active_idx; /* in model->active, -1 when not moving */
};

struct sim_poll_stats {
	uint64_t requests;
	uint64_t resends;
	uint64_t refused;
	uint64_t done;	/* finished on the simulated hardware */
	uint64_t polls; /* getEventStatus calls */
	uint64_t polls_progress;
	uint64_t polls_none;
	double first_request_s;
	double last_done_s;
	double last_noticed_s;
	struct sim_hist noticed; /* DONE read minus DONE reached */
	struct sim_hist turn;	 /* a disk's next shred minus its DONE read */
};

struct sim_hello {
	uint64_t count;
	double last_s;
	double max_gap_s;
};

struct sim_model {
	struct sim_opts o;
	struct sim_map disks;  /* pdskid -> disk */
	struct sim_map events; /* event_key() -> job */
	struct sim_job **active;
	int n_active;
	int cap_active;
	struct sim_link *links;	    /* one per head server */
	struct sim_hello *hello[2]; /* [SIM_SSVR], [SIM_HSVR] */
	double last_tick;
	int64_t max_eventid;
	uint64_t attaches;
	struct sim_poll_stats shred;
	struct sim_poll_stats rebuild;
};

uint64_t sim_event_key(enum sim_role role, int idx, int64_t eventid);
/* The disk, created on first sight as a disk of storage server idx. */
struct sim_disk *sim_disk_get(struct sim_model *m, int32_t pdskid, int idx);
/* Starts a job writing size_bytes to disk (and over link if given). */
int sim_job_start(struct sim_model *m, struct sim_job *j);
/* A getEventStatus answer for the event, consuming a DONE. */
int sim_event_read(struct sim_model *m, enum sim_role role, int idx,
		   int64_t eventid);
/* simStats: every figure the benchmark prints. */
xmlrpc_value *sim_model_stats(struct sim_model *m, xmlrpc_env *env);
void sim_model_reset_stats(struct sim_model *m);
/* simDisks: [pdskid, shreds done, first request, last DONE read, rebuilds]. */
xmlrpc_value *sim_model_disks(struct sim_model *m, xmlrpc_env *env);

#endif
