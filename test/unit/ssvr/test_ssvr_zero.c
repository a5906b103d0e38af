/* Unit tests: zero-fill of byte ranges and disk sizing. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ssvr_test.h"

#define MIB (1024 * 1024)

static struct ssvr_env env;

static void setup(void)
{
	ssvr_env_init(&env, NULL);
}

static void teardown(void)
{
	ssvr_env_fini(&env);
}

/* Every byte of [off, off+len) of path equals byte. */
static int all_bytes(const char *path, off_t off, size_t len, int byte)
{
	unsigned char *buf = malloc(len);
	int fd = open(path, O_RDONLY), ok = 1;
	size_t i;

	ck_assert_ptr_nonnull(buf);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
	for (i = 0; i < len && ok; i++)
		ok = buf[i] == byte;
	close(fd);
	free(buf);
	return ok;
}

static void zero_and_check(enum zero_method m)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	ssvr_env_file(&env, "disk", 8 * MIB, 0xab, path, sizeof(path));
	fd = open(path, O_WRONLY | O_DIRECT);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(zero_range(fd, 2 * MIB, 3 * MIB, m, NULL), 0);
	ck_assert_int_eq(zero_range(fd, 7 * MIB, 0, m, NULL), 0);
	close(fd);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 8 * MIB);
	ck_assert(all_bytes(path, 0, 2 * MIB, 0xab));
	ck_assert(all_bytes(path, 2 * MIB, 3 * MIB, 0));
	ck_assert(all_bytes(path, 5 * MIB, 3 * MIB, 0xab));
}

START_TEST(test_zero_auto)
{
	zero_and_check(ZERO_AUTO);
}
END_TEST

START_TEST(test_zero_write)
{
	zero_and_check(ZERO_WRITE);
}
END_TEST

START_TEST(test_zero_stop)
{
	atomic_bool stop = true;
	char path[PATH_MAX];
	int fd;

	ssvr_env_file(&env, "disk", 4 * MIB, 0x5c, path, sizeof(path));
	fd = open(path, O_WRONLY | O_DIRECT);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(zero_range(fd, 0, 4 * MIB, ZERO_WRITE, &stop), -EINTR);
	close(fd);
	ck_assert(all_bytes(path, 0, 4 * MIB, 0x5c));
}
END_TEST

START_TEST(test_size)
{
	char path[PATH_MAX];
	uint64_t bytes = 0;

	ssvr_env_file(&env, "disk", 3 * MIB + 512, 0, path, sizeof(path));
	ck_assert_int_eq(zero_size_path(path, &bytes), 0);
	ck_assert_uint_eq(bytes, 3 * MIB + 512);
	ck_assert_int_eq(zero_size_path("/dev/null", &bytes), -ENOTBLK);
	ck_assert_int_eq(zero_size_path("/nonexistent", &bytes), -ENOENT);
}
END_TEST

START_TEST(test_open_direct_fallback)
{
	char path[] = "/dev/shm/vas-ssvr-unit-XXXXXX";
	int fd = mkstemp(path), dfd;

	if (fd < 0)
		return; /* no tmpfs here: nothing to check */
	ck_assert_int_eq(ftruncate(fd, 2 * MIB), 0);
	close(fd);
	dfd = zero_open_direct(path, O_WRONLY);
	ck_assert_int_ge(dfd, 0);
	ck_assert_int_eq(zero_range(dfd, 0, MIB, ZERO_WRITE, NULL), 0);
	close(dfd);
	ck_assert_int_eq(zero_open_direct("/nonexistent/x", O_WRONLY), -ENOENT);
	unlink(path);
}
END_TEST

Suite *ssvr_zero_suite(void)
{
	Suite *s = suite_create("ssvr_zero");
	TCase *tc = tcase_create("zero");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_zero_auto);
	tcase_add_test(tc, test_zero_write);
	tcase_add_test(tc, test_zero_stop);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_open_direct_fallback);
	suite_add_tcase(s, tc);
	return s;
}
