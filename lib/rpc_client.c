/* Outgoing XML-RPC over curl with per-call timeouts and failover. */
#include "vas/log.h"
#include "vas/rpc_client.h"
#include "vas/rpc_tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <xmlrpc-c/client.h>

void rpc_client_global_init(void)
{
	xmlrpc_env env;

	xmlrpc_env_init(&env);
	xmlrpc_client_setup_global_const(&env);
	xmlrpc_env_clean(&env);
}

void rpc_client_global_cleanup(void)
{
	xmlrpc_client_teardown_global_const();
}

const struct rpc_tls *rpc_client_tls(void);

static enum rpc_fail classify(const xmlrpc_env *env)
{
	const char *s = env->fault_string ? env->fault_string : "";

	if (env->fault_code != XMLRPC_NETWORK_ERROR)
		return RPC_FAIL_OTHER; /* parse errors of a garbage reply */
	if (strstr(s, "Connection timed out") ||
	    strstr(s, "Couldn't connect") || strstr(s, "Failed to connect") ||
	    strstr(s, "Connection refused") || strstr(s, "resolve") ||
	    strstr(s, "No route to host") || strstr(s, "unreachable"))
		return RPC_FAIL_CONNECT;
	if (strstr(s, "imed out") || strstr(s, "Timeout"))
		return RPC_FAIL_TIMEOUT;
	return RPC_FAIL_OTHER;
}

/* xmlrpc-c's own negative codes mean "no usable answer", not a fault. */
static bool is_remote_fault(int code)
{
	return code != XMLRPC_NETWORK_ERROR && code != XMLRPC_PARSE_ERROR &&
	       code != XMLRPC_INTERNAL_ERROR && code != XMLRPC_TYPE_ERROR &&
	       code != XMLRPC_LIMIT_EXCEEDED_ERROR &&
	       code != XMLRPC_INVALID_UTF8_ERROR;
}

static int call_one(const char *host, int port, const char *method,
		    xmlrpc_value *param, int timeout_ms, xmlrpc_value **result,
		    struct rpc_outcome *oc)
{
	struct xmlrpc_curl_xportparms cp;
	struct xmlrpc_clientparms parms;
	xmlrpc_server_info *server = NULL;
	xmlrpc_client *client = NULL;
	xmlrpc_value *array = NULL;
	const struct rpc_tls *tls = rpc_client_tls();
	char url[128];
	xmlrpc_env env;
	int ret = 0;

	memset(&cp, 0, sizeof(cp));
	cp.timeout = timeout_ms > 0 ? (unsigned)timeout_ms : 300000;
	cp.dont_advertise = true;
	memset(&parms, 0, sizeof(parms));
	parms.transport = "curl";
	parms.transportparmsP = &cp;
	parms.transportparm_size = XMLRPC_CXPSIZE(dont_advertise);
	if (tls) {
		/* The peer must chain to the cluster CA and be the address
		 * called; we show our own certificate. */
		cp.cainfo = tls->ca_file;
		cp.ssl_cert = tls->cert_file;
		cp.sslcerttype = "PEM";
		cp.sslkey = tls->key_file;
		cp.sslkeytype = "PEM";
	}
	snprintf(url, sizeof(url), "%s://%s:%d/RPC2", rpc_client_scheme(), host,
		 port);

	xmlrpc_env_init(&env);
	xmlrpc_client_create(&env, XMLRPC_CLIENT_NO_FLAGS, "vastsky", "1",
			     &parms, XMLRPC_CPSIZE(transportparm_size),
			     &client);
	if (env.fault_occurred)
		goto fail;
	server = xmlrpc_server_info_new(&env, url);
	if (env.fault_occurred)
		goto fail;
	array = xmlrpc_array_new(&env);
	if (env.fault_occurred)
		goto fail;
	xmlrpc_array_append_item(&env, array, param);
	if (env.fault_occurred)
		goto fail;
	xmlrpc_client_call2(&env, client, server, method, array, result);
	if (!env.fault_occurred)
		goto out;
fail:
	if (client && array && is_remote_fault(env.fault_code)) {
		oc->fail = RPC_FAIL_FAULT;
		oc->fault_code = env.fault_code;
		snprintf(oc->fault_string, sizeof(oc->fault_string), "%s",
			 env.fault_string ? env.fault_string : "");
		ret = -EREMOTEIO;
	} else {
		oc->fail = classify(&env);
		ret = oc->fail == RPC_FAIL_TIMEOUT ? -ETIMEDOUT : -EHOSTDOWN;
	}
	snprintf(oc->detail, sizeof(oc->detail), "%s %s: %s", url, method,
		 env.fault_string ? env.fault_string : "?");
out:
	if (array)
		xmlrpc_DECREF(array);
	if (server)
		xmlrpc_server_info_free(server);
	if (client)
		xmlrpc_client_destroy(client);
	xmlrpc_env_clean(&env);
	return ret;
}

/* With RPC_PROBE_CONNECT: -EHOSTDOWN when host takes no connection. */
static int probe(const char *host, int port, int timeout_ms, unsigned flags,
		 struct rpc_outcome *oc)
{
	int ms = timeout_ms > 0 && timeout_ms < RPC_PROBE_MS ? timeout_ms
							     : RPC_PROBE_MS;
	int ret;

	if (!(flags & RPC_PROBE_CONNECT))
		return 0;
	ret = rpc_probe(host, port, ms);
	if (!ret)
		return 0;
	oc->fail = RPC_FAIL_CONNECT;
	snprintf(oc->detail, sizeof(oc->detail), "%s:%d: %s", host, port,
		 ret == -ETIMEDOUT ? "Connection timed out" : strerror(-ret));
	return -EHOSTDOWN;
}

int rpc_call(const char *const *hosts, int nhosts, int port, const char *method,
	     xmlrpc_value *param, int timeout_ms, unsigned failover,
	     xmlrpc_value **result, struct rpc_outcome *oc)
{
	int i, ret = -EHOSTDOWN;

	memset(oc, 0, sizeof(*oc));
	*result = NULL;
	for (i = 0; i < nhosts; i++) {
		oc->tried++;
		ret = probe(hosts[i], port, timeout_ms, failover, oc);
		if (!ret)
			ret = call_one(hosts[i], port, method, param,
				       timeout_ms, result, oc);
		if (ret == 0 || ret == -EREMOTEIO)
			return ret;
		log_debug("%s", oc->detail);
		if (!(failover & (1u << oc->fail)))
			return ret;
	}
	return oc->fail == RPC_FAIL_TIMEOUT && nhosts == 1 ? -ETIMEDOUT
							   : -EHOSTDOWN;
}
