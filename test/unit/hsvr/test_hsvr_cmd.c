/* Unit tests of the pure command-line, dm-table and name builders. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hsvr_cmd.h"
#include "check_run.h"

static const char *joined(const struct cmdline *c)
{
	static char buf[4096];

	ck_assert_int_eq(c->overflow, 0);
	ck_assert_int_eq(cmd_join(c->argv, buf, sizeof(buf)), 0);
	return buf;
}

START_TEST(iscsi_commands)
{
	struct cmdline c;

	cmd_iscsi_new(&c, "iqn.2010-01.example:00000006", "10.0.0.3:3260");
	ck_assert_str_eq(joined(&c), "iscsiadm -m node -o new -T "
				     "iqn.2010-01.example:00000006 -p "
				     "10.0.0.3:3260");
	ck_assert_int_eq(c.argc, 9);
	cmd_iscsi_login(&c, "iqn.x:1");
	ck_assert_str_eq(joined(&c), "iscsiadm -m node -T iqn.x:1 --login");
	cmd_iscsi_logout(&c, "iqn.x:1");
	ck_assert_str_eq(joined(&c), "iscsiadm -m node -T iqn.x:1 --logout");
	cmd_iscsi_delete(&c, "iqn.x:1");
	ck_assert_str_eq(joined(&c), "iscsiadm -m node -T iqn.x:1 -o delete");
	cmd_scsi_id(&c, "/dev/sdb");
	ck_assert_str_eq(joined(&c), "scsi_id -g -u -d /dev/sdb");
	cmd_multipath_flush(&c, "mpatha");
	ck_assert_str_eq(joined(&c), "multipath -f mpatha");
	cmd_dm_name_by_uuid(&c, "mpath-3600");
	ck_assert_str_eq(joined(&c),
			 "dmsetup info --noheadings -c -o name -u mpath-3600");
	/* CHAP: the argv carries the secret, the joined line (logs) not. */
	cmd_iscsi_update(&c, "iqn.x:1", "10.0.0.3:3260",
			 "node.session.auth.password", "Secret0123456789");
	ck_assert_str_eq(c.argv[12], "Secret0123456789");
	ck_assert_int_eq(cmd_secret_arg(c.argv, 12), 1);
	ck_assert_str_eq(joined(&c), "iscsiadm -m node -o update -T iqn.x:1 "
				     "-p 10.0.0.3:3260 -n "
				     "node.session.auth.password -v ***");
	cmd_iscsi_update(&c, "iqn.x:1", "10.0.0.3:3260",
			 "node.session.auth.username", "vas-00000001");
	ck_assert_str_eq(joined(&c),
			 "iscsiadm -m node -o update -T iqn.x:1 "
			 "-p 10.0.0.3:3260 -n "
			 "node.session.auth.username -v vas-00000001");
}
END_TEST

START_TEST(md_commands)
{
	const char *m[] = {"/dev/mapper/00000001-00000014",
			   "/dev/mapper/00000002-00000015"};
	struct cmdline c;

	cmd_md_create(&c, "/dev/md/00000013", m, 2, 3);
	ck_assert_str_eq(
	    joined(&c),
	    "mdadm --create /dev/md/00000013 --auto=md --bitmap=internal "
	    "--metadata=0 --run --bitmap-chunk=65536 --delay=5 --level=1 "
	    "--assume-clean --raid-devices=3 "
	    "/dev/mapper/00000001-00000014 /dev/mapper/00000002-00000015");
	cmd_md_assemble(&c, "/dev/md/00000013", m, 1);
	ck_assert_str_eq(joined(&c),
			 "mdadm --assemble /dev/md/00000013 --run --auto=md "
			 "--metadata=0 /dev/mapper/00000001-00000014");
	cmd_md_stop(&c, "/dev/md/00000013");
	ck_assert_str_eq(joined(&c), "mdadm -S /dev/md/00000013");
	cmd_md_manage(&c, "/dev/md/1", "--add", "/dev/mapper/x");
	ck_assert_str_eq(joined(&c), "mdadm --manage /dev/md/1 --add "
				     "/dev/mapper/x");
}
END_TEST

START_TEST(dm_commands)
{
	struct cmdline c;

	cmd_dm_create(&c, "snapshot-00000021", "/s/t", 1);
	ck_assert_str_eq(joined(&c),
			 "dmsetup create --readonly snapshot-00000021 /s/t");
	cmd_dm_create(&c, "linear-00000012", "/s/t", 0);
	ck_assert_str_eq(joined(&c), "dmsetup create linear-00000012 /s/t");
	cmd_dm_remove(&c, "linear-00000012");
	ck_assert_str_eq(joined(&c), "dmsetup remove linear-00000012");
	cmd_dm_open_count(&c, "x");
	ck_assert_str_eq(joined(&c), "dmsetup info --noheadings -c -o open x");
	cmd_blockdev_size(&c, "/dev/md/1");
	ck_assert_str_eq(joined(&c), "blockdev --getsz /dev/md/1");
}
END_TEST

START_TEST(overflow_is_reported)
{
	char big[5000];
	struct cmdline c;
	int i;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cmd_init(&c, "dmsetup");
	cmd_add(&c, "%s", big);
	ck_assert_int_eq(c.overflow, 1);
	cmd_init(&c, "x");
	for (i = 0; i < CMD_MAX_ARGS + 5; i++)
		cmd_add(&c, "y");
	ck_assert_int_eq(c.overflow, 1);
	ck_assert_int_eq(c.argc, CMD_MAX_ARGS);
	ck_assert_ptr_null(c.argv[c.argc]);
}
END_TEST

