/* CLI layouts (cli.md section 4) and argument parsing as pure functions. */
#include "cli_priv.h"
#include "vas/log.h"
#include "vas/proto.h"

#include "check_run.h"
#include "cli_fixtures.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct vas_lvol_info lvol(int32_t id, const char *name, int red,
				 int64_t cap, int32_t hsvr, int status,
				 int event)
{
	struct vas_lvol_info l;

	memset(&l, 0, sizeof(l));
	l.lvolid = id;
	snprintf(l.lvolname, sizeof(l.lvolname), "%s", name);
	l.redundancy = red;
	l.capacity = cap;
	l.hsvrid = hsvr;
	l.bind_status = status;
	l.bind_event = event;
	snprintf(l.ctime, sizeof(l.ctime), "2026-11-22T23:27:38");
	return l;
}

START_TEST(test_lvol_list_layout)
{
	struct vas_lvol_info l[4];
	int32_t from = 0x29d;
	struct buf b;

	l[0] = lvol(0x25f, "foo", 3, 10, 1, ATTACH_BOUND, 0);
	l[0].n_assoc_from = 1;
	l[0].assoc_from = &from;
	l[1] = lvol(0x274, "baz", 2, 3, 1, ATTACH_BOUND, ATTACH_BINDING);
	l[2] = lvol(0x26c, "bar", 2, 5, 1, ATTACH_ERROR, ATTACH_UNBINDING);
	l[3] = lvol(0x27a, "a_name_longer_than_12", 3, 1, 0, 0, 0);
	l[3].fault = true;
	buf_open(&b);
	cli_print_lvols(b.f, l, 4, true, false);
	ck_assert_str_eq(
	    buf_close(&b),
	    "lvolid         lvolname       redundancy capacity  hsvrid        "
	    "failure      ctime              \n"
	    "lvol-0000025f  foo                     3    10 GB  hsvr-00000001 "
	    "---          2026-11-22T23:27:38\n"
	    "\tsnapshot-origin of lvol-0000029d\n"
	    "lvol-00000274  baz                     2     3 GB +hsvr-00000001 "
	    "---          2026-11-22T23:27:38\n"
	    "lvol-0000026c  bar                     2     5 GB *hsvr-00000001 "
	    "---          2026-11-22T23:27:38\n"
	    "lvol-0000027a  a_name_longer_than_12            3     1 GB  ---  "
	    "         yes          2026-11-22T23:27:38\n");
	free(b.data);

	/* The header alone for an empty list; 97 characters. */
	buf_open(&b);
	cli_print_lvols(b.f, NULL, 0, true, false);
	ck_assert_int_eq(strlen(buf_close(&b)), 98);
	free(b.data);
	buf_open(&b);
	cli_print_lvols(b.f, NULL, 0, false, false);
	ck_assert_str_eq(buf_close(&b), "");
	free(b.data);
}
END_TEST

START_TEST(test_hsvr_ssvr_layout)
{
	struct vas_hsvr_info h;
	struct vas_ssvr_info s[2];
	struct buf b;

	memset(&h, 0, sizeof(h));
	h.hsvrid = 1;
	h.priority = PRIO_HIGH;
	h.n_ip = 2;
	snprintf(h.ip_data[0], 16, "127.0.0.2");
	snprintf(h.ip_data[1], 16, "127.0.1.2");
	buf_open(&b);
	cli_print_hsvrs(b.f, &h, 1, true, false);
	ck_assert_str_eq(buf_close(&b), "hsvrid         priority  resync\n"
					"hsvr-00000001  HIGH          0\n"
					"\tinet 127.0.0.2\n"
					"\tinet 127.0.1.2\n");
	free(b.data);

	memset(s, 0, sizeof(s));
	s[0].ssvrid = 2;
	s[0].priority = PRIO_HALT;
	s[0].capacity = 400;
	s[1].ssvrid = 3;
	s[1].priority = 42; /* unknown: the number */
	s[1].capacity = 0;
	buf_open(&b);
	cli_print_ssvrs(b.f, s, 2, true, false);
	ck_assert_str_eq(
	    buf_close(&b),
	    "total 400 GB   available 0 GB use% 100%     \n"
	    "ssvrid         priority  resync   capacity  available  use%\n"
	    "ssvr-00000002  HALT          0     400 GB       0 GB  100%\n"
	    "ssvr-00000003  42            0       0 GB       0 GB    0%\n");
	free(b.data);
	buf_open(&b);
	cli_print_ssvrs(b.f, NULL, 0, true, false);
	{
		static const char *const lines[] = {
		    "total 0 GB     available 0 GB use% 0%",
		    "ssvrid         priority  resync   capacity  available  "
		    "use%"};
		static const int widths[] = {44, 59};

		expect_padded(buf_close(&b), lines, widths, 2);
	}
	free(b.data);
}
END_TEST

