"""Several managers on one PostgreSQL (issue 15), with real processes on
loopback: two or three vas_sm on one database, fake agents that keep the
ledger of test_sm_faults (what a head may have written, what was shredded
when). A shred and a re-mirroring are held in flight by the agents when the
leader dies, hangs or is cut off; they must complete exactly once, under
the manager that takes over.

Each manager gets a host identity of its own (VAS_HOST_ID), as if it ran
on a machine of its own: a successor then cannot see that a leader's
process is gone and must wait its lease out - the slow, general path.

Every agent call is traced to the manager process that made it (its TCP
socket), so "the old leader sends nothing" is checked on what the agents
received, not on what the old leader says of itself."""
import collections
import os
import re
import shutil
import signal
import threading
import time
import unittest
import xmlrpc.client

from pgha import Managers, PgPair, TcpProxy, Uncertain, socket_owner
from test_sm_faults import (INVARIANTS, SETTLED, HeadAgent, Ledger, ShredAgent,
                            check_data_safety, tree_legs, violated)
from vastest import FakeAgent, Postgres, Sm, free_port, main, v, wait_until

VB = 2099200
TAKEOVER_LIMIT_S = 10  # the bounds
FAILOVER_LIMIT_S = 15
LOCK_NS = 5652819  # DB_LOCK_NS (sm/db/db_leader.h)


