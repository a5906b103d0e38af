/* Simulated md: mdadm create/assemble/manage/stop, blockdev, mdstat. */
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

/* ---- md ---- */

static int sim_md_build(struct hx *hx, const char *const argv[], int create)
{
	const char *md = argv[2];
	struct sim_dev *d = NULL;
	char k[32], target[PATH_MAX];
	struct stat st;
	long long min = 0;
	int i, ret = 0, role = 0, raid = 0;

	if (!md || strncmp(md, hx->root, strlen(hx->root)))
		return -EINVAL;
	if (!lstat(md, &st)) {
		log_err("simulated mdadm: %s exists", md);
		return SIM_EXIT;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	snprintf(d->kind, sizeof(d->kind), "md");
	for (i = 3; argv[i]; i++) {
		struct sim_dev m;

		if (!strncmp(argv[i], "--raid-devices=", 15))
			raid = atoi(argv[i] + 15);
		if (argv[i][0] == '-')
			continue;
		if (sim_resolve(hx, argv[i], k, sizeof(k)) ||
		    sim_load(hx, k, &m) || sim_busy(hx, &m) ||
		    d->nmem == SIM_MAX_MEMBER) {
			log_err("simulated mdadm: cannot use %s", argv[i]);
			ret = SIM_EXIT;
			goto out;
		}
		if (!min || m.size < min)
			min = m.size;
		snprintf(d->mem[d->nmem].kname, sizeof(d->mem[0].kname), "%s",
			 k);
		d->mem[d->nmem].role = role++;
		snprintf(d->mem[d->nmem].state, sizeof(d->mem[0].state),
			 "in_sync");
		d->nmem++;
	}
	d->raid_disks = create ? raid : d->nmem;
	if (!d->nmem || d->raid_disks < d->nmem) {
		ret = SIM_EXIT;
		goto out;
	}
	d->size = md090_size_sectors(min);
	ret = sim_new_kname(hx, "md", d->kname, sizeof(d->kname));
	if (!ret)
		ret = sim_save(hx, d);
	if (!ret && spath(hx, target, sizeof(target), "dev", d->kname))
		ret = -ENAMETOOLONG;
	if (!ret)
		ret = sim_link(md, target);
out:
	free(d);
	return ret;
}

static int sim_md_manage(struct hx *hx, struct sim_dev *d, const char *op,
			 const char *dev)
{
	char k[32];
	int i, used[SIM_MAX_MEMBER] = {0}, role = 0;

	if (!dev || sim_resolve(hx, dev, k, sizeof(k)))
		return SIM_EXIT;
	for (i = 0; i < d->nmem; i++) {
		if (d->mem[i].role < SIM_MAX_MEMBER)
			used[d->mem[i].role] = 1;
		if (strcmp(d->mem[i].kname, k))
			continue;
		if (!strcmp(op, "--fail")) {
			snprintf(d->mem[i].state, sizeof(d->mem[i].state),
				 "faulty");
			return sim_save(hx, d);
		}
		if (!strcmp(op, "--remove")) {
			if (!strcmp(d->mem[i].state, "in_sync"))
				return SIM_EXIT; /* busy: fail it first */
			d->mem[i] = d->mem[--d->nmem];
			return sim_save(hx, d);
		}
		return SIM_EXIT; /* --add of a member */
	}
	if (strcmp(op, "--add") || d->nmem == SIM_MAX_MEMBER)
		return SIM_EXIT;
	while (role < SIM_MAX_MEMBER - 1 && used[role])
		role++;
	snprintf(d->mem[d->nmem].kname, sizeof(d->mem[0].kname), "%s", k);
	d->mem[d->nmem].role = role;
	snprintf(d->mem[d->nmem].state, sizeof(d->mem[0].state), "recovering");
	d->mem[d->nmem].t_ms = now_ms();
	d->nmem++;
	return sim_save(hx, d);
}

int sim_mdadm(struct hx *hx, const char *const argv[], char **out)
{
	struct sim_dev *d;
	const char *md;
	char k[32];
	int ret;

	(void)out;
	if (!argv[1] || !argv[2])
		return -EINVAL;
	if (!strcmp(argv[1], "--create"))
		return sim_md_build(hx, argv, 1);
	if (!strcmp(argv[1], "--assemble"))
		return sim_md_build(hx, argv, 0);
	md = argv[2];
	if (sim_resolve(hx, md, k, sizeof(k)))
		return SIM_EXIT;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	ret = sim_load(hx, k, d);
	if (ret) {
		ret = SIM_EXIT;
	} else if (!strcmp(argv[1], "-S")) {
		ret = sim_busy(hx, d) ? SIM_EXIT : sim_dev_unlink(hx, d);
		if (!ret)
			unlink(md);
	} else if (!strcmp(argv[1], "--manage") && argv[3]) {
		ret = sim_md_manage(hx, d, argv[3], argv[4]);
	} else {
		ret = -EINVAL;
	}
	free(d);
	return ret;
}

int sim_blockdev(struct hx *hx, const char *const argv[], char **out)
{
	struct sim_dev d;
	char k[32], text[32];

	if (!argv[1] || !argv[2] || sim_resolve(hx, argv[2], k, sizeof(k)) ||
	    sim_load(hx, k, &d))
		return SIM_EXIT;
	snprintf(text, sizeof(text), "%lld", d.size);
	return set_out(out, text);
}

static int mdstat_cb(struct hx *hx, struct sim_dev *d, void *arg)
{
	char *text = arg, status[SIM_MAX_MEMBER + 1];
	size_t used = strlen(text), cap = 65536;
	long long now = now_ms(), done = 0;
	int i, changed = 0, up = 0, recovering = 0;

	if (strcmp(d->kind, "md"))
		return 0;
	memset(status, '_', sizeof(status));
	for (i = 0; i < d->nmem; i++) {
		struct sim_member *m = &d->mem[i];

		if (!strcmp(m->state, "recovering") &&
		    now - m->t_ms >= hx->sim_resync_ms) {
			snprintf(m->state, sizeof(m->state), "in_sync");
			changed = 1;
		}
		if (!strcmp(m->state, "recovering")) {
			recovering = 1;
			done = hx->sim_resync_ms
				   ? (now - m->t_ms) * 1000 / hx->sim_resync_ms
				   : 0;
		}
		if (!strcmp(m->state, "in_sync") && m->role < d->raid_disks) {
			status[m->role] = 'U';
			up++;
		}
	}
	if (changed)
		sim_save(hx, d);
	status[d->raid_disks < SIM_MAX_MEMBER ? d->raid_disks
					      : SIM_MAX_MEMBER] = '\0';
	used += (size_t)snprintf(text + used, cap - used, "%s : active raid1",
				 d->kname);
	for (i = 0; i < d->nmem; i++)
		used += (size_t)snprintf(
		    text + used, cap - used, " %s[%d]%s", d->mem[i].kname,
		    d->mem[i].role,
		    !strcmp(d->mem[i].state, "faulty") ? "(F)" : "");
	used += (size_t)snprintf(text + used, cap - used,
				 "\n      %lld blocks [%d/%d] [%s]\n",
				 d->size / 2, d->raid_disks, up, status);
	if (recovering)
		used += (size_t)snprintf(
		    text + used, cap - used,
		    "      [>....................]  recovery = %lld.%lld%% "
		    "(%lld/%lld) finish=0.1min speed=100000K/sec\n",
		    done / 10, done % 10, d->size / 2 * done / 1000,
		    d->size / 2);
	snprintf(text + used, cap - used,
		 "      bitmap: 0/1 pages [0KB], 65536KB chunk\n\n");
	return used + 200 < cap ? 0 : -E2BIG;
}

int sim_mdstat_locked(struct hx *hx, char **out)
{
	char path[PATH_MAX], *text;
	int ret;

	text = calloc(1, 65536);
	if (!text)
		return -ENOMEM;
	snprintf(text, 65536, "Personalities : [raid1] \n");
	ret = sim_each(hx, mdstat_cb, text);
	if (!ret)
		snprintf(text + strlen(text), 65536 - strlen(text),
			 "unused devices: <none>\n");
	if (!ret)
		ret = spath(hx, path, sizeof(path), "proc", NULL);
	if (!ret)
		ret = hx_mkdirs(path);
	if (!ret)
		ret = spath(hx, path, sizeof(path), "proc", "mdstat");
	if (!ret)
		ret = hx_write_file(path, text);
	if (!ret && out) {
		*out = text;
		text = NULL;
	}
	free(text);
	return ret;
}
