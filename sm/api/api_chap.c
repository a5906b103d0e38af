/*
 * getTargetSecrets {ver, ssvrid} (ours, not 3.0's; SECURITY.md "CHAP"): a
 * storage agent learns the CHAP accounts of its own targets. Reply
 * {chap: 0|1, targets: [{pdskid, user, secret}]}; no targets while
 * [storage_manager] iscsi_chap is off, so the agent drops its accounts.
 * Served to the agents' callers (api_guard_agent) except a head server's
 * address or another storage server's; never cached, never logged.
 */
#include "api.h"
#include "servers.h"

#include <errno.h>

int api_target_secrets(struct rpc_request *req)
{
	struct sm *sm = api_sm(req);
	struct sm_chap *rows = NULL;
	struct rpc_writer *w;
	int n = 0, i, ret;

	ret = srv_target_secrets(sm, (int32_t)rpc_int(req, "ssvrid", 0),
				 req->peer_addr.ss_family ? req->peer : NULL,
				 &rows, &n);
	if (ret == -EACCES)
		return rpc_refuse(req, EACCES,
				  "a head server, or another storage server");
	if (ret)
		return ret;
	w = api_reply(req);
	if (!w) {
		srv_secrets_free(rows, n);
		return -ENOMEM;
	}
	rpc_w_struct_begin(w);
	rpc_w_int(w, "chap", sm->cfg.iscsi_chap);
	rpc_w_member(w, "targets");
	rpc_w_array_begin(w);
	for (i = 0; sm->cfg.iscsi_chap && i < n; i++) {
		rpc_w_struct_begin(w);
		rpc_w_int(w, "pdskid", rows[i].pdskid);
		rpc_w_str(w, "user", rows[i].user);
		rpc_w_str(w, "secret", rows[i].secret);
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	rpc_w_member_end(w);
	rpc_w_struct_end(w);
	srv_secrets_free(rows, n);
	return 0;
}
