/* Access lists: addresses, networks, names, "any", and what is refused. */
#include "vas/peer_acl.h"

#include "check_run.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

static struct sockaddr_storage peer(const char *dotted)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, dotted, &sin->sin_addr), 1);
	return ss;
}

static bool allows(const struct peer_acl *acl, const char *dotted)
{
	struct sockaddr_storage ss = peer(dotted);

	return peer_acl_match(acl, &ss);
}

START_TEST(addresses_and_networks)
{
	struct peer_acl acl = {0};

	ck_assert_int_eq(
	    peer_acl_add_list(&acl, "10.0.0.1, 192.168.4.0/22 localhost", "t"),
	    0);
	ck_assert(allows(&acl, "10.0.0.1"));
	ck_assert(!allows(&acl, "10.0.0.2"));
	ck_assert(allows(&acl, "192.168.7.255"));
	ck_assert(!allows(&acl, "192.168.8.0"));
	ck_assert(allows(&acl, "127.0.0.1")); /* localhost resolved */
	ck_assert(!allows(&acl, "0.0.0.0"));  /* an unknown peer */
}
END_TEST

START_TEST(empty_any_and_bad)
{
	struct peer_acl acl = {0};
	struct sockaddr_storage unix_peer = {.ss_family = AF_UNIX};

	ck_assert(!allows(&acl, "127.0.0.1")); /* empty: nobody */
	ck_assert_int_eq(peer_acl_add_list(&acl, "10.0.0.0/33", "t"), -EINVAL);
	ck_assert_int_eq(peer_acl_add_list(&acl, "10.0.0.0/", "t"), -EINVAL);
	ck_assert_int_eq(peer_acl_add_list(&acl, "no-such-host.invalid", "t"),
			 -EINVAL);
	ck_assert_int_eq(acl.n, 0);
	ck_assert(!peer_acl_match(&acl, &unix_peer));
	ck_assert_int_eq(peer_acl_add_list(&acl, "any", "t"), 0);
	ck_assert(allows(&acl, "203.0.113.7"));
}
END_TEST

START_TEST(this_host)
{
	struct peer_acl own = {0}, nets = {0};

	ck_assert_int_eq(peer_acl_add_local(&own), 0);
	ck_assert_int_eq(peer_acl_add_local_nets(&nets), 0);
	ck_assert(allows(&own, "127.0.0.1"));
	ck_assert(!allows(&own, "127.0.0.9"));
	ck_assert(allows(&nets, "127.0.0.9")); /* on lo's 127.0.0.0/8 */
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {addresses_and_networks, empty_any_and_bad,
				      this_host, NULL};

	return check_run_suite(check_suite("peer_acl", tests, NULL, NULL),
			       true);
}
