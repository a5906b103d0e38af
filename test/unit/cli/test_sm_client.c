/* lib/sm_client.c against an in-process fake manager (canned replies). */
#include "client_fixture.h"
#include "fake_sm.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/lvolstruct_rpc.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_sm *fake;
struct vas_client *cl;

void client_setup(void)
{
	const char *hosts[] = {"127.0.0.1"};

	ck_assert_int_eq(fake_sm_start("127.0.0.1", 0, &fake), 0);
	ck_assert_int_eq(
	    vas_client_new(hosts, 1, fake_sm_port(fake), 5000, &cl), 0);
}

void client_teardown(void)
{
	vas_client_free(cl);
	cl = NULL;
	fake_sm_stop(fake);
	fake = NULL;
}

static int build(struct rpc_request *req, const char *fmt, ...)
{
	const char *tail = NULL;
	va_list ap;

	va_start(ap, fmt);
	xmlrpc_build_value_va(req->env, fmt, ap, &req->result, &tail);
	va_end(ap);
	return req->env->fault_occurred ? -ENOMEM : 0;
}

/* --- canned replies --- */

int r_hsvrs(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:(ss),s:i})", "hsvrid", 1, "priority",
		     PRIO_HIGH, "ip_data", "127.0.0.2", "127.0.1.2", "resync",
		     0);
}

static int r_ssvrs(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:(s),s:i,s:i,s:i})", "ssvrid", 2,
		     "priority", PRIO_HIGH, "ip_data", "127.0.1.2", "resync", 0,
		     "available", 174, "capacity", 200);
}

/* Sizes beyond 32 bits arrive as i8. */
static int r_ssvrs_i8(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:(s),s:i,s:I,s:I})", "ssvrid", 2,
		     "priority", PRIO_HIGH, "ip_data", "127.0.1.2", "resync", 0,
		     "available", (xmlrpc_int64)5000000000LL, "capacity",
		     (xmlrpc_int64)6000000000LL);
}

static int r_pdsks(struct rpc_request *req)
{
	return build(req,
		     "({s:i,s:i,s:i,s:s,s:i,s:i,s:i,s:s}"
		     "{s:i,s:i,s:i,s:s,s:i,s:i,s:i})",
		     "ssvrid", 2, "pdskid", 3, "priority", PRIO_HIGH,
		     "local_path", "/dev/disk/by-id/fake-2-0", "resync", 0,
		     "capacity", 100, "available", 88, "srp_name", "vdisk0",
		     "ssvrid", 2, "pdskid", 4, "priority", PRIO_LOW,
		     "local_path", "/dev/sdb", "resync", 1, "capacity", 100,
		     "available", 86);
}

int r_lvols(struct rpc_request *req)
{
	return build(
	    req,
	    "({s:i,s:i,s:s,s:i,s:i,s:(),s:({s:i,s:s}),s:b,s:i,s:i,"
	    "s:s}"
	    "{s:i,s:i,s:s,s:i,s:i,s:({s:i,s:s}{s:i,s:s}),s:(),s:b,"
	    "s:i,s:i,s:s})",
	    "hsvrid", 1, "lvolid", 0x25f, "lvolname", "foo", "redundancy", 3,
	    "capacity", 10, "associated_to", "associated_from", "lvolid", 0x29d,
	    "type", "snapshot", "fault", 0, "bind_status", 1, "bind_event", 0,
	    "ctime", "2026-11-22T23:27:38", "hsvrid", 1, "lvolid", 0x29d,
	    "lvolname", "snap3", "redundancy", 3, "capacity", 11,
	    "associated_to", "lvolid", 0x25f, "type", "snapshot", "lvolid", 7,
	    "type", "other", "associated_from", "fault", 1, "bind_status", 1,
	    "bind_event", 0, "ctime", "2026-11-22T23:27:55");
}

int r_id(struct rpc_request *req)
{
	return build(req, "i", 0x25f);
}

static int r_zero_id(struct rpc_request *req)
{
	return build(req, "i", 0);
}

static int r_string(struct rpc_request *req)
{
	return build(req, "s", "lvol-0000025f");
}

int r_fault_enoent(struct rpc_request *req)
{
	(void)req;
	return -ENOENT;
}

static int r_fault_500(struct rpc_request *req)
{
	(void)req;
	return -VAS_EINTERNAL;
}

