/*
 * Local state of a storage server: atomic 0600 files under state_dir and
 * the activation records <state_dir>/pdsk-%08x ("<8 hex> <path>\n").
 */
#include "ssvr_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vas/log.h"

int ssvr_path(char *buf, size_t len, const struct ssvr_cfg *cfg,
	      const char *fmt, ...)
{
	size_t n = (size_t)snprintf(buf, len, "%s/", cfg->state_dir);
	va_list ap;
	int m;

	if (n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= len - n)
		return -ENAMETOOLONG;
	return 0;
}

int ssvr_mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	char *p;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int ssvr_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[PATH_MAX];
	int fd, ret = 0;
	size_t done = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		log_err("%s: %s", tmp, strerror(-ret));
		return ret;
	}
	while (done < len) {
		ssize_t w = write(fd, data + done, len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = -errno;
			goto out;
		}
		done += (size_t)w;
	}
	if (fsync(fd))
		ret = -errno;
out:
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		log_err("%s: %s", path, strerror(-ret));
		unlink(tmp);
	}
	return ret;
}

int ssvr_read_file(const char *path, char *buf, size_t max)
{
	size_t done = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (done < max - 1) {
		ssize_t r = read(fd, buf + done, max - 1 - done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	close(fd);
	buf[done] = '\0';
	return ret;
}

int ssvr_disk_link(const struct ssvr_cfg *cfg, uint32_t pdskid, char *buf,
		   size_t len)
{
	return ssvr_path(buf, len, cfg, "pdsk/%08x", pdskid);
}

int ssvr_disk_save(const struct ssvr_cfg *cfg, const struct ssvr_disk *d)
{
	char path[PATH_MAX], data[PATH_MAX + 16];
	int ret, n;

	if (strchr(d->path, '\n') || d->path[0] != '/')
		return -EINVAL;
	ret = ssvr_path(path, sizeof(path), cfg, "pdsk-%08x", d->pdskid);
	if (ret)
		return ret;
	n = snprintf(data, sizeof(data), "%08x %s\n", d->pdskid, d->path);
	if (n < 0 || (size_t)n >= sizeof(data))
		return -ENAMETOOLONG;
	return ssvr_write_atomic(path, data, (size_t)n);
}

static int parse_record(const char *buf, uint32_t pdskid, struct ssvr_disk *d)
{
	const char *nl = strchr(buf, '\n');
	unsigned int id;
	size_t l;

	if (sscanf(buf, "%8x ", &id) != 1 || id != pdskid || strlen(buf) < 10 ||
	    buf[8] != ' ' || !nl)
		return -EINVAL;
	l = (size_t)(nl - (buf + 9));
	if (!l || l >= sizeof(d->path) || buf[9] != '/')
		return -EINVAL;
	memcpy(d->path, buf + 9, l);
	d->path[l] = '\0';
	d->pdskid = pdskid;
	return 0;
}

int ssvr_disk_load(const struct ssvr_cfg *cfg, uint32_t pdskid,
		   struct ssvr_disk *d)
{
	char path[PATH_MAX], buf[PATH_MAX + 16];
	int ret;

	ret = ssvr_path(path, sizeof(path), cfg, "pdsk-%08x", pdskid);
	if (!ret)
		ret = ssvr_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	ret = parse_record(buf, pdskid, d);
	if (ret)
		log_err("%s: malformed activation record", path);
	return ret;
}

int ssvr_disk_remove(const struct ssvr_cfg *cfg, uint32_t pdskid)
{
	char path[PATH_MAX];
	int ret;

	ret = ssvr_path(path, sizeof(path), cfg, "pdsk-%08x", pdskid);
	if (ret)
		return ret;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

/* "pdsk-" and exactly 8 lower-case hex digits. */
static bool record_name(const char *name, uint32_t *id)
{
	int i;

	if (strncmp(name, "pdsk-", 5) || strlen(name) != 13)
		return false;
	for (i = 5; i < 13; i++)
		if (!strchr("0123456789abcdef", name[i]))
			return false;
	*id = (uint32_t)strtoul(name + 5, NULL, 16);
	return true;
}

int ssvr_disk_list(const struct ssvr_cfg *cfg, struct ssvr_disk **out, int *n)
{
	struct ssvr_disk *arr = NULL;
	struct dirent *de;
	int count = 0, cap = 0;
	DIR *dir;

	*out = NULL;
	*n = 0;
	dir = opendir(cfg->state_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		uint32_t id;

		if (!record_name(de->d_name, &id))
			continue;
		if (count == cap) {
			struct ssvr_disk *na;

			cap = cap ? cap * 2 : 8;
			na = realloc(arr, (size_t)cap * sizeof(*arr));
			if (!na) {
				free(arr);
				closedir(dir);
				return -ENOMEM;
			}
			arr = na;
		}
		if (ssvr_disk_load(cfg, id, &arr[count]) == 0)
			count++;
	}
	closedir(dir);
	*out = arr;
	*n = count;
	return 0;
}
