/* Pure builders of command lines, names and dm tables (hsvr.md 7-8). */
#include "hsvr_cmd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/units.h"

void cmd_init(struct cmdline *c, const char *tool)
{
	memset(c, 0, sizeof(*c));
	cmd_add(c, "%s", tool);
}

void cmd_add(struct cmdline *c, const char *fmt, ...)
{
	size_t room = sizeof(c->store) - c->used;
	va_list ap;
	int n;

	if (c->overflow || c->argc >= CMD_MAX_ARGS) {
		c->overflow = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(c->store + c->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		c->overflow = 1;
		return;
	}
	c->argv[c->argc++] = c->store + c->used;
	c->argv[c->argc] = NULL;
	c->used += (size_t)n + 1;
}

int cmd_secret_arg(const char *const argv[], int i)
{
	return i >= 2 && !strcmp(argv[i - 1], "-v") &&
	       strstr(argv[i - 2], "auth.password") != NULL;
}

int cmd_join(const char *const argv[], char *buf, size_t len)
{
	size_t used = 0;
	int i;

	if (!len)
		return -ENAMETOOLONG;
	buf[0] = '\0';
	for (i = 0; argv[i]; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
				 cmd_secret_arg(argv, i) ? "***" : argv[i]);

		if (n < 0 || (size_t)n >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)n;
	}
	return 0;
}

/* "iscsiadm -m node -o <op> -T <iqn> -p <portal>" */
static void iscsi_portal_op(struct cmdline *c, const char *op, const char *iqn,
			    const char *portal)
{
	cmd_init(c, "iscsiadm");
	cmd_add(c, "-m");
	cmd_add(c, "node");
	cmd_add(c, "-o");
	cmd_add(c, "%s", op);
	cmd_add(c, "-T");
	cmd_add(c, "%s", iqn);
	cmd_add(c, "-p");
	cmd_add(c, "%s", portal);
}

void cmd_iscsi_new(struct cmdline *c, const char *iqn, const char *portal)
{
	iscsi_portal_op(c, "new", iqn, portal);
}

void cmd_iscsi_update(struct cmdline *c, const char *iqn, const char *portal,
		      const char *name, const char *value)
{
	iscsi_portal_op(c, "update", iqn, portal);
	cmd_add(c, "-n");
	cmd_add(c, "%s", name);
	cmd_add(c, "-v");
	cmd_add(c, "%s", value);
}

static void iscsi_node_op(struct cmdline *c, const char *iqn, const char *op1,
			  const char *op2)
{
	cmd_init(c, "iscsiadm");
	cmd_add(c, "-m");
	cmd_add(c, "node");
	cmd_add(c, "-T");
	cmd_add(c, "%s", iqn);
	cmd_add(c, "%s", op1);
	if (op2)
		cmd_add(c, "%s", op2);
}

void cmd_iscsi_login(struct cmdline *c, const char *iqn)
{
	iscsi_node_op(c, iqn, "--login", NULL);
}

void cmd_iscsi_logout(struct cmdline *c, const char *iqn)
{
	iscsi_node_op(c, iqn, "--logout", NULL);
}

void cmd_iscsi_delete(struct cmdline *c, const char *iqn)
{
	iscsi_node_op(c, iqn, "-o", "delete");
}

void cmd_scsi_id(struct cmdline *c, const char *dev)
{
	cmd_init(c, "scsi_id");
	cmd_add(c, "-g");
	cmd_add(c, "-u");
	cmd_add(c, "-d");
	cmd_add(c, "%s", dev);
}

void cmd_multipath_add(struct cmdline *c, const char *dev)
{
	cmd_init(c, "multipath");
	cmd_add(c, "%s", dev);
}

void cmd_multipath_flush(struct cmdline *c, const char *map)
{
	cmd_init(c, "multipath");
	cmd_add(c, "-f");
	cmd_add(c, "%s", map);
}

void cmd_udev_settle(struct cmdline *c)
{
	cmd_init(c, "udevadm");
	cmd_add(c, "settle");
}

void cmd_blockdev_size(struct cmdline *c, const char *dev)
{
	/* --getsz: 512-byte sectors; --getsize is deprecated (W24). */
	cmd_init(c, "blockdev");
	cmd_add(c, "--getsz");
	cmd_add(c, "%s", dev);
}

