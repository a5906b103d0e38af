/*
 * Decoding of the manager's list replies into the structs of client.h.
 * Hostile input: every member is type- and range-checked, -EPROTO on any
 * wrong shape, nothing half-decoded is handed out.
 */
#include "sm_reply.h"
#include "vas/units.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMR_MAX_ROWS (1 << 24)

int smr_read_int(const xmlrpc_value *v, int64_t *out)
{
	xmlrpc_env env;
	int ret = 0;

	xmlrpc_env_init(&env);
	switch (xmlrpc_value_type((xmlrpc_value *)v)) {
	case XMLRPC_TYPE_INT: {
		int i = 0;

		xmlrpc_read_int(&env, v, &i);
		*out = i;
		break;
	}
	case XMLRPC_TYPE_I8: {
		xmlrpc_int64 i = 0;

		xmlrpc_read_i8(&env, v, &i);
		*out = i;
		break;
	}
	default:
		ret = -EPROTO;
		break;
	}
	if (env.fault_occurred)
		ret = -EPROTO;
	xmlrpc_env_clean(&env);
	return ret;
}

/* --- one table of members per entry type --- */

enum fld_type {
	FLD_I32,   /* int, stored as int32_t (or int) */
	FLD_I64,   /* int or i8, stored as int64_t */
	FLD_BOOL,  /* boolean (an int 0/1 is accepted too) */
	FLD_STR,   /* string into char[len] */
	FLD_IPS,   /* array of dotted quads: n at off, char[][16] at off2 */
	FLD_ASSOC, /* [{lvolid, type}]: n at off, int32_t * at off2 */
};

struct fld {
	const char *name;
	enum fld_type type;
	size_t off;
	size_t off2;
	size_t len;
	bool optional;
};

/*
 * A member stored at offsetof(t, m); OPT one that may be absent (then
 * left as calloc made it); FLD2 for an array and its count.
 */
