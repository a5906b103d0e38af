/*
 * Request dispatch: parse the call, find the method in the table, check the
 * envelope (one struct, ver 5) and every declared member, run the handler,
 * serialise its result or fault.
 */
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc.h"
#include "vas/rpc_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_ulong next_reqno = 1;

void rpc_fault_from_err(int err, int *code, const char **string)
{
	const char *name;

	if (err <= -VAS_ERELAY) {
		*code = -err - VAS_ERELAY;
		name = *code > 0 && *code < 256 ? strerrorname_np(*code) : NULL;
		*string = name ? name : "Internal Server Error";
		if (!name && *code != VAS_ENOMETHOD)
			*code = VAS_EINTERNAL;
		return;
	}
	if (err == -VAS_ENOMETHOD) {
		*code = VAS_ENOMETHOD;
		*string = "method is not supported";
		return;
	}
	switch (-err) {
	case ENOENT:
	case EAGAIN:
	case EBUSY:
	case EEXIST:
	case EINVAL:
	case ENOSPC:
	case EDQUOT: /* pool quotas (issue 16) */
	case EPROTO:
	case ETIMEDOUT:
	case EHOSTDOWN:
	case ENOMEM:
		name = strerrorname_np(-err);
		if (name) {
			*code = -err;
			*string = name;
			return;
		}
		break;
	default:
		break;
	}
	*code = VAS_EINTERNAL;
	*string = "Internal Server Error";
}

/* A finished document as the block the server sends; takes doc. */
static xmlrpc_mem_block *memblock_of(char *doc, size_t len)
{
	xmlrpc_mem_block *out;
	xmlrpc_env env;

	xmlrpc_env_init(&env);
	out = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	if (!env.fault_occurred)
		XMLRPC_MEMBLOCK_APPEND(char, &env, out, doc, len);
	if (env.fault_occurred && out) {
		XMLRPC_MEMBLOCK_FREE(char, out);
		out = NULL;
	}
	xmlrpc_env_clean(&env);
	free(doc);
	return out;
}

/* Every reply is written by the one encoder, vas/rpc_writer.h. */
static xmlrpc_mem_block *serialize_fault(int code, const char *string)
{
	char *doc = NULL;
	size_t len = 0;

	if (rpc_writer_fault(code, string, &doc, &len))
		return NULL;
	return memblock_of(doc, len);
}

xmlrpc_mem_block *rpc_fault_doc(int code, const char *string)
{
	return serialize_fault(code, string);
}

static xmlrpc_mem_block *text_reply(struct rpc_writer *w)
{
	xmlrpc_mem_block *out = NULL;
	char *doc = NULL;
	size_t len = 0;

	if (!rpc_writer_response(w, &doc, &len))
		out = memblock_of(doc, len);
	return out ? out
		   : serialize_fault(VAS_EINTERNAL, "Internal Server Error");
}

static xmlrpc_mem_block *serialize_result(xmlrpc_value *result)
{
	struct rpc_writer w;
	xmlrpc_mem_block *out;

	rpc_writer_init(&w);
	rpc_w_value(&w, result);
	out = text_reply(&w);
	rpc_writer_free(&w);
	return out;
}

static const struct rpc_method *find_method(const struct rpc_method *table,
					    const char *name)
{
	for (; table->name; table++)
		if (!strcmp(table->name, name))
			return table;
	return NULL;
}