class HaCase(unittest.TestCase):
    pg = None
    n_ssvr = 4

    @classmethod
    def setUpClass(cls):
        cls.pg = Postgres()

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def setUp(self):
        self.ledger = Ledger()
        self.trace = []  # (time, pid, method, param) of every agent call
        self.trace_lock = threading.Lock()
        self.ssvr_port = free_port("127.0.0.11")
        self.hsvr_port = free_port("127.0.0.21")
        self.ssvrs = [FakeAgent("127.0.0.%d" % (11 + i), self.ssvr_port)
                      for i in range(self.n_ssvr)]
        self.hsvr = FakeAgent("127.0.0.21", self.hsvr_port)
        for a in self.ssvrs + [self.hsvr]:
            a.note_peer = self.note_call
        self.hold_shreds = False
        self.shred_agents = [ShredAgent(a, self.ledger) for a in self.ssvrs]
        for s in self.shred_agents:
            s.gate = lambda ev: not self.hold_shreds
        self.polls = 0  # PROGRESS answers of a head event before DONE
        self.head = HeadAgent(self.hsvr, self.ledger, lambda: self.polls)
        self.db = self.pg.new_db()
        self.sms = []
        self.client = Managers([])

    def tearDown(self):
        for sm in self.sms:
            if sm.proc:
                sm.proc.send_signal(signal.SIGCONT)
        for sm in self.sms:
            sm.kill()
            shutil.rmtree(sm.dir, ignore_errors=True)
        for a in self.ssvrs + [self.hsvr]:
            a.stop()

    # --- managers -------------------------------------------------------

    def start_sm(self, i, dsn=None, more=None):
        extra = {"resync_poll_ms": 100, "shred_poll_ms": 100, "attach_poll_ms": 50,
                 "agent_timeout_ms": 2000, "op_timeout": 10}
        if dsn:
            extra["dsn"] = dsn
        extra.update(more or {})
        sm = Sm(self.pg, db=self.db, extra=extra, ssvr_port=self.ssvr_port,
                hsvr_port=self.hsvr_port, env={"VAS_HOST_ID": "host-%d" % i}).start()
        self.sms.append(sm)
        self.client.ports.append(sm.port)
        return sm

    def pids(self):
        return [sm.proc.pid for sm in self.sms if sm.proc]

    def note_call(self, method, param, peer):
        pid = socket_owner(peer[0], peer[1], self.pids())
        with self.trace_lock:
            self.trace.append((time.time(), pid, method, param))

    def calls_from(self, pid, after=0.0):
        with self.trace_lock:
            return [c for c in self.trace if c[1] == pid and c[0] > after]

    def leader(self):
        """(index, epoch) of the manager the lease names."""
        epoch, pid = self.sql("SELECT epoch, os_pid FROM sm_leader").split("|")
        for i, sm in enumerate(self.sms):
            if sm.proc and sm.proc.pid == int(pid):
                return i, int(epoch)
        return None, int(epoch)

    def logged(self, i, pattern, after=0.0):
        """When manager i first logged pattern after a time, or None."""
        for m in re.finditer(r"^(\S+) .*%s" % pattern, self.sms[i].logtext(), re.M):
            t = log_time(m.group(1))
            if t > after:
                return t
        return None

    def leading_since(self, i, epoch):
        """When manager i started its workers for an epoch after epoch."""
        for m in re.finditer(r"^(\S+) INFO .*leading \(epoch (\d+)\)", self.sms[i].logtext(),
                             re.M):
            if int(m.group(2)) > epoch:
                return log_time(m.group(1))
        return None

    def wait_new_leader(self, epoch, exclude, timeout=30):
        """(index, time it started its workers) of a manager other than
        exclude leading after epoch."""
        found = wait_until(lambda: next(((i, t) for i in range(len(self.sms))
                                         if i != exclude and self.sms[i].proc
                                         for t in [self.leading_since(i, epoch)] if t), None),
                           timeout, step=0.05)
        self.assertTrue(found, "no manager took over:\n" + "\n".join(
            sm.logtext()[-1500:] for sm in self.sms if sm.proc))
        return found

    # --- the cluster and the work in flight -------------------------------

    def sql(self, q):
        return self.pg.psql(q, self.db)

    def cluster(self, disk_vb=60):
        c = self.client
        sids = [c.call("registerStorageServer", v(ip_data=["127.0.0.%d" % (11 + i)]))
                for i in range(self.n_ssvr)]
        for sid in sids:
            c.call("registerPhysicalDisk", v(ssvrid=sid, local_path="/dev/sdb",
                                             capacity=str(VB * disk_vb + 1000)))
        self.hid = c.call("registerHeadServer", v(ip_data=["127.0.0.21"]))
        self.assertTrue(wait_until(lambda: self.sql("SELECT count(*) FROM shred") == "0", 240))

    def in_flight(self):
        """A shred (a once-attached volume deleted) and a rebuild (a leg of
        an attached volume failed), both held unfinished by the agents."""
        c = self.client
        self.hold_shreds = True
        a = c.call("createLogicalVolume", v(lvolname="s", capacity=10))
        c.call("attachLogicalVolume", v(lvolid=a, hsvrid=self.hid))
        c.call("detachLogicalVolume", v(lvolid=a))
        c.call("deleteLogicalVolume", v(lvolid=a))
        b = c.call("createLogicalVolume", v(lvolname="r", capacity=10))
        c.call("attachLogicalVolume", v(lvolid=b, hsvrid=self.hid))
        tree = c.call("showLogicalVolume", v(lvolid=b))
        self.polls = 10 ** 9
        c.call("notifyFailure", v(target=4, targetid=tree_legs(tree)[0][0]))
        self.assertTrue(wait_until(lambda: self.sql(
            "SELECT (SELECT count(*) FROM shred WHERE status = 2) > 0 AND "
            "(SELECT count(*) FROM resync WHERE status = 2) > 0") == "t", 20),
            "no shred and rebuild in flight")
        self.assertTrue(wait_until(lambda: self.shred_agents_hold() and self.head.events, 20))
        # The extents being shredded, and how often each was shredded so far.
        self.held = {int(d) for d in self.sql("SELECT dextid FROM shred").split()}
        self.held_before = self.shred_counts()

    def shred_counts(self):
        with self.ledger.lock:
            return collections.Counter(s[1] for s in self.ledger.shreds)

    def shred_agents_hold(self):
        return any(s.events for s in self.shred_agents)

    def let_finish(self):
        """The agents finish what they hold; then the tables empty."""
        self.hold_shreds = False
        self.polls = 0
        with self.head.lock:
            for e in self.head.events.values():
                e[0] = 0
        for table in ("resync", "shred"):
            self.assertTrue(wait_until(lambda: self.sql(
                "SELECT count(*) FROM %s" % table) == "0", 60), self.sql(
                "SELECT * FROM %s" % table))

    def check_once(self):
        """Invariants, data safety, and every extent shredded once only
        and by one shredder at a time."""
        alive = next(sm for sm in self.sms if sm.proc)
        checks = dict(INVARIANTS)
        checks.update(SETTLED)
        self.assertEqual(violated(alive, checks), [], "database invariants")
        check_data_safety(self, alive, self.ledger)
        self.assertTrue(self.held)
        now = self.shred_counts()
        self.assertEqual({d: now[d] - self.held_before[d] for d in self.held},
                         {d: 1 for d in self.held}, "shreds per extent held in flight")

    def report(self, what, seconds):
        print("\n%s: %.1f s (limit %d s); client retries %s" % (
            what, seconds, TAKEOVER_LIMIT_S, self.client.retries))


