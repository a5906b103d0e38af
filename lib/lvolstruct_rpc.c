/* lvolstruct on the wire: encoding, and decoding of hostile input. */
#include "vas/lvolstruct_rpc.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LVS_MAX_DEPTH	 16
#define LVS_MAX_CHILDREN 1100000

static void set(xmlrpc_env *env, xmlrpc_value *st, const char *k,
		xmlrpc_value *v)
{
	if (!v)
		return;
	if (!env->fault_occurred)
		xmlrpc_struct_set_value(env, st, k, v);
	xmlrpc_DECREF(v);
}

static xmlrpc_value *encode_spec(xmlrpc_env *env,
				 const struct vas_lvolstruct *n)
{
	xmlrpc_value *spec = xmlrpc_struct_new(env);
	int i;

	if (env->fault_occurred)
		return NULL;
	switch (n->lvoltype) {
	case LVOLTYPE_LVOL: {
		xmlrpc_value *assoc = xmlrpc_array_new(env);

		set(env, spec, "lvolname", xmlrpc_string_new(env, n->lvolname));
		set(env, spec, "redundancy",
		    xmlrpc_int_new(env, n->redundancy));
		set(env, spec, "ctime", xmlrpc_string_new(env, n->ctime));
		for (i = 0; i < n->n_assoc && !env->fault_occurred; i++) {
			xmlrpc_value *a = lvs_encode(env, &n->assoc[i]);

			if (a) {
				xmlrpc_array_append_item(env, assoc, a);
				xmlrpc_DECREF(a);
			}
		}
		set(env, spec, "assoc", assoc);
		break;
	}
	case LVOLTYPE_SNAPSHOT:
		if (n->origin_lvolid)
			set(env, spec, "origin_lvolid",
			    xmlrpc_int_new(env, n->origin_lvolid));
		break;
	case LVOLTYPE_DEXT: {
		xmlrpc_value *paths;

		if (n->n_paths < 0)
			break;
		paths = xmlrpc_array_new(env);
		set(env, spec, "pdskid", xmlrpc_int_new(env, n->pdskid));
		set(env, spec, "offset", xmlrpc_int_new(env, (int)n->offset));
		set(env, spec, "ssvrid", xmlrpc_int_new(env, n->ssvrid));
		for (i = 0; i < n->n_paths && !env->fault_occurred; i++) {
			xmlrpc_value *p =
			    xmlrpc_string_new(env, n->iscsi_path[i]);

			if (p) {
				xmlrpc_array_append_item(env, paths, p);
				xmlrpc_DECREF(p);
			}
		}
		set(env, spec, "iscsi_path", paths);
		if (n->chap_user && n->chap_secret) {
			set(env, spec, "chap_user",
			    xmlrpc_string_new(env, n->chap_user));
			set(env, spec, "chap_secret",
			    xmlrpc_string_new(env, n->chap_secret));
		}
		break;
	}
	default:
		break;
	}
	return spec;
}

xmlrpc_value *lvs_encode(xmlrpc_env *env, const struct vas_lvolstruct *n)
{
	xmlrpc_value *st = xmlrpc_struct_new(env), *labels, *comps;
	int i;

	if (env->fault_occurred)
		return NULL;
	set(env, st, "lvolid", xmlrpc_int_new(env, n->lvolid));
	set(env, st, "lvoltype", xmlrpc_int_new(env, n->lvoltype));
	set(env, st, "capacity", xmlrpc_int_new(env, (int)n->capacity));
	set(env, st, "mirror_status", xmlrpc_int_new(env, n->mirror_status));
	set(env, st, "lvolspec", encode_spec(env, n));
	labels = xmlrpc_array_new(env);
	for (i = 0; i < n->n_labels && !env->fault_occurred; i++) {
		xmlrpc_value *l = xmlrpc_string_new(env, n->labels[i]);

		if (l) {
			xmlrpc_array_append_item(env, labels, l);
			xmlrpc_DECREF(l);
		}
	}
	set(env, st, "labels", labels);
	if (n->has_components) {
		comps = xmlrpc_array_new(env);
		for (i = 0; i < n->n_components && !env->fault_occurred; i++) {
			xmlrpc_value *c = lvs_encode(env, &n->components[i]);

			if (c) {
				xmlrpc_array_append_item(env, comps, c);
				xmlrpc_DECREF(c);
			}
		}
		set(env, st, "components", comps);
	}
	if (env->fault_occurred) {
		xmlrpc_DECREF(st);
		return NULL;
	}
	return st;
}

/* --- decoding --- */

