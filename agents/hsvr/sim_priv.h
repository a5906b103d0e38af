/*
 * The simulated device back end's shared state store (sim_store.c) and
 * its tools, one file each as tgt keeps one file per backing store:
 * sim_dmsetup.c, sim_iscsi.c (iscsiadm, scsi_id), sim_multipath.c,
 * sim_mdadm.c (mdadm, blockdev, /proc/mdstat), sim_backend.c (dispatch).
 * State lives under <state_dir>/sim; every call runs under hx->lock.
 */
#ifndef HSVR_SIM_PRIV_H
#define HSVR_SIM_PRIV_H

#include <stddef.h>

#include "hx.h"

#define SIM_MAX_TABLE  16
#define SIM_MAX_HOLDS  16
#define SIM_MAX_MEMBER 16
#define SIM_EXIT       -EIO

struct sim_member {
	char kname[32];
	int role;
	char state[16]; /* in_sync, recovering, faulty */
	long long t_ms; /* when recovery started */
};

struct sim_dev {
	char kname[32];
	char kind[8]; /* sd, dm, md */
	long long size;
	char name[128];
	char uuid[160];
	int open;
	int suspended;
	int dead; /* sd: the path's server is gone, no SCSI command answers */
	int readonly;
	char wwid[64];
	char iqn[224];
	int ntable;
	char table[SIM_MAX_TABLE][512];
	int nholds;
	char holds[SIM_MAX_HOLDS][32];
	int raid_disks;
	int nmem;
	struct sim_member mem[SIM_MAX_MEMBER];
};
long long now_ms(void);
/* "<root>/<sub>[/<leaf>]" into buf; -ENAMETOOLONG. */
int spath(struct hx *hx, char *buf, size_t len, const char *sub,
	  const char *leaf);
/* A device file dev/<kname>: load, save. */
int sim_load(struct hx *hx, const char *kname, struct sim_dev *d);
int sim_save(struct hx *hx, const struct sim_dev *d);
/* Calls fn for every device file; stops at the first non-zero return. */
int sim_each(struct hx *hx, int (*fn)(struct hx *, struct sim_dev *, void *),
	     void *arg);
/* The kernel name behind a device path under the simulated root. */
int sim_resolve(struct hx *hx, const char *path, char *kname, size_t len);
/* Devices (dm tables, md arrays) using d: the kernel counts them open. */
int sim_holders(struct hx *hx, const struct sim_dev *d);
/* Held by another device, an md array, open or suspended. */
int sim_busy(struct hx *hx, const struct sim_dev *d);
int sim_new_kname(struct hx *hx, const char *prefix, char *kname, size_t len);
/* Creates link -> target, making parents. */
int sim_link(const char *link, const char *target);
/* The dm device named (or with uuid) key. */
int sim_find_dm(struct hx *hx, const char *key, int by_uuid, struct sim_dev *d);
/* A dm device's table, size and holders from table lines. */
int sim_dm_set_table(struct hx *hx, struct sim_dev *d, char *const *lines,
		     int n);
/* Creates a dm device from table lines; devices named in it must exist. */
int sim_dm_add(struct hx *hx, const char *name, const char *uuid,
	       char *const *lines, int n, int readonly);
int sim_dev_unlink(struct hx *hx, const struct sim_dev *d);
/* argv helpers: index of want (0 = absent), the argument after it. */
int arg_index(const char *const argv[], const char *want);
const char *arg_after(const char *const argv[], const char *want);
/* *out = strdup(text) when out is not NULL. */
int set_out(char **out, const char *text);

/* The tools: 0, SIM_EXIT (non-zero exit) or -errno. */
int sim_dmsetup(struct hx *hx, const char *const argv[], char **out);
int sim_iscsiadm(struct hx *hx, const char *const argv[], char **out);
int sim_scsi_id(struct hx *hx, const char *const argv[], char **out);
int sim_multipath(struct hx *hx, const char *const argv[], char **out);
int sim_mdadm(struct hx *hx, const char *const argv[], char **out);
int sim_blockdev(struct hx *hx, const char *const argv[], char **out);
/* Regenerates proc/mdstat (recovery is timed); *out may be NULL. */
int sim_mdstat_locked(struct hx *hx, char **out);

#endif
