/*
 * Pools, quotas and failure domains (issue 16) in sm/domain, against a
 * real throw-away PostgreSQL (domain_harness.c).
 */
#include "domain_harness.h"
#include "failures.h"
#include "pools.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int32_t pool(const char *name, const char *parent, int64_t quota)
{
	int32_t id = 0;

	ck_assert_int_eq(pool_create(&sm, name, parent, quota, &id), 0);
	return id;
}

/* The listed pool named name. */
static struct sm_pool pool_row(const char *name)
{
	struct sm_pool *rows = NULL, p;
	int n = 0;

	ck_assert_int_eq(pool_list(&sm, name, &rows, &n), 0);
	ck_assert_int_eq(n, 1);
	p = rows[0];
	free(rows);
	return p;
}

/* n storage servers with one zeroed 100-vb disk, in pool and domain. */
static void storage_in(int n, const char *pool_name, const char *domain)
{
	static int made;
	struct srv_placement pl = {pool_name, domain};
	char ip[32];
	const char *ipp = ip;
	int32_t s, d;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "127.0.2.%d", ++made);
		ck_assert_int_eq(srv_register(&sm, SRV_SSVR, &ipp, 1, &pl, &s),
				 0);
		ck_assert_int_eq(
		    pdsk_register(&sm, s, "/dev/sdb", "209920001", NULL, &d),
		    0);
	}
	sql("DELETE FROM shred");
	sql("UPDATE dskmap SET status = 2 WHERE status = 4");
}

static int32_t create(const char *name, int64_t gib, int redundancy,
		      const char *pool_name)
{
	int32_t id = 0;
	int ret = vol_create(&sm, name, gib, redundancy, pool_name, &id);

	return ret ? ret : id;
}

/* How many legs of the volume sit on servers of pool p. */
static int64_t legs_in_pool(const char *vol, const char *p)
{
	char q[512];

	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM lvolmap m JOIN lvollst l ON l.lvolid = "
		 "m.toplvolid JOIN dskmap d ON d.dextid = m.dextid JOIN "
		 "pdsklst k ON k.pdskid = d.pdskid JOIN ssvrlst s ON s.ssvrid "
		 "= k.ssvrid JOIN pool p ON p.poolid = s.poolid WHERE "
		 "l.lvolname = '%s' AND p.poolname = '%s'",
		 vol, p);
	return sql_int(q);
}

START_TEST(pools_nest_under_default)
{
	struct sm_pool *rows = NULL;
	int32_t id = 0, a;
	int n = 0;

	/* a fresh database has one pool, which holds everything */
	ck_assert_int_eq(pool_list(&sm, NULL, &rows, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].poolid, 1);
	ck_assert_str_eq(rows[0].name, "default");
	ck_assert_int_eq(rows[0].parent, 0);
	free(rows);
	a = pool("a", NULL, 0);
	ck_assert_int_eq(a, 2);
	ck_assert_int_eq(pool("b", "a", 0), 3);
	ck_assert_int_eq(pool_row("b").parent, a);
	ck_assert_int_eq(pool_row("a").parent, 1);
	ck_assert_int_eq(pool_create(&sm, "a", NULL, 0, &id), -EEXIST);
	ck_assert_int_eq(pool_create(&sm, "default", NULL, 0, &id), -EEXIST);
	ck_assert_int_eq(pool_create(&sm, "c", "nosuch", 0, &id), -ENOENT);
	ck_assert_int_eq(pool_create(&sm, "a b", NULL, 0, &id), -EINVAL);
	ck_assert_int_eq(pool_create(&sm, "..", NULL, 0, &id), -EINVAL);
	ck_assert_int_eq(pool_create(&sm, "", NULL, 0, &id), -EINVAL);
	ck_assert_int_eq(pool_list(&sm, "nosuch", &rows, &n), -ENOENT);
	/* a refused create consumed no pool id */
	ck_assert_int_eq(pool("c", "b", 0), 4);
}
END_TEST

