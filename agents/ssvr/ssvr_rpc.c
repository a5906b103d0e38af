/*
 * ssvr_agent's XML-RPC methods (ssvr.md 3.2): helloWorld,
 * registerShredRequest, getEventStatus, and fenceInitiators (ours, not
 * 3.0's: SECURITY.md "Fencing"). Nothing else is callable.
 */
#include "ssvr_rpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vas/event_table.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc.h"

static int api_hello(struct rpc_request *req)
{
	(void)req;
	return 0;
}

/*
 * Only the managers may call (SECURITY.md): [ssvr_agent] allowed_peers,
 * else [storage_manager] host_list, else this host; others get fault
 * EACCES (13). In-process calls (tests) carry no address.
 */
static int check_peer(struct rpc_request *req)
{
	const struct ssvr_cfg *cfg = ((struct ssvr_agent *)req->ctx)->cfg;

	if (req->peer_addr.ss_family == AF_UNSPEC ||
	    peer_acl_match(&cfg->callers, &req->peer_addr))
		return 0;
	return rpc_refuse(req, EACCES,
			  "not a manager (allowed_peers, host_list)");
}

/* Checks that this host exports pdskid and the extent fits the device. */
static int check_extent(const struct ssvr_cfg *cfg, const struct shred_req *r)
{
	char link[PATH_MAX];
	struct ssvr_disk d;
	struct stat st;
	uint64_t size;
	int ret;

	ret = ssvr_disk_load(cfg, r->pdskid, &d);
	if (ret) {
		log_info("registerShredRequest: pdsk-%08x is not exported here",
			 r->pdskid);
		return -EINVAL;
	}
	ret = ssvr_disk_link(cfg, r->pdskid, link, sizeof(link));
	if (!ret)
		ret = zero_size_path(link, &size);
	if (ret && !lstat(link, &st) && disk_failed_err(ret)) {
		/* The device failed: the shredder reports the disk. */
		log_err("registerShredRequest: pdsk-%08x: %s: %s", r->pdskid,
			d.path, strerror(-ret));
		return 0;
	}
	if (ret) {
		/* Known disk whose device is not there (yet): retry later. */
		log_warn("registerShredRequest: pdsk-%08x: %s: %s", r->pdskid,
			 d.path, strerror(-ret));
		return -EAGAIN;
	}
	if ((uint64_t)(r->offset_vb + r->capacity_vb) * SSVR_VB_BYTES > size) {
		log_info("registerShredRequest: pdsk-%08x: vb %lld+%lld beyond "
			 "the device (%llu bytes)",
			 r->pdskid, (long long)r->offset_vb,
			 (long long)r->capacity_vb, (unsigned long long)size);
		return -EINVAL;
	}
	return 0;
}

static int api_shred(struct rpc_request *req)
{
	struct ssvr_agent *a = req->ctx;
	struct shred_req r;
	int ret;

	r.eventid = rpc_int(req, "eventid", 0);
	r.dextid = rpc_int(req, "dextid", 0);
	r.pdskid = (uint32_t)rpc_int(req, "pdskid", 0);
	r.offset_vb = rpc_int(req, "offset", 0);
	r.capacity_vb = rpc_int(req, "capacity", 0);
	ret = check_extent(a->cfg, &r);
	if (ret)
		return ret;
	return shredder_submit(a->shred, &r);
}

static int api_event_status(struct rpc_request *req)
{
	struct ssvr_agent *a = req->ctx;
	struct shred_req asked = {
	    .eventid = rpc_int(req, "eventid", 0),
	    .dextid = rpc_int(req, "dextid", -1),
	    .pdskid = (uint32_t)rpc_int(req, "pdskid", 0),
	    .offset_vb = rpc_int(req, "offset", -1),
	    .capacity_vb = rpc_int(req, "capacity", -1),
	};
	xmlrpc_value *arr;
	int status = EV_NONE, result = 0;

	/*
	 * Our manager names the extent it asks about: an event of another
	 * extent under the same id is not its shred (NONE: it sends the
	 * request again, which replaces the stale one).
	 */
	if (!shredder_matches(a->shred, &asked))
		log_warn("getEventStatus %lld: held for another extent than "
			 "dext-%08llx: NONE",
			 (long long)asked.eventid, (long long)asked.dextid);
	else
		event_table_read(a->events, asked.eventid, &status, &result);
	arr = xmlrpc_array_new(req->env);
	if (req->env->fault_occurred)
		return -ENOMEM;
	rpc_append(req, arr, xmlrpc_int_new(req->env, status));
	rpc_append(req, arr, xmlrpc_int_new(req->env, result));
	req->result = arr;
	return 0;
}

