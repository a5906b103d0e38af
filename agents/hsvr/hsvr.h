/*
 * The head-server agent's shared context and module interfaces.
 * Lock order: busy_lock (never held while running) ; iscsi_lock ->
 * mdadm_lock -> hx->lock (the event table's lock is never held while any
 * of these is taken).
 */
#ifndef HSVR_H
#define HSVR_H

#include <limits.h>
#include <pthread.h>
#include <stdint.h>

#include "hx.h"
#include "vas/conf.h"
#include "vas/event_table.h"
#include "vas/lvolstruct.h"
#include "vas/peer_acl.h"

struct job_pool;
struct leftover;

struct iscsi_ref {
	char iqn[224];
	char user[32]; /* the DEXT device name using the session */
	char map[128]; /* its multipath map, "" until known */
};

struct hsvr {
	const struct vas_conf *conf;
	struct hx *hx;
	/* Who may call (the managers); filled by the daemon. */
	struct peer_acl callers;
	char state_dir[PATH_MAX];
	char vas_dir[PATH_MAX];	  /* labels: /dev/vas */
	char md_dir[PATH_MAX];	  /* mirrors: /dev/md */
	char table_dir[PATH_MAX]; /* dm table files for dmsetup create */
	char libvirt_uri[256];	  /* "" = no libvirt check */
	long login_wait_ms;
	long mpath_retries;	    /* tries to find/create a multipath map */
	long mpath_retry_ms;	    /* pause between them */
	pthread_mutex_t iscsi_lock; /* sessions and refs */
	pthread_mutex_t mdadm_lock; /* mdadm --create/--assemble/-S */
	struct iscsi_ref *refs;
	int n_refs;
	struct event_table *events;
	struct job_pool *pool;
	/*
	 * Operations on one volume (or mirror) run one after another, in
	 * the order they were accepted: queued[] holds the keys of every
	 * accepted, unfinished operation in that order (ops.c).
	 */
	pthread_mutex_t busy_lock;
	pthread_cond_t busy_cond;
	struct op **queued;
	int n_queued, cap_queued;
	/* Old legs whose teardown failed, retried (leftover.c). */
	pthread_mutex_t leftover_lock;
	struct leftover *leftovers;
	int n_leftovers;
	long leftover_gap_ms; /* the first retry's pause */
};

/* hsvr_ctx.c: paths from configuration, the persisted iSCSI users. */
int hsvr_init(struct hsvr *h, const struct vas_conf *conf, struct hx *hx);
/*
 * The label directory: [hsvr_agent] vas_device_dir, else
 * [storage_manager] vas_device_dir, else <root>/dev/vas.
 */
int hsvr_vas_dir(const struct vas_conf *conf, const char *root, char *buf,
		 size_t len);
/* The same for programs without an exec layer (reporter, vas_virt). */
int hsvr_conf_vas_dir(const struct vas_conf *conf, char *buf, size_t len);
void hsvr_fini(struct hsvr *h);
/*
 * iSCSI session users (W11): each DEXT registers itself before the
 * session is used and unregisters on teardown; the last one logs out.
 * Called with iscsi_lock held; the list is saved to state_dir.
 * Both return the number of users of iqn left afterwards, or -errno.
 */
int refs_add(struct hsvr *h, const char *iqn, const char *user);
int refs_del(struct hsvr *h, const char *iqn, const char *user);
/*
 * The multipath map of iqn's session, recorded at login so the logout can
 * flush it when no path answers any more (a dead storage server).
 */
int refs_set_map(struct hsvr *h, const char *iqn, const char *map);
/* map = "" when unknown; 0 or -ENAMETOOLONG. */
int refs_map(const struct hsvr *h, const char *iqn, char *map, size_t len);

/* dmdev.c: device helpers over the exec layer. */
int dev_exists(const char *path);
int dm_create(struct hsvr *h, const char *name, const char *table,
	      int readonly);
int dm_remove(struct hsvr *h, const char *name);
/* Loads table as the device's inactive table (live at its resume). */
int dm_load(struct hsvr *h, const char *name, const char *table);
int dev_size(struct hsvr *h, const char *dev, int64_t *sectors);
/* Openers of a dm device (md arrays and dm tables over it count). */
int dm_open_count(struct hsvr *h, const char *name, int *count);
/* dextid of a dm kernel device (dm-N) named "%08x-%08x", else 0. */
int32_t dext_of_kname(struct hsvr *h, const char *kname);
/* Kernel name (md0) of a mirror; -ENOENT when it does not exist. */
int md_kname(struct hsvr *h, int32_t mirrorid, char *buf, size_t len);

/*
 * sweep.c: before the agent serves, tears down what an earlier run left
 * half done (killed between removing a leg from its mirror and tearing
 * the leg down): leg maps nothing opens, and the iSCSI sessions (with
 * their multipath maps) only they used. Returns the number of legs torn
 * down; failures are logged and left for the next start.
 */
int hsvr_sweep(struct hsvr *h);

/*
 * leftover.c: old legs a resync could not tear down, each with the time
 * of its next try (op_retire_due). leftover_add takes leg over (zeroing
 * it), due gap_ms later (capped at 60 s); leftover_take_due hands the
 * first due one over: 1, or 0 when none is due.
 */
int leftover_add(struct hsvr *h, struct vas_lvolstruct *leg, int32_t mirrorid,
		 long gap_ms);
int leftover_take_due(struct hsvr *h, struct vas_lvolstruct *leg,
		      int32_t *mirrorid, long *gap_ms);
void leftover_clear(struct hsvr *h);

#endif
