/*
 * The table of open connections and the sweeper that enforces deadlines
 * libmicrohttpd does not have: its own timeout restarts with every byte,
 * so a client sending one byte a second would hold a connection forever.
 * Here a request must arrive, and its reply leave, within
 * request_timeout_s; an idle keep-alive connection lives idle_timeout_s.
 *
 * The sweeper closes a connection with shutdown(2) under conns.lock. MHD
 * reports a connection closed (rpc_conns_notify, which takes the same
 * lock) before it closes the descriptor, so the descriptor the sweeper
 * shuts down is always still the connection's own.
 */
#include "rpc_server_priv.h"
#include "vas/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define SWEEP_PERIOD_MS 250

int64_t rpc_now_ms(void)
{
	return rpc_now_us() / 1000;
}

int64_t rpc_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void peer_from(struct rpc_peer *p, const struct sockaddr *sa)
{
	memset(p, 0, sizeof(*p));
	/* Unknown: 0.0.0.0, which no access list names (AF_UNSPEC is an
	 * in-process call). */
	p->addr.ss_family = AF_INET;
	snprintf(p->text, sizeof(p->text), "?");
	if (!sa)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		memcpy(&p->addr, sin, sizeof(*sin));
		inet_ntop(AF_INET, &sin->sin_addr, p->text, sizeof(p->text));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;

		memcpy(&p->addr, s6, sizeof(*s6));
		inet_ntop(AF_INET6, &s6->sin6_addr, p->text, sizeof(p->text));
	}
}

static void conn_opened(struct rpc_server *srv, struct MHD_Connection *mhd,
			void **socket_ctx)
{
	const union MHD_ConnectionInfo *fd_info, *addr_info;
	struct rpc_conn *c = calloc(1, sizeof(*c));

	*socket_ctx = c;
	if (!c) {
		log_err("out of memory for a connection");
		return;
	}
	fd_info =
	    MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CONNECTION_FD);
	addr_info =
	    MHD_get_connection_info(mhd, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	c->fd = fd_info ? fd_info->connect_fd : -1;
	peer_from(&c->peer, addr_info ? addr_info->client_addr : NULL);
	c->state = RPC_CONN_IDLE;
	c->since_ms = rpc_now_ms();
	pthread_mutex_lock(&srv->conns.lock);
	c->next = srv->conns.head;
	if (c->next)
		c->next->prev = c;
	srv->conns.head = c;
	srv->conns.open++;
	pthread_mutex_unlock(&srv->conns.lock);
}

static void conn_closed(struct rpc_server *srv, struct rpc_conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&srv->conns.lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns.head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->conns.open--;
	pthread_mutex_unlock(&srv->conns.lock);
	free(c);
}

void rpc_conns_notify(void *cls, struct MHD_Connection *mhd, void **socket_ctx,
		      enum MHD_ConnectionNotificationCode what)
{
	struct rpc_server *srv = cls;

	if (what == MHD_CONNECTION_NOTIFY_STARTED)
		conn_opened(srv, mhd, socket_ctx);
	else
		conn_closed(srv, *socket_ctx);
}

void rpc_conn_set(struct rpc_server *srv, struct rpc_conn *c,
		  enum rpc_conn_state state)
{
	if (!c)
		return;
	pthread_mutex_lock(&srv->conns.lock);
	if (c->state != RPC_CONN_CLOSING) {
		c->state = state;
		c->since_ms = rpc_now_ms();
	}
	pthread_mutex_unlock(&srv->conns.lock);
}

/* Deadline of a connection in its state; 0 = none. */
static int64_t deadline_ms(const struct rpc_server *srv,
			   const struct rpc_conn *c)
{
	switch (c->state) {
	case RPC_CONN_IDLE:
		return c->since_ms + srv->opts.idle_timeout_s * 1000LL;
	case RPC_CONN_READING:
	case RPC_CONN_WRITING:
		return c->since_ms + srv->opts.request_timeout_s * 1000LL;
	default:
		return 0;
	}
}

/* Shuts down every connection past its deadline; returns how many. */
static int sweep(struct rpc_server *srv, char *last_peer, size_t peer_len)
{
	int64_t now = rpc_now_ms(), due;
	struct rpc_conn *c;
	int n = 0;

	pthread_mutex_lock(&srv->conns.lock);
	for (c = srv->conns.head; c; c = c->next) {
		due = deadline_ms(srv, c);
		if (!due || now < due || c->fd < 0)
			continue;
		/* MHD sees end of file and closes it in its own thread. */
		if (shutdown(c->fd, SHUT_RDWR) && errno != ENOTCONN)
			log_warn("shutdown of a connection from %s: %s",
				 c->peer.text, strerror(errno));
		c->state = RPC_CONN_CLOSING;
		snprintf(last_peer, peer_len, "%s", c->peer.text);
		n++;
	}
	pthread_mutex_unlock(&srv->conns.lock);
	return n;
}

static void *sweeper_main(void *arg)
{
	struct rpc_server *srv = arg;
	char peer[64] = "";
	struct timespec ts;
	int n;

	pthread_mutex_lock(&srv->conns.lock);
	while (!srv->conns.stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += SWEEP_PERIOD_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&srv->conns.wake, &srv->conns.lock, &ts);
		if (srv->conns.stop)
			break;
		pthread_mutex_unlock(&srv->conns.lock);
		n = sweep(srv, peer, sizeof(peer));
		/* One line per sweep, however many clients misbehave. */
		if (n)
			log_info("closed %d connection%s past the deadline "
				 "(last from %s)",
				 n, n == 1 ? "" : "s", peer);
		pthread_mutex_lock(&srv->conns.lock);
	}
	pthread_mutex_unlock(&srv->conns.lock);
	return NULL;
}

int rpc_conns_start(struct rpc_server *srv)
{
	srv->conns.stop = false;
	if (pthread_create(&srv->conns.sweeper, NULL, sweeper_main, srv))
		return -EAGAIN;
	srv->conns.started = true;
	return 0;
}

void rpc_conns_stop(struct rpc_server *srv)
{
	if (!srv->conns.started)
		return;
	pthread_mutex_lock(&srv->conns.lock);
	srv->conns.stop = true;
	pthread_cond_signal(&srv->conns.wake);
	pthread_mutex_unlock(&srv->conns.lock);
	pthread_join(srv->conns.sweeper, NULL);
	srv->conns.started = false;
}
