/* Unit tests: shredder jobs, idempotency, persistence and resume. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ssvr_test.h"
#include "vas/event_table.h"
#include "vas/proto.h"

static struct ssvr_env env;
static struct event_table *events;
static char disk[PATH_MAX - 16];

static void make_disk(void)
{
	struct ssvr_disk d = {.pdskid = 4};
	int fd;

	snprintf(disk, sizeof(disk), "%.*s/disk", PATH_MAX - 32, env.dir);
	fd = open(disk, O_RDWR | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 2 * SSVR_VB_BYTES), 0);
	ck_assert_int_eq(pwrite(fd, "\xab", 1, SSVR_VB_BYTES - 1), 1);
	ck_assert_int_eq(pwrite(fd, "\xab", 1, SSVR_VB_BYTES), 1);
	ck_assert_int_eq(pwrite(fd, "\xab", 1, 2 * SSVR_VB_BYTES - 1), 1);
	close(fd);
	snprintf(d.path, sizeof(d.path), "%s", disk);
	ck_assert_int_eq(ssvr_disk_save(&env.cfg, &d), 0);
	ck_assert_int_eq(ssvr_path(d.path, sizeof(d.path), &env.cfg, "pdsk"),
			 0);
	ck_assert_int_eq(ssvr_mkdir_p(d.path), 0);
	ck_assert_int_eq(ssvr_disk_link(&env.cfg, 4, d.path, sizeof(d.path)),
			 0);
	ck_assert_int_eq(symlink(disk, d.path), 0);
}

static void setup_with(const char *method)
{
	const char *extra[] = {"ssvr_agent", "shred_method", method, NULL};

	ssvr_env_init(&env, extra);
	ck_assert_int_eq(event_table_new(&events), 0);
	make_disk();
}

static void setup(void)
{
	setup_with("auto");
}

static void setup_write(void)
{
	setup_with("write");
}

static void teardown(void)
{
	event_table_free(events);
	ssvr_env_fini(&env);
}

static int byte_at(uint64_t off)
{
	unsigned char b = 0x77;
	int fd = open(disk, O_RDONLY);

	ck_assert_int_eq(pread(fd, &b, 1, (off_t)off), 1);
	close(fd);
	return b;
}

/* Polls the event until it leaves PROGRESS (bounded). */
static int wait_status(int64_t id)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int status = EV_PROGRESS, result, i;

	for (i = 0; i < 3000 && status == EV_PROGRESS; i++) {
		event_table_read(events, id, &status, &result);
		if (status == EV_PROGRESS)
			nanosleep(&ts, NULL);
	}
	return status;
}

START_TEST(test_shred_one_extent)
{
	struct shred_req r = ssvr_req(5, 9, 4, 1, 1);
	struct shredder *s;
	int status, result;

	ck_assert_int_eq(shredder_new(&env.cfg, events, &s), 0);
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	ck_assert_int_eq(wait_status(5), EV_DONE);
	event_table_read(events, 5, &status, &result);
	ck_assert_int_eq(status, EV_NONE);
	ck_assert_int_eq(byte_at(SSVR_VB_BYTES - 1), 0xab);
	ck_assert_int_eq(byte_at(SSVR_VB_BYTES), 0);
	ck_assert_int_eq(byte_at(2 * SSVR_VB_BYTES - 1), 0);
	shredder_free(s);
}
END_TEST

START_TEST(test_shred_resend_after_done)
{
	struct shred_req r = ssvr_req(6, 9, 4, 0, 1);
	struct shredder *s;
	int i;

	ck_assert_int_eq(shredder_new(&env.cfg, events, &s), 0);
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	for (i = 0; i < 3000 && shredder_busy(s, 4, 0, 512); i++)
		usleep(10000);
	ck_assert(!shredder_busy(s, 4, 0, 512));
	/* Finished, not read: a re-send is a no-op, a new job replaces. */
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	ck_assert(!shredder_busy(s, 4, 0, 512));
	ck_assert_int_eq(event_table_count(events), 1);
	r.offset_vb = 1;
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	ck_assert_int_eq(wait_status(6), EV_DONE);
	ck_assert_int_eq(byte_at(SSVR_VB_BYTES), 0);
	shredder_free(s);
}
END_TEST

