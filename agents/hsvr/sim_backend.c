/*
 * The "simulated" device back end: a stand-in for dm, md and the iSCSI
 * initiator on kernels without them. It keeps, under <state_dir>/sim, the
 * state the real tools would leave: device files dev/<kname> (key=value
 * lines: size, dm table, md members, open count), dev/mapper/<name> and
 * dev/disk/by-path links, sys/block/<dm-N>/dm/name, iSCSI node records
 * and sessions, and a generated proc/mdstat. Tests edit "open=" or a
 * member's state in a device file to simulate use or a failed leg.
 * All state changes happen under hx->lock.
 */
#include "hx.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vas/log.h"

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

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int spath(struct hx *hx, char *buf, size_t len, const char *sub,
		 const char *leaf)
{
	int n = snprintf(buf, len, "%s/%s%s%s", hx->root, sub, leaf ? "/" : "",
			 leaf ? leaf : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static void sim_dev_parse_line(struct sim_dev *d, char *line)
{
	char *eq = strchr(line, '=');
	const char *k = line, *v;

	if (!eq)
		return;
	*eq = '\0';
	v = eq + 1;
	if (!strcmp(k, "kind"))
		snprintf(d->kind, sizeof(d->kind), "%s", v);
	else if (!strcmp(k, "size"))
		d->size = atoll(v);
	else if (!strcmp(k, "name"))
		snprintf(d->name, sizeof(d->name), "%s", v);
	else if (!strcmp(k, "uuid"))
		snprintf(d->uuid, sizeof(d->uuid), "%s", v);
	else if (!strcmp(k, "open"))
		d->open = atoi(v);
	else if (!strcmp(k, "suspended"))
		d->suspended = atoi(v);
	else if (!strcmp(k, "readonly"))
		d->readonly = atoi(v);
	else if (!strcmp(k, "wwid"))
		snprintf(d->wwid, sizeof(d->wwid), "%s", v);
	else if (!strcmp(k, "iqn"))
		snprintf(d->iqn, sizeof(d->iqn), "%s", v);
	else if (!strcmp(k, "raid_disks"))
		d->raid_disks = atoi(v);
	else if (!strcmp(k, "table") && d->ntable < SIM_MAX_TABLE)
		snprintf(d->table[d->ntable++], sizeof(d->table[0]), "%s", v);
	else if (!strcmp(k, "holds") && d->nholds < SIM_MAX_HOLDS)
		snprintf(d->holds[d->nholds++], sizeof(d->holds[0]), "%s", v);
	else if (!strcmp(k, "member") && d->nmem < SIM_MAX_MEMBER) {
		struct sim_member *m = &d->mem[d->nmem];

		if (sscanf(v, "%31s %d %15s %lld", m->kname, &m->role, m->state,
			   &m->t_ms) == 4)
			d->nmem++;
	}
}

static int sim_load(struct hx *hx, const char *kname, struct sim_dev *d)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	int ret;

	memset(d, 0, sizeof(*d));
	ret = spath(hx, path, sizeof(path), "dev", kname);
	if (!ret)
		ret = hx_read_file(path, &text);
	if (ret)
		return ret;
	snprintf(d->kname, sizeof(d->kname), "%s", kname);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		sim_dev_parse_line(d, line);
	free(text);
	return 0;
}

static int sim_save(struct hx *hx, const struct sim_dev *d)
{
	char path[PATH_MAX];
	char *text;
	size_t cap = 32768, used = 0;
	int i, ret;

	ret = spath(hx, path, sizeof(path), "dev", d->kname);
	if (ret)
		return ret;
	text = calloc(1, cap);
	if (!text)
		return -ENOMEM;
#define EMIT(...) used += (size_t)snprintf(text + used, cap - used, __VA_ARGS__)
	EMIT("kind=%s\nsize=%lld\nopen=%d\nsuspended=%d\nreadonly=%d\n",
	     d->kind, d->size, d->open, d->suspended, d->readonly);
	if (d->name[0])
		EMIT("name=%s\n", d->name);
	if (d->uuid[0])
		EMIT("uuid=%s\n", d->uuid);
	if (d->wwid[0])
		EMIT("wwid=%s\niqn=%s\n", d->wwid, d->iqn);
	for (i = 0; i < d->ntable; i++)
		EMIT("table=%s\n", d->table[i]);
	for (i = 0; i < d->nholds; i++)
		EMIT("holds=%s\n", d->holds[i]);
	if (d->raid_disks)
		EMIT("raid_disks=%d\n", d->raid_disks);
	for (i = 0; i < d->nmem; i++)
		EMIT("member=%s %d %s %lld\n", d->mem[i].kname, d->mem[i].role,
		     d->mem[i].state, d->mem[i].t_ms);
#undef EMIT
	ret = used < cap - 1 ? hx_write_file(path, text) : -E2BIG;
	free(text);
	return ret;
}

/* Calls fn for every device file; stops at the first non-zero return. */
static int sim_each(struct hx *hx,
		    int (*fn)(struct hx *, struct sim_dev *, void *), void *arg)
{
	char dir[PATH_MAX];
	struct sim_dev *d;
	struct dirent *e;
	DIR *dh;
	int ret = 0;

	if (spath(hx, dir, sizeof(dir), "dev", NULL))
		return -ENAMETOOLONG;
	dh = opendir(dir);
	if (!dh)
		return 0;
	d = malloc(sizeof(*d));
	if (!d) {
		closedir(dh);
		return -ENOMEM;
	}
	while (!ret && (e = readdir(dh))) {
		if (strncmp(e->d_name, "sd", 2) &&
		    strncmp(e->d_name, "dm-", 3) && strncmp(e->d_name, "md", 2))
			continue;
		if (strchr(e->d_name, '.'))
			continue;
		if (sim_load(hx, e->d_name, d))
			continue;
		ret = fn(hx, d, arg);
	}
	free(d);
	closedir(dh);
	return ret;
}

/* The kernel name behind a device path under the simulated root. */
static int sim_resolve(struct hx *hx, const char *path, char *kname, size_t len)
{
	char real[PATH_MAX], devdir[PATH_MAX];
	const char *base;

	if (!realpath(path, real))
		return -ENOENT;
	if (spath(hx, devdir, sizeof(devdir), "dev", NULL))
		return -ENAMETOOLONG;
	base = strrchr(real, '/');
	if (!base || strncmp(real, devdir, strlen(devdir)) ||
	    (size_t)(base - real) != strlen(devdir))
		return -ENOENT;
	if (snprintf(kname, len, "%s", base + 1) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

struct holder_q {
	const char *kname;
	int held;
};

static int holder_cb(struct hx *hx, struct sim_dev *d, void *arg)
{
	struct holder_q *q = arg;
	int i;

	(void)hx;
	for (i = 0; i < d->nholds; i++)
		if (!strcmp(d->holds[i], q->kname))
			q->held = 1;
	for (i = 0; i < d->nmem; i++)
		if (!strcmp(d->mem[i].kname, q->kname))
			q->held = 1;
	return 0;
}

static int sim_busy(struct hx *hx, const struct sim_dev *d)
{
	struct holder_q q = {d->kname, 0};

	sim_each(hx, holder_cb, &q);
	return q.held || d->open > 0 || d->suspended;
}

static int sim_new_kname(struct hx *hx, const char *prefix, char *kname,
			 size_t len)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < 4096; i++) {
		struct stat st;

		snprintf(kname, len, "%s%d", prefix, i);
		if (spath(hx, path, sizeof(path), "dev", kname))
			return -ENAMETOOLONG;
		if (stat(path, &st))
			return 0;
	}
	return -ENOSPC;
}

/* Creates link -> target, making parents. */
static int sim_link(const char *link, const char *target)
{
	char dir[PATH_MAX];
	char *slash;
	int ret;

	snprintf(dir, sizeof(dir), "%s", link);
	slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		ret = hx_mkdirs(dir);
		if (ret)
			return ret;
	}
	unlink(link);
	return symlink(target, link) ? -errno : 0;
}

