/*
 * A create books the legs of many mirrors in one statement, picked ahead
 * in C from a guess of each disk's largest FREE extent after a take
 * (sm/domain/mirror_batch.c): it must book exactly what booking mirror by
 * mirror books, also where the guess is wrong and where one disk is
 * picked twice. Two pools with the same disks, one booked each way.
 */
#include "db_priv.h"
#include "domain_harness.h"
#include "pools.h"
#include "vas/proto.h"
#include "vas/units.h"
#include "volume_build.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Servers per pool: few, so that a create comes back to a disk. */
#define SERVERS 6

/* The first server of each pool, in registration order. */
static int32_t first_ssvr[2], first_pdsk[2];

/*
 * SERVERS servers in each of pools "a" and "b", alike: two disks each, of
 * 100 and ~200 vb, zeroed; on every second server the three last FREE
 * extents of each disk shrink to 5 vb, so that after a take the disk's
 * next extent is smaller than the one taken although the space left is
 * not (the guess is wrong there).
 */
static void twin_pools(bool racks)
{
	char rack[32];
	const char *sizes[] = {"209920001", "419840001"};
	const char *paths[] = {"/dev/sdb", "/dev/sdc"};
	char ip[32];
	const char *ipp = ip;
	int32_t id, s, d;
	int p, i, k;

	for (p = 0; p < 2; p++) {
		struct srv_placement pl = {p ? "b" : "a", NULL};

		ck_assert_int_eq(pool_create(&sm, pl.pool, NULL, 0, &id), 0);
		for (i = 0; i < SERVERS; i++) {
			snprintf(ip, sizeof(ip), "127.0.3.%d", p * 100 + i + 1);
			/* racks of two servers, or none */
			snprintf(rack, sizeof(rack), "rack-%c%d", 'a' + p,
				 i / 2);
			pl.domain = racks ? rack : NULL;
			ck_assert_int_eq(
			    srv_register(&sm, SRV_SSVR, &ipp, 1, &pl, &s), 0);
			for (k = 0; k < 2; k++) {
				ck_assert_int_eq(pdsk_register(&sm, s, paths[k],
							       sizes[k], NULL,
							       &d),
						 0);
				if (!i && !k)
					first_pdsk[p] = d;
			}
			if (!i)
				first_ssvr[p] = s;
		}
	}
	/* both pools' servers alike: ids differ by the same amount */
	ck_assert_int_eq((first_ssvr[1] - first_ssvr[0]) % 2, 0);
	sql("DELETE FROM shred");
	sql("UPDATE dskmap SET status = 2 WHERE status = 4");
	sql("UPDATE dskmap SET capacity = 5 WHERE dextid IN (SELECT dextid "
	    "FROM (SELECT d.dextid, row_number() OVER (PARTITION BY d.pdskid "
	    "ORDER BY d.\"offset\" DESC) AS k FROM dskmap d JOIN pdsklst p ON "
	    "p.pdskid = d.pdskid WHERE d.status = 2 AND p.ssvrid % 2 = 0) x "
	    "WHERE k <= 3)");
}

/* A create as it was before batching: lock first, mirror by mirror. */
static int create_mirror_by_mirror(const char *name, int64_t gib,
				   int redundancy, const char *pool)
{
	struct volume_asks a = {.quota = -1};
	struct sm_volume v = {0};
	struct db_tx *tx = NULL;
	int32_t top;
	int ret;

	snprintf(v.lvolname, sizeof(v.lvolname), "%s", name);
	v.redundancy = redundancy;
	v.capacity = units_round_up(gib, sm.cfg.unit);
	ck_assert_int_eq(db_begin(sm.db, true, &tx), 0);
	ret = pool_resolve(tx, pool, &v.poolid);
	if (!ret)
		ret = vol_ask_volume(&sm, tx, &v, &a);
	if (!ret)
		ret = vol_answer_volume(&sm, tx, &a);
	if (!ret)
		ret =
		    vol_build(&sm, tx, &v, &a, LVOLTYPE_SNAPSHOT_ORIGIN, &top);
	vol_asks_free(&a);
	return db_end(tx, ret);
}

/* Where each leg of the volume is, relative to its pool's first server
 * and disk: server, disk, offset, size, 4 numbers a leg. */
static int placed(const char *name, int p, int64_t *out, int max)
{
	int32_t ssvr[512], dext[512];
	char q[256];
	int n = legs(name, ssvr, dext, 512), i;

	ck_assert_int_le(4 * n, max);
	for (i = 0; i < n; i++) {
		out[4 * i] = ssvr[i] - first_ssvr[p];
		snprintf(q, sizeof(q),
			 "SELECT pdskid FROM dskmap WHERE dextid = %d",
			 dext[i]);
		out[4 * i + 1] = sql_int(q) - first_pdsk[p];
		snprintf(q, sizeof(q),
			 "SELECT \"offset\" FROM dskmap WHERE dextid = %d",
			 dext[i]);
		out[4 * i + 2] = sql_int(q);
		snprintf(q, sizeof(q),
			 "SELECT capacity FROM dskmap WHERE dextid = %d",
			 dext[i]);
		out[4 * i + 3] = sql_int(q);
	}
	return n;
}

