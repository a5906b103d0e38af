"""Crashes and faults the manager must survive (issue 8): kill -9 at random
moments of a mixed workload, agents that hang, die mid-event or answer
garbage, a dead data link, and the data safety rule (an extent that held
data is FREE only after a shred of that very extent, requested after its
last use, completed).

The fake agents keep a ledger: the head agent records the extents it may
have written (every leg of a tree it was asked to attach, every extent a
rebuild added) and when it last touched them; the storage agents record
every shred they carried out. check_data_safety() holds every FREE extent
of the database against that ledger."""
import http.client
import os
import random
import re
import shutil
import socket
import subprocess
import threading
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from vastest import PG_BIN, FakeAgent, Sm, SmTestCase, main, more_calls, v, wait_until

VB = 2099200  # sectors per vb
ROUNDS = int(os.environ.get("VAS_CRASH_ROUNDS", "50"))


# --------------------------------------------------------------------------
# Database invariants (sm.md 2.4), one query; returns the violated names.

INVARIANTS = {
    # BUSY <=> a leg uses the extent, with the same size
    "busy_iff_leg": "SELECT count(*) FROM dskmap d WHERE (d.status = 1) <> EXISTS (SELECT 1 "
                    "FROM lvolmap m WHERE m.dextid = d.dextid AND m.capacity = d.capacity)",
    "extent_in_two_legs": "SELECT count(*) FROM (SELECT dextid FROM lvolmap WHERE dextid IS NOT "
                          "NULL GROUP BY 1 HAVING count(*) > 1) x",
    "legs_on_one_server": "SELECT count(*) FROM (SELECT m.superlvolid FROM lvolmap m JOIN dskmap d "
                          "ON d.dextid = m.dextid JOIN pdsklst p ON p.pdskid = d.pdskid "
                          "GROUP BY m.superlvolid, p.ssvrid HAVING count(*) > 1) x",
    "mirror_not_redundancy_legs": "SELECT count(*) FROM lvolmap m JOIN lvollst l ON l.lvolid = "
                                  "m.toplvolid WHERE m.lvoltype = 2 AND (SELECT count(*) FROM "
                                  "lvolmap c WHERE c.superlvolid = m.lvolid AND c.lvoltype = 3) "
                                  "<> l.redundancy",
    "volume_without_mirrors": "SELECT count(*) FROM lvollst l WHERE NOT EXISTS (SELECT 1 FROM "
                              "lvolmap m WHERE m.toplvolid = l.lvolid AND m.lvoltype = 2)",
    # data extents tile [0, capacity) of each disk: no gap, no overlap
    "disk_not_tiled": "SELECT count(*) FROM (SELECT pdskid, \"offset\", capacity, lag(\"offset\" "
                      "+ capacity, 1, 0) OVER (PARTITION BY pdskid ORDER BY \"offset\") AS expect "
                      "FROM dskmap WHERE status <> 5) x WHERE \"offset\" <> expect",
    "disk_sum_not_capacity": "SELECT count(*) FROM pdsklst p WHERE p.capacity <> COALESCE((SELECT "
                             "sum(capacity) FROM dskmap d WHERE d.pdskid = p.pdskid AND d.status "
                             "<> 5), 0)",
    "pdsk_free_wrong": "SELECT count(*) FROM pdsklst p LEFT JOIN pdsk_free f USING (pdskid) WHERE "
                       "COALESCE(f.free_vb, 0) <> COALESCE((SELECT sum(capacity) FROM dskmap d "
                       "WHERE d.pdskid = p.pdskid AND d.status = 2), 0)",
    "largest_free_wrong": "SELECT count(*) FROM pdsklst p LEFT JOIN pdsk_free f USING (pdskid) "
                          "WHERE COALESCE(f.largest_vb, 0) <> COALESCE((SELECT max(capacity) FROM "
                          "dskmap d WHERE d.pdskid = p.pdskid AND d.status = 2), 0)",
    "attach_of_snapshot": "SELECT count(*) FROM attach a JOIN assoc o ON o.assoc_lvolid = a.lvolid",
    "attach_event_mismatch": "SELECT count(*) FROM attach WHERE (eventid = 0) <> (event_type = 0) "
                             "OR (assoc_lvolid <> 0 AND NOT EXISTS (SELECT 1 FROM assoc o WHERE "
                             "o.assoc_lvolid = attach.assoc_lvolid AND o.lvolid = attach.lvolid))",
    "live_shred_not_offline": "SELECT count(*) FROM shred s JOIN dskmap d USING (dextid) WHERE "
                              "s.status IN (1, 2) AND (d.status <> 4 OR d.pdskid <> s.pdskid OR "
                              "d.\"offset\" <> s.\"offset\" OR d.capacity <> s.capacity)",
    "two_live_shreds": "SELECT count(*) FROM (SELECT dextid FROM shred WHERE status IN (1, 2) "
                       "GROUP BY 1 HAVING count(*) > 1) x",
    # an OFFLINE extent of a healthy disk must be on its way to FREE
    "offline_stranded": "SELECT count(*) FROM dskmap d JOIN pdsklst p USING (pdskid) JOIN ssvrlst s "
                        "USING (ssvrid) WHERE d.status = 4 AND p.priority IN (1, 2) AND s.priority "
                        "IN (1, 2) AND NOT EXISTS (SELECT 1 FROM shred x WHERE x.dextid = d.dextid "
                        "AND x.status IN (1, 2))",
    "event_id_shared": "SELECT count(*) FROM (SELECT e FROM (SELECT eventid e FROM shred UNION ALL "
                       "SELECT eventid FROM resync UNION ALL SELECT eventid FROM attach WHERE "
                       "eventid <> 0) x WHERE e IS NOT NULL GROUP BY e HAVING count(*) > 1) y",
    # an id is taken when a row is sent, and held only while an agent may know it
    "queued_with_fresh_id": "SELECT count(*) FROM (SELECT eventid, status, attempts FROM shred "
                            "UNION ALL SELECT eventid, status, attempts FROM resync) x WHERE "
                            "(status = 2 AND eventid IS NULL) OR (attempts = 0 AND eventid IS "
                            "NOT NULL AND status = 1)",
}

