/* Simulated dmsetup: create from a table file, remove, suspend, info. */
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
			snprintf(text, sizeof(text), "%d", d->open);
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
	} else if (!strcmp(op, "suspend") || !strcmp(op, "resume")) {
		d->suspended = !strcmp(op, "suspend");
		ret = sim_save(hx, d);
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
