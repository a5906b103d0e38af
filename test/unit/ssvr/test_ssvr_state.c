/* Unit tests: storage-server state files, device lists, config, IQNs. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssvr_devlist.h"
#include "ssvr_test.h"

static struct ssvr_env env;

static void setup(void)
{
	ssvr_env_init(&env, NULL);
}

static void teardown(void)
{
	ssvr_env_fini(&env);
}

START_TEST(test_atomic_write_mode)
{
	char path[PATH_MAX], buf[64];
	struct stat st;

	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "f"), 0);
	umask(0);
	ck_assert_int_eq(ssvr_write_atomic(path, "abc\n", 4), 0);
	umask(022);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(ssvr_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "abc\n");
	ck_assert_int_eq(ssvr_write_atomic(path, "x", 1), 0);
	ck_assert_int_eq(ssvr_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "x");
	strcat(path, ".tmp");
	ck_assert_int_ne(access(path, F_OK), 0);
}
END_TEST

START_TEST(test_disk_records)
{
	struct ssvr_disk d = {.pdskid = 0x2a, .path = "/dev/sdq"}, got, *all;
	int n;

	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 0x2a, &got), -ENOENT);
	ck_assert_int_eq(ssvr_disk_save(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 0x2a, &got), 0);
	ck_assert_str_eq(got.path, "/dev/sdq");
	ck_assert_uint_eq(got.pdskid, 0x2a);
	d.pdskid = 7;
	snprintf(d.path, sizeof(d.path), "/dev/disk/by-id/x y");
	ck_assert_int_eq(ssvr_disk_save(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_disk_list(&env.cfg, &all, &n), 0);
	ck_assert_int_eq(n, 2);
	free(all);
	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 7, &got), 0);
	ck_assert_str_eq(got.path, "/dev/disk/by-id/x y");
	snprintf(d.path, sizeof(d.path), "relative");
	ck_assert_int_eq(ssvr_disk_save(&env.cfg, &d), -EINVAL);
	snprintf(d.path, sizeof(d.path), "/a\nb");
	ck_assert_int_eq(ssvr_disk_save(&env.cfg, &d), -EINVAL);
	ck_assert_int_eq(ssvr_disk_remove(&env.cfg, 7), 0);
	ck_assert_int_eq(ssvr_disk_remove(&env.cfg, 7), 0);
	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 7, &got), -ENOENT);
}
END_TEST

START_TEST(test_disk_record_malformed)
{
	char path[PATH_MAX];
	struct ssvr_disk got;

	ck_assert_int_eq(
	    ssvr_path(path, sizeof(path), &env.cfg, "pdsk-00000003"), 0);
	/* Record naming another id, then one without a path. */
	ck_assert_int_eq(ssvr_write_atomic(path, "00000004 /dev/x\n", 16), 0);
	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 3, &got), -EINVAL);
	ck_assert_int_eq(ssvr_write_atomic(path, "00000003 \n", 10), 0);
	ck_assert_int_eq(ssvr_disk_load(&env.cfg, 3, &got), -EINVAL);
}
END_TEST

START_TEST(test_register_list)
{
	const char *text = "# comment\n\n  pdsk , /dev/sda  \npdsk,/dev/sdb\n"
			   "other,/dev/sdc\nbroken line\npdsk,relative\n"
			   "pdsk,/dev/sda\n\npdsk,/dev/sdd\n";
	char path[PATH_MAX];
	struct devlist l;

	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "reg"), 0);
	ck_assert_int_eq(devlist_read(path, false, &l), -ENOENT);
	ck_assert_int_eq(ssvr_write_atomic(path, text, strlen(text)), 0);
	ck_assert_int_eq(devlist_read(path, false, &l), 0);
	/* Blank lines do not end the list; duplicates and junk skipped. */
	ck_assert_int_eq(l.n, 3);
	ck_assert_str_eq(l.ent[0].path, "/dev/sda");
	ck_assert_str_eq(l.ent[1].path, "/dev/sdb");
	ck_assert_str_eq(l.ent[2].path, "/dev/sdd");
	ck_assert_int_eq(devlist_find(&l, "/dev/sdd"), 2);
	ck_assert_int_eq(devlist_find(&l, "/dev/sdc"), -1);
	devlist_free(&l);
}
END_TEST

START_TEST(test_device_list_roundtrip)
{
	const char *text = "pdsk-0000000a,/dev/sda\npdsk-zz,/dev/sdb\n"
			   "pdsk,/dev/sdc\npdsk-0000000b,/dev/sdd\n";
	char path[PATH_MAX], buf[256];
	struct devlist l;

	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "dl"), 0);
	ck_assert_int_eq(ssvr_write_atomic(path, text, strlen(text)), 0);
	ck_assert_int_eq(devlist_read(path, true, &l), 0);
	ck_assert_int_eq(l.n, 2);
	ck_assert_uint_eq(l.ent[0].pdskid, 10);
	ck_assert_uint_eq(l.ent[1].pdskid, 11);
	ck_assert_int_eq(devlist_set(&l, 12, "/dev/sde"), 0);
	ck_assert_int_eq(devlist_set(&l, 13, "/dev/sda"), 0);
	devlist_remove(&l, 1);
	ck_assert_int_eq(devlist_write(path, &l), 0);
	devlist_free(&l);
	ck_assert_int_eq(ssvr_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf,
			 "pdsk-0000000d,/dev/sda\npdsk-0000000c,/dev/sde\n");
}
END_TEST

