/*
 * Leg placement's view of the disks (issue 14) against a full read of the
 * same snapshot: after creates, deletes, space freed by other writers
 * (another manager, the shred worker), servers failing and disks coming,
 * and a change committed after the view's read by a transaction that had
 * begun before it. Real PostgreSQL (domain_harness).
 */
#include "db_priv.h"
#include "domain_harness.h"
#include "failures.h"
#include "placement_view.h"
#include "servers.h"
#include "vas/proto.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>

/* Disks where the view and a full read in one transaction differ. */
static int differ(void)
{
	struct db_tx *tx = NULL;
	int n;

	ck_assert_int_eq(db_begin(sm.db, false, &tx), 0);
	n = placement_view_check(&sm, tx);
	db_rollback(tx);
	ck_assert_int_ge(n, 0);
	return n;
}

/* A FREE extent is taken out (as a dirty leg's wait for zeroing)... */
#define OFFLINE_ONE_EXTENT                                                     \
	"UPDATE dskmap SET status = 4 WHERE dextid = (SELECT max(dextid) "     \
	"FROM dskmap WHERE status = 2)"
/* ...and the shred worker brings it back. */
#define FREE_ONE_EXTENT                                                        \
	"UPDATE dskmap SET status = 2 WHERE dextid = (SELECT min(dextid) "     \
	"FROM dskmap WHERE status = 4)"

START_TEST(the_view_is_what_a_full_read_returns)
{
	int32_t id = 0;
	char name[16];
	int i;

	storage(5);
	ck_assert_int_eq(differ(), 0); /* the first read: every disk */
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "v%d", i);
		ck_assert_int_eq(
		    vol_create(&sm, name, 10 + i * 5, 2, NULL, &id), 0);
		ck_assert_int_eq(differ(), 0);
	}
	ck_assert_int_eq(vol_delete(&sm, named("v1")), 0);
	ck_assert_int_eq(differ(), 0);
	sql(OFFLINE_ONE_EXTENT);
	ck_assert_int_eq(differ(), 0);
	sql(FREE_ONE_EXTENT);
	ck_assert_int_eq(differ(), 0);
	/* a create that fails half way leaves nothing behind */
	ck_assert_int_eq(vol_create(&sm, "big", 400, 2, NULL, &id), -ENOSPC);
	ck_assert_int_eq(differ(), 0);
	/* a server fails: its disks leave the view */
	sql("UPDATE ssvrlst SET priority = 4 WHERE ssvrid = (SELECT "
	    "min(ssvrid) FROM ssvrlst)");
	ck_assert_int_eq(differ(), 0);
	storage(2);
	ck_assert_int_eq(vol_create(&sm, "after", 20, 3, NULL, &id), 0);
	ck_assert_int_eq(differ(), 0);
	/* a pool of its own for one disk */
	sql("INSERT INTO pool (poolid, poolname, parent) VALUES (77, 'p', 1)");
	sql("UPDATE pdsklst SET poolid = 77 WHERE pdskid = (SELECT "
	    "max(pdskid) FROM pdsklst)");
	ck_assert_int_eq(differ(), 0);
}
END_TEST

START_TEST(a_change_committed_after_the_read_is_seen)
{
	struct db_tx *late = NULL, *other = NULL;
	int32_t id = 0;
	PGresult *r;

	storage(3);
	ck_assert_int_eq(vol_create(&sm, "a", 30, 2, NULL, &id), 0);
	sql(OFFLINE_ONE_EXTENT);
	ck_assert_int_eq(differ(), 0);
	/* begun before the view's read, committed after it */
	ck_assert_int_eq(db_begin(sm.db, true, &late), 0);
	ck_assert_int_eq(
	    db_q(late, &r, FREE_ONE_EXTENT " RETURNING dextid", NULL), 0);
	ck_assert_int_eq(PQntuples(r), 1); /* done, not only sent */
	PQclear(r);
	/* and a later transaction ends before the view's read */
	ck_assert_int_eq(db_begin(sm.db, false, &other), 0);
	ck_assert_int_eq(db_q(other, NULL,
			      "UPDATE pool SET quota_gib = quota_gib WHERE "
			      "poolid = 1",
			      NULL),
			 0);
	db_rollback(other); /* a read-only handle: the UPDATE committed */
	ck_assert_int_eq(differ(), 0);
	ck_assert_int_eq(db_end(late, 0), 0);
	ck_assert_int_eq(differ(), 0);
}
END_TEST

