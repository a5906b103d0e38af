"""The shred engine at scale (issue 14): polling, recording and starting
do not wait for a send to another agent. Before, a pass polled, then
recorded, then sent each batch's starts to every agent of the batch, one
step after the other: one agent slow to accept its shred held up the DONE
of every other disk (at 1 000 servers, the sends of 12 000 disks' work
delayed each DONE by ~34 s)."""
import re
import threading
import urllib.request
import xmlrpc.client

import vastest
from vastest import MutationLockHolder, SmTestCase, metric, v, wait_until

VB_SECTORS = 1025 * 2048  # 1 VB = 1025 MiB


class ShredPipelineTest(SmTestCase):
    n_ssvr = 2

    def sm_options(self):
        # A send that hangs holds for a minute, not for the tests' 3 s.
        return {"agent_timeout_ms": 60000}

    def test_a_hung_send_holds_up_no_other_disk(self):
        release, hung = threading.Event(), threading.Event()

        def slow_answer(method, p):
            if method == "registerShredRequest":
                hung.set()
                release.wait(50)
            return 0

        self.ssvrs[1].request_answer = slow_answer
        try:
            sid = self.s.registerStorageServer(v(ip_data=["127.0.0.12"]))
            self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                          capacity="21000000"))
            self.assertTrue(hung.wait(20), "the slow agent was never sent its shred")
            sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
            pdskid = self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                                   capacity=str(30 * VB_SECTORS + 100)))
            left = "SELECT count(*) FROM shred WHERE pdskid = %d" % pdskid
            # The other disk's three extents are zeroed one after the
            # other: each DONE polled and recorded, the next one started
            # and sent, while the first send still hangs.
            done = wait_until(lambda: self.sm.sql(left) == "0", 30)
            still_hung = not release.is_set()
        finally:
            release.set()
        self.assertTrue(still_hung)
        self.assertTrue(done, "the other disk waited for the hung send: %s of its 3 extents "
                        "left" % self.sm.sql(left))
        # three extents, each sent once
        self.assertEqual(sorted(p["dextid"] for p in
                                self.ssvrs[0].called("registerShredRequest")),
                         [int(x) for x in self.sm.sql(
                             "SELECT dextid FROM dskmap WHERE pdskid = %d AND status = 2 "
                             "ORDER BY dextid" % pdskid).split()])
        self.assertEqual(len(self.ssvrs[0].called("registerShredRequest")), 3)
        self.wait_shredded()
        self.invariants()

    def test_a_costly_transaction_is_cut_short(self):
        """Every API write waits for the shred worker's transaction that
        holds the mutation lock: when rows cost much, fewer go in each."""
        q = self.sm.sql
        # 20 ms per shred row changed; nothing starts while the gate is shut.
        q("CREATE TABLE gate (open bool NOT NULL); INSERT INTO gate VALUES (false); "
          "CREATE FUNCTION costly() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "IF NOT (SELECT open FROM gate) THEN RAISE EXCEPTION 'gate shut'; END IF; "
          "PERFORM pg_sleep(0.02); IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; "
          "RETURN NEW; END $$; CREATE TRIGGER costly BEFORE UPDATE OR DELETE ON shred "
          "FOR EACH ROW EXECUTE FUNCTION costly()")
        # Two servers: a server shreds at most shredder_count (20) at once.
        for ip in ("127.0.0.11", "127.0.0.12"):
            sid = self.s.registerStorageServer(v(ip_data=[ip]))
            for d in range(24):
                self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sd%d" % d,
                                              capacity="21000000"))
        self.assertEqual(q("SELECT count(*) FROM shred"), "48")
        q("UPDATE gate SET open = true")
        self.wait_shredded(60)
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % self.sm.port,
                                    timeout=30) as r:
            text = r.read().decode()
        rows = int(re.search(r"^vas_shred_batch_rows_max (\d+)$", text, re.M).group(1))
        # At most the first guess (16); 40 in one without the measured cost.
        self.assertTrue(0 < rows <= 16, rows)
        self.invariants()


