/* Device helpers over the exec layer: dm create/remove, sizes, names. */
#include "hsvr.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vas/log.h"

int dev_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int dm_create(struct hsvr *h, const char *name, const char *table, int readonly)
{
	char file[PATH_MAX], path[PATH_MAX];
	struct cmdline c;
	int ret, attempt;

	if (snprintf(file, sizeof(file), "%s/%s.table", h->table_dir, name) >=
		(int)sizeof(file) ||
	    path_mapper(path, sizeof(path), h->hx->root, name))
		return -ENAMETOOLONG;
	ret = hx_write_file(file, table);
	if (ret)
		return ret;
	cmd_dm_create(&c, name, file, readonly);
	/* Second attempt after udev settled (W25: transient opens). */
	for (attempt = 0; attempt < 2; attempt++) {
		ret = hx_run(h->hx, &c, NULL);
		if (!ret || dev_exists(path))
			break;
		cmd_udev_settle(&c);
		(void)hx_run(h->hx, &c, NULL); /* best effort */
		cmd_dm_create(&c, name, file, readonly);
	}
	unlink(file);
	return ret;
}

int dm_load(struct hsvr *h, const char *name, const char *table)
{
	char file[PATH_MAX];
	struct cmdline c;
	int ret;

	if (snprintf(file, sizeof(file), "%s/%s.table", h->table_dir, name) >=
	    (int)sizeof(file))
		return -ENAMETOOLONG;
	ret = hx_write_file(file, table);
	if (ret)
		return ret;
	cmd_dm_load(&c, name, file);
	ret = hx_run(h->hx, &c, NULL);
	unlink(file);
	return ret;
}

int dm_remove(struct hsvr *h, const char *name)
{
	char path[PATH_MAX];
	struct cmdline c;
	int ret = 0, attempt;

	if (path_mapper(path, sizeof(path), h->hx->root, name))
		return -ENAMETOOLONG;
	for (attempt = 0; attempt < 2 && dev_exists(path); attempt++) {
		if (attempt) {
			cmd_udev_settle(&c);
			(void)hx_run(h->hx, &c, NULL); /* best effort */
		}
		cmd_dm_remove(&c, name);
		ret = hx_run(h->hx, &c, NULL);
		if (!ret)
			break;
	}
	/* Still there after the attempts: something holds it open. */
	if (dev_exists(path)) {
		log_err("dmsetup remove %s: %s", name,
			ret ? strerror(-ret) : "still present");
		return -EBUSY;
	}
	return 0;
}

int dm_open_count(struct hsvr *h, const char *name, int *count)
{
	struct cmdline c;
	char *out = NULL;
	int ret;

	cmd_dm_open_count(&c, name);
	ret = hx_run(h->hx, &c, &out);
	*count = ret || !out ? 0 : atoi(out);
	free(out);
	return ret;
}

int dev_size(struct hsvr *h, const char *dev, int64_t *sectors)
{
	struct cmdline c;
	char *out = NULL, *end;
	long long v;
	int ret;

	cmd_blockdev_size(&c, dev);
	ret = hx_run(h->hx, &c, &out);
	if (ret)
		return ret;
	v = strtoll(out ? out : "", &end, 10);
	if (!out || end == out || v <= 0)
		ret = -EIO;
	free(out);
	*sectors = v;
	return ret;
}

int32_t dext_of_kname(struct hsvr *h, const char *kname)
{
	char path[PATH_MAX], *text = NULL;
	int32_t id;

	if (snprintf(path, sizeof(path), "%s/sys/block/%s/dm/name", h->hx->root,
		     kname) >= (int)sizeof(path))
		return 0;
	if (hx_read_file(path, &text))
		return 0;
	id = dext_of_name(text);
	free(text);
	return id;
}

int md_kname(struct hsvr *h, int32_t mirrorid, char *buf, size_t len)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *base;

	if (path_mirror(path, sizeof(path), h->md_dir, mirrorid))
		return -ENAMETOOLONG;
	if (!realpath(path, real))
		return -ENOENT;
	base = strrchr(real, '/');
	if (!base || strncmp(base + 1, "md", 2))
		return -ENOENT;
	return snprintf(buf, len, "%s", base + 1) >= (int)len ? -ENAMETOOLONG
							      : 0;
}
