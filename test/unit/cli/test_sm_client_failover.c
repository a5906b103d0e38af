/* The client library's host_list failover, timeouts and configuration. */
#include "client_fixture.h"
#include "vas/conf.h"
#include "vas/proto.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A port on 127.0.0.1 with nothing listening. */
static int dead_port(void)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

START_TEST(test_failover_dead_first)
{
	/* The fake listens on 127.0.0.1 only: 127.0.0.2 refuses. */
	const char *hosts[] = {"127.0.0.2", "127.0.0.1"};
	struct vas_client *c2;
	struct vas_hsvr_info *h = NULL;
	int n;

	ck_assert_int_eq(
	    vas_client_new(hosts, 2, fake_sm_port(fake), 5000, &c2), 0);
	fake_sm_set_reply(fake, r_hsvrs);
	ck_assert_int_eq(vas_list_hsvrs(c2, 0, &h, &n), 0);
	ck_assert_int_eq(n, 1);
	free(h);
	ck_assert_str_eq(vas_client_last_host(c2), "127.0.0.1");
	ck_assert_int_eq(vas_client_last(c2)->tried, 2);
	ck_assert_ptr_nonnull(strstr(vas_client_tried(c2), "127.0.0.2:"));
	/* A fault is an answer: never sent to a second host. */
	fake_sm_set_reply(fake, r_fault_enoent);
	ck_assert_int_eq(vas_lvol_delete(c2, (struct vas_lvol_ref){1, NULL}),
			 -ENOENT);
	ck_assert_int_eq(fake_sm_calls(fake), 2);
	vas_client_free(c2);
}
END_TEST

START_TEST(test_all_dead)
{
	const char *hosts[] = {"127.0.0.1", " 127.0.0.2 ", ""};
	struct vas_client *c2;
	const char *tried;

	ck_assert_int_eq(vas_client_new(hosts, 3, dead_port(), 2000, &c2), 0);
	ck_assert_int_eq(vas_shutdown_all(c2), -EHOSTDOWN);
	ck_assert_ptr_null(vas_client_last_host(c2));
	ck_assert_int_eq(vas_client_last(c2)->tried, 2);
	tried = vas_client_tried(c2);
	ck_assert_ptr_nonnull(strstr(tried, "127.0.0.1:"));
	ck_assert_ptr_nonnull(strstr(tried, ", 127.0.0.2:"));
	vas_client_free(c2);

	ck_assert_int_eq(vas_client_new(NULL, 0, 8881, 0, &c2), 0);
	ck_assert_int_eq(vas_shutdown_all(c2), -EHOSTDOWN);
	vas_client_free(c2);
	ck_assert_int_eq(vas_client_new(NULL, 0, 0, 0, &c2), -EINVAL);
	ck_assert_int_eq(vas_client_new(NULL, 0, 70000, 0, &c2), -EINVAL);
}
END_TEST

START_TEST(test_timeout_no_failover)
{
	/* Accepts (the kernel does) and never answers. */
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int port = fake_sm_port(fake);
	const char *hosts[] = {"127.0.0.3", "127.0.0.1"};
	struct vas_client *c2;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.3", &sin.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(vas_client_new(hosts, 2, port, 500, &c2), 0);
	ck_assert_int_eq(vas_lvol_create(c2, "foo", 1, 0, NULL), -ETIMEDOUT);
	ck_assert_int_eq(vas_client_last(c2)->fail, RPC_FAIL_TIMEOUT);
	ck_assert_int_eq(fake_sm_calls(fake), 0);
	vas_client_free(c2);
	close(fd);
}
END_TEST

/*
 * A manager that takes a request and never answers (SIGSTOP): a read is
 * asked of the next one, a change is not (it may have been carried out);
 * the next call starts past the silent one.
 */
