/*
 * Unit tests: export through the tgt and IET drivers, with recording fake
 * tgtadm/ietadm scripts (argv logged one call per line).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssvr_test.h"
#include "vas/exec.h"

static struct ssvr_env env;
static char calls[PATH_MAX], disk[PATH_MAX];

static void write_text(const char *path, const char *text, int mode)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, (mode_t)mode), 0);
}

/* Fake tool: logs "$*", prints <dir>/show for a target listing. */
static void fake_tool(const char *dir, const char *name, char *path, size_t len)
{
	char script[2048];

	snprintf(path, len, "%s/%s", dir, name);
	snprintf(script, sizeof(script),
		 "#!/bin/sh\necho \"$*\" >> %s/calls\n"
		 "case \"$*\" in *'--op show --mode target'*) "
		 "cat %s/show 2>/dev/null;; *'--op show --mode portal'*) "
		 "cat %s/portals 2>/dev/null;; esac\nexit 0\n",
		 dir, dir, dir);
	write_text(path, script, 0700);
}

static void setup_driver(const char *type, const char *initiators)
{
	char dir[] = "/tmp/vas-ssvr-fake-XXXXXX", tgt[PATH_MAX], iet[PATH_MAX],
	     vol[PATH_MAX];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	fake_tool(dir, "tgtadm", tgt, sizeof(tgt));
	fake_tool(dir, "ietadm", iet, sizeof(iet));
	snprintf(vol, sizeof(vol), "%s/show", dir);
	snprintf(calls, sizeof(calls), "%s/calls", dir);
	{
		const char *extra[] = {"ssvr_agent",
				       "tgtadm",
				       tgt,
				       "ssvr_agent",
				       "ietadm",
				       iet,
				       "ssvr_agent",
				       "iet_volume_file",
				       vol,
				       "ssvr_agent",
				       "target_type",
				       type,
				       "ssvr_agent",
				       "initiator_address",
				       initiators,
				       "ssvr_agent",
				       "tgt_control_port",
				       "3",
				       NULL};

		ssvr_env_init(&env, extra);
	}
	ssvr_env_file(&env, "disk", 4096, 0, disk, sizeof(disk));
}

static void teardown(void)
{
	char dir[PATH_MAX];
	const char *const argv[] = {"rm", "-rf", dir, NULL};
	struct exec_result res;

	snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(calls) - 6), calls);
	if (vas_exec(argv, 10000, NULL, &res) == 0)
		exec_result_free(&res);
	ssvr_env_fini(&env);
}

static void show(const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%.*s/show", (int)(strlen(calls) - 6),
		 calls);
	write_text(path, text, 0600);
}

static char *read_calls(void)
{
	static char buf[8192];

	buf[0] = '\0';
	if (access(calls, F_OK) == 0)
		ck_assert_int_eq(ssvr_read_file(calls, buf, sizeof(buf)), 0);
	unlink(calls);
	return buf;
}

START_TEST(test_tgt_activate)
{
	struct ssvr_disk d = {.pdskid = 7};
	char expect[8192], link[PATH_MAX], *got;

	setup_driver("tgt", "");
	show("Target 1: iqn.2000-11.test:00000005\n    System information:\n"
	     "Target 2: iqn.2010-01.foreign:x\n");
	snprintf(d.path, sizeof(d.path), "%s", disk);
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 7, link, sizeof(link)), 0);
	snprintf(expect, sizeof(expect),
		 "-C 3 --lld iscsi --op show --mode target\n"
		 "-C 3 --lld iscsi --op new --mode target --tid 3 "
		 "--targetname iqn.2000-11.test:00000007\n"
		 "-C 3 --lld iscsi --op new --mode logicalunit --tid 3 --lun 1 "
		 "--backing-store %s --bstype=rdwr\n"
		 "-C 3 --lld iscsi --op update --mode logicalunit --tid 3 "
		 "--lun 1 --params scsi_id=00000007,scsi_sn=00000007\n",
		 link);
	got = read_calls();
	ck_assert_str_eq(got, expect);
	/* Already exported: only the listing. */
	show("Target 1: iqn.2000-11.test:00000007\n");
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	ck_assert_str_eq(read_calls(),
			 "-C 3 --lld iscsi --op show --mode target\n");
	teardown();
}
END_TEST

/*
 * initiator_address empty: a new target is bound to the saved heads (none
 * saved: to nobody, above), and export_apply_acl moves every target of
 * ours, not a foreign one, to a new set: bind first, then unbind.
 */
