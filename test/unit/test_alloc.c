/*
 * Leg placement ranking on fixed fixtures (sm.md 4.5), failure domains and
 * pools (issue 16).
 */
#include "alloc.h"
#include "alloc_order.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct alloc_disk disk(int32_t ssvr, int32_t pdsk, int64_t total,
			      int64_t free_vb)
{
	/* A server in no domain is a domain of its own: key = ssvrid. */
	struct alloc_disk d = {pdsk, ssvr, ssvr, 1, total, free_vb, free_vb};

	return d;
}

/* The same disk on a server in failure domain `domainid`. */
static struct alloc_disk in_domain(struct alloc_disk d, int32_t domainid)
{
	d.domain = -domainid;
	return d;
}

/* Takes one leg of c vb from disk idx, as db_extent_take() would. */
static void take(struct alloc_pool *p, struct alloc_legs *legs, int idx,
		 int64_t c)
{
	ck_assert_int_ge(idx, 0);
	alloc_legs_add(legs, &p->disk[idx]);
	p->disk[idx].free_vb -= c;
	p->disk[idx].largest_vb -= c;
}

START_TEST(best_mean_percent_first)
{
	/* 100 vb at 100 % beats 1000 vb at 95 % (relative, not absolute). */
	struct alloc_disk d[] = {disk(1, 1, 1000, 950), disk(2, 2, 100, 100)};
	struct alloc_pool p = {d, 2, NULL};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 1);
}
END_TEST

START_TEST(mean_beats_single_best_disk)
{
	/* disks at 100 % and 2 % (mean 51) lose to a single disk at 60 %. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(1, 2, 100, 2),
				 disk(2, 3, 100, 60)};
	struct alloc_pool p = {d, 3, NULL};

	ck_assert_int_eq(alloc_pick(&p, 1, NULL, 0), 2);
}
END_TEST

START_TEST(too_small_disks_do_not_count)
{
	/* The 2 % disk cannot take 10 vb, so server 1's mean is 100. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(1, 2, 100, 2),
				 disk(2, 3, 100, 60)};
	struct alloc_pool p = {d, 3, NULL};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 0);
}
END_TEST

START_TEST(omit_servers_of_the_mirror)
{
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(2, 2, 100, 90),
				 disk(3, 3, 100, 80)};
	struct alloc_pool p = {d, 3, NULL};
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
	struct alloc_pool p = {d, 3, NULL};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 0);
}
END_TEST

START_TEST(largest_extent_not_sum)
{
	/* Free space in fragments smaller than the leg does not qualify. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100)};
	struct alloc_pool p = {d, 1, NULL};

	d[0].largest_vb = 5;
	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), -ENOSPC);
	d[0].largest_vb = 10;
	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), 0);
}
END_TEST

START_TEST(nothing_left)
{
	struct alloc_pool p = {NULL, 0, NULL};

	ck_assert_int_eq(alloc_pick(&p, 10, NULL, 0), -ENOSPC);
}
END_TEST

START_TEST(legs_spread_over_four_servers)
{
	/* 4 equal empty servers, R = 3, two mirrors: mirror 2 starts on #4. */
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(2, 2, 100, 100),
				 disk(3, 3, 100, 100), disk(4, 4, 100, 100)};
	struct alloc_pool p = {d, 4, NULL};
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

START_TEST(legs_on_distinct_domains_before_ranking)
{
	/*
	 * Racks 1 (servers 1, 2) and 2 (servers 3, 4): server 2 ranks above
	 * 3 and 4, yet the second leg goes to rack 2.
	 */
	struct alloc_disk d[] = {in_domain(disk(1, 1, 100, 100), 1),
				 in_domain(disk(2, 2, 100, 99), 1),
				 in_domain(disk(3, 3, 100, 50), 2),
				 in_domain(disk(4, 4, 100, 40), 2)};
	struct alloc_pool p = {d, 4, NULL};
	struct alloc_legs legs = {0};

	take(&p, &legs, alloc_pick_leg(&p, 10, &legs), 10);
	ck_assert_int_eq(legs.ssvrid[0], 1);
	take(&p, &legs, alloc_pick_leg(&p, 10, &legs), 10);
	ck_assert_int_eq(legs.ssvrid[1], 3);
}
END_TEST

START_TEST(too_few_domains_fall_back_to_servers)
{
	/* Two racks, three legs: one per rack, then a distinct server. */
	struct alloc_disk d[] = {in_domain(disk(1, 1, 100, 100), 1),
				 in_domain(disk(2, 2, 100, 100), 1),
				 in_domain(disk(3, 3, 100, 10), 2)};
	struct alloc_pool p = {d, 3, NULL};
	struct alloc_legs legs = {0};

	take(&p, &legs, alloc_pick_leg(&p, 10, &legs), 10);
	take(&p, &legs, alloc_pick_leg(&p, 10, &legs), 10);
	take(&p, &legs, alloc_pick_leg(&p, 10, &legs), 10);
	ck_assert_int_eq(legs.ssvrid[0], 1);
	ck_assert_int_eq(legs.ssvrid[1], 3);
	ck_assert_int_eq(legs.ssvrid[2], 2);
	/* a fourth leg finds no server the mirror is not on */
	ck_assert_int_eq(alloc_pick_leg(&p, 10, &legs), -ENOSPC);
}
END_TEST