START_TEST(test_ssvrid_file)
{
	char path[PATH_MAX], buf[32];
	int32_t id = 0;

	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "ssvrid"), 0);
	ck_assert_int_eq(ssvrid_read(path, &id), -ENOENT);
	ck_assert_int_eq(ssvrid_write(path, 0x1f), 0);
	ck_assert_int_eq(ssvr_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "ssvr-0000001f\n");
	ck_assert_int_eq(ssvrid_read(path, &id), 0);
	ck_assert_int_eq(id, 0x1f);
	ck_assert_int_eq(ssvr_write_atomic(path, "ssvr-1f\n", 8), 0);
	ck_assert_int_eq(ssvrid_read(path, &id), -EINVAL);
}
END_TEST

START_TEST(test_iqn)
{
	char iqn[256];
	uint32_t id = 0;

	export_iqn(&env.cfg, 0xbeef, iqn, sizeof(iqn));
	ck_assert_str_eq(iqn, "iqn.2000-11.test:0000beef");
	ck_assert(export_parse_iqn(&env.cfg, iqn, &id));
	ck_assert_uint_eq(id, 0xbeef);
	ck_assert(
	    !export_parse_iqn(&env.cfg, "iqn.2000-11.other:0000beef", &id));
	ck_assert(!export_parse_iqn(&env.cfg, "iqn.2000-11.test:beef", &id));
	ck_assert(
	    !export_parse_iqn(&env.cfg, "iqn.2000-11.test:0000BEEF", &id));
	ck_assert(
	    !export_parse_iqn(&env.cfg, "iqn.2000-11.tester:0000beef", &id));
}
END_TEST

START_TEST(test_config)
{
	struct vas_conf *conf;
	struct ssvr_cfg cfg;

	ck_assert_int_eq(conf_new_empty(&conf), 0);
	ck_assert_int_eq(ssvr_cfg_load(conf, &cfg), 0);
	ck_assert_int_eq(cfg.port, 8883);
	ck_assert_int_eq(cfg.shredder_count, 20);
	ck_assert_int_eq(cfg.export_check_s, 30);
	ck_assert_int_eq(cfg.patrol_stripe_mib, 16);
	ck_assert_str_eq(cfg.state_dir, "/var/lib/vas");
	ck_assert_str_eq(cfg.register_device_list,
			 "/var/lib/vas/register_device_list");
	ck_assert_int_eq(cfg.target_type, SSVR_TARGET_TGT);
	ck_assert_int_eq(cfg.n_initiators, 0);
	conf_set(conf, "ssvr_agent", "initiator_address",
		 " 127.0.0.31 ,127.0.0.32");
	conf_set(conf, "ssvr_agent", "ip_data", "127.0.0.11");
	conf_set(conf, "ssvr_agent", "target_type", "IET");
	ck_assert_int_eq(ssvr_cfg_load(conf, &cfg), 0);
	ck_assert_int_eq(cfg.n_initiators, 2);
	ck_assert_str_eq(cfg.initiators[1], "127.0.0.32");
	ck_assert_int_eq(cfg.n_ip_data, 1);
	ck_assert_int_eq(cfg.target_type, SSVR_TARGET_IET);
	conf_set(conf, "ssvr_agent", "ip_data", "host-data1");
	ck_assert_int_eq(ssvr_cfg_load(conf, &cfg), -EINVAL);
	conf_set(conf, "ssvr_agent", "ip_data", "");
	conf_set(conf, "iscsi", "iqn_prefix", "a b;rm");
	ck_assert_int_eq(ssvr_cfg_load(conf, &cfg), -EINVAL);
	conf_set(conf, "iscsi", "iqn_prefix", "2000-11.x");
	conf_set(conf, "ssvr_agent", "target_type", "lio");
	ck_assert_int_eq(ssvr_cfg_load(conf, &cfg), -EINVAL);
	conf_set(conf, "ssvr_agent", "target_type", "tgt");
	conf_set(conf, "storage_manager", "shredder_count", "0");
	ck_assert_int_eq(ssvr_cfg_load(conf, &cfg), -EINVAL);
	conf_free(conf);
}
END_TEST

Suite *ssvr_state_suite(void)
{
	Suite *s = suite_create("ssvr_state");
	TCase *tc = tcase_create("state");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_atomic_write_mode);
	tcase_add_test(tc, test_disk_records);
	tcase_add_test(tc, test_disk_record_malformed);
	tcase_add_test(tc, test_register_list);
	tcase_add_test(tc, test_device_list_roundtrip);
	tcase_add_test(tc, test_ssvrid_file);
	tcase_add_test(tc, test_iqn);
	tcase_add_test(tc, test_config);
	suite_add_tcase(s, tc);
	return s;
}
