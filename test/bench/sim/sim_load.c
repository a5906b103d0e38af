/*
 * API load: conns keep-alive HTTP connections to the manager, each sending
 * one request at a time at random (exponential) intervals so that all
 * together offer `rate` requests per second. Reads name one volume or
 * server; writes create and delete small volumes. Latency is measured from
 * sending to the last byte of the reply.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

struct lconn {
	int fd; /* -1: not connected */
	int id;
	bool busy;
	bool write;
	bool connecting;
	double next_s; /* when the next request is due */
	double sent_s;
	int created; /* volumes this connection has made */
	int deleted;
	char req[1024];
	size_t req_len;
	size_t req_off;
	char in[65536 * 4];
	size_t in_len;
};

struct load {
	struct sim_load_opts o;
	struct lconn *c;
	int ep;
	pthread_t thread;
	bool running;
	volatile bool stop;
	unsigned seed;
	int generation;	      /* of loadStart: volume names never repeat */
	pthread_mutex_t lock; /* guards the figures below */
	struct sim_hist all, reads, writes;
	uint64_t errors, faults, late;
};

static struct load L = {.lock = PTHREAD_MUTEX_INITIALIZER};

static double rnd(void)
{
	return (rand_r(&L.seed) + 1.0) / (RAND_MAX + 2.0);
}

static int member_int(char *buf, size_t len, const char *name, int v)
{
	return snprintf(buf, len,
			"<member><name>%s</name><value><int>%d</int></value>"
			"</member>",
			name, v);
}

/* One request document for connection c into c->req (with HTTP head). */
static void build(struct lconn *c)
{
	char body[768], m[256];
	const char *method;
	int n = 0;
	double r = rnd();

	c->write = r < L.o.write_share;
	if (c->write && c->created > c->deleted) {
		method = "deleteLogicalVolume";
		n = snprintf(m, sizeof(m),
			     "<member><name>lvolname</name><value><string>"
			     "ld%d_%d_%d</string></value></member>",
			     L.generation, c->id, c->deleted++);
	} else if (c->write) {
		method = "createLogicalVolume";
		n = snprintf(m, sizeof(m),
			     "<member><name>lvolname</name><value><string>"
			     "ld%d_%d_%d</string></value></member>",
			     L.generation, c->id, c->created++);
		n += member_int(m + n, sizeof(m) - (size_t)n, "capacity", 10);
		member_int(m + n, sizeof(m) - (size_t)n, "redundancy", 2);
	} else {
		static const char *const reads[] = {
		    "listLogicalVolumes", "showLogicalVolume",
		    "listStorageServers", "listPhysicalDisks",
		    "listHeadServers"};
		double pick = rnd();
		int k = pick < 0.3   ? 0
			: pick < 0.5 ? 1
			: pick < 0.7 ? 2
			: pick < 0.9 ? 3
				     : 4;

		if (k < 2 && !L.o.n_lvolids)
			k = 4;
		method = reads[k];
		m[0] = 0;
		if (k < 2)
			member_int(
			    m, sizeof(m), "lvolid",
			    L.o.lvolids[rand_r(&L.seed) % L.o.n_lvolids]);
		else if (k < 4)
			member_int(m, sizeof(m), "ssvrid",
				   1 + rand_r(&L.seed) % L.o.n_ssvr);
	}
	n = snprintf(body, sizeof(body),
		     "<?xml version=\"1.0\"?><methodCall><methodName>%s"
		     "</methodName><params><param><value><struct>"
		     "<member><name>ver</name><value><int>5</int></value>"
		     "</member>%s</struct></value></param></params>"
		     "</methodCall>",
		     method, m);
	c->req_len = (size_t)snprintf(c->req, sizeof(c->req),
				      "POST /RPC2 HTTP/1.1\r\nHost: %s\r\n"
				      "Content-Type: text/xml\r\n"
				      "Content-Length: %d\r\n\r\n%s",
				      L.o.host, n, body);
	c->req_off = 0;
}

static void drop(struct lconn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(L.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->connecting = false;
	c->in_len = 0;
}

static int dial(struct lconn *c)
{
	struct sockaddr_in sin = {0};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
	int one = 1;

	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)L.o.port);
	if (inet_pton(AF_INET, L.o.host, &sin.sin_addr) != 1 ||
	    (ntohl(sin.sin_addr.s_addr) >> 24) != 127)
		return -EINVAL;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) &&
	    errno != EINPROGRESS) {
		close(c->fd);
		c->fd = -1;
		return -errno;
	}
	c->connecting = true;
	epoll_ctl(L.ep, EPOLL_CTL_ADD, c->fd, &ev);
	return 0;
}

static void finish(struct lconn *c, bool ok, bool fault)
{
	double lat = sim_now() - c->sent_s;

	pthread_mutex_lock(&L.lock);
	if (!ok) {
		L.errors++;
	} else {
		L.faults += fault;
		sim_hist_add(&L.all, lat);
		sim_hist_add(c->write ? &L.writes : &L.reads, lat);
	}
	pthread_mutex_unlock(&L.lock);
	c->busy = false;
}

