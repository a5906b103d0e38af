/*
 * The head server's one exec layer: every external command (iscsiadm,
 * dmsetup, mdadm, blockdev, udevadm, multipath, scsi_id) goes through
 * hx_run(), which records it and hands it to the configured device back
 * end: "kernel" (the real tools, paths from vas.conf) or "simulated"
 * (sim_backend.c, for kernels without dm/md/iSCSI).
 */
#ifndef HSVR_HX_H
#define HSVR_HX_H

#include <limits.h>
#include <pthread.h>

#include "hsvr_cmd.h"
#include "vas/conf.h"

struct hx;

/* Why a command failed, as the caller may report it. */
#define HX_WHY_MAX 400

struct hx_backend {
	const char *name;
	/*
	 * Runs one command; *out (may be NULL) receives stdout, caller
	 * frees. 0, -EIO for a non-zero exit (why: "exit N: <stderr>"), or
	 * another -errno. Logging is the caller's (hx_run).
	 */
	int (*run)(struct hx *hx, const char *const argv[], char **out,
		   char *why, size_t why_len);
	/* Current /proc/mdstat text into *out (caller frees). */
	int (*mdstat)(struct hx *hx, char **out);
	/* Text of /proc/mounts into *out (caller frees). */
	int (*mounts)(struct hx *hx, char **out);
};

struct hx {
	const struct hx_backend *be;
	const struct vas_conf *conf; /* borrowed, outlives hx */
	char state_dir[PATH_MAX];
	char root[PATH_MAX]; /* device root: "" or <state_dir>/sim */
	char record_file[PATH_MAX];
	int timeout_ms;
	pthread_mutex_t lock; /* recording; the simulated state */
	/* simulated back end only */
	long sim_resync_ms;
	long long sim_disk_sectors;
	char sim_fail[256]; /* a command line containing this fails */
};

/* Reads [hsvr_agent] device_backend etc. 0, -EINVAL, -ENOMEM. */
int hx_new(const struct vas_conf *conf, const char *state_dir, struct hx **out);
void hx_free(struct hx *hx);
/*
 * Runs c (see struct hx_backend.run); -E2BIG when c overflowed. A failure
 * is logged and becomes this thread's last error (hx_last_error).
 */
int hx_run(struct hx *hx, const struct cmdline *c, char **out);
/*
 * The same for a command whose failure is an expected answer (a map that
 * does not exist yet): logged at DEBUG, not kept as the last error.
 */
int hx_probe(struct hx *hx, const struct cmdline *c, char **out);
/*
 * The calling thread's last failed command: "<argv>: exit N: <stderr>",
 * "" when none since hx_clear_error(). An operation reports it as its
 * cause (tool, exit code, stderr).
 */
const char *hx_last_error(void);
void hx_clear_error(void);
/* Sets the last error from a failed step that ran no command. */
void hx_set_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hx_mdstat(struct hx *hx, char **out);
int hx_mounts(struct hx *hx, char **out);

/* Reads a whole small file into a NUL-terminated heap buffer. */
int hx_read_file(const char *path, char **out);
/* Writes a file atomically with mode 0600 (tmp + rename). */
int hx_write_file(const char *path, const char *text);
/* mkdir -p with mode 0755. */
int hx_mkdirs(const char *path);

extern const struct hx_backend hx_kernel_backend;
extern const struct hx_backend hx_sim_backend;

#endif
