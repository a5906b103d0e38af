/* The typed client's calls: one function per manager method (vas_api.txt). */
#include "sm_reply.h"
#include "sm_request.h"
#include "vas/client.h"
#include "vas/proto.h"
#include "vas/units.h"
#include "vas/lvolstruct_rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int register_server(struct vas_client *c, const char *method,
			   const char *const *ips, int n, int32_t *id)
{
	xmlrpc_value *arr;
	struct sm_req r;
	int i;

	sm_req_init(&r);
	arr = xmlrpc_array_new(&r.env);
	for (i = 0; i < n && !r.env.fault_occurred; i++) {
		xmlrpc_value *s = xmlrpc_string_new(&r.env, ips[i]);

		if (s) {
			xmlrpc_array_append_item(&r.env, arr, s);
			xmlrpc_DECREF(s);
		}
	}
	sm_req_set(&r, "ip_data", arr);
	return sm_req_send_id(c, &r, method, id);
}

int vas_register_hsvr(struct vas_client *c, const char *const *ips, int n,
		      int32_t *hsvrid)
{
	return register_server(c, "registerHeadServer", ips, n, hsvrid);
}

int vas_register_ssvr(struct vas_client *c, const char *const *ips, int n,
		      int32_t *ssvrid)
{
	return register_server(c, "registerStorageServer", ips, n, ssvrid);
}

int vas_register_pdsk(struct vas_client *c, int32_t ssvrid,
		      const char *local_path, int64_t sectors, int32_t *pdskid)
{
	char cap[24];
	struct sm_req r;

	snprintf(cap, sizeof(cap), "%lld", (long long)sectors);
	sm_req_init(&r);
	sm_req_int(&r, "ssvrid", ssvrid);
	sm_req_str(&r, "local_path", local_path);
	sm_req_str(&r, "capacity", cap);
	return sm_req_send_id(c, &r, "registerPhysicalDisk", pdskid);
}

static int delete_by_id(struct vas_client *c, const char *method,
			const char *key, int32_t id)
{
	struct sm_req r;

	sm_req_init(&r);
	sm_req_int(&r, key, id);
	return sm_req_send_int(c, &r, method, NULL);
}

int vas_delete_pdsk(struct vas_client *c, int32_t pdskid)
{
	return delete_by_id(c, "deletePhysicalDisk", "pdskid", pdskid);
}

int vas_delete_hsvr(struct vas_client *c, int32_t hsvrid)
{
	return delete_by_id(c, "deleteHeadServer", "hsvrid", hsvrid);
}

int vas_delete_ssvr(struct vas_client *c, int32_t ssvrid)
{
	return delete_by_id(c, "deleteStorageServer", "ssvrid", ssvrid);
}

int vas_lvol_create(struct vas_client *c, const char *name,
		    int64_t capacity_gib, int redundancy, int32_t *lvolid)
{
	return vas_lvol_create_in(c, name, capacity_gib, redundancy, NULL,
				  lvolid);
}

int vas_lvol_create_in(struct vas_client *c, const char *name,
		       int64_t capacity_gib, int redundancy, const char *pool,
		       int32_t *lvolid)
{
	struct sm_req r;

	if (!name || capacity_gib < 1 || capacity_gib > VAS_MAX_LENGTH_GIB)
		return -EINVAL;
	sm_req_init(&r);
	sm_req_str(&r, "lvolname", name);
	sm_req_int(&r, "capacity", (int)capacity_gib);
	if (redundancy)
		sm_req_int(&r, "redundancy", redundancy);
	if (pool)
		sm_req_str(&r, "pool", pool);
	return sm_req_send_id(c, &r, "createLogicalVolume", lvolid);
}

int vas_snap_create(struct vas_client *c, struct vas_lvol_ref origin,
		    const char *snapshot_name, int32_t *lvolid)
{
	return vas_snap_create_in(c, origin, snapshot_name, NULL, lvolid);
}

int vas_snap_create_in(struct vas_client *c, struct vas_lvol_ref origin,
		       const char *snapshot_name, const char *pool,
		       int32_t *lvolid)
{
	struct sm_req r;

	if (!snapshot_name)
		return -EINVAL;
	sm_req_init(&r);
	if (sm_req_ref(&r, "origin_", origin)) {
		sm_req_done(&r);
		return -EINVAL;
	}
	sm_req_str(&r, "snapshot_lvolname", snapshot_name);
	if (pool)
		sm_req_str(&r, "pool", pool);
	return sm_req_send_id(c, &r, "createSnapshot", lvolid);
}

/* A volume operation: {ver, lvolid|lvolname [, key: extra]}. */
static int lvol_op(struct vas_client *c, const char *method,
		   struct vas_lvol_ref v, const char *key, int32_t extra)
{
	struct sm_req r;

	sm_req_init(&r);
	if (sm_req_ref(&r, "", v)) {
		sm_req_done(&r);
		return -EINVAL;
	}
	if (key)
		sm_req_int(&r, key, extra);
	return sm_req_send_int(c, &r, method, NULL);
}

int vas_lvol_delete(struct vas_client *c, struct vas_lvol_ref v)
{
	return lvol_op(c, "deleteLogicalVolume", v, NULL, 0);
}

int vas_lvol_attach(struct vas_client *c, struct vas_lvol_ref v, int32_t hsvrid)
{
	return lvol_op(c, "attachLogicalVolume", v, "hsvrid", hsvrid);
}

int vas_lvol_detach(struct vas_client *c, struct vas_lvol_ref v)
{
	return lvol_op(c, "detachLogicalVolume", v, NULL, 0);
}

