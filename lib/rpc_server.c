/*
 * The HTTP front end shared by vas_sm and the agents: the listening
 * socket, the options given to libmicrohttpd, and the life cycle of its
 * event thread, the workers and the deadline sweeper.
 */
#include "rpc_server_priv.h"
#include "vas/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_WORKERS		16
#define DEFAULT_MAX_REQUEST	(1u << 20)
#define DEFAULT_REQUEST_TIMEOUT 10
#define DEFAULT_IDLE_TIMEOUT	30
#define DEFAULT_MAX_OPEN	1024
#define DEFAULT_MAX_PER_PEER	256
#define DEFAULT_MAX_BUFFERED	(64u << 20)
#define LISTEN_BACKLOG		1024
#define CONNECTION_MEMORY_BYTES (32u * 1024)

static void fill_defaults(struct rpc_server_opts *o)
{
	if (o->workers <= 0)
		o->workers = DEFAULT_WORKERS;
	if (!o->max_request_bytes)
		o->max_request_bytes = DEFAULT_MAX_REQUEST;
	if (o->request_timeout_s <= 0)
		o->request_timeout_s = DEFAULT_REQUEST_TIMEOUT;
	if (o->idle_timeout_s <= 0)
		o->idle_timeout_s = DEFAULT_IDLE_TIMEOUT;
	if (o->max_open <= 0)
		o->max_open = DEFAULT_MAX_OPEN;
	if (o->max_per_peer <= 0)
		o->max_per_peer = DEFAULT_MAX_PER_PEER;
	if (!o->max_buffered_bytes)
		o->max_buffered_bytes = DEFAULT_MAX_BUFFERED;
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
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		log_warn("SO_REUSEADDR: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(fd, LISTEN_BACKLOG) ||
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

int rpc_server_new(const struct rpc_server_opts *opts,
		   const struct rpc_method *table, void *ctx,
		   struct rpc_server **out)
{
	struct rpc_server *srv = calloc(1, sizeof(*srv));
	int ret;

	if (!srv)
		return -ENOMEM;
	srv->opts = *opts;
	fill_defaults(&srv->opts);
	srv->table = table;
	srv->ctx = ctx;
	srv->opts.tls = NULL; /* the PEM text is all we keep */
	ret = rpc_tls_load(srv, opts->tls);
	if (ret) {
		free(srv);
		return ret;
	}
	srv->listen_fd = bind_socket(&srv->opts, &srv->port);
	if (srv->listen_fd < 0) {
		ret = srv->listen_fd;
		rpc_tls_free(srv);
		free(srv);
		return ret;
	}
	/* The parser's own cap (512 KiB by default) must not be lower. */
	if (xmlrpc_limit_get(XMLRPC_XML_SIZE_LIMIT_ID) <
	    srv->opts.max_request_bytes)
		xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID,
				 srv->opts.max_request_bytes);
	pthread_mutex_init(&srv->run_lock, NULL);
	pthread_cond_init(&srv->run_cond, NULL);
	pthread_mutex_init(&srv->conns.lock, NULL);
	pthread_cond_init(&srv->conns.wake, NULL);
	pthread_mutex_init(&srv->queue.lock, NULL);
	pthread_cond_init(&srv->queue.ready, NULL);
	pthread_mutex_init(&srv->rounds.lock, NULL);
	pthread_cond_init(&srv->rounds.ready, NULL);
	*out = srv;
	return 0;
}

int rpc_server_port(const struct rpc_server *srv)
{
	return srv->port;
}

int rpc_server_add_route(struct rpc_server *srv, const char *method,
			 const char *path, rpc_route_fn fn, void *ctx)
{
	struct rpc_route *r;
	int i;

	for (i = 0; i < srv->n_routes; i++)
		if (!strcmp(srv->routes[i].method, method) &&
		    !strcmp(srv->routes[i].path, path))
			return -EEXIST;
	if (srv->n_routes == RPC_MAX_ROUTES ||
	    strlen(method) >= sizeof(r->method) ||
	    strlen(path) >= sizeof(r->path))
		return -ENOSPC;
	r = &srv->routes[srv->n_routes];
	snprintf(r->method, sizeof(r->method), "%s", method);
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fn = fn;
	r->ctx = ctx;
	srv->n_routes++;
	return 0;
}

int rpc_server_set_cache(struct rpc_server *srv, rpc_token_fn fn, void *ctx)
{
	rpc_cache_free(srv->cache);
	srv->cache = rpc_cache_new(fn, ctx);
	return srv->cache ? 0 : -ENOMEM;
}

void rpc_server_set_observer(struct rpc_server *srv, rpc_observer_fn fn,
			     void *ctx)
{
	srv->observer = fn;
	srv->observer_ctx = ctx;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	(void)cls;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_debug("http: %s", line);
}

/*
 * The one place that configures libmicrohttpd. Returns the number of items
 * written.
 */
static int mhd_options(struct rpc_server *srv, struct MHD_OptionItem *it)
{
	const struct rpc_server_opts *o = &srv->opts;
	int n = 0;

#define OPT(opt, val, ptr)                                                     \
	it[n++] = (struct MHD_OptionItem){(opt), (intptr_t)(val), (ptr)}
	OPT(MHD_OPTION_LISTEN_SOCKET, srv->listen_fd, NULL);
	OPT(MHD_OPTION_CONNECTION_LIMIT, o->max_open, NULL);
	OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->max_per_peer, NULL);
	/* MHD's inactivity timeout; the sweeper enforces the rest. */
	OPT(MHD_OPTION_CONNECTION_TIMEOUT, o->idle_timeout_s, NULL);
	OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES, NULL);
	OPT(MHD_OPTION_NOTIFY_CONNECTION, rpc_conns_notify, srv);
	OPT(MHD_OPTION_URI_LOG_CALLBACK, rpc_http_uri_cb, srv);
	OPT(MHD_OPTION_NOTIFY_COMPLETED, rpc_http_completed, srv);
	OPT(MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL);
	if (srv->tls_cert) {
		OPT(MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert);
		OPT(MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key);
		/* Asks every client for a certificate of this CA. */
		OPT(MHD_OPTION_HTTPS_MEM_TRUST, 0, srv->tls_ca);
	}
	OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
	return n;
}

