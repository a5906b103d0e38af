/* Abyss HTTP server: binds its own socket, serves "/RPC2" and "/". */
#include "vas/log.h"
#include "vas/rpc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <xmlrpc-c/abyss.h>
#include <xmlrpc-c/server_abyss.h>

struct rpc_server {
	TServer abyss;
	TChanSwitch *chan;
	const struct rpc_method *table;
	const struct rpc_get_route *routes;
	void *ctx;
	int port;
	int fd;
};

static void processor(xmlrpc_env *env, void *arg, const char *xml, size_t len,
		      TSession *session, xmlrpc_mem_block **response)
{
	struct rpc_server *srv = arg;
	struct abyss_unix_chaninfo *info = NULL;
	char peer[64] = "?";

	SessionGetChannelInfo(session, (void **)&info);
	if (info && info->peerAddr.sa_family == AF_INET) {
		const struct sockaddr_in *sin =
		    (const struct sockaddr_in *)&info->peerAddr;

		inet_ntop(AF_INET, &sin->sin_addr, peer, sizeof(peer));
	}
	*response = rpc_process(srv->table, srv->ctx, xml, len, peer);
	if (!*response)
		xmlrpc_faultf(env, "out of memory");
}

/* GET of an extra route (rpc_get_route); anything else passes on. */
static void get_route(void *arg, TSession *session, abyss_bool *handled)
{
	struct rpc_server *srv = arg;
	const struct rpc_get_route *r = srv->routes;
	const TRequestInfo *info = NULL;
	const char *type = "text/plain";
	char *body = NULL;
	size_t len = 0;

	*handled = false;
	SessionGetRequestInfo(session, &info);
	if (!info || info->method != m_get || !info->uri)
		return;
	for (; r && r->path && strcmp(r->path, info->uri); r++)
		;
	if (!r || !r->path)
		return;
	*handled = true;
	if (r->get(srv->ctx, &body, &len, &type) || len > UINT32_MAX) {
		ResponseStatus(session, 500);
		free(body);
		return;
	}
	ResponseStatus(session, 200);
	ResponseContentType(session, type);
	ResponseContentLength(session, len);
	ResponseWriteStart(session);
	ResponseWriteBody(session, body, (xmlrpc_uint32_t)len);
	ResponseWriteEnd(session);
	free(body);
}

static int add_routes(struct rpc_server *srv)
{
	struct ServerReqHandler3 h = {.handleReq = get_route, .userdata = srv};
	abyss_bool ok = false;

	if (!srv->routes)
		return 0;
	ServerAddHandler3(&srv->abyss, &h, &ok);
	return ok ? 0 : -ENOMEM;
}

static int bind_socket(const struct rpc_server_opts *opts, int *port_out)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd, one = 1;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)opts->port);
	if (opts->listen_address && *opts->listen_address &&
	    strcmp(opts->listen_address, "0.0.0.0")) {
		if (inet_pton(AF_INET, opts->listen_address, &sin.sin_addr) !=
		    1) {
			log_err("listen_address '%s' is not an IPv4 address",
				opts->listen_address);
			return -EINVAL;
		}
	} else {
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 128) ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen)) {
		int err = -errno;

		log_err("cannot listen on %s:%d: %s",
			opts->listen_address ? opts->listen_address : "*",
			opts->port, strerror(-err));
		close(fd);
		return err;
	}
	*port_out = ntohs(sin.sin_port);
	return fd;
}

static int add_handler(struct rpc_server *srv, const char *path)
{
	xmlrpc_server_abyss_handler_parms parms;
	xmlrpc_env env;
	int ret = 0;

	memset(&parms, 0, sizeof(parms));
	parms.xml_processor = processor;
	parms.xml_processor_arg = srv;
	parms.xml_processor_max_stack = 1024 * 1024;
	parms.uri_path = path;
	parms.chunk_response = false;
	xmlrpc_env_init(&env);
	xmlrpc_server_abyss_set_handler3(&env, &srv->abyss, &parms,
					 XMLRPC_AHPSIZE(chunk_response));
	if (env.fault_occurred) {
		log_err("cannot add handler %s: %s", path, env.fault_string);
		ret = -ENOMEM;
	}
	xmlrpc_env_clean(&env);
	return ret;
}

int rpc_server_new(const struct rpc_server_opts *opts,
		   const struct rpc_method *table, void *ctx,
		   struct rpc_server **out)
{
	struct rpc_server *srv;
	const char *err = NULL;
	xmlrpc_env env;
	int ret;

	xmlrpc_env_init(&env);
	xmlrpc_server_abyss_global_init(&env);
	xmlrpc_env_clean(&env);
	if (opts->max_request_bytes)
		xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID,
				 opts->max_request_bytes);

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->table = table;
	srv->routes = opts->get_routes;
	srv->ctx = ctx;
	srv->fd = bind_socket(opts, &srv->port);
	if (srv->fd < 0) {
		ret = srv->fd;
		free(srv);
		return ret;
	}
	ChanSwitchUnixCreateFd(srv->fd, &srv->chan, &err);
	if (err) {
		log_err("abyss channel: %s", err);
		goto fail;
	}
	ServerCreateSwitch(&srv->abyss, srv->chan, &err);
	if (err) {
		log_err("abyss server: %s", err);
		ChanSwitchDestroy(srv->chan);
		goto fail;
	}
	ServerSetAdvertise(&srv->abyss, false);
	ServerSetMaxConn(&srv->abyss, opts->max_conn > 0 ? opts->max_conn : 64);
	ServerSetTimeout(&srv->abyss,
			 opts->io_timeout_s > 0 ? opts->io_timeout_s : 300);
	ServerSetKeepaliveTimeout(&srv->abyss, 15);
	if (add_routes(srv) || add_handler(srv, "/RPC2") ||
	    add_handler(srv, "/")) {
		ServerFree(&srv->abyss);
		ChanSwitchDestroy(srv->chan);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	free((void *)err);
	close(srv->fd);
	free(srv);
	return -EIO;
}

int rpc_server_port(const struct rpc_server *srv)
{
	return srv->port;
}

int rpc_server_run(struct rpc_server *srv)
{
	ServerInit(&srv->abyss);
	ServerRun(&srv->abyss);
	return 0;
}

void rpc_server_stop(struct rpc_server *srv)
{
	ServerTerminate(&srv->abyss);
}

void rpc_server_free(struct rpc_server *srv)
{
	if (!srv)
		return;
	ServerFree(&srv->abyss);
	ChanSwitchDestroy(srv->chan);
	close(srv->fd);
	free(srv);
}