START_TEST(test_shred_unknown_disk_fails)
{
	struct shred_req r = ssvr_req(8, 1, 99, 0, 1);
	struct shredder *s;

	ck_assert_int_eq(shredder_new(&env.cfg, events, &s), 0);
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	/* A failed shred is deleted: the manager reads NONE and retries. */
	ck_assert_int_eq(wait_status(8), EV_NONE);
	shredder_free(s);
}
END_TEST

START_TEST(test_shred_busy_and_persisted)
{
	struct shred_req r = ssvr_req(0x11, 2, 4, 0, 2);
	struct shred_req other = r;
	char path[PATH_MAX], buf[128];
	struct shredder *s;
	int status, result;

	ck_assert_int_eq(shredder_new(&env.cfg, events, &s), 0);
	ck_assert_int_eq(shredder_submit(s, &r), 0);
	ck_assert(shredder_busy(s, 4, SSVR_VB_BYTES, 4096));
	ck_assert(!shredder_busy(s, 5, 0, 4096));
	ck_assert(!shredder_busy(s, 4, 2 * SSVR_VB_BYTES, 4096));
	other.capacity_vb = 1;
	ck_assert_int_eq(shredder_submit(s, &other), -EBUSY);
	/* Stop mid-way: the job stays on disk for the next run. */
	shredder_free(s);
	ck_assert_int_eq(
	    ssvr_path(path, sizeof(path), &env.cfg, "shred/00000011"), 0);
	ck_assert_int_eq(ssvr_read_file(path, buf, sizeof(buf)), 0);
	ck_assert_int_eq(strncmp(buf, "17 2 4 0 2 ", 11), 0);
	event_table_free(events);
	ck_assert_int_eq(event_table_new(&events), 0);
	ck_assert_int_eq(shredder_new(&env.cfg, events, &s), 0);
	ck_assert_int_eq(shredder_resume(s), 0);
	event_table_read(events, 0x11, &status, &result);
	ck_assert_int_eq(status, EV_PROGRESS);
	shredder_free(s);
}
END_TEST

START_TEST(test_shred_resume_record)
{
	char path[PATH_MAX];
	const char *rec = "12 3 4 1 1 0\n";
	struct shredder *s;

	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "shred"), 0);
	ck_assert_int_eq(ssvr_mkdir_p(path), 0);
	ck_assert_int_eq(
	    ssvr_path(path, sizeof(path), &env.cfg, "shred/0000000c"), 0);
	ck_assert_int_eq(ssvr_write_atomic(path, rec, strlen(rec)), 0);
	ck_assert_int_eq(ssvr_path(path, sizeof(path), &env.cfg, "shred/bad"),
			 0);
	ck_assert_int_eq(ssvr_write_atomic(path, "x\n", 2), 0);
	ck_assert_int_eq(shredder_new(&env.cfg, events, &s), 0);
	ck_assert_int_eq(shredder_resume(s), 0);
	ck_assert_int_eq(wait_status(12), EV_DONE);
	ck_assert_int_eq(byte_at(SSVR_VB_BYTES), 0);
	ck_assert_int_eq(byte_at(SSVR_VB_BYTES - 1), 0xab);
	ck_assert_int_ne(access(path, F_OK), 0);
	shredder_free(s);
}
END_TEST

Suite *ssvr_shred_suite(void)
{
	Suite *s = suite_create("ssvr_shred");
	TCase *tc = tcase_create("auto");
	TCase *tw = tcase_create("write");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_shred_one_extent);
	tcase_add_test(tc, test_shred_resend_after_done);
	tcase_add_test(tc, test_shred_unknown_disk_fails);
	tcase_add_test(tc, test_shred_resume_record);
	suite_add_tcase(s, tc);
	tcase_set_timeout(tw, 60);
	tcase_add_checked_fixture(tw, setup_write, teardown);
	tcase_add_test(tw, test_shred_busy_and_persisted);
	suite_add_tcase(s, tw);
	return s;
}
