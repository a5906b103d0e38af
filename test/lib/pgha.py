"""Harness for several managers on a replicated PostgreSQL (issue 15): a
primary and a synchronous streaming standby started as the postgres user,
a TCP proxy that can cut a manager off from the database, the manager
process behind an agent call, and a client that fails over among managers
the way a client with a host_list should."""
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client

from vastest import PG_BIN, skip


class PgPair:
    """A primary on ips[0] and a synchronous streaming standby (pg_basebackup
    -R) on ips[1], both on port; databases are made on the primary. dsn()
    names both hosts with target_session_attrs=read-write, as a manager's
    dsn would, so it follows a promotion."""

    def __init__(self, ips=("127.0.0.31", "127.0.0.32"), port=5432):
        if not os.path.exists(os.path.join(PG_BIN, "pg_basebackup")):
            skip("PostgreSQL 15 server binaries missing")
        self.ips, self.port = ips, port
        self.dir = tempfile.mkdtemp(prefix="vaspgha-")
        self.as_pg = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_pg = ["runuser", "-u", "postgres", "--"]
        self.data = [os.path.join(self.dir, n) for n in ("primary", "standby")]
        self.sock = [os.path.join(self.dir, "s%d" % i) for i in range(2)]
        for s in self.sock:
            os.mkdir(s)
            if self.as_pg:
                shutil.chown(s, "postgres")
        self.counter = 0
        self.pg(["initdb", "-D", self.data[0], "-A", "trust", "-U", "vas", "--no-sync",
                 "-E", "UTF8"])
        self.conf(0, {"listen_addresses": "'%s'" % ips[0], "port": port,
                      "unix_socket_directories": "'%s'" % self.sock[0], "fsync": "off",
                      "max_connections": 300, "synchronous_standby_names": "'*'",
                      "wal_keep_size": "'256MB'"})
        self.start(0)
        self.pg(["pg_basebackup", "-h", ips[0], "-p", str(port), "-U", "vas", "-D",
                 self.data[1], "-R", "-X", "stream", "--no-sync"])
        # The standby waits for no standby of its own once promoted.
        self.conf(1, {"listen_addresses": "'%s'" % ips[1],
                      "unix_socket_directories": "'%s'" % self.sock[1],
                      "synchronous_standby_names": "''"})
        self.start(1)
        self.running = [True, True]
        self.wait_sync()

    def pg(self, argv):
        subprocess.run(self.as_pg + [os.path.join(PG_BIN, argv[0])] + argv[1:], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def conf(self, i, settings):
        with open(os.path.join(self.data[i], "postgresql.conf"), "a") as f:
            for k, val in settings.items():
                f.write("%s = %s\n" % (k, val))

    def start(self, i):
        self.pg(["pg_ctl", "-D", self.data[i], "-l", self.data[i] + ".log", "-w", "start"])

    def wait_sync(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if self.psql_on(0, "SELECT sync_state FROM pg_stat_replication") == "sync":
                return
            time.sleep(0.1)
        raise RuntimeError("the standby did not become synchronous")

    def psql_on(self, i, sql, db="postgres"):
        out = subprocess.run(["psql", "-XAtq", "-h", self.sock[i], "-p", str(self.port), "-U",
                              "vas", "-d", db, "-c", sql], capture_output=True, text=True)
        return out.stdout.strip()

    def dsn(self, db, hosts=None, port=None):
        return ("host=%s port=%d user=vas dbname=%s target_session_attrs=read-write "
                "connect_timeout=2" % (hosts or ",".join(self.ips), port or self.port, db))

    def psql(self, sql, db="postgres"):
        """On whichever server is the primary now."""
        out = subprocess.run(["psql", "-XAtq", "-d", self.dsn(db), "-c", sql], check=True,
                             capture_output=True, text=True)
        return out.stdout.strip()

    def new_db(self):
        self.counter += 1
        name = "ha_%d" % self.counter
        self.psql("CREATE DATABASE %s" % name)
        return name

    def stop_primary(self):
        """The primary dies (immediate: no shutdown checkpoint)."""
        self.pg(["pg_ctl", "-D", self.data[0], "-m", "immediate", "stop"])
        self.running[0] = False

    def promote(self):
        self.pg(["pg_ctl", "-D", self.data[1], "-w", "promote"])

    def stop(self):
        for i in range(2):
            subprocess.run(self.as_pg + [os.path.join(PG_BIN, "pg_ctl"), "-D", self.data[i],
                                         "-m", "immediate", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)


class TcpProxy:
    """Forwards ip:port to a server; cut() turns it into a black hole (data
    in flight and new connections go nowhere, nothing is closed: a network
    partition), heal() resets what was cut and forwards again."""

    def __init__(self, ip, target):
        self.target = target
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((ip, 0))
        self.sock.listen(64)
        self.addr = self.sock.getsockname()
        self.lock = threading.Lock()
        self.pairs = []
        self.cut_off = False
        self.done = False
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while not self.done:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                if self.cut_off:
                    self.pairs.append((c, None))  # held, never answered
                    continue
            try:
                s = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.pairs.append((c, s))
            for a, b in ((c, s), (s, c)):
                threading.Thread(target=self.pump, args=(a, b), daemon=True).start()

    def pump(self, a, b):
        while True:
            try:
                data = a.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            if self.cut_off:
                continue  # swallowed
            try:
                b.sendall(data)
            except OSError:
                break
        for x in (a, b):
            try:
                x.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        with self.lock:
            self.cut_off = True

    def heal(self):
        """Ends every connection made before (as a partition's end would
        look to both sides), then forwards new ones."""
        with self.lock:
            pairs, self.pairs = self.pairs, []
            self.cut_off = False
        for c, s in pairs:
            for x in (c, s):
                if x:
                    # shutdown() first: close() alone would wait for the
                    # pump thread blocked in recv() on it, and send nothing.
                    for end in (lambda: x.shutdown(socket.SHUT_RDWR), x.close):
                        try:
                            end()
                        except OSError:
                            pass

    def stop(self):
        self.done = True
        self.heal()
        self.sock.close()


def own_network():
    """Runs this test (again) in a network namespace of its own, with its
    own loopback: PacketDrop changes the loopback's traffic, which must
    touch no other test's traffic (ctest runs several at once, also inside
    scripts/iso). Skips where a namespace cannot be made."""
    if os.environ.get("VAS_OWN_NETNS"):
        return
    if os.geteuid() != 0 or not all(shutil.which(t) for t in ("unshare", "tc", "ip")):
        skip("dropping packets needs root, unshare, tc and ip")
    os.environ["VAS_OWN_NETNS"] = "1"
    os.execvp("unshare", ["unshare", "-n", "--", "sh", "-c", 'ip link set lo up && exec "$@"',
                          "sh", sys.executable] + sys.argv)


class PacketDrop:
    """Drops every packet to or from ip on the loopback while cut: they are
    sent away into a veth pair, whose far end takes no 127/8 address. The
    sending kernel sees them leave (a drop in its own queue would tell TCP
    "local congestion, try again", and keepalives would never fail), and
    neither side answers anything, not even a TCP keepalive probe - unlike
    a proxy that stops forwarding, whose kernel still acknowledges all it
    is sent. Call within own_network() only."""

    def __init__(self, ip, dev="vasdrop"):
        self.ip, self.dev = ip, dev
        self.tc_or_ip("ip", "link", "add", dev, "type", "veth", "peer", "name", dev + "1")
        for d in (dev, dev + "1"):
            self.tc_or_ip("ip", "link", "set", d, "up")
        self.tc_or_ip("tc", "qdisc", "add", "dev", "lo", "clsact")
        self.is_cut = False

    @staticmethod
    def tc_or_ip(*argv):
        out = subprocess.run(list(argv), capture_output=True, text=True)
        if out.returncode:
            raise RuntimeError("%s: %s" % (" ".join(argv), out.stderr.strip()))

    def cut(self):
        for way in ("dst", "src"):
            self.tc_or_ip("tc", "filter", "add", "dev", "lo", "egress", "protocol", "ip",
                          "prio", "1", "u32", "match", "ip", way, self.ip + "/32", "action",
                          "mirred", "egress", "redirect", "dev", self.dev)
        self.is_cut = True

    def heal(self):
        if self.is_cut:
            self.tc_or_ip("tc", "filter", "del", "dev", "lo", "egress", "prio", "1")
        self.is_cut = False

    def stop(self):
        self.heal()
        self.tc_or_ip("tc", "qdisc", "del", "dev", "lo", "clsact")
        self.tc_or_ip("ip", "link", "del", self.dev)


def _hex_addr(ip, port):
    return "%08X:%04X" % (int.from_bytes(socket.inet_aton(ip), "little"), port)


def socket_owner(ip, port, pids):
    """Which of pids holds the TCP socket bound locally to ip:port (the
    peer of an accepted connection), or None."""
    want = _hex_addr(ip, port)
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1] == want:
                inode = fields[9]
                break
    if inode is None:
        return None
    target = "socket:[%s]" % inode
    for pid in pids:
        try:
            fds = os.listdir("/proc/%d/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == target:
                    return pid
            except OSError:
                pass
    return None


class Uncertain(Exception):
    """The manager went away while it had the request: it may have run."""


class _Transport(xmlrpc.client.Transport):
    def __init__(self, timeout):
        super().__init__()
        self.timeout = timeout

    def make_connection(self, host):
        conn = super().make_connection(host)
        conn.timeout = self.timeout
        return conn


class Managers:
    """A client with a host list: a call goes to the first manager that
    takes the connection; a refused connection moves on; EAGAIN (the
    database is away) is retried after a pause; a read whose answer was
    lost is asked again of the next manager; a change whose answer was
    lost raises Uncertain - it may have been carried out."""

    def __init__(self, ports, timeout=30):
        self.ports = list(ports)
        self.timeout = timeout
        self.lock = threading.Lock()
        self.retries = {"refused": 0, "eagain": 0, "lost": 0}

    def note(self, what):
        with self.lock:
            self.retries[what] += 1

    def call(self, method, param, read=False, patience=60, first=0):
        end = time.time() + patience
        while True:
            n = len(self.ports)
            for port in [self.ports[(first + i) % n] for i in range(n)]:
                p = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % port,
                                              transport=_Transport(self.timeout))
                try:
                    with p:
                        return getattr(p, method)(param)
                except ConnectionRefusedError:
                    self.note("refused")
                    continue
                except xmlrpc.client.Fault as f:
                    if f.faultCode != 11:
                        raise
                    self.note("eagain")
                    time.sleep(0.2)
                    break
                except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError):
                    self.note("lost")
                    if not read:
                        raise Uncertain(method)
                    continue
            if time.time() > end:
                raise TimeoutError("no manager answered %s" % method)
            time.sleep(0.05)
