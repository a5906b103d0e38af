/* The exec layer: recording, back-end choice, the kernel back end. */
#include "hx.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vas/exec.h"
#include "vas/log.h"

#define SEC "hsvr_agent"
/* Not in PATH on Debian. */
#define SCSI_ID_DEFAULT "/lib/udev/scsi_id"

/* One JSON array of strings per line: easy to read from tests. */
static void record(struct hx *hx, const char *const argv[])
{
	FILE *f;
	int i;

	if (!hx->record_file[0])
		return;
	pthread_mutex_lock(&hx->lock);
	f = fopen(hx->record_file, "ae");
	if (!f) {
		log_warn("cannot append to %s: %s", hx->record_file,
			 strerror(errno));
		goto out;
	}
	fputc('[', f);
	for (i = 0; argv[i]; i++) {
		const char *s;

		fputs(i ? ", \"" : "\"", f);
		for (s = cmd_secret_arg(argv, i) ? "***" : argv[i]; *s; s++) {
			if (*s == '"' || *s == '\\')
				fprintf(f, "\\%c", *s);
			else if ((unsigned char)*s < 0x20)
				fprintf(f, "\\u%04x", *s);
			else
				fputc(*s, f);
		}
		fputc('"', f);
	}
	fputs("]\n", f);
	fclose(f);
out:
	pthread_mutex_unlock(&hx->lock);
}

static _Thread_local char last_error[HX_WHY_MAX + 256];

const char *hx_last_error(void)
{
	return last_error;
}

void hx_clear_error(void)
{
	last_error[0] = '\0';
}

void hx_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

static int run(struct hx *hx, const struct cmdline *c, char **out, int probe)
{
	char line[1024], why[HX_WHY_MAX] = "";
	int ret;

	if (out)
		*out = NULL;
	if (c->overflow) {
		log_err("command line of %s too long", c->argv[0]);
		return -E2BIG;
	}
	record(hx, c->argv);
	if (cmd_join(c->argv, line, sizeof(line)))
		snprintf(line + sizeof(line) - 5, 5, "...");
	log_debug("run: %s", line);
	ret = hx->be->run(hx, c->argv, out, why, sizeof(why));
	if (!ret)
		return 0;
	if (!why[0])
		snprintf(why, sizeof(why), "%s", strerror(-ret));
	if (probe) {
		log_debug("'%s': %s", line, why);
		return ret;
	}
	log_err("'%s': %s", line, why);
	snprintf(last_error, sizeof(last_error), "%.200s: %s", line, why);
	return ret;
}

int hx_run(struct hx *hx, const struct cmdline *c, char **out)
{
	return run(hx, c, out, 0);
}

int hx_probe(struct hx *hx, const struct cmdline *c, char **out)
{
	return run(hx, c, out, 1);
}

int hx_mdstat(struct hx *hx, char **out)
{
	return hx->be->mdstat(hx, out);
}

int hx_mounts(struct hx *hx, char **out)
{
	return hx->be->mounts(hx, out);
}

static int kernel_run(struct hx *hx, const char *const argv[], char **out,
		      char *why, size_t why_len)
{
	const char *args[CMD_MAX_ARGS + 1];
	struct exec_result res;
	int i, ret;

	/* Tool paths from vas.conf, e.g. "dmsetup = /sbin/dmsetup". */
	args[0] = conf_get_str(hx->conf, SEC, argv[0],
			       strcmp(argv[0], "scsi_id") ? argv[0]
							  : SCSI_ID_DEFAULT);
	for (i = 1; argv[i] && i < CMD_MAX_ARGS; i++)
		args[i] = argv[i];
	args[i] = NULL;
	ret = vas_exec(args, hx->timeout_ms, NULL, &res);
	if (ret) {
		snprintf(why, why_len, "%s: %s", args[0], strerror(-ret));
		return ret;
	}
	if (res.status) {
		size_t n = strlen(res.err);

		while (n && (res.err[n - 1] == '\n' || res.err[n - 1] == ' '))
			res.err[--n] = '\0';
		snprintf(why, why_len, "exit %d: %s", res.status,
			 n ? res.err : res.out);
		exec_result_free(&res);
		return -EIO;
	}
	if (out) {
		size_t n = strlen(res.out);

		while (n && (res.out[n - 1] == '\n' || res.out[n - 1] == ' '))
			res.out[--n] = '\0';
		*out = res.out;
		res.out = NULL;
	}
	exec_result_free(&res);
	return 0;
}

static int kernel_mdstat(struct hx *hx, char **out)
{
	(void)hx;
	return hx_read_file("/proc/mdstat", out);
}

static int kernel_mounts(struct hx *hx, char **out)
{
	(void)hx;
	return hx_read_file("/proc/mounts", out);
}

const struct hx_backend hx_kernel_backend = {
    .name = "kernel",
    .run = kernel_run,
    .mdstat = kernel_mdstat,
    .mounts = kernel_mounts,
};

int hx_new(const struct vas_conf *conf, const char *state_dir, struct hx **out)
{
	const char *be = conf_get_str(conf, SEC, "device_backend", "kernel");
	const char *rec = conf_get_str(conf, SEC, "record_file", "");
	char dev[PATH_MAX];
	struct hx *hx;
	long v;
	int ret;

	hx = calloc(1, sizeof(*hx));
	if (!hx)
		return -ENOMEM;
	pthread_mutex_init(&hx->lock, NULL);
	hx->conf = conf;
	ret = -EINVAL;
	if (snprintf(hx->state_dir, sizeof(hx->state_dir), "%s", state_dir) >=
		(int)sizeof(hx->state_dir) ||
	    snprintf(hx->record_file, sizeof(hx->record_file), "%s", rec) >=
		(int)sizeof(hx->record_file))
		goto fail;
	ret = conf_get_long(conf, SEC, "exec_timeout_ms", 120000, 100, 3600000,
			    &v);
	if (ret)
		goto fail;
	hx->timeout_ms = (int)v;
	if (!strcmp(be, "kernel")) {
		hx->be = &hx_kernel_backend;
	} else if (!strcmp(be, "simulated")) {
		hx->be = &hx_sim_backend;
		ret = -ENAMETOOLONG;
		if (snprintf(hx->root, sizeof(hx->root), "%s/sim", state_dir) >=
		    (int)sizeof(hx->root))
			goto fail;
		ret = conf_get_long(conf, SEC, "sim_resync_ms", 2000, 0,
				    3600000, &hx->sim_resync_ms);
		if (!ret)
			ret = conf_get_long(conf, SEC, "sim_disk_gib", 1024, 1,
					    1L << 20, &v);
		if (ret)
			goto fail;
		hx->sim_disk_sectors = v * 2097152LL;
		snprintf(hx->sim_fail, sizeof(hx->sim_fail), "%s",
			 conf_get_str(conf, SEC, "sim_fail_command", ""));
		ret = -ENAMETOOLONG;
		if (snprintf(dev, sizeof(dev), "%s/dev/mapper", hx->root) <
		    (int)sizeof(dev))
			ret = hx_mkdirs(dev);
		if (ret)
			goto fail;
	} else {
		log_err("[%s] device_backend: unknown value '%s'", SEC, be);
		ret = -EINVAL;
		goto fail;
	}
	*out = hx;
	return 0;
fail:
	hx_free(hx);
	return ret;
}

void hx_free(struct hx *hx)
{
	if (!hx)
		return;
	pthread_mutex_destroy(&hx->lock);
	free(hx);
}
