/*
 * Export of physical disks as iSCSI targets (ssvr.md 6): IQN
 * iqn.<prefix>:%08x, LUN 1 backed by <state_dir>/pdsk/%08x. Only targets
 * whose IQN carries our prefix are ever touched.
 */
#include "ssvr_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vas/client.h"
#include "vas/log.h"

void export_iqn(const struct ssvr_cfg *cfg, uint32_t pdskid, char *buf,
		size_t len)
{
	snprintf(buf, len, "iqn.%s:%08x", cfg->iqn_prefix, pdskid);
}

bool export_parse_iqn(const struct ssvr_cfg *cfg, const char *iqn,
		      uint32_t *pdskid)
{
	size_t pl = strlen(cfg->iqn_prefix);
	const char *tail;
	int i;

	if (strncmp(iqn, "iqn.", 4) || strncmp(iqn + 4, cfg->iqn_prefix, pl) ||
	    iqn[4 + pl] != ':')
		return false;
	tail = iqn + 5 + pl;
	if (strlen(tail) != 8)
		return false;
	for (i = 0; i < 8; i++)
		if (!strchr("0123456789abcdef", tail[i]))
			return false;
	*pdskid = (uint32_t)strtoul(tail, NULL, 16);
	return true;
}

/* tid of our target for pdskid, 0 if none; lowest free tid in *free_tid. */
static int find_tid(const struct ssvr_cfg *cfg, uint32_t pdskid, int *tid,
		    int *free_tid)
{
	const struct target_driver *drv = target_driver_get(cfg);
	struct target_ent *ents;
	int n, i, cand, ret;

	ret = drv->list(cfg, &ents, &n);
	if (ret)
		return ret;
	*tid = 0;
	for (i = 0; i < n; i++) {
		uint32_t id;

		if (export_parse_iqn(cfg, ents[i].iqn, &id) && id == pdskid)
			*tid = ents[i].tid;
	}
	if (free_tid) {
		*free_tid = 0;
		for (cand = 1; cand <= drv->max_tid && !*free_tid; cand++) {
			for (i = 0; i < n && ents[i].tid != cand; i++)
				;
			if (i == n)
				*free_tid = cand;
		}
	}
	free(ents);
	if (free_tid && !*free_tid) {
		log_err("no free target id");
		return -ENOSPC;
	}
	return 0;
}

static int make_link(const struct ssvr_cfg *cfg, const struct ssvr_disk *d,
		     char *link, size_t len)
{
	char dir[PATH_MAX], cur[PATH_MAX];
	ssize_t l;
	int ret;

	ret = ssvr_path(dir, sizeof(dir), cfg, "pdsk");
	if (!ret)
		ret = ssvr_mkdir_p(dir);
	if (!ret)
		ret = ssvr_disk_link(cfg, d->pdskid, link, len);
	if (ret)
		return ret;
	l = readlink(link, cur, sizeof(cur) - 1);
	if (l >= 0) {
		cur[l] = '\0';
		if (!strcmp(cur, d->path))
			return 0;
	}
	if (unlink(link) && errno != ENOENT)
		return -errno;
	if (symlink(d->path, link))
		return -errno;
	return 0;
}

