/*
 * The start-up sweep (hsvr.h): a leg whose mirror let go of it but whose
 * teardown never ran (the agent was killed in between) is known only to
 * this host; the manager's next tree no longer names it, so nothing else
 * would ever remove its map or log out its session.
 */
#include "graph.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/log.h"

struct leg_ref {
	char iqn[224];
	char user[32];
};

/* Removes the leg's map unless something opens it: 1 removed or absent. */
static int leg_unused(struct hsvr *h, const char *name)
{
	char path[PATH_MAX];
	int opens = 0;

	if (path_mapper(path, sizeof(path), h->hx->root, name))
		return 0;
	if (!dev_exists(path))
		return 1;
	if (dm_open_count(h, name, &opens) || opens > 0)
		return 0; /* in a mirror (or unknown): in use */
	return dm_remove(h, name) == 0;
}

static int copy_refs(struct hsvr *h, struct leg_ref **out, int *n)
{
	int i;

	pthread_mutex_lock(&h->iscsi_lock);
	*n = h->n_refs;
	*out = calloc((size_t)(*n ? *n : 1), sizeof(**out));
	for (i = 0; *out && i < *n; i++) {
		snprintf((*out)[i].iqn, sizeof((*out)[i].iqn), "%s",
			 h->refs[i].iqn);
		snprintf((*out)[i].user, sizeof((*out)[i].user), "%s",
			 h->refs[i].user);
	}
	pthread_mutex_unlock(&h->iscsi_lock);
	return *out ? 0 : -ENOMEM;
}

/* Leg maps without a session user (a refs file lost or from before). */
static int sweep_unlisted(struct hsvr *h, const struct leg_ref *refs, int n)
{
	char dir[PATH_MAX];
	struct dirent *e;
	int i, swept = 0;
	DIR *dh;

	if (snprintf(dir, sizeof(dir), "%s/dev/mapper", h->hx->root) >=
	    (int)sizeof(dir))
		return 0;
	dh = opendir(dir);
	while (dh && (e = readdir(dh))) {
		if (!dext_of_name(e->d_name))
			continue;
		for (i = 0; i < n && strcmp(refs[i].user, e->d_name); i++)
			;
		if (i == n && leg_unused(h, e->d_name)) {
			log_info("start-up sweep: leg map %s removed",
				 e->d_name);
			swept++;
		}
	}
	if (dh)
		closedir(dh);
	return swept;
}

int hsvr_sweep(struct hsvr *h)
{
	struct leg_ref *refs;
	int i, n, ret, swept = 0;

	ret = copy_refs(h, &refs, &n);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		if (!dext_of_name(refs[i].user) || !leg_unused(h, refs[i].user))
			continue;
		ret = iscsi_release(h, refs[i].iqn, refs[i].user);
		if (ret)
			log_err("start-up sweep: %s of %s: %s", refs[i].user,
				refs[i].iqn, strerror(-ret));
		else
			log_info("start-up sweep: leg %s on %s torn down",
				 refs[i].user, refs[i].iqn);
		swept++;
	}
	swept += sweep_unlisted(h, refs, n);
	free(refs);
	return swept;
}
