"""Rebuild starts at scale (issue 14): a failure queues a rebuild per leg,
and every API write waits for each transaction that starts some. The
starts are now chosen before any transaction takes the mutation lock (the
pick read 1 000 rows per batch, under the lock) and give way to the
manager's other writes (resync_give_way_ms), as shred starts do. What the
pick saw is checked again under the lock."""
import threading
import xmlrpc.client

import vastest
from vastest import MutationLockHolder, SmTestCase, metric, v, wait_until

VB_SECTORS = 1025 * 2048  # 1 VB = 1025 MiB


class Starts(MutationLockHolder, SmTestCase):
    """Volumes of 1 GiB x2 on servers 1 and 2; server 1 fails and each
    leg's replacement lands on its own disk of server 3 (one disk per
    leg), so every rebuild can start in the same pass."""
    n_ssvr = 3

    def sm_options(self):
        return {"extentsize": "1", "resync_poll_ms": 100, "max_resync_tasks": 1024}

    def setUp(self):
        super().setUp()
        self.gate = threading.Event()
        self.addCleanup(self.gate.set)

    def failed_cluster(self, volumes, hold_starts=False):
        """Returns {added leg: its target pdskid}, the rebuilds queued."""
        s, q = self.s, self.sm.sql
        ids = [s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)])) for i in range(3)]
        for sid in ids[:2]:
            s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                     capacity=str(VB_SECTORS * (volumes + 3))))
        self.wait_shredded()
        hid = s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        for i in range(volumes):
            lv = s.createLogicalVolume(v(lvolname="v%d" % i, capacity=1, redundancy=2))
            s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        # Rebuilds (and a head's other work from now on) run until the
        # test lets them end.
        self.hsvr.event_answer = lambda ev: [3, 0] if self.gate.is_set() else [2, 0]
        for d in range(volumes):
            s.registerPhysicalDisk(v(ssvrid=ids[2], local_path="/dev/sd%d" % d,
                                     capacity=str(VB_SECTORS * 2)))
        self.wait_shredded()
        if hold_starts:
            # Queued rows wait for the test (next_try an hour away).
            q("CREATE FUNCTION later() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
              "NEW.next_try := now() + interval '1 hour'; RETURN NEW; END $$; "
              "CREATE TRIGGER later BEFORE INSERT ON resync FOR EACH ROW "
              "EXECUTE FUNCTION later()")
        self.assertEqual(s.notifyFailure(v(target=2, targetid=ids[0])), 0)
        rows = q("SELECT r.lvolid_add, d.pdskid FROM resync r JOIN dskmap d ON "
                 "d.dextid = r.lvolid_add ORDER BY 1").split()
        queued = dict(tuple(int(x) for x in r.split("|")) for r in rows)
        self.assertEqual(len(queued), volumes)
        self.assertEqual(len(set(queued.values())), volumes, "one target disk each")
        # Room for the tests' creates (1 GiB x2 on servers 2 and 3).
        s.registerPhysicalDisk(v(ssvrid=ids[2], local_path="/dev/sdz",
                                 capacity=str(VB_SECTORS * 4)))
        self.wait_shredded()
        return queued

    def sent(self):
        return sorted(p["add"]["lvolid"] for p in self.hsvr.called("replaceMirrorDisk"))

    def create(self, name, results):
        with self.sm.proxy() as p:
            try:
                results[name] = p.createLogicalVolume(v(lvolname=name, capacity=1,
                                                        redundancy=2))
            except xmlrpc.client.Fault as f:
                results[name] = ("fault", f.faultCode)

    def test_api_writes_go_before_rebuild_starts(self):
        """The mutation lock is granted in turn: a start that queued for it
        while an API write held it went before every write that queued
        later. Now the starts let the manager's other writes go first."""
        q = self.sm.sql
        self.failed_cluster(2, hold_starts=True)
        q("CREATE TABLE seen (n serial PRIMARY KEY, what text NOT NULL); "
          "CREATE FUNCTION seen_start() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO seen (what) VALUES ('start'); RETURN NULL; END $$; "
          "CREATE FUNCTION seen_create() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO seen (what) VALUES ('create ' || NEW.lvolname); RETURN NULL; END $$; "
          "CREATE TRIGGER seen AFTER UPDATE ON resync FOR EACH ROW WHEN (NEW.status = 2 "
          "AND OLD.status = 1) EXECUTE FUNCTION seen_start(); "
          "CREATE TRIGGER seen AFTER INSERT ON lvollst FOR EACH ROW "
          "EXECUTE FUNCTION seen_create()")
        # The rebuilds may start once write a waits (also for a
        # transaction that began earlier): the engine wants the lock, and
        # queues for it (before) or gives way to a (now).
        self.writes_around_engine(
            self.create, lambda: metric(self.sm, "vas_resync_gave_way_total"),
            lambda: q("UPDATE resync SET next_try = now() - interval '1 minute'"))
        # The starts go on once the writes are done.
        self.assertTrue(wait_until(lambda: q("SELECT count(*) FROM seen WHERE what = "
                                             "'start'") == "2", 30))
        order = q("SELECT string_agg(what, ',' ORDER BY n) FROM seen")
        self.assertEqual(order, "create a,create b,start,start")
        self.assertEqual(len(self.sent()), 2)

    def test_what_changed_since_the_pick_is_checked(self):
        """The starts are picked before the lock: a volume whose detach
        began meanwhile does not start its rebuild (the detach would race
        it on the head); the others do."""
        q = self.sm.sql
        queued = self.failed_cluster(2, hold_starts=True)
        moved, other = sorted(queued)
        self.hold_lock()
        q("UPDATE resync SET next_try = now() - interval '1 minute'")
        # The engine picked both and waits for the lock.
        self.assertTrue(wait_until(lambda: self.lock_waiters() >= 1, 30))
        self.release_lock(
            "UPDATE attach a SET eventid = 777, event_type = 2 FROM lvolmap m WHERE "
            "m.lvolid = %d AND a.lvolid = m.toplvolid;" % moved)
        # Both were planned for one transaction: once it started the
        # other one, it had left this one queued.
        self.assertTrue(wait_until(lambda: self.sent() == [other], 30), self.sent())
        self.assertEqual(q("SELECT status FROM resync WHERE lvolid_add = %d" % moved), "1")
        # The detach "ends" with the volume still attached: it starts.
        q("UPDATE attach SET eventid = 0, event_type = 0 WHERE eventid = 777")
        self.assertTrue(wait_until(lambda: self.sent() == sorted(queued), 30), self.sent())


if __name__ == "__main__":
    vastest.main()
