/*
 * Kept replies answered without a worker (lib/rpc_rounds.c): a call whose
 * kept reply still stands is answered while every worker is busy, a
 * change of the state is seen by the next call, and calls waiting
 * together share one look at the state.
 */
#include "vas/rpc.h"

#include "check_run.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct rpc_server *srv;
static pthread_t thread;
static atomic_int state = 1; /* what "current" answers; the token */
static atomic_int handler_runs, token_rounds;
static atomic_bool slow_busy, slow_release;
static atomic_int token_delay_ms;

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int current(struct rpc_request *req)
{
	atomic_fetch_add(&handler_runs, 1);
	rpc_result_int(req, atomic_load(&state));
	return 0;
}

/* Holds the only worker until released (at most 30 s). */
static int slow(struct rpc_request *req)
{
	int i;

	atomic_store(&slow_busy, true);
	for (i = 0; i < 3000 && !atomic_load(&slow_release); i++)
		sleep_ms(10);
	rpc_result_int(req, 0);
	return 0;
}

static const struct rpc_method table[] = {
    {"current", current, NULL, RPC_M_NOVERSION | RPC_M_CACHED, NULL},
    {"slow", slow, NULL, RPC_M_NOVERSION, NULL},
    {NULL, NULL, NULL, 0, NULL}};

static char *token(void *ctx)
{
	char *t = malloc(16);

	(void)ctx;
	atomic_fetch_add(&token_rounds, 1);
	if (atomic_load(&token_delay_ms))
		sleep_ms(atomic_load(&token_delay_ms));
	if (t)
		snprintf(t, 16, "%d", atomic_load(&state));
	return t;
}

static void *serve(void *arg)
{
	(void)arg;
	rpc_server_run(srv);
	return NULL;
}

static void setup(void)
{
	struct rpc_server_opts opts = {.listen_address = "127.0.0.1",
				       .workers = 1};

	atomic_store(&state, 1);
	atomic_store(&handler_runs, 0);
	atomic_store(&token_rounds, 0);
	atomic_store(&token_delay_ms, 0);
	atomic_store(&slow_busy, false);
	atomic_store(&slow_release, false);
	ck_assert_int_eq(rpc_server_new(&opts, table, NULL, &srv), 0);
	ck_assert_int_eq(rpc_server_set_cache(srv, token, NULL), 0);
	ck_assert_int_eq(pthread_create(&thread, NULL, serve, NULL), 0);
}

static void teardown(void)
{
	atomic_store(&slow_release, true);
	rpc_server_stop(srv);
	pthread_join(thread, NULL);
	rpc_server_free(srv);
}

/* A connected socket whose reads give up after 5 s. */
static int connect_server(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	struct timeval tv = {5, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons((uint16_t)rpc_server_port(srv));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static void send_call(int fd, const char *method)
{
	char body[256], req[512];

	snprintf(body, sizeof(body),
		 "<?xml version='1.0'?><methodCall><methodName>%s"
		 "</methodName><params/></methodCall>",
		 method);
	snprintf(req, sizeof(req),
		 "POST /RPC2 HTTP/1.0\r\nContent-Type: text/xml\r\n"
		 "Content-Length: %zu\r\n\r\n%s",
		 strlen(body), body);
	ck_assert_int_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
}

/* The int of the reply on fd (closed), or -1 without one in 5 s. */
static int read_int(int fd)
{
	char buf[4096], *p;
	size_t got = 0;
	ssize_t n;

	while (got + 1 < sizeof(buf) &&
	       (n = read(fd, buf + got, sizeof(buf) - got - 1)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(fd);
	p = strstr(buf, "<i4>");
	return p ? atoi(p + 4) : -1;
}

static int call(const char *method)
{
	int fd = connect_server();

	send_call(fd, method);
	return read_int(fd);
}

START_TEST(kept_reply_needs_no_worker)
{
	int fd, i;

	ck_assert_int_eq(call("current"), 1); /* marks the body */
	ck_assert_int_eq(call("current"), 1); /* keeps the reply */
	ck_assert_int_eq(atomic_load(&handler_runs), 2);
	/* The only worker is held by a slow call from here on. */
	fd = connect_server();
	send_call(fd, "slow");
	for (i = 0; i < 500 && !atomic_load(&slow_busy); i++)
		sleep_ms(10);
	ck_assert(atomic_load(&slow_busy));
	ck_assert_int_eq(call("current"), 1);
	ck_assert_int_eq(atomic_load(&handler_runs), 2);
	atomic_store(&slow_release, true);
	ck_assert_int_eq(read_int(fd), 0);
}
END_TEST

START_TEST(a_change_is_seen_at_once)
{
	ck_assert_int_eq(call("current"), 1);
	ck_assert_int_eq(call("current"), 1);
	atomic_store(&state, 2);
	ck_assert_int_eq(call("current"), 2);
	ck_assert_int_eq(atomic_load(&handler_runs), 3);
	ck_assert_int_eq(call("current"), 2);
	ck_assert_int_eq(atomic_load(&handler_runs), 3);
}
END_TEST

START_TEST(waiting_calls_share_a_round)
{
	enum { N = 20 };
	int fd[N], i, rounds;

	ck_assert_int_eq(call("current"), 1);
	ck_assert_int_eq(call("current"), 1);
	/* Each look at the state takes long enough for all to arrive. */
	atomic_store(&token_delay_ms, 300);
	rounds = atomic_load(&token_rounds);
	for (i = 0; i < N; i++) {
		fd[i] = connect_server();
		send_call(fd[i], "current");
	}
	for (i = 0; i < N; i++)
		ck_assert_int_eq(read_int(fd[i]), 1);
	rounds = atomic_load(&token_rounds) - rounds;
	ck_assert_msg(rounds < N / 2, "%d rounds for %d calls", rounds, N);
	ck_assert_int_eq(atomic_load(&handler_runs), 2);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {kept_reply_needs_no_worker,
				      a_change_is_seen_at_once,
				      waiting_calls_share_a_round, NULL};

	/* one process: the handlers count in statics */
	return check_run_suite(
	    check_suite("rpc_rounds", tests, setup, teardown), false);
}