static bool parse_decimal(const char *s, int64_t *out)
{
	const char *p = s;
	int64_t v = 0;
	bool neg = false;

	if (*p == '-') {
		neg = true;
		p++;
	}
	if (!*p || strlen(p) > 18)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* Reads an int-like member; false if it has the wrong type. */
static bool read_number(xmlrpc_env *env, xmlrpc_value *v, enum rpc_type type,
			int64_t *out)
{
	xmlrpc_type t = xmlrpc_value_type(v);

	if (t == XMLRPC_TYPE_INT && type != RPC_T_DECSTR) {
		int i;

		xmlrpc_read_int(env, v, &i);
		*out = i;
		return !env->fault_occurred;
	}
	if (t == XMLRPC_TYPE_I8 && type != RPC_T_DECSTR) {
		xmlrpc_int64 i;

		xmlrpc_read_i8(env, v, &i);
		*out = i;
		return !env->fault_occurred;
	}
	if (t == XMLRPC_TYPE_STRING &&
	    (type == RPC_T_DECSTR || type == RPC_T_INT_OR_DEC)) {
		const char *s;
		bool ok;

		xmlrpc_read_string(env, v, &s);
		if (env->fault_occurred)
			return false;
		ok = parse_decimal(s, out);
		free((void *)s);
		return ok;
	}
	return false;
}

static bool type_matches(xmlrpc_env *env, xmlrpc_value *v, enum rpc_type type,
			 int64_t min, int64_t max)
{
	xmlrpc_type t = xmlrpc_value_type(v);
	int64_t n;

	switch (type) {
	case RPC_T_INT:
	case RPC_T_DECSTR:
	case RPC_T_INT_OR_DEC:
		return read_number(env, v, type, &n) && n >= min && n <= max;
	case RPC_T_STRING: {
		size_t len;
		const char *s;

		if (t != XMLRPC_TYPE_STRING)
			return false;
		bool ok;

		xmlrpc_read_string_lp(env, v, &len, &s);
		if (env->fault_occurred)
			return false;
		/* Embedded NULs would truncate names silently. */
		ok = len <= (size_t)max && strlen(s) == len;
		free((void *)s);
		return ok;
	}
	case RPC_T_BOOL:
		return t == XMLRPC_TYPE_BOOL;
	case RPC_T_STRUCT:
		return t == XMLRPC_TYPE_STRUCT;
	case RPC_T_ARRAY:
		return t == XMLRPC_TYPE_ARRAY;
	}
	return false;
}

static int check_member(xmlrpc_env *env, xmlrpc_value *v,
			const struct rpc_param_spec *p)
{
	int n, i;

	if (!type_matches(env, v, p->type, p->min, p->max))
		return -EINVAL;
	if (p->type != RPC_T_ARRAY)
		return 0;
	n = xmlrpc_array_size(env, v);
	if (env->fault_occurred || n > p->max || n < p->min)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		xmlrpc_value *e;
		bool ok;

		xmlrpc_array_read_item(env, v, i, &e);
		if (env->fault_occurred)
			return -EINVAL;
		/* Element limits: strings up to 255 bytes, any int32. */
		ok = type_matches(env, e, p->elem, INT32_MIN,
				  p->elem == RPC_T_STRING ? 255 : INT32_MAX);
		xmlrpc_DECREF(e);
		if (!ok)
			return -EINVAL;
	}
	return 0;
}

/* Checks every declared member of the struct; 0 or -EINVAL. */
static int validate(xmlrpc_env *env, xmlrpc_value *st,
		    const struct rpc_param_spec *spec, const char **bad)
{
	for (; spec && spec->name; spec++) {
		xmlrpc_value *v = NULL;
		int ret;

		xmlrpc_struct_find_value(env, st, spec->name, &v);
		if (env->fault_occurred)
			return -EINVAL;
		if (!v) {
			if (spec->flags & RPC_REQUIRED) {
				*bad = spec->name;
				return -EINVAL;
			}
			continue;
		}
		ret = spec->flags & RPC_LATE ? 0 : check_member(env, v, spec);
		xmlrpc_DECREF(v);
		if (ret) {
			*bad = spec->name;
			return ret;
		}
	}
	return 0;
}

static int check_version(xmlrpc_env *env, xmlrpc_value *st)
{
	xmlrpc_value *v = NULL;
	int ver = 0;

	xmlrpc_struct_find_value(env, st, "ver", &v);
	if (env->fault_occurred || !v)
		return -EPROTO;
	if (xmlrpc_value_type(v) == XMLRPC_TYPE_INT) {
		xmlrpc_read_int(env, v, &ver);
	} else if (xmlrpc_value_type(v) == XMLRPC_TYPE_I8) {
		xmlrpc_int64 v8 = 0;

		/* i8 is as valid an integer as int (issue 13). */
		xmlrpc_read_i8(env, v, &v8);
		ver = v8 == VAS_XMLRPC_VERSION ? VAS_XMLRPC_VERSION : 0;
	}
	xmlrpc_DECREF(v);
	return ver == VAS_XMLRPC_VERSION ? 0 : -EPROTO;
}

