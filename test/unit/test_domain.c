/*
 * The rules of sm/domain against a real throw-away PostgreSQL (the
 * embedded cluster vas_sm would run), with the workers replaced by hooks
 * that record what the domain asks of them: no agent, no network.
 */
#include "db_alloc.h"
#include "db_fence.h"
#include "db_shred.h"
#include "domain_harness.h"
#include "failures.h"
#include "vas/clock.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(servers_come_back_with_their_id)
{
	const char *ips[] = {"127.0.0.5", "127.0.0.6"}, *bad = "127.0.0.256";
	int32_t id = 0, again = 0;

	ck_assert_int_eq(srv_register(&sm, SRV_SSVR, ips, 2, NULL, &id), 0);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(woken_shred, 1);
	ck_assert_int_eq(srv_register(&sm, SRV_SSVR, ips, 2, NULL, &again),
			 -EEXIST);
	ck_assert_int_eq(srv_register(&sm, SRV_SSVR, &bad, 1, NULL, &again),
			 -EINVAL);
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_SSVR, id), 0);
	ck_assert_int_eq(woken_resync, 1);
	ck_assert_int_eq(srv_register(&sm, SRV_SSVR, ips, 2, NULL, &again), 0);
	ck_assert_int_eq(again, id);
	/* one known and one new address name two servers */
	ips[1] = "127.0.0.7";
	ck_assert_int_eq(srv_register(&sm, SRV_SSVR, ips, 2, NULL, &again),
			 -EEXIST);
}
END_TEST

START_TEST(disks_are_carved_and_queued_for_zeroing)
{
	int32_t s = server(SRV_SSVR, "127.0.0.5"), d = 0;

	ck_assert_int_eq(
	    pdsk_register(&sm, 99, "/dev/sdb", "209920001", NULL, &d), -EINVAL);
	ck_assert_int_eq(pdsk_register(&sm, s, "/dev/sdb", "12x", NULL, &d),
			 -EINVAL);
	ck_assert_int_eq(
	    pdsk_register(&sm, s, "/dev/sdb", "209920001", NULL, &d), 0);
	/* 100 vb in extents of 10, each OFFLINE until zeroed, + SUPER */
	ck_assert_int_eq(
	    sql_int("SELECT count(*) FROM dskmap WHERE status = 4"), 10);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM shred"), 10);
	ck_assert_int_eq(
	    pdsk_register(&sm, s, "/dev/sdb", "209920001", NULL, &d), -EEXIST);
}
END_TEST

START_TEST(volumes_need_room_on_distinct_servers)
{
	int32_t id = 0, ssvr[16], dext[16];
	int n;

	ck_assert_int_eq(vol_create(&sm, "a", 10, 3, NULL, &id), -ENOSPC);
	storage(2);
	ck_assert_int_eq(vol_create(&sm, "a", 10, 3, NULL, &id), -ENOSPC);
	storage(1);
	ck_assert_int_eq(vol_create(&sm, "a", 25, 3, NULL, &id), 0);
	ck_assert_int_eq(vol_create(&sm, "a", 1, 2, NULL, &id), -EEXIST);
	ck_assert_int_eq(vol_create(&sm, "b", 1, 1, NULL, &id), -EINVAL);
	/* 25 GiB rounds up to 3 mirrors of 10; legs on 3 servers each */
	n = legs("a", ssvr, dext, 16);
	ck_assert_int_eq(n, 9);
	for (n = 0; n < 9; n += 3) {
		ck_assert_int_ne(ssvr[n], ssvr[n + 1]);
		ck_assert_int_ne(ssvr[n], ssvr[n + 2]);
		ck_assert_int_ne(ssvr[n + 1], ssvr[n + 2]);
	}
}
END_TEST

