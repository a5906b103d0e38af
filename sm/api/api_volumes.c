/* Handlers: volume and snapshot operations, lists and trees. */
#include "api.h"
#include "volumes.h"
#include "vas/proto.h"
#include "vas/rpc_writer.h"
#include "vas/units.h"

#include <errno.h>
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
	int ret = vol_create(
	    ctx(req), rpc_str(req, "lvolname", ""), rpc_int(req, "capacity", 0),
	    (int)rpc_int(req, "redundancy", VAS_DEF_REDUNDANCY), &id);

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

static void write_assoc(struct rpc_writer *w, const char *name,
			const int32_t *ids, int n)
{
	int i;

	rpc_w_member(w, name);
	rpc_w_array_begin(w);
	for (i = 0; i < n; i++) {
		rpc_w_struct_begin(w);
		rpc_w_int(w, "lvolid", ids[i]);
		rpc_w_str(w, "type", "snapshot");
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	rpc_w_member_end(w);
}

/* Written as text: 10 000 volumes must list in well under 200 ms. */
int api_lvol_list(struct rpc_request *req)
{
	struct sm_volume_list list;
	struct rpc_writer *w;
	struct vol_ref r;
	int i, ret;

	r = ref_of(req, "lvolid", "lvolname");
	/* Present members make it a lookup, whatever their value. */
	ret = vol_list(
	    ctx(req),
	    rpc_has(req, "lvolid") || rpc_has(req, "lvolname") ? &r : NULL,
	    &list);
	if (ret)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w) {
		vol_list_free(&list);
		return -ENOMEM;
	}
	rpc_writer_init(w);
	rpc_w_array_begin(w);
	for (i = 0; i < list.n; i++) {
		const struct sm_volume_entry *l = &list.e[i];

		rpc_w_struct_begin(w);
		rpc_w_int(w, "hsvrid", l->hsvrid);
		rpc_w_int(w, "lvolid", l->v.lvolid);
		rpc_w_str(w, "lvolname", l->v.lvolname);
		rpc_w_int(w, "redundancy", l->v.redundancy);
		rpc_w_int(w, "capacity", l->v.capacity);
		write_assoc(w, "associated_to", &l->v.origin,
			    l->v.origin ? 1 : 0);
		write_assoc(w, "associated_from", list.snaps + l->first_snap,
			    l->n_snaps);
		rpc_w_bool(w, "fault", l->fault);
		rpc_w_int(w, "bind_status", l->bind_status);
		rpc_w_int(w, "bind_event", l->bind_event);
		rpc_w_str(w, "ctime", l->v.ctime);
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	vol_list_free(&list);
	req->reply_text = w;
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