START_TEST(without_domains_nothing_changes)
{
	/* Every fixture above: alloc_pick_leg() picks as alloc_pick(). */
	struct alloc_disk d[] = {disk(1, 1, 1000, 950), disk(1, 2, 100, 2),
				 disk(2, 3, 100, 60),	disk(3, 4, 100, 100),
				 disk(3, 5, 100, 100),	disk(4, 6, 100, 80)};
	struct alloc_pool p = {d, 6, NULL};
	struct alloc_legs legs = {0};
	int32_t omit[4];
	int leg, a, b;

	for (leg = 0; leg < 4; leg++) {
		a = alloc_pick(&p, 10, omit, leg);
		b = alloc_pick_leg(&p, 10, &legs);
		ck_assert_int_eq(a, b);
		omit[leg] = d[a].ssvrid;
		take(&p, &legs, b, 10);
	}
	ck_assert_int_eq(alloc_pick_leg(&p, 10, &legs), -ENOSPC);
}
END_TEST

START_TEST(only_the_pools_disks)
{
	struct alloc_disk d[] = {disk(1, 1, 100, 100), disk(2, 2, 100, 50),
				 disk(3, 3, 100, 40)};
	struct alloc_pool p = {d, 3, NULL};
	struct alloc_legs legs = {.storage = 7};

	d[1].poolid = d[2].poolid = 7;
	ck_assert_int_eq(alloc_pick_leg(&p, 10, &legs), 1);
	legs.storage = 8;
	ck_assert_int_eq(alloc_pick_leg(&p, 10, &legs), -ENOSPC);
	legs.storage = 0; /* any pool: re-mirroring's snapshot */
	ck_assert_int_eq(alloc_pick_leg(&p, 10, &legs), 0);
}
END_TEST

START_TEST(a_replacement_avoids_the_failed_server_not_its_domain)
{
	/* Legs on racks 2 and 3 remain; the failed one was server 1, rack 1.
	 */
	struct alloc_disk d[] = {in_domain(disk(1, 1, 100, 100), 1),
				 in_domain(disk(2, 2, 100, 50), 1),
				 in_domain(disk(3, 3, 100, 100), 2),
				 in_domain(disk(4, 4, 100, 100), 3),
				 in_domain(disk(5, 5, 100, 90), 3)};
	struct alloc_pool p = {d, 5, NULL};
	struct alloc_legs legs = {0};

	alloc_legs_add(&legs, &d[2]);
	alloc_legs_add(&legs, &d[3]);
	legs.ssvrid[legs.n] = 1; /* the failed server, no domain key */
	legs.domain[legs.n++] = 0;
	ck_assert_int_eq(alloc_pick_leg(&p, 10, &legs), 1);
}
END_TEST

/* A random cluster: servers of 1-6 disks, racks, two pools, any fill. */
static void random_pool(struct alloc_pool *p, unsigned *seed, int servers)
{
	int s, k, n = 0;

	for (s = 1; s <= servers; s++) {
		int disks = 1 + rand_r(seed) % 6, rack = 1 + rand_r(seed) % 7;

		for (k = 0; k < disks; k++, n++) {
			struct alloc_disk *d = &p->disk[n];

			d->pdskid = n + 1;
			d->ssvrid = s * 3; /* ids with gaps */
			d->domain = rand_r(seed) % 3 ? -rack : d->ssvrid;
			d->poolid = 1 + rand_r(seed) % 4 / 3; /* 1 mostly, 2 */
			d->total_vb = 50 + rand_r(seed) % 150;
			d->free_vb = rand_r(seed) % 4
					 ? rand_r(seed) % (d->total_vb + 1)
					 : d->total_vb;
			d->largest_vb =
			    d->free_vb
				? rand_r(seed) % 3 ? d->free_vb : d->free_vb / 2
				: 0;
		}
	}
	p->n = n;
}

/*
 * The index picks exactly what a full pass picks: many random clusters,
 * volumes of mirrors built leg by leg on both, takes (which the index is
 * not told of) and space coming back (which it is) in between.
 */
