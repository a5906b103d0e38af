"""The shred engine waits for work (issue 14). Before, it read its whole
queue every shred_poll_ms whatever happened: 1-5 ms of planning per look
in an idle manager, ~0.7 s at 12 000 disks. Now it looks when woken: by
this manager's own writes, by another manager's (sql/013 notifies
vas_shred_work; the leader listens), by a retry coming due; otherwise
every sched_period_ms."""
import xmlrpc.client

import vastest
from vastest import MUTATE_LOCK, SmTestCase, metric, v, wait_until


class ShredWakeTest(SmTestCase):
    n_ssvr = 1

    def sm_options(self):
        # The fallback look at the whole queue out of the way.
        return {"sched_period_ms": 600000}

    def renewals(self, n):
        """Waits until the leader renewed its lease n more times (every
        leader_lease_ms / 4, 1 s): time passed for the engine too."""
        seen = [self.sm.sql("SELECT renewed_at FROM sm_leader")]

        def more():
            now = self.sm.sql("SELECT renewed_at FROM sm_leader")
            if now != seen[-1]:
                seen.append(now)
            return len(seen) > n
        return wait_until(more, 30, 0.1)

    def test_an_idle_manager_leaves_the_queue_alone(self):
        self.cluster()
        before = metric(self.sm, "vas_shred_full_passes_total")
        self.assertTrue(self.renewals(3))
        # Before: a look every shred_poll_ms (100 ms here), 20 or more.
        self.assertLessEqual(metric(self.sm, "vas_shred_full_passes_total") - before, 1)

    def test_work_another_manager_queued_starts(self):
        q = self.sm.sql
        self.cluster()
        self.assertTrue(self.renewals(1))
        # Another writer (as another manager would, under the mutation
        # lock) gives an extent back to be zeroed.
        dext = int(q("SELECT min(dextid) FROM dskmap WHERE status = 2"))
        sent = len(self.ssvrs[0].called("registerShredRequest"))
        q("BEGIN; SELECT pg_advisory_xact_lock(%d); UPDATE dskmap SET status = 4 WHERE "
          "dextid = %d; INSERT INTO shred (dextid, pdskid, \"offset\", capacity, status) "
          "SELECT dextid, pdskid, \"offset\", capacity, 1 FROM dskmap WHERE dextid = %d; "
          "COMMIT" % (MUTATE_LOCK, dext, dext))
        self.assertTrue(wait_until(lambda: [p for p in self.ssvrs[0].called(
            "registerShredRequest")[sent:] if p["dextid"] == dext], 20), "never started")
        self.wait_shredded()
        self.invariants()

    def test_a_retry_starts_when_due(self):
        agent = self.ssvrs[0]
        refused = []

        def request(method, p):
            if method == "registerShredRequest" and not refused:
                refused.append(p["eventid"])
                raise xmlrpc.client.Fault(12, "busy")
            return 0

        agent.request_answer = request
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb", capacity="21000000"))
        # Refused once: tried again after its back-off (10 s), with nothing
        # else to wake the engine.
        self.assertTrue(wait_until(lambda: len(agent.called("registerShredRequest")) >= 2, 40))
        self.assertEqual(len(refused), 1)
        self.wait_shredded()
        self.invariants()


if __name__ == "__main__":
    vastest.main()