def log_time(stamp):
    """A log line's local time stamp as time.time()."""
    whole, _, frac = stamp.partition(".")
    return time.mktime(time.strptime(whole, "%Y-%m-%dT%H:%M:%S")) + float("0." + (frac or "0"))


class KillLeader(HaCase):

    def test_kill_9_of_the_leader_hands_its_work_over(self):
        for i in range(3):
            self.start_sm(i)
        self.cluster()
        self.in_flight()
        old, epoch = self.leader()
        self.assertIsNotNone(old)
        t0 = time.time()
        self.sms[old].kill()
        new, t = self.wait_new_leader(epoch, old)
        # The clients' host list skips the dead one (connection refused).
        self.client.call("createLogicalVolume", v(lvolname="after", capacity=10), first=old)
        self.let_finish()
        self.assertTrue(self.calls_from(self.sms[new].proc.pid, t))
        self.check_once()
        self.assertGreater(self.client.retries["refused"], 0)
        self.report("kill -9 of the leader; takeover after", t - t0)
        self.assertLessEqual(t - t0, TAKEOVER_LIMIT_S)


class HungLeader(HaCase):

    def test_stopped_leader_is_replaced_and_sends_nothing_when_it_wakes(self):
        for i in range(3):
            self.start_sm(i)
        self.cluster()
        self.in_flight()
        old, epoch = self.leader()
        pid = self.sms[old].proc.pid
        self.client.ports.remove(self.sms[old].port)  # it would not answer
        t0 = time.time()
        os.kill(pid, signal.SIGSTOP)
        new, t = self.wait_new_leader(epoch, old)
        os.kill(pid, signal.SIGCONT)
        self.assertTrue(wait_until(lambda: self.logged(old, "leadership lost", t0), 20),
                        self.sms[old].logtext()[-2000:])
        self.assertTrue(wait_until(lambda: self.logged(old, "standby; the leader is", t0), 20),
                        self.sms[old].logtext()[-2000:])
        self.let_finish()
        self.check_once()
        # A shred requested after the old leader woke runs on the new one.
        woke = time.time()
        c = self.client
        x = c.call("createLogicalVolume", v(lvolname="after", capacity=10))
        c.call("attachLogicalVolume", v(lvolid=x, hsvrid=self.hid))
        c.call("detachLogicalVolume", v(lvolid=x))
        c.call("deleteLogicalVolume", v(lvolid=x))
        self.assertTrue(wait_until(lambda: self.sql("SELECT count(*) FROM shred") == "0", 240))
        self.assertTrue([m for m in self.calls_from(self.sms[new].proc.pid, woke)
                         if m[2] == "registerShredRequest"])
        # Requests it had sent before the stop are answered within ms.
        self.assertEqual(self.calls_from(pid, t0 + 1.0), [])
        self.report("SIGSTOP of the leader; takeover after", t - t0)
        self.assertLessEqual(t - t0, TAKEOVER_LIMIT_S)