START_TEST(quotas_bound_the_whole_subtree)
{
	int32_t id;

	storage(4);
	pool("a", NULL, 30);
	pool("b", "a", 20);
	pool("c", "a", 0);
	ck_assert_int_gt(create("b1", 10, 2, "b"), 0);
	id = sql_int("SELECT id FROM idtable WHERE type = 2");
	/* b: 10 + 20 > 20 */
	ck_assert_int_eq(create("b2", 20, 2, "b"), -EDQUOT);
	ck_assert_int_gt(create("c1", 20, 2, "c"), 0);
	/* a: 10 + 20 + 10 > 30, although c has no quota of its own */
	ck_assert_int_eq(create("c2", 10, 2, "c"), -EDQUOT);
	ck_assert_int_eq(pool_row("a").used_gib, 30);
	ck_assert_int_eq(pool_row("b").used_gib, 10);
	ck_assert_int_eq(pool_row("default").used_gib, 30);
	/* nothing half-made: no name, no extent, the id not consumed twice */
	ck_assert_int_eq(sql_int("SELECT count(*) FROM lvollst WHERE lvolname "
				 "IN ('b2', 'c2')"),
			 0);
	ck_assert_int_eq(
	    sql_int("SELECT count(*) FROM dskmap WHERE status = 1"), 6);
	ck_assert_int_eq(sql_int("SELECT id FROM idtable WHERE type = 2"),
			 id + 3 + 2 /* c1: LVOL, SO, LINEAR, 2 mirrors */);
	/* outside the subtree there is no limit */
	ck_assert_int_gt(create("d1", 100, 2, NULL), 0);
	/* a snapshot is charged to its pool (the origin's by default) */
	ck_assert_int_eq(vol_snapshot(&sm, named("b1"), "s", NULL, &id),
			 -EDQUOT);
	ck_assert_int_eq(pool_set_quota(&sm, "b", 0), 0);
	ck_assert_int_eq(vol_snapshot(&sm, named("b1"), "s", NULL, &id),
			 -EDQUOT); /* a: 10 + 20 + 20 > 30 */
	ck_assert_int_eq(vol_snapshot(&sm, named("b1"), "s", "default", &id),
			 0);
	ck_assert_int_eq(pool_row("default").used_gib, 150);
	ck_assert_int_eq(pool_row("default").volumes, 2);
	ck_assert_int_eq(pool_row("b").volumes, 1);
}
END_TEST

START_TEST(a_quota_fits_between_its_neighbours)
{
	storage(3);
	pool("a", NULL, 100);
	pool("b", "a", 50);
	pool("c", "b", 0);
	pool("d", "c", 40);
	ck_assert_int_gt(create("v", 30, 2, "c"), 0);
	/* above an ancestor's quota (Velocity answers 406) */
	ck_assert_int_eq(pool_set_quota(&sm, "b", 101), -EDQUOT);
	ck_assert_int_eq(pool_set_quota(&sm, "d", 60), -EDQUOT);
	ck_assert_int_eq(pool_create(&sm, "e", "d", 41, &(int32_t){0}),
			 -EDQUOT);
	/* below what the subtree holds, or below a quota under it */
	ck_assert_int_eq(pool_set_quota(&sm, "b", 29), -EDQUOT);
	ck_assert_int_eq(pool_set_quota(&sm, "b", 39), -EDQUOT);
	ck_assert_int_eq(pool_set_quota(&sm, "b", 40), 0);
	ck_assert_int_eq(pool_row("b").quota_gib, 40);
	/* no quota is always possible */
	ck_assert_int_eq(pool_set_quota(&sm, "a", 0), 0);
	ck_assert_int_eq(pool_set_quota(&sm, "nosuch", 0), -ENOENT);
	ck_assert_int_eq(pool_set_quota(&sm, "a", -1), -EINVAL);
}
END_TEST

