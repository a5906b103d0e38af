/* Calls to head and storage agents, with address failover. */
#include "agent_ops.h"
#include "db_fence.h"
#include "db_servers.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

	/* A worker of a lost leadership sends nothing (issue 15). */
	if (!db_fence_ok()) {
		memset(oc, 0, sizeof(*oc));
		snprintf(oc->detail, sizeof(oc->detail),
			 "%s not sent: no longer the leader", method);
		*result = NULL;
		return -ESTALE;
	}
	for (i = 0; i < srv->n_ip; i++)
		hosts[i] = srv->ip[i];
	return rpc_call(hosts, srv->n_ip, port, method, param,
			cfg->agent_timeout_ms, RPC_FAILOVER_AGENT, result, oc);
}

int agent_event_status(const struct sm_config *cfg, const struct sm_server *srv,
		       int port, int32_t eventid, int *status, int *result)
{
	return agent_event_status_msg(cfg, srv, port, eventid, status, result,
				      NULL, 0, NULL);
}

/*
 * Reads [status, result, ...] from an array of n items, n one of those
 * allowed (2, or also 4 with a reason); -EPROTO for anything else.
 */
static int read_pair(xmlrpc_value *res, bool four_ok, int *n, int *status,
		     int *result)
{
	xmlrpc_value *e0 = NULL, *e1 = NULL;
	xmlrpc_env env;
	int ret = -EPROTO;

	xmlrpc_env_init(&env);
	if (xmlrpc_value_type(res) != XMLRPC_TYPE_ARRAY)
		goto out;
	*n = xmlrpc_array_size(&env, res);
	if (*n != 2 && !(*n == 4 && four_ok))
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
	xmlrpc_env_clean(&env);
	return ret;
}

int agent_shred_status(const struct sm_config *cfg, const struct sm_server *srv,
		       int port, int32_t eventid, int32_t dextid,
		       int32_t pdskid, int64_t offset_vb, int64_t capacity_vb,
		       int *status, int *result)
{
	xmlrpc_value *p, *res = NULL;
	struct rpc_outcome oc;
	xmlrpc_env env;
	int ret, n;

	xmlrpc_env_init(&env);
	p = xmlrpc_build_value(&env, "{s:i,s:i,s:i,s:i,s:i,s:i}", "ver",
			       VAS_XMLRPC_VERSION, "eventid", eventid, "dextid",
			       dextid, "pdskid", pdskid, "offset",
			       (int)offset_vb, "capacity", (int)capacity_vb);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		return -ENOMEM;
	}
	ret = agent_call(cfg, srv, port, "getEventStatus", p, &res, &oc);
	xmlrpc_DECREF(p);
	if (!ret)
		ret = read_pair(res, false, &n, status, result);
	if (res)
		xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	return ret;
}

int agent_event_status_msg(const struct sm_config *cfg,
			   const struct sm_server *srv, int port,
			   int32_t eventid, int *status, int *result, char *msg,
			   size_t len, int *rolled_back)
{
	xmlrpc_value *p, *res = NULL, *e2 = NULL, *e3 = NULL;
	struct rpc_outcome oc;
	xmlrpc_env env;
	int ret, n;

	xmlrpc_env_init(&env);
	if (len)
		msg[0] = '\0';
	if (rolled_back)
		*rolled_back = 0;
	/* Our head agent adds the reason of an ERROR when asked. */
	p = len ? xmlrpc_build_value(&env, "{s:i,s:i,s:i}", "ver",
				     VAS_XMLRPC_VERSION, "eventid", eventid,
				     "detail", 1)
		: xmlrpc_build_value(&env, "{s:i,s:i}", "ver",
				     VAS_XMLRPC_VERSION, "eventid", eventid);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		return -ENOMEM;
	}
	ret = agent_call(cfg, srv, port, "getEventStatus", p, &res, &oc);
	xmlrpc_DECREF(p);
	if (!ret)
		ret = read_pair(res, len != 0, &n, status, result);
	if (ret)
		goto out;
	if (n == 4) {
		const char *text = NULL;

		xmlrpc_array_read_item(&env, res, 2, &e2);
		xmlrpc_array_read_item(&env, res, 3, &e3);
		if (!env.fault_occurred &&
		    xmlrpc_value_type(e2) == XMLRPC_TYPE_STRING &&
		    xmlrpc_value_type(e3) == XMLRPC_TYPE_INT) {
			xmlrpc_read_string(&env, e2, &text);
			if (rolled_back)
				xmlrpc_read_int(&env, e3, rolled_back);
		}
		if (text)
			snprintf(msg, len, "%s", text);
		free((char *)text);
	}
	ret = env.fault_occurred ? -EPROTO : 0;
out:
	if (e2)
		xmlrpc_DECREF(e2);
	if (e3)
		xmlrpc_DECREF(e3);
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
				 int32_t eventid, char *note, size_t len)
{
	int status = 0, result = 0;

	if (agent_event_status_msg(cfg, srv, port, eventid, &status, &result,
				   note, len, NULL))
		return AGENT_POLL_LOST;
	return agent_poll_of(status);
}

enum agent_poll agent_poll_of(int status)
{
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