# Only after the workers had time to tidy up (resync housekeeping).
SETTLED = {
    "resync_not_spare_leg": "SELECT count(*) FROM resync r WHERE NOT EXISTS (SELECT 1 FROM "
                            "lvolmap m WHERE m.lvolid = r.lvolid_add AND m.mirror_status = 3)",
}


def nudge(sm, q):
    """Runs a test's own UPDATE of the job queues. It races the manager's
    batch statements over the same rows, so PostgreSQL may pick it as the
    victim of a deadlock: then it is simply run again. Retries it makes
    due now are announced as another manager's write would be (sql/013):
    the shred engine looks for its own retries only when they come due."""
    q += "; NOTIFY vas_shred_work"
    for _ in range(20):
        try:
            return sm.sql(q)
        except RuntimeError as e:
            if "deadlock detected" not in str(e):
                raise
    return sm.sql(q)


def violated(sm, checks):
    q = " UNION ALL ".join("SELECT '%s', (%s)" % (k, sql) for k, sql in checks.items())
    out = sm.sql("SELECT * FROM (%s) x(name, n) WHERE n > 0" % q)
    return out.splitlines() if out else []


# --------------------------------------------------------------------------
# Agents with a ledger.

class Ledger:
    """What the fake agents did, with times (time.monotonic())."""

    def __init__(self):
        self.lock = threading.Lock()
        self.touched = {}   # dextid -> (pdskid, offset, capacity, last touch)
        self.held = set()   # dextids the head may still write
        self.shreds = []    # (pdskid, dextid, offset, capacity, t_request, t_done)
        self.history = []   # (time, what, dextids), to explain a failure

    def note(self, what, dextids):
        with self.lock:
            self.history.append((round(time.monotonic(), 3), what, sorted(dextids)))

    def hold(self, legs, why="hold"):
        now = time.monotonic()
        with self.lock:
            self.history.append((round(now, 3), why, sorted(l[0] for l in legs)))
            for d, p, o, c in legs:
                self.touched[d] = (p, o, c, now)
                self.held.add(d)

    def touch_held(self):
        now = time.monotonic()
        with self.lock:
            for d in self.held:
                p, o, c, _ = self.touched[d]
                self.touched[d] = (p, o, c, now)

    def release(self, dextids):
        self.touch_held()
        with self.lock:
            self.history.append((round(time.monotonic(), 3), "release", sorted(dextids)))
            self.held -= set(dextids)

    def release_where(self, pred):
        self.touch_held()
        with self.lock:
            gone = {d for d in self.held if pred(self.touched[d])}
            self.history.append((round(time.monotonic(), 3), "release", sorted(gone)))
            self.held -= gone

    def shredded(self, rec, ev):
        with self.lock:
            self.history.append((round(time.monotonic(), 3), "shred done event %d" % ev, [rec[1]]))
            self.shreds.append(rec)


def tree_legs(node):
    """(dextid, pdskid, offset, capacity) of every DEXT in an lvolstruct."""
    out = []
    if node.get("lvoltype") == 3:
        s = node["lvolspec"]
        out.append((node["lvolid"], s["pdskid"], s["offset"], node["capacity"]))
    for c in node.get("components", []):
        out += tree_legs(c)
    if node.get("lvoltype") == 0:
        for a in node["lvolspec"].get("assoc", []):
            out += tree_legs(a)
    return out


def tree_md(node, out=None):
    """mirror id -> its DEXT legs, over a whole lvolstruct."""
    out = {} if out is None else out
    if node.get("lvoltype") == 2:
        out[node["lvolid"]] = tree_legs(node)
    for c in node.get("components", []):
        tree_md(c, out)
    if node.get("lvoltype") == 0:
        for a in node["lvolspec"].get("assoc", []):
            tree_md(a, out)
    return out


def add_leg(node):
    m = re.search(r":([0-9a-f]{8})-lun-1$", node["lvolspec"]["iscsi_path"][0])
    return (node["lvolid"], int(m.group(1), 16), node["lvolspec"]["offset"], node["capacity"])


class ShredAgent:
    """Storage agent behaviour: an event per eventid (idempotent re-send, as
    ssvr.md 3.2), DONE after `delay` s, consumed by the first read."""

    def __init__(self, agent, ledger, delay=lambda: 0.0):
        self.agent, self.ledger, self.delay = agent, ledger, delay
        self.events = {}
        self.lock = threading.Lock()
        self.gate = None  # callable(eventid) -> False keeps it PROGRESS
        agent.request_answer = self.request
        agent.event_answer = self.status

    def request(self, method, p):
        if method == "registerShredRequest":
            with self.lock:
                if p["eventid"] not in self.events:
                    self.events[p["eventid"]] = dict(p, t=time.monotonic(),
                                                     due=time.monotonic() + self.delay())
                    self.ledger.note("shred request event %d" % p["eventid"], [p["dextid"]])
        return 0

    def status(self, ev):
        with self.lock:
            e = self.events.get(ev)
            if e is None:
                return [0, 0]
            now = time.monotonic()
            if now < e["due"] or (self.gate and not self.gate(ev)):
                return [2, 0]
            del self.events[ev]
        self.ledger.shredded((e["pdskid"], e["dextid"], e["offset"], e["capacity"], e["t"], now),
                             ev)
        return [3, 0]