static xmlrpc_value *member(xmlrpc_env *env, const xmlrpc_value *st,
			    const char *k, xmlrpc_type type)
{
	xmlrpc_value *v = NULL;

	xmlrpc_struct_find_value(env, (xmlrpc_value *)st, k, &v);
	if (env->fault_occurred || !v)
		return NULL;
	if (xmlrpc_value_type(v) != type) {
		xmlrpc_DECREF(v);
		return NULL;
	}
	return v;
}

static int get_int(xmlrpc_env *env, const xmlrpc_value *st, const char *k,
		   int required, int64_t *out)
{
	xmlrpc_value *v = member(env, st, k, XMLRPC_TYPE_INT);
	int i = 0;

	if (!v)
		return required ? -EINVAL : 0;
	xmlrpc_read_int(env, v, &i);
	xmlrpc_DECREF(v);
	*out = i;
	return env->fault_occurred ? -EINVAL : 0;
}

static int get_str(xmlrpc_env *env, const xmlrpc_value *st, const char *k,
		   char *buf, size_t len)
{
	xmlrpc_value *v = member(env, st, k, XMLRPC_TYPE_STRING);
	const char *s = NULL;
	int ret = 0;

	if (!v)
		return -EINVAL;
	xmlrpc_read_string(env, v, &s);
	xmlrpc_DECREF(v);
	if (env->fault_occurred || !s)
		return -EINVAL;
	if (strlen(s) >= len)
		ret = -EINVAL;
	else
		snprintf(buf, len, "%s", s);
	free((void *)s);
	return ret;
}

/* Calls fn for each element of array member k (must be an array). */
static int each(xmlrpc_env *env, const xmlrpc_value *st, const char *k,
		int required,
		int (*fn)(xmlrpc_env *, xmlrpc_value *, void *, int), void *arg,
		int depth)
{
	xmlrpc_value *arr = member(env, st, k, XMLRPC_TYPE_ARRAY);
	int i, n, ret = 0;

	if (!arr)
		return required ? -EINVAL : 0;
	n = xmlrpc_array_size(env, arr);
	if (n > LVS_MAX_CHILDREN)
		ret = -EINVAL;
	for (i = 0; !ret && i < n; i++) {
		xmlrpc_value *e = NULL;

		xmlrpc_array_read_item(env, arr, i, &e);
		if (env->fault_occurred || !e) {
			ret = -EINVAL;
			break;
		}
		ret = fn(env, e, arg, depth);
		xmlrpc_DECREF(e);
	}
	xmlrpc_DECREF(arr);
	return ret;
}

/* A string element (at most 255 bytes) handed to add(node, string). */
static int add_string(xmlrpc_env *env, xmlrpc_value *e, void *node,
		      int (*add)(struct vas_lvolstruct *, const char *))
{
	const char *s = NULL;
	int ret;

	if (xmlrpc_value_type(e) != XMLRPC_TYPE_STRING)
		return -EINVAL;
	xmlrpc_read_string(env, e, &s);
	if (env->fault_occurred)
		return -EINVAL;
	ret = strlen(s) > 255 ? -EINVAL : add(node, s);
	free((void *)s);
	return ret;
}

static int add_label_cb(xmlrpc_env *env, xmlrpc_value *e, void *arg, int d)
{
	(void)d;
	return add_string(env, e, arg, lvs_add_label);
}

static int add_path_cb(xmlrpc_env *env, xmlrpc_value *e, void *arg, int d)
{
	(void)d;
	return add_string(env, e, arg, lvs_add_path);
}

static int decode_node(xmlrpc_env *env, const xmlrpc_value *v,
		       struct vas_lvolstruct *n, int depth);

static int add_child_cb(xmlrpc_env *env, xmlrpc_value *e, void *arg, int d)
{
	struct vas_lvolstruct *c = lvs_add_component(arg);

	return c ? decode_node(env, e, c, d + 1) : -ENOMEM;
}

static int add_assoc_cb(xmlrpc_env *env, xmlrpc_value *e, void *arg, int d)
{
	struct vas_lvolstruct *c = lvs_add_assoc(arg);

	return c ? decode_node(env, e, c, d + 1) : -ENOMEM;
}

/* Optional (ours, SECURITY.md "CHAP"): both members or none. */
static int decode_chap(xmlrpc_env *env, const xmlrpc_value *spec,
		       struct vas_lvolstruct *n)
{
	char user[65], secret[65];
	int has_user = !get_str(env, spec, "chap_user", user, sizeof(user));
	int has_secret =
	    !get_str(env, spec, "chap_secret", secret, sizeof(secret));
	int ret = 0;

