/*
 * The simulator's HTTP side: one listening socket per simulated server
 * address (all on the kind's port), one epoll loop on one thread serving
 * XML-RPC over HTTP/1.1 with keep-alive, and a 10 ms timer that moves the
 * simulated hardware forward.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define MAX_REQUEST (4 << 20)

enum item_kind { ITEM_LISTENER, ITEM_CONN, ITEM_TIMER };

struct item {
	enum item_kind kind;
	int fd;
	enum sim_role role;
	int idx;
};

struct conn {
	struct item it;
	struct conn *prev;
	struct conn *next;
	char *in;
	size_t in_len;
	size_t in_cap;
	char *out;
	size_t out_len;
	size_t out_off;
	bool close_after;
	bool continued;
};

struct sim_server {
	int ep;
	struct item timer;
	struct item *listeners;
	int n_listeners;
	struct sim_model *m;
	struct conn *conns; /* every open connection, to close at the end */
	bool stop;
};

static void conn_close(struct sim_server *s, struct conn *c);

/* The address of server i counted from base, or -EINVAL outside 127/8. */
static int nth_address(const char *base, int i, struct in_addr *out)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, base, &a) != 1)
		return -EINVAL;
	h = ntohl(a.s_addr) + (uint32_t)i;
	if ((h >> 24) != 127)
		return -EINVAL; /* never any address outside 127.0.0.0/8 */
	out->s_addr = htonl(h);
	return 0;
}

static int listen_on(struct in_addr addr, int port)
{
	struct sockaddr_in sin = {0};
	int fd, one = 1;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr = addr;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 512)) {
		int err = -errno;
		char text[32];

		inet_ntop(AF_INET, &addr, text, sizeof(text));
		fprintf(stderr, "sim: cannot listen on %s:%d: %s\n", text, port,
			strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

static int watch(struct sim_server *s, struct item *it, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = it};

	return epoll_ctl(s->ep, EPOLL_CTL_ADD, it->fd, &ev) ? -errno : 0;
}

static int add_listeners(struct sim_server *s, const struct sim_opts *o)
{
	const struct {
		enum sim_role role;
		int n;
		const char *base;
		int port;
	} kinds[] = {{SIM_SSVR, o->n_ssvr, o->ssvr_base, o->ssvr_port},
		     {SIM_HSVR, o->n_hsvr, o->hsvr_base, o->hsvr_port},
		     {SIM_CONTROL, 1, "127.0.0.1", o->control_port}};
	size_t k;
	int i, ret;

	s->listeners =
	    calloc((size_t)(o->n_ssvr + o->n_hsvr + 1), sizeof(*s->listeners));
	if (!s->listeners)
		return -ENOMEM;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		for (i = 0; i < kinds[k].n; i++) {
			struct item *it = &s->listeners[s->n_listeners];
			struct in_addr a;

			ret = nth_address(kinds[k].base, i, &a);
			if (ret)
				return ret;
			it->kind = ITEM_LISTENER;
			it->role = kinds[k].role;
			it->idx = i;
			it->fd = listen_on(a, kinds[k].port);
			if (it->fd < 0)
				return it->fd;
			s->n_listeners++;
			ret = watch(s, it, EPOLLIN);
			if (ret)
				return ret;
		}
	return 0;
}

int sim_server_new(const struct sim_opts *o, struct sim_model *m,
		   struct sim_server **out)
{
	struct itimerspec tick = {{0, 10000000}, {0, 10000000}};
	struct sim_server *s = calloc(1, sizeof(*s));
	int ret;

	if (!s)
		return -ENOMEM;
	s->m = m;
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->timer.kind = ITEM_TIMER;
	s->timer.fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->ep < 0 || s->timer.fd < 0 ||
	    timerfd_settime(s->timer.fd, 0, &tick, NULL)) {
		sim_server_free(s);
		return -errno;
	}
	ret = watch(s, &s->timer, EPOLLIN);
	if (!ret)
		ret = add_listeners(s, o);
	if (ret) {
		sim_server_free(s);
		return ret;
	}
	*out = s;
	return 0;
}

void sim_server_free(struct sim_server *s)
{
	int i;

	if (!s)
		return;
	while (s->conns)
		conn_close(s, s->conns);
	for (i = 0; i < s->n_listeners; i++)
		close(s->listeners[i].fd);
	free(s->listeners);
	if (s->timer.fd >= 0)
		close(s->timer.fd);
	if (s->ep >= 0)
		close(s->ep);
	free(s);
}

static void conn_close(struct sim_server *s, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	close(c->it.fd);
	free(c->in);
	free(c->out);
	free(c);
}

static void accept_all(struct sim_server *s, struct item *l)
{
	for (;;) {
		int fd =
		    accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0)
			return;
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->it.kind = ITEM_CONN;
		c->it.fd = fd;
		c->it.role = l->role;
		c->it.idx = l->idx;
		c->next = s->conns;
		if (s->conns)
			s->conns->prev = c;
		s->conns = c;
		if (watch(s, &c->it, EPOLLIN | EPOLLRDHUP))
			conn_close(s, c);
	}
}

static int append_out(struct conn *c, const char *data, size_t len)
{
	char *grown;

	if (c->out_off == c->out_len)
		c->out_len = c->out_off = 0;
	grown = realloc(c->out, c->out_len + len);
	if (!grown)
		return -ENOMEM;
	c->out = grown;
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
	return 0;
}