/*
 * Introspection as Python's SimpleXMLRPCServer answers it (ssvr.md 2.1),
 * except that listMethods also names the table's methods (README,
 * compatibility notes).
 */
static const char *const sys_methods[] = {
    "system.listMethods", "system.methodHelp", "system.methodSignature"};

static xmlrpc_value *list_methods(xmlrpc_env *env,
				  const struct rpc_method *table)
{
	xmlrpc_value *arr = xmlrpc_array_new(env);
	size_t i;

	for (i = 0; i < 3 && !env->fault_occurred; i++) {
		xmlrpc_value *s = xmlrpc_string_new(env, sys_methods[i]);

		xmlrpc_array_append_item(env, arr, s);
		xmlrpc_DECREF(s);
	}
	for (; table->name && !env->fault_occurred; table++) {
		xmlrpc_value *s = xmlrpc_string_new(env, table->name);

		xmlrpc_array_append_item(env, arr, s);
		xmlrpc_DECREF(s);
	}
	return arr;
}

/* The reply to a system.* call; NULL when name is not one. */
static xmlrpc_mem_block *introspect(const struct rpc_method *table,
				    const char *name, const char **method)
{
	xmlrpc_value *v = NULL;
	xmlrpc_mem_block *out;
	xmlrpc_env env;
	size_t i;

	for (i = 0; i < 3 && strcmp(name, sys_methods[i]); i++)
		;
	if (i == 3)
		return NULL;
	*method = sys_methods[i];
	xmlrpc_env_init(&env);
	if (i == 0)
		v = list_methods(&env, table);
	else if (i == 1)
		v = xmlrpc_string_new(&env, "");
	else
		v = xmlrpc_string_new(&env, "signatures not supported");
	out = env.fault_occurred
		  ? serialize_fault(VAS_EINTERNAL, "Internal Server Error")
		  : serialize_result(v);
	if (v)
		xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);
	return out;
}

/* Runs the handler; returns 0 or the fault code of the reply in *out. */
static int run_method(const struct rpc_method *m, struct rpc_request *req,
		      xmlrpc_value *params, xmlrpc_mem_block **out)
{
	const char *bad = NULL;
	xmlrpc_value *st = NULL;
	int ret = 0, code = 0;
	const char *string;

	if (!(m->flags & RPC_M_NOVERSION)) {
		if (xmlrpc_array_size(req->env, params) != 1) {
			ret = -VAS_ENOMETHOD;
			goto fault;
		}
		xmlrpc_array_read_item(req->env, params, 0, &st);
		if (req->env->fault_occurred ||
		    xmlrpc_value_type(st) != XMLRPC_TYPE_STRUCT) {
			ret = -VAS_ENOMETHOD;
			goto fault;
		}
		ret = check_version(req->env, st);
		if (!ret)
			ret = validate(req->env, st, m->spec, &bad);
		if (ret) {
			if (bad)
				log_info("#%lu %s from %s: bad member '%s'",
					 req->reqno, m->name, req->peer, bad);
			goto fault;
		}
	}
	req->params = st;
	ret = m->handler(req);
	if (!ret && req->env->fault_occurred) {
		log_err("#%lu %s: building the reply failed: %s", req->reqno,
			m->name, req->env->fault_string);
		ret = -VAS_EINTERNAL;
	}
fault:
	if (m->flags & RPC_M_MUTATES)
		log_info("#%lu %s from %s -> %d", req->reqno, m->name,
			 req->peer, ret == -1 ? req->fault_code : -ret);
	else
		log_debug("#%lu %s from %s -> %d", req->reqno, m->name,
			  req->peer, -ret);
	if (st)
		xmlrpc_DECREF(st);
	if (ret == -1 && req->fault_code) {
		code = req->fault_code;
		*out = serialize_fault(code, req->fault_string);
	} else if (ret) {
		rpc_fault_from_err(ret, &code, &string);
		if (ret == -VAS_ENOMETHOD) {
			char msg[256];

			snprintf(msg, sizeof(msg),
				 "method \"%s\" takes one struct parameter",
				 m->name);
			*out = serialize_fault(code, msg);
		} else {
			*out = serialize_fault(code, string);
		}
	} else if (req->reply_text) {
		*out = text_reply(req->reply_text);
	} else if (req->result) {
		*out = serialize_result(req->result);
	} else {
		xmlrpc_value *zero = xmlrpc_int_new(req->env, 0);

		*out = serialize_result(zero);
		if (zero)
			xmlrpc_DECREF(zero);
	}
	if (req->result)
		xmlrpc_DECREF(req->result);
	if (req->reply_text) {
		rpc_writer_free(req->reply_text);
		free(req->reply_text);
	}
	rpc_request_release(req);
	return code;
}

