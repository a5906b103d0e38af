/* The HTTP front end's extension points: extra routes and the observer. */
#include "vas/rpc.h"

#include "check_run.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static struct rpc_server *srv;
static pthread_t thread;
static atomic_int observed, observed_fault;
static const char *observed_method;

static int hello(struct rpc_request *req)
{
	rpc_result_int(req, 7);
	return 0;
}

static const struct rpc_method table[] = {
    {"helloWorld", hello, NULL, RPC_M_NOVERSION, NULL},
    {NULL, NULL, NULL, 0, NULL}};

static void metrics(void *ctx, const struct rpc_http_request *rq,
		    struct rpc_http_reply *reply)
{
	(void)ctx;
	reply->content_type = "text/plain";
	reply->body = strdup(
	    rq->peer_addr && rq->peer_addr->ss_family == AF_INET ? "up 1\n"
								 : "no peer\n");
	reply->body_len = strlen(reply->body);
}

static void observe(void *ctx, const struct rpc_served *o)
{
	(void)ctx;
	observed_method = o->method;
	atomic_store(&observed_fault, o->fault_code);
	atomic_fetch_add(&observed, 1);
}

static void *serve(void *arg)
{
	(void)arg;
	rpc_server_run(srv);
	return NULL;
}

static void setup(void)
{
	struct rpc_server_opts opts = {.listen_address = "127.0.0.1"};

	ck_assert_int_eq(rpc_server_new(&opts, table, NULL, &srv), 0);
	ck_assert_int_eq(
	    rpc_server_add_route(srv, "GET", "/metrics", metrics, NULL), 0);
	ck_assert_int_eq(
	    rpc_server_add_route(srv, "GET", "/metrics", metrics, NULL),
	    -EEXIST);
	rpc_server_set_observer(srv, observe, NULL);
	ck_assert_int_eq(pthread_create(&thread, NULL, serve, NULL), 0);
}

static void teardown(void)
{
	rpc_server_stop(srv);
	pthread_join(thread, NULL);
	rpc_server_free(srv);
}

/* One request on a fresh connection; the whole answer in buf. */
static void http(const char *request, char *buf, size_t len)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	size_t got = 0;
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons((uint16_t)rpc_server_port(srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(write(fd, request, strlen(request)),
			 (ssize_t)strlen(request));
	while (got + 1 < len && (n = read(fd, buf + got, len - got - 1)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
}

START_TEST(route_and_errors)
{
	char buf[4096];

	http("GET /metrics HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "200 OK") && strstr(buf, "\r\n\r\nup 1\n"),
		      "%s", buf);
	http("GET /RPC2 HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	ck_assert_msg(strstr(buf, " 405 "), "%s", buf);
	http("POST /nosuch HTTP/1.0\r\nContent-Length: 0\r\n\r\n", buf,
	     sizeof(buf));
	ck_assert_msg(strstr(buf, " 404 "), "%s", buf);
}
END_TEST

START_TEST(observer_sees_every_call)
{
	static const char body[] =
	    "<?xml version='1.0'?><methodCall><methodName>helloWorld"
	    "</methodName><params/></methodCall>";
	char req[1024], buf[4096];

	snprintf(req, sizeof(req),
		 "POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	http(req, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "<i4>7</i4>"), "%s", buf);
	ck_assert_int_eq(atomic_load(&observed), 1);
	ck_assert_str_eq(observed_method, "helloWorld");
	ck_assert_int_eq(atomic_load(&observed_fault), 0);
	http("POST /RPC2 HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", buf,
	     sizeof(buf));
	ck_assert_msg(strstr(buf, "200 OK") && strstr(buf, "<fault>"), "%s",
		      buf);
	ck_assert_int_eq(atomic_load(&observed), 2);
	ck_assert_ptr_null(observed_method);
	ck_assert_int_eq(atomic_load(&observed_fault), EINVAL);
}
END_TEST

static atomic_bool hammering;

/* Clients that connect, ask and hang up until told to stop. */
static void *hammer(void *arg)
{
	static const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct timeval wait = {.tv_sec = 5};
	char buf[512];

	sin.sin_port = htons((uint16_t)(intptr_t)arg);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (atomic_load(&hammering)) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		/* A connection nobody will accept must not hang the test. */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
		if (!connect(fd, (struct sockaddr *)&sin, sizeof(sin)) &&
		    write(fd, req, sizeof(req) - 1) > 0)
			while (read(fd, buf, sizeof(buf)) > 0)
				;
		close(fd);
	}
	return NULL;
}

static void *serve_one(void *arg)
{
	rpc_server_run(arg);
	return NULL;
}

/*
 * libmicrohttpd's quiesce races its own epoll thread and aborts the
 * process now and then (a manager aborted so at shutdown in a test). Stopping
 * while clients keep connecting must neither abort nor leave the port
 * taking connections once rpc_server_run() has returned: before, they
 * waited in the listen backlog until rpc_server_free().
 */
START_TEST(stopping_while_clients_connect)
{
	struct rpc_server_opts opts = {.listen_address = "127.0.0.1"};
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int i, k;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 150; i++) {
		struct rpc_server *s;
		pthread_t run, clients[3];
		int fd, port;

		ck_assert_int_eq(rpc_server_new(&opts, table, NULL, &s), 0);
		ck_assert_int_eq(
		    rpc_server_add_route(s, "GET", "/metrics", metrics, NULL),
		    0);
		port = rpc_server_port(s);
		ck_assert_int_eq(pthread_create(&run, NULL, serve_one, s), 0);
		atomic_store(&hammering, true);
		for (k = 0; k < 3; k++)
			ck_assert_int_eq(pthread_create(&clients[k], NULL,
							hammer,
							(void *)(intptr_t)port),
					 0);
		usleep(1000 + 300 * (useconds_t)(i % 10));
		rpc_server_stop(s);
		pthread_join(run, NULL);
		sin.sin_port = htons((uint16_t)port);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ne(
		    connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
		ck_assert_int_eq(errno, ECONNREFUSED);
		close(fd);
		atomic_store(&hammering, false);
		for (k = 0; k < 3; k++)
			pthread_join(clients[k], NULL);
		rpc_server_free(s);
	}
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {route_and_errors,
				      observer_sees_every_call,
				      stopping_while_clients_connect, NULL};

	/* one process: the observer counts in statics */
	return check_run_suite(
	    check_suite("rpc_server", tests, setup, teardown), false);
}
