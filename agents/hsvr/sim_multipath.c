/* Simulated multipath with find_multipaths "strict" (Debian 12). */
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

struct mp_scan {
	char wwid[8][64];
	char paths[8][256];
	long long size[8];
	int n;
};

static int mp_scan_cb(struct hx *hx, struct sim_dev *d, void *arg)
{
	struct mp_scan *s = arg;
	int i;

	if (strcmp(d->kind, "sd"))
		return 0;
	for (i = 0; i < s->n; i++)
		if (!strcmp(s->wwid[i], d->wwid))
			break;
	if (i == s->n) {
		if (s->n == 8)
			return 0;
		snprintf(s->wwid[i], sizeof(s->wwid[i]), "%s", d->wwid);
		s->paths[i][0] = '\0';
		s->size[i] = d->size;
		s->n++;
	}
	if (strlen(s->paths[i]) + strlen(hx->root) + 48 < sizeof(s->paths[i]))
		snprintf(s->paths[i] + strlen(s->paths[i]),
			 sizeof(s->paths[i]) - strlen(s->paths[i]),
			 " %s/dev/%s", hx->root, d->kname);
	return 0;
}

/*
 * Debian 12's multipath-tools with no multipath.conf: find_multipaths
 * "strict". A bare scan builds maps only for the WWIDs listed in
 * etc/multipath/wwids; "multipath <dev>" builds that device's map and
 * lists its WWID.
 */
static int sim_wwids(struct hx *hx, const char *add, int *listed,
		     const char *want)
{
	char path[PATH_MAX], *text = NULL, line[96];
	int ret;

	if (spath(hx, path, sizeof(path), "etc/multipath", "wwids"))
		return -ENAMETOOLONG;
	ret = hx_read_file(path, &text);
	if (ret && ret != -ENOENT)
		return ret;
	if (listed) {
		snprintf(line, sizeof(line), "/%s/\n", want);
		*listed = text && strstr(text, line) != NULL;
	}
	if (add) {
		char *nt;

		snprintf(line, sizeof(line), "/%s/\n", add);
		if (text && strstr(text, line)) {
			free(text);
			return 0;
		}
		size_t n = (text ? strlen(text) : 0) + strlen(line) + 1;

		nt = calloc(1, n);
		if (!nt) {
			free(text);
			return -ENOMEM;
		}
		snprintf(nt, n, "%s%s", text ? text : "", line);
		*strrchr(path, '/') = '\0';
		ret = hx_mkdirs(path);
		if (!ret)
			ret = spath(hx, path, sizeof(path), "etc/multipath",
				    "wwids");
		if (!ret)
			ret = hx_write_file(path, nt);
		free(nt);
	}
	free(text);
	return ret < 0 ? ret : 0;
}

int sim_multipath(struct hx *hx, const char *const argv[], char **out)
{
	char want[64] = "";
	struct mp_scan *s;
	struct sim_dev d;
	int i, ret = 0, listed;

	(void)out;
	if (argv[1] && !strcmp(argv[1], "-f")) {
		if (!argv[2] || sim_find_dm(hx, argv[2], 0, &d))
			return SIM_EXIT;
		if (sim_busy(hx, &d))
			return SIM_EXIT;
		return sim_dev_unlink(hx, &d);
	}
	if (argv[1]) {
		char k[32];

		if (sim_resolve(hx, argv[1], k, sizeof(k)) ||
		    sim_load(hx, k, &d) || strcmp(d.kind, "sd"))
			return SIM_EXIT;
		snprintf(want, sizeof(want), "%s", d.wwid);
		ret = sim_wwids(hx, want, NULL, NULL);
		if (ret)
			return ret;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	sim_each(hx, mp_scan_cb, s);
	for (i = 0; i < s->n && !ret; i++) {
		char uuid[96], line[512], *lines[1] = {line};

		if (want[0] && strcmp(want, s->wwid[i]))
			continue;
		ret = sim_wwids(hx, NULL, &listed, s->wwid[i]);
		if (ret || !listed)
			continue;
		snprintf(uuid, sizeof(uuid), "mpath-%s", s->wwid[i]);
		if (!sim_find_dm(hx, uuid, 1, &d))
			continue;
		snprintf(line, sizeof(line), "0 %lld multipath%s", s->size[i],
			 s->paths[i]);
		ret = sim_dm_add(hx, s->wwid[i], uuid, lines, 1, 0);
	}
	free(s);
	return ret;
}
