"""The Debian packages as an administrator meets them, in a fresh minbase
Debian 12 chroot: build (scripts/build-debs.sh), lintian, `apt-get install
./*.deb` (policy-rc.d says no: nothing starts, the units are enabled and
the database is created), start the manager and use the CLI, reinstall
while it runs (policy says no: the same manager and its database go on;
policy says yes: it is restarted and the data is still there), remove
(services stopped, data and conffiles kept), purge (nothing left).

systemd does not run in a chroot: test/pkg/fake-systemctl records what
the maintainer scripts ask of it and runs the units' ExecStart= itself.
The chroot lives in private mount, pid and network namespaces, so every
daemon dies with the test and nothing listens outside it.

The debootstrap result is cached under /var/tmp/vas-pkg-chroot (base-<key>,
rebuilt when its recipe changes or after 14 days) and downloaded packages
in archives/; each run mounts a fresh overlay on the base.
"""
import ctypes
import fcntl
import glob
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.environ.get("VAS_SOURCE_DIR", os.path.join(HERE, "../.."))
CACHE = os.environ.get("VAS_PKG_CACHE", "/var/tmp/vas-pkg-chroot")
MIRROR = os.environ.get("VAS_PKG_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"
SOURCES = ("deb {m} {s} main\ndeb {m} {s}-updates main\n"
           "deb {ms}-security {s}-security main\n").format(m=MIRROR, s=SUITE, ms=MIRROR)
BASE_MAX_AGE_S = 14 * 86400
CHROOT_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
              "DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C.UTF-8", "HOME": "/root",
              "TERM": "dumb"}
# apt gives dpkg its own PATH: the fake systemctl in /usr/local/sbin must be on it.
APT = ["apt-get", "-y", "-q", "--no-install-recommends", "-o", "Dpkg::Use-Pty=0",
       "-o", "DPkg::Path=" + CHROOT_ENV["PATH"]]
PACKAGES = ["vastsky-common", "vastsky-sm", "vastsky-ssvr", "vastsky-hsvr", "vastsky-cli"]
DAEMON_UNITS = ["vas_sm.service", "vas_ssvr.service", "vas_hsvr.service"]
REPORTER_UNITS = ["vas_ssvr_reporter.service", "vas_hsvr_reporter.service"]
# Every program the agents and the manager run, as they name it by default.
TOOLS = ["tgtadm", "tgtd", "iscsiadm", "multipath", "dmsetup", "mdadm", "udevadm",
         "/lib/udev/scsi_id", "blockdev", "/usr/lib/postgresql/15/bin/initdb",
         "/usr/lib/postgresql/15/bin/pg_ctl", "flock"]
# What lintian may say besides errors: the README explains each.
README_LINTIAN = "## Packages"


