/*
 * The iSCSI node (hsvr.md 7.1): session login/logout, the multipath map
 * over it, shared by every DEXT on one disk (users counted, W11).
 */
#include "graph.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vas/clock.h"
#include "vas/log.h"
#include "vas/proto.h"

struct iscsi_target {
	char iqn[224];
	char portal[LVS_MAX_PATHS][64];
	char link[LVS_MAX_PATHS][PATH_MAX]; /* by-path, under the root */
	int n;
	char user[32]; /* the DEXT name */
	/* The target's CHAP account, "" without (SECURITY.md "CHAP"). */
	char chap_user[65];
	char chap_secret[65];
};

static int target_of(struct hsvr *h, const struct vas_lvolstruct *lv,
		     struct iscsi_target *t)
{
	int i;

	memset(t, 0, sizeof(*t));
	if (lv->n_paths <= 0 ||
	    name_dext(t->user, sizeof(t->user), lv->ssvrid, lv->lvolid))
		return -EINVAL;
	for (i = 0; i < lv->n_paths; i++) {
		char iqn[224];

		if (iscsi_path_parse(lv->iscsi_path[i], t->portal[i],
				     sizeof(t->portal[i]), iqn, sizeof(iqn)))
			return -EINVAL;
		if (i && strcmp(iqn, t->iqn))
			return -EINVAL; /* all paths lead to one disk */
		snprintf(t->iqn, sizeof(t->iqn), "%s", iqn);
		if (snprintf(t->link[i], sizeof(t->link[i]), "%s%s",
			     h->hx->root,
			     lv->iscsi_path[i]) >= (int)sizeof(t->link[i]))
			return -ENAMETOOLONG;
	}
	t->n = lv->n_paths;
	if (lv->chap_user && lv->chap_secret &&
	    (snprintf(t->chap_user, sizeof(t->chap_user), "%s",
		      lv->chap_user) >= (int)sizeof(t->chap_user) ||
	     snprintf(t->chap_secret, sizeof(t->chap_secret), "%s",
		      lv->chap_secret) >= (int)sizeof(t->chap_secret)))
		return -EINVAL;
	return 0;
}

/*
 * The node record of one portal logs in with CHAP (iscsiadm -o update,
 * one setting a call). The password reaches logs and the command record
 * as "***" (hx.c); a record without CHAP is left as it is.
 */
static int iscsi_auth(struct hsvr *h, const struct iscsi_target *t, int i)
{
	const char *names[] = {"node.session.auth.authmethod",
			       "node.session.auth.username",
			       "node.session.auth.password"};
	const char *values[] = {"CHAP", t->chap_user, t->chap_secret};
	struct cmdline c;
	int k, ret = 0;

	for (k = 0; !ret && t->chap_secret[0] && k < 3; k++) {
		cmd_iscsi_update(&c, t->iqn, t->portal[i], names[k], values[k]);
		ret = hx_run(h->hx, &c, NULL);
	}
	explicit_bzero(&c, sizeof(c));
	return ret;
}

static int links_present(const struct iscsi_target *t, int want_all)
{
	int i, n = 0;

	for (i = 0; i < t->n; i++)
		n += dev_exists(t->link[i]);
	return want_all ? n == t->n : n > 0;
}

/*
 * Waits (bounded by login_wait_ms) until this target's by-path links are
 * all there / all gone. Not `udevadm settle`: that waits for every queued
 * event of the host (other disks, other volumes' maps), not for ours.
 */
static void wait_links(struct hsvr *h, const struct iscsi_target *t,
		       int present)
{
	long waited = 0;

	while (waited < h->login_wait_ms &&
	       (present ? !links_present(t, 1) : links_present(t, 0))) {
		vas_sleep_ms(50);
		waited += 50;
	}
}

/* The kernel device behind the first present by-path link (/dev/sdX). */
static int path_device(const struct iscsi_target *t, char *dev, size_t len)
{
	char real[PATH_MAX];
	int i;

	for (i = 0; i < t->n; i++)
		if (realpath(t->link[i], real))
			return snprintf(dev, len, "%s", real) >= (int)len
				   ? -ENAMETOOLONG
				   : 0;
	return -ENODEV;
}

/* The map named mpath-<wwid of dev>, if it exists. 0, -ENODEV, -errno. */
static int mpath_lookup(struct hsvr *h, const char *dev, char *map, size_t len)
{
	char *wwid = NULL, *name = NULL, uuid[128];
	struct cmdline c;
	int ret;

	cmd_scsi_id(&c, dev);
	ret = hx_probe(h->hx, &c, &wwid); /* a dying path has no answer */
	if (!ret && (!wwid || !wwid[0]))
		ret = -ENODEV;
	if (!ret &&
	    snprintf(uuid, sizeof(uuid), "mpath-%s", wwid) >= (int)sizeof(uuid))
		ret = -ENAMETOOLONG;
	free(wwid);
	if (ret)
		return ret;
	cmd_dm_name_by_uuid(&c, uuid);
	ret = hx_probe(h->hx, &c, &name); /* no map yet is an answer */
	if (!ret && (!name || !name[0]))
		ret = -ENODEV;
	if (!ret && snprintf(map, len, "%s", name) >= (int)len)
		ret = -ENAMETOOLONG;
	free(name);
	return ret ? -ENODEV : 0;
}