void cmd_dm_create(struct cmdline *c, const char *name, const char *table_file,
		   int readonly)
{
	cmd_init(c, "dmsetup");
	cmd_add(c, "create");
	if (readonly)
		cmd_add(c, "--readonly");
	cmd_add(c, "%s", name);
	cmd_add(c, "%s", table_file);
}

void cmd_dm_load(struct cmdline *c, const char *name, const char *table_file)
{
	cmd_init(c, "dmsetup");
	cmd_add(c, "load");
	cmd_add(c, "%s", name);
	cmd_add(c, "%s", table_file);
}

static void dm_simple(struct cmdline *c, const char *op, const char *name)
{
	cmd_init(c, "dmsetup");
	cmd_add(c, "%s", op);
	cmd_add(c, "%s", name);
}

void cmd_dm_remove(struct cmdline *c, const char *name)
{
	dm_simple(c, "remove", name);
}

void cmd_dm_suspend(struct cmdline *c, const char *name)
{
	dm_simple(c, "suspend", name);
}

void cmd_dm_resume(struct cmdline *c, const char *name)
{
	dm_simple(c, "resume", name);
}

void cmd_dm_table(struct cmdline *c, const char *name)
{
	dm_simple(c, "table", name);
}

static void dm_info(struct cmdline *c, const char *field)
{
	cmd_init(c, "dmsetup");
	cmd_add(c, "info");
	cmd_add(c, "--noheadings");
	cmd_add(c, "-c");
	cmd_add(c, "-o");
	cmd_add(c, "%s", field);
}

void cmd_dm_open_count(struct cmdline *c, const char *name)
{
	dm_info(c, "open");
	cmd_add(c, "%s", name);
}

void cmd_dm_name_by_uuid(struct cmdline *c, const char *uuid)
{
	dm_info(c, "name");
	cmd_add(c, "-u");
	cmd_add(c, "%s", uuid);
}

void cmd_md_create(struct cmdline *c, const char *md,
		   const char *const *members, int n_members, int raid_devices)
{
	int i;

	cmd_init(c, "mdadm");
	cmd_add(c, "--create");
	cmd_add(c, "%s", md);
	cmd_add(c, "--auto=md");
	cmd_add(c, "--bitmap=internal");
	cmd_add(c, "--metadata=0");
	cmd_add(c, "--run");
	cmd_add(c, "--bitmap-chunk=65536");
	cmd_add(c, "--delay=5");
	cmd_add(c, "--level=1");
	cmd_add(c, "--assume-clean");
	cmd_add(c, "--raid-devices=%d", raid_devices);
	for (i = 0; i < n_members; i++)
		cmd_add(c, "%s", members[i]);
}

void cmd_md_assemble(struct cmdline *c, const char *md,
		     const char *const *members, int n_members)
{
	int i;

	cmd_init(c, "mdadm");
	cmd_add(c, "--assemble");
	cmd_add(c, "%s", md);
	cmd_add(c, "--run");
	cmd_add(c, "--auto=md");
	cmd_add(c, "--metadata=0");
	for (i = 0; i < n_members; i++)
		cmd_add(c, "%s", members[i]);
}

void cmd_md_stop(struct cmdline *c, const char *md)
{
	cmd_init(c, "mdadm");
	cmd_add(c, "-S");
	cmd_add(c, "%s", md);
}

void cmd_md_manage(struct cmdline *c, const char *md, const char *op,
		   const char *dev)
{
	cmd_init(c, "mdadm");
	cmd_add(c, "--manage");
	cmd_add(c, "%s", md);
	cmd_add(c, "%s", op);
	cmd_add(c, "%s", dev);
}

static int put(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *used)
		return -ENAMETOOLONG;
	*used += (size_t)n;
	return 0;
}

int table_dext(char *buf, size_t len, int64_t capacity_vb, const char *mpath,
	       int64_t offset_vb)
{
	size_t used = 0;

	return put(buf, len, &used, "0 %" PRId64 " linear %s %" PRId64 "\n",
		   (int64_t)(capacity_vb * VAS_SECTORS_PER_VB), mpath,
		   (int64_t)(offset_vb * VAS_SECTORS_PER_VB));
}