/*
 * The manager failed head server hsvrid: its initiator addresses lose
 * their access and sessions on every target before the answer, so the
 * manager may attach that head's volumes elsewhere once every storage
 * server has answered 0.
 */
static int api_fence(struct rpc_request *req)
{
	struct ssvr_agent *a = req->ctx;
	xmlrpc_value *arr = rpc_member(req, "initiators");
	char addrs[SSVR_ACL_MAX][16];
	int n = xmlrpc_array_size(req->env, arr), i, ret;
	struct in_addr in;

	for (i = 0; i < n && !req->env->fault_occurred; i++) {
		xmlrpc_value *e = NULL;
		const char *str = NULL;

		xmlrpc_array_read_item(req->env, arr, i, &e);
		if (!req->env->fault_occurred)
			xmlrpc_read_string(req->env, e, &str);
		ret = req->env->fault_occurred || !str ||
			      strlen(str) >= sizeof(addrs[0]) ||
			      inet_pton(AF_INET, str, &in) != 1
			  ? -EINVAL
			  : 0;
		if (!ret)
			snprintf(addrs[i], sizeof(addrs[0]), "%s", str);
		free((void *)str);
		if (e)
			xmlrpc_DECREF(e);
		if (ret) {
			xmlrpc_env_clean(req->env);
			xmlrpc_env_init(req->env);
			return -EINVAL;
		}
	}
	if (req->env->fault_occurred)
		return -EINVAL;
	ret = acl_fence(a->cfg, addrs, n);
	if (ret == -EOPNOTSUPP) {
		log_err("fenceInitiators: hsvr-%08llx cannot be fenced here: "
			"initiator_address is set by hand",
			(long long)rpc_int(req, "hsvrid", 0));
		return -(VAS_ERELAY + EOPNOTSUPP); /* fault 95, not 500 */
	}
	if (!ret)
		log_warn("hsvr-%08llx fenced: %d initiator address(es) refused "
			 "by every target, their sessions cut",
			 (long long)rpc_int(req, "hsvrid", 0), n);
	return ret;
}

static const struct rpc_param_spec fence_spec[] = {
    {"hsvrid", RPC_T_INT, 0, 0, INT32_MAX, 0},
    {"initiators", RPC_T_ARRAY, RPC_REQUIRED, 0, SSVR_ACL_MAX, RPC_T_STRING},
    {NULL, 0, 0, 0, 0, 0},
};

static const struct rpc_param_spec shred_spec[] = {
    {"eventid", RPC_T_INT, RPC_REQUIRED, 1, INT32_MAX, 0},
    {"dextid", RPC_T_INT, RPC_REQUIRED, 0, INT32_MAX, 0},
    {"pdskid", RPC_T_INT, RPC_REQUIRED, 0, INT32_MAX, 0},
    {"offset", RPC_T_INT, RPC_REQUIRED, 0, INT32_MAX, 0},
    {"capacity", RPC_T_INT, RPC_REQUIRED, 1, INT32_MAX, 0},
    {NULL, 0, 0, 0, 0, 0},
};

static const struct rpc_param_spec event_spec[] = {
    {"eventid", RPC_T_INT, RPC_REQUIRED, INT32_MIN, INT32_MAX, 0},
    /* Optional: the extent the caller's shred is on (ours send them). */
    {"dextid", RPC_T_INT, 0, 0, INT32_MAX, 0},
    {"pdskid", RPC_T_INT, 0, 0, INT32_MAX, 0},
    {"offset", RPC_T_INT, 0, 0, INT32_MAX, 0},
    {"capacity", RPC_T_INT, 0, 1, INT32_MAX, 0},
    {NULL, 0, 0, 0, 0, 0},
};

static const struct rpc_param_spec no_spec[] = {{NULL, 0, 0, 0, 0, 0}};

const struct rpc_method ssvr_methods[] = {
    {"helloWorld", api_hello, no_spec, RPC_M_NOVERSION, NULL},
    {"registerShredRequest", api_shred, shred_spec, RPC_M_MUTATES, check_peer},
    {"getEventStatus", api_event_status, event_spec, 0, check_peer},
    {"fenceInitiators", api_fence, fence_spec, RPC_M_MUTATES, check_peer},
    {NULL, NULL, NULL, 0, NULL},
};
