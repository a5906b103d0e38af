/*
 * Typed client of the storage manager, its transport half: the client's
 * hosts, the call that fails over on connect-phase errors only and maps
 * faults to negative codes, and the one-struct request builder. The
 * methods are in sm_calls.c, list replies are decoded by sm_reply.c.
 */
#include "sm_reply.h"
#include "sm_request.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_tls.h"
#include "vas/units.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_DEF_TIMEOUT_MS 300000
#define CLIENT_MAX_HOSTS      16

struct vas_client {
	char **hosts;
	int nhosts;
	int port;
	int timeout_ms;
	int answered; /* index of the host that answered, or -1 */
	/*
	 * Where the next call starts: the host that last answered, or the
	 * one after a host that took a request and gave no answer (stopped,
	 * died mid-call), so a long-lived caller does not wait on it again.
	 */
	int first;
	struct rpc_outcome last;
	char tried[512];
};

/* --- construction --- */

static char *dup_trimmed(const char *s, size_t len)
{
	char *out;

	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	out = malloc(len + 1);
	if (!out)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return out;
}

static int client_add_host(struct vas_client *c, const char *s, size_t len)
{
	char *h;

	if (c->nhosts >= CLIENT_MAX_HOSTS)
		return -EINVAL;
	h = dup_trimmed(s, len);
	if (!h)
		return -ENOMEM;
	if (!*h) {
		free(h); /* "a,,b": empty entries are skipped */
		return 0;
	}
	c->hosts[c->nhosts++] = h;
	return 0;
}

static int client_alloc(int port, int timeout_ms, struct vas_client **out)
{
	struct vas_client *c;

	*out = NULL;
	if (port <= 0 || port > 65535)
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->hosts = calloc(CLIENT_MAX_HOSTS, sizeof(*c->hosts));
	if (!c->hosts) {
		free(c);
		return -ENOMEM;
	}
	c->port = port;
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : CLIENT_DEF_TIMEOUT_MS;
	c->answered = -1;
	*out = c;
	return 0;
}