int vas_notify_failure(struct vas_client *c, int target, int32_t targetid)
{
	struct sm_req r;

	sm_req_init(&r);
	sm_req_int(&r, "target", target);
	sm_req_int(&r, "targetid", targetid);
	return sm_req_send_int(c, &r, "notifyFailure", NULL);
}

int vas_notify_badblocks(struct vas_client *c, int32_t pdskid,
			 const int32_t *blocks, int n)
{
	xmlrpc_value *arr;
	struct sm_req r;
	int i;

	sm_req_init(&r);
	sm_req_int(&r, "pdskid", pdskid);
	arr = xmlrpc_array_new(&r.env);
	for (i = 0; i < n && !r.env.fault_occurred; i++) {
		xmlrpc_value *b = xmlrpc_int_new(&r.env, blocks[i]);

		if (b) {
			xmlrpc_array_append_item(&r.env, arr, b);
			xmlrpc_DECREF(b);
		}
	}
	sm_req_set(&r, "blocks", arr);
	return sm_req_send_int(c, &r, "notifyBadBlocks", NULL);
}

int vas_shutdown_all(struct vas_client *c)
{
	struct sm_req r;

	sm_req_init(&r);
	return sm_req_send_int(c, &r, "shutdownAll", NULL);
}

static int list_call(struct vas_client *c, struct sm_req *r, const char *method,
		     enum smr_kind kind, void **out, int *n)
{
	xmlrpc_value *res = NULL;
	int ret;

	*out = NULL;
	*n = 0;
	r->repeatable = true;
	ret = sm_req_send(c, r, method, &res);
	if (!ret)
		ret = smr_decode(res, kind, out, n);
	if (res)
		xmlrpc_DECREF(res);
	return ret;
}

/* A list's pool filter and placement, only when asked for. */
static void pool_opts(struct sm_req *r, const struct vas_pool_opts *o)
{
	if (o && o->pool)
		sm_req_str(r, "pool", o->pool);
	if (o && o->placement)
		sm_req_bool(r, "placement", true);
}

static int list_by_id(struct vas_client *c, const char *method, const char *key,
		      int32_t id, const struct vas_pool_opts *o,
		      enum smr_kind kind, void **out, int *n)
{
	struct sm_req r;

	sm_req_init(&r);
	if (id)
		sm_req_int(&r, key, id);
	pool_opts(&r, o);
	return list_call(c, &r, method, kind, out, n);
}

int vas_list(struct vas_client *c, enum vas_list_kind kind, int32_t id,
	     void **rows, int *n)
{
	return vas_list_in(c, kind, id, NULL, rows, n);
}

int vas_list_in(struct vas_client *c, enum vas_list_kind kind, int32_t id,
		const struct vas_pool_opts *o, void **rows, int *n)
{
	static const struct {
		const char *method, *key;
		enum smr_kind reply;
	} list[] = {
	    [VAS_LIST_HSVRS] = {"listHeadServers", "hsvrid", SMR_HSVR},
	    [VAS_LIST_SSVRS] = {"listStorageServers", "ssvrid", SMR_SSVR},
	    [VAS_LIST_PDSKS] = {"listPhysicalDisks", "ssvrid", SMR_PDSK},
	};

	return list_by_id(c, list[kind].method, list[kind].key, id, o,
			  list[kind].reply, rows, n);
}

int vas_list_hsvrs(struct vas_client *c, int32_t hsvrid,
		   struct vas_hsvr_info **out, int *n)
{
	return vas_list(c, VAS_LIST_HSVRS, hsvrid, (void **)out, n);
}

int vas_list_ssvrs(struct vas_client *c, int32_t ssvrid,
		   struct vas_ssvr_info **out, int *n)
{
	return vas_list(c, VAS_LIST_SSVRS, ssvrid, (void **)out, n);
}

int vas_list_pdsks(struct vas_client *c, int32_t ssvrid,
		   struct vas_pdsk_info **out, int *n)
{
	return vas_list(c, VAS_LIST_PDSKS, ssvrid, (void **)out, n);
}

int vas_list_lvols(struct vas_client *c, const struct vas_lvol_ref *v,
		   struct vas_lvol_info **out, int *n)
{
	return vas_list_lvols_in(c, v, NULL, out, n);
}

int vas_list_lvols_in(struct vas_client *c, const struct vas_lvol_ref *v,
		      const struct vas_pool_opts *o, struct vas_lvol_info **out,
		      int *n)
{
	struct sm_req r;

	sm_req_init(&r);
	if (v && sm_req_ref(&r, "", *v)) {
		sm_req_done(&r);
		*out = NULL;
		*n = 0;
		return -EINVAL;
	}
	pool_opts(&r, o);
	return list_call(c, &r, "listLogicalVolumes", SMR_LVOL, (void **)out,
			 n);
}

void vas_lvol_info_free(struct vas_lvol_info *a, int n)
{
	smr_free_lvols(a, n);
}

int vas_show_lvol(struct vas_client *c, struct vas_lvol_ref v,
		  struct vas_lvolstruct **out)
{
	struct vas_lvolstruct *node;
	xmlrpc_value *res = NULL;
	struct sm_req r;
	int ret;

	*out = NULL;
	sm_req_init(&r);
	if (sm_req_ref(&r, "", v)) {
		sm_req_done(&r);
		return -EINVAL;
	}
	r.repeatable = true;
	ret = sm_req_send(c, &r, "showLogicalVolume", &res);
	if (ret)
		return ret;
	node = calloc(1, sizeof(*node));
	if (!node) {
		ret = -ENOMEM;
	} else if (lvs_decode(res, node)) {
		free(node);
		ret = -EPROTO;
	} else {
		*out = node;
	}
	xmlrpc_DECREF(res);
	return ret;
}
