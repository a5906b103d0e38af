/* Leg placement ranking on fixed fixtures (sm.md 4.5). */
#include "alloc.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

static struct alloc_disk disk(int32_t ssvr, int32_t pdsk, int64_t total,
			      int64_t free_vb)
{
	struct alloc_disk d = {pdsk, ssvr, total, free_vb, free_vb};

	return d;
}

START_TEST(best_mean_percent_first)
{
	/* 100 vb at 100 % beats 1000 vb at 95 % (relative, not absolute). */
	struct alloc_disk d[] = {disk(1, 1, 1000, 950), disk(2, 2, 100, 100)};
	struct alloc_pool p = {d, 2};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 1);
}
END_TEST

START_TEST(mean_beats_single_best_disk)
{
	/* disks at 100 % and 2 % (mean 51) lose to a single disk at 60 %. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(1, 2, 100, 2),
				 disk(2, 3, 100, 60)};
	struct alloc_pool p = {d, 3};

	ck_assert_int_eq(alloc_pick(&p, 1, NULL, 0), 2);
}
END_TEST

START_TEST(too_small_disks_do_not_count)
{
	/* The 2 % disk cannot take 10 vb, so server 1's mean is 100. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(1, 2, 100, 2),
				 disk(2, 3, 100, 60)};
	struct alloc_pool p = {d, 3};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 0);
}
END_TEST

START_TEST(omit_servers_of_the_mirror)
{
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(2, 2, 100, 90),
				 disk(3, 3, 100, 80)};
	struct alloc_pool p = {d, 3};
	int32_t omit[] = {1, 2};

	ck_assert_int_eq(alloc_pick(&p, 10, omit, 1), 1);
	ck_assert_int_eq(alloc_pick(&p, 10, omit, 2), 2);
	omit[1] = 3;
	ck_assert_int_eq(alloc_pick(&p, 10, omit, 2), 1);
}
END_TEST

START_TEST(ties_pinned)
{
	/* Equal scores: lowest ssvrid, then lowest pdskid. */
	struct alloc_disk d[] = {disk(2, 4, 100, 100), disk(2, 5, 100, 100),
				 disk(3, 1, 100, 100)};
	struct alloc_pool p = {d, 3};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 0);
}
END_TEST

START_TEST(largest_extent_not_sum)
{
	/* Free space in fragments smaller than the leg does not qualify. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100)};
	struct alloc_pool p = {d, 1};

	d[0].largest_vb = 5;
	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), -ENOSPC);
	d[0].largest_vb = 10;
	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 0);
}
END_TEST

START_TEST(nothing_left)
{
	struct alloc_pool p = {NULL, 0};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), -ENOSPC);
}
END_TEST

START_TEST(legs_spread_over_four_servers)
{
	/* 4 equal empty servers, R = 3, two mirrors: mirror 2 starts on #4. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(2, 2, 100, 100),
				 disk(3, 3, 100, 100), disk(4, 4, 100, 100)};
	struct alloc_pool p = {d, 4};
	int32_t omit[3];
	int leg, idx;

	for (leg = 0; leg < 3; leg++) {
		idx = alloc_pick(&p, 10, omit, leg);
		omit[leg] = d[idx].ssvrid;
		d[idx].free_vb -= 10;
		d[idx].largest_vb -= 10;
	}
	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 3);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    best_mean_percent_first,
	    mean_beats_single_best_disk,
	    too_small_disks_do_not_count,
	    omit_servers_of_the_mirror,
	    ties_pinned,
	    largest_extent_not_sum,
	    nothing_left,
	    legs_spread_over_four_servers,
	    NULL,
	};

	return check_run("alloc", tests, NULL, NULL);
}