	/* Present with another type or too long: refused, not ignored. */
	if (has_user != has_secret ||
	    xmlrpc_struct_has_key(env, (xmlrpc_value *)spec, "chap_user") !=
		has_user ||
	    xmlrpc_struct_has_key(env, (xmlrpc_value *)spec, "chap_secret") !=
		has_secret)
		ret = -EINVAL;
	else if (has_user)
		ret = lvs_set_chap(n, user, secret);
	explicit_bzero(secret, sizeof(secret));
	return ret;
}

static int decode_spec(xmlrpc_env *env, const xmlrpc_value *spec,
		       struct vas_lvolstruct *n, int depth)
{
	int64_t v = 0;
	int ret = 0, count;

	switch (n->lvoltype) {
	case LVOLTYPE_LVOL:
		ret = get_str(env, spec, "lvolname", n->lvolname,
			      sizeof(n->lvolname));
		if (!ret)
			ret = get_int(env, spec, "redundancy", 1, &v);
		n->redundancy = (int)v;
		if (!ret &&
		    get_str(env, spec, "ctime", n->ctime, sizeof(n->ctime)))
			n->ctime[0] = '\0';
		if (!ret)
			ret =
			    each(env, spec, "assoc", 0, add_assoc_cb, n, depth);
		break;
	case LVOLTYPE_SNAPSHOT:
		ret = get_int(env, spec, "origin_lvolid", 0, &v);
		n->origin_lvolid = (int32_t)v;
		break;
	case LVOLTYPE_DEXT:
		count = xmlrpc_struct_size(env, (xmlrpc_value *)spec);
		n->n_paths = -1;
		if (count == 0)
			break; /* "remove nothing" in replaceMirrorDisk */
		n->n_paths = 0;
		ret = get_int(env, spec, "ssvrid", 1, &v);
		n->ssvrid = (int32_t)v;
		v = 0;
		if (!ret)
			ret = get_int(env, spec, "offset", 1, &n->offset);
		if (!ret)
			ret = get_int(env, spec, "pdskid", 0, &v);
		n->pdskid = (int32_t)v;
		if (!ret)
			ret = each(env, spec, "iscsi_path", 1, add_path_cb, n,
				   depth);
		if (!ret && (n->offset < 0 || n->ssvrid < 0))
			ret = -EINVAL;
		if (!ret)
			ret = decode_chap(env, spec, n);
		break;
	default:
		break;
	}
	return ret;
}

static int decode_node(xmlrpc_env *env, const xmlrpc_value *v,
		       struct vas_lvolstruct *n, int depth)
{
	xmlrpc_value *spec;
	int64_t i = 0;
	int ret;

	if (depth > LVS_MAX_DEPTH ||
	    xmlrpc_value_type((xmlrpc_value *)v) != XMLRPC_TYPE_STRUCT)
		return -EINVAL;
	ret = get_int(env, v, "lvolid", 1, &i);
	n->lvolid = (int32_t)i;
	if (!ret)
		ret = get_int(env, v, "lvoltype", 1, &i);
	n->lvoltype = (int)i;
	if (!ret)
		ret = get_int(env, v, "capacity", 1, &n->capacity);
	i = 0;
	if (!ret)
		ret = get_int(env, v, "mirror_status", 0, &i);
	n->mirror_status = (int)i;
	if (ret || n->lvolid < 0 || n->capacity < 0)
		return -EINVAL;
	switch (n->lvoltype) {
	case LVOLTYPE_LVOL:
	case LVOLTYPE_LINEAR:
	case LVOLTYPE_MIRROR:
	case LVOLTYPE_DEXT:
	case LVOLTYPE_SNAPSHOT_ORIGIN:
	case LVOLTYPE_SNAPSHOT:
		break;
	default:
		return -EINVAL;
	}
	spec = member(env, v, "lvolspec", XMLRPC_TYPE_STRUCT);
	if (!spec)
		return -EINVAL;
	ret = decode_spec(env, spec, n, depth);
	xmlrpc_DECREF(spec);
	if (!ret)
		ret = each(env, v, "labels", 0, add_label_cb, n, depth);
	if (!ret) {
		xmlrpc_value *c =
		    member(env, v, "components", XMLRPC_TYPE_ARRAY);

		n->has_components = c != NULL;
		if (c)
			xmlrpc_DECREF(c);
		ret = each(env, v, "components", 0, add_child_cb, n, depth);
	}
	return ret;
}

int lvs_decode(const xmlrpc_value *v, struct vas_lvolstruct *n)
{
	xmlrpc_env env;
	int ret;

	memset(n, 0, sizeof(*n));
	xmlrpc_env_init(&env);
	ret = decode_node(&env, v, n, 0);
	if (!ret && env.fault_occurred)
		ret = -EINVAL;
	xmlrpc_env_clean(&env);
	if (ret)
		lvs_clear(n);
	return ret;
}
