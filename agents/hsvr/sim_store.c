/*
 * The simulated back end's state store: device files dev/<kname>
 * (key=value lines: size, dm table, md members, open count),
 * dev/mapper and by-path links, sys/block/<dm-N>/dm/name. Tests edit
 * "open=" or a member's state in a device file to simulate use or a
 * failed leg.
 */
#include "sim_priv.h"

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

long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int spath(struct hx *hx, char *buf, size_t len, const char *sub,
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
	else if (!strcmp(k, "dead"))
		d->dead = atoi(v);
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

int sim_load(struct hx *hx, const char *kname, struct sim_dev *d)
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

int sim_save(struct hx *hx, const struct sim_dev *d)
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
	EMIT("kind=%s\nsize=%lld\nopen=%d\nsuspended=%d\nreadonly=%d\n"
	     "dead=%d\n",
	     d->kind, d->size, d->open, d->suspended, d->readonly, d->dead);
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
int sim_each(struct hx *hx, int (*fn)(struct hx *, struct sim_dev *, void *),
	     void *arg)
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
int sim_resolve(struct hx *hx, const char *path, char *kname, size_t len)
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
			q->held++;
	for (i = 0; i < d->nmem; i++)
		if (!strcmp(d->mem[i].kname, q->kname))
			q->held++;
	return 0;
}

int sim_holders(struct hx *hx, const struct sim_dev *d)
{
	struct holder_q q = {d->kname, 0};

	sim_each(hx, holder_cb, &q);
	return q.held;
}

int sim_busy(struct hx *hx, const struct sim_dev *d)
{
	return sim_holders(hx, d) || d->open > 0 || d->suspended;
}

int sim_new_kname(struct hx *hx, const char *prefix, char *kname, size_t len)
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
int sim_link(const char *link, const char *target)
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

int sim_find_dm(struct hx *hx, const char *key, int by_uuid, struct sim_dev *d)
{
	struct find_q q = {key, by_uuid, ""};

	if (sim_each(hx, find_cb, &q) != 1)
		return -ENOENT;
	return sim_load(hx, q.kname, d);
}

int sim_dm_set_table(struct hx *hx, struct sim_dev *d, char *const *lines,
		     int n)
{
	int i;

	d->ntable = 0;
	d->nholds = 0;
	d->size = 0;
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
			return SIM_EXIT;
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
				return SIM_EXIT;
			}
			if (d->nholds < SIM_MAX_HOLDS)
				snprintf(d->holds[d->nholds++],
					 sizeof(d->holds[0]), "%s", k);
		}
	}
	return n > SIM_MAX_TABLE ? SIM_EXIT : 0;
}

/* Creates a dm device from table lines; devices named in it must exist. */
int sim_dm_add(struct hx *hx, const char *name, const char *uuid,
	       char *const *lines, int n, int readonly)
{
	struct sim_dev *d = calloc(1, sizeof(*d));
	char link[PATH_MAX], target[64];
	int ret;

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
	ret = sim_dm_set_table(hx, d, lines, n);
	if (!ret)
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

int sim_dev_unlink(struct hx *hx, const struct sim_dev *d)
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

int arg_index(const char *const argv[], const char *want)
{
	int i;

	for (i = 1; argv[i]; i++)
		if (!strcmp(argv[i], want))
			return i;
	return 0;
}

const char *arg_after(const char *const argv[], const char *want)
{
	int i = arg_index(argv, want);

	return i ? argv[i + 1] : NULL;
}

int set_out(char **out, const char *text)
{
	if (!out)
		return 0;
	*out = strdup(text);
	return *out ? 0 : -ENOMEM;
}