def skip(msg):
    print("SKIP:", msg)
    sys.exit(77)


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run(argv, check=True, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if check and r.returncode:
        raise AssertionError("%s: exit %d\n%s\n%s" % (" ".join(argv), r.returncode,
                                                      r.stdout[-4000:], r.stderr[-4000:]))
    return r


class Locked:
    """flock on the cache: shared to use the base, exclusive to change it."""

    def __init__(self, how, name="lock"):
        os.makedirs(CACHE, exist_ok=True)
        self.fd = os.open(os.path.join(CACHE, name), os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, how)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def base_dir():
    key = hashlib.sha256(("minbase %s %s\n%s" % (SUITE, MIRROR, SOURCES)).encode()).hexdigest()
    return os.path.join(CACHE, "base-" + key[:16])


def make_base():
    """debootstrap once per recipe; apt lists included, nothing else."""
    base = base_dir()
    stamp = os.path.join(base, ".vas-ready")

    def fresh():
        return os.path.exists(stamp) and time.time() - os.path.getmtime(stamp) < BASE_MAX_AGE_S

    if fresh():
        return base
    with Locked(fcntl.LOCK_EX):
        if fresh():
            return base
        for old in glob.glob(os.path.join(CACHE, "base-*")):
            shutil.rmtree(old, ignore_errors=True)
        tmp = base + ".tmp"
        log("debootstrap %s into %s (cold cache)" % (SUITE, tmp))
        r = run(["debootstrap", "--variant=minbase", SUITE, tmp, MIRROR], check=False)
        if r.returncode:
            shutil.rmtree(tmp, ignore_errors=True)
            if re.search(r"resolv|Could not|Failure trying to run|download", r.stdout + r.stderr):
                skip("no Debian archive reachable for the cold chroot: " + r.stderr[-300:])
            raise AssertionError("debootstrap failed:\n" + r.stdout[-3000:] + r.stderr[-3000:])
        with open(os.path.join(tmp, "etc/apt/sources.list"), "w") as f:
            f.write(SOURCES)
        shutil.copy("/etc/resolv.conf", os.path.join(tmp, "etc/resolv.conf"))
        run(["chroot", tmp, "apt-get", "-q", "update"], env=CHROOT_ENV)
        run(["chroot", tmp, "apt-get", "clean"], env=CHROOT_ENV)
        os.rename(tmp, base)
        with open(stamp, "w") as f:
            f.write(time.ctime() + "\n")
        return base


class Chroot:
    """A fresh overlay on the base, mounted in this (private) mount namespace."""

    def __init__(self, base, work):
        self.root = os.path.join(work, "root")
        for d in ("upper", "work", "root"):
            os.makedirs(os.path.join(work, d))
        run(["mount", "-t", "overlay", "overlay", "-o",
             "lowerdir=%s,upperdir=%s/upper,workdir=%s/work" % (base, work, work), self.root])
        run(["mount", "-t", "proc", "proc", self.path("/proc")])
        run(["mount", "-t", "tmpfs", "tmpfs", self.path("/run")])
        run(["mount", "-t", "tmpfs", "tmpfs", self.path("/dev/shm")])

    def path(self, p):
        return self.root + p

    def sh(self, cmd, check=True):
        return run(["chroot", self.root, "sh", "-c", cmd], check=check, env=CHROOT_ENV)

    def write(self, p, text, mode=0o644):
        with open(self.path(p), "w") as f:
            f.write(text)
        os.chmod(self.path(p), mode)

    def read(self, p):
        try:
            with open(self.path(p)) as f:
                return f.read()
        except FileNotFoundError:
            return ""


def fetch_dependencies(ch, debs):
    """Downloads what the packages pull in into the shared archive cache
    (the one step that needs the network, and only when something is new),
    then copies it into this chroot."""
    archives = os.path.join(CACHE, "archives")
    os.makedirs(os.path.join(archives, "partial"), exist_ok=True)
    target = ch.path("/var/cache/apt/archives")
    with Locked(fcntl.LOCK_EX, "archives.lock"):
        run(["mount", "--bind", archives, target])
        try:
            cmd = " ".join(APT + ["--download-only", "install"] + debs)
            r = ch.sh(cmd, check=False)
            if r.returncode:
                log("download failed, refreshing the package lists once")
                ch.sh("apt-get -q update", check=False)
                r = ch.sh(cmd, check=False)
            if r.returncode:
                if re.search(r"Temporary failure resolving|Could not resolve|"
                             r"Failed to fetch|Unable to connect", r.stdout + r.stderr):
                    skip("dependencies not cached and no Debian archive reachable")
                raise AssertionError("apt-get --download-only failed:\n" + r.stdout + r.stderr)
        finally:
            run(["umount", target])
    for deb in glob.glob(os.path.join(archives, "*.deb")):
        shutil.copy(deb, target)


def private_network():
    """From here on this process and its children see only their own lo."""
    if ctypes.CDLL(None, use_errno=True).unshare(0x40000000):  # CLONE_NEWNET
        raise OSError(ctypes.get_errno(), "unshare(CLONE_NEWNET)")
    run(["ip", "link", "set", "lo", "up"])


def wait_for(pred, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for " + what)


def answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class PackageLifecycle(unittest.TestCase):
    """Runs inside `unshare --mount --pid --fork` (see main())."""

    debs_dir = None
    work = None

    def setUp(self):
        self.debs = sorted(os.path.basename(p) for p in glob.glob(self.debs_dir + "/*.deb")
                           if "-dbgsym_" not in p)
        self.assertEqual(sorted(d.split("_")[0] for d in self.debs), sorted(PACKAGES))

    # --- helpers --------------------------------------------------------

    def apt(self, *args, check=True):
        return self.ch.sh(" ".join(APT + list(args)), check=check)

    def policy(self, allow):
        """policy-rc.d as in a container or a build chroot: 101 = do not start."""
        self.ch.write("/usr/sbin/policy-rc.d", "#!/bin/sh\nexit %d\n" % (0 if allow else 101),
                      0o755)

    def systemctl_calls(self):
        lines = self.ch.read("/var/log/fake-systemctl.log").splitlines()
        calls = [l for l in lines[self.calls_seen:]]
        self.calls_seen = len(lines)
        return calls

    def acted(self, calls, verb, unit):
        return any(re.search(r"(^|\s)%s(\s.*)?\s%s(\s|$)" % (verb, re.escape(unit)), c)
                   for c in calls)

    def enabled(self, unit):
        return os.path.lexists(self.ch.path("/etc/systemd/system/multi-user.target.wants/"
                                            + unit))

    def manager_pid(self):
        return self.ch.read("/run/fake-systemd/vas_sm.service.pid").strip()

    def cli(self, *args):
        return self.ch.sh(" ".join(args), check=False)

    def rpc(self):
        return xmlrpc.client.ServerProxy("http://127.0.0.1:8881/RPC2")

    def postmaster_alive(self):
        pid = self.ch.read("/var/lib/vas/pg/data/postmaster.pid").split("\n")[0]
        return bool(pid) and self.ch.sh("kill -0 %s" % pid, check=False).returncode == 0

    def live_processes(self, name):
        out = run(["ps", "-eo", "pid=,stat=,comm="]).stdout
        return [l for l in out.splitlines() if l.split()[2:3] == [name] and "Z" not in l.split()[1]]

    def our_files(self):
        """Every path that looks like ours (names from the packages)."""
        out = self.ch.sh("find / -xdev \\( -path /proc -o -path /run -o -path /tmp "
                         "-o -path /var/log/fake-systemd -o -path /usr/local/sbin \\) -prune "
                         "-o \\( -name 'vas*' -o -name '*vastsky*' -o -name 'ssvr*' "
                         "-o -name 'hsvr*' -o -name 'lvol_*' -o -name 'pdsk_*' "
                         "-o -name 'snap_create*' -o -name 'shutdownAll*' \\) -print").stdout
        return set(out.split())

    # --- the life cycle -------------------------------------------------

    def test_lifecycle(self):
        log("fresh overlay")
        self.ch = Chroot(base_dir(), self.work)
        shutil.copytree(self.debs_dir, self.ch.path("/tmp/debs"))
        shutil.copy("/etc/resolv.conf", self.ch.path("/etc/resolv.conf"))
        debs = ["/tmp/debs/" + d for d in self.debs]
        log("fetching dependencies")
        fetch_dependencies(self.ch, debs)
        private_network()
        before = self.our_files()
        os.makedirs(self.ch.path("/run/systemd/system"))
        shutil.copy(os.path.join(HERE, "fake-systemctl"), self.ch.path("/usr/local/sbin/systemctl"))
        self.calls_seen = 0

        log("install, policy-rc.d says no")
        self.policy(allow=False)
        r = self.apt("install", *debs)
        self.assertNotIn("NOTICE", r.stdout + r.stderr)
        calls = self.systemctl_calls()
        for unit in DAEMON_UNITS:
            self.assertTrue(self.enabled(unit), unit)
            self.assertFalse(self.acted(calls, "start", unit), calls)
        for unit in REPORTER_UNITS:
            self.assertFalse(self.enabled(unit), unit)
        self.assertTrue(os.path.exists(self.ch.path("/var/lib/vas/pg/data/PG_VERSION")))
        self.assertFalse(self.postmaster_alive())
        self.assertEqual(os.stat(self.ch.path("/var/lib/vas")).st_mode & 0o777, 0o755)
        self.assertTrue(os.path.isdir(self.ch.path("/etc/vas")))
        self.check_tools_and_libraries()

        log("start the services, use the CLI")
        self.policy(allow=True)
        self.ch.sh("systemctl start vas_sm.service vas_ssvr.service")
        wait_for(lambda: answers(8881), "vas_sm on 8881")
        wait_for(lambda: answers(8883), "ssvr_agent on 8883")
        # the manager's and the storage agent's state directories coexist
        self.assertEqual(os.stat(self.ch.path("/var/lib/vas")).st_mode & 0o777, 0o755)
        self.assertEqual(os.stat(self.ch.path("/var/lib/vas/ssvr")).st_mode & 0o777, 0o700)
        self.assertEqual(self.rpc().registerHeadServer({"ver": 5, "ip_data": ["127.0.9.11"]}), 1)
        r = self.cli("hsvr_list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("hsvr-00000001", r.stdout)
        r = self.cli("lvol_list")
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        r = self.cli("lvol_create", "v1", "10")
        self.assertEqual(r.returncode, 1)
        self.assertIn("No space left on device", r.stderr)
        for page in ("man8/vas_sm.8", "man1/lvol_create.1", "man5/vas.conf.5"):
            self.assertTrue(os.path.exists(self.ch.path("/usr/share/man/%s.gz" % page)), page)
        pid = self.manager_pid()

        log("reinstall while it runs, policy-rc.d says no")
        self.policy(allow=False)
        r = self.apt("install", "--reinstall", *debs)
        self.assertIn("vas_sm is running", r.stdout + r.stderr)
        self.assertEqual(self.manager_pid(), pid)
        self.assertTrue(self.postmaster_alive())
        self.assertIn("hsvr-00000001", self.cli("hsvr_list").stdout)
        self.assertEqual(len(self.rpc().listHeadServers({"ver": 5})), 1)

        log("reinstall while it runs, policy-rc.d says yes")
        self.policy(allow=True)
        self.systemctl_calls()
        r = self.apt("install", "--reinstall", "/tmp/debs/" +
                     [d for d in self.debs if d.startswith("vastsky-sm_")][0])
        self.assertTrue(self.acted(self.systemctl_calls(), "restart", "vas_sm.service"))
        self.assertNotEqual(self.manager_pid(), pid)
        wait_for(lambda: answers(8881), "vas_sm after its restart")
        self.assertIn("hsvr-00000001", self.cli("hsvr_list").stdout)
        self.assertNotIn("NOTICE", self.ch.read("/var/log/fake-systemd/vas_sm.service.log"))

        log("remove")
        self.systemctl_calls()
        self.apt("remove", *PACKAGES)
        calls = self.systemctl_calls()
        for unit in DAEMON_UNITS:
            self.assertTrue(self.acted(calls, "stop", unit), (unit, calls))
        self.assertEqual(self.live_processes("vas_sm"), [])
        self.assertEqual(self.live_processes("ssvr_agent"), [])
        wait_for(lambda: not self.postmaster_alive(), "the embedded PostgreSQL to stop")
        self.assertFalse(os.path.exists(self.ch.path("/usr/sbin/vas_sm")))
        self.assertTrue(os.path.exists(self.ch.path("/var/lib/vas/pg/data/PG_VERSION")))
        self.assertTrue(os.path.exists(self.ch.path("/etc/vas.conf")))

        log("purge")
        # apt no longer knows removed local packages: purge is dpkg's
        self.ch.sh("dpkg --purge " + " ".join(PACKAGES))
        for p in ("/var/lib/vas", "/etc/vas.conf", "/etc/vas"):
            self.assertFalse(os.path.lexists(self.ch.path(p)), p)
        # what is ours and owned by no installed package
        left = [p for p in sorted(self.our_files() - before)
                if self.ch.sh("dpkg -S %s" % p, check=False).returncode]
        self.assertEqual(left, [])
        r = self.ch.sh("dpkg -l 'vastsky*' 2>/dev/null | grep '^[a-z][a-z] ' || true")
        self.assertEqual(r.stdout, "")

    def check_tools_and_libraries(self):
        """Depends: every external program resolves and runs, every
        library of every binary is there."""
        for tool in TOOLS:
            with self.subTest(tool=tool):
                r = self.ch.sh("command -v %s && %s --version </dev/null" % (tool, tool),
                               check=False)
                self.assertNotIn(r.returncode, (126, 127), r.stdout + r.stderr)
                self.assertNotIn("error while loading shared libraries", r.stderr)
        r = self.ch.sh("for f in /usr/sbin/vas_sm /usr/sbin/ssvr_* /usr/sbin/hsvr_* "
                       "/usr/sbin/vas_virt /usr/bin/vas; do ldd $f; done")
        self.assertNotIn("not found", r.stdout)


def lintian_findings(debs_dir):
    debs = sorted(p for p in glob.glob(debs_dir + "/*.deb") if "-dbgsym_" not in p)
    r = run(["lintian", "--no-tag-display-limit"] + debs, check=False)
    found = re.findall(r"(?m)^([EW]): (\S+?): (\S+)", r.stdout)
    return r, found


class Lintian(unittest.TestCase):
    debs_dir = None

    def test_no_errors_and_every_warning_explained(self):
        r, found = lintian_findings(self.debs_dir)
        errors = sorted({"%s: %s" % (p, t) for level, p, t in found if level == "E"})
        self.assertEqual(errors, [], r.stdout)
        with open(os.path.join(SOURCE, "README.md")) as f:
            readme = f.read()
        packages = readme[readme.index(README_LINTIAN):]
        for tag in sorted({t for level, _, t in found if level == "W"}):
            self.assertIn("`%s`" % tag, packages, "lintian warning %s is not explained in the "
                          "README's Packages section" % tag)


def build_debs(out):
    log("building the packages")
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck")
    env.pop("ASAN_OPTIONS", None)
    env.pop("LSAN_OPTIONS", None)
    env.pop("UBSAN_OPTIONS", None)
    run([os.path.join(SOURCE, "scripts/build-debs.sh"), out], env=env)


def inner(debs_dir, work):
    """PID 1 of the test's namespaces: only the life cycle runs here."""
    PackageLifecycle.debs_dir = debs_dir
    PackageLifecycle.work = work
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(PackageLifecycle)
    ok = unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful()
    sys.exit(0 if ok else 1)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--inner":
        inner(sys.argv[2], sys.argv[3])
    if os.geteuid() != 0:
        skip("needs root (debootstrap, chroot, namespaces)")
    for tool in ("debootstrap", "dpkg-buildpackage", "dh", "lintian", "unshare", "ip"):
        if not shutil.which(tool):
            skip("%s missing (scripts/install-deps.sh installs it)" % tool)
    tmp = tempfile.mkdtemp(prefix="vaspkg-", dir="/var/tmp")
    try:
        debs = os.path.join(tmp, "debs")
        build_debs(debs)
        log("lintian")
        Lintian.debs_dir = debs
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(Lintian)
        lint_ok = unittest.TextTestRunner(verbosity=2).run(suite).wasSuccessful()
        log("chroot base")
        make_base()
        with Locked(fcntl.LOCK_SH):  # the base stays as it is meanwhile
            work = os.path.join(tmp, "chroot")
            os.makedirs(work)
            rc = subprocess.run(["unshare", "--mount", "--pid", "--fork", "--kill-child",
                                 "--mount-proc",
                                 sys.executable, os.path.abspath(__file__), "--inner",
                                 debs, work]).returncode
        sys.exit(0 if rc == 0 and lint_ok else 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