START_TEST(attach_records_what_the_agent_did)
{
	struct sm_volume_list l;
	struct sm_volume_entry e;
	int32_t h, id;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "done", 10, 3, NULL, &id), 0);
	ck_assert_int_eq(vol_create(&sm, "refused", 10, 3, NULL, &id), 0);
	ck_assert_int_eq(vol_create(&sm, "unsure", 10, 3, NULL, &id), 0);
	ck_assert_int_eq(vol_create(&sm, "rolled", 10, 3, NULL, &id), 0);
	ck_assert_int_eq(vol_attach(&sm, named("done"), h + 1), -EINVAL);
	ck_assert_int_eq(driven, 0);

	ck_assert_int_eq(vol_attach(&sm, named("done"), h), 0);
	ck_assert_int_eq(driven_kind, ATTACH_OP_ATTACH);
	e = entry("done", &l);
	ck_assert_int_eq(e.hsvrid, h);
	ck_assert_int_eq(e.bind_status, ATTACH_BOUND);
	ck_assert_int_eq(e.bind_event, 0);
	vol_list_free(&l);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM lvolmap WHERE "
				 "mirror_status = 2"),
			 3);
	ck_assert_int_eq(vol_attach(&sm, named("done"), h), -EBUSY);

	/* a definite refusal leaves nothing behind, with the agent's code */
	answer = (struct agent_result){AGENT_REFUSED, EEXIST, "EEXIST", 0};
	ck_assert_int_eq(vol_attach(&sm, named("refused"), h),
			 -(VAS_ERELAY + EEXIST));
	e = entry("refused", &l);
	ck_assert_int_eq(e.hsvrid, 0);
	vol_list_free(&l);

	/* maybe partly built: ERROR, and the legs count as dirty (M50) */
	answer = (struct agent_result){AGENT_UNCERTAIN, VAS_EINTERNAL, "", 0};
	ck_assert_int_eq(vol_attach(&sm, named("unsure"), h), -VAS_EINTERNAL);
	e = entry("unsure", &l);
	ck_assert_int_eq(e.bind_status, ATTACH_ERROR);
	vol_list_free(&l);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM lvolmap WHERE "
				 "mirror_status = 5"),
			 3);

	/* our agent says the failed attach left nothing: no ERROR row (it
	 * would make createSnapshot answer EBUSY), legs still dirty */
	answer = (struct agent_result){AGENT_FAILED, EIO, "cause", 1};
	ck_assert_int_eq(vol_attach(&sm, named("rolled"), h),
			 -(VAS_ERELAY + EIO));
	e = entry("rolled", &l);
	ck_assert_int_eq(e.hsvrid, 0);
	ck_assert_int_eq(e.bind_status, 0);
	vol_list_free(&l);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM lvolmap WHERE "
				 "mirror_status = 5"),
			 6);
}
END_TEST

START_TEST(detach_busy_keeps_the_attachment)
{
	struct sm_volume_list l;
	int32_t h, id;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(vol_detach(&sm, named("v")), 0); /* not attached */
	ck_assert_int_eq(driven, 0);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h), 0);
	answer = (struct agent_result){AGENT_FAILED, EBUSY, "", 0};
	ck_assert_int_eq(vol_detach(&sm, named("v")), -(VAS_ERELAY + EBUSY));
	ck_assert_int_eq(entry("v", &l).bind_status, ATTACH_BOUND);
	vol_list_free(&l);
	answer = (struct agent_result){AGENT_DONE, 0, "", 0};
	woken_shred = 0;
	ck_assert_int_eq(vol_detach(&sm, named("v")), 0);
	ck_assert_int_eq(driven_kind, ATTACH_OP_DETACH);
	ck_assert_int_eq(entry("v", &l).hsvrid, 0);
	vol_list_free(&l);
}
END_TEST

START_TEST(snapshots_follow_their_attached_origin)
{
	int32_t h, origin, snap = 0;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "o", 10, 2, NULL, &origin), 0);
	ck_assert_int_eq(vol_snapshot(&sm, named("o"), "s1", NULL, &snap), 0);
	ck_assert_int_eq(driven, 0); /* origin not attached */
	ck_assert_int_eq(vol_snapshot(&sm, named("s1"), "s2", NULL, &snap),
			 -EINVAL);
	ck_assert_int_eq(vol_attach(&sm, named("o"), h), 0);
	ck_assert_int_eq(vol_snapshot(&sm, named("o"), "s3", NULL, &snap), 0);
	ck_assert_int_eq(driven_kind, ATTACH_OP_SNAP_ATTACH);
	ck_assert_int_eq(driven_target, snap);
	/* deleting an attached snapshot detaches it on the head first */
	ck_assert_int_eq(vol_delete(&sm, named("s3")), 0);
	ck_assert_int_eq(driven_kind, ATTACH_OP_SNAP_DETACH);
	ck_assert_int_eq(vol_delete(&sm, named("o")), -EBUSY); /* s1 left */
	ck_assert_int_eq(vol_delete(&sm, named("s1")), 0);
	ck_assert_int_eq(vol_delete(&sm, named("o")), -EBUSY); /* attached */
}
END_TEST

