/* Unit tests of the /proc/mdstat parser and member states. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mdstat.h"
#include "check_run.h"

static const char *const sample =
    "Personalities : [raid1] \n"
    "md1 : active raid1 dm-7[2] dm-5[0]\n"
    "      10490304 blocks [2/1] [U_]\n"
    "      [==>..................]  recovery = 12.6% (1325568/10490304) "
    "finish=0.7min speed=220928K/sec\n"
    "      bitmap: 1/1 pages [4KB], 65536KB chunk\n"
    "\n"
    "md0 : active raid1 dm-3[1](F) dm-2[0] dm-9[2](S)\n"
    "      10490304 blocks super 1.2 [2/1] [U_]\n"
    "      \n"
    "md2 : active raid1 dm-10[1] dm-11[0]\n"
    "      10490304 blocks [2/2] [UU]\n"
    "\n"
    "unused devices: <none>\n";

START_TEST(parses_arrays_and_members)
{
	struct md_array a[4];
	int n = -1;

	ck_assert_int_eq(mdstat_parse(sample, a, 4, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(a[0].kname, "md1");
	ck_assert_int_eq(a[0].raid_disks, 2);
	ck_assert_str_eq(a[0].status, "U_");
	ck_assert_int_eq(a[0].recovering, 1);
	ck_assert_int_eq(a[0].nmem, 2);
	ck_assert_str_eq(a[0].mem[0].kname, "dm-7");
	ck_assert_int_eq(a[0].mem[0].role, 2);
	ck_assert_str_eq(a[1].kname, "md0");
	ck_assert_int_eq(a[1].nmem, 3);
	ck_assert_int_eq(a[1].mem[0].faulty, 1);
	ck_assert_int_eq(a[1].mem[2].spare, 1);
	ck_assert_int_eq(a[1].recovering, 0);
	ck_assert_str_eq(a[2].status, "UU");
}
END_TEST

/* A 0.90 array after a leg was replaced: the new leg (dm-9) keeps the
 * descriptor number 3 it got at hot-add, in sync or not; mdstat cannot
 * tell, the sysfs flags can. */
static const char *const replaced =
    "Personalities : [raid1] \n"
    "md44 : active raid1 dm-9[3] dm-7[2] dm-5[0]\n"
    "      1049536 blocks [3/3] [UUU]\n"
    "      bitmap: 0/1 pages [0KB], 65536KB chunk\n"
    "\n"
    "unused devices: <none>\n";

START_TEST(state_flags_from_sysfs)
{
	struct md_array a[1];
	int n;

	ck_assert_int_eq(mdstat_parse(replaced, a, 1, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(a[0].mem[0].role, 3);
	/* mdstat alone would call it rebuilding forever: */
	ck_assert_int_eq(md_member_state(&a[0], &a[0].mem[0]), MD_REBUILDING);
	ck_assert_int_eq(md_state_of_flags("in_sync\n"), MD_IN_SYNC);
	ck_assert_int_eq(md_state_of_flags("in_sync,write_mostly"), MD_IN_SYNC);
	ck_assert_int_eq(md_state_of_flags("faulty,write_error"), MD_FAULTY);
	ck_assert_int_eq(md_state_of_flags("write_error,faulty"), MD_FAULTY);
	ck_assert_int_eq(md_state_of_flags("spare"), MD_REBUILDING);
	ck_assert_int_eq(md_state_of_flags("not_in_sync"), MD_REBUILDING);
	ck_assert_int_eq(md_state_of_flags(""), MD_REBUILDING);
}
END_TEST

START_TEST(member_states)
{
	struct md_array a[4];
	int n;

	ck_assert_int_eq(mdstat_parse(sample, a, 4, &n), 0);
	/* dm-7 has role 2 in a 2-disk array: being rebuilt */
	ck_assert_int_eq(md_member_state(&a[0], &a[0].mem[0]), MD_REBUILDING);
	ck_assert_int_eq(md_member_state(&a[0], &a[0].mem[1]), MD_IN_SYNC);
	ck_assert_int_eq(md_member_state(&a[1], &a[1].mem[0]), MD_FAULTY);
	ck_assert_int_eq(md_member_state(&a[1], &a[1].mem[1]), MD_IN_SYNC);
	ck_assert_int_eq(md_member_state(&a[1], &a[1].mem[2]), MD_REBUILDING);
	ck_assert_int_eq(md_member_state(&a[2], &a[2].mem[0]), MD_IN_SYNC);
}
END_TEST

START_TEST(limits_and_garbage)
{
	struct md_array a[1];
	int n;

	ck_assert_int_eq(mdstat_parse(sample, a, 1, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(mdstat_parse("garbage\n", a, 1, &n), -22);
	ck_assert_int_eq(
	    mdstat_parse("Personalities : \nmd0 : \n[[[\n", a, 1, &n), 0);
	ck_assert_int_eq(n, 1); /* an array line without members */
	ck_assert_int_eq(a[0].nmem, 0);
	ck_assert_int_eq(
	    mdstat_parse("Personalities :\nmd0 : active raid1 "
			 "dm-1[0] dm-2[1] dm-3[2] dm-4[3] dm-5[4] dm-6[5] "
			 "dm-7[6] dm-8[7] dm-9[8] dm-10[9] dm-11[10] "
			 "dm-12[11] dm-13[12] dm-14[13] dm-15[14] "
			 "dm-16[15] dm-17[16] dm-18[17]\n"
			 "  1 blocks [18/18] [UUUUUUUUUUUUUUUUUU]\n",
			 a, 1, &n),
	    0);
	ck_assert_int_eq(a[0].nmem, MDSTAT_MAX_MEMBERS);
	ck_assert_str_eq(a[0].status, "");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    parses_arrays_and_members, member_states, state_flags_from_sysfs,
	    limits_and_garbage,	       NULL,
	};

	return check_run("hsvr_mdstat", tests, NULL, NULL);
}
