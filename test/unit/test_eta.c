/* When the shred and resync workers ask an agent again (sm/workers/eta.c). */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "eta.h"

#define GAP 1.0 /* longest gap between polls, s (shred_poll_ms 1000) */

static void near(double got, double want)
{
	ck_assert_msg(fabs(got - want) < 1e-6, "got %f, want %f", got, want);
}

/* A job of vb on key sent at t0 that ends at t_end, polled as planned. */
static int run_job(struct eta_table *t, int64_t key, int64_t vb, int share,
		   double t0, double t_end, double *noticed)
{
	struct eta_poll p;
	int polls = 0;

	eta_begin(t, &p, key, vb, share, t0);
	for (;;) {
		polls++;
		if (p.next >= t_end) {
			*noticed = p.next;
			eta_done(t, &p, key, 0, p.next, GAP);
			return polls;
		}
		eta_running(&p, p.next, GAP);
	}
}

/* A speed kept by an earlier run plans the first job as if measured. */
START_TEST(a_kept_speed_plans_at_once)
{
	struct eta_table *t = eta_new();
	struct eta_poll p;

	eta_learn(t, 7, 5.4);
	eta_begin(t, &p, 7, 10, 1, 100.0);
	ck_assert(p.own && !p.probe);
	near(p.next, 154.0);
	/* Kept already: nothing new to keep until it moves by a tenth. */
	near(eta_to_keep(t, 7), 0);
	eta_done(t, &p, 7, 0, 155.0, GAP);
	near(eta_to_keep(t, 7), 0);
	eta_begin(t, &p, 7, 10, 1, 200.0);
	eta_done(t, &p, 7, 0, 270.0, GAP);
	ck_assert(eta_to_keep(t, 7) > 6.0);
	near(eta_to_keep(t, 7), 0);
	/* Never measured: nothing to keep. */
	near(eta_to_keep(t, 8), 0);
	eta_free(t);
}
END_TEST

START_TEST(nothing_measured_probes_early)
{
	struct eta_table *t = eta_new();
	struct eta_poll p;

	eta_begin(t, &p, 7, 10, 1, 100.0);
	ck_assert(!p.own);
	near(p.expect, 10.0); /* the guess: 1 s per vb */
	near(p.next, 100.25);
	ck_assert(p.probe);
	/* doubling up to the guess, then 1 % of the time taken (a probe) */
	eta_running(&p, 100.25, GAP);
	near(p.next, 100.5);
	eta_running(&p, 108.0, GAP);
	near(p.next, 110.0);
	eta_running(&p, 300.0, GAP);
	near(p.next, 302.0);
	/* one that is no probe: 5 % */
	p.probe = false;
	eta_running(&p, 300.0, GAP);
	near(p.next, 310.0);
	eta_free(t);
}
END_TEST

START_TEST(a_measured_disk_is_polled_when_it_should_end)
{
	struct eta_table *t = eta_new();
	double noticed;
	int polls, i;

	/* 10 vb at 54 s each: after two jobs, each is asked right then */
	run_job(t, 7, 10, 1, 0, 54.0, &noticed);
	run_job(t, 7, 10, 1, 100.0, 154.0, &noticed);
	for (i = 2; i < 20; i++) {
		double t0 = i * 100.0;

		polls = run_job(t, 7, 10, 1, t0, t0 + 54.0, &noticed);
		ck_assert_int_le(polls, 3);
		ck_assert_msg(noticed - (t0 + 54.0) <= GAP,
			      "job %d noticed %.2f s late", i,
			      noticed - t0 - 54.0);
	}
	eta_free(t);
}
END_TEST

