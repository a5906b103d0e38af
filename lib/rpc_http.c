/*
 * libmicrohttpd callbacks: route a request, collect its body within the
 * limits, hand it to a worker, send the reply. XML-RPC is POST to "/" or
 * "/RPC2" (ssvr.md 2.1); every XML-RPC answer is HTTP 200, faults too.
 */
#include "rpc_server_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const fault_names[] = {
    [EACCES] = "EACCES", [EAGAIN] = "EAGAIN", [EINVAL] = "EINVAL"};

void *rpc_http_uri_cb(void *cls, const char *uri, struct MHD_Connection *mhd)
{
	const union MHD_ConnectionInfo *info =
	    MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct rpc_server *srv = cls;
	struct rpc_call *call = calloc(1, sizeof(*call));

	(void)uri;
	if (!call)
		return NULL; /* the access handler closes the connection */
	call->srv = srv;
	call->mhd = mhd;
	call->conn = info ? info->socket_context : NULL;
	call->stage = RPC_CALL_NEW;
	rpc_conn_set(srv, call->conn, RPC_CONN_READING);
	return call;
}

static void release_body(struct rpc_server *srv, struct rpc_call *call)
{
	if (call->budgeted)
		atomic_fetch_sub(&srv->buffered, call->budgeted);
	call->budgeted = 0;
	free(call->body);
	call->body = NULL;
	call->len = call->cap = 0;
}

void rpc_http_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
			enum MHD_RequestTerminationCode toe)
{
	struct rpc_server *srv = cls;
	struct rpc_call *call = *con_cls;

	(void)mhd;
	(void)toe;
	if (!call)
		return;
	rpc_conn_set(srv, call->conn, RPC_CONN_IDLE);
	release_body(srv, call);
	if (call->doc)
		XMLRPC_MEMBLOCK_FREE(char, call->doc);
	free(call->text);
	free(call);
	*con_cls = NULL;
}

void rpc_http_observe(struct rpc_server *srv, const struct rpc_served *o)
{
	if (srv->observer)
		srv->observer(srv->observer_ctx, o);
}

static void free_doc(void *cls)
{
	xmlrpc_mem_block *doc = cls;

	XMLRPC_MEMBLOCK_FREE(char, doc);
}