class CutOffLeader(HaCase):

    def test_leader_cut_off_from_the_database_stops_before_the_successor(self):
        proxy = TcpProxy("127.0.0.41", ("127.0.0.1", 0))
        proxy.target = self.pg_tcp()
        try:
            self.cut_off(proxy)
        finally:
            proxy.stop()

    def pg_tcp(self):
        """The test cluster listens on a socket only: a TCP door to it."""
        return self.unix_door.addr

    def setUp(self):
        super().setUp()
        self.unix_door = UnixDoor(os.path.join(self.pg.dir, ".s.PGSQL.5432"))

    def tearDown(self):
        super().tearDown()
        self.unix_door.stop()

    def cut_off(self, proxy):
        dsn = "host=%s port=%d user=vas dbname=%s connect_timeout=2" % (
            proxy.addr[0], proxy.addr[1], self.db)
        self.start_sm(0, dsn=dsn)
        self.assertTrue(wait_until(lambda: self.leading_since(0, 0), 10))
        self.start_sm(1)
        self.client.ports = [self.sms[1].port]  # the cut-off one cannot answer
        self.cluster()
        self.in_flight()
        old, epoch = self.leader()
        self.assertEqual(old, 0)
        pid = self.sms[0].proc.pid
        t0 = time.time()
        proxy.cut()
        new, t = self.wait_new_leader(epoch, 0)
        lost = self.logged(0, "leadership lost", t0)
        self.assertTrue(lost, self.sms[0].logtext()[-2000:])
        self.assertLess(lost, t, "the old leader stopped after the new one started")
        self.let_finish()
        self.assertTrue(self.calls_from(self.sms[1].proc.pid, t))
        # Nothing reached an agent from the old leader after it lost.
        self.assertEqual(self.calls_from(pid, lost), [])
        proxy.heal()
        ok = wait_until(lambda: self.logged(0, "standby; the leader is", t0), 30)
        if not ok and os.environ.get("VAS_HA_DEBUG"):
            import subprocess
            subprocess.run(["gdb", "-batch", "-p", str(pid), "-ex", "thread apply all bt"],
                           stdout=open("/tmp/ha_bt.txt", "w"), stderr=subprocess.STDOUT)
            shutil.copy(os.path.join(self.sms[0].dir, "sm.log"), "/tmp/ha_sm0.log")
        self.assertTrue(ok, self.sms[0].logtext()[-2000:])
        self.check_once()
        self.assertEqual(self.calls_from(pid, lost), [])
        self.report("leader cut off from PostgreSQL (it stopped after %.1f s); the survivor "
                    "took over after" % (lost - t0), t - t0)
        self.assertLessEqual(t - t0, TAKEOVER_LIMIT_S)


# Waits in the server for the lease's next renewal, then ends the session
# that wrote it (the election session, holding the instance lock).
RENEWED_THEN_CUT = """DO $$
DECLARE
    seen timestamptz;
    now_at timestamptz;
BEGIN
    SELECT renewed_at INTO seen FROM sm_leader;
    LOOP
        SELECT renewed_at INTO now_at FROM sm_leader;
        EXIT WHEN now_at <> seen;
        IF clock_timestamp() - now() > interval '60 s' THEN
            RAISE 'the lease was not renewed';
        END IF;
        PERFORM pg_sleep(0.01);
    END LOOP;
    PERFORM pg_terminate_backend(pid) FROM sm_leader;
END $$"""