/*
 * The multipath map over the session (7.1 step 2), created if missing.
 * Debian's multipath-tools default to find_multipaths "strict": a bare
 * scan only builds maps of WWIDs already listed in /etc/multipath/wwids,
 * so the map is asked for by device ("multipath /dev/sdX"). A map may
 * appear late (udev, multipathd): mpath_retries tries, mpath_retry_ms
 * apart, as 3.0 did (10 x 10 s).
 */
static int mpath_name(struct hsvr *h, const struct iscsi_target *t, char *map,
		      size_t len)
{
	char dev[PATH_MAX];
	struct cmdline c;
	long i;
	int ret = -ENODEV;

	for (i = 0; i < h->mpath_retries; i++) {
		if (i)
			vas_sleep_ms(h->mpath_retry_ms);
		ret = path_device(t, dev, sizeof(dev));
		if (ret)
			continue;
		if (!mpath_lookup(h, dev, map, len))
			return 0;
		cmd_multipath_add(&c, dev);
		(void)hx_run(h->hx, &c, NULL); /* the lookup decides */
		ret = mpath_lookup(h, dev, map, len);
		if (!ret)
			return 0;
	}
	log_err("%s: no multipath map after %ld tries", t->iqn,
		h->mpath_retries);
	if (!hx_last_error()[0] || ret != -EIO)
		hx_set_error("%s: no multipath map after %ld tries (%s)",
			     t->iqn, h->mpath_retries, strerror(-ret));
	return ret;
}

static int iscsi_login(struct hsvr *h, const struct iscsi_target *t)
{
	struct cmdline c;
	int i, ret;

	for (i = 0; i < t->n; i++) {
		cmd_iscsi_new(&c, t->iqn, t->portal[i]);
		/* W13: an existing record is fine; the login decides. */
		if (hx_run(h->hx, &c, NULL))
			log_warn("iscsiadm -o new %s %s failed", t->iqn,
				 t->portal[i]);
		/* Before the login: without it the target refuses us. */
		ret = iscsi_auth(h, t, i);
		if (ret)
			return ret;
	}
	cmd_iscsi_login(&c, t->iqn);
	ret = hx_run(h->hx, &c, NULL);
	wait_links(h, t, 1);
	if (ret && links_present(t, 1))
		ret = 0; /* logged in by someone else meanwhile */
	return ret ? ret : (links_present(t, 1) ? 0 : -ETIMEDOUT);
}

/*
 * The map to flush at logout, known without scsi_id (which needs a live
 * path): the name recorded at login, else the dm holder of a path in
 * sysfs. "" when there is none.
 */
static void mpath_of_session(struct hsvr *h, const struct iscsi_target *t,
			     char *map, size_t len)
{
	char dev[PATH_MAX], dir[PATH_MAX], name[PATH_MAX], *text = NULL;
	struct dirent *e;
	DIR *dh;

	if (map[0])
		return;
	if (path_device(t, dev, sizeof(dev)) ||
	    snprintf(dir, sizeof(dir), "%s/sys/block/%s/holders", h->hx->root,
		     strrchr(dev, '/') + 1) >= (int)sizeof(dir))
		return;
	dh = opendir(dir);
	while (dh && (e = readdir(dh))) {
		if (strncmp(e->d_name, "dm-", 3) ||
		    snprintf(name, sizeof(name), "%s/sys/block/%s/dm/name",
			     h->hx->root, e->d_name) >= (int)sizeof(name) ||
		    hx_read_file(name, &text))
			continue;
		text[strcspn(text, "\n")] = '\0';
		snprintf(map, len, "%s", text);
		free(text);
		break;
	}
	if (dh)
		closedir(dh);
}

/* Runs c until it succeeds or tries are spent, udev settled between. */
static int run_retried(struct hsvr *h,
		       void (*build)(struct cmdline *, const char *),
		       const char *arg, int tries)
{
	struct cmdline c;
	int i, ret = 0;

	for (i = 0; i < tries; i++) {
		if (i) {
			cmd_udev_settle(&c);
			(void)hx_probe(h->hx, &c, NULL); /* only a pause */
			vas_sleep_ms(200L * i);
		}
		build(&c, arg);
		ret = hx_run(h->hx, &c, NULL);
		if (!ret)
			break;
	}
	return ret;
}

/*
 * Flush the map, log out, delete the node record (7.1 undo step 3), each
 * retried. A map that cannot be flushed stops the teardown before the
 * logout (W11: still in use), so nothing is left half torn. map: the
 * recorded map name, "" when unknown (then found through sysfs).
 */
