/*
 * Typed client of the storage manager's XML-RPC API (vas_api.txt, v5).
 * One function per method; structs in, structs out. Every function
 * returns 0 or a negative code: -errno for an errno fault from the
 * manager (-ENOENT, -EBUSY, ...), -VAS_EINTERNAL (-500) for fault 500,
 * -VAS_ENOMETHOD (-1) for fault 1, -EHOSTDOWN when no manager answered,
 * -ETIMEDOUT when the call timed out (it may still be running),
 * -EPROTO for a reply of the wrong shape, -ENOMEM.
 * vas_client_last() tells which host answered and the fault string.
 * A client keeps the outcome of its last call: one thread at a time.
 */
#ifndef VAS_CLIENT_H
#define VAS_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "vas/conf.h"
#include "vas/lvolstruct.h"
#include "vas/rpc_client.h"

struct vas_client;

/*
 * hosts are tried in order; failover to the next host happens when the
 * connection could not be made, and for a read (list, show) also when
 * its answer was lost - never for a change once its request was sent:
 * that one answers -ETIMEDOUT or -EPROTO (it may have been carried out).
 * The next call starts at the host that answered last, or after one that
 * took a request and gave no answer.
 */
int vas_client_new(const char *const *hosts, int nhosts, int port,
		   int timeout_ms, struct vas_client **out);
/* [storage_manager] host_list and port from the configuration. */
int vas_client_from_conf(const struct vas_conf *conf, int timeout_ms,
			 struct vas_client **out);
void vas_client_free(struct vas_client *c);
const struct rpc_outcome *vas_client_last(const struct vas_client *c);
/* The host that answered the last call, or NULL. */
const char *vas_client_last_host(const struct vas_client *c);
/*
 * The hosts the last call tried without an answer and why, e.g.
 * "a:8881 (Connection refused), b:8881 (...)"; "" when none failed.
 */
const char *vas_client_tried(const struct vas_client *c);
int vas_client_port(const struct vas_client *c);
/* Hosts configured (after trimming and dropping empty entries). */
int vas_client_nhosts(const struct vas_client *c);

/* A volume named by id (when non-zero) or else by name. */
struct vas_lvol_ref {
	int32_t lvolid;
	const char *lvolname;
};

#define VAS_MAX_IPS 8

struct vas_hsvr_info {
	int32_t hsvrid;
	int priority;
	int resync;
	int n_ip;
	char ip_data[VAS_MAX_IPS][16];
};

struct vas_ssvr_info {
	int32_t ssvrid;
	int priority;
	int resync;
	int64_t available; /* vb */
	int64_t capacity;  /* vb */
	int n_ip;
	char ip_data[VAS_MAX_IPS][16];
	char pool[65];	 /* with placement (issue 16), else "" */
	char domain[65]; /* with placement; "" = none */
};

struct vas_pdsk_info {
	int32_t ssvrid;
	int32_t pdskid;
	int priority;
	int resync;
	int64_t capacity;  /* vb */
	int64_t available; /* vb */
	char local_path[1025];
	char srp_name[65]; /* optional ([SRP] managers), "" when absent */
	char pool[65];	   /* with placement (issue 16), else "" */
	char domain[65];   /* of its server, with placement; "" = none */
};

struct vas_lvol_info {
	int32_t hsvrid;
	int32_t lvolid;
	char lvolname[65];
	int redundancy;
	int64_t capacity; /* GiB */
	bool fault;
	int bind_status;
	int bind_event;
	char ctime[21];
	int n_assoc_to;
	int32_t *assoc_to; /* lvolids (type "snapshot") */
	int n_assoc_from;
	int32_t *assoc_from;
	char pool[65]; /* with placement (issue 16), else "" */
};

int vas_register_hsvr(struct vas_client *c, const char *const *ips, int n,
		      int32_t *hsvrid);
int vas_register_ssvr(struct vas_client *c, const char *const *ips, int n,
		      int32_t *ssvrid);
int vas_register_pdsk(struct vas_client *c, int32_t ssvrid,
		      const char *local_path, int64_t sectors, int32_t *pdskid);
int vas_delete_pdsk(struct vas_client *c, int32_t pdskid);
int vas_delete_hsvr(struct vas_client *c, int32_t hsvrid);
int vas_delete_ssvr(struct vas_client *c, int32_t ssvrid);

/* redundancy 0 = the manager's default (3). */
int vas_lvol_create(struct vas_client *c, const char *name,
		    int64_t capacity_gib, int redundancy, int32_t *lvolid);
int vas_snap_create(struct vas_client *c, struct vas_lvol_ref origin,
		    const char *snapshot_name, int32_t *lvolid);
int vas_lvol_delete(struct vas_client *c, struct vas_lvol_ref v);
int vas_lvol_attach(struct vas_client *c, struct vas_lvol_ref v,
		    int32_t hsvrid);
int vas_lvol_detach(struct vas_client *c, struct vas_lvol_ref v);