class ElectionSessionLost(HaCase):
    """A manager's election session ends while its API thread drives an
    attach the head holds. With the session went its instance lock, the
    mark of a live driver; no adopter - of this manager's old or new
    leadership, or of another manager - may drive that attach a second
    time, and the API thread answers its outcome."""

    def hold_attach(self, sm):
        """An attach of a new volume through sm, held in progress by the
        head: (volume, thread, result)."""
        lvol = self.client.call("createLogicalVolume", v(lvolname="a", capacity=10))
        self.polls = 10 ** 9
        result = {}

        def attach():
            try:
                result["ok"] = Managers([sm.port], timeout=300).call(
                    "attachLogicalVolume", v(lvolid=lvol, hsvrid=self.hid))
            except xmlrpc.client.Fault as f:
                result["fault"] = (f.faultCode, f.faultString)

        t = threading.Thread(target=attach)
        t.start()
        self.addCleanup(t.join, 60)
        self.addCleanup(self.release)
        self.assertTrue(wait_until(lambda: self.head.events, 20))
        return lvol, t, result

    def release(self):
        self.polls = 0
        with self.head.lock:
            for e in self.head.events.values():
                e[0] = 0

    def check_driven_once(self, sm, lvol, t, result):
        self.release()
        t.join(60)
        self.assertFalse(t.is_alive(), "the attach call hangs")
        logs = "\n".join(s.logtext()[-2500:] for s in self.sms if s.proc)
        self.assertEqual(result, {"ok": 0}, logs)
        with self.trace_lock:
            sent = [m for m in self.trace if m[2] == "attachLogicalVolume"]
        self.assertEqual(len(sent), 1, logs)
        self.assertEqual(self.sql("SELECT status, eventid FROM attach WHERE lvolid = %d"
                                  % lvol), "1|0")
        for s in self.sms:
            self.assertEqual(s.stop(), 0, s.logtext()[-3000:])

    def election_backend(self, i):
        """The backend holding manager i's instance lock, or None."""
        m = re.search(r"manager .*, instance (\d+)", self.sms[i].logtext())
        pid = self.sql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND "
                       "classid = %d AND objid = %s AND objsubid = 2 AND granted"
                       % (LOCK_NS, m.group(1)))
        return int(pid) if pid else None

    def test_leader_loses_and_takes_back_its_leadership(self):
        # A long lease: the lost session goes unnoticed for a while (as
        # under emulation), time in which the adopter looks for orphans.
        # The dsn names the pool's sessions: none but the election session
        # then shows the instance alive, and what keeps this manager's own
        # adopters off is that it knows what it drives.
        sm = self.start_sm(0, dsn=self.pg.dsn(self.db) + " application_name=pool",
                           more={"leader_lease_ms": 20000, "op_timeout": 300,
                                 "agent_timeout_ms": 10000})
        self.assertTrue(wait_until(lambda: self.leading_since(0, 0), 20))
        self.cluster()
        held = self.hold_attach(sm)
        _, epoch = self.leader()
        # Just after a renewal, so the lost session goes unnoticed for
        # most of a renewal period (lease / 4).
        t0 = time.time()
        self.sql(RENEWED_THEN_CUT)
        self.assertTrue(wait_until(lambda: self.logged(0, "leadership lost", t0), 30),
                        sm.logtext()[-2000:])
        self.assertTrue(wait_until(lambda: self.leading_since(0, epoch), 30),
                        sm.logtext()[-2000:])
        self.check_driven_once(sm, *held)

    def test_standby_loses_its_session_beside_a_leader(self):
        leader = self.start_sm(0, more={"leader_lease_ms": 8000})
        self.assertTrue(wait_until(lambda: self.leading_since(0, 0), 20))
        # A standby looks at the election every lease / 8: 5 s here.
        sm = self.start_sm(1, more={"leader_lease_ms": 40000, "op_timeout": 300,
                                    "agent_timeout_ms": 10000})
        self.cluster()
        held = self.hold_attach(sm)
        old = self.election_backend(1)
        self.assertTrue(old)
        # Just after the standby's look, so its lost session goes
        # unnoticed for most of a period; the leader adopts every 2 s.
        since = self.sql("SELECT state_change FROM pg_stat_activity WHERE pid = %d" % old)
        self.assertTrue(wait_until(lambda: self.sql(
            "SELECT state_change FROM pg_stat_activity WHERE pid = %d" % old) != since,
            30, step=0.02))
        self.sql("SELECT pg_terminate_backend(%d)" % old)
        # It takes its instance lock again on a new session.
        self.assertTrue(wait_until(lambda: self.election_backend(1) not in (None, old), 30),
                        sm.logtext()[-2000:])
        self.assertEqual(self.leader()[0], 0, leader.logtext()[-2000:])
        self.check_driven_once(sm, *held)