START_TEST(test_tgt_registered_heads)
{
	struct ssvr_disk d = {.pdskid = 9};
	struct acl_set set = {0};
	char path[PATH_MAX], expect[8192], link[PATH_MAX];

	setup_driver("tgt", "");
	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "initiators"),
			 0);
	write_text(path, "127.0.0.21\n", 0600);
	show("");
	snprintf(d.path, sizeof(d.path), "%s", disk);
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 9, link, sizeof(link)), 0);
	snprintf(expect, sizeof(expect),
		 "-C 3 --lld iscsi --op show --mode target\n"
		 "-C 3 --lld iscsi --op new --mode target --tid 1 "
		 "--targetname iqn.2000-11.test:00000009\n"
		 "-C 3 --lld iscsi --op bind --mode target --tid 1 "
		 "--initiator-address 127.0.0.21\n"
		 "-C 3 --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 "
		 "--backing-store %s --bstype=rdwr\n"
		 "-C 3 --lld iscsi --op update --mode logicalunit --tid 1 "
		 "--lun 1 --params scsi_id=00000009,scsi_sn=00000009\n",
		 link);
	ck_assert_str_eq(read_calls(), expect);
	show("Target 1: iqn.2000-11.test:00000009\n"
	     "    I_T nexus information:\n"
	     "        I_T nexus: 4\n"
	     "            Initiator: iqn.x:kept alias: h1\n"
	     "            Connection: 0\n"
	     "                IP Address: 127.0.0.21\n"
	     "        I_T nexus: 5\n"
	     "            Initiator: iqn.x:dropped alias: h2\n"
	     "            Connection: 1\n"
	     "                IP Address: 127.0.0.5\n"
	     "    ACL information:\n        ALL\n        127.0.0.21\n"
	     "Target 2: iqn.2010-01.foreign:x\n"
	     "    ACL information:\n        ALL\n");
	set.n = 2;
	snprintf(set.addr[0], sizeof(set.addr[0]), "127.0.0.21");
	snprintf(set.addr[1], sizeof(set.addr[1]), "127.0.0.22");
	ck_assert_int_eq(export_apply_acl(&env.cfg, &set), 0);
	ck_assert_str_eq(read_calls(),
			 "-C 3 --lld iscsi --op show --mode target\n"
			 "-C 3 --lld iscsi --op show --mode target\n"
			 "-C 3 --lld iscsi --op bind --mode target --tid 1 "
			 "--initiator-address 127.0.0.22\n"
			 "-C 3 --lld iscsi --op unbind --mode target --tid 1 "
			 "--initiator-address ALL\n"
			 "-C 3 --lld iscsi --op delete --mode conn --tid 1 "
			 "--sid 5 --cid 1\n");
	teardown();
}
END_TEST

/*
 * CHAP on (SECURITY.md "CHAP"): a new target gets its account before any
 * address; one whose secret is not known yet gets no address at all.
 */
START_TEST(test_tgt_chap)
{
	struct ssvr_disk d = {.pdskid = 9};
	char path[PATH_MAX], expect[8192], link[PATH_MAX];

	setup_driver("tgt", "");
	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "initiators"),
			 0);
	write_text(path, "127.0.0.21\n", 0600);
	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "chap"), 0);
	write_text(path, "on\n00000009 vas-00000009 Secret0123456789\n", 0600);
	show("");
	snprintf(d.path, sizeof(d.path), "%s", disk);
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 9, link, sizeof(link)), 0);
	snprintf(expect, sizeof(expect),
		 "-C 3 --lld iscsi --op show --mode target\n"
		 "-C 3 --lld iscsi --op new --mode target --tid 1 "
		 "--targetname iqn.2000-11.test:00000009\n"
		 "-C 3 --lld iscsi --op show --mode target\n"
		 "-C 3 --lld iscsi --mode account --op show\n"
		 "-C 3 --lld iscsi --mode account --op new --user vas-00000009 "
		 "--password Secret0123456789\n"
		 "-C 3 --lld iscsi --mode account --op bind --tid 1 --user "
		 "vas-00000009\n"
		 "-C 3 --lld iscsi --op bind --mode target --tid 1 "
		 "--initiator-address 127.0.0.21\n"
		 "-C 3 --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 "
		 "--backing-store %s --bstype=rdwr\n"
		 "-C 3 --lld iscsi --op update --mode logicalunit --tid 1 "
		 "--lun 1 --params scsi_id=00000009,scsi_sn=00000009\n",
		 link);
	ck_assert_str_eq(read_calls(), expect);
	d.pdskid = 10; /* no secret known for it: nobody may log in */
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 10, link, sizeof(link)), 0);
	snprintf(expect, sizeof(expect),
		 "-C 3 --lld iscsi --op show --mode target\n"
		 "-C 3 --lld iscsi --op new --mode target --tid 1 "
		 "--targetname iqn.2000-11.test:0000000a\n"
		 "-C 3 --lld iscsi --op show --mode target\n"
		 "-C 3 --lld iscsi --op new --mode logicalunit --tid 1 --lun 1 "
		 "--backing-store %s --bstype=rdwr\n"
		 "-C 3 --lld iscsi --op update --mode logicalunit --tid 1 "
		 "--lun 1 --params scsi_id=0000000a,scsi_sn=0000000a\n",
		 link);
	ck_assert_str_eq(read_calls(), expect);
	teardown();
}
END_TEST

