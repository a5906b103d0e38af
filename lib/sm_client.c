/*
 * Typed client of the storage manager: builds the one-struct requests,
 * fails over on connect-phase errors only, maps faults to negative codes
 * and decodes replies (hostile input: every member type-checked).
 */
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLIENT_DEF_TIMEOUT_MS 300000
#define CLIENT_MAX_HOSTS      16
#define CLIENT_MAX_ROWS	      (1 << 24)

struct vas_client {
	char **hosts;
	int nhosts;
	int port;
	int timeout_ms;
	int answered; /* index of the host that answered, or -1 */
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
	struct vas_client *c;
	long port;
	int ret;

	*out = NULL;
	ret = conf_get_long(conf, "storage_manager", "port", VAS_PORT_SM, 1,
			    65535, &port);
	if (ret)
		return ret;
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
 * Sends method({ver: 5, ...param}) host by host. Moves to the next host
 * only when the connection could not be made, so a request that may have
 * been received is never sent twice. Takes a reference of param.
 */
static int client_call(struct vas_client *c, const char *method,
		       xmlrpc_value *param, xmlrpc_value **result)
{
	struct rpc_outcome oc;
	int i, tried = 0, ret = -EHOSTDOWN;

	*result = NULL;
	c->answered = -1;
	c->tried[0] = '\0';
	memset(&c->last, 0, sizeof(c->last));
	for (i = 0; i < c->nhosts; i++) {
		ret = rpc_call((const char *const *)&c->hosts[i], 1, c->port,
			       method, param, c->timeout_ms,
			       RPC_FAILOVER_CONNECT, result, &oc);
		tried++;
		c->last = oc;
		c->last.tried = tried;
		if (ret == 0 || ret == -EREMOTEIO) {
			c->answered = i;
			break;
		}
		note_tried(c, c->hosts[i], &oc);
		if (oc.fail != RPC_FAIL_CONNECT)
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

/* Request builder: the env records the first failure (ENOMEM). */
struct req {
	xmlrpc_env env;
	xmlrpc_value *st;
};

static void req_init(struct req *r)
{
	xmlrpc_env_init(&r->env);
	r->st = xmlrpc_struct_new(&r->env);
	if (!r->env.fault_occurred) {
		xmlrpc_value *v = xmlrpc_int_new(&r->env, VAS_XMLRPC_VERSION);

		if (v) {
			xmlrpc_struct_set_value(&r->env, r->st, "ver", v);
			xmlrpc_DECREF(v);
		}
	}
}

static void req_set(struct req *r, const char *key, xmlrpc_value *v)
{
	if (!v)
		return;
	if (!r->env.fault_occurred)
		xmlrpc_struct_set_value(&r->env, r->st, key, v);
	xmlrpc_DECREF(v);
}

static void req_int(struct req *r, const char *key, int v)
{
	if (!r->env.fault_occurred)
		req_set(r, key, xmlrpc_int_new(&r->env, v));
}

static void req_str(struct req *r, const char *key, const char *v)
{
	if (!r->env.fault_occurred)
		req_set(r, key, xmlrpc_string_new(&r->env, v));
}

static void req_done(struct req *r)
{
	if (r->st)
		xmlrpc_DECREF(r->st);
	xmlrpc_env_clean(&r->env);
}

/* Calls with the built request; frees it. */
static int req_send(struct vas_client *c, struct req *r, const char *method,
		    xmlrpc_value **result)
{
	int ret;

	*result = NULL;
	if (r->env.fault_occurred)
		ret = -ENOMEM;
	else
		ret = client_call(c, method, r->st, result);
	req_done(r);
	return ret;
}

static int read_int(const xmlrpc_value *v, int64_t *out)
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

/* A call whose reply is an int; *out may be NULL. */
static int req_send_int(struct vas_client *c, struct req *r, const char *method,
			int64_t *out)
{
	xmlrpc_value *res = NULL;
	int64_t v = 0;
	int ret;

	ret = req_send(c, r, method, &res);
	if (!ret)
		ret = read_int(res, &v);
	if (res)
		xmlrpc_DECREF(res);
	if (!ret && out)
		*out = v;
	return ret;
}

/* A call whose reply is a new resource id (1 .. 0x7fffffff). */
static int req_send_id(struct vas_client *c, struct req *r, const char *method,
		       int32_t *id)
{
	int64_t v = 0;
	int ret;

	ret = req_send_int(c, r, method, &v);
	if (!ret && (v < 1 || v > VAS_MAX_RESOURCEID))
		ret = -EPROTO;
	if (!ret && id)
		*id = (int32_t)v;
	return ret;
}

static int req_ref(struct req *r, const char *prefix, struct vas_lvol_ref v)
{
	char key[32];

	if (v.lvolid) {
		snprintf(key, sizeof(key), "%slvolid", prefix);
		req_int(r, key, v.lvolid);
	} else if (v.lvolname) {
		snprintf(key, sizeof(key), "%slvolname", prefix);
		req_str(r, key, v.lvolname);
	} else {
		return -EINVAL;
	}
	return 0;
}

/* --- writes --- */

static int register_server(struct vas_client *c, const char *method,
			   const char *const *ips, int n, int32_t *id)
{
	xmlrpc_value *arr;
	struct req r;
	int i;

	req_init(&r);
	arr = xmlrpc_array_new(&r.env);
	for (i = 0; i < n && !r.env.fault_occurred; i++) {
		xmlrpc_value *s = xmlrpc_string_new(&r.env, ips[i]);

		if (s) {
			xmlrpc_array_append_item(&r.env, arr, s);
			xmlrpc_DECREF(s);
		}
	}
	req_set(&r, "ip_data", arr);
	return req_send_id(c, &r, method, id);
}

int vas_register_hsvr(struct vas_client *c, const char *const *ips, int n,
		      int32_t *hsvrid)
{
	return register_server(c, "registerHeadServer", ips, n, hsvrid);
}

int vas_register_ssvr(struct vas_client *c, const char *const *ips, int n,
		      int32_t *ssvrid)
{
	return register_server(c, "registerStorageServer", ips, n, ssvrid);
}

int vas_register_pdsk(struct vas_client *c, int32_t ssvrid,
		      const char *local_path, int64_t sectors, int32_t *pdskid)
{
	char cap[24];
	struct req r;

	snprintf(cap, sizeof(cap), "%lld", (long long)sectors);
	req_init(&r);
	req_int(&r, "ssvrid", ssvrid);
	req_str(&r, "local_path", local_path);
	req_str(&r, "capacity", cap);
	return req_send_id(c, &r, "registerPhysicalDisk", pdskid);
}

static int delete_by_id(struct vas_client *c, const char *method,
			const char *key, int32_t id)
{
	struct req r;

	req_init(&r);
	req_int(&r, key, id);
	return req_send_int(c, &r, method, NULL);
}

int vas_delete_pdsk(struct vas_client *c, int32_t pdskid)
{
	return delete_by_id(c, "deletePhysicalDisk", "pdskid", pdskid);
}

int vas_delete_hsvr(struct vas_client *c, int32_t hsvrid)
{
	return delete_by_id(c, "deleteHeadServer", "hsvrid", hsvrid);
}

int vas_delete_ssvr(struct vas_client *c, int32_t ssvrid)
{
	return delete_by_id(c, "deleteStorageServer", "ssvrid", ssvrid);
}

int vas_lvol_create(struct vas_client *c, const char *name,
		    int64_t capacity_gib, int redundancy, int32_t *lvolid)
{
	struct req r;

	if (!name || capacity_gib < 1 || capacity_gib > VAS_MAX_LENGTH_GIB)
		return -EINVAL;
	req_init(&r);
	req_str(&r, "lvolname", name);
	req_int(&r, "capacity", (int)capacity_gib);
	if (redundancy)
		req_int(&r, "redundancy", redundancy);
	return req_send_id(c, &r, "createLogicalVolume", lvolid);
}

int vas_snap_create(struct vas_client *c, struct vas_lvol_ref origin,
		    const char *snapshot_name, int32_t *lvolid)
{
	struct req r;

	if (!snapshot_name)
		return -EINVAL;
	req_init(&r);
	if (req_ref(&r, "origin_", origin)) {
		req_done(&r);
		return -EINVAL;
	}
	req_str(&r, "snapshot_lvolname", snapshot_name);
	return req_send_id(c, &r, "createSnapshot", lvolid);
}

/* A volume operation: {ver, lvolid|lvolname [, key: extra]}. */
static int lvol_op(struct vas_client *c, const char *method,
		   struct vas_lvol_ref v, const char *key, int32_t extra)
{
	struct req r;

	req_init(&r);
	if (req_ref(&r, "", v)) {
		req_done(&r);
		return -EINVAL;
	}
	if (key)
		req_int(&r, key, extra);
	return req_send_int(c, &r, method, NULL);
}

int vas_lvol_delete(struct vas_client *c, struct vas_lvol_ref v)
{
	return lvol_op(c, "deleteLogicalVolume", v, NULL, 0);
}

int vas_lvol_attach(struct vas_client *c, struct vas_lvol_ref v, int32_t hsvrid)
{
	return lvol_op(c, "attachLogicalVolume", v, "hsvrid", hsvrid);
}

int vas_lvol_detach(struct vas_client *c, struct vas_lvol_ref v)
{
	return lvol_op(c, "detachLogicalVolume", v, NULL, 0);
}

int vas_notify_failure(struct vas_client *c, int target, int32_t targetid)
{
	struct req r;

	req_init(&r);
	req_int(&r, "target", target);
	req_int(&r, "targetid", targetid);
	return req_send_int(c, &r, "notifyFailure", NULL);
}

int vas_notify_badblocks(struct vas_client *c, int32_t pdskid,
			 const int32_t *blocks, int n)
{
	xmlrpc_value *arr;
	struct req r;
	int i;

	req_init(&r);
	req_int(&r, "pdskid", pdskid);
	arr = xmlrpc_array_new(&r.env);
	for (i = 0; i < n && !r.env.fault_occurred; i++) {
		xmlrpc_value *b = xmlrpc_int_new(&r.env, blocks[i]);

		if (b) {
			xmlrpc_array_append_item(&r.env, arr, b);
			xmlrpc_DECREF(b);
		}
	}
	req_set(&r, "blocks", arr);
	return req_send_int(c, &r, "notifyBadBlocks", NULL);
}

int vas_shutdown_all(struct vas_client *c)
{
	struct req r;

	req_init(&r);
	return req_send_int(c, &r, "shutdownAll", NULL);
}

/* --- list replies: one table of members per entry type --- */

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

/* A member stored at offsetof(t, m); FLD2 for an array and its count. */
/* clang-format off */
#define FLD(t, m, ty) {#m, ty, offsetof(t, m), 0, sizeof(((t *)0)->m), false}
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
    {"srp_name", FLD_STR, offsetof(struct vas_pdsk_info, srp_name), 0,
     sizeof(((struct vas_pdsk_info *)0)->srp_name), true},
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
	ret = read_member(e, "lvolid", &m) ? -EPROTO : read_int(m, &v);
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

	n = array_size(v, CLIENT_MAX_ROWS);
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
		ret = read_int(m, &v);
		if (!ret && (v < INT32_MIN || v > INT32_MAX))
			ret = -EPROTO;
		if (!ret)
			*(int32_t *)(base + f->off) = (int32_t)v;
		return ret;
	case FLD_I64:
		ret = read_int(m, &v);
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
			ret = read_int(m, &v);
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

	n = array_size(res, CLIENT_MAX_ROWS);
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

static int list_call(struct vas_client *c, struct req *r, const char *method,
		     const struct fld *flds, size_t elem_size, void **out,
		     int *n)
{
	xmlrpc_value *res = NULL;
	int ret;

	*out = NULL;
	*n = 0;
	ret = req_send(c, r, method, &res);
	if (!ret)
		ret = decode_list(res, flds, elem_size, out, n);
	if (res)
		xmlrpc_DECREF(res);
	return ret;
}

static int list_by_id(struct vas_client *c, const char *method, const char *key,
		      int32_t id, const struct fld *flds, size_t elem_size,
		      void **out, int *n)
{
	struct req r;

	req_init(&r);
	if (id)
		req_int(&r, key, id);
	return list_call(c, &r, method, flds, elem_size, out, n);
}

int vas_list_hsvrs(struct vas_client *c, int32_t hsvrid,
		   struct vas_hsvr_info **out, int *n)
{
	return list_by_id(c, "listHeadServers", "hsvrid", hsvrid, hsvr_flds,
			  sizeof(**out), (void **)out, n);
}

int vas_list_ssvrs(struct vas_client *c, int32_t ssvrid,
		   struct vas_ssvr_info **out, int *n)
{
	return list_by_id(c, "listStorageServers", "ssvrid", ssvrid, ssvr_flds,
			  sizeof(**out), (void **)out, n);
}

int vas_list_pdsks(struct vas_client *c, int32_t ssvrid,
		   struct vas_pdsk_info **out, int *n)
{
	return list_by_id(c, "listPhysicalDisks", "ssvrid", ssvrid, pdsk_flds,
			  sizeof(**out), (void **)out, n);
}

int vas_list_lvols(struct vas_client *c, const struct vas_lvol_ref *v,
		   struct vas_lvol_info **out, int *n)
{
	struct req r;

	req_init(&r);
	if (v && req_ref(&r, "", *v)) {
		req_done(&r);
		*out = NULL;
		*n = 0;
		return -EINVAL;
	}
	return list_call(c, &r, "listLogicalVolumes", lvol_flds, sizeof(**out),
			 (void **)out, n);
}

void vas_lvol_info_free(struct vas_lvol_info *a, int n)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < n; i++)
		clear_fields(lvol_flds, (char *)&a[i]);
	free(a);
}

int vas_show_lvol(struct vas_client *c, struct vas_lvol_ref v,
		  struct vas_lvolstruct **out)
{
	struct vas_lvolstruct *node;
	xmlrpc_value *res = NULL;
	struct req r;
	int ret;

	*out = NULL;
	req_init(&r);
	if (req_ref(&r, "", v)) {
		req_done(&r);
		return -EINVAL;
	}
	ret = req_send(c, &r, "showLogicalVolume", &res);
	if (ret)
		return ret;
	node = calloc(1, sizeof(*node));
	if (!node) {
		ret = -ENOMEM;
	} else if (lvs_decode(res, node)) {
		free(node);
		ret = -EPROTO;
	} else {
		*out = node;
	}
	xmlrpc_DECREF(res);
	return ret;
}
