/* Handlers: storage pools, quotas, pool and domain of storage (issue 16). */
#include "api.h"
#include "pools.h"

#include <errno.h>
#include <stdlib.h>

int api_pool_create(struct rpc_request *req)
{
	int32_t id = 0;
	int ret = pool_create(api_sm(req), rpc_str(req, "pool", ""),
			      api_opt_str(req, "parent"),
			      rpc_int(req, "quota", 0), &id);

	return ret ? ret : api_reply_int(req, id);
}

int api_pool_delete(struct rpc_request *req)
{
	return pool_delete(api_sm(req), rpc_str(req, "pool", ""));
}

int api_pool_quota(struct rpc_request *req)
{
	return pool_set_quota(api_sm(req), rpc_str(req, "pool", ""),
			      rpc_int(req, "quota", 0));
}

int api_pool_list(struct rpc_request *req)
{
	struct sm_pool *rows = NULL;
	struct rpc_writer *w = api_reply(req);
	int n = 0, i, ret;

	if (!w)
		return -ENOMEM;
	ret = pool_list(api_sm(req), api_opt_str(req, "pool"), &rows, &n);
	if (ret)
		return ret;
	rpc_w_array_begin(w);
	for (i = 0; i < n; i++) {
		rpc_w_struct_begin(w);
		rpc_w_int(w, "poolid", rows[i].poolid);
		rpc_w_str(w, "pool", rows[i].name);
		rpc_w_int(w, "parent", rows[i].parent);
		rpc_w_int(w, "quota", rows[i].quota_gib);
		rpc_w_int(w, "capacity", rows[i].capacity_vb);
		rpc_w_int(w, "used", rows[i].used_gib);
		rpc_w_int(w, "available", rows[i].available_vb);
		rpc_w_int(w, "volumes", rows[i].volumes);
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	free(rows);
	return 0;
}

/* Exactly one of ssvrid and pdskid names what moves. */
int api_storage_pool(struct rpc_request *req)
{
	const char *pool = rpc_str(req, "pool", "");

	if (rpc_has(req, "ssvrid") == rpc_has(req, "pdskid"))
		return -EINVAL;
	if (rpc_has(req, "ssvrid"))
		return pool_place_server(
		    api_sm(req), (int32_t)rpc_int(req, "ssvrid", 0), pool);
	return pool_place_disk(api_sm(req), (int32_t)rpc_int(req, "pdskid", 0),
			       pool);
}

int api_failure_domain(struct rpc_request *req)
{
	return pool_set_domain(api_sm(req), (int32_t)rpc_int(req, "ssvrid", 0),
			       rpc_str(req, "domain", ""));
}
