/* Node actions: do (build) and undo (tear down) per node kind (hsvr.md 7). */
#include "graph.h"

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
#include "vas/proto.h"

static int dext_do(struct hsvr *h, struct hnode *n)
{
	char name[32], table[PATH_MAX + 128];
	int ret;

	ret = name_dext(name, sizeof(name), n->lv->ssvrid, n->lv->lvolid);
	if (!ret)
		ret = path_mapper(n->path, sizeof(n->path), h->hx->root, name);
	if (ret || dev_exists(n->path))
		return ret;
	ret = table_dext(table, sizeof(table), n->lv->capacity,
			 n->comp[0]->path, n->lv->offset);
	return ret ? ret : dm_create(h, name, table, 0);
}

static int dext_undo(struct hsvr *h, struct hnode *n)
{
	char name[32];
	int ret = name_dext(name, sizeof(name), n->lv->ssvrid, n->lv->lvolid);

	n->path[0] = '\0';
	return ret ? ret : dm_remove(h, name);
}

static int mirror_undo(struct hsvr *h, struct hnode *n)
{
	char path[PATH_MAX];
	struct stat st;
	struct cmdline c;
	int ret = 0;

	if (path_mirror(path, sizeof(path), h->md_dir, n->lv->lvolid))
		return -ENAMETOOLONG;
	if (dev_exists(path)) {
		cmd_md_stop(&c, path);
		pthread_mutex_lock(&h->mdadm_lock);
		ret = hx_run(h->hx, &c, NULL);
		pthread_mutex_unlock(&h->mdadm_lock);
	}
	if (!ret && !lstat(path, &st) && unlink(path))
		ret = -errno;
	n->path[0] = '\0';
	return ret;
}

static int mirror_do(struct hsvr *h, struct hnode *n)
{
	const char *members[16];
	int i, nm = 0, insync = 0, ret = 0;
	struct cmdline c;
	int64_t size;

	if (path_mirror(n->path, sizeof(n->path), h->md_dir, n->lv->lvolid))
		return -ENAMETOOLONG;
	if (dev_exists(n->path))
		return 0;
	if (n->ncomp > 16)
		return -EINVAL;
	for (i = 0; i < n->ncomp && !ret; i++) {
		int st = n->comp[i]->lv->mirror_status;

		ret = dev_size(h, n->comp[i]->path, &size);
		if (st == MIRROR_ALLOCATED || st == MIRROR_INSYNC)
			members[nm++] = n->comp[i]->path;
		insync += st == MIRROR_INSYNC;
	}
	if (!ret && !nm)
		ret = -EINVAL;
	if (ret)
		return ret;
	if (insync)
		cmd_md_assemble(&c, n->path, members, nm);
	else
		cmd_md_create(&c, n->path, members, nm, n->ncomp);
	pthread_mutex_lock(&h->mdadm_lock);
	ret = hx_run(h->hx, &c, NULL);
	pthread_mutex_unlock(&h->mdadm_lock);
	if (!ret)
		ret = dev_size(h, n->path, &size);
	if (ret) {
		(void)mirror_undo(h, n); /* half-made array; logged */
		return ret;
	}
	return path_mirror(n->path, sizeof(n->path), h->md_dir, n->lv->lvolid);
}

/* A dm device over the node's components: name, table builder. */
static int linear_do(struct hsvr *h, struct hnode *n)
{
	const char **paths = NULL;
	int64_t *sizes = NULL;
	char name[64], *table = NULL;
	size_t tlen = (size_t)n->ncomp * (PATH_MAX + 64) + 1;
	int i, ret;

	ret = name_linear(name, sizeof(name), n->lv->lvolid);
	if (!ret)
		ret = path_mapper(n->path, sizeof(n->path), h->hx->root, name);
	if (ret || dev_exists(n->path))
		return ret;
	paths = calloc((size_t)n->ncomp, sizeof(*paths));
	sizes = calloc((size_t)n->ncomp, sizeof(*sizes));
	table = calloc(1, tlen);
	ret = paths && sizes && table ? 0 : -ENOMEM;
	for (i = 0; i < n->ncomp && !ret; i++) {
		paths[i] = n->comp[i]->path;
		ret = dev_size(h, paths[i], &sizes[i]);
	}
	if (!ret)
		ret = table_linear(table, tlen, n->lv->capacity, paths, sizes,
				   n->ncomp);
	if (!ret)
		ret = dm_create(h, name, table, 0);
	free(paths);
	free(sizes);
	free(table);
	return ret;
}

static int origin_do(struct hsvr *h, struct hnode *n)
{
	char name[64], table[PATH_MAX + 128];
	int ret;

	ret = name_origin(name, sizeof(name), n->lv->lvolid);
	if (!ret)
		ret = path_mapper(n->path, sizeof(n->path), h->hx->root, name);
	if (ret || dev_exists(n->path))
		return ret;
	ret = table_origin(table, sizeof(table), n->lv->capacity,
			   n->comp[0]->path);
	return ret ? ret : dm_create(h, name, table, 0);
}

/*
 * W8/W9: the origin's underlying device is read from the origin's own
 * dm table ("0 <len> snapshot-origin <dev>"), no symlink farm.
 */