/*
 * The three lists filtered by a server id, for callers that treat them
 * alike: *rows is an array of *n struct vas_hsvr_info, vas_ssvr_info or
 * vas_pdsk_info as kind says; free with free().
 */
enum vas_list_kind { VAS_LIST_HSVRS, VAS_LIST_SSVRS, VAS_LIST_PDSKS };
int vas_list(struct vas_client *c, enum vas_list_kind kind, int32_t id,
	     void **rows, int *n);
/* id 0 = all. *out is an array of *n entries; free with free(). */
int vas_list_hsvrs(struct vas_client *c, int32_t hsvrid,
		   struct vas_hsvr_info **out, int *n);
int vas_list_ssvrs(struct vas_client *c, int32_t ssvrid,
		   struct vas_ssvr_info **out, int *n);
int vas_list_pdsks(struct vas_client *c, int32_t ssvrid,
		   struct vas_pdsk_info **out, int *n);

/* A target's CHAP account (getTargetSecrets, SECURITY.md "CHAP"). */
struct vas_chap {
	int32_t pdskid;
	char user[65];
	char secret[65];
};
/*
 * The CHAP accounts of storage server ssvrid's targets and whether the
 * manager asks for CHAP (*on). Free with vas_chap_free() (zeroes them).
 * -VAS_ENOMETHOD from a manager without the call; -EPROTO on a reply
 * with another shape or a secret that is not a plain word.
 */
int vas_target_secrets(struct vas_client *c, int32_t ssvrid, bool *on,
		       struct vas_chap **out, int *n);
void vas_chap_free(struct vas_chap *a, int n);
/* v NULL = all volumes. Free with vas_lvol_info_free(). */
int vas_list_lvols(struct vas_client *c, const struct vas_lvol_ref *v,
		   struct vas_lvol_info **out, int *n);
void vas_lvol_info_free(struct vas_lvol_info *a, int n);
/* *out: heap tree, free with lvs_free(). */
int vas_show_lvol(struct vas_client *c, struct vas_lvol_ref v,
		  struct vas_lvolstruct **out);

/*
 * Additions of issue 16 (pools, quotas, failure domains, growing a
 * volume): managers without them answer fault 1 (-VAS_ENOMETHOD).
 */
struct vas_pool_info {
	int32_t poolid;
	char pool[65];
	int32_t parent;	   /* 0 for 'default', the root */
	int64_t quota;	   /* GiB of volumes, 0 = none */
	int64_t capacity;  /* vb of the disks its volumes use */
	int64_t used;	   /* GiB of volumes in it and its sub-pools */
	int64_t available; /* vb */
	int volumes;	   /* volumes and snapshots in the pool itself */
};

/* parent NULL = 'default'; quota_gib 0 = none. */
int vas_pool_create(struct vas_client *c, const char *pool, const char *parent,
		    int64_t quota_gib, int32_t *poolid);
int vas_pool_delete(struct vas_client *c, const char *pool);
int vas_pool_quota(struct vas_client *c, const char *pool, int64_t quota_gib);
/* pool NULL = all. *out: free with free(). */
int vas_list_pools(struct vas_client *c, const char *pool,
		   struct vas_pool_info **out, int *n);
/* Moves storage server ssvrid, or (ssvrid 0) disk pdskid, into pool. */
int vas_storage_pool(struct vas_client *c, const char *pool, int32_t ssvrid,
		     int32_t pdskid);
/* "" = none. */
int vas_failure_domain(struct vas_client *c, int32_t ssvrid,
		       const char *domain);
/* Grows a volume to capacity_gib (larger only). */
int vas_lvol_extend(struct vas_client *c, struct vas_lvol_ref v,
		    int64_t capacity_gib);

/*
 * Creates and lists with a pool: pool NULL = as without (the calls send
 * exactly what 3.0 clients send); placement asks lists for the pool and
 * domain members.
 */
struct vas_pool_opts {
	const char *pool;
	bool placement;
};
int vas_lvol_create_in(struct vas_client *c, const char *name,
		       int64_t capacity_gib, int redundancy, const char *pool,
		       int32_t *lvolid);
int vas_snap_create_in(struct vas_client *c, struct vas_lvol_ref origin,
		       const char *snapshot_name, const char *pool,
		       int32_t *lvolid);
int vas_list_in(struct vas_client *c, enum vas_list_kind kind, int32_t id,
		const struct vas_pool_opts *o, void **rows, int *n);
int vas_list_lvols_in(struct vas_client *c, const struct vas_lvol_ref *v,
		      const struct vas_pool_opts *o, struct vas_lvol_info **out,
		      int *n);

int vas_notify_failure(struct vas_client *c, int target, int32_t targetid);
int vas_notify_badblocks(struct vas_client *c, int32_t pdskid,
			 const int32_t *blocks, int n);
int vas_shutdown_all(struct vas_client *c);

#endif