static int r_fault_1(struct rpc_request *req)
{
	(void)req;
	return -VAS_ENOMETHOD;
}

static int r_fault_odd(struct rpc_request *req)
{
	req->fault_code = 99999;
	snprintf(req->fault_string, sizeof(req->fault_string), "odd");
	return -1;
}

static int r_fault_eio(struct rpc_request *req)
{
	req->fault_code = EIO;
	snprintf(req->fault_string, sizeof(req->fault_string), "EIO");
	return -1;
}

/* --- hostile shapes: every one must give -EPROTO --- */

int g_int(struct rpc_request *req)
{
	return build(req, "i", 3);
}

static int g_not_struct(struct rpc_request *req)
{
	return build(req, "(i)", 3);
}

static int g_missing(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:i})", "hsvrid", 1, "priority", 1,
		     "resync", 0);
}

static int g_id_string(struct rpc_request *req)
{
	return build(req, "({s:s,s:i,s:(s),s:i})", "hsvrid", "1", "priority", 1,
		     "ip_data", "127.0.0.2", "resync", 0);
}

static int g_id_i8(struct rpc_request *req)
{
	return build(req, "({s:I,s:i,s:(s),s:i})", "hsvrid",
		     (xmlrpc_int64)0x100000001LL, "priority", 1, "ip_data",
		     "127.0.0.2", "resync", 0);
}

static int g_ip_int(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:(i),s:i})", "hsvrid", 1, "priority", 1,
		     "ip_data", 3, "resync", 0);
}

static int g_ip_bad(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:(s),s:i})", "hsvrid", 1, "priority", 1,
		     "ip_data", "localhost", "resync", 0);
}

static int g_ip_many(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:(sssssssss),s:i})", "hsvrid", 1,
		     "priority", 1, "ip_data", "1.1.1.1", "1.1.1.2", "1.1.1.3",
		     "1.1.1.4", "1.1.1.5", "1.1.1.6", "1.1.1.7", "1.1.1.8",
		     "1.1.1.9", "resync", 0);
}

static int g_ip_struct(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:{},s:i})", "hsvrid", 1, "priority", 1,
		     "ip_data", "resync", 0);
}

static const char long_name[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaa";

static int g_lvol_long_name(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:s,s:i,s:i,s:(),s:(),s:b,s:i,s:i,s:s})",
		     "hsvrid", 0, "lvolid", 5, "lvolname", long_name,
		     "redundancy", 3, "capacity", 10, "associated_to",
		     "associated_from", "fault", 0, "bind_status", 0,
		     "bind_event", 0, "ctime", "2026-11-22T23:27:38");
}

static int g_lvol_assoc_bad(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:s,s:i,s:i,s:(i),s:(),s:b,s:i,s:i,s:s})",
		     "hsvrid", 0, "lvolid", 5, "lvolname", "a", "redundancy", 3,
		     "capacity", 10, "associated_to", 1, "associated_from",
		     "fault", 0, "bind_status", 0, "bind_event", 0, "ctime",
		     "2026-11-22T23:27:38");
}

/* The first entry is good (allocates assoc arrays), the second is bad. */
static int g_lvol_second_bad(struct rpc_request *req)
{
	return build(req,
		     "({s:i,s:i,s:s,s:i,s:i,s:({s:i,s:s}),s:(),s:b,s:i,s:i,"
		     "s:s}{s:i})",
		     "hsvrid", 0, "lvolid", 5, "lvolname", "a", "redundancy", 3,
		     "capacity", 10, "associated_to", "lvolid", 4, "type",
		     "snapshot", "associated_from", "fault", 0, "bind_status",
		     0, "bind_event", 0, "ctime", "2026-11-22T23:27:38",
		     "lvolid", 6);
}

static int g_lvol_fault_string(struct rpc_request *req)
{
	return build(req, "({s:i,s:i,s:s,s:i,s:i,s:(),s:(),s:s,s:i,s:i,s:s})",
		     "hsvrid", 0, "lvolid", 5, "lvolname", "a", "redundancy", 3,
		     "capacity", 10, "associated_to", "associated_from",
		     "fault", "no", "bind_status", 0, "bind_event", 0, "ctime",
		     "2026-11-22T23:27:38");
}

/* --- tests --- */