static int origin_device(struct hsvr *h, int32_t origin_id, char *dev,
			 size_t len, int64_t *sectors)
{
	char name[64], path[PATH_MAX], *out = NULL, target[32], d[PATH_MAX];
	long long start, length;
	struct cmdline c;
	int ret;

	ret = name_origin(name, sizeof(name), origin_id);
	if (!ret)
		ret = path_mapper(path, sizeof(path), h->hx->root, name);
	if (ret)
		return ret;
	if (!dev_exists(path))
		return -ENOENT;
	cmd_dm_table(&c, name);
	ret = hx_run(h->hx, &c, &out);
	if (!ret && (!out ||
		     sscanf(out, "%lld %lld %31s %4095s", &start, &length,
			    target, d) != 4 ||
		     strcmp(target, "snapshot-origin")))
		ret = -EIO;
	if (!ret && snprintf(dev, len, "%s", d) >= (int)len)
		ret = -ENAMETOOLONG;
	free(out);
	return ret ? ret : dev_size(h, path, sectors);
}

static int snapshot_do(struct hsvr *h, struct hnode *n)
{
	char name[64], origin[PATH_MAX], table[2 * PATH_MAX + 64];
	int64_t osize;
	int ret;

	ret = name_snapshot(name, sizeof(name), n->lv->lvolid);
	if (!ret)
		ret = path_mapper(n->path, sizeof(n->path), h->hx->root, name);
	if (ret || dev_exists(n->path))
		return ret;
	ret = origin_device(h, n->lv->origin_lvolid, origin, sizeof(origin),
			    &osize);
	if (!ret)
		ret = table_snapshot(table, sizeof(table), osize, origin,
				     n->comp[0]->path);
	return ret ? ret : dm_create(h, name, table, 1);
}

static int named_undo(struct hsvr *h, struct hnode *n,
		      int (*namer)(char *, size_t, int32_t))
{
	char name[64];
	int ret = namer(name, sizeof(name), n->lv->lvolid);

	n->path[0] = '\0';
	return ret ? ret : dm_remove(h, name);
}

static int origin_suspend(struct hsvr *h, int32_t origin_id, int suspend)
{
	char name[64], path[PATH_MAX];
	struct cmdline c;

	if (name_origin(name, sizeof(name), origin_id) ||
	    path_mapper(path, sizeof(path), h->hx->root, name))
		return -ENAMETOOLONG;
	if (!dev_exists(path))
		return 0;
	if (suspend)
		cmd_dm_suspend(&c, name);
	else
		cmd_dm_resume(&c, name);
	return hx_run(h->hx, &c, NULL);
}

/* W10: a label pointing elsewhere is replaced (atomically). */
static int label_do(struct hsvr *h, struct hnode *n)
{
	char cur[PATH_MAX], tmp[PATH_MAX + 8];
	const char *want = n->comp[0]->path;
	ssize_t len;

	(void)h;
	len = readlink(n->link, cur, sizeof(cur) - 1);
	if (len >= 0) {
		cur[len] = '\0';
		if (!strcmp(cur, want))
			goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", n->link);
	unlink(tmp);
	if (symlink(want, tmp) || rename(tmp, n->link)) {
		int err = -errno;

		unlink(tmp);
		return err;
	}
out:
	snprintf(n->path, sizeof(n->path), "%s", n->link);
	return 0;
}

static int label_undo(struct hsvr *h, struct hnode *n)
{
	struct stat st;

	(void)h;
	n->path[0] = '\0';
	if (!lstat(n->link, &st) && unlink(n->link))
		return -errno;
	return 0;
}

int node_do(struct hsvr *h, struct hnode *n)
{
	switch (n->kind) {
	case HN_ISCSI:
		return iscsi_node_do(h, n);
	case HN_DEXT:
		return dext_do(h, n);
	case HN_MIRROR:
		return mirror_do(h, n);
	case HN_LINEAR:
		return linear_do(h, n);
	case HN_ORIGIN:
		return origin_do(h, n);
	case HN_SNAPSHOT:
		return snapshot_do(h, n);
	case HN_SUSPEND:
		return origin_suspend(h, n->origin_id, 1);
	case HN_RESUME:
		return origin_suspend(h, n->origin_id, 0);
	case HN_LVOL:
		if (n->ncomp != 1 || !n->comp[0]->path[0])
			return -EINVAL;
		snprintf(n->path, sizeof(n->path), "%s", n->comp[0]->path);
		return 0;
	case HN_LABEL:
		return label_do(h, n);
	case HN_NOOP:
		return 0;
	}
	return -EINVAL;
}

int node_undo(struct hsvr *h, struct hnode *n)
{
	switch (n->kind) {
	case HN_ISCSI:
		return iscsi_node_undo(h, n);
	case HN_DEXT:
		return dext_undo(h, n);
	case HN_MIRROR:
		return mirror_undo(h, n);
	case HN_LINEAR:
		return named_undo(h, n, name_linear);
	case HN_ORIGIN:
		return named_undo(h, n, name_origin);
	case HN_SNAPSHOT:
		return named_undo(h, n, name_snapshot);
	case HN_SUSPEND:
		return origin_suspend(h, n->origin_id, 0);
	case HN_RESUME:
		return origin_suspend(h, n->origin_id, 1);
	case HN_LVOL:
	case HN_NOOP:
		n->path[0] = '\0';
		return 0;
	case HN_LABEL:
		return label_undo(h, n);
	}
	return -EINVAL;
}