static enum MHD_Result send_reply(struct rpc_call *call, bool close)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (call->doc) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    XMLRPC_MEMBLOCK_SIZE(char, call->doc),
		    XMLRPC_MEMBLOCK_CONTENTS(char, call->doc), free_doc,
		    call->doc);
		if (resp)
			call->doc = NULL;
		call->content_type = "text/xml";
	} else {
		resp = MHD_create_response_from_buffer(
		    call->text_len, call->text, MHD_RESPMEM_MUST_FREE);
		if (resp)
			call->text = NULL;
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				call->content_type ? call->content_type
						   : "text/plain");
	if (close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION,
					"close");
	call->stage = RPC_CALL_SENT;
	rpc_conn_set(call->srv, call->conn, RPC_CONN_WRITING);
	ret = MHD_queue_response(
	    call->mhd, call->status ? (unsigned)call->status : 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* An HTTP error page (unknown path, wrong method). */
static enum MHD_Result send_status(struct rpc_call *call, int status,
				   const char *text)
{
	call->status = status;
	call->text = strdup(text);
	call->text_len = call->text ? strlen(text) : 0;
	return call->text ? send_reply(call, false) : MHD_NO;
}

/* The fault answering a body that was refused unread. */
static enum MHD_Result send_refusal(struct rpc_call *call, bool close)
{
	struct rpc_served o = {.method = NULL,
			       .fault_code = call->refuse_code,
			       .peer = call->conn ? call->conn->peer.text : "?",
			       .request_bytes = call->len};

	log_info("request from %s refused: %s", o.peer,
		 call->refuse_code == EACCES
		     ? "no client certificate of ca_file"
		 : call->refuse_code == EAGAIN ? "request bodies use all memory"
					       : "body over max_request_bytes");
	call->doc =
	    rpc_fault_doc(call->refuse_code, fault_names[call->refuse_code]);
	if (!call->doc)
		return MHD_NO;
	o.reply_bytes = XMLRPC_MEMBLOCK_SIZE(char, call->doc);
	rpc_http_observe(call->srv, &o);
	return send_reply(call, close);
}

static const struct rpc_route *find_route(const struct rpc_server *srv,
					  const char *method, const char *url)
{
	int i;

	for (i = 0; i < srv->n_routes; i++)
		if (!strcmp(srv->routes[i].method, method) &&
		    !strcmp(srv->routes[i].path, url))
			return &srv->routes[i];
	return NULL;
}

/* Headers are in: decide what the request is; MHD_YES to read on. */
static enum MHD_Result start(struct rpc_call *call, const char *url,
			     const char *method)
{
	struct rpc_server *srv = call->srv;
	const char *clen, *expect;
	unsigned long long declared = 0;
	bool rpc_path = !strcmp(url, "/") || !strcmp(url, "/RPC2");

	call->stage = RPC_CALL_READ;
	snprintf(call->http_method, sizeof(call->http_method), "%s", method);
	snprintf(call->path, sizeof(call->path), "%s", url);
	if (!rpc_tls_trusted(srv, call)) {
		/* Nothing of an untrusted client is read or run. */
		call->refuse_code = EACCES;
		return send_refusal(call, true);
	}
	call->route = find_route(srv, method, url);
	if (!call->route && !rpc_path)
		return send_status(call, 404, "Not Found\n");
	if (!call->route && strcmp(method, "POST"))
		return send_status(call, 405, "Method Not Allowed\n");
	clen = MHD_lookup_connection_value(call->mhd, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen)
		declared = strtoull(clen, NULL, 10);
	if (declared <= srv->opts.max_request_bytes)
		return MHD_YES;
	call->refuse_code = EINVAL;
	/*
	 * A client that waits for "100 Continue" gets the fault at once and
	 * the connection is closed. Others are read to the end (dropped,
	 * within request_timeout_s): most clients send the whole body
	 * before they read, and would miss a fault sent earlier.
	 */
	expect = MHD_lookup_connection_value(call->mhd, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_EXPECT);
	if (expect && !strcasecmp(expect, "100-continue"))
		return send_refusal(call, true);
	return MHD_YES;
}

/* Appends a piece of the body, within the limits. */
static void take(struct rpc_call *call, const char *data, size_t n)
{
	struct rpc_server *srv = call->srv;
	size_t want, extra;
	char *grown;

	if (call->refuse_code)
		return;
	if (n > srv->opts.max_request_bytes - call->len) {
		call->refuse_code = EINVAL;
		release_body(srv, call);
		return;
	}
	want = call->len + n;
	if (want > call->cap) {
		size_t cap = call->cap ? call->cap : 4096;

		while (cap < want)
			cap *= 2;
		if (cap > srv->opts.max_request_bytes)
			cap = srv->opts.max_request_bytes;
		extra =
		    cap > RPC_BODY_FREE_BYTES ? cap - RPC_BODY_FREE_BYTES : 0;
		if (extra > call->budgeted) {
			size_t more = extra - call->budgeted;

			if (atomic_fetch_add(&srv->buffered, more) + more >
			    srv->opts.max_buffered_bytes) {
				atomic_fetch_sub(&srv->buffered, more);
				call->refuse_code = EAGAIN;
				release_body(srv, call);
				return;
			}
			call->budgeted += more;
		}
		grown = realloc(call->body, cap);
		if (!grown) {
			call->refuse_code = EAGAIN;
			release_body(srv, call);
			return;
		}
		call->body = grown;
		call->cap = cap;
	}
	memcpy(call->body + call->len, data, n);
	call->len += n;
}

enum MHD_Result rpc_http_access(void *cls, struct MHD_Connection *mhd,
				const char *url, const char *method,
				const char *version, const char *upload_data,
				size_t *upload_data_size, void **con_cls)
{
	struct rpc_server *srv = cls;
	struct rpc_call *call = *con_cls;

	(void)mhd;
	(void)version;
	if (!call)
		return MHD_NO;
	switch (call->stage) {
	case RPC_CALL_NEW:
		return start(call, url, method);
	case RPC_CALL_READ:
		if (*upload_data_size) {
			take(call, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (call->refuse_code)
			return send_refusal(call, false);
		rpc_conn_set(srv, call->conn, RPC_CONN_RUNNING);
		if (!call->route && srv->cache &&
		    rpc_cache_ready(srv->cache, call->body ? call->body : "",
				    call->len))
			return rpc_rounds_submit(srv, call) ? MHD_YES : MHD_NO;
		return rpc_workers_submit(srv, call) ? MHD_YES : MHD_NO;
	case RPC_CALL_DONE:
		return send_reply(call, false);
	case RPC_CALL_DROP:
		return MHD_NO;
	default:
		/* The reply is queued; MHD may still pass trailing data. */
		*upload_data_size = 0;
		return MHD_YES;
	}
}

static void run_route(struct rpc_server *srv, struct rpc_call *call)
{
	struct rpc_http_reply reply = {0};
	struct rpc_http_request rq = {
	    .method = call->http_method,
	    .path = call->path,
	    .body = call->body ? call->body : "",
	    .body_len = call->len,
	    .peer = call->conn ? call->conn->peer.text : "?",
	    .peer_addr = call->conn ? &call->conn->peer.addr : NULL,
	};

	call->route->fn(call->route->ctx, &rq, &reply);
	(void)srv;
	call->status = reply.status ? reply.status : 200;
	call->content_type = reply.content_type;
	call->text = reply.body;
	call->text_len = reply.body ? reply.body_len : 0;
}

void rpc_http_answered(struct rpc_server *srv, struct rpc_call *call,
		       xmlrpc_mem_block *doc, struct rpc_served *o,
		       int64_t start)
{
	call->doc = doc;
	o->peer = call->conn ? call->conn->peer.text : "?";
	o->queued_us = (uint64_t)(start - call->complete_us);
	o->run_us = (uint64_t)(rpc_now_us() - start);
	o->request_bytes = call->len;
	o->reply_bytes = doc ? XMLRPC_MEMBLOCK_SIZE(char, doc) : 0;
	rpc_http_observe(srv, o);
	release_body(srv, call);
	call->stage = doc ? RPC_CALL_DONE : RPC_CALL_DROP;
}

void rpc_http_run(struct rpc_server *srv, struct rpc_call *call)
{
	struct rpc_served o = {0};
	int64_t start = rpc_now_us();
	struct rpc_peer unknown = {.text = "?"};
	const struct rpc_peer *peer;
	const char *body = call->body ? call->body : "";

	if (call->route) {
		run_route(srv, call);
		release_body(srv, call);
		call->stage = RPC_CALL_DONE;
		return;
	}
	/* 0.0.0.0: matched by no access list (AF_UNSPEC is in-process). */
	unknown.addr.ss_family = AF_INET;
	peer = call->conn ? &call->conn->peer : &unknown;
	rpc_http_answered(srv, call,
			  srv->cache
			      ? rpc_cache_call(srv->cache, srv->table, srv->ctx,
					       body, call->len, peer, &o)
			      : rpc_process_call(srv->table, srv->ctx, body,
						 call->len, peer, &o),
			  &o, start);
}
