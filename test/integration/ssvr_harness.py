"""Shared pieces of the storage-server integration tests: a real tgtd on a
127.0.0.x portal, ssvr_agent / ssvr_reporter processes with their own
config and state dir, and small assertions. Everything started here is
stopped by pid at exit."""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCServer

VB = 1025 * 1024 * 1024
PREFIX = "2000-11.jp.co.valinux"
BUILD = os.environ.get("VAS_BUILD_DIR", "")
BIN = os.path.join(BUILD, "agents", "ssvr")
_procs = []
_dirs = []


def skip(msg):
    print("SKIP:", msg)
    sys.exit(77)


def need_tools():
    if os.geteuid() != 0:
        skip("tgtd needs root")
    for t in ("tgtd", "tgtadm", "iscsi-ls"):
        if not shutil.which(t):
            skip(t + " missing")
    for b in ("ssvr_agent", "ssvr_reporter"):
        if not os.path.exists(os.path.join(BIN, b)):
            sys.exit("binary %s not built in %s" % (b, BIN))


def _cleanup():
    for p in reversed(_procs):
        if p.poll() is None and getattr(p, "graceful", False):
            p.terminate()  # e.g. vas_sm stops its embedded PostgreSQL
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        if p.poll() is None:
            p.kill()
            p.wait()
    if not os.environ.get("VAS_KEEP_TMP"):
        for d in _dirs:
            shutil.rmtree(d, ignore_errors=True)


atexit.register(_cleanup)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("ok -", msg)


