/* Unit tests: bad-block reports to a fake manager, patrol scan position. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_sm.h"
#include "ssvr_test.h"
#include "vas/event_table.h"
#include "vas/rpc_client.h"

static struct ssvr_env env;
static struct fake_sm *sm;

static int reply_fault(struct rpc_request *req)
{
	(void)req;
	return -EINVAL;
}

static void setup(void)
{
	char port[16];

	ck_assert_int_eq(fake_sm_start("127.0.0.1", 0, &sm), 0);
	snprintf(port, sizeof(port), "%d", fake_sm_port(sm));
	{
		const char *extra[] = {"storage_manager",
				       "port",
				       port,
				       "ssvr_agent",
				       "patrol_bandwidth",
				       "0",
				       "ssvr_agent",
				       "scrub_stripe_size",
				       "1",
				       NULL};

		ssvr_env_init(&env, extra);
	}
}

static void teardown(void)
{
	fake_sm_stop(sm);
	ssvr_env_fini(&env);
}

START_TEST(test_notify_badblocks)
{
	const int32_t blocks[] = {3, 9};

	ck_assert_int_eq(notify_badblocks(&env.cfg, 5, blocks, 2, NULL), 0);
	ck_assert_int_eq(fake_sm_calls(sm), 1);
	ck_assert_str_eq(fake_sm_last_method(sm), "notifyBadBlocks");
	ck_assert_str_eq(fake_sm_last_params(sm),
			 "blocks=[i:3 i:9],pdskid=i:5,ver=i:5");
	/* A refusal is permanent: reported once, not retried forever. */
	fake_sm_set_reply(sm, reply_fault);
	ck_assert_int_eq(notify_badblocks(&env.cfg, 5, blocks, 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(fake_sm_calls(sm), 2);
}
END_TEST

/* A 4 MiB disk with activation record and link, pdskid 6. */
static void make_disk(void)
{
	struct ssvr_disk d = {.pdskid = 6};
	char link[PATH_MAX];

	ssvr_env_file(&env, "disk", 4 * SSVR_MIB, 0x11, d.path, sizeof(d.path));
	ck_assert_int_eq(ssvr_disk_save(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_path(link, sizeof(link), &env.cfg, "pdsk"), 0);
	ck_assert_int_eq(ssvr_mkdir_p(link), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 6, link, sizeof(link)), 0);
	ck_assert_int_eq(symlink(d.path, link), 0);
}

static const char *patrol_file(void)
{
	static char buf[256];
	char path[PATH_MAX];

	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "patrol"), 0);
	ck_assert_int_eq(ssvr_read_file(path, buf, sizeof(buf)), 0);
	return buf;
}

START_TEST(test_patrol_position)
{
	struct event_table *ev;
	struct shredder *sh;
	struct patrol *p;

	ck_assert_int_eq(event_table_new(&ev), 0);
	ck_assert_int_eq(shredder_new(&env.cfg, ev, &sh), 0);
	ck_assert_int_eq(patrol_start(&env.cfg, sh, &p), 0);
	ck_assert_int_eq(patrol_step(p), 0); /* no disk yet */
	make_disk();
	ck_assert_int_eq(patrol_step(p), 1);
	ck_assert_int_eq(patrol_step(p), 1);
	patrol_stop(p);
	ck_assert_str_eq(patrol_file(), "00000006 2097152\n");
	/* A new run continues where the last one stopped, then wraps. */
	ck_assert_int_eq(patrol_start(&env.cfg, sh, &p), 0);
	ck_assert_int_eq(patrol_step(p), 1);
	ck_assert_int_eq(patrol_step(p), 1);
	patrol_stop(p);
	ck_assert_str_eq(patrol_file(), "00000006 4194304\n");
	ck_assert_int_eq(patrol_start(&env.cfg, sh, &p), 0);
	ck_assert_int_eq(patrol_step(p), 1);
	patrol_stop(p);
	ck_assert_str_eq(patrol_file(), "00000006 1048576\n");
	ck_assert_int_eq(fake_sm_calls(sm), 0);
	shredder_free(sh);
	event_table_free(ev);
}
END_TEST

START_TEST(test_patrol_skips_shredding)
{
	struct shred_req r = ssvr_req(1, 1, 6, 0, 1);
	struct event_table *ev;
	struct shredder *sh;
	struct patrol *p;

	make_disk();
	ck_assert_int_eq(event_table_new(&ev), 0);
	ck_assert_int_eq(shredder_new(&env.cfg, ev, &sh), 0);
	/* Too small for the extent, so the job fails; stop workers first so
	 * it stays queued while the patrol looks at it. */
	shredder_request_stop(sh);
	ck_assert_int_eq(shredder_submit(sh, &r), 0);
	ck_assert_int_eq(patrol_start(&env.cfg, sh, &p), 0);
	ck_assert_int_eq(patrol_step(p), 0);
	patrol_stop(p);
	shredder_free(sh);
	event_table_free(ev);
}
END_TEST

START_TEST(test_patrol_vanished_disk)
{
	struct event_table *ev;
	struct shredder *sh;
	struct patrol *p;
	char path[PATH_MAX];

	make_disk();
	snprintf(path, sizeof(path), "%.*s/disk", PATH_MAX - 32, env.dir);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(event_table_new(&ev), 0);
	ck_assert_int_eq(shredder_new(&env.cfg, ev, &sh), 0);
	ck_assert_int_eq(patrol_start(&env.cfg, sh, &p), 0);
	ck_assert_int_eq(patrol_step(p), -ENOENT);
	patrol_stop(p);
	shredder_free(sh);
	event_table_free(ev);
}
END_TEST

Suite *ssvr_patrol_suite(void)
{
	Suite *s = suite_create("ssvr_patrol");
	TCase *tc = tcase_create("patrol");

	rpc_client_global_init();
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_notify_badblocks);
	tcase_add_test(tc, test_patrol_position);
	tcase_add_test(tc, test_patrol_skips_shredding);
	tcase_add_test(tc, test_patrol_vanished_disk);
	suite_add_tcase(s, tc);
	return s;
}
