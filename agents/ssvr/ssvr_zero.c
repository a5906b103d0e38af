/*
 * Zero-fill of a byte range of a disk without a shell: BLKZEROOUT for block
 * devices, fallocate(ZERO_RANGE / PUNCH_HOLE, KEEP_SIZE) for files, else
 * O_DIRECT writes of a large aligned buffer.
 */
#include "ssvr_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZERO_BUF_BYTES (8 * SSVR_MIB)
#define ZERO_ALIGN     4096

int zero_size_fd(int fd, uint64_t *bytes)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, bytes))
			return -errno;
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		*bytes = (uint64_t)st.st_size;
		return 0;
	}
	return -ENOTBLK;
}

int zero_open_direct(const char *path, int flags)
{
	int fd = open(path, flags | O_DIRECT | O_CLOEXEC);

	/* Filesystems without O_DIRECT (tmpfs) answer EINVAL. */
	if (fd < 0 && errno == EINVAL)
		fd = open(path, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int zero_size_path(const char *path, uint64_t *bytes)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = zero_size_fd(fd, bytes);
	close(fd);
	return ret;
}

static int zero_write(int fd, uint64_t off, uint64_t len, atomic_bool *stop)
{
	void *buf = NULL;
	int ret = 0;

	if (posix_memalign(&buf, ZERO_ALIGN, ZERO_BUF_BYTES))
		return -ENOMEM;
	memset(buf, 0, ZERO_BUF_BYTES);
	while (len) {
		size_t chunk =
		    len < ZERO_BUF_BYTES ? (size_t)len : ZERO_BUF_BYTES;
		ssize_t w;

		if (stop && atomic_load(stop)) {
			ret = -EINTR;
			break;
		}
		w = pwrite(fd, buf, chunk, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ret = -errno;
			break;
		}
		if (w == 0) {
			ret = -ENOSPC;
			break;
		}
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	free(buf);
	if (!ret && fdatasync(fd))
		ret = -errno;
	return ret;
}

static bool unsupported(int err)
{
	return err == EOPNOTSUPP || err == ENOTTY || err == ENOSYS ||
	       err == EINVAL;
}

int zero_range(int fd, uint64_t off, uint64_t len, enum zero_method m,
	       atomic_bool *stop)
{
	struct stat st;

	if (!len)
		return 0;
	if (fstat(fd, &st))
		return -errno;
	if (m == ZERO_AUTO && S_ISBLK(st.st_mode)) {
		uint64_t range[2] = {off, len};

		/*
		 * Zeroes that may unmap first: a thin device (a LUN of a SAN,
		 * a loop device over a sparse file) gives the space back,
		 * where BLKZEROOUT would allocate all of it.
		 */
		if (!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       (off_t)off, (off_t)len))
			return 0;
		if (!ioctl(fd, BLKZEROOUT, range))
			return 0;
		if (!unsupported(errno))
			return -errno;
	} else if (m == ZERO_AUTO && S_ISREG(st.st_mode)) {
		/*
		 * A hole reads as zeroes and gives the space back: file-backed
		 * disks stay sparse (zero-range would allocate every block).
		 */
		if (!fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       (off_t)off, (off_t)len) ||
		    !fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			       (off_t)off, (off_t)len))
			return fdatasync(fd) ? -errno : 0;
		if (!unsupported(errno))
			return -errno;
	}
	return zero_write(fd, off, len, stop);
}
