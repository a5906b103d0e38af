/* Agent context: directories from vas.conf, persisted iSCSI session users. */
#include "hsvr.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/log.h"

#define SEC "hsvr_agent"

static int refs_file(const struct hsvr *h, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/iscsi_users", h->state_dir);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int refs_save(struct hsvr *h)
{
	char path[PATH_MAX], *text;
	size_t cap = (size_t)h->n_refs * 400 + 1, used = 0;
	int i, ret;

	ret = refs_file(h, path, sizeof(path));
	if (ret)
		return ret;
	text = calloc(1, cap);
	if (!text)
		return -ENOMEM;
	for (i = 0; i < h->n_refs; i++)
		used += (size_t)snprintf(
		    text + used, cap - used, "%s %s %s\n", h->refs[i].iqn,
		    h->refs[i].user, h->refs[i].map[0] ? h->refs[i].map : "-");
	ret = hx_write_file(path, text);
	free(text);
	if (ret)
		log_err("saving %s: %s", path, strerror(-ret));
	return ret;
}

static int refs_count(const struct hsvr *h, const char *iqn)
{
	int i, n = 0;

	for (i = 0; i < h->n_refs; i++)
		n += !strcmp(h->refs[i].iqn, iqn);
	return n;
}

static int refs_find(const struct hsvr *h, const char *iqn, const char *user)
{
	int i;

	for (i = 0; i < h->n_refs; i++)
		if (!strcmp(h->refs[i].iqn, iqn) &&
		    !strcmp(h->refs[i].user, user))
			return i;
	return -1;
}

static int refs_append(struct hsvr *h, const char *iqn, const char *user,
		       const char *map)
{
	struct iscsi_ref *r;

	if (strlen(iqn) >= sizeof(r->iqn) || strlen(user) >= sizeof(r->user) ||
	    strlen(map) >= sizeof(r->map))
		return -ENAMETOOLONG;
	r = realloc(h->refs, sizeof(*r) * (size_t)(h->n_refs + 1));
	if (!r)
		return -ENOMEM;
	h->refs = r;
	snprintf(r[h->n_refs].iqn, sizeof(r->iqn), "%s", iqn);
	snprintf(r[h->n_refs].user, sizeof(r->user), "%s", user);
	snprintf(r[h->n_refs].map, sizeof(r->map), "%s", map);
	h->n_refs++;
	return 0;
}

int refs_map(const struct hsvr *h, const char *iqn, char *map, size_t len)
{
	int i;

	map[0] = '\0';
	for (i = 0; i < h->n_refs; i++)
		if (!strcmp(h->refs[i].iqn, iqn) && h->refs[i].map[0])
			return snprintf(map, len, "%s", h->refs[i].map) >=
				       (int)len
				   ? -ENAMETOOLONG
				   : 0;
	return 0;
}

int refs_set_map(struct hsvr *h, const char *iqn, const char *map)
{
	int i, changed = 0;

	if (strlen(map) >= sizeof(h->refs[0].map))
		return -ENAMETOOLONG;
	for (i = 0; i < h->n_refs; i++)
		if (!strcmp(h->refs[i].iqn, iqn) &&
		    strcmp(h->refs[i].map, map)) {
			snprintf(h->refs[i].map, sizeof(h->refs[i].map), "%s",
				 map);
			changed = 1;
		}
	return changed ? refs_save(h) : 0;
}

int refs_add(struct hsvr *h, const char *iqn, const char *user)
{
	int ret;

	if (refs_find(h, iqn, user) < 0) {
		char map[128];

		ret = refs_map(h, iqn, map, sizeof(map));
		if (!ret)
			ret = refs_append(h, iqn, user, map);
		if (!ret)
			ret = refs_save(h);
		if (ret)
			return ret;
	}
	return refs_count(h, iqn);
}

int refs_del(struct hsvr *h, const char *iqn, const char *user)
{
	int i = refs_find(h, iqn, user), ret;

	if (i >= 0) {
		h->refs[i] = h->refs[--h->n_refs];
		ret = refs_save(h);
		if (ret)
			return ret;
	}
	return refs_count(h, iqn);
}

static int refs_load(struct hsvr *h)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	int ret;

	ret = refs_file(h, path, sizeof(path));
	if (!ret)
		ret = hx_read_file(path, &text);
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return ret;
	for (line = strtok_r(text, "\n", &save); line && !ret;
	     line = strtok_r(NULL, "\n", &save)) {
		char iqn[224], user[32], map[128] = "-";

		/* "iqn user map"; files of older agents have no map. */
		if (sscanf(line, "%223s %31s %127s", iqn, user, map) < 2)
			continue;
		ret = refs_append(h, iqn, user, strcmp(map, "-") ? map : "");
	}
	free(text);
	return ret;
}