START_TEST(the_estimate_does_not_creep_up)
{
	struct eta_table *t = eta_new();
	double noticed, late = 0;
	int i;

	/* a disk faster than its first measurement: caught up quickly */
	run_job(t, 7, 10, 1, 0, 54.0, &noticed);
	for (i = 1; i < 30; i++) {
		double t0 = i * 100.0;

		run_job(t, 7, 10, 1, t0, t0 + 40.0, &noticed);
		late = noticed - (t0 + 40.0);
	}
	ck_assert_msg(late <= GAP, "still %.2f s late after 30 jobs", late);
	eta_free(t);
}
END_TEST

START_TEST(other_disks_borrow_the_average)
{
	struct eta_table *t = eta_new();
	struct eta_poll p;
	double noticed;

	run_job(t, 7, 10, 1, 0, 54.0, &noticed);
	eta_begin(t, &p, 8, 10, 1, 1000.0);
	ck_assert(!p.own);
	ck_assert(fabs(p.expect - 54.0) < 1.0);
	near(p.next, 1000.0 + p.expect / 2); /* it may be faster */
	eta_begin(t, &p, 7, 10, 1, 1000.0);
	ck_assert(p.own);
	near(p.next, 1000.0 + p.expect);
	eta_free(t);
}
END_TEST

/*
 * New disks of one kind run at one speed: one planned from the others'
 * measured speed is asked every GAP past its expected end, as a measured
 * one (before: every 5 % of the time taken, 2.7 s for a 54 s extent, so
 * 12 000 new disks' first extents were noticed p50 3.6 s late), and only
 * well past it at widening gaps.
 */
START_TEST(a_borrowed_plan_is_asked_closely_past_its_end)
{
	struct eta_table *t = eta_new();
	struct eta_poll p;
	double noticed;

	run_job(t, 7, 10, 1, 0, 54.0, &noticed);
	eta_begin(t, &p, 8, 10, 1, 1000.0);
	ck_assert(p.borrowed);
	eta_running(&p, 1000.1 + p.expect, GAP);
	near(p.next, 1000.1 + p.expect + GAP);
	eta_running(&p, 1000.0 + 1.1 * p.expect, GAP);
	near(p.next, 1000.0 + 1.1 * p.expect + GAP);
	/* far past it: it is slower than the others; 5 % of the time taken */
	eta_running(&p, 1000.0 + 2 * p.expect, GAP);
	near(p.next, 1000.0 + 2.1 * p.expect);
	eta_free(t);
}
END_TEST

START_TEST(a_shared_link_takes_longer)
{
	struct eta_table *t = eta_new();
	struct eta_poll p, two;
	double noticed;

	/* learned with the link to itself, then two rebuilds share it */
	run_job(t, 3, 10, 1, 0, 10.0, &noticed);
	eta_begin(t, &p, 3, 10, 1, 100.0);
	eta_begin(t, &two, 3, 10, 2, 100.0);
	ck_assert(fabs(two.expect - 2 * p.expect) < 1e-6);
	/* and what is learned shared counts per share */
	eta_done(t, &two, 3, 0, 120.0, GAP);
	eta_begin(t, &p, 3, 10, 1, 200.0);
	ck_assert(fabs(p.expect - 10.0) < 1.0);
	eta_free(t);
}
END_TEST

START_TEST(a_shared_job_bound_elsewhere_is_noticed_early)
{
	struct eta_table *t = eta_new();
	struct eta_poll p;
	double noticed;

	/*
	 * Learned alone at 10 s; then two rebuilds share the link but each
	 * is bound by its own target disk, so both still end after 10 s: the
	 * DONE is seen within one gap, not when the shared link says (20 s).
	 */
	run_job(t, 3, 10, 1, 0, 10.0, &noticed);
	run_job(t, 3, 10, 2, 100.0, 110.0, &noticed);
	ck_assert_msg(noticed <= 110.0 + GAP + 1e-6, "noticed at %f", noticed);
	/* and the link's speed stays what it is alone */
	eta_begin(t, &p, 3, 10, 1, 200.0);
	ck_assert_msg(fabs(p.expect - 10.0) < 1.0, "expect %f", p.expect);
	eta_free(t);
}
END_TEST

