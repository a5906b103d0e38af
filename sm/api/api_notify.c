/* Handlers: failure notifications. */
#include "api.h"
#include "failures.h"

#include <errno.h>
#include <stdlib.h>

int api_notify_failure(struct rpc_request *req)
{
	return sm_notify_failure(req->ctx, (int)rpc_int(req, "target", 0),
				 (int32_t)rpc_int(req, "targetid", 0));
}

int api_notify_badblocks(struct rpc_request *req)
{
	xmlrpc_value *arr = rpc_member(req, "blocks");
	int n = xmlrpc_array_size(req->env, arr), i, ret;
	int32_t *blocks = calloc((size_t)n + 1, sizeof(*blocks));

	if (!blocks)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		xmlrpc_value *e = NULL;
		int v = 0;

		xmlrpc_array_read_item(req->env, arr, i, &e);
		if (e) {
			xmlrpc_read_int(req->env, e, &v);
			xmlrpc_DECREF(e);
		}
		if (v < 0) {
			free(blocks);
			return -EINVAL;
		}
		blocks[i] = v;
	}
	ret = req->env->fault_occurred
		      ? -EINVAL
		      : sm_notify_bad_blocks(req->ctx,
					     (int32_t)rpc_int(req, "pdskid", 0),
					     blocks, n);
	free(blocks);
	return ret;
}