class HeadAgent:
    """Head agent behaviour: attach/detach/replaceMirrorDisk events that end
    DONE after `polls` PROGRESS answers. It keeps the md devices it
    assembled (mirror id -> legs); every leg of one goes into the ledger as
    written until a rebuild removes it or a detach tears the mirror down."""

    def __init__(self, agent, ledger, polls=lambda: 0):
        self.agent, self.ledger, self.polls = agent, ledger, polls
        self.events = {}
        self.md = {}  # mirrorid -> set of dextids
        self.unknown_mirror = 0
        self.lock = threading.Lock()
        agent.request_answer = self.request
        agent.event_answer = self.status

    def request(self, method, p):
        self.ledger.touch_held()
        with self.lock:
            if p["eventid"] in self.events:
                return 0
        if method == "attachLogicalVolume":
            md = tree_md(p["lvolstruct"])
            self.ledger.hold([l for legs in md.values() for l in legs],
                             "attach lvol %d event %d" % (p["lvolstruct"]["lvolid"],
                                                           p["eventid"]))
            with self.lock:
                for m, legs in md.items():
                    self.md.setdefault(m, set()).update(l[0] for l in legs)
            ev = ("attach", None)
        elif method == "detachLogicalVolume":
            ev = ("detach", list(tree_md(p["lvolstruct"])))
        elif method == "replaceMirrorDisk":
            with self.lock:
                known = p["mirrorid"] in self.md
            if not known:  # as the real agent: no such md device
                self.unknown_mirror += 1
                raise xmlrpc.client.Fault(2, "ENOENT")
            self.ledger.hold([add_leg(p["add"])], "resync event %d" % p["eventid"])
            with self.lock:
                self.md[p["mirrorid"]].add(p["add"]["lvolid"])
            ev = ("resync", (p["mirrorid"], p["remove"]["lvolid"], p["add"]["lvolid"]))
        else:
            return 0
        with self.lock:
            self.events[p["eventid"]] = [self.polls(), ev]
        return 0

    def status(self, ev):
        self.ledger.touch_held()
        gone = []
        with self.lock:
            e = self.events.get(ev)
            if e is None:
                return [0, 0]
            if e[0] > 0:
                e[0] -= 1
                return [2, 0]
            del self.events[ev]
            kind, arg = e[1]
            if kind == "detach":
                for m in arg:
                    gone += list(self.md.pop(m, ()))
            elif kind == "resync":
                m, rm, add = arg
                if rm and rm != add and m in self.md:
                    self.md[m].discard(rm)
                    gone.append(rm)
        if gone:
            self.ledger.release(gone)
        return [3, 0]


def check_data_safety(tc, sm, ledger):
    """Every FREE extent: each leg the head may have written that overlaps it
    was shredded - same extent, offset and size - by a request made after
    the head last touched it. And no extent the head still holds is FREE."""
    rows = sm.sql("SELECT pdskid, \"offset\", capacity, dextid FROM dskmap WHERE status = 2")
    free = [tuple(int(x) for x in r.split("|")) for r in rows.splitlines()] if rows else []
    with ledger.lock:
        touched = dict(ledger.touched)
        held = set(ledger.held)
        shreds = list(ledger.shreds)
    by_disk = {}
    for d, (p, o, c, t) in touched.items():
        by_disk.setdefault(p, []).append((d, o, c, t))
    bad = []
    for p, o, c, dext in free:
        for d, lo, lc, t in by_disk.get(p, []):
            if lo >= o + c or o >= lo + lc:
                continue
            if d in held:
                bad.append("dext %d is FREE (as part of dext %d) while a head holds it" % (d, dext))
                continue
            if not any(s[0] == p and s[1] == d and s[2] == lo and s[3] == lc and s[4] > t
                       for s in shreds):
                bad.append("dext %d (pdsk %d, offset %d, %d vb) FREE with no shred after its "
                           "last use" % (d, p, lo, lc))
    if bad:
        ids = {int(re.search(r"dext (\d+)", b).group(1)) for b in bad}
        tc.fail("data safety rule broken: %s\nledger:\n%s\nlog:\n%s" % (
            bad, "\n".join([str(h) for h in ledger.history if ids & set(h[2]) or not h[2]][-30:]),
            sm.logtext()[-3000:]))


# --------------------------------------------------------------------------

