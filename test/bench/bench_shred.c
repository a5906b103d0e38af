/*
 * Shred throughput next to plain sequential write speed on the same
 * device, in the same run:
 *   bench_shred PATH [MIB]
 * PATH is a block device or a file (created sparse when missing, removed
 * afterwards). Writes MIB MiB (default 2048) three ways: O_DIRECT pattern
 * writes (the baseline, after one untimed warm-up pass), the agent's shred
 * (BLKZEROOUT / fallocate when available) and the shred's O_DIRECT fallback.
 * Prints MiB/s and the ratio to the baseline. Exit 1 on an I/O error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ssvr_priv.h"
#include "vas/log.h"

#define BUF_BYTES (8 * SSVR_MIB)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int plain_write(int fd, uint64_t len)
{
	void *buf;
	uint64_t off;

	if (posix_memalign(&buf, 4096, BUF_BYTES))
		return -ENOMEM;
	memset(buf, 0x5a, BUF_BYTES);
	for (off = 0; off < len; off += BUF_BYTES)
		if (pwrite(fd, buf, BUF_BYTES, (off_t)off) != BUF_BYTES) {
			free(buf);
			return -EIO;
		}
	free(buf);
	return fdatasync(fd) ? -errno : 0;
}

/* Seconds taken by one method over [0, len); negative on error. */
static double run(int fd, uint64_t len, int method)
{
	double t = now();
	int ret;

	if (method < 0)
		ret = plain_write(fd, len);
	else
		ret = zero_range(fd, 0, len, (enum zero_method)method, NULL);
	if (ret) {
		fprintf(stderr, "I/O error: %s\n", strerror(-ret));
		return -1;
	}
	return now() - t;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int method;
	} modes[] = {
	    {"sequential write (baseline)", -1},
	    {"shred (BLKZEROOUT/fallocate)", ZERO_AUTO},
	    {"shred (O_DIRECT fallback)", ZERO_WRITE},
	};
	uint64_t len, size = 0;
	bool created = false;
	double base = 0;
	struct stat st;
	int fd, i, ret = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH [MIB]\n", argv[0]);
		return 2;
	}
	log_init(argv[0], LOG_LVL_WARN, 0);
	len = (uint64_t)(argc > 2 ? atol(argv[2]) : 2048) * SSVR_MIB;
	len -= len % BUF_BYTES;
	if (stat(argv[1], &st) && errno == ENOENT) {
		fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)len)) {
			perror(argv[1]);
			return 1;
		}
		close(fd);
		created = true;
	}
	fd = open(argv[1], O_WRONLY | O_DIRECT);
	if (fd < 0 || zero_size_fd(fd, &size) || size < len || !len) {
		fprintf(stderr, "%s: cannot open or smaller than %llu bytes\n",
			argv[1], (unsigned long long)len);
		return 1;
	}
	printf("%s: %llu MiB per run\n", argv[1],
	       (unsigned long long)(len / SSVR_MIB));
	/* Warm-up: allocate a sparse backing file so runs compare fairly. */
	if (run(fd, len, -1) < 0)
		return 1;
	for (i = 0; i < 3 && !ret; i++) {
		double s = run(fd, len, modes[i].method);
		double mibs = (double)len / SSVR_MIB / s;

		if (s < 0) {
			ret = 1;
			break;
		}
		if (modes[i].method < 0)
			base = mibs;
		printf("%-30s %10.1f MiB/s  %6.1f%% of sequential write\n",
		       modes[i].name, mibs, 100.0 * mibs / base);
	}
	close(fd);
	if (created)
		unlink(argv[1]);
	return ret;
}