/* Value of header name in head[0..len), or NULL. */
static const char *header(const char *head, size_t len, const char *name,
			  size_t *vlen)
{
	size_t n = strlen(name);
	const char *p = head, *end = head + len, *eol;

	for (; p < end; p = eol + 2) {
		eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		if (!eol)
			eol = end;
		if ((size_t)(eol - p) > n && !strncasecmp(p, name, n) &&
		    p[n] == ':') {
			const char *v = p + n + 1;

			while (v < eol && *v == ' ')
				v++;
			*vlen = (size_t)(eol - v);
			return v;
		}
		if (eol == end)
			break;
	}
	return NULL;
}

static void answer(struct sim_server *s, struct conn *c, const char *body,
		   size_t len)
{
	xmlrpc_mem_block *out = NULL;
	xmlrpc_value *params = NULL, *reply = NULL;
	const char *method = NULL;
	char head[256];
	xmlrpc_env env, call;
	int n;

	xmlrpc_env_init(&env);
	xmlrpc_env_init(&call);
	out = xmlrpc_mem_block_new(&env, 0);
	xmlrpc_parse_call(&call, body, len, &method, &params);
	if (!call.fault_occurred) {
		if (c->it.role == SIM_CONTROL && !strcmp(method, "simStop"))
			s->stop = true;
		reply = sim_model_call(s->m, c->it.role, c->it.idx, method,
				       params, &call);
		if (!reply && !call.fault_occurred)
			xmlrpc_env_set_fault(&call, 500,
					     "Internal Server Error");
	}
	if (reply)
		xmlrpc_serialize_response(&env, out, reply);
	else
		xmlrpc_serialize_fault(&env, out, &call);
	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
		     "Content-Length: %zu\r\n%s\r\n",
		     xmlrpc_mem_block_size(out),
		     c->close_after ? "Connection: close\r\n" : "");
	append_out(c, head, (size_t)n);
	append_out(c, xmlrpc_mem_block_contents(out),
		   xmlrpc_mem_block_size(out));
	xmlrpc_mem_block_free(out);
	if (reply)
		xmlrpc_DECREF(reply);
	if (params)
		xmlrpc_DECREF(params);
	free((void *)method);
	xmlrpc_env_clean(&call);
	xmlrpc_env_clean(&env);
}

/* Serves every complete request in the input; -1 on a broken request. */
static int serve_input(struct sim_server *s, struct conn *c)
{
	for (;;) {
		char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		size_t hlen, vlen, body_len = 0;
		const char *v;

		if (!end)
			return c->in_len > 65536 ? -1 : 0;
		hlen = (size_t)(end - c->in) + 4;
		v = header(c->in, hlen, "Content-Length", &vlen);
		if (v)
			body_len = strtoul(v, NULL, 10);
		if (body_len > MAX_REQUEST)
			return -1;
		v = header(c->in, hlen, "Connection", &vlen);
		c->close_after = (v && !strncasecmp(v, "close", 5)) ||
				 (memmem(c->in, hlen, "HTTP/1.0", 8) &&
				  !(v && !strncasecmp(v, "keep-alive", 10)));
		if (c->in_len < hlen + body_len) {
			if (!c->continued &&
			    header(c->in, hlen, "Expect", &vlen)) {
				static const char go[] =
				    "HTTP/1.1 100 Continue\r\n\r\n";

				c->continued = true;
				append_out(c, go, sizeof(go) - 1);
			}
			return 0;
		}
		c->continued = false;
		answer(s, c, c->in + hlen, body_len);
		memmove(c->in, c->in + hlen + body_len,
			c->in_len - hlen - body_len);
		c->in_len -= hlen + body_len;
		if (c->close_after)
			return 0;
	}
}

static int flush_out(struct sim_server *s, struct conn *c)
{
	struct epoll_event ev = {.data.ptr = &c->it};

	while (c->out_off < c->out_len) {
		ssize_t n = write(c->it.fd, c->out + c->out_off,
				  c->out_len - c->out_off);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	ev.events =
	    EPOLLIN | EPOLLRDHUP | (c->out_off < c->out_len ? EPOLLOUT : 0);
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->it.fd, &ev);
	if (c->out_off == c->out_len && c->close_after)
		return -1;
	return 0;
}

static void on_conn(struct sim_server *s, struct conn *c, uint32_t events)
{
	bool eof = false;

	while (events & (EPOLLIN | EPOLLRDHUP)) {
		ssize_t n;

		if (c->in_cap - c->in_len < 16384) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 32768;
			char *grown =
			    cap > 2 * MAX_REQUEST ? NULL : realloc(c->in, cap);

			if (!grown) {
				conn_close(s, c);
				return;
			}
			c->in = grown;
			c->in_cap = cap;
		}
		n = read(c->it.fd, c->in + c->in_len, c->in_cap - c->in_len);
		if (n > 0) {
			c->in_len += (size_t)n;
			continue;
		}
		if (n == 0 || errno != EAGAIN)
			eof = true;
		break;
	}
	if (serve_input(s, c) || flush_out(s, c) ||
	    (eof && c->out_off == c->out_len))
		conn_close(s, c);
}

int sim_server_run(struct sim_server *s)
{
	struct epoll_event evs[256];

	while (!s->stop) {
		int n = epoll_wait(s->ep, evs, 256, 1000), i;

		for (i = 0; i < n; i++) {
			struct item *it = evs[i].data.ptr;

			if (it->kind == ITEM_TIMER) {
				uint64_t ticks;

				if (read(it->fd, &ticks, sizeof(ticks)) > 0)
					sim_model_tick(s->m);
			} else if (it->kind == ITEM_LISTENER) {
				accept_all(s, it);
			} else {
				on_conn(s, (struct conn *)it, evs[i].events);
			}
		}
	}
	return 0;
}