START_TEST(a_pool_is_deleted_only_when_empty)
{
	int32_t s, d;

	storage(3);
	pool("a", NULL, 0);
	pool("b", "a", 0);
	pool("v", NULL, 0);
	ck_assert_int_eq(pool_delete(&sm, "default"), -EBUSY);
	ck_assert_int_eq(pool_delete(&sm, "nosuch"), -ENOENT);
	ck_assert_int_eq(pool_delete(&sm, "a"), -EBUSY); /* sub-pool */
	ck_assert_int_gt(create("x", 10, 2, "v"), 0);
	ck_assert_int_eq(pool_delete(&sm, "v"), -EBUSY); /* volume */
	ck_assert_int_eq(vol_delete(&sm, named("x")), 0);
	ck_assert_int_eq(pool_delete(&sm, "v"), 0);
	s = (int32_t)sql_int("SELECT min(ssvrid) FROM ssvrlst");
	ck_assert_int_eq(pool_place_server(&sm, s, "b"), 0);
	ck_assert_int_eq(pool_delete(&sm, "b"), -EBUSY); /* server */
	ck_assert_int_eq(pool_place_server(&sm, s, "default"), 0);
	d = (int32_t)sql_int("SELECT min(pdskid) FROM pdsklst");
	ck_assert_int_eq(pool_place_disk(&sm, d, "b"), 0);
	ck_assert_int_eq(pool_delete(&sm, "b"), -EBUSY); /* disk */
	ck_assert_int_eq(pool_place_disk(&sm, d, "a"), 0);
	ck_assert_int_eq(pool_delete(&sm, "b"), 0);
	ck_assert_int_eq(pool_place_disk(&sm, 999, "a"), -ENOENT);
	ck_assert_int_eq(pool_place_server(&sm, 999, "a"), -ENOENT);
	ck_assert_int_eq(pool_place_server(&sm, s, "b"), -ENOENT);
}
END_TEST

START_TEST(volumes_take_their_pools_disks)
{
	storage(3); /* default */
	pool("fast", NULL, 0);
	pool("tenant", "fast", 0);
	pool("empty", NULL, 0);
	storage_in(3, "fast", NULL);
	ck_assert_int_gt(create("f", 20, 3, "fast"), 0);
	ck_assert_int_eq(legs_in_pool("f", "fast"), 6);
	ck_assert_int_gt(create("d", 20, 3, NULL), 0);
	ck_assert_int_eq(legs_in_pool("d", "default"), 6);
	/* a pool without disks uses its nearest ancestor's */
	ck_assert_int_gt(create("t", 10, 3, "tenant"), 0);
	ck_assert_int_eq(legs_in_pool("t", "fast"), 3);
	ck_assert_int_gt(create("e", 10, 3, "empty"), 0);
	ck_assert_int_eq(legs_in_pool("e", "default"), 3);
	/* room elsewhere does not help a pool */
	ck_assert_int_eq(create("big", 10, 4, "fast"), -ENOSPC);
	ck_assert_int_eq(create("u", 10, 2, "nosuch"), -ENOENT);
	/* capacity and free space are its disks' (vb), use its volumes' */
	ck_assert_int_eq(pool_row("fast").capacity_vb, 300);
	ck_assert_int_eq(pool_row("fast").available_vb, 300 - 90);
	ck_assert_int_eq(pool_row("tenant").capacity_vb, 300);
	ck_assert_int_eq(pool_row("fast").used_gib, 30);
	ck_assert_int_eq(pool_row("default").used_gib, 60);
	ck_assert_int_eq(pool_row("default").capacity_vb, 300);
}
END_TEST

