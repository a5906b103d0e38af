/*
 * ssvr_reporter: registers this storage server and its disks with the
 * manager and exports them (ssvr.md 5, with 17 R3-R8 fixed): back-off on
 * every retryable error, one bad disk never blocks the others, EEXIST is
 * answered by reporting our own failure and re-registering, never a halt.
 * Exit status: 0 all disks done, 3 some disks skipped, 1 fatal.
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "ssvr_devlist.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

static atomic_bool stop_flag;

struct reporter {
	const struct ssvr_cfg *cfg;
	struct vas_client *sm;
	char ids_file[PATH_MAX];
	char devlist_file[PATH_MAX];
	int n_ip;
	char ip[SSVR_MAX_IPS][16];
	const char *ipv[SSVR_MAX_IPS];
	int32_t ssvrid;
	struct devlist known;
	long delay_ms;
};

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, true);
}

/* Resolves <hostname>-data1, -data2, ... until the first failure. */
static int resolve_ips(struct reporter *r)
{
	char host[256], name[300];
	int i;

	if (r->cfg->n_ip_data) {
		for (i = 0; i < r->cfg->n_ip_data; i++)
			snprintf(r->ip[i], sizeof(r->ip[i]), "%s",
				 r->cfg->ip_data[i]);
		r->n_ip = r->cfg->n_ip_data;
		return 0;
	}
	if (gethostname(host, sizeof(host)))
		return -errno;
	host[sizeof(host) - 1] = '\0';
	for (i = 0; i < SSVR_MAX_IPS; i++) {
		struct addrinfo hints = {.ai_family = AF_INET}, *res = NULL;
		struct sockaddr_in *sin;

		snprintf(name, sizeof(name), "%s-data%d", host, i + 1);
		if (getaddrinfo(name, NULL, &hints, &res))
			break;
		sin = (struct sockaddr_in *)res->ai_addr;
		inet_ntop(AF_INET, &sin->sin_addr, r->ip[i], sizeof(r->ip[i]));
		freeaddrinfo(res);
	}
	r->n_ip = i;
	if (!i) {
		log_err("no data address: set [ssvr_agent] ip_data or make "
			"%s-data1 resolvable",
			host);
		return -ENOENT;
	}
	return 0;
}

static bool permanent(int ret)
{
	return ret == -EINVAL || ret == -EPROTO || ret == -VAS_ENOMETHOD ||
	       ret == -ENOMEM || ret == -ENOSPC;
}

/* Waits the current back-off and doubles it; false when stopped. */
static bool back_off(struct reporter *r, const char *what, int err)
{
	log_warn("%s: %s; retrying in %ld ms", what, strerror(-err),
		 r->delay_ms);
	if (!ssvr_sleep(&stop_flag, r->delay_ms))
		return false;
	r->delay_ms *= 2;
	if (r->delay_ms > r->cfg->retry_max_s * 1000)
		r->delay_ms = r->cfg->retry_max_s * 1000;
	return true;
}

/* The id the manager holds for a server owning one of our addresses. */
static int32_t lookup_own_ssvrid(struct reporter *r)
{
	struct vas_ssvr_info *s = NULL;
	int n = 0, i, j, k;
	int32_t id = 0;

	if (vas_list_ssvrs(r->sm, 0, &s, &n))
		return 0;
	for (i = 0; i < n && !id; i++)
		for (j = 0; j < s[i].n_ip && !id; j++)
			for (k = 0; k < r->n_ip; k++)
				if (!strcmp(s[i].ip_data[j], r->ip[k]))
					id = s[i].ssvrid;
	free(s);
	return id;
}

static int register_server(struct reporter *r)
{
	int32_t id = 0, old = r->ssvrid;
	int ret;

	r->delay_ms = 1000;
	for (;;) {
		ret = vas_register_ssvr(r->sm, r->ipv, r->n_ip, &id);
		if (!ret)
			break;
		if (ret == -EEXIST) {
			/* The manager has not noticed our restart yet. */
			if (!old)
				old = lookup_own_ssvrid(r);
			if (old) {
				int nret =
				    vas_notify_failure(r->sm, TARGET_SSVR, old);

				log_warn("manager still sees ssvr-%08x alive; "
					 "reported its failure: %s",
					 (uint32_t)old,
					 nret ? strerror(-nret) : "ok");
			}
		} else if (permanent(ret)) {
			log_err("registerStorageServer refused: %s (%s)",
				strerror(-ret),
				vas_client_last(r->sm)->fault_string);
			return ret;
		}
		if (!back_off(r, "registerStorageServer", ret))
			return -EINTR;
	}
	if (old && old != id)
		log_warn("manager gave a new id ssvr-%08x (was ssvr-%08x)",
			 (uint32_t)id, (uint32_t)old);
	r->ssvrid = id;
	log_info("registered as ssvr-%08x", (uint32_t)id);
	return ssvrid_write(r->ids_file, id);
}

/* The manager's id of our disk at path, or 0. */
static int32_t lookup_pdskid(struct reporter *r, const char *path)
{
	struct vas_pdsk_info *p = NULL;
	int n = 0, i;
	int32_t id = 0;

	if (vas_list_pdsks(r->sm, r->ssvrid, &p, &n))
		return 0;
	for (i = 0; i < n && !id; i++)
		if (p[i].ssvrid == r->ssvrid && !strcmp(p[i].local_path, path))
			id = p[i].pdskid;
	free(p);
	return id;
}

