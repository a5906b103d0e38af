/* Calls to head and storage agents, with address failover. */
#include "agent_ops.h"
#include "db.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int agent_server_load(struct sm *sm, enum srv_kind kind, int32_t id,
		      struct srv_row *srv)
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

int agent_call(const struct sm_config *cfg, const struct srv_row *srv, int port,
	       const char *method, xmlrpc_value *param, xmlrpc_value **result,
	       struct rpc_outcome *oc)
{
	const char *hosts[SRV_MAX_IPS];
	int i;

	for (i = 0; i < srv->n_ip; i++)
		hosts[i] = srv->ip[i];
	return rpc_call(hosts, srv->n_ip, port, method, param,
			cfg->agent_timeout_ms, RPC_FAILOVER_AGENT, result, oc);
}

int agent_event_status(const struct sm_config *cfg, const struct srv_row *srv,
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

int agent_send_job(const struct sm_config *cfg, const struct srv_row *srv,
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
				 const struct srv_row *srv, int port,
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

static int send_request(const struct sm_config *cfg, const struct srv_row *h,
			const char *method, int32_t eventid,
			const struct vas_lvolstruct *tree,
			struct agent_result *res)
{
	xmlrpc_value *p, *t, *reply = NULL;
	struct rpc_outcome oc;
	xmlrpc_env env;
	int ret;

	xmlrpc_env_init(&env);
	t = lvs_encode(&env, tree);
	p = xmlrpc_build_value(&env, "{s:i,s:i,s:V}", "ver", VAS_XMLRPC_VERSION,
			       "eventid", eventid, "lvolstruct", t);
	if (t)
		xmlrpc_DECREF(t);
	if (env.fault_occurred) {
		xmlrpc_env_clean(&env);
		res->outcome = AGENT_UNCERTAIN;
		res->code = VAS_EINTERNAL;
		return -ENOMEM;
	}
	ret = agent_call(cfg, h, cfg->hsvr_port, method, p, &reply, &oc);
	xmlrpc_DECREF(p);
	if (reply)
		xmlrpc_DECREF(reply);
	xmlrpc_env_clean(&env);
	if (!ret)
		return 0;
	if (ret == -EREMOTEIO) {
		res->outcome = AGENT_REFUSED;
		res->code = oc.fault_code;
		snprintf(res->string, sizeof(res->string), "%s",
			 oc.fault_string);
	} else {
		res->outcome = oc.fail == RPC_FAIL_CONNECT ? AGENT_UNREACHED
							   : AGENT_UNCERTAIN;
		res->code = VAS_EINTERNAL;
	}
	log_warn("%s event %d to hsvr-%08x: %s", method, eventid, h->id,
		 oc.detail[0] ? oc.detail : oc.fault_string);
	return -1;
}

void agent_drive_lvol(const struct sm_config *cfg, const struct srv_row *h,
		      const char *method, int32_t eventid,
		      const struct vas_lvolstruct *tree,
		      struct agent_result *res)
{
	long deadline =
	    cfg->op_timeout_s > 0 ? now_ms() + cfg->op_timeout_s * 1000L : 0;
	int status, result, poll_failures = 0, ret;

	memset(res, 0, sizeof(*res));
	if (send_request(cfg, h, method, eventid, tree, res))
		return;
	for (;;) {
		ret = agent_event_status(cfg, h, cfg->hsvr_port, eventid,
					 &status, &result);
		if (ret) {
			/* A lost poll leaves the outcome unknown (M51). */
			if (++poll_failures >= 3) {
				res->outcome = AGENT_UNCERTAIN;
				res->code = VAS_EINTERNAL;
				return;
			}
		} else {
			poll_failures = 0;
			switch (status) {
			case EV_DONE:
				res->outcome = AGENT_DONE;
				return;
			case EV_ERROR:
				res->outcome = AGENT_FAILED;
				res->code = result ? result : VAS_EINTERNAL;
				return;
			case EV_PROGRESS:
				break;
			case EV_NONE:
				/* The agent restarted and forgot: send again.
				 */
				if (send_request(cfg, h, method, eventid, tree,
						 res))
					return;
				break;
			default: /* M77: only DONE is success */
				res->outcome = AGENT_FAILED;
				res->code = VAS_EINTERNAL;
				return;
			}
		}
		if (deadline && now_ms() >= deadline) {
			res->outcome = AGENT_TIMEDOUT;
			res->code = ETIMEDOUT;
			return;
		}
		sleep_ms(cfg->attach_poll_ms);
	}
}
