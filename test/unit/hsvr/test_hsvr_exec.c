/* Unit tests of the exec layer: recording, tool paths, the simulated back end.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hx.h"
#include "vas/exec.h"
#include "vas/log.h"
#include "check_run.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/hsvr-exec-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	log_set_level(LOG_LVL_ERR);
}

static void teardown(void)
{
	const char *argv[] = {"rm", "-rf", dir, NULL};
	struct exec_result res;

	if (!vas_exec(argv, 10000, NULL, &res))
		exec_result_free(&res);
}

static struct vas_conf *conf_for(const char *backend)
{
	struct vas_conf *c;
	char rec[128];

	snprintf(rec, sizeof(rec), "%s/rec.jsonl", dir);
	ck_assert_int_eq(conf_new_empty(&c), 0);
	ck_assert_int_eq(conf_set(c, "hsvr_agent", "device_backend", backend),
			 0);
	ck_assert_int_eq(conf_set(c, "hsvr_agent", "record_file", rec), 0);
	return c;
}

START_TEST(kernel_tool_paths_and_recording)
{
	struct vas_conf *c = conf_for("kernel");
	struct cmdline cmd;
	struct hx *hx;
	char *out = NULL, *rec = NULL, path[128];

	ck_assert_int_eq(conf_set(c, "hsvr_agent", "dmsetup", "/bin/echo"), 0);
	ck_assert_int_eq(conf_set(c, "hsvr_agent", "mdadm", "/bin/false"), 0);
	ck_assert_int_eq(hx_new(c, dir, &hx), 0);
	ck_assert_str_eq(hx->root, "");
	cmd_dm_remove(&cmd, "linear-\"1\"");
	ck_assert_int_eq(hx_run(hx, &cmd, &out), 0);
	ck_assert_str_eq(out, "remove linear-\"1\"");
	free(out);
	cmd_md_stop(&cmd, "/dev/md/1");
	ck_assert_int_eq(hx_run(hx, &cmd, &out), -EIO);
	ck_assert_ptr_null(out);
	snprintf(path, sizeof(path), "%s/rec.jsonl", dir);
	ck_assert_int_eq(hx_read_file(path, &rec), 0);
	ck_assert_str_eq(rec,
			 "[\"dmsetup\", \"remove\", \"linear-\\\"1\\\"\"]\n"
			 "[\"mdadm\", \"-S\", \"/dev/md/1\"]\n");
	free(rec);
	hx_free(hx);
	conf_free(c);
}
END_TEST

START_TEST(unknown_backend)
{
	struct vas_conf *c = conf_for("lvm");
	struct hx *hx = NULL;

	ck_assert_int_eq(hx_new(c, dir, &hx), -EINVAL);
	conf_free(c);
}
END_TEST

static int run_table(struct hx *hx, const char *name, const char *table)
{
	char file[256];
	struct cmdline cmd;

	snprintf(file, sizeof(file), "%s/%s.table", dir, name);
	ck_assert_int_eq(hx_write_file(file, table), 0);
	cmd_dm_create(&cmd, name, file, 0);
	return hx_run(hx, &cmd, NULL);
}

START_TEST(simulated_dm_state)
{
	struct vas_conf *c = conf_for("simulated");
	char table[10000], dev[4200], *out = NULL;
	struct cmdline cmd;
	struct hx *hx;

	ck_assert_int_eq(
	    conf_set(c, "hsvr_agent", "sim_fail_command", "remove keep"), 0);
	ck_assert_int_eq(hx_new(c, dir, &hx), 0);
	ck_assert_ptr_nonnull(strstr(hx->root, "/sim"));
	/* a table naming a device that does not exist is refused */
	snprintf(table, sizeof(table), "0 100 linear %s/dev/mapper/none 0\n",
		 hx->root);
	ck_assert_int_eq(run_table(hx, "a", table), -EIO);
	/* a zero target device: "error"-like table without devices */
	ck_assert_int_eq(run_table(hx, "base", "0 2048 zero\n"), 0);
	snprintf(dev, sizeof(dev), "%s/dev/mapper/base", hx->root);
	ck_assert_int_eq(access(dev, F_OK), 0);
	snprintf(table, sizeof(table),
		 "0 1024 linear %s 0\n1024 1024 linear "
		 "%s 1024\n",
		 dev, dev);
	ck_assert_int_eq(run_table(hx, "top", table), 0);
	ck_assert_int_eq(run_table(hx, "top", table), -EIO); /* exists */
	cmd_dm_table(&cmd, "top");
	ck_assert_int_eq(hx_run(hx, &cmd, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "1024 1024 linear"));
	free(out);
	cmd_blockdev_size(&cmd, dev);
	ck_assert_int_eq(hx_run(hx, &cmd, &out), 0);
	ck_assert_str_eq(out, "2048");
	free(out);
	/* held by "top": cannot be removed before it */
	cmd_dm_remove(&cmd, "base");
	ck_assert_int_eq(hx_run(hx, &cmd, NULL), -EIO);
	cmd_dm_remove(&cmd, "top");
	ck_assert_int_eq(hx_run(hx, &cmd, NULL), 0);
	cmd_dm_remove(&cmd, "base");
	ck_assert_int_eq(hx_run(hx, &cmd, NULL), 0);
	ck_assert_int_ne(access(dev, F_OK), 0);
	/* injected failure */
	ck_assert_int_eq(run_table(hx, "keep", "0 8 zero\n"), 0);
	cmd_dm_remove(&cmd, "keep");
	ck_assert_int_eq(hx_run(hx, &cmd, NULL), -EIO);
	/* mdstat is generated even without arrays */
	ck_assert_int_eq(hx_mdstat(hx, &out), 0);
	ck_assert_ptr_nonnull(strstr(out, "Personalities"));
	free(out);
	hx_free(hx);
	conf_free(c);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    kernel_tool_paths_and_recording,
	    unknown_backend,
	    simulated_dm_state,
	    NULL,
	};

	return check_run("hsvr_exec", tests, setup, teardown);
}