START_TEST(test_list_hsvrs)
{
	struct vas_hsvr_info *h = NULL;
	int n = -1;

	fake_sm_set_reply(fake, r_hsvrs);
	ck_assert_int_eq(vas_list_hsvrs(cl, 0, &h, &n), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "listHeadServers");
	ck_assert_str_eq(fake_sm_last_params(fake), "ver=i:5");
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(h[0].hsvrid, 1);
	ck_assert_int_eq(h[0].priority, PRIO_HIGH);
	ck_assert_int_eq(h[0].n_ip, 2);
	ck_assert_str_eq(h[0].ip_data[0], "127.0.0.2");
	ck_assert_str_eq(h[0].ip_data[1], "127.0.1.2");
	free(h);
	ck_assert_int_eq(vas_list_hsvrs(cl, 7, &h, &n), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "hsvrid=i:7,ver=i:5");
	free(h);
	ck_assert_str_eq(vas_client_last_host(cl), "127.0.0.1");
}
END_TEST

START_TEST(test_list_ssvrs_pdsks)
{
	struct vas_ssvr_info *s = NULL;
	struct vas_pdsk_info *p = NULL;
	int n = -1;

	fake_sm_set_reply(fake, r_ssvrs);
	ck_assert_int_eq(vas_list_ssvrs(cl, 2, &s, &n), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "ssvrid=i:2,ver=i:5");
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(s[0].ssvrid, 2);
	ck_assert_int_eq(s[0].capacity, 200);
	ck_assert_int_eq(s[0].available, 174);
	ck_assert_int_eq(s[0].n_ip, 1);
	free(s);
	fake_sm_set_reply(fake, r_ssvrs_i8);
	ck_assert_int_eq(vas_list_ssvrs(cl, 0, &s, &n), 0);
	ck_assert(s[0].capacity == 6000000000LL);
	ck_assert(s[0].available == 5000000000LL);
	free(s);

	fake_sm_set_reply(fake, r_pdsks);
	ck_assert_int_eq(vas_list_pdsks(cl, 0, &p, &n), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "listPhysicalDisks");
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(p[0].pdskid, 3);
	ck_assert_str_eq(p[0].local_path, "/dev/disk/by-id/fake-2-0");
	ck_assert_str_eq(p[0].srp_name, "vdisk0");
	ck_assert_str_eq(p[1].srp_name, "");
	ck_assert_int_eq(p[1].priority, PRIO_LOW);
	ck_assert_int_eq(p[1].resync, 1);
	ck_assert_int_eq(p[1].available, 86);
	free(p);
}
END_TEST

START_TEST(test_list_lvols)
{
	struct vas_lvol_ref ref = {0, "foo"};
	struct vas_lvol_info *l = NULL;
	int n = -1;

	fake_sm_set_reply(fake, r_lvols);
	ck_assert_int_eq(vas_list_lvols(cl, NULL, &l, &n), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "ver=i:5");
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(l[0].lvolid, 0x25f);
	ck_assert_str_eq(l[0].lvolname, "foo");
	ck_assert_int_eq(l[0].n_assoc_to, 0);
	ck_assert_int_eq(l[0].n_assoc_from, 1);
	ck_assert_int_eq(l[0].assoc_from[0], 0x29d);
	ck_assert(!l[0].fault);
	ck_assert_str_eq(l[0].ctime, "2026-11-22T23:27:38");
	ck_assert_int_eq(l[1].n_assoc_to, 1); /* "other" is skipped */
	ck_assert_int_eq(l[1].assoc_to[0], 0x25f);
	ck_assert(l[1].fault);
	ck_assert_int_eq(l[1].capacity, 11);
	vas_lvol_info_free(l, n);

	ck_assert_int_eq(vas_list_lvols(cl, &ref, &l, &n), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "lvolname=s:foo,ver=i:5");
	vas_lvol_info_free(l, n);
	ref.lvolid = 0x25f;
	ck_assert_int_eq(vas_list_lvols(cl, &ref, &l, &n), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "lvolid=i:607,ver=i:5");
	vas_lvol_info_free(l, n);
}
END_TEST