class FaultCase(SmTestCase):
    n_ssvr = 4

    def sm_options(self):
        return {"resync_poll_ms": 100, "agent_timeout_ms": 1000, "op_timeout": 5}

    def legs_of(self, lv):
        tree = self.s.showLogicalVolume(v(lvolid=lv))
        return [(d["lvolid"], d["lvolspec"]["ssvrid"]) for m in
                tree["components"][0]["components"][0]["components"] for d in m["components"]]

    def check_all(self, sm=None, settled=False):
        sm = sm or self.sm
        checks = dict(INVARIANTS)
        if settled:
            checks.update(SETTLED)
        bad = violated(sm, checks)
        if bad:  # enough context to understand a violation
            self.fail("database invariants: %s\nshred:\n%s\nextents not FREE:\n%s\nlog:\n%s" % (
                bad, sm.sql("SELECT * FROM shred ORDER BY dextid"),
                sm.sql("SELECT * FROM dskmap WHERE status <> 2 ORDER BY dextid"),
                sm.logtext()[-2000:]))


class CrashLoop(FaultCase):
    """kill -9 of vas_sm at random moments of a mixed workload; after each
    restart the invariants hold and no FREE extent holds old data."""

    def sm_options(self):
        return {"resync_poll_ms": 50, "agent_timeout_ms": 1000, "op_timeout": 5,
                "shred_poll_ms": 50}

    def setUp(self):
        super().setUp()
        self.ledger = Ledger()
        self.old_logs = []
        rnd = random.Random(os.environ.get("VAS_CRASH_SEED", "8"))
        self.rnd = rnd
        self.shred_agents = [ShredAgent(a, self.ledger, lambda: rnd.random() * 0.2)
                             for a in self.ssvrs]
        self.head = HeadAgent(self.hsvr, self.ledger, lambda: rnd.randrange(4))
        self.ssvrids, self.pdskids = self.cluster(disk_sectors=str(VB * 60 + 1000))
        self.hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))

    def restart(self, kill):
        if kill:
            self.sm.kill()
        else:
            self.s("close")()
            self.assertEqual(self.sm.stop(), 0)
        old = self.sm
        self.sm = Sm(self.pg, db=old.db, ssvr_port=self.ssvr_port, hsvr_port=self.hsvr_port,
                     extra=self.sm_options()).start()
        self.old_logs.append(old.logtext())
        shutil.rmtree(old.dir, ignore_errors=True)
        self.s = self.sm.proxy()

    def workload(self, stop, port, seed):
        rnd = random.Random(seed)
        p = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port)
        n = 0
        while not stop.is_set() and n < 40:
            n += 1
            try:
                vols = p.listLogicalVolumes(v())
                att = [x for x in vols if x["bind_status"] and not x["associated_to"]]
                det = [x for x in vols if not x["bind_status"] and not x["associated_to"]]
                op = rnd.random()
                if op < 0.25 or not vols:
                    p.createLogicalVolume(v(lvolname="v%d" % rnd.randrange(10 ** 6),
                                            capacity=rnd.choice([10, 20]),
                                            redundancy=rnd.choice([2, 3])))
                elif op < 0.45 and det:
                    p.attachLogicalVolume(v(lvolid=rnd.choice(det)["lvolid"], hsvrid=self.hid))
                elif op < 0.6 and att:
                    p.detachLogicalVolume(v(lvolid=rnd.choice(att)["lvolid"]))
                elif op < 0.8 and det:
                    p.deleteLogicalVolume(v(lvolid=rnd.choice(det)["lvolid"]))
                elif op < 0.95 and att:
                    tree = p.showLogicalVolume(v(lvolid=rnd.choice(att)["lvolid"]))
                    leg = rnd.choice(tree_legs(tree))
                    p.notifyFailure(v(target=4, targetid=leg[0]))
                else:
                    self.fail_and_return_server(p, rnd)
            except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError, OSError,
                    http.client.HTTPException):  # the manager dies under us
                time.sleep(0.01)

    def fail_and_return_server(self, p, rnd):
        i = rnd.randrange(len(self.ssvrids))
        sid = self.ssvrids[i]
        disks = {self.pdskids[i]}
        # a dead server's disks cannot be written any more
        self.ledger.release_where(lambda t: t[0] in disks)
        self.ledger.note("fail ssvr %d" % sid, [])
        p.notifyFailure(v(target=2, targetid=sid))
        p.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
        p.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb", capacity=str(VB * 60 + 1000)))

    def test_kill_9_during_mixed_workload(self):
        t0 = time.time()
        for rnd_no in range(ROUNDS):
            stop = threading.Event()
            workers = [threading.Thread(target=self.workload,
                                        args=(stop, self.sm.port, rnd_no * 10 + k))
                       for k in range(3)]
            for w in workers:
                w.start()
            time.sleep(self.rnd.uniform(0.05, 0.6))
            self.sm.kill()  # kill -9 while the workers still call
            self.ledger.note("kill -9", [])
            stop.set()
            for w in workers:
                w.join(30)
            self.restart(kill=True)
            with self.subTest(round=rnd_no):
                self.check_all()
                check_data_safety(self, self.sm, self.ledger)
            if os.environ.get("VAS_CRASH_DEBUG") and not self._outcome.result.wasSuccessful():
                print("\n".join(self.old_logs))
                return
        crash_s = time.time() - t0
        # Settle: everything in flight ends, then the cluster drains clean.
        for i, sid in enumerate(self.ssvrids):  # a round may have ended mid-failure
            if self.s.listStorageServers(v(ssvrid=sid))[0]["priority"] != 1:
                self.s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
            if self.s.listPhysicalDisks(v(ssvrid=sid))[0]["priority"] != 1:
                self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                              capacity=str(VB * 60 + 1000)))
        nudge(self.sm, "UPDATE shred SET next_try = now(); UPDATE resync SET next_try = now()")
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM attach WHERE eventid <> 0") == "0", 30), "attach stuck in flight")
        self.assertTrue(wait_until(lambda: not violated(self.sm, SETTLED), 10))
        for x in self.s.listLogicalVolumes(v()):
            if x["bind_status"]:
                self.s.detachLogicalVolume(v(lvolid=x["lvolid"]))
        for x in self.s.listLogicalVolumes(v()):
            self.s.deleteLogicalVolume(v(lvolid=x["lvolid"]))
        nudge(self.sm, "UPDATE shred SET next_try = now()")
        self.assertTrue(wait_until(lambda: self.sm.sql("SELECT count(*) FROM shred") == "0", 30),
                        self.sm.sql("SELECT * FROM shred"))
        self.check_all(settled=True)
        check_data_safety(self, self.sm, self.ledger)
        # no space lost: every extent of every healthy disk is FREE again
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status NOT IN (2, 5)"), "0")
        self.assertEqual(sum(x["available"] for x in self.s.listStorageServers(v())),
                         60 * len(self.ssvrids))
        print("\n%d kill -9 rounds in %.1f s; %d shreds, %d extents written"
              % (ROUNDS, crash_s, len(self.ledger.shreds), len(self.ledger.touched)))