START_TEST(replan_only_borrowed_plans)
{
	struct eta_table *t = eta_new();
	struct eta_poll borrowed, own;
	double noticed;

	eta_begin(t, &borrowed, 8, 10, 1, 0);
	near(borrowed.expect, 10.0);
	/* the first measurement anywhere moves the average: replan */
	ck_assert(run_job(t, 7, 10, 1, 0, 50.0, &noticed) >= 1);
	eta_replan(t, &borrowed, 8, 60.0);
	ck_assert(borrowed.expect > 40.0);
	ck_assert(borrowed.next >= 60.0);
	eta_begin(t, &own, 7, 10, 1, 0);
	eta_replan(t, &own, 7, 5.0);
	near(own.next, own.expect);
	eta_free(t);
}
END_TEST

/*
 * 1 200 new disks start at once with nothing measured: a few probe, the
 * others wait for the first speed instead of each probing (~40 polls each
 * on a 54 s extent), and are asked when that speed says they end.
 */
START_TEST(many_new_disks_wait_for_a_few_probes)
{
	struct eta_table *t = eta_new();
	struct eta_poll p[40];
	int probes = 0, k, i;
	double t1;

	for (i = 0; i < 40; i++) {
		eta_begin(t, &p[i], 100 + i, 10, 1, 0);
		probes += p[i].next < 1.0;
	}
	ck_assert_int_eq(probes, 32);
	for (i = 32; i < 40; i++)
		ck_assert(p[i].next >= 60.0);
	/* a probe that fails measures nothing: the next job probes */
	eta_forget(t, &p[0]);
	eta_begin(t, &p[0], 100, 10, 1, 1.0);
	ck_assert(p[0].next < 2.0);
	/* the first probe ends at 54 s: every plan is redone from it */
	for (k = 1; p[1].next < 54.0; k++)
		eta_running(&p[1], p[1].next, GAP);
	ck_assert(k < 120); /* 1 % gaps past the guess */
	ck_assert(p[1].next - 54.0 < 0.6);
	t1 = p[1].next;
	ck_assert(eta_done(t, &p[1], 101, 0, t1, GAP));
	for (i = 32; i < 40; i++) {
		eta_replan(t, &p[i], 100 + i, t1);
		ck_assert(p[i].expect > 50.0 && p[i].expect < 60.0);
		near(p[i].next, t1); /* due now: the probe ended */
		/* still running: asked again as a measured disk would be */
		eta_running(&p[i], t1, GAP);
		ck_assert(p[i].next > t1 && p[i].next <= t1 + GAP);
	}
	eta_free(t);
}
END_TEST

/* Sent alone, but ten more joined the link: it went at a tenth of it. */
START_TEST(a_link_is_learnt_with_the_share_a_job_ended_with)
{
	struct eta_table *t = eta_new();
	struct eta_poll first, later;

	eta_begin(t, &first, 3, 10, 1, 0);
	eta_done(t, &first, 3, 10, 100.0, GAP);
	/* 97 s (3 % back from the first look) for a tenth of the link */
	eta_begin(t, &later, 3, 10, 10, 200.0);
	ck_assert_msg(later.expect > 90.0 && later.expect < 110.0, "expect %f",
		      later.expect);
	/* fewer jobs at the end than at the start: the start's share */
	eta_begin(t, &first, 4, 10, 4, 0);
	eta_done(t, &first, 4, 1, 50.0, GAP);
	eta_begin(t, &later, 4, 10, 4, 100.0);
	ck_assert_msg(later.expect > 45.0 && later.expect < 55.0, "expect %f",
		      later.expect);
	eta_free(t);
}
END_TEST

