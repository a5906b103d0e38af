"""Test harness: throw-away PostgreSQL, the real vas_sm over HTTP, and small
XML-RPC peers speaking the agent protocol (ssvr.md 3, hsvr.md 3)."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

BUILD = os.environ.get("VAS_BUILD_DIR", os.path.join(os.path.dirname(__file__), "../../build"))
PG_BIN = "/usr/lib/postgresql/15/bin"
VER = {"ver": 5}


def skip(msg):
    print("SKIP:", msg)
    sys.exit(77)


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class _BoundTransport(xmlrpc.client.Transport):
    """Connects from a chosen local address (a 127.0.0.x caller)."""

    def __init__(self, source):
        super().__init__()
        self.source = source

    def make_connection(self, host):
        import http.client
        if self._connection and host == self._connection[0]:
            return self._connection[1]
        self._connection = host, http.client.HTTPConnection(
            host, source_address=(self.source, 0), timeout=60)
        return self._connection[1]


def proxy_from(source, url):
    """An XML-RPC proxy to url whose connections come from source."""
    return xmlrpc.client.ServerProxy(url, transport=_BoundTransport(source))


def v(**kw):
    """A request struct with ver 5."""
    d = dict(VER)
    d.update(kw)
    return d


class Postgres:
    """One throw-away cluster per test module; a fresh database per test."""

    def __init__(self):
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            skip("PostgreSQL 15 server binaries missing")
        self.dir = tempfile.mkdtemp(prefix="vaspg-")
        self.counter = 0
        as_pg = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            as_pg = ["runuser", "-u", "postgres", "--"]
        self.as_pg = as_pg
        subprocess.run(as_pg + [PG_BIN + "/initdb", "-D", self.dir + "/data", "-A", "trust",
                                "-U", "vas", "--no-sync", "-E", "UTF8"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(as_pg + [PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-l",
                                self.dir + "/log", "-w", "-o",
                                "-k %s -c listen_addresses='' -c fsync=off -c max_connections=300" % self.dir,
                                "start"], check=True, stdout=subprocess.DEVNULL)

    def psql(self, sql, db="postgres"):
        out = subprocess.run(["psql", "-XAtq", "-h", self.dir, "-U", "vas", "-d", db, "-c", sql],
                             capture_output=True, text=True)
        if out.returncode:
            # psql's own words tell a dead server from "too many clients".
            raise RuntimeError("psql %r exited %d: %s" % (sql, out.returncode, out.stderr.strip()))
        return out.stdout.strip()

    def new_db(self):
        self.counter += 1
        name = "t_%d" % self.counter
        self.psql("CREATE DATABASE %s" % name)
        return name

    def dsn(self, db):
        return "host=%s user=vas dbname=%s" % (self.dir, db)

    def stop(self):
        subprocess.run(self.as_pg + [PG_BIN + "/pg_ctl", "-D", self.dir + "/data", "-m",
                                     "immediate", "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


class Sm:
    """The real vas_sm on its own database and port."""

    def __init__(self, pg, db=None, extra=None, ssvr_port=None, hsvr_port=None, sections=None,
                 env=None):
        self.pg = pg
        self.env = env  # added to the environment of the process
        self.db = db or pg.new_db()
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="vassm-")
        self.conf = os.path.join(self.dir, "vas.conf")
        opts = {
            "port": self.port, "listen_address": "127.0.0.1", "dsn": pg.dsn(self.db),
            "state_dir": self.dir, "shred_poll_ms": 100, "attach_poll_ms": 50,
            "agent_timeout_ms": 3000, "op_timeout": 20,
            "server_check_interval": 0,  # tests that poll health turn it on
        }
        opts.update(extra or {})
        with open(self.conf, "w") as f:
            f.write("[storage_manager]\n")
            for k, val in opts.items():
                if val is not None:  # None: the daemon's own default
                    f.write("%s = %s\n" % (k, val))
            f.write("[ssvr_agent]\nport = %d\n" % (ssvr_port or 8883))
            f.write("[hsvr_agent]\nport = %d\n" % (hsvr_port or 8882))
            f.write("[iscsi]\niqn_prefix = 2010-01.test.vas\n")
            for sec, kv in (sections or {}).items():
                f.write("[%s]\n" % sec)
                for k, val in kv.items():
                    f.write("%s = %s\n" % (k, val))
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "sm.log"), "w")
        env = dict(os.environ, **self.env) if self.env else None
        self.proc = subprocess.Popen([os.path.join(BUILD, "sm", "vas_sm"), "--config", self.conf],
                                     stdout=subprocess.PIPE, stderr=self.log, text=True, env=env)
        line = self.proc.stdout.readline()
        if not line.startswith("Listening on port"):
            raise RuntimeError("vas_sm did not start: %r\n%s" % (line, self.logtext()))
        return self

    def logtext(self):
        with open(os.path.join(self.dir, "sm.log")) as f:
            return f.read()

    def proxy(self, timeout=60):
        return xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % self.port, allow_none=False)

    def stop(self):
        """SIGTERM; the daemon must exit 0 (ASan leak reports make it fail)."""
        if not self.proc:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc.stdout.close()
        self.log.close()
        self.proc = None
        return rc

    def kill(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.log.close()
            self.proc = None

    def sql(self, q):
        return self.pg.psql(q, self.db)


class _Quiet(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")

    def do_POST(self):
        self.server.peer = self.client_address  # one request at a time
        super().do_POST()

    def log_message(self, *a):
        pass


class FakeAgent:
    """A storage or head agent peer on ip:port that records every call.
    Behaviour is programmable: `status` maps method -> callable(params)."""

    def __init__(self, ip, port):
        self.calls = []
        self.lock = threading.Lock()
        self.events = {}
        self.server = SimpleXMLRPCServer((ip, port), requestHandler=_Quiet, allow_none=False,
                                         logRequests=False)
        self.server.register_instance(self)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.event_answer = lambda ev: [3, 0]  # DONE
        self.request_answer = lambda method, p: 0
        self.note_peer = None  # callable(method, param, (ip, port)), or None

    def _dispatch(self, method, params):
        if self.note_peer:
            self.note_peer(method, params[0] if params else None, self.server.peer)
        with self.lock:
            self.calls.append((method, params[0] if params else None))
        if method == "helloWorld":
            return 0
        if method == "getEventStatus":
            return self.event_answer(params[0]["eventid"])
        return self.request_answer(method, params[0])

    def called(self, method):
        with self.lock:
            return [p for m, p in self.calls if m == method]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def more_calls(agent, method, n=2, timeout=20, match=lambda p: True):
    """Waits until agent got n more calls of method (matching match):
    evidence that the manager's workers made passes since. A check that
    something did NOT happen waits for this first, never for a time."""
    start = len([p for p in agent.called(method) if match(p)])
    return wait_until(lambda: len([p for p in agent.called(method)
                                   if match(p)]) >= start + n, timeout)


def wait_until(pred, timeout=20, step=0.05):
    end = time.time() + timeout
    while time.time() < end:
        r = pred()
        if r:
            return r
        time.sleep(step)
    return pred()


class SmTestCase(unittest.TestCase):
    """Each test: fresh database, fresh vas_sm, fake agents on 127.0.0.11-13
    (storage) and 127.0.0.21 (head)."""
    pg = None
    n_ssvr = 3

    @classmethod
    def setUpClass(cls):
        cls.pg = Postgres()

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def setUp(self):
        self.ssvr_port = free_port("127.0.0.11")
        self.hsvr_port = free_port("127.0.0.21")
        self.ssvrs = [FakeAgent("127.0.0.%d" % (11 + i), self.ssvr_port) for i in range(self.n_ssvr)]
        self.hsvr = FakeAgent("127.0.0.21", self.hsvr_port)
        self.sm = Sm(self.pg, ssvr_port=self.ssvr_port, hsvr_port=self.hsvr_port,
                     extra=self.sm_options()).start()
        self.s = self.sm.proxy()

    def sm_options(self):
        return {}

    def tearDown(self):
        self.s("close")()  # an idle keep-alive connection delays the stop
        rc = self.sm.stop()
        for a in self.ssvrs + [self.hsvr]:
            a.stop()
        self.assertEqual(rc, 0, "vas_sm exit status\n" + self.sm.logtext()[-3000:])
        shutil.rmtree(self.sm.dir, ignore_errors=True)

    def fault(self, code, fn, *args):
        with self.assertRaises(xmlrpc.client.Fault) as cm:
            fn(*args)
        self.assertEqual(cm.exception.faultCode, code, cm.exception.faultString)
        return cm.exception

    def cluster(self, disk_sectors="21000000", disks_per_server=1, wait_free=True):
        """3 storage servers with shredded disks; returns (ssvrids, pdskids)."""
        ssvrids, pdskids = [], []
        for i in range(self.n_ssvr):
            sid = self.s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
            ssvrids.append(sid)
            for d in range(disks_per_server):
                pdskids.append(self.s.registerPhysicalDisk(
                    v(ssvrid=sid, local_path="/dev/sd%s" % chr(98 + d), capacity=disk_sectors)))
        if wait_free:
            self.wait_shredded()
        return ssvrids, pdskids

    def wait_shredded(self, timeout=30):
        ok = wait_until(lambda: self.sm.sql("SELECT count(*) FROM shred") == "0", timeout)
        self.assertTrue(ok, "shreds did not finish")

    def invariants(self):
        """Database invariants of sm.md 2.4 that must hold after anything."""
        q = self.sm.sql
        # BUSY <=> a leg uses the extent
        self.assertEqual(q("SELECT count(*) FROM dskmap d WHERE (d.status = 1) <> "
                           "EXISTS (SELECT 1 FROM lvolmap m WHERE m.dextid = d.dextid)"), "0")
        # legs of one mirror on distinct servers
        self.assertEqual(q("SELECT count(*) FROM (SELECT m.superlvolid, p.ssvrid FROM lvolmap m "
                           "JOIN dskmap d ON d.dextid = m.dextid JOIN pdsklst p ON p.pdskid = d.pdskid "
                           "GROUP BY 1, 2 HAVING count(*) > 1) x"), "0")
        # every mirror has exactly redundancy legs
        self.assertEqual(q("SELECT count(*) FROM lvolmap m JOIN lvollst l ON l.lvolid = m.toplvolid "
                           "WHERE m.lvoltype = 2 AND (SELECT count(*) FROM lvolmap c WHERE "
                           "c.superlvolid = m.lvolid) <> l.redundancy"), "0")
        # extents tile each disk: data extents sum to capacity
        self.assertEqual(q("SELECT count(*) FROM pdsklst p WHERE p.capacity <> COALESCE((SELECT "
                           "sum(capacity) FROM dskmap d WHERE d.pdskid = p.pdskid AND d.status <> 5), 0)"),
                         "0")
        # pdsk_free agrees with dskmap
        self.assertEqual(q("SELECT count(*) FROM pdsk_free f WHERE f.free_vb <> COALESCE((SELECT "
                           "sum(capacity) FROM dskmap d WHERE d.pdskid = f.pdskid AND d.status = 2), 0)"),
                         "0")
        self.assertEqual(q("SELECT count(*) FROM pdsk_free f WHERE f.largest_vb <> COALESCE((SELECT "
                           "max(capacity) FROM dskmap d WHERE d.pdskid = f.pdskid AND d.status = 2), 0)"),
                         "0")
        # the counts by state kept by trigger (sql/009) agree with the tables
        self.assertEqual(q(STATE_COUNT_DRIFT), "0")


# disks whose extent or shred counts kept by trigger (sql/009) differ from the tables
STATE_COUNT_DRIFT = (
    "SELECT count(*) FROM pdsk_free f WHERE ARRAY[ext_busy, ext_free, ext_evacuate, "
    "ext_offline, ext_super, ext_faulty, shred_pending, shred_running, shred_cancelled] <> "
    "(SELECT ARRAY(SELECT count(d.pdskid)::int FROM unnest(ARRAY[1, 2, 3, 4, 5, 6]) k LEFT JOIN "
    "dskmap d ON d.pdskid = f.pdskid AND d.status = k GROUP BY k ORDER BY k) || "
    "ARRAY(SELECT count(s.pdskid)::int FROM unnest(ARRAY[1, 2, 4]) k LEFT JOIN shred s ON "
    "s.pdskid = f.pdskid AND s.status = k GROUP BY k ORDER BY k))")


def main():
    unittest.main(verbosity=2)


MUTATE_LOCK = 5652819  # DB_MUTATE_LOCK (sm/db/db_priv.h)


def metric(sm, name):
    """The value of a one-line metric on sm's /metrics."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % sm.port, timeout=30) as r:
        text = r.read().decode()
    return float(re.search(r"^%s (\S+)$" % name, text, re.M).group(1))


