/* Member accessors and result builders for request handlers. */
#include "vas/rpc.h"

#include <stdlib.h>
#include <string.h>

xmlrpc_value *rpc_member(const struct rpc_request *req, const char *name)
{
	xmlrpc_value *v = NULL;
	xmlrpc_env env;

	if (!req->params)
		return NULL;
	xmlrpc_env_init(&env);
	xmlrpc_struct_find_value(&env, req->params, name, &v);
	xmlrpc_env_clean(&env);
	if (v)
		xmlrpc_DECREF(v); /* the struct keeps its own reference */
	return v;
}

bool rpc_has(const struct rpc_request *req, const char *name)
{
	return rpc_member(req, name) != NULL;
}

int64_t rpc_int(const struct rpc_request *req, const char *name, int64_t def)
{
	xmlrpc_value *v = rpc_member(req, name);
	int64_t out = def;
	xmlrpc_env env;

	if (!v)
		return def;
	xmlrpc_env_init(&env);
	switch (xmlrpc_value_type(v)) {
	case XMLRPC_TYPE_INT: {
		int i;

		xmlrpc_read_int(&env, v, &i);
		out = i;
		break;
	}
	case XMLRPC_TYPE_I8: {
		xmlrpc_int64 i;

		xmlrpc_read_i8(&env, v, &i);
		out = i;
		break;
	}
	case XMLRPC_TYPE_STRING: {
		const char *s;

		xmlrpc_read_string(&env, v, &s);
		if (!env.fault_occurred) {
			out = strtoll(s, NULL, 10);
			free((void *)s);
		}
		break;
	}
	default:
		break;
	}
	xmlrpc_env_clean(&env);
	return out;
}

const char *rpc_str(const struct rpc_request *req, const char *name,
		    const char *def)
{
	struct rpc_request *mreq = (struct rpc_request *)req;
	xmlrpc_value *v = rpc_member(req, name);
	const char *s = NULL;
	xmlrpc_env env;

	if (!v || xmlrpc_value_type(v) != XMLRPC_TYPE_STRING ||
	    mreq->n_owned >= RPC_MAX_OWNED)
		return def;
	xmlrpc_env_init(&env);
	xmlrpc_read_string(&env, v, &s);
	xmlrpc_env_clean(&env);
	if (!s)
		return def;
	/* Freed when the request ends (rpc_request_release). */
	mreq->owned[mreq->n_owned++] = (char *)s;
	return s;
}

void rpc_request_release(struct rpc_request *req)
{
	while (req->n_owned > 0)
		free(req->owned[--req->n_owned]);
}

xmlrpc_value *rpc_struct_new(struct rpc_request *req)
{
	return xmlrpc_struct_new(req->env);
}

void rpc_set_value(struct rpc_request *req, xmlrpc_value *st, const char *key,
		   xmlrpc_value *v)
{
	if (!v)
		return;
	if (st)
		xmlrpc_struct_set_value(req->env, st, key, v);
	xmlrpc_DECREF(v);
}

void rpc_set_int(struct rpc_request *req, xmlrpc_value *st, const char *key,
		 int64_t v)
{
	rpc_set_value(req, st, key, xmlrpc_int_new(req->env, (int)v));
}

void rpc_set_str(struct rpc_request *req, xmlrpc_value *st, const char *key,
		 const char *v)
{
	rpc_set_value(req, st, key, xmlrpc_string_new(req->env, v));
}

void rpc_set_bool(struct rpc_request *req, xmlrpc_value *st, const char *key,
		  bool v)
{
	rpc_set_value(req, st, key, xmlrpc_bool_new(req->env, v));
}

void rpc_append(struct rpc_request *req, xmlrpc_value *array, xmlrpc_value *v)
{
	if (!v)
		return;
	if (array)
		xmlrpc_array_append_item(req->env, array, v);
	xmlrpc_DECREF(v);
}

void rpc_result_int(struct rpc_request *req, int64_t v)
{
	req->result = xmlrpc_int_new(req->env, (int)v);
}
