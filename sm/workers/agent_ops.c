/* Calls to head and storage agents, with address failover. */
#include "agent_ops.h"
#include "db_servers.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int agent_server_load(struct sm *sm, enum srv_kind kind, int32_t id,
		      struct sm_server *srv)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	srv->id = id;
	ret = db_server_ips(tx, kind, id, srv);
	db_rollback(tx);
	return ret;
}

int agent_call(const struct sm_config *cfg, const struct sm_server *srv,
	       int port, const char *method, xmlrpc_value *param,
	       xmlrpc_value **result, struct rpc_outcome *oc)
{
	const char *hosts[SRV_MAX_IPS];
	int i;

	for (i = 0; i < srv->n_ip; i++)
		hosts[i] = srv->ip[i];
	return rpc_call(hosts, srv->n_ip, port, method, param,
			cfg->agent_timeout_ms, RPC_FAILOVER_AGENT, result, oc);
}

int agent_event_status(const struct sm_config *cfg, const struct sm_server *srv,
		       int port, int32_t eventid, int *status, int *result)
{
	xmlrpc_value *p, *res = NULL, *e0 = NULL, *e1 = NULL;
	struct rpc_outcome oc;
	xmlrpc_env env;
	int ret;

	xmlrpc_env_init(&env);
	p = xmlrpc_build_value(&env, "{s:i,s:i}", "ver", VAS_XMLRPC_VERSION,
			       "eventid", eventid);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		return -ENOMEM;
	}
	ret = agent_call(cfg, srv, port, "getEventStatus", p, &res, &oc);
	xmlrpc_DECREF(p);
	if (ret)
		goto out;
	ret = -EPROTO;
	if (xmlrpc_value_type(res) != XMLRPC_TYPE_ARRAY ||
	    xmlrpc_array_size(&env, res) != 2)
		goto out;
	xmlrpc_array_read_item(&env, res, 0, &e0);
	xmlrpc_array_read_item(&env, res, 1, &e1);
	if (env.fault_occurred || xmlrpc_value_type(e0) != XMLRPC_TYPE_INT ||
	    xmlrpc_value_type(e1) != XMLRPC_TYPE_INT)
		goto out;
	xmlrpc_read_int(&env, e0, status);
	xmlrpc_read_int(&env, e1, result);
	ret = env.fault_occurred ? -EPROTO : 0;
out:
	if (e0)
		xmlrpc_DECREF(e0);
	if (e1)
		xmlrpc_DECREF(e1);
	if (res)
		xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	return ret;
}
int agent_send_job(const struct sm_config *cfg, const struct sm_server *srv,
		   int port, const char *method, xmlrpc_value *param,
		   int32_t eventid, bool *may_hold)
{
	xmlrpc_value *res = NULL;
	struct rpc_outcome oc;
	int ret = agent_call(cfg, srv, port, method, param, &res, &oc);

	if (res)
		xmlrpc_DECREF(res);
	/* Refused, or it never reached the agent: no event was recorded. */
	*may_hold = ret && ret != -EREMOTEIO && oc.fail != RPC_FAIL_CONNECT;
	if (ret)
		log_warn("%s %d to server %08x: %s", method, eventid, srv->id,
			 oc.detail[0] ? oc.detail : oc.fault_string);
	return ret;
}
enum agent_poll agent_poll_event(const struct sm_config *cfg,
				 const struct sm_server *srv, int port,
				 int32_t eventid)
{
	int status = 0, result = 0;

	if (agent_event_status(cfg, srv, port, eventid, &status, &result))
		return AGENT_POLL_LOST;
	switch (status) {
	case EV_PROGRESS:
		return AGENT_POLL_RUNNING;
	case EV_DONE:
		return AGENT_POLL_DONE;
	case EV_NONE:
	case EV_ERROR:
		return AGENT_POLL_GONE;
	default:
		return AGENT_POLL_LOST;
	}
}
