"""createLogicalVolume and deleteLogicalVolume read before they take the
mutation lock (issue 13): what they read may change while they wait for
it. A session of the test's own holds the lock, changes the database the
way another writer would, and lets the waiting calls go on; each must
answer as if it had run after that writer."""
import threading
import xmlrpc.client

from vastest import MutationLockHolder, SmTestCase, main, v, wait_until

PRIO_FAULTY = 5


class LateLock(MutationLockHolder, SmTestCase):
    def waiting(self, n):
        """Until n writers wait for the lock (at least: a worker's pass
        may wait too)."""
        self.assertTrue(wait_until(lambda: int(self.sm.sql(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
            "wait_event = 'advisory'")) >= n, 20), "%d calls do not wait for the lock" % n)

    def in_threads(self, calls):
        """Runs each (method, args) on a connection of its own; the
        answers (a value, or the fault code as ("fault", code))."""
        results = [None] * len(calls)

        def run(i, method, args):
            with self.sm.proxy() as p:
                try:
                    results[i] = getattr(p, method)(args)
                except xmlrpc.client.Fault as f:
                    results[i] = ("fault", f.faultCode)

        threads = [threading.Thread(target=run, args=(i, m, a)) for i, (m, a) in enumerate(calls)]
        for t in threads:
            t.start()
        return threads, results

    def test_create_does_not_book_a_disk_that_failed_while_it_waited(self):
        _, pdskids = self.cluster()
        self.hold_lock()
        threads, results = self.in_threads([("createLogicalVolume",
                                             v(lvolname="a", capacity=10, redundancy=3))])
        self.waiting(1)  # it has read the three disks; now one fails
        self.release_lock("UPDATE pdsklst SET priority = %d WHERE pdskid = %d;"
                          % (PRIO_FAULTY, pdskids[0]))
        threads[0].join(30)
        # Two servers are left for three legs.
        self.assertEqual(results, [("fault", 28)])
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status = 1"), "0")
        self.assertEqual(self.sm.sql("SELECT count(*) FROM lvollst"), "0")

    def test_creates_of_one_name_that_both_found_it_free(self):
        """Both pass the name check before the lock; the second one's
        INSERT fails inside its pipeline of writes, which are all undone."""
        self.cluster()
        self.hold_lock()
        threads, results = self.in_threads([("createLogicalVolume",
                                             v(lvolname="a", capacity=10))] * 2)
        self.waiting(2)
        self.release_lock()
        for t in threads:
            t.join(30)
        made = [r for r in results if not isinstance(r, tuple)]
        self.assertEqual(len(made), 1, results)
        self.assertIn(("fault", 17), results)
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status = 1"), "3")
        self.assertEqual(self.sm.sql("SELECT count(*) FROM lvolmap"), "6")
        self.invariants()

    def test_deletes_of_one_volume_that_both_found_it(self):
        self.cluster()
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.hold_lock()
        threads, results = self.in_threads([("deleteLogicalVolume", v(lvolname="a"))] * 2)
        self.waiting(2)
        self.release_lock()
        for t in threads:
            t.join(30)
        self.assertEqual(sorted(results, key=str), [("fault", 2), 0])
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status = 1"), "0")
        self.invariants()

    def test_delete_of_a_volume_attached_while_it_waited(self):
        """What decides a delete (attachment, snapshots, legs) is read
        under the lock: an attachment made meanwhile is seen."""
        self.cluster()
        hsvrid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lvolid = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.hold_lock()
        threads, results = self.in_threads([("deleteLogicalVolume", v(lvolname="a"))])
        self.waiting(1)
        self.release_lock("INSERT INTO attach (lvolid, hsvrid, status) VALUES (%d, %d, 2);"
                          % (lvolid, hsvrid))
        threads[0].join(30)
        self.assertEqual(results, [("fault", 16)])
        self.assertEqual(self.sm.sql("SELECT count(*) FROM lvollst"), "1")


if __name__ == "__main__":
    main()