static int activate(const struct ssvr_cfg *cfg, const struct ssvr_disk *d)
{
	const struct target_driver *drv = target_driver_get(cfg);
	char link[PATH_MAX], iqn[SSVR_IQN_MAX + 16], id[16];
	int tid = 0, free_tid = 0, ret, ret2;
	struct stat st;

	snprintf(id, sizeof(id), "pdsk-%08x", d->pdskid);
	ret = make_link(cfg, d, link, sizeof(link));
	if (ret) {
		log_err("%s: link to %s: %s", id, d->path, strerror(-ret));
		return ret;
	}
	if (stat(link, &st) || (!S_ISBLK(st.st_mode) && !S_ISREG(st.st_mode))) {
		log_err("%s: %s is not a block device or file", id, d->path);
		return -ENODEV;
	}
	ret = ssvr_disk_save(cfg, d);
	if (ret)
		return ret;
	ret = find_tid(cfg, d->pdskid, &tid, &free_tid);
	if (ret)
		return ret;
	export_iqn(cfg, d->pdskid, iqn, sizeof(iqn));
	if (tid) {
		log_debug("%s: already exported as tid %d", id, tid);
		return 0;
	}
	ret = drv->create(cfg, free_tid, iqn, link, d->pdskid);
	if (ret) {
		/* Do not leave a half-made target behind. */
		ret2 = find_tid(cfg, d->pdskid, &tid, NULL);
		if (!ret2 && tid)
			drv->remove(cfg, tid);
		log_err("%s: export as %s failed", id, iqn);
		return ret;
	}
	log_info("%s: exported %s as %s (tid %d)", id, d->path, iqn, free_tid);
	return 0;
}

static int deactivate(const struct ssvr_cfg *cfg, uint32_t pdskid)
{
	const struct target_driver *drv = target_driver_get(cfg);
	char link[PATH_MAX];
	int tid = 0, ret;

	ret = find_tid(cfg, pdskid, &tid, NULL);
	if (!ret && tid)
		ret = drv->remove(cfg, tid);
	if (ret)
		return ret;
	ret = ssvr_disk_link(cfg, pdskid, link, sizeof(link));
	if (ret)
		return ret;
	if (unlink(link) && errno != ENOENT)
		return -errno;
	ret = ssvr_disk_remove(cfg, pdskid);
	if (!ret)
		log_info("pdsk-%08x: unexported", pdskid);
	return ret;
}

/* Adds the configured portal to tgtd unless it is already there. */
static int ensure_portal(const struct ssvr_cfg *cfg)
{
	char ctl[16], param[96], *out = NULL;
	int ret;

	if (cfg->target_type != SSVR_TARGET_TGT || !cfg->portal[0])
		return 0;
	snprintf(ctl, sizeof(ctl), "%ld", cfg->tgt_control_port);
	{
		const char *show[] = {cfg->tgtadm, "-C",   ctl,	   "--lld",
				      "iscsi",	   "--op", "show", "--mode",
				      "portal",	   NULL};

		ret = ssvr_run(cfg, show, &out);
	}
	if (ret)
		return ret;
	snprintf(param, sizeof(param), "Portal: %s,", cfg->portal);
	if (strstr(out, param)) {
		free(out);
		return 0;
	}
	free(out);
	snprintf(param, sizeof(param), "portal=%s", cfg->portal);
	{
		const char *add[] = {cfg->tgtadm, "-C",	     ctl,   "--lld",
				     "iscsi",	  "--op",    "new", "--mode",
				     "portal",	  "--param", param, NULL};

		return ssvr_run(cfg, add, NULL);
	}
}

