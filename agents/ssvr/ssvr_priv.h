/*
 * Storage-server internals shared by ssvr_agent and ssvr_reporter:
 * configuration, local state files, zeroing, iSCSI export, shredder,
 * disk patrol and manager notifications.
 *
 * Lock order: shred queue lock, then the event table's own lock.
 */
#ifndef VAS_SSVR_PRIV_H
#define VAS_SSVR_PRIV_H

#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vas/conf.h"
#include "vas/peer_acl.h"
#include "vas/rpc_tls.h"

#define SSVR_MIB	    (1024LL * 1024LL)
#define SSVR_VB_BYTES	    (1025LL * SSVR_MIB)
#define SSVR_MAX_INITIATORS 16
#define SSVR_MAX_IPS	    8
#define SSVR_IQN_MAX	    224

enum ssvr_target_type { SSVR_TARGET_TGT, SSVR_TARGET_IET };

struct ssvr_cfg {
	const struct vas_conf *conf; /* borrowed, for the manager client */
	char state_dir[PATH_MAX];
	char listen_address[64];
	long port;
	long shredder_count;
	long shred_queue_max;
	int shred_method; /* enum zero_method */
	char iqn_prefix[SSVR_IQN_MAX];
	enum ssvr_target_type target_type;
	char tgtadm[PATH_MAX];
	char ietadm[PATH_MAX];
	char iet_volume_file[PATH_MAX];
	char tgtadm_params_lun[256];
	char ietadm_params_lun[256];
	char ietadm_params_tid[512];
	long tgt_control_port;	 /* tgtadm -C N */
	char portal[64];	 /* "IP:PORT" ensured on tgtd, or "" */
	struct peer_acl callers; /* allowed_peers, host_list or this host */
	struct rpc_tls tls;	 /* [tls] */
	int n_initiators;
	char initiators[SSVR_MAX_INITIATORS][64]; /* empty list = ALL */
	long exec_timeout_ms;
	long export_check_s;
	long initiator_refresh_s; /* registered heads asked this often */
	/* reporter */
	char register_device_list[PATH_MAX];
	int n_ip_data;
	char ip_data[SSVR_MAX_IPS][16];
	long retry_max_s;
	long rpc_timeout_ms;
	/* patrol */
	long patrol_bandwidth_mib; /* MiB/s, 0 = patrol off */
	long patrol_stripe_mib;
	long patrol_first_sleep_s;
};

/* ssvr_cfg.c: fills cfg from conf with defaults; -EINVAL logged. */
int ssvr_cfg_load(const struct vas_conf *conf, struct ssvr_cfg *cfg);
/*
 * Daemon start-up: parses [--config FILE] [--help], sets umask 077 and
 * logging, loads and validates the configuration (caller frees both).
 * 0 to go on, -1 after --help (exit 0), else the exit status.
 */
int ssvr_start(int argc, char **argv, struct vas_conf **conf,
	       struct ssvr_cfg **cfg);
/* Splits "a, b,c" into at most max trimmed items of size len; count. */
int ssvr_split_list(const char *s, char *items, int max, size_t len);