static int sim_dm_sys(struct hx *hx, const struct sim_dev *d, int create)
{
	char path[PATH_MAX], sub[96];

	snprintf(sub, sizeof(sub), "sys/block/%s/dm", d->kname);
	if (spath(hx, path, sizeof(path), sub, NULL))
		return -ENAMETOOLONG;
	if (create) {
		char text[160];
		int ret = hx_mkdirs(path);

		snprintf(text, sizeof(text), "%s\n", d->name);
		if (!ret && spath(hx, path, sizeof(path), sub, "name"))
			return -ENAMETOOLONG;
		return ret ? ret : hx_write_file(path, text);
	}
	if (!spath(hx, path, sizeof(path), sub, "name"))
		unlink(path);
	if (!spath(hx, path, sizeof(path), sub, NULL))
		rmdir(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	return 0;
}

struct find_q {
	const char *key; /* dm name or uuid */
	int by_uuid;
	char kname[32];
};

static int find_cb(struct hx *hx, struct sim_dev *d, void *arg)
{
	struct find_q *q = arg;

	(void)hx;
	if (strcmp(d->kind, "dm"))
		return 0;
	if (strcmp(q->by_uuid ? d->uuid : d->name, q->key))
		return 0;
	snprintf(q->kname, sizeof(q->kname), "%s", d->kname);
	return 1;
}

static int sim_find_dm(struct hx *hx, const char *key, int by_uuid,
		       struct sim_dev *d)
{
	struct find_q q = {key, by_uuid, ""};

	if (sim_each(hx, find_cb, &q) != 1)
		return -ENOENT;
	return sim_load(hx, q.kname, d);
}

/* Creates a dm device from table lines; devices named in it must exist. */
static int sim_dm_add(struct hx *hx, const char *name, const char *uuid,
		      char *const *lines, int n, int readonly)
{
	struct sim_dev *d = calloc(1, sizeof(*d));
	char link[PATH_MAX], target[64];
	int i, ret;

	if (!d)
		return -ENOMEM;
	ret = sim_find_dm(hx, name, 0, d);
	if (!ret) {
		log_err("simulated dmsetup: %s exists", name);
		ret = SIM_EXIT;
		goto out;
	}
	memset(d, 0, sizeof(*d));
	snprintf(d->kind, sizeof(d->kind), "dm");
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->uuid, sizeof(d->uuid), "%s", uuid ? uuid : "");
	d->readonly = readonly;
	for (i = 0; i < n && i < SIM_MAX_TABLE; i++) {
		char copy[512], *tok, *save = NULL;
		long long start, len;

		snprintf(d->table[d->ntable++], sizeof(d->table[0]), "%s",
			 lines[i]);
		snprintf(copy, sizeof(copy), "%s", lines[i]);
		if (sscanf(copy, "%lld %lld", &start, &len) != 2 ||
		    start != d->size || len <= 0) {
			log_err("simulated dmsetup: bad table line '%s'",
				lines[i]);
			ret = SIM_EXIT;
			goto out;
		}
		d->size += len;
		for (tok = strtok_r(copy, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save)) {
			char k[32];

			if (tok[0] != '/')
				continue;
			if (sim_resolve(hx, tok, k, sizeof(k))) {
				log_err("simulated dmsetup: %s: no such device",
					tok);
				ret = SIM_EXIT;
				goto out;
			}
			if (d->nholds < SIM_MAX_HOLDS)
				snprintf(d->holds[d->nholds++],
					 sizeof(d->holds[0]), "%s", k);
		}
	}
	ret = sim_new_kname(hx, "dm-", d->kname, sizeof(d->kname));
	if (!ret)
		ret = sim_save(hx, d);
	if (!ret)
		ret = sim_dm_sys(hx, d, 1);
	snprintf(target, sizeof(target), "../%s", d->kname);
	if (!ret)
		ret = spath(hx, link, sizeof(link), "dev/mapper", name);
	if (!ret)
		ret = sim_link(link, target);
out:
	free(d);
	return ret;
}