/* Room for max_open sockets besides the database and the files. */
static void raise_fd_limit(int max_open)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)max_open + 256;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		log_warn("cannot raise the descriptor limit to %llu",
			 (unsigned long long)rl.rlim_cur);
}

/*
 * The accept policy: once stopping, a new connection is closed at once.
 * This stands for MHD_quiesce_daemon(), which races libmicrohttpd's own
 * epoll thread over the listening socket and aborts the process now and
 * then (0.9.75: "Failed to remove listen FD from epoll set").
 */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr,
				     socklen_t len)
{
	struct rpc_server *srv = cls;

	(void)addr;
	(void)len;
	return atomic_load(&srv->refusing) ? MHD_NO : MHD_YES;
}

static int start(struct rpc_server *srv)
{
	struct MHD_OptionItem items[24];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;

	if (srv->tls_cert)
		flags |= MHD_USE_TLS;

	raise_fd_limit(srv->opts.max_open);
	mhd_options(srv, items);
	if (rpc_workers_start(srv, rpc_http_run) ||
	    rpc_rounds_start(srv, rpc_http_answered) || rpc_conns_start(srv))
		return -EAGAIN;
	srv->mhd =
	    MHD_start_daemon(flags, 0, accept_policy, srv, rpc_http_access, srv,
			     MHD_OPTION_ARRAY, items, MHD_OPTION_END);
	if (!srv->mhd) {
		/* It may have closed the socket: never close it twice. */
		srv->listen_fd = -1;
		log_err("cannot start the HTTP server on port %d", srv->port);
		return -EIO;
	}
	return 0;
}

int rpc_server_run(struct rpc_server *srv)
{
	int ret = 0;

	pthread_mutex_lock(&srv->run_lock);
	if (!srv->stop_requested) {
		pthread_mutex_unlock(&srv->run_lock);
		ret = start(srv);
		pthread_mutex_lock(&srv->run_lock);
		while (!ret && !srv->stop_requested)
			pthread_cond_wait(&srv->run_cond, &srv->run_lock);
	}
	pthread_mutex_unlock(&srv->run_lock);
	atomic_store(&srv->refusing, true);
	/* Before the workers: a round hands calls to them. */
	rpc_rounds_stop(srv);
	rpc_workers_stop(srv);
	rpc_conns_stop(srv);
	/* The port refuses connections once this returns. */
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd); /* closes the listening socket */
	else if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	srv->listen_fd = -1;
	srv->mhd = NULL;
	return ret;
}

void rpc_server_stop(struct rpc_server *srv)
{
	pthread_mutex_lock(&srv->run_lock);
	srv->stop_requested = true;
	pthread_cond_broadcast(&srv->run_cond);
	pthread_mutex_unlock(&srv->run_lock);
}

void rpc_server_free(struct rpc_server *srv)
{
	if (!srv)
		return;
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	rpc_tls_free(srv);
	rpc_cache_free(srv->cache);
	pthread_mutex_destroy(&srv->run_lock);
	pthread_cond_destroy(&srv->run_cond);
	pthread_mutex_destroy(&srv->conns.lock);
	pthread_cond_destroy(&srv->conns.wake);
	pthread_mutex_destroy(&srv->queue.lock);
	pthread_cond_destroy(&srv->queue.ready);
	pthread_mutex_destroy(&srv->rounds.lock);
	pthread_cond_destroy(&srv->rounds.ready);
	free(srv);
}