START_TEST(delete_frees_clean_legs_and_queues_dirty_ones)
{
	int32_t h, id;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "clean", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(vol_create(&sm, "dirty", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(vol_attach(&sm, named("dirty"), h), 0);
	ck_assert_int_eq(vol_detach(&sm, named("dirty")), 0);
	woken_shred = 0;
	ck_assert_int_eq(vol_delete(&sm, named("clean")), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM shred"), 0);
	ck_assert_int_eq(vol_delete(&sm, named("dirty")), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM shred"), 2);
	ck_assert_int_eq(woken_shred, 2);
	ck_assert_int_eq(vol_delete(&sm, named("dirty")), -ENOENT);
}
END_TEST

/* Which of n legs is on server ssvrid; -1 if none. */
static int leg_on(const int32_t *ssvr, int n, int32_t ssvrid)
{
	int i;

	for (i = 0; i < n; i++)
		if (ssvr[i] == ssvrid)
			return i;
	return -1;
}

/* Each storage server here has one disk, and pdskid == ssvrid. */
START_TEST(a_failed_disk_gets_its_legs_replaced)
{
	int32_t ssvr[4], dext[4], now_s[4], now_d[4], id, third;
	int kept;

	storage(3);
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 4), 2);
	third = 6 - ssvr[0] - ssvr[1];
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_PDSK, ssvr[0]), 0);
	ck_assert_int_eq(woken_resync, 1);
	/* the leg moved to the one server that holds none of the mirror */
	ck_assert_int_eq(legs("v", now_s, now_d, 4), 2);
	ck_assert_int_eq(leg_on(now_s, 2, ssvr[0]), -1);
	kept = leg_on(now_s, 2, ssvr[1]);
	ck_assert_int_ge(kept, 0);
	ck_assert_int_eq(now_d[kept], dext[1]);
	ck_assert_int_ge(leg_on(now_s, 2, third), 0);
	/* a second failure finds no room: the leg stays, degraded */
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_PDSK, third), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 4), 2);
	ck_assert_int_ge(leg_on(ssvr, 2, third), 0);
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_PDSK, 77), 0);
}
END_TEST

START_TEST(one_disk_named_twice_gets_two_extents)
{
	struct alloc_disk d = {0}, *twice[2] = {&d, &d};
	int32_t dext[2] = {0, 0};
	struct db_tx *tx = NULL;

	storage(1);
	d.pdskid = (int32_t)sql_int("SELECT min(pdskid) FROM pdsklst");
	/* Booked in one statement, both picks would find one extent. */
	ck_assert_int_eq(db_begin(sm.db, true, &tx), 0);
	ck_assert_int_eq(db_extents_take(tx, twice, 2, 4, dext), 0);
	ck_assert_int_eq(db_commit(tx), 0);
	ck_assert_int_ne(dext[0], dext[1]);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM dskmap WHERE status = 1 "
				 "AND capacity = 4"),
			 2);
	ck_assert_int_eq(
	    sql_int("SELECT count(*) FROM pdsk_free f WHERE "
		    "(free_vb, largest_vb, ext_busy) <> (SELECT "
		    "sum(capacity) FILTER (WHERE status = 2), "
		    "max(capacity) FILTER (WHERE status = 2), "
		    "count(*) FILTER (WHERE status = 1) FROM dskmap "
		    "WHERE pdskid = f.pdskid)"),
	    0);
}
END_TEST

START_TEST(bad_blocks_retire_extents_not_disks)
{
	int32_t blocks[] = {5, 99}, outside[] = {100}, ssvr[4], dext[4], id;
	int32_t disk, other;
	char q[160];

	storage(3);
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 4), 2);
	disk = ssvr[0];
	other = ssvr[1];
	ck_assert_int_eq(sm_notify_bad_blocks(&sm, 9, blocks, 2), -EINVAL);
	ck_assert_int_eq(sm_notify_bad_blocks(&sm, disk, outside, 1), -EINVAL);
	/* block 5 is in the leg (the disk's first extent), 99 is free */
	ck_assert_int_eq(sm_notify_bad_blocks(&sm, disk, blocks, 2), 0);
	snprintf(q, sizeof(q),
		 "SELECT count(*) FROM dskmap WHERE pdskid = %d AND status = 6",
		 disk);
	ck_assert_int_eq(sql_int(q), 2);
	snprintf(q, sizeof(q), "SELECT priority FROM pdsklst WHERE pdskid = %d",
		 disk);
	ck_assert_int_eq(sql_int(q), PRIO_LOW);
	/* the leg went to the third server, not back onto the disk */
	ck_assert_int_eq(legs("v", ssvr, dext, 4), 2);
	ck_assert_int_eq(leg_on(ssvr, 2, disk), -1);
	ck_assert_int_ge(leg_on(ssvr, 2, 6 - disk - other), 0);
}
END_TEST

