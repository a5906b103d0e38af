/* Calls to head and storage agents, with address failover. */
#include "agent_ops.h"
#include "db.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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
	return agent_event_status_msg(cfg, srv, port, eventid, status, result,
				      NULL, 0, NULL);
}

int agent_event_status_msg(const struct sm_config *cfg,
			   const struct srv_row *srv, int port, int32_t eventid,
			   int *status, int *result, char *msg, size_t len,
			   int *rolled_back)
{
	xmlrpc_value *p, *res = NULL, *e0 = NULL, *e1 = NULL, *e2 = NULL;
	xmlrpc_value *e3 = NULL;
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
	if (ret)
		goto out;
	ret = -EPROTO;
	if (xmlrpc_value_type(res) != XMLRPC_TYPE_ARRAY)
		goto out;
	n = xmlrpc_array_size(&env, res);
	if (n != 2 && !(n == 4 && len))
		goto out;
	xmlrpc_array_read_item(&env, res, 0, &e0);
	xmlrpc_array_read_item(&env, res, 1, &e1);
	if (env.fault_occurred || xmlrpc_value_type(e0) != XMLRPC_TYPE_INT ||
	    xmlrpc_value_type(e1) != XMLRPC_TYPE_INT)
		goto out;
	xmlrpc_read_int(&env, e0, status);
	xmlrpc_read_int(&env, e1, result);
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
	if (e0)
		xmlrpc_DECREF(e0);
	if (e1)
		xmlrpc_DECREF(e1);
	if (res)
		xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	return ret;
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
		ret = agent_event_status_msg(
		    cfg, h, cfg->hsvr_port, eventid, &status, &result,
		    res->string, sizeof(res->string), &res->rolled_back);
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
