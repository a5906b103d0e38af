/* Handlers: volume and snapshot operations, lists and trees. */
#include "api.h"
#include "attach.h"
#include "volumes.h"
#include "vas/proto.h"
#include "vas/units.h"
#include "vas/lvolstruct_rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

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
	int ret =
	    vol_create(api_sm(req), rpc_str(req, "lvolname", ""),
		       rpc_int(req, "capacity", 0),
		       (int)rpc_int(req, "redundancy", VAS_DEF_REDUNDANCY),
		       api_opt_str(req, "pool"), &id);

	return ret ? ret : api_reply_int(req, id);
}

int api_snap_create(struct rpc_request *req)
{
	int32_t id = 0;
	int ret = vol_snapshot(api_sm(req),
			       ref_of(req, "origin_lvolid", "origin_lvolname"),
			       rpc_str(req, "snapshot_lvolname", NULL),
			       api_opt_str(req, "pool"), &id);

	return ret ? ret : api_reply_int(req, id);
}

int api_lvol_delete(struct rpc_request *req)
{
	return vol_delete(api_sm(req), ref_of(req, "lvolid", "lvolname"));
}

/*
 * A head agent's failure, relayed with its cause after the errno name
 * ("EIO: attach failed, rolled back: 'multipath /dev/sdc': exit 1: ...");
 * clients that read only the code see nothing new.
 */
static int relay(struct rpc_request *req, int ret)
{
	const char *cause = attach_failure_cause(), *name;

	if (ret > -VAS_ERELAY || !cause[0])
		return ret;
	rpc_fault_from_err(ret, &req->fault_code, &name);
	snprintf(req->fault_string, sizeof(req->fault_string), "%s: %s", name,
		 cause);
	return -1;
}

int api_lvol_attach(struct rpc_request *req)
{
	return relay(req,
		     vol_attach(api_sm(req), ref_of(req, "lvolid", "lvolname"),
				(int32_t)rpc_int(req, "hsvrid", 0)));
}

int api_lvol_detach(struct rpc_request *req)
{
	return relay(
	    req, vol_detach(api_sm(req), ref_of(req, "lvolid", "lvolname")));
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

/* Streamed: 10 000 volumes must list in well under 200 ms. */
int api_lvol_extend(struct rpc_request *req)
{
	return vol_extend(api_sm(req), ref_of(req, "lvolid", "lvolname"),
			  rpc_int(req, "capacity", 0));
}

/* Streamed: 10 000 volumes must list in well under 200 ms. */
int api_lvol_list(struct rpc_request *req)
{
	struct rpc_writer *w = api_reply(req);
	bool placement = api_flag(req, "placement");
	struct sm_volume_list list;
	struct vol_ref r = ref_of(req, "lvolid", "lvolname");
	int i, ret;

	if (!w)
		return -ENOMEM;
	/* Present members make it a lookup, whatever their value. */
	ret = vol_list(
	    api_sm(req),
	    rpc_has(req, "lvolid") || rpc_has(req, "lvolname") ? &r : NULL,
	    api_opt_str(req, "pool"), &list);
	if (ret)
		return ret;
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
		if (placement) /* on request only (issue 16) */
			rpc_w_str(w, "pool", l->pool);
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	vol_list_free(&list);
	return 0;
}

int api_lvol_show(struct rpc_request *req)
{
	struct vas_lvolstruct tree;
	struct rpc_writer *w;
	xmlrpc_value *v;
	int ret =
	    vol_show(api_sm(req), ref_of(req, "lvolid", "lvolname"), &tree);

	if (ret)
		return ret;
	v = lvs_encode(req->env, &tree);
	lvs_clear(&tree);
	w = v ? api_reply(req) : NULL;
	if (w)
		rpc_w_value(w, v);
	if (v)
		xmlrpc_DECREF(v);
	return w ? 0 : -ENOMEM;
}
