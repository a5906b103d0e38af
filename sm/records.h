/*
 * The manager's records as its layers hand them to each other: sm/db
 * fills them, sm/domain decides on them, sm/api encodes them. Plain data
 * that names no layer's types, so every layer may include it.
 */
#ifndef VAS_SM_RECORDS_H
#define VAS_SM_RECORDS_H

#include <stdbool.h>
#include <stdint.h>

enum srv_kind { SRV_HSVR = 0, SRV_SSVR = 1 };

#define SRV_MAX_IPS 8
/* Pool and failure-domain names: 1..64 characters (issue 16). */
#define SM_NAME_MAX 64

/* A target's CHAP account (sql/007_chap.sql, SECURITY.md "CHAP"). */
#define SM_CHAP_WORD 24
struct sm_chap {
	int32_t pdskid;
	char user[SM_CHAP_WORD];
	char secret[SM_CHAP_WORD];
};

/* A head or a storage server and its data addresses. */
struct sm_server {
	int32_t id;
	int priority;
	int n_ip;
	char ip[SRV_MAX_IPS][21];
	int64_t available_vb; /* storage servers */
	int64_t capacity_vb;
	int resync;		      /* rebuilds running (for lists) */
	char pool[SM_NAME_MAX + 1];   /* storage servers */
	char domain[SM_NAME_MAX + 1]; /* "" = none */
};

/* A physical disk of a storage server. */
struct sm_disk {
	int32_t pdskid;
	int32_t ssvrid;
	int priority;
	int64_t capacity_vb;
	int64_t available_vb;
	int resync; /* rebuilds running onto this disk */
	char local_path[1025];
	char pool[SM_NAME_MAX + 1];   /* its own, else its server's */
	char domain[SM_NAME_MAX + 1]; /* of its server; "" = none */
};

/* A logical volume or snapshot. */
struct sm_volume {
	int32_t lvolid;
	char lvolname[65];
	int redundancy;
	int64_t capacity; /* GiB */
	char ctime[21];
	int deleted;
	int32_t origin; /* for a snapshot: the origin volume, else 0 */
	int32_t poolid;
};

/* A volume as listLogicalVolumes shows it. */
struct sm_volume_entry {
	struct sm_volume v;
	int32_t hsvrid;
	int bind_status;
	int bind_event;
	bool fault;
	int first_snap; /* its snapshots: snaps[first_snap .. + n_snaps) */
	int n_snaps;
	char pool[SM_NAME_MAX + 1];
};

/* Entries in id order; one allocation each for entries and snapshots. */
struct sm_volume_list {
	struct sm_volume_entry *e;
	int n;
	int32_t *snaps;
};

/*
 * attach.event_type of an extendLogicalVolume in flight on the head (not
 * on the wire: lists show it as BINDING, the new mirrors being attached).
 */
#define SM_ATTACH_GROWING 3

/* The attachment of a volume (its root) to a head server. */
struct sm_attachment {
	int32_t lvolid;
	int32_t hsvrid;
	int status;	      /* enum vas_attach_status */
	int32_t eventid;      /* of the operation in flight, 0 if none */
	int event_type;	      /* enum vas_attach_event */
	int32_t assoc_lvolid; /* the snapshot that operation concerns */
};

/* A storage pool as listPools shows it (issue 16). */
struct sm_pool {
	int32_t poolid;
	char name[SM_NAME_MAX + 1];
	int32_t parent;	   /* 0 for the root, 'default' */
	int64_t quota_gib; /* 0 = none */
	int64_t used_gib;  /* volumes of the pool and its sub-pools */
	/* The disks the pool's new legs go to (its own or an ancestor's). */
	int64_t capacity_vb;
	int64_t available_vb;
	int volumes; /* volumes and snapshots in the pool itself */
};

/* A disk that can take legs, as leg placement sees it. */
struct alloc_disk {
	int32_t pdskid;
	int32_t ssvrid;
	/* Failure domain: -domainid, or the ssvrid for a server in none. */
	int32_t domain;
	int32_t poolid; /* the pool the disk is in */
	int64_t total_vb;
	int64_t free_vb;
	int64_t largest_vb; /* largest FREE extent */
};

/* Redundancy is at most 9; a replacement also avoids the failed leg. */
#define ALLOC_MAX_LEGS 10

/*
 * The legs a mirror already has, which a new leg must keep apart from,
 * and the pool whose disks may take it (0 = any).
 */
struct alloc_legs {
	int n;
	int32_t ssvrid[ALLOC_MAX_LEGS];
	int32_t domain[ALLOC_MAX_LEGS];
	int32_t storage;
};

struct alloc_index;

/* Disks sorted by (ssvrid, pdskid). */
struct alloc_pool {
	struct alloc_disk *disk;
	int n;
	struct alloc_index *index; /* alloc.h; NULL: ranked by a full pass */
};

#endif