START_TEST(a_create_reads_only_what_changed)
{
	int32_t id = 0;
	uint64_t before;

	storage(8);
	ck_assert_int_eq(vol_create(&sm, "a", 10, 2, NULL, &id), 0);
	before = placement_view_rows_read(&sm);
	ck_assert_int_ge(before, 8); /* the first read: every disk */
	ck_assert_int_eq(vol_create(&sm, "b", 10, 2, NULL, &id), 0);
	/* the two disks "a" took, not the eight */
	ck_assert_int_eq(placement_view_rows_read(&sm) - before, 2);
}
END_TEST

/* The disk of the volume's leg on server ssvrid. */
static int32_t leg_disk_on(const char *vol, int32_t ssvrid)
{
	char q[384];

	snprintf(q, sizeof(q),
		 "SELECT d.pdskid FROM lvolmap m JOIN lvollst l ON l.lvolid = "
		 "m.toplvolid JOIN dskmap d ON d.dextid = m.dextid JOIN "
		 "pdsklst p ON p.pdskid = d.pdskid WHERE l.lvolname = '%s' "
		 "AND p.ssvrid = %d",
		 vol, ssvrid);
	return (int32_t)sql_int(q);
}

/*
 * A failure's replacements are placed on the view as read before the
 * failure, without the failed part: a leg left degraded by an earlier
 * failure goes, in the same batch, to the failed disk's neighbour, not
 * to the failed disk (still free in that read, its extents now FAULTY:
 * the batch could not take one there and would go leg by leg).
 */
START_TEST(an_evacuation_places_on_the_view_without_the_failed_disk)
{
	uint64_t batch = sm.legs_replaced[0], single = sm.legs_replaced[1];
	int32_t id = 0, ssvr[4], dext[4], x, x1 = 0, x2 = 0;
	char q[160];

	storage(2);
	ck_assert_int_eq(vol_create(&sm, "w", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(legs("w", ssvr, dext, 4), 2);
	/* nowhere to go: the leg stays on the dead server, degraded */
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_SSVR, ssvr[1]), 0);
	ck_assert_int_eq(sm.legs_replaced[0] + sm.legs_replaced[1],
			 batch + single);
	/* a server with two empty disks comes; the first ranks first */
	x = server(SRV_SSVR, "127.0.3.1");
	ck_assert_int_eq(
	    pdsk_register(&sm, x, "/dev/sdb", "209920001", NULL, &x1), 0);
	ck_assert_int_eq(
	    pdsk_register(&sm, x, "/dev/sdc", "209920001", NULL, &x2), 0);
	snprintf(q, sizeof(q), "DELETE FROM shred WHERE pdskid IN (%d, %d)", x1,
		 x2);
	sql(q);
	snprintf(q, sizeof(q),
		 "UPDATE dskmap SET status = 2 WHERE status = 4 AND pdskid "
		 "IN (%d, %d)",
		 x1, x2);
	sql(q);
	ck_assert_int_eq(differ(), 0); /* the view has both disks */
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_PDSK, x1), 0);
	ck_assert_int_eq(leg_disk_on("w", x), x2);
	ck_assert_int_eq(sm.legs_replaced[0] - batch, 1);
	ck_assert_int_eq(sm.legs_replaced[1] - single, 0);
	ck_assert_int_eq(differ(), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    the_view_is_what_a_full_read_returns,
	    a_change_committed_after_the_read_is_seen,
	    a_create_reads_only_what_changed,
	    an_evacuation_places_on_the_view_without_the_failed_disk,
	    NULL,
	};

	return domain_harness_run("placement_view", tests);
}