START_TEST(test_writes)
{
	struct vas_lvol_ref foo = {0, "foo"}, id = {0x25f, NULL};
	const char *ips[] = {"127.0.0.2", "127.0.1.2"};
	int32_t out = 0;
	int32_t blocks[] = {3, 9};

	fake_sm_set_reply(fake, r_id);
	ck_assert_int_eq(vas_lvol_create(cl, "foo", 10, 0, &out), 0);
	ck_assert_int_eq(out, 0x25f);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "capacity=i:10,lvolname=s:foo,ver=i:5");
	ck_assert_int_eq(vas_lvol_create(cl, "foo", 10, 2, &out), 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "capacity=i:10,lvolname=s:foo,redundancy=i:2,ver=i:5");
	ck_assert_int_eq(vas_snap_create(cl, foo, "s1", &out), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "createSnapshot");
	ck_assert_str_eq(
	    fake_sm_last_params(fake),
	    "origin_lvolname=s:foo,snapshot_lvolname=s:s1,ver=i:5");
	ck_assert_int_eq(vas_snap_create(cl, id, "s1", &out), 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "origin_lvolid=i:607,snapshot_lvolname=s:s1,ver=i:5");
	ck_assert_int_eq(vas_register_hsvr(cl, ips, 2, &out), 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "ip_data=[s:127.0.0.2 s:127.0.1.2],ver=i:5");
	ck_assert_int_eq(vas_register_ssvr(cl, ips, 1, &out), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "registerStorageServer");
	ck_assert_int_eq(vas_register_pdsk(cl, 3, "/dev/sdb", 209715200, &out),
			 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "capacity=s:209715200,local_path=s:/dev/sdb,"
			 "ssvrid=i:3,ver=i:5");

	fake_sm_set_reply(fake, NULL);
	ck_assert_int_eq(vas_lvol_attach(cl, foo, 1), 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "hsvrid=i:1,lvolname=s:foo,ver=i:5");
	ck_assert_int_eq(vas_lvol_detach(cl, id), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "detachLogicalVolume");
	ck_assert_str_eq(fake_sm_last_params(fake), "lvolid=i:607,ver=i:5");
	ck_assert_int_eq(vas_lvol_delete(cl, foo), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "deleteLogicalVolume");
	ck_assert_int_eq(vas_delete_pdsk(cl, 4), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "pdskid=i:4,ver=i:5");
	ck_assert_int_eq(vas_delete_hsvr(cl, 4), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "deleteHeadServer");
	ck_assert_int_eq(vas_delete_ssvr(cl, 4), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "ssvrid=i:4,ver=i:5");
	ck_assert_int_eq(vas_notify_failure(cl, TARGET_PDSK, 4), 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "target=i:3,targetid=i:4,ver=i:5");
	ck_assert_int_eq(vas_notify_badblocks(cl, 4, blocks, 2), 0);
	ck_assert_str_eq(fake_sm_last_params(fake),
			 "blocks=[i:3 i:9],pdskid=i:4,ver=i:5");
	ck_assert_int_eq(vas_shutdown_all(cl), 0);
	ck_assert_str_eq(fake_sm_last_method(fake), "shutdownAll");
	ck_assert_str_eq(fake_sm_last_params(fake), "ver=i:5");
}
END_TEST

START_TEST(test_no_call_on_bad_input)
{
	struct vas_lvol_ref none = {0, NULL};
	struct vas_lvolstruct *t = NULL;
	int32_t out;

	ck_assert_int_eq(vas_lvol_create(cl, "foo", 0, 0, &out), -EINVAL);
	ck_assert_int_eq(vas_lvol_create(cl, "foo", 1048577, 0, &out), -EINVAL);
	ck_assert_int_eq(vas_lvol_delete(cl, none), -EINVAL);
	ck_assert_int_eq(vas_snap_create(cl, none, "x", &out), -EINVAL);
	ck_assert_int_eq(vas_show_lvol(cl, none, &t), -EINVAL);
	ck_assert_int_eq(fake_sm_calls(fake), 0);
}
END_TEST

START_TEST(test_bad_id_replies)
{
	int32_t out = 0;

	fake_sm_set_reply(fake, r_zero_id);
	ck_assert_int_eq(vas_lvol_create(cl, "foo", 1, 0, &out), -EPROTO);
	fake_sm_set_reply(fake, r_string);
	ck_assert_int_eq(vas_lvol_create(cl, "foo", 1, 0, &out), -EPROTO);
	ck_assert_int_eq(vas_shutdown_all(cl), -EPROTO);
	fake_sm_set_reply(fake, r_lvols);
	ck_assert_int_eq(vas_lvol_detach(cl, (struct vas_lvol_ref){1, NULL}),
			 -EPROTO);
}
END_TEST

