/* getTargetSecrets (ours, SECURITY.md "CHAP"): a storage agent's accounts. */
#include "sm_request.h"
#include "vas/client.h"
#include "vas/lvolstruct.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_member(xmlrpc_env *env, xmlrpc_value *st, const char *k,
		       xmlrpc_type type, xmlrpc_value **v)
{
	*v = NULL;
	xmlrpc_struct_find_value(env, st, k, v);
	if (env->fault_occurred || !*v || xmlrpc_value_type(*v) != type) {
		if (*v)
			xmlrpc_DECREF(*v);
		*v = NULL;
		return -EPROTO;
	}
	return 0;
}

static int read_word(xmlrpc_env *env, xmlrpc_value *st, const char *k,
		     char *buf, size_t len)
{
	xmlrpc_value *v;
	const char *s = NULL;
	int ret = read_member(env, st, k, XMLRPC_TYPE_STRING, &v);

	if (ret)
		return ret;
	xmlrpc_read_string(env, v, &s);
	xmlrpc_DECREF(v);
	if (env->fault_occurred || !s)
		return -EPROTO;
	ret = lvs_chap_word(s) && strlen(s) < len ? 0 : -EPROTO;
	if (!ret)
		snprintf(buf, len, "%s", s);
	explicit_bzero((char *)s, strlen(s));
	free((void *)s);
	return ret;
}

static int read_int(xmlrpc_env *env, xmlrpc_value *st, const char *k, int *out)
{
	xmlrpc_value *v;
	int ret = read_member(env, st, k, XMLRPC_TYPE_INT, &v);

	if (ret)
		return ret;
	xmlrpc_read_int(env, v, out);
	xmlrpc_DECREF(v);
	return env->fault_occurred ? -EPROTO : 0;
}

static int read_entry(xmlrpc_env *env, xmlrpc_value *arr, int i,
		      struct vas_chap *c)
{
	xmlrpc_value *e = NULL;
	int id = 0, ret;

	xmlrpc_array_read_item(env, arr, i, &e);
	if (env->fault_occurred || !e)
		return -EPROTO;
	ret = xmlrpc_value_type(e) == XMLRPC_TYPE_STRUCT ? 0 : -EPROTO;
	if (!ret)
		ret = read_int(env, e, "pdskid", &id);
	if (!ret)
		ret = read_word(env, e, "user", c->user, sizeof(c->user));
	if (!ret)
		ret = read_word(env, e, "secret", c->secret, sizeof(c->secret));
	c->pdskid = id;
	xmlrpc_DECREF(e);
	return ret || id <= 0 ? -EPROTO : 0;
}

static int parse(xmlrpc_env *env, xmlrpc_value *res, bool *on,
		 struct vas_chap **out, int *n)
{
	xmlrpc_value *arr = NULL;
	int flag = 0, count, i, ret;

	if (xmlrpc_value_type(res) != XMLRPC_TYPE_STRUCT)
		return -EPROTO;
	ret = read_int(env, res, "chap", &flag);
	if (!ret)
		ret = read_member(env, res, "targets", XMLRPC_TYPE_ARRAY, &arr);
	if (ret)
		return ret;
	count = xmlrpc_array_size(env, arr);
	if (env->fault_occurred || count < 0 || count > 1 << 20)
		ret = -EPROTO;
	else if (count && !(*out = calloc((size_t)count, sizeof(**out))))
		ret = -ENOMEM;
	for (i = 0; !ret && i < count; i++)
		ret = read_entry(env, arr, i, &(*out)[i]);
	xmlrpc_DECREF(arr);
	*on = flag != 0;
	*n = ret ? 0 : count;
	if (ret) {
		vas_chap_free(*out, count);
		*out = NULL;
	}
	return ret;
}

int vas_target_secrets(struct vas_client *c, int32_t ssvrid, bool *on,
		       struct vas_chap **out, int *n)
{
	xmlrpc_value *res = NULL;
	struct sm_req r;
	xmlrpc_env env;
	int ret;

	*on = false;
	*out = NULL;
	*n = 0;
	sm_req_init(&r);
	sm_req_int(&r, "ssvrid", ssvrid);
	r.repeatable = true;
	ret = sm_req_send(c, &r, "getTargetSecrets", &res);
	if (ret)
		return ret;
	xmlrpc_env_init(&env);
	ret = parse(&env, res, on, out, n);
	xmlrpc_env_clean(&env);
	xmlrpc_DECREF(res);
	return ret;
}

void vas_chap_free(struct vas_chap *a, int n)
{
	if (a)
		explicit_bzero(a, sizeof(*a) * (size_t)n);
	free(a);
}
