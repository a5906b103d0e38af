"""host_list failover of the C client library, with real processes (issue
15): two vas_sm on one PostgreSQL (A and B, same port, own addresses), the
CLI tools and hsvr_reporter naming them in [storage_manager] host_list.

- A first host that refuses (nothing listens, or killed) is skipped.
- A first host that takes the request and never answers (SIGSTOP): a read
  is asked of the next host after the timeout; a change is not (it may be
  carried out when the stopped manager wakes) and says so; a long-lived
  caller (the reporter) starts its next call past the silent host.
- A manager killed while it holds a change: the CLI says the request may
  have been carried out, and it was not silently sent to the other one."""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

import vastest
from pgha import _hex_addr
from test_sm_faults import INVARIANTS, violated
from test_sm_ha import VB
from vastest import FakeAgent, Postgres, Sm, main, v, wait_until

CLI = os.path.join(vastest.BUILD, "cli")
REPORTER = os.path.join(vastest.BUILD, "agents", "hsvr", "hsvr_reporter")
A, B, DEAD = "127.0.0.2", "127.0.0.3", "127.0.0.4"
CLI_TIMEOUT_S = 3
REPORTER_TIMEOUT_S = 3  # hsvr_reporter's call timeout, rpc_timeout_ms


def common_port():
    """A port free on A and B both."""
    while True:
        with socket.socket() as s:
            s.bind((A, 0))
            port = s.getsockname()[1]
            try:
                with socket.socket() as t:
                    t.bind((B, port))
                return port
            except OSError:
                continue


def request_waiting(ip, port):
    """Whether a connection accepted on ip:port holds request bytes that no
    one has read (/proc/net/tcp rx_queue): the stopped manager has it."""
    want = _hex_addr(ip, port)
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want and fields[3] == "01" and \
                    int(fields[4].split(":")[1], 16) > 0:
                return True
    return False


def _established(sock):
    """Whether a non-blocking connect completed (the SYN was answered)."""
    import select
    return bool(select.select([], [sock], [], 0.5)[1])