static int sim_dev_unlink(struct hx *hx, const struct sim_dev *d)
{
	char path[PATH_MAX];

	if (!strcmp(d->kind, "dm")) {
		if (!spath(hx, path, sizeof(path), "dev/mapper", d->name))
			unlink(path);
		sim_dm_sys(hx, d, 0);
	}
	if (spath(hx, path, sizeof(path), "dev", d->kname))
		return -ENAMETOOLONG;
	return unlink(path) ? -errno : 0;
}

static int arg_index(const char *const argv[], const char *want)
{
	int i;

	for (i = 1; argv[i]; i++)
		if (!strcmp(argv[i], want))
			return i;
	return 0;
}

static const char *arg_after(const char *const argv[], const char *want)
{
	int i = arg_index(argv, want);

	return i ? argv[i + 1] : NULL;
}

static int set_out(char **out, const char *text)
{
	if (!out)
		return 0;
	*out = strdup(text);
	return *out ? 0 : -ENOMEM;
}

/* ---- dmsetup ---- */

static int sim_dm_create(struct hx *hx, const char *const argv[])
{
	int ro = arg_index(argv, "--readonly") != 0;
	const char *name = argv[2 + ro], *file = name ? argv[3 + ro] : NULL;
	char *text = NULL, *lines[SIM_MAX_TABLE], *line, *save = NULL;
	int n = 0, ret;

	if (!file)
		return -EINVAL;
	ret = hx_read_file(file, &text);
	if (ret)
		return SIM_EXIT;
	for (line = strtok_r(text, "\n", &save); line && n < SIM_MAX_TABLE;
	     line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	ret = n ? sim_dm_add(hx, name, NULL, lines, n, ro) : SIM_EXIT;
	free(text);
	return ret;
}

static int sim_dmsetup(struct hx *hx, const char *const argv[], char **out)
{
	const char *op = argv[1];
	struct sim_dev *d;
	int ret = 0;

	if (!op)
		return -EINVAL;
	if (!strcmp(op, "create"))
		return sim_dm_create(hx, argv);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (!strcmp(op, "info")) {
		const char *uuid = arg_after(argv, "-u");
		const char *field = arg_after(argv, "-o");
		char text[160];
		int last = 1;

		while (argv[last + 1])
			last++;
		if (!field || sim_find_dm(hx, uuid ? uuid : argv[last],
					  uuid != NULL, d)) {
			ret = SIM_EXIT;
			goto out;
		}
		if (!strcmp(field, "open"))
			snprintf(text, sizeof(text), "%d", d->open);
		else
			snprintf(text, sizeof(text), "%s", d->name);
		ret = set_out(out, text);
		goto out;
	}
	if (!argv[2] || sim_find_dm(hx, argv[2], 0, d)) {
		log_err("simulated dmsetup %s: %s: no such device", op,
			argv[2] ? argv[2] : "");
		ret = SIM_EXIT;
		goto out;
	}
	if (!strcmp(op, "remove")) {
		if (sim_busy(hx, d)) {
			log_err("simulated dmsetup remove %s: busy", d->name);
			ret = SIM_EXIT;
		} else {
			ret = sim_dev_unlink(hx, d);
		}
	} else if (!strcmp(op, "suspend") || !strcmp(op, "resume")) {
		d->suspended = !strcmp(op, "suspend");
		ret = sim_save(hx, d);
	} else if (!strcmp(op, "table")) {
		char text[SIM_MAX_TABLE * 512] = "";
		size_t used = 0;
		int i;

		for (i = 0; i < d->ntable; i++)
			used += (size_t)snprintf(text + used,
						 sizeof(text) - used, "%s%s",
						 i ? "\n" : "", d->table[i]);
		ret = set_out(out, text);
	} else {
		ret = -EINVAL;
	}
out:
	free(d);
	return ret;
}

/* ---- iSCSI initiator, scsi_id, multipath ---- */

static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int sim_node_dir(struct hx *hx, const char *iqn, char *buf, size_t len)
{
	return spath(hx, buf, len, "var/lib/iscsi/nodes", iqn);
}

static int sim_session_file(struct hx *hx, const char *iqn, char *buf,
			    size_t len)
{
	return spath(hx, buf, len, "var/lib/iscsi/sessions", iqn);
}

static int sim_login(struct hx *hx, const char *iqn)
{
	char dir[PATH_MAX], sess[PATH_MAX], link[PATH_MAX], target[64];
	char list[1024] = "";
	struct sim_dev *d = NULL;
	struct dirent *e;
	struct stat st;
	DIR *dh;
	int ret = 0, n = 0;

	if (sim_node_dir(hx, iqn, dir, sizeof(dir)) ||
	    sim_session_file(hx, iqn, sess, sizeof(sess)))
		return -ENAMETOOLONG;
	if (!stat(sess, &st)) {
		log_err("simulated iscsiadm: session to %s already present",
			iqn);
		return SIM_EXIT;
	}
	dh = opendir(dir);
	if (!dh) {
		log_err("simulated iscsiadm: no records found for %s", iqn);
		return SIM_EXIT;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		closedir(dh);
		return -ENOMEM;
	}
	while (!ret && (e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		memset(d, 0, sizeof(*d));
		snprintf(d->kind, sizeof(d->kind), "sd");
		d->size = hx->sim_disk_sectors;
		snprintf(d->wwid, sizeof(d->wwid), "36001405%016llx",
			 fnv1a(iqn));
		snprintf(d->iqn, sizeof(d->iqn), "%s", iqn);
		ret = sim_new_kname(hx, "sd", d->kname, sizeof(d->kname));
		if (!ret)
			ret = sim_save(hx, d);
		snprintf(target, sizeof(target), "../../%s", d->kname);
		if (!ret &&
		    snprintf(link, sizeof(link),
			     "%s/dev/disk/by-path/ip-%s-iscsi-%s-lun-1",
			     hx->root, e->d_name, iqn) >= (int)sizeof(link))
			ret = -ENAMETOOLONG;
		if (!ret)
			ret = sim_link(link, target);
		if (!ret && strlen(list) + strlen(link) + 2 < sizeof(list)) {
			strcat(list, link);
			strcat(list, "\n");
		}
		n++;
	}
	closedir(dh);
	free(d);
	if (!ret && !n)
		ret = SIM_EXIT;
	if (!ret) {
		*strrchr(sess, '/') = '\0';
		ret = hx_mkdirs(sess);
		if (!ret && !sim_session_file(hx, iqn, sess, sizeof(sess)))
			ret = hx_write_file(sess, list);
	}
	return ret;
}

static int sim_logout(struct hx *hx, const char *iqn)
{
	char sess[PATH_MAX], *text = NULL, *line, *save = NULL;
	int ret;

	if (sim_session_file(hx, iqn, sess, sizeof(sess)))
		return -ENAMETOOLONG;
	if (hx_read_file(sess, &text)) {
		log_err("simulated iscsiadm: no session to %s", iqn);
		return SIM_EXIT;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct sim_dev d;
		char k[32];

		if (sim_resolve(hx, line, k, sizeof(k)) == 0 &&
		    sim_load(hx, k, &d) == 0)
			sim_dev_unlink(hx, &d);
		unlink(line);
	}
	free(text);
	ret = unlink(sess) ? -errno : 0;
	return ret;
}

static int sim_iscsiadm(struct hx *hx, const char *const argv[], char **out)
{
	const char *iqn = arg_after(argv, "-T");
	const char *op = arg_after(argv, "-o");
	char dir[PATH_MAX], path[PATH_MAX];

	(void)out;
	if (!iqn || strchr(iqn, '/') || sim_node_dir(hx, iqn, dir, sizeof(dir)))
		return -EINVAL;
	if (op && !strcmp(op, "new")) {
		const char *portal = arg_after(argv, "-p");
		int ret;

		if (!portal || strchr(portal, '/'))
			return -EINVAL;
		ret = hx_mkdirs(dir);
		if (!ret && snprintf(path, sizeof(path), "%s/%s", dir,
				     portal) >= (int)sizeof(path))
			ret = -ENAMETOOLONG;
		return ret ? ret
			   : hx_write_file(path, "node.startup = manual\n");
	}
	if (op && !strcmp(op, "delete")) {
		DIR *dh = opendir(dir);
		struct dirent *e;

		if (!dh)
			return SIM_EXIT;
		while ((e = readdir(dh)))
			if (e->d_name[0] != '.' &&
			    snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) < (int)sizeof(path))
				unlink(path);
		closedir(dh);
		return rmdir(dir) ? -errno : 0;
	}
	if (arg_index(argv, "--login"))
		return sim_login(hx, iqn);
	if (arg_index(argv, "--logout"))
		return sim_logout(hx, iqn);
	return -EINVAL;
}

static int sim_scsi_id(struct hx *hx, const char *const argv[], char **out)
{
	const char *dev = arg_after(argv, "-d");
	struct sim_dev d;
	char k[32];

	if (!dev || sim_resolve(hx, dev, k, sizeof(k)) || sim_load(hx, k, &d) ||
	    !d.wwid[0])
		return SIM_EXIT;
	return set_out(out, d.wwid);
}

struct mp_scan {
	char wwid[8][64];
	char paths[8][256];
	long long size[8];
	int n;
};

static int mp_scan_cb(struct hx *hx, struct sim_dev *d, void *arg)
{
	struct mp_scan *s = arg;
	int i;

	if (strcmp(d->kind, "sd"))
		return 0;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->wwid[i], d->wwid))
			break;
	if (i == s->n) {
		if (s->n == 8)
			return 0;
		snprintf(s->wwid[i], sizeof(s->wwid[i]), "%s", d->wwid);
		s->paths[i][0] = '\0';
		s->size[i] = d->size;
		s->n++;
	}
	if (strlen(s->paths[i]) + strlen(hx->root) + 48 < sizeof(s->paths[i]))
		snprintf(s->paths[i] + strlen(s->paths[i]),
			 sizeof(s->paths[i]) - strlen(s->paths[i]),
			 " %s/dev/%s", hx->root, d->kname);
	return 0;
}

