/*
 * Pure builders of the head server's command lines, device names and dm
 * tables (hsvr.md 7-8). No I/O: everything here is unit tested.
 */
#ifndef HSVR_CMD_H
#define HSVR_CMD_H

#include <stddef.h>
#include <stdint.h>

#define CMD_MAX_ARGS 48
#define CMD_STORE    4096

/* One command line: argv[0] is the tool's logical name ("dmsetup"). */
struct cmdline {
	int argc;
	const char *argv[CMD_MAX_ARGS + 1];
	char store[CMD_STORE];
	size_t used;
	int overflow; /* set when an argument did not fit */
};

void cmd_init(struct cmdline *c, const char *tool);
/* Appends one formatted argument; sets overflow instead of truncating. */
void cmd_add(struct cmdline *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Joins argv with blanks into buf (for logs and test matching). */
int cmd_join(const char *const argv[], char *buf, size_t len);

/* iSCSI (open-iscsi) */
void cmd_iscsi_new(struct cmdline *c, const char *iqn, const char *portal);
/* iscsiadm -m node -o update -T iqn -p portal -n name -v value */
void cmd_iscsi_update(struct cmdline *c, const char *iqn, const char *portal,
		      const char *name, const char *value);
/* Whether argv[i] is a secret (the value of an auth password setting). */
int cmd_secret_arg(const char *const argv[], int i);
void cmd_iscsi_login(struct cmdline *c, const char *iqn);
void cmd_iscsi_logout(struct cmdline *c, const char *iqn);
void cmd_iscsi_delete(struct cmdline *c, const char *iqn);
void cmd_scsi_id(struct cmdline *c, const char *dev);
/* "multipath <dev>": the map of one device (find_multipaths strict). */
void cmd_multipath_add(struct cmdline *c, const char *dev);
void cmd_multipath_flush(struct cmdline *c, const char *map);
void cmd_udev_settle(struct cmdline *c);
void cmd_blockdev_size(struct cmdline *c, const char *dev);

/* device-mapper */
void cmd_dm_create(struct cmdline *c, const char *name, const char *table_file,
		   int readonly);
void cmd_dm_remove(struct cmdline *c, const char *name);
/* A new (inactive) table, live at the next resume (issue 16: grow). */
void cmd_dm_load(struct cmdline *c, const char *name, const char *table_file);
void cmd_dm_suspend(struct cmdline *c, const char *name);
void cmd_dm_resume(struct cmdline *c, const char *name);
void cmd_dm_table(struct cmdline *c, const char *name);
void cmd_dm_open_count(struct cmdline *c, const char *name);
void cmd_dm_name_by_uuid(struct cmdline *c, const char *uuid);

/* md */
void cmd_md_create(struct cmdline *c, const char *md,
		   const char *const *members, int n_members, int raid_devices);
void cmd_md_assemble(struct cmdline *c, const char *md,
		     const char *const *members, int n_members);
void cmd_md_stop(struct cmdline *c, const char *md);
/* op: "--add", "--fail" or "--remove" */
void cmd_md_manage(struct cmdline *c, const char *md, const char *op,
		   const char *dev);

/*
 * dm tables. Each returns 0, or -ENAMETOOLONG when buf is too small.
 * Sizes in sectors; DEXT capacity and offset in vb.
 */
int table_dext(char *buf, size_t len, int64_t capacity_vb, const char *mpath,
	       int64_t offset_vb);
/*
 * Linear over the mirrors (7.4): each mirror contributes its whole size,
 * the last one truncated so the total is exactly capacity_gib.
 * -EINVAL when the mirrors are too small for the capacity.
 */
int table_linear(char *buf, size_t len, int64_t capacity_gib,
		 const char *const *mirrors, const int64_t *sizes_sectors,
		 int n);
int table_origin(char *buf, size_t len, int64_t capacity_gib,
		 const char *linear);
#define SNAPSHOT_CHUNK_SECTORS 32
int table_snapshot(char *buf, size_t len, int64_t origin_sectors,
		   const char *origin, const char *cow);

/* Size of an md raid1 with 0.90 metadata over members of size sectors. */
int64_t md090_size_sectors(int64_t member_sectors);

/* Names (hsvr.md 8); root is the device root ("" or the simulated one). */
int name_dext(char *buf, size_t len, int32_t ssvrid, int32_t dextid);
/*
 * The dextid of a leg's map name as name_dext writes it (lower-case hex,
 * "%08x-%08x", a line end allowed after it), else 0.
 */
int32_t dext_of_name(const char *name);
int name_linear(char *buf, size_t len, int32_t id);
int name_origin(char *buf, size_t len, int32_t id);
int name_snapshot(char *buf, size_t len, int32_t id);
/* "<root>/dev/mapper/<name>" */
int path_mapper(char *buf, size_t len, const char *root, const char *name);
/* "<md_dir>/vas-%08x" (a name, never a number to mdadm) */
int path_mirror(char *buf, size_t len, const char *md_dir, int32_t mirrorid);

/*
 * Splits an iscsi_path ".../ip-<ip>:<port>-iscsi-<iqn>-lun-<n>" into the
 * portal "<ip>:<port>" and the target IQN (W12: carried in the path, not
 * rebuilt from local configuration). 0 or -EINVAL.
 */
int iscsi_path_parse(const char *path, char *portal, size_t plen, char *iqn,
		     size_t ilen);

#endif