/* Counts the UPDATE statements on dskmap (the extent takes). */
static void count_takes(void)
{
	sql("CREATE TABLE takes (n int)");
	sql("CREATE FUNCTION count_take() RETURNS trigger LANGUAGE plpgsql AS "
	    "$$ BEGIN INSERT INTO takes VALUES (1); RETURN NULL; END $$");
	sql("CREATE TRIGGER count_take AFTER UPDATE ON dskmap FOR EACH "
	    "STATEMENT EXECUTE FUNCTION count_take()");
}

static int64_t free_in(const char *pool)
{
	char q[512];

	snprintf(q, sizeof(q),
		 "SELECT sum(f.free_vb) FROM pdsk_free f JOIN pdsklst p ON "
		 "p.pdskid = f.pdskid JOIN ssvrlst s ON s.ssvrid = p.ssvrid "
		 "JOIN pool o ON o.poolid = s.poolid WHERE o.poolname = '%s'",
		 pool);
	return sql_int(q);
}

/* Creates in pool a batched, in pool b mirror by mirror, alike. */
static void creates_alike(void)
{
	const struct {
		int64_t gib;
		int redundancy;
	} ask[] = {{95, 3},  {1, 2},  {210, 2}, {47, 3}, {300, 2},
		   {120, 3}, {10, 4}, {500, 2}, {80, 3}};
	static int64_t a[2048], b[2048];
	int32_t id = 0;
	char name[32];
	int64_t before, takes_a = 0, takes_b = 0;
	int i, n, m, ok = 0;

	count_takes();
	for (i = 0; i < (int)(sizeof(ask) / sizeof(ask[0])); i++) {
		int ra, rb;

		snprintf(name, sizeof(name), "a%d", i);
		before = sql_int("SELECT count(*) FROM takes");
		ra = vol_create(&sm, name, ask[i].gib, ask[i].redundancy, "a",
				&id);
		takes_a += sql_int("SELECT count(*) FROM takes") - before;
		snprintf(name, sizeof(name), "b%d", i);
		before = sql_int("SELECT count(*) FROM takes");
		rb = create_mirror_by_mirror(name, ask[i].gib,
					     ask[i].redundancy, "b");
		takes_b += sql_int("SELECT count(*) FROM takes") - before;
		ck_assert_int_eq(ra, rb);
		if (ra)
			continue;
		ok++;
		snprintf(name, sizeof(name), "a%d", i);
		n = placed(name, 0, a, 2048);
		snprintf(name, sizeof(name), "b%d", i);
		m = placed(name, 1, b, 2048);
		ck_assert_int_eq(n, m);
		ck_assert_int_gt(n, 0);
		ck_assert_mem_eq(a, b, sizeof(a[0]) * 4 * (size_t)n);
	}
	/* the pools filled up on the way: ENOSPC answered alike too */
	ck_assert_int_gt(ok, 3);
	ck_assert_int_lt(ok, (int)(sizeof(ask) / sizeof(ask[0])));
	ck_assert_int_eq(free_in("a"), free_in("b"));
	/* and in fewer statements, though some batches guessed wrong */
	ck_assert_int_lt(takes_a, takes_b);
}

START_TEST(batched_creates_book_what_mirror_by_mirror_would)
{
	twin_pools(false);
	creates_alike();
}
END_TEST

START_TEST(batched_creates_keep_failure_domains_apart_alike)
{
	twin_pools(true);
	creates_alike();
}
END_TEST

START_TEST(a_create_takes_its_extents_in_one_statement)
{
	int32_t id = 0;

	storage(30);
	count_takes();
	/* 10 mirrors of 3 legs, every disk picked once */
	ck_assert_int_eq(vol_create(&sm, "v", 100, 3, NULL, &id), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM takes"), 1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM dskmap WHERE status = "
				 "1"),
			 30);
	/* mirror by mirror: one statement each */
	sql("DELETE FROM takes");
	ck_assert_int_eq(create_mirror_by_mirror("w", 100, 3, "default"), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM takes"), 10);
}
END_TEST

START_TEST(a_disk_picked_again_waits_for_the_next_statement)
{
	int32_t id = 0;

	storage(3);
	count_takes();
	/* 3 mirrors on the same three disks: one statement each */
	ck_assert_int_eq(vol_create(&sm, "v", 30, 3, NULL, &id), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM takes"), 3);
	ck_assert_int_eq(sql_int("SELECT count(DISTINCT pdskid) FROM dskmap "
				 "WHERE status = 1"),
			 3);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    batched_creates_book_what_mirror_by_mirror_would,
	    batched_creates_keep_failure_domains_apart_alike,
	    a_create_takes_its_extents_in_one_statement,
	    a_disk_picked_again_waits_for_the_next_statement,
	    NULL,
	};

	return domain_harness_run("mirror_batch", tests);
}