/*
 * Debian 12's multipath-tools with no multipath.conf: find_multipaths
 * "strict". A bare scan builds maps only for the WWIDs listed in
 * etc/multipath/wwids; "multipath <dev>" builds that device's map and
 * lists its WWID.
 */
static int sim_wwids(struct hx *hx, const char *add, int *listed,
		     const char *want)
{
	char path[PATH_MAX], *text = NULL, line[96];
	int ret;

	if (spath(hx, path, sizeof(path), "etc/multipath", "wwids"))
		return -ENAMETOOLONG;
	ret = hx_read_file(path, &text);
	if (ret && ret != -ENOENT)
		return ret;
	if (listed) {
		snprintf(line, sizeof(line), "/%s/\n", want);
		*listed = text && strstr(text, line) != NULL;
	}
	if (add) {
		char *nt;

		snprintf(line, sizeof(line), "/%s/\n", add);
		if (text && strstr(text, line)) {
			free(text);
			return 0;
		}
		size_t n = (text ? strlen(text) : 0) + strlen(line) + 1;

		nt = calloc(1, n);
		if (!nt) {
			free(text);
			return -ENOMEM;
		}
		snprintf(nt, n, "%s%s", text ? text : "", line);
		*strrchr(path, '/') = '\0';
		ret = hx_mkdirs(path);
		if (!ret)
			ret = spath(hx, path, sizeof(path), "etc/multipath",
				    "wwids");
		if (!ret)
			ret = hx_write_file(path, nt);
		free(nt);
	}
	free(text);
	return ret < 0 ? ret : 0;
}