START_TEST(lists_filter_and_place)
{
	struct sm_server *srv = NULL;
	struct sm_disk *dsk = NULL;
	struct sm_volume_list l;
	int n = 0;

	storage(3);
	pool("fast", NULL, 0);
	storage_in(2, "fast", "rack-7");
	ck_assert_int_gt(create("f", 10, 2, "fast"), 0);
	ck_assert_int_eq(srv_list(&sm, SRV_SSVR, 0, "fast", &srv, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(srv[0].pool, "fast");
	ck_assert_str_eq(srv[0].domain, "rack-7");
	free(srv);
	ck_assert_int_eq(srv_list(&sm, SRV_SSVR, 0, NULL, &srv, &n), 0);
	ck_assert_int_eq(n, 5);
	ck_assert_str_eq(srv[0].pool, "default");
	ck_assert_str_eq(srv[0].domain, "");
	free(srv);
	ck_assert_int_eq(srv_list(&sm, SRV_SSVR, 0, "nosuch", &srv, &n),
			 -ENOENT);
	ck_assert_int_eq(pdsk_list(&sm, 0, "fast", &dsk, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(dsk[1].pool, "fast");
	free(dsk);
	ck_assert_int_eq(vol_list(&sm, NULL, "fast", &l), 0);
	ck_assert_int_eq(l.n, 1);
	ck_assert_str_eq(l.e[0].pool, "fast");
	vol_list_free(&l);
	ck_assert_int_eq(vol_list(&sm, NULL, "default", &l), 0);
	ck_assert_int_eq(l.n, 0);
	vol_list_free(&l);
}
END_TEST

START_TEST(moving_storage_moves_no_data)
{
	int32_t ssvr[8], dext[8], moved;
	int n;

	storage(3);
	pool("other", NULL, 0);
	ck_assert_int_gt(create("v", 10, 3, NULL), 0);
	moved = (int32_t)sql_int("SELECT min(ssvrid) FROM ssvrlst");
	ck_assert_int_eq(pool_place_server(&sm, moved, "other"), 0);
	/* the volume keeps its legs, the moved server among them */
	n = legs("v", ssvr, dext, 8);
	ck_assert_int_eq(n, 3);
	ck_assert(ssvr[0] == moved || ssvr[1] == moved || ssvr[2] == moved);
	/* new legs follow the pools: default has two servers left */
	ck_assert_int_eq(create("w", 10, 3, NULL), -ENOSPC);
	ck_assert_int_gt(create("w", 10, 2, NULL), 0);
	ck_assert_int_eq(legs_in_pool("w", "default"), 2);
	/* a returning server takes the pool it is registered with */
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_SSVR, moved), 0);
	{
		char ip[32];
		const char *ipp = ip;
		struct srv_placement pl = {"default", "rack-1"};
		int32_t again = 0;

		snprintf(ip, sizeof(ip), "%s", "127.0.1.1");
		ck_assert_int_eq(
		    srv_register(&sm, SRV_SSVR, &ipp, 1, &pl, &again), 0);
		ck_assert_int_eq(again, moved);
	}
	ck_assert_int_eq(sql_int("SELECT poolid FROM ssvrlst WHERE ssvrid = "
				 "(SELECT min(ssvrid) FROM ssvrlst)"),
			 1);
}
END_TEST

/* The pool whose disks take the legs of pool name's volumes (SQL). */
static int64_t storage_of(const char *name)
{
	char q[256];

	snprintf(q, sizeof(q),
		 "SELECT pool_storage(poolid) FROM pool WHERE poolname = '%s'",
		 name);
	return sql_int(q);
}

/*
 * A disk is in its own pool, else in its server's; a pool without disks
 * stores on its nearest ancestor's (sql/016 asks with index probes).
 */
START_TEST(a_pools_storage_follows_disks_and_servers)
{
	int32_t a, b, c, disk_a, disk_1;

	storage(2); /* default */
	a = pool("a", NULL, 0);
	b = pool("b", "a", 0);
	c = pool("c", NULL, 0);
	storage_in(1, "a", NULL);
	ck_assert_int_eq(storage_of("a"), a);
	ck_assert_int_eq(storage_of("b"), a);
	ck_assert_int_eq(storage_of("c"), 1);
	/* a's only disk moves to c: a's server holds no disk of a */
	disk_a = (int32_t)sql_int("SELECT max(pdskid) FROM pdsklst");
	ck_assert_int_eq(pool_place_disk(&sm, disk_a, "c"), 0);
	ck_assert_int_eq(storage_of("a"), 1);
	ck_assert_int_eq(storage_of("b"), 1);
	ck_assert_int_eq(storage_of("c"), c);
	/* a disk of a default server placed in b */
	disk_1 = (int32_t)sql_int("SELECT min(pdskid) FROM pdsklst");
	ck_assert_int_eq(pool_place_disk(&sm, disk_1, "b"), 0);
	ck_assert_int_eq(storage_of("b"), b);
	ck_assert_int_eq(storage_of("a"), 1);
	ck_assert_int_eq(storage_of("default"), 1);
	/* back in a */
	ck_assert_int_eq(pool_place_disk(&sm, disk_a, "a"), 0);
	ck_assert_int_eq(storage_of("a"), a);
	ck_assert_int_eq(storage_of("c"), 1);
}
END_TEST

/* The failure domains of the legs of every mirror of vol are distinct. */
static bool domains_distinct(const char *vol)
{
	char q[512];

	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM (SELECT m.superlvolid, s.domainid FROM "
		 "lvolmap m JOIN lvollst l ON l.lvolid = m.toplvolid JOIN "
		 "dskmap d ON d.dextid = m.dextid JOIN pdsklst k ON k.pdskid "
		 "= d.pdskid JOIN ssvrlst s ON s.ssvrid = k.ssvrid WHERE "
		 "l.lvolname = '%s' GROUP BY 1, 2 HAVING count(*) > 1) x",
		 vol);
	return sql_int(q) == 0;
}

START_TEST(legs_of_a_mirror_on_distinct_domains)
{
	int32_t s;

	storage_in(2, NULL, "rack-1");
	storage_in(2, NULL, "rack-2");
	storage_in(1, NULL, "rack-3");
	ck_assert_int_gt(create("v", 50, 3, NULL), 0);
	ck_assert(domains_distinct("v"));
	/* two domains only for the rest of the space: distinct servers */
	s = (int32_t)sql_int("SELECT max(ssvrid) FROM ssvrlst");
	ck_assert_int_eq(pool_set_domain(&sm, s, "rack-2"), 0);
	ck_assert_int_gt(create("w", 10, 3, NULL), 0);
	ck_assert(!domains_distinct("w"));
	ck_assert_int_gt(create("x", 10, 2, NULL), 0);
	ck_assert(domains_distinct("x"));
	ck_assert_int_eq(pool_set_domain(&sm, s, "bad name"), -EINVAL);
	ck_assert_int_eq(pool_set_domain(&sm, 999, "rack-9"), -ENOENT);
	/* a domain no server names any more is forgotten */
	ck_assert_int_eq(pool_set_domain(&sm, s, ""), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM fdomain"), 2);
}
END_TEST

START_TEST(re_mirroring_keeps_domains_and_pool_apart)
{
	int32_t ssvr[4], dext[4], failed, other, rack1;

	pool("p", NULL, 0);
	storage_in(1, "p", "rack-1");
	storage_in(2, "p", "rack-2");
	storage_in(1, NULL, "rack-3"); /* default: never for p's volumes */
	ck_assert_int_gt(create("v", 10, 2, "p"), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 4), 2);
	rack1 = (int32_t)sql_int("SELECT s.ssvrid FROM ssvrlst s JOIN fdomain "
				 "f ON f.domainid = s.domainid WHERE f.name = "
				 "'rack-1'");
	/* the leg in rack 2 fails; rack 2's other server takes it, since
	 * rack 1 holds the other leg and rack 3 is another pool's */
	failed = ssvr[0] == rack1 ? ssvr[1] : ssvr[0];
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_SSVR, failed), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 4), 2);
	other = ssvr[0] == rack1 ? ssvr[1] : ssvr[0];
	ck_assert_int_ne(other, failed);
	ck_assert_int_ne(other, rack1);
	ck_assert(domains_distinct("v"));
	ck_assert_int_eq(legs_in_pool("v", "p"), 2);
}
END_TEST