START_TEST(index_picks_what_a_full_pass_picks)
{
	struct alloc_disk a[6 * 80], b[6 * 80];
	unsigned seed = 14;
	int round, picks = 0;

	for (round = 0; round < 300; round++) {
		struct alloc_pool full = {a, 0, NULL}, fast = {b, 0, NULL};
		int32_t storage = 1 + round % 2;
		int m, leg;

		random_pool(&full, &seed, 1 + rand_r(&seed) % 80);
		memcpy(b, a, sizeof(a));
		fast.n = full.n;
		ck_assert_int_eq(alloc_index_build(&fast, storage), 0);
		if (round % 3 == 0) /* another pool's index beside */
			ck_assert_int_eq(alloc_index_build(&fast, 3 - storage),
					 0);
		for (m = 0; m < 40; m++) {
			struct alloc_legs legs = {.storage = storage};
			int64_t c = 1 + rand_r(&seed) % 3 * 10;
			int r = 1 + rand_r(&seed) % 4, i;

			for (leg = 0; leg < r; leg++) {
				int want = alloc_pick_leg(&full, c, &legs);
				int got = alloc_pick_leg(&fast, c, &legs);

				ck_assert_int_eq(got, want);
				if (want < 0)
					break;
				picks++;
				alloc_legs_add(&legs, &a[want]);
				a[want].free_vb -= c;
				a[want].largest_vb =
				    a[want].largest_vb - c > a[want].free_vb / 3
					? a[want].largest_vb - c
					: a[want].free_vb / 3;
				b[want] = a[want];
			}
			/* Space freed elsewhere (a shred ends, a delete). */
			i = rand_r(&seed) % full.n;
			a[i].free_vb = a[i].total_vb - rand_r(&seed) % 20;
			if (a[i].free_vb < 0)
				a[i].free_vb = 0;
			a[i].largest_vb = a[i].free_vb;
			b[i] = a[i];
			alloc_index_update(&fast, i);
		}
		alloc_index_free(&fast);
	}
	ck_assert_int_gt(picks, 10000);
}
END_TEST

/* random_pool() with every server's disks in one failure domain. */
static void random_racked_pool(struct alloc_pool *p, unsigned *seed,
			       int servers)
{
	int i;

	random_pool(p, seed, servers);
	for (i = 1; i < p->n; i++)
		if (p->disk[i].ssvrid == p->disk[i - 1].ssvrid)
			p->disk[i].domain = p->disk[i - 1].domain;
}

/*
 * The ranked servers of a batch (a failed server's replacements) pick
 * exactly what alloc_pick_leg() picks, leg after leg, each take told.
 */
START_TEST(order_picks_what_a_full_pass_picks)
{
	struct alloc_disk a[6 * 80];
	unsigned seed = 16;
	int round, picks = 0;

	for (round = 0; round < 300; round++) {
		struct alloc_pool pool = {a, 0, NULL};
		struct alloc_order *o = NULL;
		int32_t storage = 1 + round % 2;
		int64_t c = 1 + rand_r(&seed) % 3 * 10;
		int m, leg;

		random_racked_pool(&pool, &seed, 1 + rand_r(&seed) % 80);
		ck_assert_int_eq(alloc_order_build(&pool, storage, c, &o), 0);
		for (m = 0; m < 60; m++) {
			struct alloc_legs legs = {.storage = storage};
			int r = 1 + rand_r(&seed) % 4;

			/* Now and then a failed leg's server, not its domain */
			if (m % 3 == 0) {
				legs.ssvrid[legs.n] = a[m % pool.n].ssvrid;
				legs.domain[legs.n++] = 0;
			}
			for (leg = 0; leg < r; leg++) {
				int want = alloc_pick_leg(&pool, c, &legs);

				ck_assert_int_eq(alloc_order_pick(o, &legs),
						 want);
				if (want < 0)
					break;
				picks++;
				alloc_legs_add(&legs, &a[want]);
				a[want].free_vb -= c;
				/* sometimes the largest extent goes first */
				a[want].largest_vb =
				    rand_r(&seed) % 4 ? a[want].largest_vb - c
						      : a[want].free_vb / 3;
				if (a[want].largest_vb > a[want].free_vb)
					a[want].largest_vb = a[want].free_vb;
				alloc_order_took(o, &pool, want);
			}
		}
		alloc_order_free(o);
	}
	ck_assert_int_gt(picks, 10000);
}
END_TEST

/* One rank per server needs one domain per server: else refused. */
START_TEST(order_refuses_a_server_in_two_domains)
{
	struct alloc_disk d[] = {disk(1, 1, 100, 100),
				 in_domain(disk(1, 2, 100, 100), 7)};
	struct alloc_pool p = {d, 2, NULL};
	struct alloc_order *o = NULL;

	ck_assert_int_eq(alloc_order_build(&p, 1, 10, &o), -EINVAL);
	ck_assert_ptr_null(o);
	d[1].domain = d[0].domain;
	ck_assert_int_eq(alloc_order_build(&p, 1, 10, &o), 0);
	alloc_order_free(o);
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
	    legs_on_distinct_domains_before_ranking,
	    too_few_domains_fall_back_to_servers,
	    without_domains_nothing_changes,
	    only_the_pools_disks,
	    a_replacement_avoids_the_failed_server_not_its_domain,
	    index_picks_what_a_full_pass_picks,
	    order_picks_what_a_full_pass_picks,
	    order_refuses_a_server_in_two_domains,
	    NULL,
	};

	return check_run("alloc", tests, NULL, NULL);
}