class TurnTest(SmTestCase):
    """A disk's next extent starts in the transaction that records the end
    of its last one. Before, a pass recorded all its ends first and started
    the next extents after them: with more ends than fit in one transaction,
    a disk's end and its next start went into different ones."""
    n_ssvr = 1

    def sm_options(self):
        return {"job_batch": 2}

    def test_a_disk_turn_is_one_transaction(self):
        q = self.sm.sql
        q("CREATE TABLE turns (n serial PRIMARY KEY, xid xid8 NOT NULL, pdskid int NOT NULL, "
          "what text NOT NULL); "
          "CREATE FUNCTION turn_end() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO turns (xid, pdskid, what) VALUES (pg_current_xact_id(), OLD.pdskid, "
          "'end'); RETURN NULL; END $$; "
          "CREATE FUNCTION turn_start() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO turns (xid, pdskid, what) VALUES (pg_current_xact_id(), NEW.pdskid, "
          "'start'); RETURN NULL; END $$; "
          "CREATE TRIGGER turn_end AFTER DELETE ON shred FOR EACH ROW "
          "EXECUTE FUNCTION turn_end(); "
          "CREATE TRIGGER turn_start AFTER UPDATE OF status ON shred FOR EACH ROW "
          "WHEN (NEW.status = 2) EXECUTE FUNCTION turn_start()")
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        # Six disks of three extents each end together, pass after pass.
        for d in range(6):
            self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sd%d" % d,
                                          capacity=str(30 * VB_SECTORS + 100)))
        self.wait_shredded(60)
        self.assertEqual(q("SELECT count(*) FROM turns WHERE what = 'end'"), "18")
        # Every end followed by a start on its disk shares its transaction.
        split = q("SELECT count(*) FROM turns e WHERE e.what = 'end' AND EXISTS (SELECT 1 "
                  "FROM turns s WHERE s.what = 'start' AND s.pdskid = e.pdskid AND s.n > e.n) "
                  "AND NOT EXISTS (SELECT 1 FROM turns s WHERE s.what = 'start' AND "
                  "s.pdskid = e.pdskid AND s.xid = e.xid)")
        self.assertEqual(split, "0", q("SELECT string_agg(what || ' ' || pdskid || ' ' || "
                                       "xid, ', ' ORDER BY n) FROM turns"))
        self.invariants()



class GiveWayTest(MutationLockHolder, SmTestCase):
    """The mutation lock is granted in turn: a shred transaction that
    queued for it while an API write held it went before every write that
    queued later. Now the shred engine lets the manager's other writes go
    first (shred_give_way_ms, long here so that the test does not race it)."""

    def sm_options(self):
        return {"shred_give_way_ms": 60000}

    def create(self, name, results):
        with self.sm.proxy() as p:
            try:
                results[name] = p.createLogicalVolume(v(lvolname=name, capacity=10,
                                                        redundancy=2))
            except xmlrpc.client.Fault as f:
                results[name] = ("fault", f.faultCode)

    def test_api_writes_go_before_the_shred_engine(self):
        q = self.sm.sql
        self.cluster(disks_per_server=2)
        # The order in which writes held the lock.
        q("CREATE TABLE seen (n serial PRIMARY KEY, what text NOT NULL); "
          "CREATE FUNCTION seen_shred() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO seen (what) VALUES ('shred'); RETURN NULL; END $$; "
          "CREATE FUNCTION seen_create() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "INSERT INTO seen (what) VALUES ('create ' || NEW.lvolname); RETURN NULL; END $$; "
          "CREATE TRIGGER seen AFTER DELETE ON shred FOR EACH ROW "
          "EXECUTE FUNCTION seen_shred(); "
          "CREATE TRIGGER seen AFTER INSERT ON lvollst FOR EACH ROW "
          "EXECUTE FUNCTION seen_create()")
        # 4 disks of 40 extents on one server: shreds end all the time.
        sid = int(q("SELECT min(ssvrid) FROM ssvrlst"))
        for d in range(4):
            self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdx%d" % d,
                                          capacity=str(400 * VB_SECTORS)))
        self.assertTrue(wait_until(lambda: q("SELECT count(*) FROM seen") != "0", 30))
        # Another session holds the lock; write a waits for it.
        # Shreds end meanwhile: the engine wants the lock, and queues for
        # it (before) or gives way to a (now).
        self.writes_around_engine(
            self.create, lambda: metric(self.sm, "vas_shred_gave_way_total"))
        # The engine goes on once they are done.
        self.assertTrue(wait_until(lambda: q(
            "SELECT count(*) FROM seen WHERE what = 'shred' AND n > (SELECT n FROM seen "
            "WHERE what = 'create b')") != "0", 30))
        order = q("SELECT string_agg(what, ',' ORDER BY n) FROM seen WHERE n >= (SELECT n "
                  "FROM seen WHERE what = 'create a') AND n <= (SELECT n FROM seen WHERE "
                  "what = 'create b')")
        self.assertEqual(order, "create a,create b")
        self.wait_shredded(60)
        self.invariants()


if __name__ == "__main__":
    vastest.main()