def free_port(ip):
    s = socket.socket()
    s.bind((ip, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Tgtd:
    """One tgtd instance: its own control port and portal."""

    def __init__(self, ip, ctl, workdir):
        self.ip, self.ctl, self.workdir = ip, ctl, workdir
        self.proc = None

    def start(self):
        log = open(os.path.join(self.workdir, "tgtd-%d.log" % self.ctl), "a")
        self.proc = subprocess.Popen(
            ["tgtd", "-f", "-C", str(self.ctl), "--iscsi",
             "portal=%s:3260" % self.ip], stdout=log, stderr=log)
        _procs.append(self.proc)
        for _ in range(100):
            if self.adm("--op", "show", "--mode", "target").returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError("tgtd did not come up")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def adm(self, *args):
        return subprocess.run(["tgtadm", "-C", str(self.ctl), "--lld",
                               "iscsi"] + list(args),
                              capture_output=True, text=True)

    def targets(self):
        out = self.adm("--op", "show", "--mode", "target").stdout
        res = {}
        for line in out.splitlines():
            if line.startswith("Target "):
                tid, iqn = line[7:].split(": ", 1)
                res[iqn.strip()] = int(tid)
        return res


class Node:
    """A storage server: config, state dir, agent and reporter runs."""

    def __init__(self, name, ip, ctl, extra=None, port=None):
        self.dir = tempfile.mkdtemp(prefix="vas-%s-" % name)
        _dirs.append(self.dir)
        self.ip = ip
        self.state = os.path.join(self.dir, "state")
        os.mkdir(self.state)
        self.port = port or free_port(ip)
        self.tgtd = Tgtd(ip, ctl, self.dir)
        self.agent = None
        self.conf = os.path.join(self.dir, "vas.conf")
        self.settings = {
            "storage_manager": {"host_list": "127.0.0.1", "port": "1",
                                "shredder_count": "2"},
            "ssvr_agent": {"port": str(self.port), "listen_address": ip,
                           "state_dir": self.state,
                           "tgt_control_port": str(ctl),
                           "tgt_portal": "%s:3260" % ip,
                           "scrub_first_sleep_time": "3600",
                           "reporter_retry_max": "1",
                           "rpc_timeout_ms": "3000",
                           # the tests play the manager from 127.0.0.1
                           "allowed_peers": "127.0.0.1"},
            "iscsi": {"iqn_prefix": PREFIX},
        }
        for sec, kv in (extra or {}).items():
            self.settings.setdefault(sec, {}).update(kv)
        self.write_conf()

    def write_conf(self):
        with open(self.conf, "w") as f:
            for sec, kv in self.settings.items():
                f.write("[%s]\n" % sec)
                for k, v in kv.items():
                    f.write("%s: %s\n" % (k, v))

    def disk(self, name, size):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.truncate(size)
        return path

    def record(self, pdskid, path):
        with open(os.path.join(self.state, "pdsk-%08x" % pdskid), "w") as f:
            f.write("%08x %s\n" % (pdskid, path))

    def start_agent(self, env=None):
        log = open(os.path.join(self.dir, "agent.log"), "a")
        self.agent = subprocess.Popen(
            [os.path.join(BIN, "ssvr_agent"), "--config", self.conf],
            stdout=log, stderr=log, env=env)
        _procs.append(self.agent)
        rpc = self.rpc()
        for _ in range(200):
            try:
                rpc.helloWorld({})
                return rpc
            except OSError:
                if self.agent.poll() is not None:
                    raise AssertionError("agent exited: %s" % self.log())
                time.sleep(0.05)
        raise AssertionError("agent did not answer")

    def stop_agent(self):
        self.agent.send_signal(signal.SIGTERM)
        rc = self.agent.wait(timeout=60)
        self.agent = None
        return rc

    def rpc(self):
        return xmlrpc.client.ServerProxy("http://%s:%d" % (self.ip,
                                                            self.port))

    def log(self):
        with open(os.path.join(self.dir, "agent.log")) as f:
            return f.read()[-3000:]

    def reporter(self, timeout=120):
        p = subprocess.Popen(
            [os.path.join(BIN, "ssvr_reporter"), "--config", self.conf],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.terminate()
            out, err = p.communicate()
            raise AssertionError("reporter hung: " + err[-2000:])
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)

    def iqn(self, pdskid):
        return "iqn.%s:%08x" % (PREFIX, pdskid)

    def url(self, pdskid):
        return "iscsi://%s/%s/1" % (self.ip, self.iqn(pdskid))


class FakeSM:
    """A storage manager answering the storage server's calls."""

    def __init__(self, ip, port):
        self.ip, self.port = ip, port
        self.calls = []
        self.ssvrid = 5
        self.pdsks = {}
        self.eexist = 0  # answer EEXIST this many times
        self.listed = {}  # listPhysicalDisks: pdskid -> local_path
        self.heads = ["127.0.0.1"]  # listHeadServers: one head, its ip_data
        self.failed_heads = []  # listed too, priority OFFLINE
        self.srv = None

    def start(self):
        self.srv = SimpleXMLRPCServer((self.ip, self.port), logRequests=False,
                                      allow_none=False)
        self.srv.register_function(self.reg_ssvr, "registerStorageServer")
        self.srv.register_function(self.reg_pdsk, "registerPhysicalDisk")
        self.srv.register_function(self.notify, "notifyFailure")
        self.srv.register_function(self.badblocks, "notifyBadBlocks")
        self.srv.register_function(self.list_pdsks, "listPhysicalDisks")
        self.srv.register_function(self.list_hsvrs, "listHeadServers")
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()

    def reg_ssvr(self, p):
        self.calls.append(("ssvr", p))
        if p.get("ver") != 5:
            raise xmlrpc.client.Fault(71, "EPROTO")
        if self.eexist:
            self.eexist -= 1
            raise xmlrpc.client.Fault(17, "EEXIST")
        return self.ssvrid

    def reg_pdsk(self, p):
        self.calls.append(("pdsk", p))
        if p.get("ssvrid") != self.ssvrid or \
                not isinstance(p.get("capacity"), str):
            raise xmlrpc.client.Fault(22, "EINVAL")
        path = p["local_path"]
        if path not in self.pdsks:
            self.pdsks[path] = 0x10 + len(self.pdsks)
        return self.pdsks[path]

    def notify(self, p):
        self.calls.append(("fail", p))
        return 0

    def badblocks(self, p):
        self.calls.append(("bad", p))
        return 0

    def list_pdsks(self, p):
        self.calls.append(("list", p))
        return [{"ssvrid": self.ssvrid, "pdskid": i, "priority": 1,
                 "resync": 0, "capacity": 1, "available": 1,
                 "local_path": path} for i, path in self.listed.items()]

    def list_hsvrs(self, p):
        self.calls.append(("hsvrs", p))
        return [{"hsvrid": i + 1, "priority": 4 if ip in self.failed_heads else 1,
                 "resync": 0, "ip_data": [ip]}
                for i, ip in enumerate(self.heads + self.failed_heads)]

    def acl(self, tgtd, tid):
        """The initiator addresses of target tid (tgtadm --op show)."""
        out = tgtd.adm("--op", "show", "--mode", "target").stdout
        res, ours, in_acl = [], False, False
        for line in out.splitlines():
            if line.startswith("Target "):
                ours = line.startswith("Target %d:" % tid)
                in_acl = False
            elif ours and "ACL information:" in line:
                in_acl = True
            elif in_acl and line.startswith("        "):
                res.append(line.strip())
            else:
                in_acl = False
        return res

    def of(self, kind):
        return [p for k, p in self.calls if k == kind]


def fault(fn, *args):
    """faultCode of a call, or None when it succeeded."""
    try:
        fn(*args)
    except xmlrpc.client.Fault as e:
        return e.faultCode
    return None


def wait_event(rpc, eventid, timeout=120):
    end = time.time() + timeout
    while time.time() < end:
        st = rpc.getEventStatus({"ver": 5, "eventid": eventid})
        if st[0] != 2:
            return st
        time.sleep(0.1)
    raise AssertionError("event %d still in progress" % eventid)


def read_at(path, off, n):
    with open(path, "rb") as f:
        f.seek(off)
        return f.read(n)


def write_at(path, off, data):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.pwrite(fd, data, off)
        os.fsync(fd)
    finally:
        os.close(fd)


def all_zero(path, off, n, chunk=64 << 20):
    with open(path, "rb") as f:
        f.seek(off)
        while n > 0:
            b = f.read(min(chunk, n))
            if not b or b.count(0) != len(b):
                return False
            n -= len(b)
    return True