/*
 * A failed server's legs are placed in one batch (a few statements for
 * all of them), by the rules one by one placement follows: the volume's
 * pool, a domain none of the mirror's other legs is in.
 */
START_TEST(a_failed_servers_legs_move_in_one_batch_by_the_rules)
{
	uint64_t batch = sm.legs_replaced[0], single = sm.legs_replaced[1];
	int32_t failed;
	int64_t on_failed;
	char q[256];

	pool("p", NULL, 0);
	storage_in(1, "p", "rack-1");
	storage_in(2, "p", "rack-2");
	storage_in(2, "p", "rack-3");
	storage_in(2, NULL, "rack-4"); /* default: never for p's volumes */
	ck_assert_int_gt(create("v", 30, 3, "p"), 0);
	ck_assert_int_gt(create("w", 20, 3, "p"), 0);
	/* the rack-2 server with the most legs fails */
	failed = (int32_t)sql_int(
	    "SELECT k.ssvrid FROM lvolmap m JOIN dskmap d ON d.dextid = "
	    "m.dextid JOIN pdsklst k ON k.pdskid = d.pdskid JOIN ssvrlst s "
	    "ON s.ssvrid = k.ssvrid JOIN fdomain f ON f.domainid = "
	    "s.domainid WHERE f.name = 'rack-2' GROUP BY 1 ORDER BY "
	    "count(*) DESC, 1 LIMIT 1");
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM lvolmap m JOIN dskmap d ON d.dextid = "
		 "m.dextid JOIN pdsklst k ON k.pdskid = d.pdskid WHERE "
		 "k.ssvrid = %d",
		 failed);
	on_failed = sql_int(q);
	ck_assert_int_ge(on_failed, 2);
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_SSVR, failed), 0);
	ck_assert_int_eq(sql_int(q), 0);
	/* every leg moved in the batch, none one by one */
	ck_assert_int_eq(sm.legs_replaced[0] - batch, on_failed);
	ck_assert_int_eq(sm.legs_replaced[1] - single, 0);
	/* only rack 2's other server of pool p could take them */
	ck_assert(domains_distinct("v"));
	ck_assert(domains_distinct("w"));
	ck_assert_int_eq(legs_in_pool("v", "p"), 9);
	ck_assert_int_eq(legs_in_pool("w", "p"), 6);
}
END_TEST

