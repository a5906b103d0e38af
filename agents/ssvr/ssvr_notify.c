/* Reports from the storage server to the manager, retried with back-off. */
#include "ssvr_priv.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "vas/client.h"
#include "vas/log.h"

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

int notify_badblocks(const struct ssvr_cfg *cfg, uint32_t pdskid,
		     const int32_t *blocks, int n, atomic_bool *stop)
{
	long delay_ms = 1000;
	int ret;

	for (;;) {
		struct vas_client *c = NULL;

		ret = vas_client_from_conf(cfg->conf, (int)cfg->rpc_timeout_ms,
					   &c);
		if (!ret)
			ret =
			    vas_notify_badblocks(c, (int32_t)pdskid, blocks, n);
		vas_client_free(c);
		if (!ret) {
			log_info("pdsk-%08x: reported %d bad block(s), first "
				 "vb %d",
				 pdskid, n, blocks[0]);
			return 0;
		}
		log_err("pdsk-%08x: notifyBadBlocks failed: %s", pdskid,
			strerror(-ret));
		if (permanent(ret) || !ssvr_sleep(stop, delay_ms))
			return ret;
		delay_ms *= 2;
		if (delay_ms > cfg->retry_max_s * 1000)
			delay_ms = cfg->retry_max_s * 1000;
	}
}
