/*
 * LD_PRELOAD fault injection for the storage-server tests: I/O through a
 * descriptor of the file named by $VAS_EIO_FILE that covers byte
 * $VAS_EIO_OFFSET fails with EIO (pread/pwrite, fallocate, BLKZEROOUT), as
 * a bad sector would. Everything else passes through.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static bool hit(int fd, long long off, long long len)
{
	const char *file = getenv("VAS_EIO_FILE");
	const char *bad_s = getenv("VAS_EIO_OFFSET");
	char link[64], path[4096];
	long long bad;
	ssize_t n;

	if (!file || !bad_s)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		return false;
	path[n] = '\0';
	bad = atoll(bad_s);
	return !strcmp(path, file) && off <= bad && bad < off + len;
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	if (hit(fd, off, (long long)n)) {
		errno = EIO;
		return -1;
	}
	return REAL(pwrite)(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	if (hit(fd, off, (long long)n)) {
		errno = EIO;
		return -1;
	}
	return REAL(pread)(fd, buf, n, off);
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}

int fallocate(int fd, int mode, off_t off, off_t len)
{
	if (hit(fd, off, len)) {
		errno = EIO;
		return -1;
	}
	return REAL(fallocate)(fd, mode, off, len);
}

int fallocate64(int fd, int mode, off_t off, off_t len)
{
	return fallocate(fd, mode, off, len);
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (req == BLKZEROOUT) {
		const uint64_t *r = arg;

		if (hit(fd, (long long)r[0], (long long)r[1])) {
			errno = EIO;
			return -1;
		}
	}
	return REAL(ioctl)(fd, req, arg);
}
