/* The dispatcher: envelope, declarative validation, fault mapping. */
#include "vas/proto.h"
#include "vas/rpc.h"

#include "check_run.h"
#include "rpc_call.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int calls;

static int echo(struct rpc_request *req)
{
	calls++;
	if (rpc_int(req, "n", 0) == 13)
		return -EBUSY;
	if (rpc_int(req, "n", 0) == 14)
		return -EIO;
	if (rpc_int(req, "n", 0) == 15)
		return -(VAS_ERELAY + 16);
	rpc_result_int(req, rpc_int(req, "n", 0) +
				(int64_t)strlen(rpc_str(req, "s", "")));
	return 0;
}

static const struct rpc_param_spec spec[] = {
    {"n", RPC_T_INT, RPC_REQUIRED, 0, 100, 0},
    {"s", RPC_T_STRING, 0, 0, 8, 0},
    {"d", RPC_T_DECSTR, 0, 1, 1000, 0},
    {"a", RPC_T_ARRAY, 0, 1, 2, RPC_T_STRING},
    {0, 0, 0, 0, 0, 0}};

static const struct rpc_method table[] = {
    {"echo", echo, spec, 0},
    {"hello", echo, NULL, RPC_M_NOVERSION},
    {0, 0, 0, 0}};

/* Runs one call and returns the fault code (0 = success, value in *v). */
static int call(const char *xml, int *v)
{
	return rpc_call_table(table, xml, strlen(xml), v);
}

#define CALL(members)                                                          \
	"<?xml version='1.0'?><methodCall><methodName>echo</methodName>"       \
	"<params><param><value><struct>" members                               \
	"</struct></value></param></params></methodCall>"
#define M(k, v) "<member><name>" k "</name><value>" v "</value></member>"
#define VER	M("ver", "<int>5</int>")

START_TEST(success)
{
	int v = 0;

	ck_assert_int_eq(
	    call(CALL(VER M("n", "<int>7</int>") M("s", "<string>ab</string>")),
		 &v),
	    0);
	ck_assert_int_eq(v, 9);
	ck_assert_int_eq(
	    call(CALL(VER M("n", "<i4>1</i4>") M("d", "<string>17</string>")
			  M("extra", "<int>1</int>")),
		 &v),
	    0);
}
END_TEST

START_TEST(envelope)
{
	int v;

	ck_assert_int_eq(call("junk", &v), EINVAL);
	ck_assert_int_eq(call("<methodCall><methodName>echo", &v), EINVAL);
	ck_assert_int_eq(call(CALL(M("n", "<int>1</int>")), &v), EPROTO);
	ck_assert_int_eq(
	    call(CALL(M("ver", "<int>4</int>") M("n", "<int>1</int>")), &v),
	    EPROTO);
	ck_assert_int_eq(call(CALL(M("ver", "<string>5</string>")), &v),
			 EPROTO);
	ck_assert_int_eq(call("<methodCall><methodName>nope</methodName>"
			      "<params/></methodCall>",
			      &v),
			 VAS_ENOMETHOD);
	ck_assert_int_eq(call("<methodCall><methodName>echo</methodName>"
			      "<params/></methodCall>",
			      &v),
			 VAS_ENOMETHOD);
	ck_assert_int_eq(call("<methodCall><methodName>hello</methodName>"
			      "<params/></methodCall>",
			      &v),
			 0);
}
END_TEST

START_TEST(validation)
{
	static const char *const bad[] = {
	    CALL(VER),
	    CALL(VER M("n", "<string>1</string>")),
	    CALL(VER M("n", "<boolean>1</boolean>")),
	    CALL(VER M("n", "<double>1.0</double>")),
	    CALL(VER M("n", "<int>101</int>")),
	    CALL(VER M("n", "<int>-1</int>")),
	    CALL(VER M("n", "<int>1</int>")
		     M("s", "<string>123456789</string>")),
	    CALL(VER M("n", "<int>1</int>") M("s", "<int>1</int>")),
	    CALL(VER M("n", "<int>1</int>") M("d", "<int>17</int>")),
	    CALL(VER M("n", "<int>1</int>") M("d", "<string>1x</string>")),
	    CALL(VER M("n", "<int>1</int>") M("d", "<string>0</string>")),
	    CALL(VER M("n", "<int>1</int>")
		     M("a", "<array><data></data></array>")),
	    CALL(VER M("n", "<int>1</int>") M(
		"a",
		"<array><data><value><int>1</int></value></data></array>")),
	};
	size_t i;
	int v;

	calls = 0;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(call(bad[i], &v) == EINVAL, "case %zu", i);
	ck_assert_int_eq(calls, 0); /* the handler never saw bad input */
}
END_TEST

/* Bodies that crashed or stalled xmlrpc-c get fault 22 (issue 13). */
START_TEST(hostile_bodies)
{
	int v;

	ck_assert_int_eq(call(CALL(M("ver", "<i8>5x</i8>")), &v), EINVAL);
	ck_assert_int_eq(
	    call(CALL(M("ver", "<i8>99999999999999999999</i8>")), &v), EINVAL);
	ck_assert_int_eq(call("<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b "
			      "'c'>]><methodCall/>",
			      &v),
			 EINVAL);
	ck_assert_int_eq(call("", &v), EINVAL);
	/* i8 is a valid integer for ver too. */
	ck_assert_int_eq(
	    call(CALL(M("ver", "<i8>5</i8>") M("n", "<int>1</int>")), &v), 0);
}
END_TEST

START_TEST(faults)
{
	int v;

	ck_assert_int_eq(call(CALL(VER M("n", "<int>13</int>")), &v), EBUSY);
	ck_assert_int_eq(call(CALL(VER M("n", "<int>14</int>")), &v),
			 VAS_EINTERNAL);
	ck_assert_int_eq(call(CALL(VER M("n", "<int>15</int>")), &v), 16);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    success, envelope, validation, faults, hostile_bodies, NULL,
	};

	/* one process: the handlers count calls in a static */
	return check_run_suite(check_suite("rpc_dispatch", tests, NULL, NULL),
			       false);
}