START_TEST(tables)
{
	const char *mirrors[] = {"/dev/md/a", "/dev/md/b", "/dev/md/c"};
	int64_t sizes[3];
	char buf[1024];

	ck_assert_int_eq(table_dext(buf, sizeof(buf), 10, "/dev/mapper/mp", 20),
			 0);
	ck_assert_str_eq(buf, "0 20992000 linear /dev/mapper/mp 41984000\n");
	/* hsvr.md 7.4: 30 GiB over three 10-vb mirrors (0.90 metadata). */
	ck_assert_int_eq(md090_size_sectors(20992000), 20991872);
	sizes[0] = sizes[1] = sizes[2] = md090_size_sectors(20992000);
	ck_assert_int_eq(table_linear(buf, sizeof(buf), 30, mirrors, sizes, 3),
			 0);
	ck_assert_str_eq(buf, "0 20991872 linear /dev/md/a 0\n"
			      "20991872 20991872 linear /dev/md/b 0\n"
			      "41983744 20930816 linear /dev/md/c 0\n");
	/* Too small for the capacity. */
	ck_assert_int_eq(table_linear(buf, sizeof(buf), 31, mirrors, sizes, 3),
			 -EINVAL);
	/* Truncation is an error, not a short table. */
	ck_assert_int_eq(table_linear(buf, 20, 30, mirrors, sizes, 3),
			 -ENAMETOOLONG);
	ck_assert_int_eq(table_origin(buf, sizeof(buf), 20, "/dev/mapper/l"),
			 0);
	ck_assert_str_eq(buf, "0 41943040 snapshot-origin /dev/mapper/l\n");
	ck_assert_int_eq(table_snapshot(buf, sizeof(buf), 41943040, "253:3",
					"/dev/mapper/cow"),
			 0);
	ck_assert_str_eq(buf,
			 "0 41943040 snapshot 253:3 /dev/mapper/cow P 32\n");
}
END_TEST

START_TEST(names)
{
	char buf[128];

	ck_assert_int_eq(name_dext(buf, sizeof(buf), 1, 0x14), 0);
	ck_assert_str_eq(buf, "00000001-00000014");
	ck_assert_int_eq(name_linear(buf, sizeof(buf), 0x12), 0);
	ck_assert_str_eq(buf, "linear-00000012");
	ck_assert_int_eq(name_origin(buf, sizeof(buf), 0x11), 0);
	ck_assert_str_eq(buf, "snapshot-origin-00000011");
	ck_assert_int_eq(name_snapshot(buf, sizeof(buf), 0x7fffffff), 0);
	ck_assert_str_eq(buf, "snapshot-7fffffff");
	ck_assert_int_eq(path_mirror(buf, sizeof(buf), "/dev/md", 0x13), 0);
	ck_assert_str_eq(buf, "/dev/md/vas-00000013");
	ck_assert_int_eq(path_mapper(buf, sizeof(buf), "", "x"), 0);
	ck_assert_str_eq(buf, "/dev/mapper/x");
	ck_assert_int_eq(name_linear(buf, 8, 1), -ENAMETOOLONG);
	/* And back: a leg's map name (sysfs adds a line end). */
	ck_assert_int_eq(dext_of_name("00000001-00000014"), 0x14);
	ck_assert_int_eq(dext_of_name("00000001-7fffffff\n"), 0x7fffffff);
	ck_assert_int_eq(dext_of_name("00000001-0000001"), 0);
	ck_assert_int_eq(dext_of_name("00000001-00000014x"), 0);
	ck_assert_int_eq(dext_of_name("0000000A-00000014"), 0);
	ck_assert_int_eq(dext_of_name("linear-00000012"), 0);
	ck_assert_int_eq(dext_of_name("mpath-0000000100000014"), 0);
}
END_TEST

START_TEST(iscsi_paths)
{
	char portal[64], iqn[224];

	ck_assert_int_eq(
	    iscsi_path_parse("/dev/disk/by-path/ip-10.100.10.3:3260-iscsi-"
			     "iqn.2000-11.jp.co.valinux:00000006-lun-1",
			     portal, sizeof(portal), iqn, sizeof(iqn)),
	    0);
	ck_assert_str_eq(portal, "10.100.10.3:3260");
	ck_assert_str_eq(iqn, "iqn.2000-11.jp.co.valinux:00000006");
	/* hostile or malformed */
	ck_assert_int_eq(iscsi_path_parse("/dev/sda", portal, sizeof(portal),
					  iqn, sizeof(iqn)),
			 -EINVAL);
	ck_assert_int_eq(
	    iscsi_path_parse("/dev/disk/by-path/ip-1.2.3.4:3260-iscsi-"
			     "iqn.x:../../etc-lun-1",
			     portal, sizeof(portal), iqn, sizeof(iqn)),
	    -EINVAL);
	ck_assert_int_eq(
	    iscsi_path_parse("/tmp/dev/disk/by-path/ip-1.2.3.4:3260-iscsi-"
			     "iqn.x:1-lun-1",
			     portal, sizeof(portal), iqn, sizeof(iqn)),
	    -EINVAL);
	ck_assert_int_eq(iscsi_path_parse("/dev/disk/by-path/ip-1.2.3.4-iscsi-"
					  "iqn.x:1-lun-1",
					  portal, sizeof(portal), iqn,
					  sizeof(iqn)),
			 -EINVAL);
	ck_assert_int_eq(
	    iscsi_path_parse("/dev/disk/by-path/ip-1.2.3.4:3260-iscsi-"
			     "eui.x:1-lun-1",
			     portal, sizeof(portal), iqn, sizeof(iqn)),
	    -EINVAL);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    iscsi_commands, md_commands, dm_commands, overflow_is_reported,
	    tables,	    names,	 iscsi_paths, NULL,
	};

	return check_run("hsvr_cmd", tests, NULL, NULL);
}