START_TEST(test_tgt_acl_and_reconcile)
{
	struct ssvr_disk d = {.pdskid = 8};
	const char *got;

	setup_driver("tgt", "127.0.0.31, 127.0.0.32");
	show("");
	snprintf(d.path, sizeof(d.path), "%s", disk);
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	got = read_calls();
	ck_assert_ptr_nonnull(strstr(got, "--tid 1 --initiator-address "
					  "127.0.0.31\n"));
	ck_assert_ptr_nonnull(strstr(got, "--tid 1 --initiator-address "
					  "127.0.0.32\n"));
	ck_assert_ptr_null(strstr(got, "ALL"));
	/*
	 * pdsk 5 has no record and no manager can be asked: a head may use
	 * it, so it stays (lost state files tear nothing down); the foreign
	 * target is kept. (Removal once the manager says so: test_ssvr_agent.)
	 */
	show("Target 1: iqn.2000-11.test:00000008\n"
	     "Target 2: iqn.2000-11.test:00000005\n"
	     "Target 3: iqn.2000-11.testing:00000006\n");
	ck_assert_int_eq(export_reconcile(&env.cfg), 0);
	got = read_calls();
	ck_assert_ptr_null(strstr(got, "--op delete"));
	ck_assert_ptr_null(strstr(got, "--tid 3"));
	ck_assert_ptr_null(strstr(got, "--tid 1"));
	/* Deactivate removes target, link and record. */
	show("Target 1: iqn.2000-11.test:00000008\n");
	ck_assert_int_eq(export_deactivate(&env.cfg, 8), 0);
	ck_assert_ptr_nonnull(strstr(read_calls(), "--op delete --mode target "
						   "--force --tid 1\n"));
	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 8, &d), -ENOENT);
	teardown();
}
END_TEST

START_TEST(test_tgt_portal)
{
	char path[PATH_MAX];

	setup_driver("tgt", "");
	snprintf(path, sizeof(path), "%.*s/portals", (int)(strlen(calls) - 6),
		 calls);
	conf_set(env.conf, "ssvr_agent", "tgt_portal", "127.0.0.12:3260");
	ck_assert_int_eq(ssvr_cfg_load(env.conf, &env.cfg), 0);
	write_text(path, "Portal: 127.0.0.11:3260,1\n", 0600);
	ck_assert_int_eq(export_reconcile(&env.cfg), 0);
	ck_assert_str_eq(read_calls(),
			 "-C 3 --lld iscsi --op show --mode portal\n"
			 "-C 3 --lld iscsi --op new --mode portal --param "
			 "portal=127.0.0.12:3260\n"
			 "-C 3 --lld iscsi --op show --mode target\n");
	write_text(path, "Portal: 127.0.0.12:3260,1\n", 0600);
	ck_assert_int_eq(export_reconcile(&env.cfg), 0);
	ck_assert_str_eq(read_calls(),
			 "-C 3 --lld iscsi --op show --mode portal\n"
			 "-C 3 --lld iscsi --op show --mode target\n");
	teardown();
}
END_TEST

START_TEST(test_iet_activate)
{
	struct ssvr_disk d = {.pdskid = 0x1c};
	char expect[8192], link[PATH_MAX];

	setup_driver("iet", "");
	show("tid:1 name:iqn.2000-11.test:00000005\n"
	     "\tlun:0 state:0 iotype:blockio path:/dev/sdb\n"
	     "tid:2 name:iqn.x:y\n");
	snprintf(d.path, sizeof(d.path), "%s", disk);
	ck_assert_int_eq(export_activate(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 0x1c, link, sizeof(link)), 0);
	snprintf(expect, sizeof(expect),
		 "--op new --tid=3 --params Name=iqn.2000-11.test:0000001c\n"
		 "--op update --tid=3 --params=%s\n"
		 "--op new --tid=3 --lun=1 --params Path=%s,ScsiId=0000001c,"
		 "ScsiSN=0000001c,Type=blockio\n",
		 env.cfg.ietadm_params_tid, link);
	ck_assert_str_eq(read_calls(), expect);
	teardown();
}
END_TEST

START_TEST(test_activate_missing_device)
{
	struct ssvr_disk d = {.pdskid = 9, .path = "/nonexistent/disk"};

	setup_driver("tgt", "");
	ck_assert_int_eq(export_activate(&env.cfg, &d), -ENODEV);
	ck_assert_str_eq(read_calls(), "");
	teardown();
}
END_TEST

Suite *ssvr_target_suite(void)
{
	Suite *s = suite_create("ssvr_target");
	TCase *tc = tcase_create("target");

	tcase_add_test(tc, test_tgt_activate);
	tcase_add_test(tc, test_tgt_acl_and_reconcile);
	tcase_add_test(tc, test_tgt_registered_heads);
	tcase_add_test(tc, test_tgt_chap);
	tcase_add_test(tc, test_tgt_portal);
	tcase_add_test(tc, test_iet_activate);
	tcase_add_test(tc, test_activate_missing_device);
	suite_add_tcase(s, tc);
	return s;
}