/* clang-format off */
#define FLD(t, m, ty) {#m, ty, offsetof(t, m), 0, sizeof(((t *)0)->m), false}
#define OPT(t, m, ty) {#m, ty, offsetof(t, m), 0, sizeof(((t *)0)->m), true}
#define FLD2(t, m, ty, n, arr) \
	{#m, ty, offsetof(t, n), offsetof(t, arr), 0, false}
/* clang-format on */

static const struct fld hsvr_flds[] = {
    FLD(struct vas_hsvr_info, hsvrid, FLD_I32),
    FLD(struct vas_hsvr_info, priority, FLD_I32),
    FLD(struct vas_hsvr_info, resync, FLD_I32),
    FLD2(struct vas_hsvr_info, ip_data, FLD_IPS, n_ip, ip_data),
    {NULL, 0, 0, 0, 0, false},
};

static const struct fld ssvr_flds[] = {
    FLD(struct vas_ssvr_info, ssvrid, FLD_I32),
    FLD(struct vas_ssvr_info, priority, FLD_I32),
    FLD(struct vas_ssvr_info, resync, FLD_I32),
    FLD(struct vas_ssvr_info, available, FLD_I64),
    FLD(struct vas_ssvr_info, capacity, FLD_I64),
    FLD2(struct vas_ssvr_info, ip_data, FLD_IPS, n_ip, ip_data),
    OPT(struct vas_ssvr_info, pool, FLD_STR),
    OPT(struct vas_ssvr_info, domain, FLD_STR),
    {NULL, 0, 0, 0, 0, false},
};

static const struct fld pdsk_flds[] = {
    FLD(struct vas_pdsk_info, ssvrid, FLD_I32),
    FLD(struct vas_pdsk_info, pdskid, FLD_I32),
    FLD(struct vas_pdsk_info, priority, FLD_I32),
    FLD(struct vas_pdsk_info, resync, FLD_I32),
    FLD(struct vas_pdsk_info, capacity, FLD_I64),
    FLD(struct vas_pdsk_info, available, FLD_I64),
    FLD(struct vas_pdsk_info, local_path, FLD_STR),
    OPT(struct vas_pdsk_info, srp_name, FLD_STR),
    OPT(struct vas_pdsk_info, pool, FLD_STR),
    OPT(struct vas_pdsk_info, domain, FLD_STR),
    {NULL, 0, 0, 0, 0, false},
};

static const struct fld lvol_flds[] = {
    FLD(struct vas_lvol_info, hsvrid, FLD_I32),
    FLD(struct vas_lvol_info, lvolid, FLD_I32),
    FLD(struct vas_lvol_info, lvolname, FLD_STR),
    FLD(struct vas_lvol_info, redundancy, FLD_I32),
    FLD(struct vas_lvol_info, capacity, FLD_I64),
    FLD(struct vas_lvol_info, fault, FLD_BOOL),
    FLD(struct vas_lvol_info, bind_status, FLD_I32),
    FLD(struct vas_lvol_info, bind_event, FLD_I32),
    FLD(struct vas_lvol_info, ctime, FLD_STR),
    FLD2(struct vas_lvol_info, associated_to, FLD_ASSOC, n_assoc_to, assoc_to),
    FLD2(struct vas_lvol_info, associated_from, FLD_ASSOC, n_assoc_from,
	 assoc_from),
    OPT(struct vas_lvol_info, pool, FLD_STR),
    {NULL, 0, 0, 0, 0, false},
};

static const struct fld pool_flds[] = {
    FLD(struct vas_pool_info, poolid, FLD_I32),
    FLD(struct vas_pool_info, pool, FLD_STR),
    FLD(struct vas_pool_info, parent, FLD_I32),
    FLD(struct vas_pool_info, quota, FLD_I64),
    FLD(struct vas_pool_info, capacity, FLD_I64),
    FLD(struct vas_pool_info, used, FLD_I64),
    FLD(struct vas_pool_info, available, FLD_I64),
    FLD(struct vas_pool_info, volumes, FLD_I32),
    {NULL, 0, 0, 0, 0, false},
};

static int read_str(const xmlrpc_value *v, char *buf, size_t len)
{
	const char *s = NULL;
	xmlrpc_env env;
	int ret = 0;

	if (xmlrpc_value_type((xmlrpc_value *)v) != XMLRPC_TYPE_STRING)
		return -EPROTO;
	xmlrpc_env_init(&env);
	xmlrpc_read_string(&env, v, &s);
	if (env.fault_occurred || !s || strlen(s) >= len)
		ret = -EPROTO;
	else
		memcpy(buf, s, strlen(s) + 1);
	free((void *)s);
	xmlrpc_env_clean(&env);
	return ret;
}

/* Borrowed-style access: *out is a new reference the caller DECREFs. */
static int array_item(const xmlrpc_value *arr, int i, xmlrpc_value **out)
{
	xmlrpc_env env;
	int ret = 0;

	*out = NULL;
	xmlrpc_env_init(&env);
	xmlrpc_array_read_item(&env, arr, (unsigned)i, out);
	if (env.fault_occurred || !*out)
		ret = -EPROTO;
	xmlrpc_env_clean(&env);
	return ret;
}

static int array_size(const xmlrpc_value *arr, int max)
{
	xmlrpc_env env;
	int n;

	if (xmlrpc_value_type((xmlrpc_value *)arr) != XMLRPC_TYPE_ARRAY)
		return -EPROTO;
	xmlrpc_env_init(&env);
	n = xmlrpc_array_size(&env, arr);
	if (env.fault_occurred || n < 0 || n > max)
		n = -EPROTO;
	xmlrpc_env_clean(&env);
	return n;
}

static int read_ips(const xmlrpc_value *v, int *n_out, char (*ips)[16])
{
	int i, n, ret = 0;

	n = array_size(v, VAS_MAX_IPS);
	if (n < 0)
		return n;
	for (i = 0; i < n && !ret; i++) {
		xmlrpc_value *e;

		ret = array_item(v, i, &e);
		if (!ret)
			ret = read_str(e, ips[i], sizeof(ips[i]));
		if (!ret && !names_valid_ipv4(ips[i]))
			ret = -EPROTO;
		if (e)
			xmlrpc_DECREF(e);
	}
	*n_out = ret ? 0 : n;
	return ret;
}

static int read_member(const xmlrpc_value *st, const char *key,
		       xmlrpc_value **out)
{
	xmlrpc_env env;

	*out = NULL;
	xmlrpc_env_init(&env);
	xmlrpc_struct_find_value(&env, (xmlrpc_value *)st, key, out);
	xmlrpc_env_clean(&env);
	return *out ? 0 : -ENOENT;
}

/* One {lvolid, type} entry; *keep false for types other than snapshot. */
static int read_assoc_one(const xmlrpc_value *e, int32_t *id, bool *keep)
{
	xmlrpc_value *m = NULL;
	char type[32];
	int64_t v = 0;
	int ret;

	if (xmlrpc_value_type((xmlrpc_value *)e) != XMLRPC_TYPE_STRUCT)
		return -EPROTO;
	ret = read_member(e, "lvolid", &m) ? -EPROTO : smr_read_int(m, &v);
	if (m)
		xmlrpc_DECREF(m);
	if (ret || v < 0 || v > VAS_MAX_RESOURCEID)
		return -EPROTO;
	ret = read_member(e, "type", &m) ? -EPROTO
					 : read_str(m, type, sizeof(type));
	if (m)
		xmlrpc_DECREF(m);
	*id = (int32_t)v;
	*keep = !ret && !strcmp(type, "snapshot");
	return ret;
}

static int read_assoc(const xmlrpc_value *v, int *n_out, int32_t **ids_out)
{
	int32_t *ids;
	int i, n, k = 0, ret = 0;

	n = array_size(v, SMR_MAX_ROWS);
	if (n < 0)
		return n;
	ids = calloc((size_t)n + 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		xmlrpc_value *e;
		bool keep = false;

		ret = array_item(v, i, &e);
		if (!ret)
			ret = read_assoc_one(e, &ids[k], &keep);
		if (e)
			xmlrpc_DECREF(e);
		if (keep)
			k++;
	}
	if (ret) {
		free(ids);
		return ret;
	}
	*n_out = k;
	*ids_out = ids;
	return 0;
}

static int read_field(const xmlrpc_value *m, const struct fld *f, char *base)
{
	int64_t v = 0;
	int ret;

	switch (f->type) {
	case FLD_I32:
		ret = smr_read_int(m, &v);
		if (!ret && (v < INT32_MIN || v > INT32_MAX))
			ret = -EPROTO;
		if (!ret)
			*(int32_t *)(base + f->off) = (int32_t)v;
		return ret;
	case FLD_I64:
		ret = smr_read_int(m, &v);
		if (!ret)
			*(int64_t *)(base + f->off) = v;
		return ret;
	case FLD_BOOL:
		if (xmlrpc_value_type((xmlrpc_value *)m) == XMLRPC_TYPE_BOOL) {
			xmlrpc_bool b = 0;
			xmlrpc_env env;

			xmlrpc_env_init(&env);
			xmlrpc_read_bool(&env, m, &b);
			ret = env.fault_occurred ? -EPROTO : 0;
			xmlrpc_env_clean(&env);
			v = b;
		} else {
			ret = smr_read_int(m, &v);
		}
		if (!ret)
			*(bool *)(base + f->off) = v != 0;
		return ret;
	case FLD_STR:
		return read_str(m, base + f->off, f->len);
	case FLD_IPS:
		return read_ips(m, (int *)(base + f->off),
				(char(*)[16])(base + f->off2));
	case FLD_ASSOC:
		return read_assoc(m, (int *)(base + f->off),
				  (int32_t **)(base + f->off2));
	}
	return -EPROTO;
}

static void clear_fields(const struct fld *flds, char *base)
{
	const struct fld *f;

	for (f = flds; f->name; f++) {
		if (f->type == FLD_ASSOC) {
			int32_t **p = (int32_t **)(base + f->off2);

			free(*p);
			*p = NULL;
			*(int *)(base + f->off) = 0;
		}
	}
}

static int decode_entry(const xmlrpc_value *st, const struct fld *flds,
			char *base)
{
	const struct fld *f;
	int ret = 0;

	if (xmlrpc_value_type((xmlrpc_value *)st) != XMLRPC_TYPE_STRUCT)
		return -EPROTO;
	for (f = flds; f->name && !ret; f++) {
		xmlrpc_value *m;

		if (read_member(st, f->name, &m)) {
			ret = f->optional ? 0 : -EPROTO;
			continue;
		}
		ret = read_field(m, f, base);
		xmlrpc_DECREF(m);
	}
	return ret;
}

/* Decodes an array reply into a calloc'd array of elem_size entries. */
static int decode_list(const xmlrpc_value *res, const struct fld *flds,
		       size_t elem_size, void **out, int *n_out)
{
	char *arr;
	int i, n, ret = 0;

	n = array_size(res, SMR_MAX_ROWS);
	if (n < 0)
		return n;
	arr = calloc((size_t)n + 1, elem_size);
	if (!arr)
		return -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		xmlrpc_value *e;

		ret = array_item(res, i, &e);
		if (!ret)
			ret =
			    decode_entry(e, flds, arr + (size_t)i * elem_size);
		if (e)
			xmlrpc_DECREF(e);
	}
	if (ret) {
		for (i = 0; i < n; i++)
			clear_fields(flds, arr + (size_t)i * elem_size);
		free(arr);
		return ret;
	}
	*out = arr;
	*n_out = n;
	return 0;
}

static const struct {
	const struct fld *flds;
	size_t elem_size;
} kinds[] = {
    [SMR_HSVR] = {hsvr_flds, sizeof(struct vas_hsvr_info)},
    [SMR_SSVR] = {ssvr_flds, sizeof(struct vas_ssvr_info)},
    [SMR_PDSK] = {pdsk_flds, sizeof(struct vas_pdsk_info)},
    [SMR_LVOL] = {lvol_flds, sizeof(struct vas_lvol_info)},
    [SMR_POOL] = {pool_flds, sizeof(struct vas_pool_info)},
};

int smr_decode(const xmlrpc_value *res, enum smr_kind kind, void **out, int *n)
{
	*out = NULL;
	*n = 0;
	return decode_list(res, kinds[kind].flds, kinds[kind].elem_size, out,
			   n);
}

void smr_free_lvols(struct vas_lvol_info *a, int n)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < n; i++)
		clear_fields(lvol_flds, (char *)&a[i]);
	free(a);
}
