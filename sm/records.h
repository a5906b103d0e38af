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

/* A head or a storage server and its data addresses. */
struct sm_server {
	int32_t id;
	int priority;
	int n_ip;
	char ip[SRV_MAX_IPS][21];
	int64_t available_vb; /* storage servers */
	int64_t capacity_vb;
	int resync; /* rebuilds running (for lists) */
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
};

/* Entries in id order; one allocation each for entries and snapshots. */
struct sm_volume_list {
	struct sm_volume_entry *e;
	int n;
	int32_t *snaps;
};

/* The attachment of a volume (its root) to a head server. */
struct sm_attachment {
	int32_t lvolid;
	int32_t hsvrid;
	int status;	      /* enum vas_attach_status */
	int32_t eventid;      /* of the operation in flight, 0 if none */
	int event_type;	      /* enum vas_attach_event */
	int32_t assoc_lvolid; /* the snapshot that operation concerns */
};

/* A disk that can take legs, as leg placement sees it. */
struct alloc_disk {
	int32_t pdskid;
	int32_t ssvrid;
	int64_t total_vb;
	int64_t free_vb;
	int64_t largest_vb; /* largest FREE extent */
};

/* Disks sorted by (ssvrid, pdskid). */
struct alloc_pool {
	struct alloc_disk *disk;
	int n;
};

#endif