/*
 * A failure's rebuilds: 10 head links, 100 rebuilds of 10 vb each sent
 * round-robin within 2 s, each link shared by the rebuilds on it, so all
 * end at about 108 s; polled as the resync engine does (passes every
 * 0.1 s, a pass's DONEs counted with the jobs on their link before it).
 * With each link learnt from its first rebuilds' shares when sent (1-3 of
 * a hundred), the others were asked ~40 s after they ended.
 */
#define LINKS	 10
#define PER_LINK 100
START_TEST(a_failures_rebuilds_are_noticed_when_they_end)
{
	static struct eta_poll p[LINKS * PER_LINK];
	static double left[LINKS * PER_LINK], done_at[LINKS * PER_LINK];
	static double late[LINKS * PER_LINK];
	struct eta_table *t = eta_new();
	int n = LINKS * PER_LINK, sent = 0, noticed = 0, step, i;
	int on[LINKS] = {0}, moving[LINKS], before[LINKS];
	bool running[LINKS * PER_LINK] = {false};

	for (step = 0; noticed < n && step < 100000; step++) {
		double now = step * 0.01;
		bool replan = false;

		for (; sent < n && sent * 2.0 / n <= now; sent++) {
			left[sent] = 10.0;
			running[sent] = true;
			eta_begin(t, &p[sent], sent % LINKS + 1, 10,
				  ++on[sent % LINKS], now);
		}
		for (i = 0; i < LINKS; i++)
			moving[i] = 0;
		for (i = 0; i < sent; i++)
			moving[i % LINKS] += left[i] > 0;
		for (i = 0; i < sent; i++)
			if (left[i] > 0) {
				/* a link carries ~9.3 vb/s (10 GB/s) */
				left[i] -= 9.3 / moving[i % LINKS] * 0.01;
				if (left[i] <= 0)
					done_at[i] = now;
			}
		if (step % 10)
			continue;
		for (i = 0; i < LINKS; i++)
			before[i] = on[i];
		for (i = 0; i < sent; i++) {
			if (!running[i] || p[i].next > now)
				continue;
			if (left[i] > 0) {
				eta_running(&p[i], now, 10.0);
				continue;
			}
			replan |= eta_done(t, &p[i], i % LINKS + 1,
					   before[i % LINKS], now, 10.0);
			running[i] = false;
			on[i % LINKS]--;
			late[noticed++] = now - done_at[i];
		}
		for (i = 0; replan && i < sent; i++)
			if (running[i])
				eta_replan(t, &p[i], i % LINKS + 1, now);
	}
	ck_assert_msg(noticed == n, "%d of %d rebuilds noticed within %.0f s",
		      noticed, n, step * 0.01);
	for (i = 1; i < n; i++) { /* insertion sort of the delays */
		double x = late[i];
		int k = i;

		for (; k > 0 && late[k - 1] > x; k--)
			late[k] = late[k - 1];
		late[k] = x;
	}
	ck_assert_msg(late[n / 2] < 5.0 && late[n - 1] < 15.0,
		      "noticed after p50 %.1f s, max %.1f s", late[n / 2],
		      late[n - 1]);
	eta_free(t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("eta");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, nothing_measured_probes_early);
	tcase_add_test(tc, a_kept_speed_plans_at_once);
	tcase_add_test(tc, a_measured_disk_is_polled_when_it_should_end);
	tcase_add_test(tc, the_estimate_does_not_creep_up);
	tcase_add_test(tc, other_disks_borrow_the_average);
	tcase_add_test(tc, a_borrowed_plan_is_asked_closely_past_its_end);
	tcase_add_test(tc, a_shared_link_takes_longer);
	tcase_add_test(tc, a_shared_job_bound_elsewhere_is_noticed_early);
	tcase_add_test(tc, replan_only_borrowed_plans);
	tcase_add_test(tc, many_new_disks_wait_for_a_few_probes);
	tcase_add_test(tc, a_link_is_learnt_with_the_share_a_job_ended_with);
	tcase_add_test(tc, a_failures_rebuilds_are_noticed_when_they_end);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