static void send_more(struct lconn *c)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

	while (c->req_off < c->req_len) {
		ssize_t n =
		    write(c->fd, c->req + c->req_off, c->req_len - c->req_off);

		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			drop(c);
			finish(c, false, false);
			return;
		}
		c->req_off += (size_t)n;
	}
	if (c->req_off < c->req_len)
		ev.events |= EPOLLOUT;
	epoll_ctl(L.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void start(struct lconn *c)
{
	if (c->fd < 0 && dial(c)) {
		c->busy = true;
		c->sent_s = sim_now();
		finish(c, false, false);
		return;
	}
	build(c);
	c->busy = true;
	c->sent_s = sim_now();
	if (!c->connecting)
		send_more(c);
}

/* A whole reply in c->in: account for it and keep the rest. */
static void read_reply(struct lconn *c)
{
	for (;;) {
		ssize_t n =
		    read(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len);
		char *end;
		size_t hlen, blen;
		const char *cl;
		bool closing;

		if (n > 0)
			c->in_len += (size_t)n;
		else if (n < 0 && errno == EAGAIN)
			return;
		end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		if (n == 0 || (n < 0 && errno != EAGAIN) ||
		    (!end && c->in_len == sizeof(c->in))) {
			bool was_busy = c->busy;

			drop(c);
			if (was_busy)
				finish(c, false, false);
			return;
		}
		if (!end)
			continue;
		hlen = (size_t)(end - c->in) + 4;
		cl = memmem(c->in, hlen, "Content-Length:", 15);
		blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
		if (c->in_len < hlen + blen) {
			if (hlen + blen > sizeof(c->in)) {
				drop(c); /* a reply too big to keep: not our mix
					  */
				finish(c, false, false);
				return;
			}
			continue;
		}
		closing = memmem(c->in, hlen, "Connection: close", 17) != NULL;
		finish(c, true,
		       memmem(c->in + hlen, blen, "<fault>", 7) != NULL);
		memmove(c->in, c->in + hlen + blen, c->in_len - hlen - blen);
		c->in_len -= hlen + blen;
		if (closing)
			drop(c);
		return;
	}
}

static void *run(void *arg)
{
	struct epoll_event evs[256];
	int i;

	(void)arg;
	while (!L.stop) {
		double now = sim_now(), next = now + 0.05;
		int n, timeout;

		for (i = 0; i < L.o.conns; i++) {
			struct lconn *c = &L.c[i];

			if (c->next_s <= now) {
				if (c->busy) {
					pthread_mutex_lock(&L.lock);
					L.late++;
					pthread_mutex_unlock(&L.lock);
				} else {
					start(c);
				}
				c->next_s =
				    now - log(rnd()) * L.o.conns / L.o.rate;
			}
			if (c->next_s < next)
				next = c->next_s;
		}
		timeout = (int)((next - sim_now()) * 1000);
		n = epoll_wait(L.ep, evs, 256, timeout > 0 ? timeout : 0);
		for (i = 0; i < n; i++) {
			struct lconn *c = evs[i].data.ptr;

			if (c->connecting && (evs[i].events & EPOLLOUT)) {
				c->connecting = false;
				send_more(c);
			} else if (evs[i].events & EPOLLOUT) {
				send_more(c);
			}
			if (c->fd >= 0 &&
			    (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
				read_reply(c);
		}
	}
	return NULL;
}

int sim_load_start(const struct sim_load_opts *o)
{
	int i;

	if (L.running)
		sim_load_stop();
	L.o = *o;
	L.c = calloc((size_t)o->conns, sizeof(*L.c));
	L.ep = epoll_create1(EPOLL_CLOEXEC);
	if (!L.c || L.ep < 0) {
		free(L.c);
		L.c = NULL;
		return -ENOMEM;
	}
	L.seed = 12345u + (unsigned)L.generation;
	L.generation++;
	for (i = 0; i < o->conns; i++) {
		L.c[i].fd = -1;
		L.c[i].id = i;
		L.c[i].next_s = sim_now() + rnd() * o->conns / o->rate;
	}
	L.stop = false;
	if (pthread_create(&L.thread, NULL, run, NULL)) {
		free(L.c);
		close(L.ep);
		return -EAGAIN;
	}
	L.running = true;
	return 0;
}

void sim_load_stop(void)
{
	int i;

	if (!L.running)
		return;
	L.stop = true;
	pthread_join(L.thread, NULL);
	for (i = 0; i < L.o.conns; i++)
		if (L.c[i].fd >= 0)
			close(L.c[i].fd);
	free(L.c);
	L.c = NULL;
	close(L.ep);
	L.running = false;
}

void sim_load_report(xmlrpc_env *env, xmlrpc_value *st)
{
	pthread_mutex_lock(&L.lock);
	sim_put_hist(env, st, "load_all", &L.all);
	sim_put_hist(env, st, "load_read", &L.reads);
	sim_put_hist(env, st, "load_write", &L.writes);
	sim_put_int(env, st, "load_errors", (int64_t)L.errors);
	sim_put_int(env, st, "load_faults", (int64_t)L.faults);
	sim_put_int(env, st, "load_late", (int64_t)L.late);
	pthread_mutex_unlock(&L.lock);
}

void sim_load_reset(void)
{
	pthread_mutex_lock(&L.lock);
	memset(&L.all, 0, sizeof(L.all));
	memset(&L.reads, 0, sizeof(L.reads));
	memset(&L.writes, 0, sizeof(L.writes));
	L.errors = L.faults = L.late = 0;
	pthread_mutex_unlock(&L.lock);
}