START_TEST(operations_left_in_flight_are_found_again)
{
	struct attach_op **ops = NULL;
	int32_t h, id;
	int n = -1;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(attach_ops_adopt(&sm, NULL, 0, 16, &ops, &n), 0);
	ck_assert_int_eq(n, 0);
	free(ops);
	leave_in_flight = true;
	ck_assert_int_eq(vol_attach(&sm, named("v"), h), -VAS_EINTERNAL);
	ck_assert_int_eq(attach_ops_adopt(&sm, NULL, 0, 16, &ops, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ops[0]->kind, ATTACH_OP_ATTACH);
	ck_assert_int_eq(ops[0]->target, id);
	ck_assert_str_eq(attach_op_method(ops[0]), "attachLogicalVolume");
	ck_assert_int_eq(ops[0]->tree.lvolid, id);
	/* resumed and DONE: recorded, nothing in flight any more */
	ck_assert_int_eq(attach_op_record(&sm, ops[0], &answer), 0);
	attach_op_free(ops[0]);
	free(ops);
	ck_assert_int_eq(attach_ops_adopt(&sm, NULL, 0, 16, &ops, &n), 0);
	ck_assert_int_eq(n, 0);
	free(ops);
}
END_TEST

START_TEST(a_failed_head_forgets_its_attachments)
{
	struct sm_volume_list l;
	struct attach_op **ops = NULL;
	int32_t h, id;
	int n;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	leave_in_flight = true;
	ck_assert_int_eq(vol_attach(&sm, named("v"), h), -VAS_EINTERNAL);
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_HSVR, h), 0);
	/* the late outcome finds no attachment to record (M7) */
	ck_assert_int_eq(attach_ops_adopt(&sm, NULL, 0, 16, &ops, &n), 0);
	ck_assert_int_eq(n, 0);
	free(ops);
	ck_assert_int_eq(entry("v", &l).hsvrid, 0);
	vol_list_free(&l);
}
END_TEST

START_TEST(a_failed_heads_volumes_wait_for_fencing)
{
	int32_t h1, h2, id, ssvr[2], dext[2], w_ssvr[2];
	bool apart;
	char q[160];

	storage(4);
	h1 = server(SRV_HSVR, "127.0.0.21");
	h2 = server(SRV_HSVR, "127.0.0.22");
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h1), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 2), 2);
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_HSVR, h1), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM fence WHERE hsvrid = "
				 "(SELECT hsvrid FROM ipdata WHERE ip = "
				 "'127.0.0.21') AND initiators = '127.0.0.21'"),
			 2);
	/* Not before every storage server holding its legs refused h1 (M73). */
	ck_assert_int_eq(vol_attach(&sm, named("v"), h2), -EAGAIN);
	/* Another volume waits only where it has a leg on such a server. */
	ck_assert_int_eq(vol_create(&sm, "w", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(legs("w", w_ssvr, dext, 2), 2);
	apart = w_ssvr[0] != ssvr[0] && w_ssvr[0] != ssvr[1] &&
		w_ssvr[1] != ssvr[0] && w_ssvr[1] != ssvr[1];
	ck_assert_int_eq(vol_attach(&sm, named("w"), h2), apart ? 0 : -EAGAIN);
	snprintf(q, sizeof(q), "DELETE FROM fence WHERE ssvrid = %d", ssvr[0]);
	sql(q);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h2), -EAGAIN);
	/* A failed storage server's legs are rebuilt, not used: no wait. */
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_SSVR, ssvr[1]), 0);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h2), 0);
}
END_TEST

START_TEST(a_failed_heads_servers_shred_after_fencing)
{
	struct shred_row *rows = NULL;
	struct db_tx *tx = NULL;
	int32_t h, id, ssvr[2], dext[2];
	int n = -1;
	char q[160];

	storage(2);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h), 0);
	ck_assert_int_eq(legs("v", ssvr, dext, 2), 2);
	ck_assert_int_eq(sm_notify_failure(&sm, TARGET_HSVR, h), 0);
	ck_assert_int_eq(vol_delete(&sm, named("v")), 0);
	/* The head may still write there: no zeroing before its fence. */
	ck_assert_int_eq(db_begin(sm.db, false, &tx), 0);
	ck_assert_int_eq(db_shred_candidates(tx, NULL, 0, true, &rows, &n), 0);
	db_rollback(tx);
	free(rows);
	ck_assert_int_eq(n, 0);
	snprintf(q, sizeof(q), "DELETE FROM fence WHERE ssvrid = %d", ssvr[0]);
	sql(q);
	ck_assert_int_eq(db_begin(sm.db, false, &tx), 0);
	ck_assert_int_eq(db_shred_candidates(tx, NULL, 0, true, &rows, &n), 0);
	db_rollback(tx);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(rows[0].dextid, dext[0]);
	free(rows);
}
END_TEST

