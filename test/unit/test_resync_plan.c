/* Which queued rebuilds start (sm/workers/resync_plan.c). */
#include <check.h>
#include <stdlib.h>

#include "check_run.h"
#include "resync_plan.h"

/* Rebuilds running per head, heads 1..8. */
static int running[9];

static int load(void *ctx, int32_t hsvrid)
{
	(void)ctx;
	return running[hsvrid];
}

static struct resync_row row(int32_t add, int32_t mirror, int32_t head,
			     int insync)
{
	struct resync_row r = {
	    .mirrorid = mirror, .add = add, .hsvrid = head, .insync = insync};

	return r;
}

static void reset(void)
{
	int i;

	for (i = 0; i < 9; i++)
		running[i] = 0;
}

START_TEST(fewest_in_sync_first)
{
	struct resync_row c[] = {row(10, 1, 1, 1), row(11, 2, 1, 1),
				 row(12, 3, 1, 2), row(13, 4, 1, 2)};

	reset();
	ck_assert_int_eq(resync_plan_choose(c, 4, 3, load, NULL), 3);
	ck_assert_int_eq(c[0].add, 10);
	ck_assert_int_eq(c[1].add, 11);
	ck_assert_int_eq(c[2].add, 12);
}
END_TEST

START_TEST(one_per_mirror)
{
	/* Two legs of mirror 5 (on two disks): the first picked starts. */
	struct resync_row c[] = {row(20, 5, 1, 1), row(21, 5, 1, 1),
				 row(22, 6, 2, 1)};
	int n;

	reset();
	n = resync_plan_choose(c, 3, 10, load, NULL);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(c[0].add + c[1].add, 20 + 22);
}
END_TEST

START_TEST(spread_over_the_heads)
{
	/* Head 1 is busy: heads take turns, head 2 first. */
	struct resync_row c[] = {row(30, 1, 1, 1), row(31, 2, 1, 1),
				 row(32, 3, 1, 1), row(33, 4, 2, 1),
				 row(34, 5, 2, 1), row(35, 6, 3, 1)};
	int per_head[4] = {0}, n, i;

	reset();
	running[1] = 1;
	n = resync_plan_choose(c, 6, 4, load, NULL);
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(c[0].add,
			 33); /* idle heads 2 and 3: the first picked */
	ck_assert_int_eq(c[1].add, 35);
	for (i = 0; i < n; i++)
		per_head[c[i].hsvrid]++;
	/* loads after: head 1 1+1, head 2 0+2, head 3 0+1 */
	ck_assert_int_eq(per_head[1], 1);
	ck_assert_int_eq(per_head[2], 2);
	ck_assert_int_eq(per_head[3], 1);
}
END_TEST

START_TEST(loads_carry_over_between_levels)
{
	/* Level 1 puts one on head 1; at level 2 head 2 goes first. */
	struct resync_row c[] = {row(40, 1, 1, 1), row(41, 2, 1, 2),
				 row(42, 3, 2, 2)};

	reset();
	ck_assert_int_eq(resync_plan_choose(c, 3, 2, load, NULL), 2);
	ck_assert_int_eq(c[0].add, 40);
	ck_assert_int_eq(c[1].add, 42);
}
END_TEST

START_TEST(a_thousand_at_once)
{
	/* A failure's queue: 1 000 mirrors over 10 heads, 1 024 room. */
	struct resync_row *c = calloc(1000, sizeof(*c));
	int per_head[11] = {0}, n, i;

	reset();
	for (i = 0; i < 1000; i++)
		c[i] = row(1000 + i, i + 1, 1 + i % 8, 1 + (i >= 500));
	n = resync_plan_choose(c, 1000, 1024, load, NULL);
	ck_assert_int_eq(n, 1000);
	for (i = 0; i < n; i++) {
		ck_assert(i < 500 ? c[i].insync == 1 : c[i].insync == 2);
		per_head[c[i].hsvrid]++;
	}
	for (i = 1; i <= 8; i++)
		ck_assert_int_eq(per_head[i], 125);
	free(c);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    fewest_in_sync_first,  one_per_mirror,
	    spread_over_the_heads, loads_carry_over_between_levels,
	    a_thousand_at_once,	   NULL};

	return check_run_suite(check_suite("resync_plan", tests, NULL, NULL),
			       true);
}