class StandbyPromotion(HaCase):
    """A primary and a synchronous streaming standby; the managers' dsn
    names both (target_session_attrs=read-write)."""

    @classmethod
    def setUpClass(cls):
        cls.pg = PgPair()

    def creator(self, stop, prefix, acked, uncertain):
        k = 0
        while not stop.is_set() and k < 30:  # the disks hold 80 such volumes
            name = "%s%d" % (prefix, k)
            k += 1
            try:
                self.client.call("createLogicalVolume", v(lvolname=name, capacity=1),
                                 patience=60)
                acked.append(name)
            except Uncertain:
                uncertain.append(name)
            except xmlrpc.client.Fault as f:
                if f.faultCode != 500:
                    self.thread_errors.append((name, repr(f)))
                    return
                # A COMMIT lost at the failover itself: recorded or not,
                # the manager cannot tell (README); counted below.
                self.unknown.append(name)
            except Exception as e:  # reported by the test, not lost in a thread
                self.thread_errors.append((name, repr(e)))
                return
            time.sleep(0.05)

    def write_through(self, i):
        """A change carried out by manager i, retried while it says EAGAIN."""
        c = Managers([self.sms[i].port])
        c.call("createLogicalVolume", v(lvolname="via%d" % i, capacity=1), patience=60)
        return time.time()

    def test_managers_follow_a_promoted_standby(self):
        for i in range(2):
            self.start_sm(i)
        self.cluster(disk_vb=600)
        _, epoch = self.leader()
        stop = threading.Event()
        acked, uncertain = [], []
        self.thread_errors, self.unknown = [], []
        load = [threading.Thread(target=self.creator, args=(stop, p, acked, uncertain))
                for p in ("a", "b")]
        for t in load:
            t.start()
        self.assertTrue(wait_until(lambda: len(acked) >= 5, 30))
        t0 = time.time()
        self.pg.stop_primary()
        self.pg.promote()
        n = len(acked)
        back = [self.write_through(i) - t0 for i in range(2)]
        # The clients' load goes on on the new primary.
        self.assertTrue(wait_until(lambda: len(acked) >= n + 4 or self.thread_errors, 60))
        stop.set()
        for t in load:
            t.join(120)
            self.assertFalse(t.is_alive(), "a client hangs")
        errors = "\n".join(l for sm in self.sms if sm.proc
                           for l in sm.logtext().splitlines()
                           if " ERROR " in l or " WARN " in l)[-4000:]
        self.assertEqual(self.thread_errors, [], errors)
        # Each 500 is a COMMIT the managers logged as lost with the old
        # server (outcome unknown), nothing else.
        lost = sum(sm.logtext().count("replaced: outcome unknown")
                   for sm in self.sms if sm.proc)
        self.assertLessEqual(len(self.unknown), lost, errors)
        _, led = self.wait_new_leader(epoch, None)
        names = {x["lvolname"] for x in self.client.call("listLogicalVolumes", v(), read=True)}
        self.assertEqual(sorted(set(acked) - names), [], "acknowledged but lost")
        self.assertEqual(violated(self.sms[0], INVARIANTS), [])
        print("\nprimary stopped, standby promoted: managers writing again after %s s "
              "(limit %d s), a leader again after %.1f s; %d creates acknowledged, %d "
              "answers lost with the primary, %d outcomes unknown (500); client retries "
              "%s" % (", ".join("%.1f" % b for b in back), FAILOVER_LIMIT_S, led - t0,
                      len(acked), len(uncertain), len(self.unknown),
                      self.client.retries))
        for b in back:
            self.assertLessEqual(b, FAILOVER_LIMIT_S)


class UnixDoor:
    """ip:port forwarded to a Unix socket (the test PostgreSQL)."""

    def __init__(self, path, ip="127.0.0.1"):
        import socket
        self.path = path
        self.sock = socket.socket()
        self.sock.bind((ip, 0))
        self.sock.listen(64)
        self.addr = self.sock.getsockname()
        self.done = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        import socket
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(self.path)
            except OSError:
                c.close()
                continue
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    def pump(self, a, b):
        while True:
            try:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
            except OSError:
                break
        for x in (a, b):
            try:
                x.shutdown(2)
            except OSError:
                pass

    def stop(self):
        self.done = True
        self.sock.close()


if __name__ == "__main__":
    main()
