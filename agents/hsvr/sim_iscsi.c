/* Simulated open-iscsi (node records, sessions, by-path links), scsi_id. */
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

/* ---- iSCSI initiator, scsi_id, multipath ---- */

static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int sim_node_dir(struct hx *hx, const char *iqn, char *buf, size_t len)
{
	return spath(hx, buf, len, "var/lib/iscsi/nodes", iqn);
}

static int sim_session_file(struct hx *hx, const char *iqn, char *buf,
			    size_t len)
{
	return spath(hx, buf, len, "var/lib/iscsi/sessions", iqn);
}

static int sim_login(struct hx *hx, const char *iqn)
{
	char dir[PATH_MAX], sess[PATH_MAX], link[PATH_MAX], target[64];
	char list[1024] = "";
	struct sim_dev *d = NULL;
	struct dirent *e;
	struct stat st;
	DIR *dh;
	int ret = 0, n = 0;

	if (sim_node_dir(hx, iqn, dir, sizeof(dir)) ||
	    sim_session_file(hx, iqn, sess, sizeof(sess)))
		return -ENAMETOOLONG;
	if (!stat(sess, &st)) {
		log_err("simulated iscsiadm: session to %s already present",
			iqn);
		return SIM_EXIT;
	}
	dh = opendir(dir);
	if (!dh) {
		log_err("simulated iscsiadm: no records found for %s", iqn);
		return SIM_EXIT;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		closedir(dh);
		return -ENOMEM;
	}
	while (!ret && (e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue;
		memset(d, 0, sizeof(*d));
		snprintf(d->kind, sizeof(d->kind), "sd");
		d->size = hx->sim_disk_sectors;
		snprintf(d->wwid, sizeof(d->wwid), "36001405%016llx",
			 fnv1a(iqn));
		snprintf(d->iqn, sizeof(d->iqn), "%s", iqn);
		ret = sim_new_kname(hx, "sd", d->kname, sizeof(d->kname));
		if (!ret)
			ret = sim_save(hx, d);
		snprintf(target, sizeof(target), "../../%s", d->kname);
		if (!ret &&
		    snprintf(link, sizeof(link),
			     "%s/dev/disk/by-path/ip-%s-iscsi-%s-lun-1",
			     hx->root, e->d_name, iqn) >= (int)sizeof(link))
			ret = -ENAMETOOLONG;
		if (!ret)
			ret = sim_link(link, target);
		if (!ret && strlen(list) + strlen(link) + 2 < sizeof(list)) {
			strcat(list, link);
			strcat(list, "\n");
		}
		n++;
	}
	closedir(dh);
	free(d);
	if (!ret && !n)
		ret = SIM_EXIT;
	if (!ret) {
		*strrchr(sess, '/') = '\0';
		ret = hx_mkdirs(sess);
		if (!ret && !sim_session_file(hx, iqn, sess, sizeof(sess)))
			ret = hx_write_file(sess, list);
	}
	return ret;
}

static int sim_logout(struct hx *hx, const char *iqn)
{
	char sess[PATH_MAX], *text = NULL, *line, *save = NULL;
	int ret;

	if (sim_session_file(hx, iqn, sess, sizeof(sess)))
		return -ENAMETOOLONG;
	if (hx_read_file(sess, &text)) {
		log_err("simulated iscsiadm: no session to %s", iqn);
		return SIM_EXIT;
	}
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct sim_dev d;
		char k[32];

		if (sim_resolve(hx, line, k, sizeof(k)) == 0 &&
		    sim_load(hx, k, &d) == 0)
			sim_dev_unlink(hx, &d);
		unlink(line);
	}
	free(text);
	ret = unlink(sess) ? -errno : 0;
	return ret;
}

/* -o update -T iqn -p portal -n name -v value: a line of the record. */
static int sim_update(const char *const argv[], const char *dir)
{
	const char *portal = arg_after(argv, "-p");
	const char *name = arg_after(argv, "-n");
	const char *value = arg_after(argv, "-v");
	char path[PATH_MAX], *text = NULL, *next;
	struct stat st;
	int ret;

	if (!portal || !name || !value || strchr(portal, '/') ||
	    strchr(name, '\n') || strchr(value, '\n'))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/%s", dir, portal) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (stat(path, &st)) {
		log_err("simulated iscsiadm: no records found for %s", portal);
		return SIM_EXIT;
	}
	ret = hx_read_file(path, &text);
	if (!ret && asprintf(&next, "%s%s = %s\n", text, name, value) < 0)
		ret = -ENOMEM;
	free(text);
	if (!ret) {
		ret = hx_write_file(path, next);
		free(next);
	}
	return ret;
}

int sim_iscsiadm(struct hx *hx, const char *const argv[], char **out)
{
	const char *iqn = arg_after(argv, "-T");
	const char *op = arg_after(argv, "-o");
	char dir[PATH_MAX], path[PATH_MAX];

	(void)out;
	if (!iqn || strchr(iqn, '/') || sim_node_dir(hx, iqn, dir, sizeof(dir)))
		return -EINVAL;
	if (op && !strcmp(op, "new")) {
		const char *portal = arg_after(argv, "-p");
		int ret;

		if (!portal || strchr(portal, '/'))
			return -EINVAL;
		ret = hx_mkdirs(dir);
		if (!ret && snprintf(path, sizeof(path), "%s/%s", dir,
				     portal) >= (int)sizeof(path))
			ret = -ENAMETOOLONG;
		return ret ? ret
			   : hx_write_file(path, "node.startup = manual\n");
	}
	if (op && !strcmp(op, "update"))
		return sim_update(argv, dir);
	if (op && !strcmp(op, "delete")) {
		DIR *dh = opendir(dir);
		struct dirent *e;

		if (!dh)
			return SIM_EXIT;
		while ((e = readdir(dh)))
			if (e->d_name[0] != '.' &&
			    snprintf(path, sizeof(path), "%s/%s", dir,
				     e->d_name) < (int)sizeof(path))
				unlink(path);
		closedir(dh);
		return rmdir(dir) ? -errno : 0;
	}
	if (arg_index(argv, "--login"))
		return sim_login(hx, iqn);
	if (arg_index(argv, "--logout"))
		return sim_logout(hx, iqn);
	return -EINVAL;
}

int sim_scsi_id(struct hx *hx, const char *const argv[], char **out)
{
	const char *dev = arg_after(argv, "-d");
	struct sim_dev d;
	char k[32];

	if (!dev || sim_resolve(hx, dev, k, sizeof(k)) || sim_load(hx, k, &d) ||
	    !d.wwid[0] || d.dead)
		return SIM_EXIT;
	return set_out(out, d.wwid);
}
