/*
 * Simulated dmsetup: create from a table file, load (an inactive table,
 * live at the next resume), remove, suspend, resume, info, table.
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

/* ---- dmsetup ---- */

static int sim_dm_create(struct hx *hx, const char *const argv[])
{
	int ro = arg_index(argv, "--readonly") != 0;
	const char *name = argv[2 + ro], *file = name ? argv[3 + ro] : NULL;
	char *text = NULL, *lines[SIM_MAX_TABLE], *line, *save = NULL;
	int n = 0, ret;

	if (!file)
		return -EINVAL;
	ret = hx_read_file(file, &text);
	if (ret)
		return SIM_EXIT;
	for (line = strtok_r(text, "\n", &save); line && n < SIM_MAX_TABLE;
	     line = strtok_r(NULL, "\n", &save))
		lines[n++] = line;
	ret = n ? sim_dm_add(hx, name, NULL, lines, n, ro) : SIM_EXIT;
	free(text);
	return ret;
}

/* Where a loaded table waits for its resume: <root>/inactive/<kname>. */
static int inactive_path(struct hx *hx, const struct sim_dev *d, char *buf,
			 size_t len)
{
	return spath(hx, buf, len, "inactive", d->kname);
}

static int sim_dm_load(struct hx *hx, struct sim_dev *d, const char *file)
{
	char path[PATH_MAX], *text = NULL, *lines[SIM_MAX_TABLE], *line;
	char *save = NULL;
	struct sim_dev check = *d;
	int n = 0, ret;

	if (!file || hx_read_file(file, &text))
		return SIM_EXIT;
	ret = spath(hx, path, sizeof(path), "inactive", NULL);
	if (!ret)
		ret = hx_mkdirs(path);
	if (!ret)
		ret = inactive_path(hx, d, path, sizeof(path));
	if (!ret)
		ret = hx_write_file(path, text);
	for (line = strtok_r(text, "\n", &save); !ret && line;
	     line = strtok_r(NULL, "\n", &save))
		if (n++ < SIM_MAX_TABLE)
			lines[n - 1] = line;
	/* The kernel checks a table at load time. */
	if (!ret && (!n || sim_dm_set_table(hx, &check, lines, n))) {
		unlink(path);
		ret = SIM_EXIT;
	}
	free(text);
	return ret;
}

/* A resume makes a loaded table live. */
static int sim_dm_resume(struct hx *hx, struct sim_dev *d)
{
	char path[PATH_MAX], *text = NULL, *lines[SIM_MAX_TABLE], *line;
	char *save = NULL;
	int n = 0, ret;

	d->suspended = 0;
	ret = inactive_path(hx, d, path, sizeof(path));
	if (!ret && !hx_read_file(path, &text)) {
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			if (n++ < SIM_MAX_TABLE)
				lines[n - 1] = line;
		ret = sim_dm_set_table(hx, d, lines, n);
		unlink(path);
		free(text);
	}
	return ret ? ret : sim_save(hx, d);
}

int sim_dmsetup(struct hx *hx, const char *const argv[], char **out)
{
	const char *op = argv[1];
	struct sim_dev *d;
	int ret = 0;

	if (!op)
		return -EINVAL;
	if (!strcmp(op, "create"))
		return sim_dm_create(hx, argv);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (!strcmp(op, "info")) {
		const char *uuid = arg_after(argv, "-u");
		const char *field = arg_after(argv, "-o");
		char text[160];
		int last = 1;

		while (argv[last + 1])
			last++;
		if (!field || sim_find_dm(hx, uuid ? uuid : argv[last],
					  uuid != NULL, d)) {
			ret = SIM_EXIT;
			goto out;
		}
		if (!strcmp(field, "open"))
			snprintf(text, sizeof(text), "%d",
				 d->open + sim_holders(hx, d));
		else
			snprintf(text, sizeof(text), "%s", d->name);
		ret = set_out(out, text);
		goto out;
	}
	if (!argv[2] || sim_find_dm(hx, argv[2], 0, d)) {
		log_err("simulated dmsetup %s: %s: no such device", op,
			argv[2] ? argv[2] : "");
		ret = SIM_EXIT;
		goto out;
	}
	if (!strcmp(op, "remove")) {
		if (sim_busy(hx, d)) {
			log_err("simulated dmsetup remove %s: busy", d->name);
			ret = SIM_EXIT;
		} else {
			ret = sim_dev_unlink(hx, d);
		}
	} else if (!strcmp(op, "suspend")) {
		d->suspended = 1;
		ret = sim_save(hx, d);
	} else if (!strcmp(op, "resume")) {
		ret = sim_dm_resume(hx, d);
	} else if (!strcmp(op, "load")) {
		ret = sim_dm_load(hx, d, argv[3]);
	} else if (!strcmp(op, "table")) {
		char text[SIM_MAX_TABLE * 512] = "";
		size_t used = 0;
		int i;

		for (i = 0; i < d->ntable; i++)
			used += (size_t)snprintf(text + used,
						 sizeof(text) - used, "%s%s",
						 i ? "\n" : "", d->table[i]);
		ret = set_out(out, text);
	} else {
		ret = -EINVAL;
	}
out:
	free(d);
	return ret;
}