/* Fault EINVAL for a body the parser must not see or could not parse. */
static xmlrpc_mem_block *refuse(unsigned long reqno, const char *peer,
				const char *why, struct rpc_served *outcome)
{
	log_info("#%lu malformed request from %s: %s", reqno, peer, why);
	outcome->fault_code = EINVAL;
	return serialize_fault(EINVAL, "EINVAL");
}

xmlrpc_mem_block *rpc_process_call(const struct rpc_method *table, void *ctx,
				   const char *xml, size_t len,
				   const struct rpc_peer *peer,
				   struct rpc_served *outcome)
{
	struct rpc_served scratch;
	struct rpc_request req;
	const char *name = NULL, *why;
	xmlrpc_value *params = NULL;
	const struct rpc_method *m;
	xmlrpc_mem_block *out;
	xmlrpc_env env;

	if (!outcome)
		outcome = &scratch;
	outcome->method = NULL;
	outcome->fault_code = 0;
	memset(&req, 0, sizeof(req));
	req.reqno = atomic_fetch_add(&next_reqno, 1);
	snprintf(req.peer, sizeof(req.peer), "%s",
		 peer && peer->text[0] ? peer->text : "?");
	if (peer)
		req.peer_addr = peer->addr;
	else
		req.peer_addr.ss_family = AF_UNSPEC;
	if (rpc_xml_guard(xml, len, RPC_MAX_XML_DEPTH, &why))
		return refuse(req.reqno, req.peer, why, outcome);
	xmlrpc_env_init(&env);
	xmlrpc_parse_call(&env, xml, len, &name, &params);
	if (env.fault_occurred) {
		out = refuse(req.reqno, req.peer, env.fault_string, outcome);
		xmlrpc_env_clean(&env);
		return out;
	}
	out = introspect(table, name, &outcome->method);
	if (out)
		goto out;
	m = find_method(table, name);
	if (!m) {
		char msg[256];

		log_info("#%lu unknown method '%.64s' from %s", req.reqno, name,
			 req.peer);
		snprintf(msg, sizeof(msg), "method \"%.128s\" is not supported",
			 name);
		outcome->fault_code = VAS_ENOMETHOD;
		out = serialize_fault(VAS_ENOMETHOD, msg);
		goto out;
	}
	outcome->method = m->name;
	req.method = m->name;
	req.env = &env;
	req.ctx = ctx;
	outcome->fault_code = run_method(m, &req, params, &out);
out:
	free((void *)name);
	if (params)
		xmlrpc_DECREF(params);
	xmlrpc_env_clean(&env);
	return out;
}

xmlrpc_mem_block *rpc_process(const struct rpc_method *table, void *ctx,
			      const char *xml, size_t len, const char *peer)
{
	struct rpc_peer p;

	memset(&p, 0, sizeof(p));
	snprintf(p.text, sizeof(p.text), "%s", peer ? peer : "?");
	p.addr.ss_family = AF_UNSPEC;
	return rpc_process_call(table, ctx, xml, len, &p, NULL);
}