int vas_client_new(const char *const *hosts, int nhosts, int port,
		   int timeout_ms, struct vas_client **out)
{
	struct vas_client *c;
	int i, ret;

	ret = client_alloc(port, timeout_ms, &c);
	if (ret)
		return ret;
	for (i = 0; i < nhosts && !ret; i++)
		if (hosts[i])
			ret = client_add_host(c, hosts[i], strlen(hosts[i]));
	if (ret) {
		vas_client_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

int vas_client_from_conf(const struct vas_conf *conf, int timeout_ms,
			 struct vas_client **out)
{
	const char *list, *p, *comma;
	struct rpc_tls tls;
	struct vas_client *c;
	long port;
	int ret;

	*out = NULL;
	ret = conf_get_long(conf, "storage_manager", "port", VAS_PORT_SM, 1,
			    65535, &port);
	if (!ret)
		ret = rpc_tls_from_conf(conf, &tls);
	if (ret)
		return ret;
	/* Every program that talks to the manager speaks as [tls] says. */
	rpc_client_use_tls(&tls);
	ret = client_alloc((int)port, timeout_ms, &c);
	if (ret)
		return ret;
	list = conf_get_str(conf, "storage_manager", "host_list", "");
	for (p = list; !ret && *p; p = *comma ? comma + 1 : comma) {
		comma = strchrnul(p, ',');
		ret = client_add_host(c, p, (size_t)(comma - p));
	}
	if (ret) {
		vas_client_free(c);
		return ret;
	}
	*out = c;
	return 0;
}

void vas_client_free(struct vas_client *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < c->nhosts; i++)
		free(c->hosts[i]);
	free(c->hosts);
	free(c);
}

const struct rpc_outcome *vas_client_last(const struct vas_client *c)
{
	return &c->last;
}

const char *vas_client_last_host(const struct vas_client *c)
{
	return c->answered >= 0 ? c->hosts[c->answered] : NULL;
}

const char *vas_client_tried(const struct vas_client *c)
{
	return c->tried;
}

int vas_client_port(const struct vas_client *c)
{
	return c->port;
}

int vas_client_nhosts(const struct vas_client *c)
{
	return c->nhosts;
}

/* --- the call --- */

static int fault_to_err(int code)
{
	if (code == VAS_EINTERNAL)
		return -VAS_EINTERNAL;
	if (code == VAS_ENOMETHOD)
		return -VAS_ENOMETHOD;
	if (code > 1 && code < 4096)
		return -code;
	return -EREMOTEIO; /* not an errno: unknown to this client */
}

/* xmlrpc-c prepends its own words to the manager's fault string. */
static void strip_prefix(char *s)
{
	static const char prefix[] = "RPC failed at server.";
	size_t skip = sizeof(prefix) - 1;

	if (strncmp(s, prefix, skip))
		return;
	while (s[skip] == ' ')
		skip++;
	memmove(s, s + skip, strlen(s + skip) + 1);
}

static void note_tried(struct vas_client *c, const char *host,
		       const struct rpc_outcome *oc)
{
	size_t used = strlen(c->tried);
	const char *why = strrchr(oc->detail, ':');

	why = why ? why + 1 : oc->detail;
	while (*why == ' ')
		why++;
	snprintf(c->tried + used, sizeof(c->tried) - used, "%s%s:%d (%s)",
		 used ? ", " : "", host, c->port, why);
}

/*
 * Sends method({ver: 5, ...param}) host by host, from c->first on. A
 * change moves to the next host only when the connection could not be
 * made, so a request that may have been received is never sent twice; a
 * repeatable call (a read) also when the request went unanswered (timed
 * out, connection lost). Takes a reference of param.
 */
static int client_call(struct vas_client *c, const char *method,
		       xmlrpc_value *param, bool repeatable,
		       xmlrpc_value **result)
{
	struct rpc_outcome oc;
	int start = c->first, k, i, tried = 0, ret = -EHOSTDOWN;

	*result = NULL;
	c->answered = -1;
	c->tried[0] = '\0';
	memset(&c->last, 0, sizeof(c->last));
	for (k = 0; k < c->nhosts; k++) {
		i = (start + k) % c->nhosts;
		/* With another host left to ask, one that drops SYNs costs
		 * RPC_PROBE_MS, not the call timeout; the last gets it all. */
		ret = rpc_call((const char *const *)&c->hosts[i], 1, c->port,
			       method, param, c->timeout_ms,
			       RPC_FAILOVER_CONNECT |
				   (k < c->nhosts - 1 ? RPC_PROBE_CONNECT : 0),
			       result, &oc);
		tried++;
		c->last = oc;
		c->last.tried = tried;
		if (ret == 0 || ret == -EREMOTEIO) {
			c->answered = c->first = i;
			break;
		}
		note_tried(c, c->hosts[i], &oc);
		if (oc.fail == RPC_FAIL_CONNECT)
			continue;
		c->first = (i + 1) % c->nhosts;
		if (!repeatable)
			break;
	}
	if (ret == -EREMOTEIO) {
		strip_prefix(c->last.fault_string);
		return fault_to_err(c->last.fault_code);
	}
	if (ret == -ETIMEDOUT || c->last.fail == RPC_FAIL_TIMEOUT)
		return -ETIMEDOUT;
	if (ret && c->last.fail == RPC_FAIL_OTHER)
		return -EPROTO; /* an answer, but not an XML-RPC reply */
	return ret;
}

void sm_req_init(struct sm_req *r)
{
	xmlrpc_env_init(&r->env);
	r->repeatable = false;
	r->st = xmlrpc_struct_new(&r->env);
	if (!r->env.fault_occurred) {
		xmlrpc_value *v = xmlrpc_int_new(&r->env, VAS_XMLRPC_VERSION);

		if (v) {
			xmlrpc_struct_set_value(&r->env, r->st, "ver", v);
			xmlrpc_DECREF(v);
		}
	}
}

void sm_req_set(struct sm_req *r, const char *key, xmlrpc_value *v)
{
	if (!v)
		return;
	if (!r->env.fault_occurred)
		xmlrpc_struct_set_value(&r->env, r->st, key, v);
	xmlrpc_DECREF(v);
}

void sm_req_int(struct sm_req *r, const char *key, int v)
{
	if (!r->env.fault_occurred)
		sm_req_set(r, key, xmlrpc_int_new(&r->env, v));
}

void sm_req_str(struct sm_req *r, const char *key, const char *v)
{
	if (!r->env.fault_occurred)
		sm_req_set(r, key, xmlrpc_string_new(&r->env, v));
}

void sm_req_bool(struct sm_req *r, const char *key, bool v)
{
	if (!r->env.fault_occurred)
		sm_req_set(r, key, xmlrpc_bool_new(&r->env, v));
}

void sm_req_done(struct sm_req *r)
{
	if (r->st)
		xmlrpc_DECREF(r->st);
	xmlrpc_env_clean(&r->env);
}

/* Calls with the built request; frees it. */
int sm_req_send(struct vas_client *c, struct sm_req *r, const char *method,
		xmlrpc_value **result)
{
	int ret;

	*result = NULL;
	if (r->env.fault_occurred)
		ret = -ENOMEM;
	else
		ret = client_call(c, method, r->st, r->repeatable, result);
	sm_req_done(r);
	return ret;
}

/* A call whose reply is an int; *out may be NULL. */
int sm_req_send_int(struct vas_client *c, struct sm_req *r, const char *method,
		    int64_t *out)
{
	xmlrpc_value *res = NULL;
	int64_t v = 0;
	int ret;

	ret = sm_req_send(c, r, method, &res);
	if (!ret)
		ret = smr_read_int(res, &v);
	if (res)
		xmlrpc_DECREF(res);
	if (!ret && out)
		*out = v;
	return ret;
}

/* A call whose reply is a new resource id (1 .. 0x7fffffff). */
int sm_req_send_id(struct vas_client *c, struct sm_req *r, const char *method,
		   int32_t *id)
{
	int64_t v = 0;
	int ret;

	ret = sm_req_send_int(c, r, method, &v);
	if (!ret && (v < 1 || v > VAS_MAX_RESOURCEID))
		ret = -EPROTO;
	if (!ret && id)
		*id = (int32_t)v;
	return ret;
}

int sm_req_ref(struct sm_req *r, const char *prefix, struct vas_lvol_ref v)
{
	char key[32];

	if (v.lvolid) {
		snprintf(key, sizeof(key), "%slvolid", prefix);
		sm_req_int(r, key, v.lvolid);
	} else if (v.lvolname) {
		snprintf(key, sizeof(key), "%slvolname", prefix);
		sm_req_str(r, key, v.lvolname);
	} else {
		return -EINVAL;
	}
	return 0;
}
