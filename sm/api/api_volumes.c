/* Handlers: volume and snapshot operations, lists and trees. */
#include "api.h"
#include "volumes.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <stdlib.h>

static struct sm *ctx(struct rpc_request *req)
{
	return req->ctx;
}

/* LOOKUP (sm.md 3.0): id when non-zero, else a non-empty name. */
static struct vol_ref ref_of(struct rpc_request *req, const char *prefix_id,
			     const char *prefix_name)
{
	struct vol_ref r;

	r.id = (int32_t)rpc_int(req, prefix_id, 0);
	r.name = rpc_str(req, prefix_name, "");
	return r;
}

int api_lvol_create(struct rpc_request *req)
{
	int32_t id = 0;
	int ret = vol_create(ctx(req), rpc_str(req, "lvolname", ""),
			     rpc_int(req, "capacity", 0),
			     (int)rpc_int(req, "redundancy", VAS_DEF_REDUNDANCY),
			     &id);

	if (!ret)
		rpc_result_int(req, id);
	return ret;
}

int api_snap_create(struct rpc_request *req)
{
	int32_t id = 0;
	int ret = vol_snapshot(ctx(req),
			       ref_of(req, "origin_lvolid", "origin_lvolname"),
			       rpc_str(req, "snapshot_lvolname", ""), &id);

	if (!ret)
		rpc_result_int(req, id);
	return ret;
}

int api_lvol_delete(struct rpc_request *req)
{
	return vol_delete(ctx(req), ref_of(req, "lvolid", "lvolname"));
}

int api_lvol_attach(struct rpc_request *req)
{
	return vol_attach(ctx(req), ref_of(req, "lvolid", "lvolname"),
			  (int32_t)rpc_int(req, "hsvrid", 0));
}

int api_lvol_detach(struct rpc_request *req)
{
	return vol_detach(ctx(req), ref_of(req, "lvolid", "lvolname"));
}

static xmlrpc_value *assoc_array(struct rpc_request *req, const int32_t *ids,
				 int n)
{
	xmlrpc_value *arr = xmlrpc_array_new(req->env);
	int i;

	for (i = 0; i < n; i++) {
		xmlrpc_value *st = rpc_struct_new(req);

		rpc_set_int(req, st, "lvolid", ids[i]);
		rpc_set_str(req, st, "type", "snapshot");
		rpc_append(req, arr, st);
	}
	return arr;
}

int api_lvol_list(struct rpc_request *req)
{
	struct lvol_list_row *rows = NULL;
	struct vol_ref r;
	xmlrpc_value *out;
	int n = 0, i, ret;

	r = ref_of(req, "lvolid", "lvolname");
	/* Present members make it a lookup, whatever their value. */
	ret = vol_list(ctx(req),
		       rpc_has(req, "lvolid") || rpc_has(req, "lvolname") ? &r
									   : NULL,
		       &rows, &n);
	if (ret)
		return ret;
	out = xmlrpc_array_new(req->env);
	for (i = 0; i < n; i++) {
		const struct lvol_list_row *l = &rows[i];
		xmlrpc_value *st = rpc_struct_new(req);

		rpc_set_int(req, st, "hsvrid", l->hsvrid);
		rpc_set_int(req, st, "lvolid", l->v.lvolid);
		rpc_set_str(req, st, "lvolname", l->v.lvolname);
		rpc_set_int(req, st, "redundancy", l->v.redundancy);
		rpc_set_int(req, st, "capacity", l->v.capacity);
		rpc_set_value(req, st, "associated_to",
			      assoc_array(req, &l->v.origin,
					  l->v.origin ? 1 : 0));
		rpc_set_value(req, st, "associated_from",
			      assoc_array(req, l->snaps, l->n_snaps));
		rpc_set_bool(req, st, "fault", l->fault);
		rpc_set_int(req, st, "bind_status", l->bind_status);
		rpc_set_int(req, st, "bind_event", l->bind_event);
		rpc_set_str(req, st, "ctime", l->v.ctime);
		rpc_append(req, out, st);
	}
	db_lvol_list_free(rows, n);
	req->result = out;
	return 0;
}

int api_lvol_show(struct rpc_request *req)
{
	struct vas_lvolstruct tree;
	int ret = vol_show(ctx(req), ref_of(req, "lvolid", "lvolname"), &tree);

	if (ret)
		return ret;
	req->result = lvs_encode(req->env, &tree);
	lvs_clear(&tree);
	return 0;
}
