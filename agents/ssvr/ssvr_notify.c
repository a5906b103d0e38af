/* Reports from the storage server to the manager, retried with back-off. */
#include "ssvr_priv.h"

#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"

bool ssvr_sleep(atomic_bool *stop, long ms)
{
	struct timespec ts = {0, 50 * 1000 * 1000};

	for (; ms > 0; ms -= 50) {
		if (stop && atomic_load(stop))
			return false;
		nanosleep(&ts, NULL);
	}
	return !(stop && atomic_load(stop));
}

/* Faults that will not change by retrying. */
static bool permanent(int ret)
{
	return ret == -EINVAL || ret == -ENOENT || ret == -EPROTO ||
	       ret == -ENOMEM;
}

/* One report: bad blocks when n > 0, else the whole disk failed. */
static int report(const struct ssvr_cfg *cfg, uint32_t pdskid,
		  const int32_t *blocks, int n)
{
	struct vas_client *c = NULL;
	int ret;

	ret = vas_client_from_conf(cfg->conf, (int)cfg->rpc_timeout_ms, &c);
	if (!ret)
		ret = n ? vas_notify_badblocks(c, (int32_t)pdskid, blocks, n)
			: vas_notify_failure(c, TARGET_PDSK, (int32_t)pdskid);
	vas_client_free(c);
	return ret;
}

/* Retries a report with back-off until it is taken or stop is set. */
static int report_retried(const struct ssvr_cfg *cfg, uint32_t pdskid,
			  const int32_t *blocks, int n, atomic_bool *stop)
{
	const char *what = n ? "notifyBadBlocks" : "notifyFailure(PDSK)";
	long delay_ms = 1000;
	int ret;

	for (;;) {
		ret = report(cfg, pdskid, blocks, n);
		if (!ret) {
			if (n)
				log_info("pdsk-%08x: reported %d bad block(s), "
					 "first vb %d",
					 pdskid, n, blocks[0]);
			else
				log_warn("pdsk-%08x: reported failed to the "
					 "manager",
					 pdskid);
			return 0;
		}
		log_err("pdsk-%08x: %s failed: %s", pdskid, what,
			strerror(-ret));
		if (permanent(ret) || !ssvr_sleep(stop, delay_ms))
			return ret;
		delay_ms *= 2;
		if (delay_ms > cfg->retry_max_s * 1000)
			delay_ms = cfg->retry_max_s * 1000;
	}
}

int notify_badblocks(const struct ssvr_cfg *cfg, uint32_t pdskid,
		     const int32_t *blocks, int n, atomic_bool *stop)
{
	return n > 0 ? report_retried(cfg, pdskid, blocks, n, stop) : 0;
}

int notify_disk_failed(const struct ssvr_cfg *cfg, uint32_t pdskid,
		       atomic_bool *stop)
{
	return report_retried(cfg, pdskid, NULL, 0, stop);
}

bool disk_failed_err(int err)
{
	/* The device itself, not our setup: gone, offline, or no medium. */
	return err == -ENXIO || err == -ENODEV || err == -EIO ||
	       err == -ENOMEDIUM || err == -ERANGE || err == -ENOENT;
}

bool disk_dead(int fd, uint64_t size)
{
	void *buf = NULL;
	uint64_t offs[2] = {0, size >= 8192 ? size - 4096 : 0};
	int i, failed = 0;

	if (posix_memalign(&buf, 4096, 4096))
		return false;
	for (i = 0; i < 2; i++)
		if (pread(fd, buf, 4096, (off_t)offs[i]) < 0 && errno == EIO)
			failed++;
	free(buf);
	return failed == 2;
}
