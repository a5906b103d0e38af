/* Handlers: server and disk registration, deletion and lists. */
#include "api.h"
#include "servers.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

static struct sm *ctx(struct rpc_request *req)
{
	return req->ctx;
}

static int read_ips(struct rpc_request *req, const char *ips[8], int *n)
{
	xmlrpc_value *arr = rpc_member(req, "ip_data");
	int i;

	*n = xmlrpc_array_size(req->env, arr);
	for (i = 0; i < *n && i < 8; i++) {
		xmlrpc_value *e = NULL;

		xmlrpc_array_read_item(req->env, arr, i, &e);
		if (!e)
			return -EINVAL;
		xmlrpc_read_string(req->env, e, &ips[i]);
		xmlrpc_DECREF(e);
		if (req->env->fault_occurred)
			return -EINVAL;
	}
	return 0;
}

static int register_server(struct rpc_request *req, enum srv_kind kind)
{
	const char *ips[8] = {0};
	int32_t id = 0;
	int n = 0, ret, i;

	ret = read_ips(req, ips, &n);
	if (!ret)
		ret = srv_register(ctx(req), kind, ips, n, &id);
	for (i = 0; i < 8; i++)
		free((void *)ips[i]);
	if (!ret)
		rpc_result_int(req, id);
	return ret;
}

int api_register_hsvr(struct rpc_request *req)
{
	return register_server(req, SRV_HSVR);
}

int api_register_ssvr(struct rpc_request *req)
{
	return register_server(req, SRV_SSVR);
}

int api_register_pdsk(struct rpc_request *req)
{
	int32_t id = 0;
	int ret = pdsk_register(ctx(req), (int32_t)rpc_int(req, "ssvrid", 0),
				rpc_str(req, "local_path", ""),
				rpc_str(req, "capacity", ""), &id);

	if (!ret)
		rpc_result_int(req, id);
	return ret;
}

int api_delete_pdsk(struct rpc_request *req)
{
	return pdsk_delete(ctx(req), (int32_t)rpc_int(req, "pdskid", 0));
}

int api_delete_hsvr(struct rpc_request *req)
{
	return srv_delete(ctx(req), SRV_HSVR,
			  (int32_t)rpc_int(req, "hsvrid", 0));
}

int api_delete_ssvr(struct rpc_request *req)
{
	return srv_delete(ctx(req), SRV_SSVR,
			  (int32_t)rpc_int(req, "ssvrid", 0));
}

static xmlrpc_value *ip_array(struct rpc_request *req,
			      const struct sm_server *s)
{
	xmlrpc_value *arr = xmlrpc_array_new(req->env);
	int i;

	for (i = 0; i < s->n_ip; i++)
		rpc_append(req, arr, xmlrpc_string_new(req->env, s->ip[i]));
	return arr;
}

static int list_servers(struct rpc_request *req, enum srv_kind kind,
			const char *idkey)
{
	struct sm_server *rows = NULL;
	xmlrpc_value *out;
	int n = 0, i, ret;

	ret = srv_list(ctx(req), kind, (int32_t)rpc_int(req, idkey, 0), &rows,
		       &n);
	if (ret)
		return ret;
	out = xmlrpc_array_new(req->env);
	for (i = 0; i < n; i++) {
		xmlrpc_value *st = rpc_struct_new(req);

		rpc_set_int(req, st, idkey, rows[i].id);
		rpc_set_int(req, st, "priority", rows[i].priority);
		rpc_set_value(req, st, "ip_data", ip_array(req, &rows[i]));
		rpc_set_int(req, st, "resync", rows[i].resync);
		if (kind == SRV_SSVR) {
			rpc_set_int(req, st, "available", rows[i].available_vb);
			rpc_set_int(req, st, "capacity", rows[i].capacity_vb);
		}
		rpc_append(req, out, st);
	}
	free(rows);
	req->result = out;
	return 0;
}

int api_list_hsvrs(struct rpc_request *req)
{
	return list_servers(req, SRV_HSVR, "hsvrid");
}

int api_list_ssvrs(struct rpc_request *req)
{
	return list_servers(req, SRV_SSVR, "ssvrid");
}

int api_list_pdsks(struct rpc_request *req)
{
	struct sm_disk *rows = NULL;
	xmlrpc_value *out;
	int n = 0, i, ret;

	ret =
	    pdsk_list(ctx(req), (int32_t)rpc_int(req, "ssvrid", 0), &rows, &n);
	if (ret)
		return ret;
	out = xmlrpc_array_new(req->env);
	for (i = 0; i < n; i++) {
		xmlrpc_value *st = rpc_struct_new(req);

		rpc_set_int(req, st, "ssvrid", rows[i].ssvrid);
		rpc_set_int(req, st, "pdskid", rows[i].pdskid);
		rpc_set_int(req, st, "priority", rows[i].priority);
		rpc_set_str(req, st, "local_path", rows[i].local_path);
		rpc_set_int(req, st, "resync", rows[i].resync);
		rpc_set_int(req, st, "capacity", rows[i].capacity_vb);
		rpc_set_int(req, st, "available", rows[i].available_vb);
		rpc_append(req, out, st);
	}
	free(rows);
	req->result = out;
	return 0;
}

int api_shutdown_all(struct rpc_request *req)
{
	return sm_shutdown_all(ctx(req));
}

int api_list_events(struct rpc_request *req)
{
	req->result = xmlrpc_array_new(req->env);
	return 0;
}