START_TEST(shutdown_waits_for_detach)
{
	int32_t h, id;

	storage(3);
	h = server(SRV_HSVR, "127.0.0.21");
	ck_assert_int_eq(vol_create(&sm, "v", 10, 2, NULL, &id), 0);
	ck_assert_int_eq(vol_attach(&sm, named("v"), h), 0);
	ck_assert_int_eq(sm_shutdown_all(&sm), -EBUSY);
	ck_assert_int_eq(vol_detach(&sm, named("v")), 0);
	ck_assert_int_eq(sm_shutdown_all(&sm), 0);
	ck_assert_int_eq(sql_int("SELECT count(*) FROM ssvrlst WHERE "
				 "priority <> 6"),
			 0);
	ck_assert_int_eq(sql_int("SELECT priority FROM hsvrlst"), PRIO_OFFLINE);
}
END_TEST

START_TEST(outcomes_map_to_the_documented_errors)
{
	const struct {
		struct agent_result r;
		int err;
	} t[] = {
	    {{AGENT_DONE, 0, "", 0}, 0},
	    {{AGENT_TIMEDOUT, ETIMEDOUT, "", 0}, -ETIMEDOUT},
	    {{AGENT_UNREACHED, VAS_EINTERNAL, "", 0}, -VAS_EINTERNAL},
	    {{AGENT_UNCERTAIN, VAS_EINTERNAL, "", 0}, -VAS_EINTERNAL},
	    {{AGENT_FAILED, ENOSPC, "", 0}, -(VAS_ERELAY + ENOSPC)},
	    {{AGENT_REFUSED, 0, "", 0}, -VAS_EINTERNAL},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		ck_assert_int_eq(attach_op_error(&t[i].r), t[i].err);
}
END_TEST

/* Issue 15: a deposed leader's worker writes nothing, a request thread does. */
START_TEST(a_deposed_leaders_write_is_refused)
{
	struct db_tx *tx = NULL;

	sql("UPDATE sm_leader SET epoch = 7");
	db_fence_publish(7, vas_now_ms() + 60000);
	db_fence_enter(7);
	ck_assert_int_eq(db_begin(sm.db, true, &tx), 0);
	ck_assert_int_eq(db_end(tx, 0), 0);
	/* another manager took over: the database names a new epoch */
	db_fence_enter(0);
	sql("UPDATE sm_leader SET epoch = 8");
	db_fence_enter(7);
	ck_assert_int_eq(db_begin(sm.db, true, &tx), -ESTALE);
	/* reads stay possible; the lease ran out here: nothing is sent */
	ck_assert_int_eq(db_begin(sm.db, false, &tx), 0);
	db_rollback(tx);
	ck_assert(db_fence_ok());
	db_fence_revoke();
	ck_assert(!db_fence_ok());
	/* lost here: not even a read waits for the database any more */
	tx = NULL;
	ck_assert_int_eq(db_begin(sm.db, false, &tx), -ESTALE);
	ck_assert_ptr_null(tx);
	db_fence_enter(0);
	ck_assert(db_fence_ok());
	ck_assert_int_eq(db_begin(sm.db, false, &tx), 0);
	db_rollback(tx);
	sql("UPDATE sm_leader SET epoch = 9");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    servers_come_back_with_their_id,
	    disks_are_carved_and_queued_for_zeroing,
	    volumes_need_room_on_distinct_servers,
	    attach_records_what_the_agent_did,
	    detach_busy_keeps_the_attachment,
	    snapshots_follow_their_attached_origin,
	    delete_frees_clean_legs_and_queues_dirty_ones,
	    a_failed_disk_gets_its_legs_replaced,
	    bad_blocks_retire_extents_not_disks,
	    one_disk_named_twice_gets_two_extents,
	    operations_left_in_flight_are_found_again,
	    a_failed_head_forgets_its_attachments,
	    a_failed_heads_volumes_wait_for_fencing,
	    a_failed_heads_servers_shred_after_fencing,
	    shutdown_waits_for_detach,
	    outcomes_map_to_the_documented_errors,
	    a_deposed_leaders_write_is_refused,
	    NULL,
	};
	return domain_harness_run("domain", tests);
}