int table_linear(char *buf, size_t len, int64_t capacity_gib,
		 const char *const *mirrors, const int64_t *sizes_sectors,
		 int n)
{
	int64_t total = capacity_gib * VAS_SECTORS_PER_GIB, offset = 0;
	size_t used = 0;
	int i, ret;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < n && offset < total; i++) {
		int64_t seg = sizes_sectors[i];

		if (seg > total - offset)
			seg = total - offset;
		if (seg <= 0)
			return -EINVAL;
		ret = put(buf, len, &used,
			  "%" PRId64 " %" PRId64 " linear %s 0\n", offset, seg,
			  mirrors[i]);
		if (ret)
			return ret;
		offset += seg;
	}
	return offset == total ? 0 : -EINVAL;
}

int table_origin(char *buf, size_t len, int64_t capacity_gib,
		 const char *linear)
{
	size_t used = 0;

	return put(buf, len, &used, "0 %" PRId64 " snapshot-origin %s\n",
		   (int64_t)(capacity_gib * VAS_SECTORS_PER_GIB), linear);
}

int table_snapshot(char *buf, size_t len, int64_t origin_sectors,
		   const char *origin, const char *cow)
{
	size_t used = 0;

	return put(buf, len, &used, "0 %" PRId64 " snapshot %s %s P %d\n",
		   origin_sectors, origin, cow, SNAPSHOT_CHUNK_SECTORS);
}

int64_t md090_size_sectors(int64_t member_sectors)
{
	/* 0.90: 64 KiB reserved at the end, start aligned to 64 KiB. */
	int64_t s = (member_sectors & ~(int64_t)127) - 128;

	return s > 0 ? s : 0;
}

static int fmt_id(char *buf, size_t len, const char *prefix, int32_t id)
{
	int n = snprintf(buf, len, "%s%08x", prefix, (uint32_t)id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int name_dext(char *buf, size_t len, int32_t ssvrid, int32_t dextid)
{
	int n =
	    snprintf(buf, len, "%08x-%08x", (uint32_t)ssvrid, (uint32_t)dextid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int32_t dext_of_name(const char *name)
{
	static const char hex[] = "0123456789abcdef";

	if (strspn(name, hex) != 8 || name[8] != '-' ||
	    strspn(name + 9, hex) != 8 || (name[17] && name[17] != '\n'))
		return 0;
	return (int32_t)strtoul(name + 9, NULL, 16);
}

int name_linear(char *buf, size_t len, int32_t id)
{
	return fmt_id(buf, len, "linear-", id);
}

int name_origin(char *buf, size_t len, int32_t id)
{
	return fmt_id(buf, len, "snapshot-origin-", id);
}

int name_snapshot(char *buf, size_t len, int32_t id)
{
	return fmt_id(buf, len, "snapshot-", id);
}

int path_mapper(char *buf, size_t len, const char *root, const char *name)
{
	int n = snprintf(buf, len, "%s/dev/mapper/%s", root, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int path_mirror(char *buf, size_t len, const char *md_dir, int32_t mirrorid)
{
	/*
	 * Never all digits: mdadm takes /dev/md/<digits> as md<digits> (3.0's
	 * "%08x" gave md00000123 -> md123, colliding with the md127, md126...
	 * it hands out for other names, and past 2^20 no minor fits).
	 */
	int n = snprintf(buf, len, "%s/vas-%08x", md_dir, (uint32_t)mirrorid);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int copy_span(char *dst, size_t dlen, const char *from, const char *to)
{
	size_t n = (size_t)(to - from);

	if (!n || n >= dlen)
		return -EINVAL;
	memcpy(dst, from, n);
	dst[n] = '\0';
	return 0;
}

int iscsi_path_parse(const char *path, char *portal, size_t plen, char *iqn,
		     size_t ilen)
{
	static const char prefix[] = "/dev/disk/by-path/ip-";
	const char *ip = path + sizeof(prefix) - 1;
	const char *mid, *lun;

	/* Hostile input: one file name under by-path, nothing else. */
	if (strncmp(path, prefix, sizeof(prefix) - 1) || strchr(ip, '/'))
		return -EINVAL;
	mid = strstr(ip, "-iscsi-");
	if (!mid)
		return -EINVAL;
	lun = strstr(mid + 7, "-lun-");
	if (!lun || !strchr(ip, ':') || strchr(ip, ':') > mid)
		return -EINVAL;
	if (copy_span(portal, plen, ip, mid) ||
	    copy_span(iqn, ilen, mid + 7, lun))
		return -EINVAL;
	if (strncmp(iqn, "iqn.", 4) || strpbrk(iqn, " /\t\n"))
		return -EINVAL;
	return 0;
}