static int iscsi_logout(struct hsvr *h, const struct iscsi_target *t, char *map,
			size_t len)
{
	char mpath[PATH_MAX];
	struct cmdline c;
	int ret;

	mpath_of_session(h, t, map, len);
	if (!map[0] && !links_present(t, 0))
		return 0; /* never logged in */
	if (map[0] && !path_mapper(mpath, sizeof(mpath), h->hx->root, map) &&
	    dev_exists(mpath)) {
		ret = run_retried(h, cmd_multipath_flush, map, 3);
		if (ret)
			return -EBUSY;
	}
	if (links_present(t, 0)) {
		ret = run_retried(h, cmd_iscsi_logout, t->iqn, 3);
		if (ret && links_present(t, 0))
			return ret;
	}
	cmd_iscsi_delete(&c, t->iqn);
	(void)hx_probe(h->hx, &c, NULL); /* a stale record is harmless */
	wait_links(h, t, 0);
	if (links_present(t, 0))
		log_err("iscsi logout timeout: %s", t->iqn);
	return 0;
}

int iscsi_node_do(struct hsvr *h, struct hnode *n)
{
	struct iscsi_target t;
	char map[128];
	int ret, users;

	ret = target_of(h, n->lv, &t);
	if (ret)
		return ret;
	pthread_mutex_lock(&h->iscsi_lock);
	/* Registered before login: a concurrent last user keeps it up. */
	users = refs_add(h, t.iqn, t.user);
	ret = users < 0 ? users : 0;
	if (!ret && !links_present(&t, 1))
		ret = iscsi_login(h, &t);
	if (!ret)
		ret = mpath_name(h, &t, map, sizeof(map));
	if (!ret)
		ret = refs_set_map(h, t.iqn, map);
	if (!ret)
		ret = path_mapper(n->path, sizeof(n->path), h->hx->root, map);
	if (ret && users >= 0) {
		char known[128];

		(void)refs_map(h, t.iqn, known, sizeof(known)); /* "" if none */
		if (refs_del(h, t.iqn, t.user) == 0)
			(void)iscsi_logout(h, &t, known, sizeof(known));
	} /* cleanup: errors logged, the attach error is the cause */
	pthread_mutex_unlock(&h->iscsi_lock);
	explicit_bzero(t.chap_secret, sizeof(t.chap_secret));
	return ret;
}

/* The last user's teardown of t's session. Called with iscsi_lock held. */
static int release_locked(struct hsvr *h, const struct iscsi_target *t)
{
	char map[128];
	int ret = 0, users;

	(void)refs_map(h, t->iqn, map, sizeof(map)); /* "" if none */
	users = refs_del(h, t->iqn, t->user);
	if (users == 0) {
		ret = iscsi_logout(h, t, map, sizeof(map));
		/* Still ours: kept for the next detach (logged). */
		if (ret && refs_add(h, t->iqn, t->user) >= 0)
			(void)refs_set_map(h, t->iqn, map);
	} else if (users < 0) {
		ret = users;
	}
	return ret;
}

int iscsi_node_undo(struct hsvr *h, struct hnode *n)
{
	struct iscsi_target t;
	int ret;

	ret = target_of(h, n->lv, &t);
	if (ret)
		return ret;
	pthread_mutex_lock(&h->iscsi_lock);
	ret = release_locked(h, &t);
	pthread_mutex_unlock(&h->iscsi_lock);
	explicit_bzero(t.chap_secret, sizeof(t.chap_secret));
	n->path[0] = '\0';
	return ret;
}

/*
 * The session's by-path links found by name (no lvolstruct at hand):
 * ip-<portal>-iscsi-<iqn>-lun-<n> under the root's /dev/disk/by-path.
 */
static int target_by_iqn(struct hsvr *h, const char *iqn, const char *user,
			 struct iscsi_target *t)
{
	char dir[PATH_MAX], mid[256];
	struct dirent *e;
	DIR *dh;

	memset(t, 0, sizeof(*t));
	if (snprintf(t->iqn, sizeof(t->iqn), "%s", iqn) >=
		(int)sizeof(t->iqn) ||
	    snprintf(t->user, sizeof(t->user), "%s", user) >=
		(int)sizeof(t->user) ||
	    snprintf(mid, sizeof(mid), "-iscsi-%s-lun-", iqn) >=
		(int)sizeof(mid) ||
	    snprintf(dir, sizeof(dir), "%s/dev/disk/by-path", h->hx->root) >=
		(int)sizeof(dir))
		return -ENAMETOOLONG;
	dh = opendir(dir);
	while (dh && (e = readdir(dh)) && t->n < LVS_MAX_PATHS) {
		if (strncmp(e->d_name, "ip-", 3) || !strstr(e->d_name, mid) ||
		    snprintf(t->link[t->n], sizeof(t->link[t->n]), "%s/%s", dir,
			     e->d_name) >= (int)sizeof(t->link[t->n]))
			continue;
		t->n++;
	}
	if (dh)
		closedir(dh);
	return 0;
}

int iscsi_release(struct hsvr *h, const char *iqn, const char *user)
{
	struct iscsi_target t;
	int ret;

	ret = target_by_iqn(h, iqn, user, &t);
	if (ret)
		return ret;
	pthread_mutex_lock(&h->iscsi_lock);
	ret = release_locked(h, &t);
	pthread_mutex_unlock(&h->iscsi_lock);
	return ret;
}