START_TEST(test_faults)
{
	const struct rpc_outcome *oc;
	struct vas_hsvr_info *h = NULL;
	int n;

	fake_sm_set_reply(fake, r_fault_enoent);
	ck_assert_int_eq(vas_list_hsvrs(cl, 9, &h, &n), -ENOENT);
	ck_assert_ptr_null(h);
	oc = vas_client_last(cl);
	ck_assert_int_eq(oc->fail, RPC_FAIL_FAULT);
	ck_assert_int_eq(oc->fault_code, ENOENT);
	ck_assert_str_eq(oc->fault_string, "ENOENT");
	ck_assert_str_eq(vas_client_last_host(cl), "127.0.0.1");
	fake_sm_set_reply(fake, r_fault_500);
	ck_assert_int_eq(vas_shutdown_all(cl), -VAS_EINTERNAL);
	fake_sm_set_reply(fake, r_fault_1);
	ck_assert_int_eq(vas_shutdown_all(cl), -VAS_ENOMETHOD);
	fake_sm_set_reply(fake, r_fault_eio);
	ck_assert_int_eq(vas_lvol_attach(cl, (struct vas_lvol_ref){1, NULL}, 1),
			 -EIO);
	fake_sm_set_reply(fake, r_fault_odd);
	ck_assert_int_eq(vas_shutdown_all(cl), -EREMOTEIO);
	ck_assert_int_eq(fake_sm_calls(fake), 5);
}
END_TEST

static const fake_reply_fn hsvr_garbage[] = {
    g_int,    g_not_struct, g_missing, g_id_string, g_id_i8,
    g_ip_int, g_ip_bad,	    g_ip_many, g_ip_struct, r_lvols,
};

START_TEST(test_garbage_hsvrs)
{
	struct vas_hsvr_info *h = NULL;
	int n = -1;

	fake_sm_set_reply(fake, hsvr_garbage[_i]);
	ck_assert_int_eq(vas_list_hsvrs(cl, 0, &h, &n), -EPROTO);
	ck_assert_ptr_null(h);
	ck_assert_int_eq(n, 0);
}
END_TEST

static const fake_reply_fn lvol_garbage[] = {
    g_int,
    g_not_struct,
    g_lvol_long_name,
    g_lvol_assoc_bad,
    g_lvol_second_bad,
    g_lvol_fault_string,
    r_hsvrs,
};

START_TEST(test_garbage_lvols)
{
	struct vas_lvol_info *l = NULL;
	struct vas_ssvr_info *s = NULL;
	struct vas_pdsk_info *p = NULL;
	int n = -1;

	fake_sm_set_reply(fake, lvol_garbage[_i]);
	ck_assert_int_eq(vas_list_lvols(cl, NULL, &l, &n), -EPROTO);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(vas_list_ssvrs(cl, 0, &s, &n), -EPROTO);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(vas_list_pdsks(cl, 0, &p, &n), -EPROTO);
	ck_assert_ptr_null(p);
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("sm_client");
	TCase *tc = tcase_create("fake manager");

	tcase_add_checked_fixture(tc, client_setup, client_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_list_hsvrs);
	tcase_add_test(tc, test_list_ssvrs_pdsks);
	tcase_add_test(tc, test_list_lvols);
	tcase_add_test(tc, test_writes);
	tcase_add_test(tc, test_no_call_on_bad_input);
	tcase_add_test(tc, test_bad_id_replies);
	tcase_add_test(tc, test_faults);
	tcase_add_loop_test(
	    tc, test_garbage_hsvrs, 0,
	    (int)(sizeof(hsvr_garbage) / sizeof(hsvr_garbage[0])));
	tcase_add_loop_test(
	    tc, test_garbage_lvols, 0,
	    (int)(sizeof(lvol_garbage) / sizeof(lvol_garbage[0])));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	int ret;

	log_init("test_sm_client", LOG_LVL_ERR, 0);
	rpc_client_global_init();
	{
		Suite *suites[] = {client_suite(), show_suite(),
				   failover_suite()};

		ret = check_run_suites(suites, 3, true);
	}
	rpc_client_global_cleanup();
	return ret;
}