static int64_t capacity_of(const char *vol)
{
	char q[256];

	snprintf(q, sizeof(q),
		 "SELECT capacity FROM lvollst WHERE lvolname = '%s'", vol);
	return sql_int(q);
}

START_TEST(extending_books_mirrors_by_the_pools_rules)
{
	int32_t ssvr[16], dext[16], snap = 0, before;
	int n;

	storage(3);
	pool("q", NULL, 40);
	ck_assert_int_gt(create("v", 10, 2, "q"), 0);
	ck_assert_int_eq(vol_extend(&sm, named("v"), 25), 0);
	ck_assert_int_eq(capacity_of("v"), 30);
	n = legs("v", ssvr, dext, 16);
	ck_assert_int_eq(n, 6);
	for (n = 0; n < 6; n += 2)
		ck_assert_int_ne(ssvr[n], ssvr[n + 1]);
	ck_assert_int_eq(sql_int("SELECT (string_agg(\"offset\"::text, ',' "
				 "ORDER BY \"offset\") = '0,10,20')::int FROM "
				 "lvolmap WHERE lvoltype = 2"),
			 1);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM lvolmap WHERE "
				 "lvoltype IN (1, 6) AND capacity = 30"),
			 2);
	ck_assert_int_eq(driven, 0); /* not attached: nothing to drive */
	/* larger only; snapshots stay; the quota and the disks bound it */
	before = (int32_t)sql_int("SELECT id FROM idtable WHERE type = 2");
	ck_assert_int_eq(vol_extend(&sm, named("v"), 30), -EINVAL);
	ck_assert_int_eq(vol_extend(&sm, named("v"), 50), -EDQUOT);
	ck_assert_int_eq(pool_set_quota(&sm, "q", 0), 0);
	ck_assert_int_eq(vol_extend(&sm, named("v"), 200), -ENOSPC);
	ck_assert_int_eq(vol_extend(&sm, named("nosuch"), 50), -ENOENT);
	ck_assert_int_eq(vol_extend(&sm, named(""), 50), -EINVAL);
	ck_assert_int_eq(capacity_of("v"), 30);
	ck_assert_int_eq(sql_int("SELECT id FROM idtable WHERE type = 2"),
			 before);
	ck_assert_int_eq(vol_snapshot(&sm, named("v"), "s", NULL, &snap), 0);
	ck_assert_int_eq(vol_extend(&sm, named("s"), 100), -EINVAL);
	ck_assert_int_eq(pool_row("q").used_gib, 30 + 40);
}
END_TEST