# --------------------------------------------------------------------------
# Misbehaving peers.

class HangServer:
    """Accepts TCP connections and never answers."""

    def __init__(self, ip, port):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, port))
        self.sock.listen(64)
        self.conns = []
        self.sock.settimeout(0.1)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                pass

    def stop(self):
        self.done.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


class GarbageServer:
    """An HTTP peer answering every POST with `body(method)` (bytes)."""

    def __init__(self, ip, port, body):
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                method = xmlrpc.client.loads(data)[1]
                outer.calls.append(method)
                out = body(method)
                self.send_response(200)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        self.calls = []
        self.server = ThreadingHTTPServer((ip, port), H)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def reply(value):
    return xmlrpc.client.dumps((value,), methodresponse=True).encode()


class AgentFaults(FaultCase):
    """Bounded waits, retries, no stuck worker, no leaked slot."""

    def disk_free(self, pdskid):
        return [d["available"] for d in self.s.listPhysicalDisks(v()) if d["pdskid"] == pdskid][0]

    def quick(self, fn, *args):
        t = time.monotonic()
        r = fn(*args)
        self.assertLess(time.monotonic() - t, 0.5, "an API call waited on an agent")
        return r

    def replace_agent(self, i, new):
        self.ssvrs[i].stop()
        self.ssvrs[i] = new

    def drain_shreds(self):
        nudge(self.sm, "UPDATE shred SET next_try = now()")
        self.wait_shredded(20)

    def test_hung_storage_agent_blocks_nothing(self):
        self.ssvrs[3].stop()
        hang = HangServer("127.0.0.14", self.ssvr_port)
        try:
            _, pdskids = self.cluster(wait_free=False)
            # the three others are zeroed while one agent never answers
            self.assertTrue(wait_until(lambda: [self.quick(self.disk_free, p)
                                                for p in pdskids[:3]] == [10] * 3, 20))
            self.assertEqual(self.disk_free(pdskids[3]), 0)
            self.assertTrue(wait_until(lambda: self.sm.sql(
                "SELECT attempts > 0 AND status = 1 AND next_try > now() FROM shred") == "t", 10))
            lv = self.quick(self.s.createLogicalVolume, v(lvolname="a", capacity=10))
            self.assertGreater(lv, 0)
        finally:
            hang.stop()
        self.ssvrs[3] = FakeAgent("127.0.0.14", self.ssvr_port)
        self.drain_shreds()
        self.assertEqual(self.disk_free(pdskids[3]), 10)
        self.check_all()

    def test_attach_on_hung_head_is_bounded(self):
        self.cluster(disk_sectors=str(VB * 30))
        hang = HangServer("127.0.0.22", self.hsvr_port)
        try:
            bad = self.s.registerHeadServer(v(ip_data=["127.0.0.22"]))
            good = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
            a = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
            b = self.s.createLogicalVolume(v(lvolname="b", capacity=10))
            out = {}

            def attach():
                t = time.monotonic()
                try:
                    self.sm.proxy().attachLogicalVolume(v(lvolid=a, hsvrid=bad))
                    out["r"] = 0
                except xmlrpc.client.Fault as f:
                    out["r"] = f.faultCode
                out["t"] = time.monotonic() - t

            th = threading.Thread(target=attach)
            th.start()
            time.sleep(0.3)
            # meanwhile: lists answer at once, another head attaches
            self.assertEqual(self.quick(self.s.listLogicalVolumes, v(lvolid=a))[0]["bind_event"], 1)
            self.assertEqual(self.s.attachLogicalVolume(v(lvolid=b, hsvrid=good)), 0)
            th.join(30)
            self.assertIn(out.get("r"), (500, 110))
            self.assertLess(out["t"], 5 + 3 + 2)  # op_timeout + one agent timeout + slack
            e = self.s.listLogicalVolumes(v(lvolid=a))[0]
            self.assertEqual(e["bind_event"], 0)
            self.assertIn(e["bind_status"], (0, 2))  # uncertain: ERROR, not BOUND
        finally:
            hang.stop()
        self.check_all()

    def test_storage_agent_dies_mid_shred(self):
        self.ssvrs[0].event_answer = lambda ev: [2, 0]
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        pid = self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
        first = wait_until(lambda: self.ssvrs[0].called("registerShredRequest"))[0]
        self.assertTrue(wait_until(lambda: self.ssvrs[0].called("getEventStatus")))
        self.ssvrs[0].stop()  # dies with the event in PROGRESS
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT status = 1 AND next_try > now() FROM shred") == "t", 10))
        self.assertEqual(self.disk_free(pid), 0)
        self.ssvrs[0] = FakeAgent("127.0.0.11", self.ssvr_port)  # back, forgot everything
        self.drain_shreds()
        again = self.ssvrs[0].called("registerShredRequest")[0]
        self.assertEqual(again, first)  # same event, extent, offset, size
        self.assertEqual(self.disk_free(pid), 10)
        self.assertEqual(self.sm.sql("SELECT count(*) FROM shred"), "0")

    def test_head_dies_mid_attach(self):
        self.cluster()
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        polled = threading.Event()

        def progress(ev):
            polled.set()
            return [2, 0]

        self.hsvr.event_answer = progress
        threading.Thread(target=lambda: (polled.wait(10), self.hsvr.stop())).start()
        t = time.monotonic()
        f = self.fault(500, self.s.attachLogicalVolume, v(lvolid=lv, hsvrid=hid))
        self.assertLess(time.monotonic() - t, 8, f.faultString)
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["bind_status"], e["bind_event"]), (2, 0))
        # the head may have written: the legs count as dirty (M50)
        self.assertEqual(self.sm.sql("SELECT count(*) FROM lvolmap WHERE lvoltype = 3 AND "
                                     "mirror_status <> 5"), "0")
        self.hsvr = FakeAgent("127.0.0.21", self.hsvr_port)
        self.assertEqual(self.s.detachLogicalVolume(v(lvolid=lv)), 0)
        legs = {d for d, _ in self.legs_of(lv)}
        before = [len(a.called("registerShredRequest")) for a in self.ssvrs]
        self.s.deleteLogicalVolume(v(lvolid=lv))
        # dirty legs are zeroed before their extents are used again
        self.assertTrue(wait_until(lambda: legs <= {
            p["dextid"] for a, n in zip(self.ssvrs, before)
            for p in a.called("registerShredRequest")[n:]}))
        self.drain_shreds()
        self.check_all()

    def test_head_dies_mid_rebuild(self):
        self.cluster(disk_sectors=str(VB * 21))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        self.hsvr.event_answer = lambda ev: [2, 0]
        self.s.notifyFailure(v(target=2, targetid=self.legs_of(lv)[0][1]))
        first = wait_until(lambda: self.hsvr.called("replaceMirrorDisk"))[0]
        self.assertTrue(wait_until(lambda: self.s.listHeadServers(v())[0]["resync"] == 1))
        self.hsvr.stop()  # dies with the rebuild in PROGRESS
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT status = 1 AND attempts > 0 AND next_try > now() FROM resync") == "t", 10))
        self.assertEqual(self.quick(self.s.listHeadServers, v())[0]["resync"], 0)  # no slot kept
        self.assertTrue(self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"])
        self.hsvr = FakeAgent("127.0.0.21", self.hsvr_port)  # back, knows nothing
        nudge(self.sm, "UPDATE resync SET next_try = now()")
        self.assertTrue(wait_until(lambda: not self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"]))
        again = self.hsvr.called("replaceMirrorDisk")[0]
        self.assertEqual((again["eventid"], again["add"], again["remove"]),
                         (first["eventid"], first["add"], first["remove"]))
        self.assertEqual(self.sm.sql("SELECT count(*) FROM resync"), "0")
        self.check_all(settled=True)

    GARBAGE = ["DONE", [3, 0, 0], {"status": 3}, ["3", 0], [3], [], [3.0, 0], True]

    def test_garbage_event_status_is_never_success(self):
        answers = list(self.GARBAGE)
        self.ssvrs[0].event_answer = lambda ev: answers[0]
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        pid = self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
        for g in self.GARBAGE:
            answers[0] = g
            n = len(self.ssvrs[0].called("getEventStatus"))
            nudge(self.sm, "UPDATE shred SET next_try = now()")
            self.assertTrue(wait_until(lambda: len(self.ssvrs[0].called("getEventStatus")) > n, 10))
            self.assertTrue(wait_until(lambda: self.sm.sql(
                "SELECT status FROM shred") == "1", 10), g)
            self.assertEqual(self.disk_free(pid), 0, g)
        answers[0] = [3, 0]
        self.drain_shreds()
        self.assertEqual(self.disk_free(pid), 10)

    def test_non_xml_and_wrong_types_from_agents(self):
        self.ssvrs[0].stop()
        bodies = [b"this is not xml", b"<?xml version='1.0'?><methodResponse>",
                  reply("x"), reply({"a": 1})]
        which = [0]
        g = GarbageServer("127.0.0.11", self.ssvr_port, lambda m: bodies[which[0]])
        try:
            sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
            pid = self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
            for i in range(len(bodies)):
                which[0] = i
                n = len(g.calls)
                nudge(self.sm, "UPDATE shred SET next_try = now()")
                self.assertTrue(wait_until(lambda: len(g.calls) > n, 10))
                # the garbage was taken for a failure: retried later
                self.assertTrue(wait_until(lambda: self.sm.sql(
                    "SELECT bool_and(next_try > now()) FROM shred") == "t", 10))
                self.assertEqual(self.quick(self.disk_free, pid), 0)
        finally:
            g.stop()
        self.ssvrs[0] = FakeAgent("127.0.0.11", self.ssvr_port)
        self.drain_shreds()
        self.assertEqual(self.disk_free(pid), 10)

    def test_garbage_from_head_fails_the_attach(self):
        self.cluster(disk_sectors=str(VB * 40))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        for i, g in enumerate(["DONE", [3, 0, 0], {"status": 3}]):
            lv = self.s.createLogicalVolume(v(lvolname="g%d" % i, capacity=10))
            self.hsvr.event_answer = lambda ev: g
            self.fault(500, self.s.attachLogicalVolume, v(lvolid=lv, hsvrid=hid))
            self.assertEqual(self.s.listLogicalVolumes(v(lvolid=lv))[0]["bind_status"], 2)
        self.check_all()


class DataLinkDown(FaultCase):
    """Servers registered with two data addresses, the first one dead:
    everything goes over the second; calls try the addresses in
    registration order."""

    def setUp(self):
        super().setUp()
        self.ssvrids = [self.s.registerStorageServer(v(ip_data=["127.0.0.%d" % (111 + i),
                                                                "127.0.0.%d" % (11 + i)]))
                        for i in range(self.n_ssvr)]
        self.pdskids = [self.s.registerPhysicalDisk(v(ssvrid=s, local_path="/d",
                                                      capacity=str(VB * 21)))
                        for s in self.ssvrids]
        self.hid = self.s.registerHeadServer(v(ip_data=["127.0.0.121", "127.0.0.21"]))

    def test_everything_over_the_other_link(self):
        self.wait_shredded()
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.assertEqual(self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid)), 0)
        gone = self.legs_of(lv)[0][1]
        self.s.notifyFailure(v(target=2, targetid=gone))
        self.assertTrue(wait_until(lambda: not self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"]))
        self.assertEqual(len(self.hsvr.called("replaceMirrorDisk")), 1)
        self.assertEqual(self.s.detachLogicalVolume(v(lvolid=lv)), 0)
        self.s.deleteLogicalVolume(v(lvolid=lv))
        self.wait_shredded()
        self.check_all()

    def test_failover_order_is_registration_order(self):
        first = FakeAgent("127.0.0.111", self.ssvr_port)
        try:
            self.wait_shredded()
            # the first address answered everything once it was up
            self.assertTrue(first.called("registerShredRequest") or
                            all(a.called("registerShredRequest") for a in self.ssvrs))
            n = len(self.ssvrs[0].called("registerShredRequest"))
            n_first = len(first.called("registerShredRequest"))
            self.s.registerPhysicalDisk(v(ssvrid=self.ssvrids[0], local_path="/e",
                                          capacity=str(VB * 10)))
            self.wait_shredded()
            self.assertEqual(len(first.called("registerShredRequest")), n_first + 1)
            self.assertEqual(len(self.ssvrs[0].called("registerShredRequest")), n)
        finally:
            first.stop()
        self.s.registerPhysicalDisk(v(ssvrid=self.ssvrids[0], local_path="/f",
                                      capacity=str(VB * 10)))
        self.wait_shredded()
        self.assertEqual(len(self.ssvrs[0].called("registerShredRequest")), n + 1)


class DataSafety(FaultCase):
    """An extent that held data becomes FREE only after a shred of that very
    extent completed after it was released."""

    def test_late_done_of_a_cancelled_shred_frees_nothing(self):
        held = {}  # eventid -> answer of agent 0; every new event PROGRESS

        def request(method, p):
            held.setdefault(p["eventid"], [2, 0])
            return 0

        self.ssvrs[0].request_answer = request
        self.ssvrs[0].event_answer = lambda ev: held.get(ev, [0, 0])
        ssvrids, pdskids = self.cluster(wait_free=False)
        e1 = wait_until(lambda: self.ssvrs[0].called("registerShredRequest"))[0]["eventid"]
        self.s.notifyFailure(v(target=2, targetid=ssvrids[0]))  # e1 CANCELED, its dd goes on
        self.assertEqual(self.sm.sql("SELECT status FROM shred WHERE eventid = %d" % e1), "4")
        self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=ssvrids[0], local_path="/dev/sdb",
                                      capacity="21000000"))
        # queued again, but not sent (it would take its event id then)
        self.assertEqual(self.sm.sql("SELECT status, eventid IS NULL FROM shred WHERE "
                                     "status IN (1, 2) AND pdskid = %d" % pdskids[0]), "1|t")
        # no second dd while the cancelled one may still run: a new shred
        # could free the extent for re-use under the old dd
        self.assertTrue(more_calls(self.ssvrs[0], "getEventStatus",
                                   match=lambda p: p["eventid"] == e1))
        self.assertEqual(list(held), [e1])
        # the old dd ends: its DONE frees nothing, the new shred starts
        polls = lambda ev: len([p for p in self.ssvrs[0].called("getEventStatus")
                                if p["eventid"] == ev])
        n = polls(e1)
        held[e1] = [3, 0]
        self.assertTrue(wait_until(lambda: polls(e1) > n))
        self.assertTrue(wait_until(lambda: len(held) == 2))
        e2 = [e for e in held if e != e1][0]
        self.assertTrue(more_calls(self.ssvrs[0], "getEventStatus",
                                   match=lambda p: p["eventid"] == e2))
        self.assertEqual(self.sm.sql("SELECT status FROM dskmap WHERE pdskid = %d AND status <> 5"
                                     % pdskids[0]), "4")
        self.assertEqual(self.disk_free(pdskids[0]), 0)
        held[e2] = [3, 0]
        self.assertTrue(wait_until(lambda: self.disk_free(pdskids[0]) == 10))
        self.check_all()

    def test_leg_not_swapped_under_an_attach_in_flight(self):
        """A storage server fails while an attach is in flight: the head
        gets the tree built before, so the old leg is replaced only after
        the attach, the head is told to drop it, and it is not zeroed and
        re-used before that."""
        ssvrids, pdskids = self.cluster(disk_sectors=str(VB * 21))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        gate = threading.Event()
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        th = threading.Thread(target=lambda: self.sm.proxy().attachLogicalVolume(
            v(lvolid=lv, hsvrid=hid)))
        th.start()
        sent = wait_until(lambda: self.hsvr.called("attachLogicalVolume"))[0]
        old_leg, victim = self.legs_of(lv)[0]
        self.s.notifyFailure(v(target=2, targetid=victim))
        self.assertIn(old_leg, [d for d, _ in self.legs_of(lv)])  # not under the attach
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() or (
            ev == sent["eventid"]) else [2, 0]
        th.join(20)
        # after the attach: replaced, and the head told to drop the old leg
        r = wait_until(lambda: self.hsvr.called("replaceMirrorDisk"), 10)
        self.assertTrue(r)
        self.assertEqual(r[0]["remove"]["lvolid"], old_leg)
        self.assertNotIn(old_leg, [d for d, _ in self.legs_of(lv)])
        i = ssvrids.index(victim)  # the server is back: its extents are zeroed...
        asked = len(self.ssvrs[i].called("registerShredRequest"))
        self.s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
        self.s.registerPhysicalDisk(v(ssvrid=victim, local_path="/dev/sdb",
                                      capacity=str(VB * 21)))
        # ...but the old leg waits for the rebuild to drop it, while the
        # scheduler zeroes a new disk of the same server meanwhile
        new = self.s.registerPhysicalDisk(v(ssvrid=victim, local_path="/dev/sdc",
                                            capacity=str(VB * 21)))
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM shred WHERE pdskid = %d" % new) == "0", 15))
        self.assertNotIn(old_leg, [p["dextid"] for p in
                                   self.ssvrs[i].called("registerShredRequest")[asked:]])
        self.assertEqual(self.sm.sql("SELECT status FROM dskmap WHERE dextid = %d" % old_leg), "4")
        self.assertEqual(self.sm.sql("SELECT count(*) FROM shred WHERE dextid = %d AND status = 2"
                                     % old_leg), "0")
        gate.set()
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT status FROM dskmap WHERE dextid = %d" % old_leg) == "2", 15))
        self.assertFalse(self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"])
        self.check_all(settled=True)

    disk_free = AgentFaults.disk_free


class DatabaseRestartInFlight(FaultCase):
    """PostgreSQL restarted while an attach and a shred are in flight and
    both end meanwhile: nothing is lost, nothing is freed twice."""

    def pg_ctl(self, action):
        extra = ["-o", "-k %s -c listen_addresses='' -c fsync=off -c max_connections=300"
                 % self.pg.dir] if action == "start" else ["-m", "immediate"]
        subprocess.run(self.pg.as_pg + [PG_BIN + "/pg_ctl", "-D", self.pg.dir + "/data", "-l",
                                        self.pg.dir + "/log", "-w"] + extra + [action],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def test_attach_and_shred_end_while_the_database_is_down(self):
        try:
            self.attach_and_shred_end_while_the_database_is_down()
        except Exception:
            if os.environ.get("VAS_FAULTS_DEBUG"):
                print(self.sm.logtext()[-5000:])
            raise

    def attach_and_shred_end_while_the_database_is_down(self):
        ssvrids, _ = self.cluster(disk_sectors=str(VB * 21))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        gate = threading.Event()
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        self.ssvrs[0].event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        pid = self.s.registerPhysicalDisk(v(ssvrid=ssvrids[0], local_path="/e",
                                            capacity=str(VB * 10 + 1000)))
        self.assertTrue(wait_until(lambda: any(p["pdskid"] == pid for p in
                                               self.ssvrs[0].called("registerShredRequest"))))
        out = {}
        th = threading.Thread(target=lambda: out.setdefault("r", self.sm.proxy(
        ).attachLogicalVolume(v(lvolid=lv, hsvrid=hid))))
        th.start()
        self.assertTrue(wait_until(lambda: self.hsvr.called("attachLogicalVolume")))
        self.pg_ctl("stop")
        try:
            gate.set()  # both end while nothing can be recorded
            time.sleep(1.5)
            self.fault(11, self.s.listLogicalVolumes, v())  # EAGAIN (issue 13)
        finally:
            self.pg_ctl("start")
        th.join(40)
        self.assertEqual(out.get("r"), 0)  # the outcome was kept and recorded (M47)
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["bind_status"], e["bind_event"], e["fault"]), (1, 0, False))
        self.assertEqual(self.sm.sql("SELECT DISTINCT mirror_status FROM lvolmap WHERE "
                                     "lvoltype = 3"), "2")
        nudge(self.sm, "UPDATE shred SET next_try = now()")
        self.wait_shredded(20)
        self.assertEqual([d["available"] for d in self.s.listPhysicalDisks(v())
                          if d["pdskid"] == pid], [10])
        self.check_all(settled=True)


if __name__ == "__main__":
    main()