static int set_dir(char *buf, size_t len, const char *conf_value,
		   const char *root, const char *def)
{
	int n = conf_value ? snprintf(buf, len, "%s", conf_value)
			   : snprintf(buf, len, "%s%s", root, def);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return hx_mkdirs(buf);
}

int hsvr_vas_dir(const struct vas_conf *conf, const char *root, char *buf,
		 size_t len)
{
	const char *dir = conf_get(conf, SEC, "vas_device_dir");
	int n;

	if (!dir)
		dir = conf_get(conf, "storage_manager", "vas_device_dir");
	n = dir ? snprintf(buf, len, "%s", dir)
		: snprintf(buf, len, "%s/dev/vas", root);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int hsvr_conf_vas_dir(const struct vas_conf *conf, char *buf, size_t len)
{
	const char *state =
	    conf_get_str(conf, SEC, "state_dir", "/var/lib/vas/hsvr");
	const char *be = conf_get_str(conf, SEC, "device_backend", "kernel");
	char root[PATH_MAX] = "";

	if (!strcmp(be, "simulated") &&
	    snprintf(root, sizeof(root), "%s/sim", state) >= (int)sizeof(root))
		return -ENAMETOOLONG;
	return hsvr_vas_dir(conf, root, buf, len);
}

int hsvr_init(struct hsvr *h, const struct vas_conf *conf, struct hx *hx)
{
	const char *uri;
	int ret;

	memset(h, 0, sizeof(*h));
	h->conf = conf;
	h->hx = hx;
	pthread_mutex_init(&h->iscsi_lock, NULL);
	pthread_mutex_init(&h->mdadm_lock, NULL);
	pthread_mutex_init(&h->busy_lock, NULL);
	pthread_cond_init(&h->busy_cond, NULL);
	pthread_mutex_init(&h->leftover_lock, NULL);
	h->leftover_gap_ms = 10000;
	snprintf(h->state_dir, sizeof(h->state_dir), "%s", hx->state_dir);
	ret = hsvr_vas_dir(conf, hx->root, h->vas_dir, sizeof(h->vas_dir));
	if (!ret)
		ret = hx_mkdirs(h->vas_dir);
	if (!ret)
		ret = set_dir(h->md_dir, sizeof(h->md_dir),
			      conf_get(conf, SEC, "md_device_dir"), hx->root,
			      "/dev/md");
	if (!ret)
		ret = set_dir(h->table_dir, sizeof(h->table_dir), NULL,
			      h->state_dir, "/tables");
	if (!ret)
		ret = conf_get_long(conf, SEC, "login_wait_ms", 60000, 0,
				    600000, &h->login_wait_ms);
	if (!ret)
		ret = conf_get_long(conf, SEC, "multipath_retries", 10, 1, 1000,
				    &h->mpath_retries);
	if (!ret)
		ret = conf_get_long(conf, SEC, "multipath_retry_ms", 10000, 0,
				    600000, &h->mpath_retry_ms);
	uri = conf_get_str(conf, SEC, "libvirt_uri", "");
	if (!ret && snprintf(h->libvirt_uri, sizeof(h->libvirt_uri), "%s",
			     uri) >= (int)sizeof(h->libvirt_uri))
		ret = -ENAMETOOLONG;
	if (!ret)
		ret = refs_load(h);
	if (ret)
		hsvr_fini(h);
	return ret;
}

void hsvr_fini(struct hsvr *h)
{
	free(h->refs);
	h->refs = NULL;
	h->n_refs = 0;
	pthread_mutex_destroy(&h->iscsi_lock);
	pthread_mutex_destroy(&h->mdadm_lock);
	free(h->queued);
	h->queued = NULL;
	pthread_mutex_destroy(&h->busy_lock);
	pthread_cond_destroy(&h->busy_cond);
	leftover_clear(h);
	pthread_mutex_destroy(&h->leftover_lock);
}