START_TEST(extending_an_attached_volume_drives_its_head)
{
	struct attach_op **ops = NULL;
	int32_t h;
	int n = 0;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_gt(create("v", 10, 2, NULL), 0);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h), 0);
	driven = 0;
	ck_assert_int_eq(vol_extend(&sm, named("v"), 20), 0);
	ck_assert_int_eq(driven, 1);
	ck_assert_int_eq(driven_kind, ATTACH_OP_GROW);
	ck_assert_int_eq(capacity_of("v"), 20);
	ck_assert_int_eq(
	    sql_int("SELECT count(*) FROM lvolmap WHERE mirror_status = 2"), 4);
	/* refused by the head: undone, extents free at once */
	answer = (struct agent_result){AGENT_REFUSED, VAS_ENOMETHOD, "", 0};
	ck_assert_int_eq(vol_extend(&sm, named("v"), 40),
			 -(VAS_ERELAY + VAS_ENOMETHOD));
	ck_assert_int_eq(capacity_of("v"), 20);
	ck_assert_int_eq(
	    sql_int("SELECT count(*) FROM dskmap WHERE status = 1"), 4);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM lvolmap"), 2 + 2 + 4);
	ck_assert_int_eq(sql_int("SELECT status * 10 + eventid FROM attach"),
			 10);
	ck_assert_int_eq(pool_row("default").used_gib, 20);
	/* left in flight by a crash: found again, with where it started */
	answer = (struct agent_result){AGENT_DONE, 0, "", 0};
	leave_in_flight = true;
	ck_assert_int_eq(vol_extend(&sm, named("v"), 30), -VAS_EINTERNAL);
	ck_assert_int_eq(attach_ops_adopt(&sm, NULL, 0, 16, &ops, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ops[0]->kind, ATTACH_OP_GROW);
	ck_assert_int_eq(ops[0]->grow_from, 20);
	ck_assert_str_eq(attach_op_method(ops[0]), "extendLogicalVolume");
	/* meanwhile the volume is busy; lists show it being bound */
	ck_assert_int_eq(vol_extend(&sm, named("v"), 40), -EBUSY);
	{
		struct sm_volume_list l;

		ck_assert_int_eq(entry("v", &l).bind_event, ATTACH_BINDING);
		vol_list_free(&l);
	}
	/* the head may have built part of it: ERROR, new legs dirty */
	leave_in_flight = false;
	answer = (struct agent_result){AGENT_UNCERTAIN, VAS_EINTERNAL, "", 0};
	ck_assert_int_eq(attach_op_record(&sm, ops[0], &answer), 0);
	ck_assert_int_eq(sql_int("SELECT status FROM attach"), ATTACH_ERROR);
	ck_assert_int_eq(
	    sql_int("SELECT count(*) FROM lvolmap WHERE mirror_status = 5"), 2);
	ck_assert_int_eq(capacity_of("v"), 30);
	ck_assert_int_eq(vol_extend(&sm, named("v"), 40), -EBUSY);
	attach_op_free(ops[0]);
	free(ops);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    pools_nest_under_default,
	    quotas_bound_the_whole_subtree,
	    a_quota_fits_between_its_neighbours,
	    a_pool_is_deleted_only_when_empty,
	    volumes_take_their_pools_disks,
	    lists_filter_and_place,
	    moving_storage_moves_no_data,
	    a_pools_storage_follows_disks_and_servers,
	    legs_of_a_mirror_on_distinct_domains,
	    re_mirroring_keeps_domains_and_pool_apart,
	    a_failed_servers_legs_move_in_one_batch_by_the_rules,
	    extending_books_mirrors_by_the_pools_rules,
	    extending_an_attached_volume_drives_its_head,
	    NULL,
	};

	return domain_harness_run("pools", tests);
}