START_TEST(test_pdsk_layout)
{
	struct vas_pdsk_info p;
	struct buf b;
	const char *out;

	memset(&p, 0, sizeof(p));
	p.pdskid = 3;
	p.ssvrid = 2;
	p.priority = PRIO_HIGH;
	p.capacity = 100;
	p.available = 88;
	snprintf(p.local_path, sizeof(p.local_path), "/dev/sdb");
	buf_open(&b);
	cli_print_pdsks(b.f, &p, 1, true, false);
	out = buf_close(&b);
	{
		static const char *const lines[] = {
		    "total 100 GB   available 88 GB use% 12%",
		    "pdskid         ssvrid         priority resync   capacity  "
		    "available  use% local_path                               "
		    "srp_name",
		    "pdsk-00000003  ssvr-00000002  HIGH          0     100 GB  "
		    "    88 GB   12% /dev/sdb"};
		static const int widths[] = {45, 133, 133};

		expect_padded(out, lines, widths, 3);
	}
	free(b.data);
}
END_TEST

START_TEST(test_lvol_show_layout)
{
	struct vas_lvolstruct root;
	struct buf b;

	build_tree(&root, 2, 2, 3);
	buf_open(&b);
	ck_assert_int_eq(cli_print_lvol_show(b.f, &root, NULL), 0);
	{
		static const char *const lines[] = {
		    "lvolid: lvol-0000026c lvol_name: bar capacity: 4 GB "
		    "redundancy: 2",
		    "mirror           offset capacity | disk-extent    "
		    "physical-disk    offset server         sync",
		    "mirr-00000270      0 GB     2 GB |",
		    "                                 | dext-00000000  "
		    "pdsk-00000001      0 GB ssvr-00000001  INSYNC",
		    "                                 | dext-00000001  "
		    "pdsk-00000002      0 GB ssvr-00000002  INSYNC",
		    "mirr-00000271      2 GB     2 GB |",
		    "                                 | dext-00000010  "
		    "pdsk-00000001      2 GB ssvr-00000001  INSYNC",
		    "                                 | dext-00000011  "
		    "pdsk-00000002      2 GB ssvr-00000002  SPARE"};
		static const int widths[] = {0, 94, 94, 94, 94, 94, 94, 94};

		expect_padded(buf_close(&b), lines, widths, 8);
	}
	free(b.data);
	lvs_clear(&root);
}
END_TEST

START_TEST(test_lvol_show_bad_shape)
{
	struct vas_lvolstruct root;
	struct buf b;

	build_tree(&root, 1, 1, -1);
	root.components[0].components[0].components[0].lvoltype = LVOLTYPE_DEXT;
	buf_open(&b);
	ck_assert_int_eq(cli_print_lvol_show(b.f, &root, NULL), -EPROTO);
	buf_close(&b);
	free(b.data);
	lvs_clear(&root);
	memset(&root, 0, sizeof(root));
	buf_open(&b);
	ck_assert_int_eq(cli_print_lvol_show(b.f, &root, NULL), -EPROTO);
	buf_close(&b);
	free(b.data);
}
END_TEST

START_TEST(test_summary)
{
	struct cli_lvol_summary s;
	struct vas_lvolstruct root;
	struct buf b;

	build_tree(&root, 3, 2, 3);
	ck_assert_int_eq(cli_lvol_summarize(&root, &s), 0);
	ck_assert_int_eq(s.mirrors, 3);
	ck_assert_int_eq(s.mirrors_in_sync, 2);
	ck_assert_int_eq(s.by_status[MIRROR_SPARE], 1);
	ck_assert_int_eq(s.by_status[MIRROR_INSYNC], 5);
	buf_open(&b);
	cli_print_lvol_summary(b.f, &s);
	ck_assert_str_eq(
	    buf_close(&b),
	    "lvolid: lvol-0000026c lvol_name: bar capacity: 6 GB "
	    "redundancy: 2\n"
	    "mirrors: 3\n"
	    "extents: 6 (ALLOCATED 0, INSYNC 5, SPARE 1, FAULTY 0, "
	    "unknown 0)\n"
	    "servers: 2 (ssvr-00000001 3, ssvr-00000002 3)\n"
	    "disks: 2 (pdsk-00000001 3, pdsk-00000002 3)\n"
	    "resync: 2 of 3 mirrors in sync (66%), 1 waiting\n");
	free(b.data);
	cli_lvol_summary_free(&s);
	lvs_clear(&root);
}
END_TEST