/* Removes links in <state_dir>/pdsk/ that have no activation record. */
static void drop_stale_links(const struct ssvr_cfg *cfg,
			     const struct ssvr_disk *disks, int nd)
{
	char dir[PATH_MAX], link[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int j;

	if (ssvr_path(dir, sizeof(dir), cfg, "pdsk") || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		uint32_t id;
		char *end;

		if (strlen(de->d_name) != 8)
			continue;
		id = (uint32_t)strtoul(de->d_name, &end, 16);
		if (*end)
			continue;
		for (j = 0; j < nd && disks[j].pdskid != id; j++)
			;
		if (j < nd || ssvr_disk_link(cfg, id, link, sizeof(link)))
			continue;
		log_info("removing stale link %s", link);
		if (unlink(link))
			log_err("%s: %s", link, strerror(errno));
	}
	closedir(d);
}

enum owner { OWNER_UNKNOWN, OWNER_GONE, OWNER_KNOWN };

/*
 * A target of ours without an activation record: lost state files, or a
 * disk deleted while this agent was away. Only the manager knows which;
 * a head may be using the export, so without an answer it stays.
 * OWNER_KNOWN restores the record from the manager's local path.
 */
static enum owner ask_manager(const struct ssvr_cfg *cfg, uint32_t pdskid)
{
	struct vas_client *c = NULL;
	struct vas_pdsk_info *list = NULL;
	enum owner o = OWNER_UNKNOWN;
	struct ssvr_disk d;
	int n = 0, i, ret;

	if (!conf_get_str(cfg->conf, "storage_manager", "host_list", "")[0])
		return OWNER_UNKNOWN;
	ret = vas_client_from_conf(cfg->conf, (int)cfg->rpc_timeout_ms, &c);
	if (!ret)
		ret = vas_list_pdsks(c, 0, &list, &n);
	vas_client_free(c);
	if (ret)
		return OWNER_UNKNOWN;
	o = OWNER_GONE;
	for (i = 0; i < n; i++) {
		if ((uint32_t)list[i].pdskid != pdskid)
			continue;
		d.pdskid = pdskid;
		snprintf(d.path, sizeof(d.path), "%s", list[i].local_path);
		o = ssvr_disk_save(cfg, &d) ? OWNER_UNKNOWN : OWNER_KNOWN;
		if (o == OWNER_KNOWN)
			log_warn("pdsk-%08x: activation record restored from "
				 "the manager (%s)",
				 pdskid, d.path);
	}
	free(list);
	return o;
}

static int reconcile(const struct ssvr_cfg *cfg)
{
	const struct target_driver *drv = target_driver_get(cfg);
	struct ssvr_disk *disks = NULL;
	struct target_ent *ents = NULL;
	int nd = 0, ne = 0, i, j, ret, first = 0;

	ret = ensure_portal(cfg);
	if (ret)
		log_warn("portal %s could not be ensured", cfg->portal);
	ret = ssvr_disk_list(cfg, &disks, &nd);
	if (!ret)
		ret = drv->list(cfg, &ents, &ne);
	if (ret)
		goto out;
	for (i = 0; i < ne; i++) {
		uint32_t id;

		if (!export_parse_iqn(cfg, ents[i].iqn, &id))
			continue;
		for (j = 0; j < nd && disks[j].pdskid != id; j++)
			;
		if (j < nd)
			continue;
		switch (ask_manager(cfg, id)) {
		case OWNER_KNOWN:
			continue; /* recreated below with the others */
		case OWNER_UNKNOWN:
			log_warn("target %s has no activation record and the "
				 "manager cannot say: left as it is",
				 ents[i].iqn);
			continue;
		case OWNER_GONE:
			break;
		}
		log_info("removing stale target %s (tid %d): unknown to the "
			 "manager",
			 ents[i].iqn, ents[i].tid);
		ret = drv->remove(cfg, ents[i].tid);
		if (ret && !first)
			first = ret;
	}
	free(disks);
	disks = NULL;
	ret = ssvr_disk_list(cfg, &disks, &nd); /* with restored records */
	if (ret)
		goto out;
	drop_stale_links(cfg, disks, nd);
	for (j = 0; j < nd; j++) {
		ret = activate(cfg, &disks[j]);
		if (ret && !first)
			first = ret;
	}
	ret = first;
out:
	free(disks);
	free(ents);
	return ret;
}

/*
 * The reporter and the agent's keeper both export the same disks: one at
 * a time (flock on <state_dir>/export.lock), else both pick the same free
 * tid and the loser's cleanup removes the winner's target.
 */
static int lock_exports(const struct ssvr_cfg *cfg)
{
	char path[PATH_MAX];
	int fd, ret;

	ret = ssvr_path(path, sizeof(path), cfg, "export.lock");
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (flock(fd, LOCK_EX))
		if (errno != EINTR) {
			ret = -errno;
			close(fd);
			return ret;
		}
	return fd;
}

static void unlock_exports(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

int export_activate(const struct ssvr_cfg *cfg, const struct ssvr_disk *d)
{
	int fd = lock_exports(cfg);
	int ret = fd < 0 ? fd : activate(cfg, d);

	unlock_exports(fd);
	return ret;
}

int export_deactivate(const struct ssvr_cfg *cfg, uint32_t pdskid)
{
	int fd = lock_exports(cfg);
	int ret = fd < 0 ? fd : deactivate(cfg, pdskid);

	unlock_exports(fd);
	return ret;
}

int export_reconcile(const struct ssvr_cfg *cfg)
{
	int fd = lock_exports(cfg);
	int ret = fd < 0 ? fd : reconcile(cfg);

	unlock_exports(fd);
	return ret;
}

static const struct acl_set nobody;

/*
 * Under the export lock: account first, so no address gets in without.
 * Accounts are touched while CHAP is on, or when sweep (CHAP was just
 * turned off: they go).
 */
static int apply_locked(const struct ssvr_cfg *cfg, const struct acl_set *s,
			bool sweep)
{
	const struct target_driver *drv = target_driver_get(cfg);
	struct target_ent *ents = NULL;
	struct chap_set chap;
	int ne = 0, i, ret, first = 0;
	uint32_t id;

	if (!drv->acl)
		return 0;
	ret = chap_load(cfg, &chap);
	if (ret)
		return ret;
	ret = drv->list(cfg, &ents, &ne);
	for (i = 0; !ret && i < ne; i++) {
		if (!export_parse_iqn(cfg, ents[i].iqn, &id))
			continue;
		if (drv->chap && (chap.on || sweep))
			ret = drv->chap(cfg, ents[i].tid,
					chap.on ? chap_find(&chap, id) : NULL);
		if (!ret)
			ret = drv->acl(cfg, ents[i].tid,
				       chap_closed(&chap, id) ? &nobody : s);
		if (ret && !first)
			first = ret;
		ret = 0;
	}
	free(ents);
	chap_set_free(&chap);
	return ret ? ret : first;
}

int export_apply_acl(const struct ssvr_cfg *cfg, const struct acl_set *s)
{
	int fd = lock_exports(cfg);
	int ret = fd < 0 ? fd : apply_locked(cfg, s, false);

	unlock_exports(fd);
	return ret;
}

int export_apply_wanted_locked(const struct ssvr_cfg *cfg)
{
	struct acl_set *s = malloc(sizeof(*s));
	int ret = s ? acl_wanted(cfg, s) : -ENOMEM;

	if (!ret)
		ret = apply_locked(cfg, s, true);
	free(s);
	return ret;
}

int export_lock(const struct ssvr_cfg *cfg)
{
	return lock_exports(cfg);
}

void export_unlock(int fd)
{
	unlock_exports(fd);
}

struct export_keeper {
	const struct ssvr_cfg *cfg;
	atomic_bool stop;
	pthread_t thr;
};

static void *keeper_main(void *arg)
{
	struct export_keeper *k = arg;

	while (ssvr_sleep(&k->stop, k->cfg->export_check_s * 1000))
		export_reconcile(k->cfg); /* failures logged inside */
	return NULL;
}

int export_keeper_start(const struct ssvr_cfg *cfg, struct export_keeper **out)
{
	struct export_keeper *k;
	int ret;

	*out = NULL;
	if (!cfg->export_check_s)
		return 0;
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cfg = cfg;
	ret = -pthread_create(&k->thr, NULL, keeper_main, k);
	if (ret) {
		free(k);
		return ret;
	}
	*out = k;
	return 0;
}

void export_keeper_stop(struct export_keeper *k)
{
	if (!k)
		return;
	atomic_store(&k->stop, true);
	pthread_join(k->thr, NULL);
	free(k);
}