static int sim_multipath(struct hx *hx, const char *const argv[], char **out)
{
	char want[64] = "";
	struct mp_scan *s;
	struct sim_dev d;
	int i, ret = 0, listed;

	(void)out;
	if (argv[1] && !strcmp(argv[1], "-f")) {
		if (!argv[2] || sim_find_dm(hx, argv[2], 0, &d))
			return SIM_EXIT;
		if (sim_busy(hx, &d))
			return SIM_EXIT;
		return sim_dev_unlink(hx, &d);
	}
	if (argv[1]) {
		char k[32];

		if (sim_resolve(hx, argv[1], k, sizeof(k)) ||
		    sim_load(hx, k, &d) || strcmp(d.kind, "sd"))
			return SIM_EXIT;
		snprintf(want, sizeof(want), "%s", d.wwid);
		ret = sim_wwids(hx, want, NULL, NULL);
		if (ret)
			return ret;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	sim_each(hx, mp_scan_cb, s);
	for (i = 0; i < s->n && !ret; i++) {
		char uuid[96], line[512], *lines[1] = {line};

		if (want[0] && strcmp(want, s->wwid[i]))
			continue;
		ret = sim_wwids(hx, NULL, &listed, s->wwid[i]);
		if (ret || !listed)
			continue;
		snprintf(uuid, sizeof(uuid), "mpath-%s", s->wwid[i]);
		if (!sim_find_dm(hx, uuid, 1, &d))
			continue;
		snprintf(line, sizeof(line), "0 %lld multipath%s", s->size[i],
			 s->paths[i]);
		ret = sim_dm_add(hx, s->wwid[i], uuid, lines, 1, 0);
	}
	free(s);
	return ret;
}

/* ---- md ---- */

static int sim_md_build(struct hx *hx, const char *const argv[], int create)
{
	const char *md = argv[2];
	struct sim_dev *d = NULL;
	char k[32], target[PATH_MAX];
	struct stat st;
	long long min = 0;
	int i, ret = 0, role = 0, raid = 0;

	if (!md || strncmp(md, hx->root, strlen(hx->root)))
		return -EINVAL;
	if (!lstat(md, &st)) {
		log_err("simulated mdadm: %s exists", md);
		return SIM_EXIT;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->kind, sizeof(d->kind), "md");
	for (i = 3; argv[i]; i++) {
		struct sim_dev m;

		if (!strncmp(argv[i], "--raid-devices=", 15))
			raid = atoi(argv[i] + 15);
		if (argv[i][0] == '-')
			continue;
		if (sim_resolve(hx, argv[i], k, sizeof(k)) ||
		    sim_load(hx, k, &m) || sim_busy(hx, &m) ||
		    d->nmem == SIM_MAX_MEMBER) {
			log_err("simulated mdadm: cannot use %s", argv[i]);
			ret = SIM_EXIT;
			goto out;
		}
		if (!min || m.size < min)
			min = m.size;
		snprintf(d->mem[d->nmem].kname, sizeof(d->mem[0].kname), "%s",
			 k);
		d->mem[d->nmem].role = role++;
		snprintf(d->mem[d->nmem].state, sizeof(d->mem[0].state),
			 "in_sync");
		d->nmem++;
	}
	d->raid_disks = create ? raid : d->nmem;
	if (!d->nmem || d->raid_disks < d->nmem) {
		ret = SIM_EXIT;
		goto out;
	}
	d->size = md090_size_sectors(min);
	ret = sim_new_kname(hx, "md", d->kname, sizeof(d->kname));
	if (!ret)
		ret = sim_save(hx, d);
	if (!ret && spath(hx, target, sizeof(target), "dev", d->kname))
		ret = -ENAMETOOLONG;
	if (!ret)
		ret = sim_link(md, target);
out:
	free(d);
	return ret;
}

static int sim_md_manage(struct hx *hx, struct sim_dev *d, const char *op,
			 const char *dev)
{
	char k[32];
	int i, used[SIM_MAX_MEMBER] = {0}, role = 0;

	if (!dev || sim_resolve(hx, dev, k, sizeof(k)))
		return SIM_EXIT;
	for (i = 0; i < d->nmem; i++) {
		if (d->mem[i].role < SIM_MAX_MEMBER)
			used[d->mem[i].role] = 1;
		if (strcmp(d->mem[i].kname, k))
			continue;
		if (!strcmp(op, "--fail")) {
			snprintf(d->mem[i].state, sizeof(d->mem[i].state),
				 "faulty");
			return sim_save(hx, d);
		}
		if (!strcmp(op, "--remove")) {
			if (!strcmp(d->mem[i].state, "in_sync"))
				return SIM_EXIT; /* busy: fail it first */
			d->mem[i] = d->mem[--d->nmem];
			return sim_save(hx, d);
		}
		return SIM_EXIT; /* --add of a member */
	}
	if (strcmp(op, "--add") || d->nmem == SIM_MAX_MEMBER)
		return SIM_EXIT;
	while (role < SIM_MAX_MEMBER - 1 && used[role])
		role++;
	snprintf(d->mem[d->nmem].kname, sizeof(d->mem[0].kname), "%s", k);
	d->mem[d->nmem].role = role;
	snprintf(d->mem[d->nmem].state, sizeof(d->mem[0].state), "recovering");
	d->mem[d->nmem].t_ms = now_ms();
	d->nmem++;
	return sim_save(hx, d);
}

static int sim_mdadm(struct hx *hx, const char *const argv[], char **out)
{
	struct sim_dev *d;
	const char *md;
	char k[32];
	int ret;

	(void)out;
	if (!argv[1] || !argv[2])
		return -EINVAL;
	if (!strcmp(argv[1], "--create"))
		return sim_md_build(hx, argv, 1);
	if (!strcmp(argv[1], "--assemble"))
		return sim_md_build(hx, argv, 0);
	md = argv[2];
	if (sim_resolve(hx, md, k, sizeof(k)))
		return SIM_EXIT;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = sim_load(hx, k, d);
	if (ret) {
		ret = SIM_EXIT;
	} else if (!strcmp(argv[1], "-S")) {
		ret = sim_busy(hx, d) ? SIM_EXIT : sim_dev_unlink(hx, d);
		if (!ret)
			unlink(md);
	} else if (!strcmp(argv[1], "--manage") && argv[3]) {
		ret = sim_md_manage(hx, d, argv[3], argv[4]);
	} else {
		ret = -EINVAL;
	}
	free(d);
	return ret;
}

static int sim_blockdev(struct hx *hx, const char *const argv[], char **out)
{
	struct sim_dev d;
	char k[32], text[32];

	if (!argv[1] || !argv[2] || sim_resolve(hx, argv[2], k, sizeof(k)) ||
	    sim_load(hx, k, &d))
		return SIM_EXIT;
	snprintf(text, sizeof(text), "%lld", d.size);
	return set_out(out, text);
}

static int sim_udevadm(struct hx *hx, const char *const argv[], char **out)
{
	(void)hx;
	(void)argv;
	(void)out;
	return 0;
}

struct sim_tool {
	const char *name;
	int (*run)(struct hx *hx, const char *const argv[], char **out);
};

static const struct sim_tool sim_tools[] = {
    {"iscsiadm", sim_iscsiadm},	  {"scsi_id", sim_scsi_id},
    {"multipath", sim_multipath}, {"dmsetup", sim_dmsetup},
    {"mdadm", sim_mdadm},	  {"blockdev", sim_blockdev},
    {"udevadm", sim_udevadm},	  {NULL, NULL},
};

/* Rewrites proc/mdstat from the md device files (recovery is timed). */
static int mdstat_cb(struct hx *hx, struct sim_dev *d, void *arg)
{
	char *text = arg, status[SIM_MAX_MEMBER + 1];
	size_t used = strlen(text), cap = 65536;
	long long now = now_ms(), done = 0;
	int i, changed = 0, up = 0, recovering = 0;

	if (strcmp(d->kind, "md"))
		return 0;
	memset(status, '_', sizeof(status));
	for (i = 0; i < d->nmem; i++) {
		struct sim_member *m = &d->mem[i];

		if (!strcmp(m->state, "recovering") &&
		    now - m->t_ms >= hx->sim_resync_ms) {
			snprintf(m->state, sizeof(m->state), "in_sync");
			changed = 1;
		}
		if (!strcmp(m->state, "recovering")) {
			recovering = 1;
			done = hx->sim_resync_ms
				   ? (now - m->t_ms) * 1000 / hx->sim_resync_ms
				   : 0;
		}
		if (!strcmp(m->state, "in_sync") && m->role < d->raid_disks) {
			status[m->role] = 'U';
			up++;
		}
	}
	if (changed)
		sim_save(hx, d);
	status[d->raid_disks < SIM_MAX_MEMBER ? d->raid_disks
					      : SIM_MAX_MEMBER] = '\0';
	used += (size_t)snprintf(text + used, cap - used, "%s : active raid1",
				 d->kname);
	for (i = 0; i < d->nmem; i++)
		used += (size_t)snprintf(
		    text + used, cap - used, " %s[%d]%s", d->mem[i].kname,
		    d->mem[i].role,
		    !strcmp(d->mem[i].state, "faulty") ? "(F)" : "");
	used += (size_t)snprintf(text + used, cap - used,
				 "\n      %lld blocks [%d/%d] [%s]\n",
				 d->size / 2, d->raid_disks, up, status);
	if (recovering)
		used += (size_t)snprintf(
		    text + used, cap - used,
		    "      [>....................]  recovery = %lld.%lld%% "
		    "(%lld/%lld) finish=0.1min speed=100000K/sec\n",
		    done / 10, done % 10, d->size / 2 * done / 1000,
		    d->size / 2);
	snprintf(text + used, cap - used,
		 "      bitmap: 0/1 pages [0KB], 65536KB chunk\n\n");
	return used + 200 < cap ? 0 : -E2BIG;
}

static int sim_mdstat_locked(struct hx *hx, char **out)
{
	char path[PATH_MAX], *text;
	int ret;

	text = calloc(1, 65536);
	if (!text)
		return -ENOMEM;
	snprintf(text, 65536, "Personalities : [raid1] \n");
	ret = sim_each(hx, mdstat_cb, text);
	if (!ret)
		snprintf(text + strlen(text), 65536 - strlen(text),
			 "unused devices: <none>\n");
	if (!ret)
		ret = spath(hx, path, sizeof(path), "proc", NULL);
	if (!ret)
		ret = hx_mkdirs(path);
	if (!ret)
		ret = spath(hx, path, sizeof(path), "proc", "mdstat");
	if (!ret)
		ret = hx_write_file(path, text);
	if (!ret && out) {
		*out = text;
		text = NULL;
	}
	free(text);
	return ret;
}

static int sim_run(struct hx *hx, const char *const argv[], char **out,
		   char *why, size_t why_len)
{
	const struct sim_tool *t;
	char line[2048];
	int ret = -ENOENT;

	if (hx->sim_fail[0] && !cmd_join(argv, line, sizeof(line)) &&
	    strstr(line, hx->sim_fail)) {
		snprintf(why, why_len, "exit 1: simulated failure");
		return SIM_EXIT;
	}
	pthread_mutex_lock(&hx->lock);
	for (t = sim_tools; t->name; t++)
		if (!strcmp(t->name, argv[0]))
			break;
	if (t->name)
		ret = t->run(hx, argv, out);
	if (!ret && !strcmp(argv[0], "mdadm"))
		ret = sim_mdstat_locked(hx, NULL);
	pthread_mutex_unlock(&hx->lock);
	if (ret)
		snprintf(why, why_len, "exit 1: simulated %s: %s", argv[0],
			 strerror(-ret));
	return ret ? SIM_EXIT : 0;
}

static int sim_mdstat(struct hx *hx, char **out)
{
	int ret;

	pthread_mutex_lock(&hx->lock);
	ret = sim_mdstat_locked(hx, out);
	pthread_mutex_unlock(&hx->lock);
	return ret;
}

static int sim_mounts(struct hx *hx, char **out)
{
	char path[PATH_MAX];
	int ret;

	if (spath(hx, path, sizeof(path), "proc", "mounts"))
		return -ENAMETOOLONG;
	ret = hx_read_file(path, out);
	if (ret == -ENOENT)
		return set_out(out, "");
	return ret;
}

const struct hx_backend hx_sim_backend = {
    .name = "simulated",
    .run = sim_run,
    .mdstat = sim_mdstat,
    .mounts = sim_mounts,
};
