/* Handlers: server and disk registration, deletion and lists. */
#include "api.h"
#include "servers.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

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
	struct srv_placement pl = {api_opt_str(req, "pool"),
				   api_opt_str(req, "domain")};
	const char *ips[8] = {0};
	int32_t id = 0;
	int n = 0, ret, i;

	ret = read_ips(req, ips, &n);
	if (!ret)
		ret = srv_register(api_sm(req), kind, ips, n,
				   kind == SRV_SSVR ? &pl : NULL, &id);
	for (i = 0; i < 8; i++)
		free((void *)ips[i]);
	return ret ? ret : api_reply_int(req, id);
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
	int ret = pdsk_register(api_sm(req), (int32_t)rpc_int(req, "ssvrid", 0),
				rpc_str(req, "local_path", ""),
				rpc_str(req, "capacity", ""),
				api_opt_str(req, "pool"), &id);

	return ret ? ret : api_reply_int(req, id);
}

int api_delete_pdsk(struct rpc_request *req)
{
	return pdsk_delete(api_sm(req), (int32_t)rpc_int(req, "pdskid", 0));
}

int api_delete_hsvr(struct rpc_request *req)
{
	return srv_delete(api_sm(req), SRV_HSVR,
			  (int32_t)rpc_int(req, "hsvrid", 0));
}

int api_delete_ssvr(struct rpc_request *req)
{
	return srv_delete(api_sm(req), SRV_SSVR,
			  (int32_t)rpc_int(req, "ssvrid", 0));
}

static void write_ips(struct rpc_writer *w, const struct sm_server *s)
{
	int i;

	rpc_w_member(w, "ip_data");
	rpc_w_array_begin(w);
	for (i = 0; i < s->n_ip; i++)
		rpc_w_str_value(w, s->ip[i]);
	rpc_w_array_end(w);
	rpc_w_member_end(w);
}

/* Members added on request only, so replies stay 3.0's (issue 16). */
static void write_placement(struct rpc_writer *w, const char *pool,
			    const char *domain)
{
	rpc_w_str(w, "pool", pool);
	rpc_w_str(w, "domain", domain);
}

static int list_servers(struct rpc_request *req, enum srv_kind kind,
			const char *idkey)
{
	bool placement = api_flag(req, "placement");
	struct sm_server *rows = NULL;
	struct rpc_writer *w;
	int n = 0, i, ret;

	w = api_reply(req);
	if (!w)
		return -ENOMEM;
	ret = srv_list(api_sm(req), kind, (int32_t)rpc_int(req, idkey, 0),
		       api_opt_str(req, "pool"), &rows, &n);
	if (ret)
		return ret;
	rpc_w_array_begin(w);
	for (i = 0; i < n; i++) {
		rpc_w_struct_begin(w);
		rpc_w_int(w, idkey, rows[i].id);
		rpc_w_int(w, "priority", rows[i].priority);
		write_ips(w, &rows[i]);
		rpc_w_int(w, "resync", rows[i].resync);
		if (kind == SRV_SSVR) {
			rpc_w_int(w, "available", rows[i].available_vb);
			rpc_w_int(w, "capacity", rows[i].capacity_vb);
		}
		if (placement)
			write_placement(w, rows[i].pool, rows[i].domain);
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	free(rows);
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
	bool placement = api_flag(req, "placement");
	struct sm_disk *rows = NULL;
	struct rpc_writer *w;
	int n = 0, i, ret;

	w = api_reply(req);
	if (!w)
		return -ENOMEM;
	ret = pdsk_list(api_sm(req), (int32_t)rpc_int(req, "ssvrid", 0),
			api_opt_str(req, "pool"), &rows, &n);
	if (ret)
		return ret;
	rpc_w_array_begin(w);
	for (i = 0; i < n; i++) {
		rpc_w_struct_begin(w);
		rpc_w_int(w, "ssvrid", rows[i].ssvrid);
		rpc_w_int(w, "pdskid", rows[i].pdskid);
		rpc_w_int(w, "priority", rows[i].priority);
		rpc_w_str(w, "local_path", rows[i].local_path);
		rpc_w_int(w, "resync", rows[i].resync);
		rpc_w_int(w, "capacity", rows[i].capacity_vb);
		rpc_w_int(w, "available", rows[i].available_vb);
		if (placement)
			write_placement(w, rows[i].pool, rows[i].domain);
		rpc_w_struct_end(w);
	}
	rpc_w_array_end(w);
	free(rows);
	return 0;
}

int api_shutdown_all(struct rpc_request *req)
{
	return sm_shutdown_all(api_sm(req));
}

int api_list_events(struct rpc_request *req)
{
	struct rpc_writer *w = api_reply(req);

	if (!w)
		return -ENOMEM;
	rpc_w_array_begin(w); /* events are not kept (sm.md 3.15) */
	rpc_w_array_end(w);
	return 0;
}
