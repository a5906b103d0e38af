/* The manager's XML-RPC method table (sm.md 3; vas_api.txt). */
#ifndef VAS_SM_API_H
#define VAS_SM_API_H

#include "vas/rpc.h"
#include "vas/rpc_writer.h"

extern const struct rpc_method sm_methods[];

/* The manager behind the request. */
static inline struct sm *api_sm(const struct rpc_request *req)
{
	return req->ctx;
}

/*
 * Every reply of the manager is written with the one encoder,
 * vas/rpc_writer.h: the writer attached to req (the dispatcher sends and
 * frees it), NULL when out of memory.
 */
struct rpc_writer *api_reply(struct rpc_request *req);
/* A reply that is one int. */
int api_reply_int(struct rpc_request *req, int64_t v);
/* An optional string member: its value, or NULL when absent. */
const char *api_opt_str(struct rpc_request *req, const char *name);
/* An optional boolean member; false when absent. */
bool api_flag(struct rpc_request *req, const char *name);

int api_register_hsvr(struct rpc_request *req);
int api_register_ssvr(struct rpc_request *req);
int api_register_pdsk(struct rpc_request *req);
int api_delete_pdsk(struct rpc_request *req);
int api_delete_hsvr(struct rpc_request *req);
int api_delete_ssvr(struct rpc_request *req);
int api_list_hsvrs(struct rpc_request *req);
int api_list_ssvrs(struct rpc_request *req);
int api_list_pdsks(struct rpc_request *req);
int api_shutdown_all(struct rpc_request *req);

/* Guards (api_access.c): admin_peers; registered agents. */
int api_guard_admin(struct rpc_request *req);
int api_guard_agent(struct rpc_request *req);
int api_list_events(struct rpc_request *req);

int api_lvol_create(struct rpc_request *req);
int api_snap_create(struct rpc_request *req);
int api_lvol_delete(struct rpc_request *req);
int api_lvol_attach(struct rpc_request *req);
int api_lvol_detach(struct rpc_request *req);
int api_lvol_list(struct rpc_request *req);
int api_lvol_show(struct rpc_request *req);
int api_lvol_extend(struct rpc_request *req);

int api_pool_create(struct rpc_request *req);
int api_pool_delete(struct rpc_request *req);
int api_pool_list(struct rpc_request *req);
int api_pool_quota(struct rpc_request *req);
int api_storage_pool(struct rpc_request *req);
int api_failure_domain(struct rpc_request *req);

int api_notify_failure(struct rpc_request *req);
int api_notify_badblocks(struct rpc_request *req);
/* Ours (api_chap.c): a storage agent's CHAP accounts. */
int api_target_secrets(struct rpc_request *req);

#endif