/* ssvr_state.c: small state files, written atomically with mode 0600. */
int ssvr_write_atomic(const char *path, const char *data, size_t len);
/* Reads at most max-1 bytes into buf (NUL-terminated); -errno. */
int ssvr_read_file(const char *path, char *buf, size_t max);
int ssvr_path(char *buf, size_t len, const struct ssvr_cfg *cfg,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int ssvr_mkdir_p(const char *path);

/* A disk this host exports: activation record <state_dir>/pdsk-%08x. */
struct ssvr_disk {
	uint32_t pdskid;
	char path[PATH_MAX]; /* as written in the device list */
};

int ssvr_disk_save(const struct ssvr_cfg *cfg, const struct ssvr_disk *d);
/* -ENOENT when this host does not export pdskid. */
int ssvr_disk_load(const struct ssvr_cfg *cfg, uint32_t pdskid,
		   struct ssvr_disk *d);
int ssvr_disk_remove(const struct ssvr_cfg *cfg, uint32_t pdskid);
/* All activation records; *out freed with free(). */
int ssvr_disk_list(const struct ssvr_cfg *cfg, struct ssvr_disk **out, int *n);
/* <state_dir>/pdsk/%08x, the stable backing path. */
int ssvr_disk_link(const struct ssvr_cfg *cfg, uint32_t pdskid, char *buf,
		   size_t len);

/* ssvr_zero.c: size and zero-fill of a disk or file. */
enum zero_method {
	ZERO_AUTO,  /* BLKZEROOUT / fallocate, else direct writes */
	ZERO_WRITE, /* O_DIRECT writes only (benchmarks, fallback) */
};
/* Bytes of a block device or regular file; -errno. */
int zero_size_fd(int fd, uint64_t *bytes);
int zero_size_path(const char *path, uint64_t *bytes);
/*
 * Opens path with flags | O_DIRECT (never O_CREAT from callers), falling
 * back to buffered I/O where O_DIRECT is unsupported. fd or -errno.
 */
int zero_open_direct(const char *path, int flags);
/*
 * Zeroes [off, off+len) of fd (opened O_WRONLY, O_DIRECT if method may
 * write). off and len are multiples of 1 MiB. 0 or -errno; -EIO means the
 * medium failed in that range; -EINTR when *stop (may be NULL) was set
 * during direct writes.
 */
int zero_range(int fd, uint64_t off, uint64_t len, enum zero_method m,
	       atomic_bool *stop);

/*
 * ssvr_acl.c: with initiator_address empty, the targets accept only the
 * head servers registered with the manager (SECURITY.md): their data
 * addresses, asked of the manager every initiator_refresh_interval s and
 * kept in <state_dir>/initiators for every export made meanwhile.
 */
#define SSVR_ACL_MAX 128

struct acl_set {
	int n;
	char addr[SSVR_ACL_MAX][16]; /* sorted dotted quads */
};

/* ssvr_initiators.c: the saved set; empty when none was saved yet. */
int acl_load(const struct ssvr_cfg *cfg, struct acl_set *s);
int acl_save(const struct ssvr_cfg *cfg, const struct acl_set *s);
/* The addresses a new target is bound to: initiator_address or saved. */
int acl_wanted(const struct ssvr_cfg *cfg, struct acl_set *s);
/* Adds addr once (full set: dropped); acl_sort orders for comparing. */
void acl_add(struct acl_set *s, const char *addr);
void acl_sort(struct acl_set *s);
struct acl_keeper;
int acl_keeper_start(const struct ssvr_cfg *cfg, struct acl_keeper **out);
void acl_keeper_stop(struct acl_keeper *k);
/* One pass: ask the manager, save and apply what changed. 0 or -errno. */
int acl_refresh(const struct ssvr_cfg *cfg, bool force);
/*
 * fenceInitiators: the addrs (dotted quads) lose access and sessions on
 * every target now, and stay out of the sets fetched before this call.
 * -EOPNOTSUPP with initiator_address set by hand.
 */
int acl_fence(const struct ssvr_cfg *cfg, char (*addrs)[16], int n);

/*
 * ssvr_chap.c: the targets' CHAP accounts from the manager (SECURITY.md
 * "CHAP"), kept in <state_dir>/chap (0600).
 */
struct vas_chap;
struct chap_set {
	bool on; /* the manager asks for CHAP */
	int n;
	struct vas_chap *e;
};
/* The saved set; off and empty when none was saved yet. */
int chap_load(const struct ssvr_cfg *cfg, struct chap_set *s);
void chap_set_free(struct chap_set *s);
const struct vas_chap *chap_find(const struct chap_set *s, uint32_t pdskid);
/* CHAP on and pdskid's secret unknown: its target admits nobody. */
bool chap_closed(const struct chap_set *s, uint32_t pdskid);
int chap_save(const struct ssvr_cfg *cfg, const struct chap_set *s);
bool chap_same(const struct chap_set *a, const struct chap_set *b);
/*
 * The manager's set for this server (getTargetSecrets); off from a
 * manager without the call; -ENOENT before the server registered.
 */
int chap_fetch(const struct ssvr_cfg *cfg, struct chap_set *s);
/* Deletes the tgt accounts of was that now lacks or holds otherwise. */
void chap_drop_changed(const struct ssvr_cfg *cfg, const struct chap_set *was,
		       const struct chap_set *now);
/*
 * ssvr_acl.c: asks the manager; when the answer differs from the saved
 * set, saves it and applies it (and the initiator set) to every target.
 * 0 also when this server is not registered yet; -errno when the manager
 * cannot say.
 */
int chap_refresh(const struct ssvr_cfg *cfg);
/* Its second half: saves and applies now when it differs from the saved. */
int chap_apply(const struct ssvr_cfg *cfg, const struct chap_set *now);
/* ssvr_tgt_account.c: target tid admits exactly want's account (NULL: none of
 * ours). */
int tgt_chap(const struct ssvr_cfg *cfg, int tid, const struct vas_chap *want);
/* tgt: deletes the account (unbinding it everywhere) if it exists. */
int tgt_account_delete(const struct ssvr_cfg *cfg, const char *user);

/* ssvr_target.c: one driver per iSCSI target implementation. */
struct target_ent {
	int tid;
	char iqn[SSVR_IQN_MAX + 16];
};

struct target_driver {
	const char *name;
	int (*list)(const struct ssvr_cfg *cfg, struct target_ent **out,
		    int *n);
	int (*create)(const struct ssvr_cfg *cfg, int tid, const char *iqn,
		      const char *backing, uint32_t pdskid);
	int (*remove)(const struct ssvr_cfg *cfg, int tid);
	/* Makes the target's initiator ACL exactly s; NULL: not supported. */
	int (*acl)(const struct ssvr_cfg *cfg, int tid,
		   const struct acl_set *s);
	/* Binds exactly want's CHAP account; NULL: not supported. */
	int (*chap)(const struct ssvr_cfg *cfg, int tid,
		    const struct vas_chap *want);
	int max_tid;
};

const struct target_driver *target_driver_get(const struct ssvr_cfg *cfg);
/*
 * Runs argv with the configured timeout; logs failures (the word after
 * "--password" as "***"); 0 or -errno.
 */
int ssvr_run(const struct ssvr_cfg *cfg, const char *const *argv, char **out);

/* ssvr_export.c */
void export_iqn(const struct ssvr_cfg *cfg, uint32_t pdskid, char *buf,
		size_t len);
/* Parses an IQN of ours into pdskid; false for foreign targets. */
bool export_parse_iqn(const struct ssvr_cfg *cfg, const char *iqn,
		      uint32_t *pdskid);
/* Link, target, LUN, record. Idempotent. */
int export_activate(const struct ssvr_cfg *cfg, const struct ssvr_disk *d);
/* Removes target, link and record. Idempotent. */
int export_deactivate(const struct ssvr_cfg *cfg, uint32_t pdskid);
/*
 * Makes the target table match the activation records: creates missing
 * exports, removes our targets that have no record. 0 or first error.
 */
int export_reconcile(const struct ssvr_cfg *cfg);
/*
 * Binds every target of ours to exactly s and its CHAP account (a target
 * chap_closed() admits no address). 0 or the first error.
 */
int export_apply_acl(const struct ssvr_cfg *cfg, const struct acl_set *s);
/* The same with acl_wanted(), read under the lock the caller holds. */
int export_apply_wanted_locked(const struct ssvr_cfg *cfg);
/* The export lock (flock, shared with the reporter): fd or -errno. */
int export_lock(const struct ssvr_cfg *cfg);
void export_unlock(int fd);

/*
 * Re-runs export_reconcile every export_check_s seconds (0 = never), so
 * exports come back after tgtd restarts or was down at our start.
 */
struct export_keeper;
int export_keeper_start(const struct ssvr_cfg *cfg, struct export_keeper **out);
void export_keeper_stop(struct export_keeper *k);

/* ssvr_notify.c: reports to the manager, retried until stop is set. */
/* Sleeps up to ms, waking early when *stop (may be NULL) is set; false if
 * stopped. */
bool ssvr_sleep(atomic_bool *stop, long ms);
int notify_badblocks(const struct ssvr_cfg *cfg, uint32_t pdskid,
		     const int32_t *blocks, int n, atomic_bool *stop);
/*
 * notifyFailure(PDSK): the whole disk failed (3.0's report; ssvr.md 7.3),
 * so its extents are replaced and it is no longer shredded or patrolled.
 */
int notify_disk_failed(const struct ssvr_cfg *cfg, uint32_t pdskid,
		       atomic_bool *stop);
/* An open/size error that means the device failed (not our setup). */
bool disk_failed_err(int err);
/* Neither the first nor the last 4 KiB of the device can be read (EIO). */
bool disk_dead(int fd, uint64_t size);

/* ssvr_shred.c: bounded pool of shredders, persisted jobs. */
struct shred_req {
	int64_t eventid;
	int64_t dextid;
	uint32_t pdskid;
	int64_t offset_vb;
	int64_t capacity_vb;
};

struct shredder;
struct event_table;

int shredder_new(const struct ssvr_cfg *cfg, struct event_table *events,
		 struct shredder **out);
/* Re-queues the jobs persisted by a previous run. */
int shredder_resume(struct shredder *s);
/*
 * Accepts a request (validated by the caller): 0 when queued or already
 * known with the same parameters; -EBUSY for a different job under the
 * same eventid; -EAGAIN when the queue is full.
 */
int shredder_submit(struct shredder *s, const struct shred_req *r);
/*
 * Whether eventid, if this shredder knows it, is the job on the extent r
 * names (members < 0 are not compared): a DONE kept from before the
 * manager's id counter wrapped must not answer for another extent.
 */
bool shredder_matches(struct shredder *s, const struct shred_req *r);
/* True while a queued or running job overlaps [off, off+len) bytes. */
bool shredder_busy(struct shredder *s, uint32_t pdskid, uint64_t off,
		   uint64_t len);
/* Asks the workers to stop at the next chunk; does not wait. */
void shredder_request_stop(struct shredder *s);
/* Stops the workers; unfinished jobs stay persisted. */
void shredder_free(struct shredder *s);

/* ssvr_patrol.c: background read scrub thread. */
struct patrol;
int patrol_start(const struct ssvr_cfg *cfg, struct shredder *shred,
		 struct patrol **out);
void patrol_stop(struct patrol *p);
/* One read pass step over every disk; exposed for tests. */
int patrol_step(struct patrol *p);

#endif