START_TEST(test_silent_first_host)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	int port = fake_sm_port(fake);
	const char *hosts[] = {"127.0.0.3", "127.0.0.1"};
	struct vas_hsvr_info *h = NULL;
	struct vas_client *c2;
	int fd = socket(AF_INET, SOCK_STREAM, 0), n;
	int32_t id = 0;

	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.3", &sin.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	ck_assert_int_eq(vas_client_new(hosts, 2, port, 500, &c2), 0);
	fake_sm_set_reply(fake, r_hsvrs);
	ck_assert_int_eq(vas_list_hsvrs(c2, 0, &h, &n), 0);
	free(h);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(vas_client_last_host(c2), "127.0.0.1");
	ck_assert_int_eq(vas_client_last(c2)->tried, 2);
	ck_assert_ptr_nonnull(strstr(vas_client_tried(c2), "127.0.0.3:"));
	ck_assert_int_eq(fake_sm_calls(fake), 1);
	/* The next call goes where the answer came from. */
	fake_sm_set_reply(fake, r_id);
	ck_assert_int_eq(vas_lvol_create(c2, "foo", 1, 0, &id), 0);
	ck_assert_int_eq(vas_client_last(c2)->tried, 1);
	vas_client_free(c2);

	/* A change sent to the silent one first is not sent again. */
	ck_assert_int_eq(vas_client_new(hosts, 2, port, 500, &c2), 0);
	ck_assert_int_eq(vas_lvol_create(c2, "foo", 1, 0, &id), -ETIMEDOUT);
	ck_assert_int_eq(fake_sm_calls(fake), 2);
	ck_assert_int_eq(vas_client_last(c2)->tried, 1);
	/* ... and the next call starts past it. */
	ck_assert_int_eq(vas_lvol_create(c2, "bar", 1, 0, &id), 0);
	ck_assert_int_eq(fake_sm_calls(fake), 3);
	ck_assert_str_eq(vas_client_last_host(c2), "127.0.0.1");
	vas_client_free(c2);
	close(fd);
}
END_TEST

START_TEST(test_from_conf)
{
	struct vas_conf *conf;
	struct vas_client *c2;
	struct vas_hsvr_info *h = NULL;
	char port[16];
	int n;

	ck_assert_int_eq(conf_new_empty(&conf), 0);
	snprintf(port, sizeof(port), "%d", fake_sm_port(fake));
	conf_set(conf, "storage_manager", "host_list",
		 " 127.0.0.2 ,, 127.0.0.1");
	conf_set(conf, "storage_manager", "port", port);
	ck_assert_int_eq(vas_client_from_conf(conf, 5000, &c2), 0);
	fake_sm_set_reply(fake, r_hsvrs);
	ck_assert_int_eq(vas_list_hsvrs(c2, 0, &h, &n), 0);
	free(h);
	ck_assert_str_eq(vas_client_last_host(c2), "127.0.0.1");
	ck_assert_int_eq(vas_client_port(c2), fake_sm_port(fake));
	vas_client_free(c2);
	conf_set(conf, "storage_manager", "port", "http");
	ck_assert_int_eq(vas_client_from_conf(conf, 5000, &c2), -EINVAL);
	ck_assert_ptr_null(c2);
	conf_free(conf);

	ck_assert_int_eq(conf_new_empty(&conf), 0);
	ck_assert_int_eq(vas_client_from_conf(conf, 0, &c2), 0);
	ck_assert_int_eq(vas_client_port(c2), VAS_PORT_SM);
	ck_assert_int_eq(vas_shutdown_all(c2), -EHOSTDOWN);
	vas_client_free(c2);
	conf_free(conf);
}
END_TEST

Suite *failover_suite(void)
{
	Suite *s = suite_create("sm_client_failover");
	TCase *tc = tcase_create("fake manager");

	tcase_add_checked_fixture(tc, client_setup, client_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_failover_dead_first);
	tcase_add_test(tc, test_all_dead);
	tcase_add_test(tc, test_timeout_no_failover);
	tcase_add_test(tc, test_silent_first_host);
	tcase_add_test(tc, test_from_conf);
	suite_add_tcase(s, tc);
	return s;
}