class MutationLockHolder:
    """For an SmTestCase: the managers' mutation lock held from a psql
    session of its own, so that writers queue behind it on demand."""

    def setUp(self):
        super().setUp()
        self.holder = None

    def tearDown(self):
        if self.holder:
            self.holder.kill()
            self.holder.wait()
        super().tearDown()

    def hold_lock(self):
        self.holder = subprocess.Popen(
            ["psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-h", self.pg.dir, "-U", "vas", "-d",
             self.sm.db], stdin=subprocess.PIPE, text=True, stdout=subprocess.DEVNULL)
        self.holder.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(%d);\n" % MUTATE_LOCK)
        self.holder.stdin.flush()
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %d AND "
            "granted" % MUTATE_LOCK) == "1", 20))

    def lock_waiters(self):
        """Sessions queued for the mutation lock."""
        return int(self.sm.sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                               "AND objid = %d AND NOT granted" % MUTATE_LOCK))

    def writes_around_engine(self, create, gave_way, nudge=None):
        """Write a queues behind the held lock; a background engine (nudge
        makes it want the lock) queues too or gives way (gave_way(): its
        counter); write b queues after it. Then the lock is let go and both
        writes must succeed. create(name, results) makes one volume."""
        self.hold_lock()
        before = gave_way()
        results = {}
        a = threading.Thread(target=create, args=("a", results))
        a.start()
        self.assertTrue(wait_until(lambda: self.lock_waiters() >= 1, 20))
        if nudge:
            nudge()
        self.assertTrue(wait_until(
            lambda: self.lock_waiters() >= 2 or gave_way() > before, 30))
        queued = self.lock_waiters()
        b = threading.Thread(target=create, args=("b", results))
        b.start()
        self.assertTrue(wait_until(lambda: self.lock_waiters() > queued, 20), results)
        self.release_lock()
        a.join(30)
        b.join(30)
        self.assertEqual(sorted(results), ["a", "b"])
        self.assertFalse([r for r in results.values() if isinstance(r, tuple)], results)

    def release_lock(self, sql=""):
        """Runs sql in the holder's transaction, then commits it."""
        self.holder.stdin.write(sql + "\nCOMMIT;\n")
        self.holder.stdin.close()
        self.assertEqual(self.holder.wait(20), 0)
        self.holder = None
