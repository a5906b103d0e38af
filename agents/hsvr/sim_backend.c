/*
 * The "simulated" device back end: a stand-in for dm, md and the iSCSI
 * initiator on kernels without them (sim_priv.h: one file per tool).
 * All state changes happen under hx->lock.
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