static int register_disk(struct reporter *r, const char *path, int32_t *pdskid)
{
	uint64_t bytes;
	int ret;

	ret = zero_size_path(path, &bytes);
	if (ret || bytes < 512) {
		log_err("%s: can not determine device capacity: %s", path,
			ret ? strerror(-ret) : "empty");
		return ret ? ret : -EINVAL;
	}
	r->delay_ms = 1000;
	for (;;) {
		ret = vas_register_pdsk(r->sm, r->ssvrid, path,
					(int64_t)(bytes / 512), pdskid);
		if (!ret)
			return 0;
		if (ret == -EEXIST) {
			/* Already live: a re-run, or a lost reply (R7). */
			*pdskid = lookup_pdskid(r, path);
			if (*pdskid)
				return 0;
		}
		if (permanent(ret) || ret == -EEXIST) {
			log_err("%s: registerPhysicalDisk refused: %s", path,
				strerror(-ret));
			return ret;
		}
		if (!back_off(r, path, ret))
			return -EINTR;
	}
}

/*
 * The manager now knows path under d->pdskid: unexports an older id for
 * the same path (e.g. after the manager's database was re-created).
 */
static int drop_renumbered(struct reporter *r, const struct ssvr_disk *d)
{
	struct ssvr_disk *all = NULL;
	int n = 0, i, ret;

	ret = ssvr_disk_list(r->cfg, &all, &n);
	for (i = 0; !ret && i < n; i++)
		if (all[i].pdskid != d->pdskid &&
		    !strcmp(all[i].path, d->path)) {
			log_warn("%s: now pdsk-%08x, unexporting pdsk-%08x",
				 d->path, d->pdskid, all[i].pdskid);
			ret = export_deactivate(r->cfg, all[i].pdskid);
		}
	free(all);
	return ret;
}

/* Unexports disks that left register_device_list. */
static int drop_removed(struct reporter *r, const struct devlist *want)
{
	struct ssvr_disk *d = NULL;
	int n = 0, i, k, ret;

	ret = ssvr_disk_list(r->cfg, &d, &n);
	for (i = 0; !ret && i < n; i++) {
		if (devlist_find(want, d[i].path) >= 0)
			continue;
		log_info("%s left the device list", d[i].path);
		ret = export_deactivate(r->cfg, d[i].pdskid);
	}
	free(d);
	for (k = r->known.n - 1; !ret && k >= 0; k--)
		if (devlist_find(want, r->known.ent[k].path) < 0)
			devlist_remove(&r->known, k);
	if (!ret)
		ret = devlist_write(r->devlist_file, &r->known);
	return ret;
}

static int report(struct reporter *r)
{
	struct devlist want;
	int i, failed = 0, ret;

	ret = devlist_read(r->cfg->register_device_list, false, &want);
	if (ret) {
		log_err("%s: %s", r->cfg->register_device_list, strerror(-ret));
		return ret;
	}
	ret = devlist_read(r->devlist_file, true, &r->known);
	if (ret && ret != -ENOENT)
		goto out;
	ret = drop_removed(r, &want);
	if (!ret)
		ret = register_server(r);
	for (i = 0; !ret && i < want.n; i++) {
		struct ssvr_disk d = {0};
		int32_t id = 0;
		int dret;

		dret = register_disk(r, want.ent[i].path, &id);
		if (dret == -EINTR) {
			ret = dret;
			break;
		}
		if (!dret) {
			d.pdskid = (uint32_t)id;
			snprintf(d.path, sizeof(d.path), "%s",
				 want.ent[i].path);
			dret = devlist_set(&r->known, d.pdskid, d.path);
			if (!dret)
				dret =
				    devlist_write(r->devlist_file, &r->known);
			if (!dret)
				dret = drop_renumbered(r, &d);
			/* Its CHAP account first (fails closed without). */
			if (!dret && chap_refresh(r->cfg))
				log_warn("%s: CHAP accounts not known now",
					 d.path);
			if (!dret)
				dret = export_activate(r->cfg, &d);
		}
		if (dret) {
			log_err("%s: skipped", want.ent[i].path);
			failed++;
		}
	}
	if (!ret && failed)
		ret = -EAGAIN;
	if (!ret || ret == -EAGAIN)
		log_info("done: %d disk(s) listed, %d skipped", want.n, failed);
out:
	devlist_free(&want);
	return ret;
}

static int run(const struct ssvr_cfg *cfg)
{
	struct reporter r;
	int i, ret;

	memset(&r, 0, sizeof(r));
	r.cfg = cfg;
	ret = ssvr_mkdir_p(cfg->state_dir);
	if (!ret)
		ret = ssvr_path(r.ids_file, sizeof(r.ids_file), cfg, "ssvrid");
	if (!ret)
		ret = ssvr_path(r.devlist_file, sizeof(r.devlist_file), cfg,
				"device_list");
	if (!ret)
		ret = resolve_ips(&r);
	if (ret)
		return ret;
	for (i = 0; i < r.n_ip; i++)
		r.ipv[i] = r.ip[i];
	ret = ssvrid_read(r.ids_file, &r.ssvrid);
	if (ret && ret != -ENOENT)
		return ret;
	ret = vas_client_from_conf(cfg->conf, (int)cfg->rpc_timeout_ms, &r.sm);
	if (ret) {
		log_err("[storage_manager] host_list/port: %s", strerror(-ret));
		return ret;
	}
	ret = report(&r);
	devlist_free(&r.known);
	vas_client_free(r.sm);
	return ret;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct vas_conf *conf;
	struct ssvr_cfg *cfg;
	int ret;

	ret = ssvr_start(argc, argv, &conf, &cfg);
	if (ret)
		return ret < 0 ? 0 : ret;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rpc_client_global_init();
	ret = run(cfg);
	rpc_client_global_cleanup();
	free(cfg);
	conf_free(conf);
	if (ret == -EAGAIN)
		return 3;
	return ret ? 1 : 0;
}