START_TEST(test_parse_id)
{
	int32_t id = -1;

	ck_assert_int_eq(cli_parse_id("lvol-0000094e", "lvol-", false, &id), 0);
	ck_assert_int_eq(id, 0x94e);
	ck_assert_int_eq(cli_parse_id("0000094E", "lvol-", false, &id), 0);
	ck_assert_int_eq(id, 0x94e);
	ck_assert_int_eq(cli_parse_id("7fffffff", "hsvr-", false, &id), 0);
	ck_assert_int_eq(id, 0x7fffffff);
	/* The lenient forms of the original are refused. */
	ck_assert_int_eq(cli_parse_id("0x00094e", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("+000094e", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id(" 000094e", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("-0000001", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("lvol-94e", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("LVOL-0000094e", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("xlvol-0000094e", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("0000094g", "lvol-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("hsvr-00000001", "ssvr-", false, &id),
			 -EINVAL);
	ck_assert_int_eq(cli_parse_id("", "lvol-", false, &id), -EINVAL);
	/* Range: 1..0x7fffffff, 0 only where it means "all". */
	ck_assert_int_eq(cli_parse_id("80000000", "lvol-", false, &id),
			 -ERANGE);
	ck_assert_int_eq(cli_parse_id("ffffffff", "lvol-", true, &id), -ERANGE);
	ck_assert_int_eq(cli_parse_id("00000000", "lvol-", false, &id),
			 -ERANGE);
	ck_assert_int_eq(cli_parse_id("hsvr-00000000", "hsvr-", true, &id), 0);
	ck_assert_int_eq(id, 0);
}
END_TEST

START_TEST(test_names_and_units)
{
	char buf[16];
	struct buf b;

	ck_assert_str_eq(cli_prio_name(PRIO_EVACUATE, buf, sizeof(buf)),
			 "EVACUATE");
	ck_assert_str_eq(cli_prio_name(0, buf, sizeof(buf)), "0");
	ck_assert_str_eq(cli_prio_name(-3, buf, sizeof(buf)), "-3");
	ck_assert_str_eq(cli_sync_name(MIRROR_NEEDSHRED, buf, sizeof(buf)),
			 "ALLOCATED");
	ck_assert_str_eq(cli_sync_name(9, buf, sizeof(buf)), "9");
	ck_assert_int_eq(cli_use_pct(200, 174), 13);
	ck_assert_int_eq(cli_use_pct(0, 0), 0);
	ck_assert_int_eq(cli_use_pct(3, 0), 100);
	buf_open(&b);
	cli_json_string(b.f, "a\"b\\c\n\x01");
	ck_assert_str_eq(buf_close(&b), "\"a\\\"b\\\\c\\n\\u0001\"");
	free(b.data);
}
END_TEST

START_TEST(test_json_lists)
{
	struct vas_lvol_info l = lvol(5, "x\"y", 2, 1, 0, 0, 0);
	int32_t to = 4;
	struct buf b;

	l.n_assoc_to = 1;
	l.assoc_to = &to;
	buf_open(&b);
	cli_json_lvols(b.f, &l, 1);
	ck_assert_str_eq(buf_close(&b),
			 "[\n  {\"hsvrid\": 0, \"lvolid\": 5, \"lvolname\": "
			 "\"x\\\"y\", \"redundancy\": 2, \"capacity\": 1, "
			 "\"associated_to\": [{\"lvolid\": 4, \"type\": "
			 "\"snapshot\"}], \"associated_from\": [], \"fault\": "
			 "false, \"bind_status\": 0, \"bind_event\": 0, "
			 "\"ctime\": \"2026-11-22T23:27:38\"}\n]\n");
	free(b.data);
	buf_open(&b);
	cli_json_hsvrs(b.f, NULL, 0);
	ck_assert_str_eq(buf_close(&b), "[]\n");
	free(b.data);
}
END_TEST

/* A context for lvol_list whose output and errors are captured. */
static void ctx_open(struct cli_ctx *ctx, struct buf *out, struct buf *err)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->prog = "lvol_list";
	ctx->cmd = &cli_cmd_lvol_list;
	ctx->timeout_s = CLI_DEF_TIMEOUT_S;
	buf_open(out);
	buf_open(err);
	ctx->out = out->f;
	ctx->err = err->f;
}

START_TEST(test_options_anywhere)
{
	char *argv[] = {"lvol_list", "foo", "-H", "--timeout", "7",
			"--json",    "--",  "-q", NULL};
	struct buf out, err;
	struct cli_ctx ctx;
	int first = 0;

	ctx_open(&ctx, &out, &err);
	ck_assert_int_eq(cli_parse_options(&ctx, 8, argv, &first), 0);
	ck_assert_int_eq(first, 2);
	ck_assert_str_eq(argv[0], "foo");
	ck_assert_str_eq(argv[1], "-q");
	ck_assert(ctx.no_header && ctx.json && !ctx.quiet);
	ck_assert_int_eq(ctx.timeout_s, 7);
	ck_assert_str_eq(buf_close(&out), "");
	ck_assert_str_eq(buf_close(&err), "");
	free(out.data);
	free(err.data);
}
END_TEST

START_TEST(test_options_errors)
{
	char *bad[] = {"lvol_list", "--redundancy", "2", NULL};
	char *help[] = {"lvol_list", "--bogus", "x", "--help", NULL};
	struct buf out, err;
	struct cli_ctx ctx;
	int first = 0;

	ctx_open(&ctx, &out, &err);
	ck_assert_int_eq(cli_parse_options(&ctx, 3, bad, &first),
			 CLI_EXIT_USAGE);
	ck_assert_str_eq(buf_close(&out), "");
	ck_assert_str_eq(buf_close(&err),
			 "lvol_list: option '--redundancy' does not apply to "
			 "lvol_list\n"
			 "usage: lvol_list [OPTION]... "
			 "[LogicalVolumeID|LogicalVolumeName]\n"
			 "Try 'lvol_list --help' for more information.\n");
	free(out.data);
	free(err.data);

	/* --help wins over errors: help on stdout, nothing else. */
	first = 0;
	ctx_open(&ctx, &out, &err);
	ck_assert_int_eq(cli_parse_options(&ctx, 4, help, &first), -1);
	ck_assert_ptr_nonnull(strstr(buf_close(&out), "NAME\n  lvol_list - "));
	ck_assert_str_eq(buf_close(&err), "");
	free(out.data);
	free(err.data);
}
END_TEST

START_TEST(test_lvol_args)
{
	struct cli_lvol_arg a;
	struct buf out, err;
	struct cli_ctx ctx;
	char long_name[80];

	ctx_open(&ctx, &out, &err);
	ck_assert_int_eq(cli_parse_lvol(&ctx, "lvol-0000094e", &a), 0);
	ck_assert_int_eq(a.ref.lvolid, 0x94e);
	ck_assert(!a.by_name_too);
	ck_assert_int_eq(cli_parse_lvol(&ctx, "20101022", &a), 0);
	ck_assert_int_eq(a.ref.lvolid, 0x20101022);
	ck_assert(a.by_name_too);
	ck_assert_int_eq(cli_parse_lvol(&ctx, "deadbeef", &a), 0);
	ck_assert_str_eq(a.ref.lvolname, "deadbeef"); /* beyond the range */
	ck_assert_int_eq(cli_parse_lvol(&ctx, "lvol-94e", &a), 0);
	ck_assert_str_eq(a.ref.lvolname, "lvol-94e");
	ck_assert_int_eq(cli_parse_lvol(&ctx, "lvol-g", &a), 0);
	ck_assert_str_eq(a.ref.lvolname, "lvol-g");
	ck_assert_int_eq(cli_parse_lvol(&ctx, "lvol-00000000", &a),
			 CLI_EXIT_USAGE);
	memset(long_name, 'a', 65);
	long_name[65] = '\0';
	ck_assert_int_eq(cli_parse_lvol(&ctx, long_name, &a), CLI_EXIT_USAGE);
	ck_assert_int_eq(cli_parse_lvol(&ctx, "", &a), CLI_EXIT_USAGE);
	ctx.ref_mode = CLI_REF_NAME;
	ck_assert_int_eq(cli_parse_lvol(&ctx, "lvol-0000094e", &a), 0);
	ck_assert_str_eq(a.ref.lvolname, "lvol-0000094e");
	ctx.ref_mode = CLI_REF_ID;
	ck_assert_int_eq(cli_parse_lvol(&ctx, "20101022", &a), 0);
	ck_assert(!a.by_name_too);
	ck_assert_int_eq(cli_parse_lvol(&ctx, "foo", &a), CLI_EXIT_USAGE);
	ck_assert_int_eq(cli_check_new_name(&ctx, "lvol-abc"), CLI_EXIT_USAGE);
	ck_assert_int_eq(cli_check_new_name(&ctx, "..."), 0);
	buf_close(&out);
	buf_close(&err);
	free(out.data);
	free(err.data);
}
END_TEST

static Suite *format_suite(void)
{
	Suite *s = suite_create("cli_format");
	TCase *tc = tcase_create("layouts");

	tcase_add_test(tc, test_lvol_list_layout);
	tcase_add_test(tc, test_hsvr_ssvr_layout);
	tcase_add_test(tc, test_pdsk_layout);
	tcase_add_test(tc, test_lvol_show_layout);
	tcase_add_test(tc, test_lvol_show_bad_shape);
	tcase_add_test(tc, test_summary);
	tcase_add_test(tc, test_parse_id);
	tcase_add_test(tc, test_names_and_units);
	tcase_add_test(tc, test_json_lists);
	tcase_add_test(tc, test_options_anywhere);
	tcase_add_test(tc, test_options_errors);
	tcase_add_test(tc, test_lvol_args);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	log_init("test_cli_format", LOG_LVL_ERR, 0);
	return check_run_suite(format_suite(), true);
}
