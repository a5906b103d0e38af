/*
 * Who may call what (issue #18, SECURITY.md). Administrative calls come
 * only from admin_peers; the agents' calls (register*, notify*) only from
 * a registered server's address, from the addresses a server registers
 * with, from agent_peers or from admin_peers. Anything else is fault
 * EACCES, before a member is read or a row is touched.
 */
#include "api.h"
#include "servers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool in_process(const struct rpc_request *req)
{
	return req->peer_addr.ss_family == AF_UNSPEC;
}

int api_guard_admin(struct rpc_request *req)
{
	if (in_process(req) ||
	    peer_acl_match(&api_sm(req)->cfg.admin_peers, &req->peer_addr))
		return 0;
	return rpc_refuse(req, EACCES, "not in admin_peers");
}

/* Whether the peer is one of the addresses the call registers. */
static bool registers_itself(struct rpc_request *req)
{
	xmlrpc_value *arr = NULL, *e;
	const char *ip;
	bool found = false;
	int i, n;

	if (!req->params)
		return false;
	xmlrpc_struct_find_value(req->env, req->params, "ip_data", &arr);
	if (req->env->fault_occurred || !arr ||
	    xmlrpc_value_type(arr) != XMLRPC_TYPE_ARRAY)
		goto out;
	n = xmlrpc_array_size(req->env, arr);
	for (i = 0; i < n && i < 8 && !found; i++) {
		e = NULL;
		xmlrpc_array_read_item(req->env, arr, i, &e);
		if (!e)
			break;
		if (xmlrpc_value_type(e) == XMLRPC_TYPE_STRING) {
			xmlrpc_read_string(req->env, e, &ip);
			if (!req->env->fault_occurred) {
				found = !strcmp(ip, req->peer);
				free((void *)ip);
			}
		}
		xmlrpc_DECREF(e);
	}
out:
	if (arr)
		xmlrpc_DECREF(arr);
	/* A malformed request is answered by the member checks after. */
	xmlrpc_env_clean(req->env);
	xmlrpc_env_init(req->env);
	return found;
}

int api_guard_agent(struct rpc_request *req)
{
	const struct sm_config *cfg;

	if (in_process(req))
		return 0;
	cfg = &api_sm(req)->cfg;
	if (peer_acl_match(&cfg->admin_peers, &req->peer_addr) ||
	    peer_acl_match(&cfg->agent_peers, &req->peer_addr) ||
	    srv_ip_registered(api_sm(req), req->peer))
		return 0;
	if (!strncmp(req->method, "register", 8) &&
	    strcmp(req->method, "registerPhysicalDisk") &&
	    registers_itself(req))
		return 0;
	return rpc_refuse(req, EACCES,
			  "not a registered server, agent_peers or "
			  "admin_peers");
}