class HostList(unittest.TestCase):
    pg = None

    @classmethod
    def setUpClass(cls):
        cls.pg = Postgres()

    @classmethod
    def tearDownClass(cls):
        cls.pg.stop()

    def setUp(self):
        self.port = common_port()
        self.ssvr_port = vastest.free_port("127.0.0.11")
        self.hsvr_port = vastest.free_port("127.0.0.21")
        self.agents = [FakeAgent("127.0.0.%d" % (11 + i), self.ssvr_port) for i in range(3)]
        self.dir = tempfile.mkdtemp(prefix="vashl-")
        self.db = self.pg.new_db()
        self.sms = {}
        for ip in (A, B):
            self.sms[ip] = Sm(self.pg, db=self.db, ssvr_port=self.ssvr_port,
                              hsvr_port=self.hsvr_port,
                              extra={"listen_address": ip, "port": self.port}).start()
        s = self.rpc(B)
        for i in range(3):
            sid = s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
            s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                     capacity=str(VB * 60 + 1000)))
        self.assertTrue(wait_until(lambda: self.sql("SELECT count(*) FROM shred") == "0", 120))

    def tearDown(self):
        for sm in self.sms.values():
            if sm.proc:
                sm.proc.send_signal(signal.SIGCONT)
            sm.kill()
            shutil.rmtree(sm.dir, ignore_errors=True)
        for a in self.agents:
            a.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def rpc(self, ip):
        import xmlrpc.client
        return xmlrpc.client.ServerProxy("http://%s:%d/RPC2" % (ip, self.port))

    def sql(self, q):
        return self.pg.psql(q, self.db)

    def volume_exists(self, name):
        return self.sql("SELECT count(*) FROM lvollst WHERE lvolname = '%s'" % name) == "1"

    def conf(self, hosts, extra=""):
        path = os.path.join(self.dir, "vas-%s.conf" % "-".join(hosts))
        with open(path, "w") as f:
            f.write("[storage_manager]\nhost_list = %s\nport = %d\n%s" % (
                ", ".join(hosts), self.port, extra))
        return path

    def cli_args(self, hosts, tool, *args):
        env = dict(os.environ)
        env.pop("VAS_SM", None)
        return dict(args=[os.path.join(CLI, tool), "--config", self.conf(hosts), "--timeout",
                          str(CLI_TIMEOUT_S)] + list(args),
                    env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True)

    def cli(self, hosts, tool, *args):
        p = subprocess.run(timeout=120, **self.cli_args(hosts, tool, *args))
        return p.returncode, p.stdout, p.stderr

    def stop(self, ip):
        os.kill(self.sms[ip].proc.pid, signal.SIGSTOP)

    def invariants(self):
        self.assertEqual(violated(self.sms[B], INVARIANTS), [], "database invariants")

    # --- the CLI --------------------------------------------------------

    def test_cli_skips_a_refused_first_host(self):
        rc, out, err = self.cli([DEAD, A, B], "lvol_create", "one", "1")
        self.assertEqual((rc, err), (0, ""))
        self.sms[A].kill()  # now A refuses too
        rc, out, err = self.cli([A, B], "lvol_create", "two", "1")
        self.assertEqual((rc, err), (0, ""))
        rc, out, err = self.cli([DEAD, A, B], "lvol_list")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("one", out)
        self.assertIn("two", out)
        self.invariants()

    def test_cli_with_a_stopped_first_host(self):
        self.rpc(B).createLogicalVolume(v(lvolname="before", capacity=1))
        self.stop(A)
        # A read is asked again of B once A's answer is overdue.
        t0 = time.time()
        rc, out, err = self.cli([A, B], "lvol_list")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("before", out)
        self.assertGreaterEqual(time.time() - t0, CLI_TIMEOUT_S)
        # A change is not: A holds it and may carry it out when it wakes.
        rc, out, err = self.cli([A, B], "lvol_create", "late", "1")
        self.assertEqual(rc, 1)
        self.assertIn("Connection timed out after %d s" % CLI_TIMEOUT_S, err)
        self.assertIn("the operation may still be running on the manager: check before "
                      "retrying", err)
        self.assertFalse(self.volume_exists("late"), "a timed-out change was sent to B")
        # Killed while it holds a change: no answer, and B never got it.
        p = subprocess.Popen(**self.cli_args([A, B], "lvol_create", "cut", "1"))
        self.assertTrue(wait_until(lambda: request_waiting(A, self.port), 20))
        self.sms[A].kill()
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 1, out + err)
        self.assertIn("the request may have been carried out", err)
        self.assertFalse(self.volume_exists("cut"), "a change was sent to a second manager")
        # A is gone: everything goes to B.
        rc, out, err = self.cli([A, B], "lvol_create", "after", "1")
        self.assertEqual((rc, err), (0, ""))
        self.invariants()

    def test_cli_skips_a_first_host_that_drops_connections(self):
        """A manager that is powered off takes no connection and refuses
        none: SYNs go unanswered. curl would wait the whole call timeout
        for it; with another manager to ask, the client gives it
        RPC_PROBE_MS (3.5 s) and moves on, for a change too (nothing was
        sent). A listener whose accept queue is full drops SYNs alike."""
        silent = socket.socket()
        held = []
        try:
            silent.bind((DEAD, self.port))
            silent.listen(0)
            for _ in range(8):  # fill the accept queue: later SYNs are dropped
                c = socket.socket()
                c.setblocking(False)
                held.append(c)
                c.connect_ex((DEAD, self.port))
                if not _established(c):
                    break
            else:
                self.fail("the listener took every connection")
            args = self.cli_args([DEAD, B], "lvol_create", "past", "1")
            args["args"][args["args"].index("--timeout") + 1] = "60"
            # Without the probe the CLI waits out its 60 s on the silent host.
            p = subprocess.run(timeout=30, **args)
            self.assertEqual((p.returncode, p.stderr), (0, ""))
            self.assertTrue(self.volume_exists("past"))
        finally:
            for c in held:
                c.close()
            silent.close()
        self.invariants()

    # --- a reporter -----------------------------------------------------

    def reporter(self, hosts, ip):
        state = os.path.join(self.dir, "hsvr-" + ip)
        os.makedirs(state)
        conf = self.conf(hosts, "[hsvr_agent]\nstate_dir = %s\nip_data = %s\nregister_retry_s = 1\n"
                         "rpc_timeout_ms = %d\n"
                         "vas_device_dir = %s/vas\n" % (state, ip,
                                                        REPORTER_TIMEOUT_S * 1000,
                                                        state))
        return subprocess.Popen([REPORTER, "--config", conf], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True), state

    def registered(self, ip):
        return any(h["ip_data"] == [ip] for h in self.rpc(B).listHeadServers(v()))

    def test_reporter_skips_a_refused_first_host(self):
        p, state = self.reporter([DEAD, A, B], "127.0.0.21")
        out = p.communicate(timeout=60)[0]
        self.assertEqual(p.returncode, 0, out)
        self.assertTrue(os.path.exists(os.path.join(state, "hsvrid")))
        self.assertTrue(self.registered("127.0.0.21"))

    def test_reporter_moves_past_a_stopped_first_host(self):
        self.stop(A)
        t0 = time.time()
        p, state = self.reporter([A, B], "127.0.0.22")
        # One timeout on A, then the retry goes to B.
        try:
            out = p.communicate(timeout=REPORTER_TIMEOUT_S * 3)[0]
        except subprocess.TimeoutExpired:
            p.kill()
            self.fail("the reporter still waits: " + p.communicate()[0][-2000:])
        self.assertEqual(p.returncode, 0, out)
        self.assertTrue(self.registered("127.0.0.22"))
        self.assertGreaterEqual(time.time() - t0, REPORTER_TIMEOUT_S)


if __name__ == "__main__":
    main()
