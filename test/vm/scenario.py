#!/usr/bin/env python3
"""The vm-test scenario, run inside the guest (test/vm/guest.sh): a whole
cluster with device_backend = kernel, a redundancy-3 volume taken through
its life (grown while attached, issue 16), every step checked against the kernel's own view (dmsetup, mdadm,
/proc/mdstat, iscsiadm, sysfs) and the data byte for byte, down to the
storage servers' backing files. Prints "PASS <step> (<s>)" or
"FAIL <step>: <why>" per step. Standard library only.
"""
import mmap
import os
import random
import re
import subprocess
import sys
import time
import xmlrpc.client

SRC = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("VAS_BUILD_DIR") or open(
    "/proc/cmdline").read().split("vas.build=")[1].split()[0]
LOCAL = "/var/tmp/vas-local"
PG_TEMPLATE = "/var/lib/vas-vm/pgdata"   # initdb'd when the image was built
VAS_DIR = "/dev/vas"
MD_DIR = "/dev/md"
SM_ADDR = "127.0.0.1:8881"
HSVR_IP = "127.0.0.21"
VB = 1025 << 20          # bytes of one vb ("GB" of extents)
VB_SECTORS = 2099200
GIB_SECTORS = 2097152
MIB = 1 << 20
INSYNC, SPARE = 2, 3
VOL, SNAP, GIB = "vm1", "vm1snap", 3

os.environ.update(VAS_SM=SM_ADDR, VAS_BUILD_DIR=BUILD, PATH="%s/cli:%s" % (BUILD, os.environ[
    "PATH"]))


class Failed(Exception):
    """A check did not hold: the step fails with this message."""


# ---------------------------------------------------------------- helpers

def sh(*argv, check=True, timeout=300, stdin=None):
    """Runs argv; returns stdout. Failed with the tool's stderr if check."""
    p = subprocess.run(argv, capture_output=True, text=True, input=stdin,
                       timeout=timeout)
    if check and p.returncode:
        raise Failed("%s exited %d: %s" % (" ".join(argv), p.returncode,
                                           (p.stderr or p.stdout).strip()))
    return p.stdout if check else p


def cli(cmd, *args):
    """A CLI command as a user types it; Failed with its message. The
    emulated CPU is slow: the client waits up to 30 min."""
    return sh(cmd, "--timeout", "1800", *args, timeout=1900)


def expect(cond, what):
    if not cond:
        raise Failed(what)


def wait(fn, seconds, what, every=0.5):
    """Calls fn() until it returns a true value; Failed after seconds,
    saying what was awaited and fn's last answer."""
    end = time.time() + seconds
    last = None
    while True:
        last = fn()
        if last and not isinstance(last, str):
            return last
        if time.time() > end:
            raise Failed("after %ds still waiting for %s%s" % (
                seconds, what, ": " + last if isinstance(last, str) else ""))
        time.sleep(every)


def sm():
    return xmlrpc.client.ServerProxy("http://%s/RPC2" % SM_ADDR)


def v(**kw):
    kw["ver"] = 5
    return kw


def tree(name):
    return sm().showLogicalVolume(v(lvolname=name))


def walk(node, kind):
    """Every node of lvoltype kind under node, in tree order."""
    out = [node] if node["lvoltype"] == kind else []
    for c in node.get("components", []):
        out += walk(c, kind)
    return out


def mirrors(name):
    """[(mirror node, [its DEXT nodes])] in offset order."""
    return [(m, m["components"]) for m in walk(tree(name), 2)]


def disks():
    return {p["pdskid"]: p for p in sm().listPhysicalDisks(v())}


def servers():
    return {s["ssvrid"]: s for s in sm().listStorageServers(v())}


# ----------------------------------------------------- the kernel's view

def dm_names():
    out = sh("dmsetup", "ls")
    if "No devices found" in out:
        return []
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def dm_table(name):
    return sh("dmsetup", "table", name).strip()


def devno(path):
    st = os.stat(path)
    return "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))


def dm_by_devno(dn):
    """(name, uuid) of the dm device with major:minor dn."""
    kname = os.path.basename(os.path.realpath("/sys/dev/block/" + dn))
    base = "/sys/block/%s/dm/" % kname
    return (open(base + "name").read().strip(),
            open(base + "uuid").read().strip())


def kname_of(dn):
    return os.path.basename(os.path.realpath("/sys/dev/block/" + dn))


def md_detail(path):
    """mdadm --detail as {key: value} plus "members": [(state, dev)]."""
    out = sh("mdadm", "--detail", path)
    d = {"members": []}
    for line in out.splitlines():
        m = re.match(r"\s*([A-Za-z ]+?) : (.*)$", line)
        if m:
            d[m.group(1).strip()] = m.group(2).strip()
            continue
        m = re.match(r"\s*(\d+|-)\s+\d+\s+\d+\s+(\d+|-)\s+(.*?)\s+(/dev/\S+)$",
                     line)
        if m:
            d["members"].append((m.group(3), m.group(4)))
    return d


def mdstat():
    return open("/proc/mdstat").read()


def sessions():
    """[(portal, iqn)] of the iSCSI sessions of this host."""
    p = sh("iscsiadm", "-m", "session", check=False)
    if p.returncode:
        return []           # 21: no active sessions
    return [tuple(re.match(r"tcp: \[\d+\] (\S+),\d+ (\S+)", line).groups())
            for line in p.stdout.splitlines() if line.startswith("tcp:")]


def size_bytes(path):
    return int(sh("blockdev", "--getsize64", path))


def md_path(mirrorid):
    """Where the head agent puts a mirror (never a number to mdadm)."""
    return "%s/vas-%08x" % (MD_DIR, mirrorid)


def dext_name(d):
    return "%08x-%08x" % (d["lvolspec"]["ssvrid"], d["lvolid"])


# ------------------------------------------------------------- the data

class Data:
    """What was written where on the volume; aligned O_DIRECT I/O."""

    def __init__(self):
        self.regions = {}   # offset -> bytes
        self.rng = random.Random(12)

    def write(self, dev, off, length, regions=None):
        buf = mmap.mmap(-1, length)
        buf.write(self.rng.randbytes(length))
        fd = os.open(dev, os.O_WRONLY | os.O_DIRECT)
        try:
            expect(os.pwrite(fd, buf, off) == length, "short write")
            os.fsync(fd)
        finally:
            os.close(fd)
        data = bytes(buf)
        buf.close()
        (self.regions if regions is None else regions)[off] = data
        return data

    @staticmethod
    def read(dev, off, length, direct=True):
        buf = mmap.mmap(-1, length)
        fd = os.open(dev, os.O_RDONLY | (os.O_DIRECT if direct else 0))
        try:
            n = os.preadv(fd, [buf], off)
        finally:
            os.close(fd)
        data = bytes(buf[:n])
        buf.close()
        return data

    def check(self, dev, regions=None):
        for off, data in sorted((regions or self.regions).items()):
            got = self.read(dev, off, len(data))
            expect(got == data, "%s: %d bytes at %d differ from what was "
                   "written" % (dev, len(data), off))


DATA = Data()
STATE = {}


def linear_layout(name):
    """[(start, length, mirror node, legs)] from the kernel's linear table:
    which md serves which part of the volume."""
    lin = walk(tree(name), 1)[0]
    table = dm_table("linear-%08x" % lin["lvolid"]).splitlines()
    by_devno = {}
    for m, legs in mirrors(name):
        by_devno[devno(md_path(m["lvolid"]))] = (m, legs)
    out = []
    for line in table:
        start, length, target, dev, off = line.split()
        expect(target == "linear" and off == "0", "linear line " + line)
        m, legs = by_devno[dev]
        out.append((int(start) * 512, int(length) * 512, m, legs))
    return out


def leg_slices(layout, regions=None, only_insync=True):
    """(leg, backing file, byte offset there, expected bytes) for every
    written byte on every leg of the layout (see linear_layout)."""
    pd = disks()
    for start, length, _m, legs in layout:
        for off, data in sorted((regions or DATA.regions).items()):
            lo, hi = max(off, start), min(off + len(data), start + length)
            if lo >= hi:
                continue
            for leg in legs:
                if only_insync and leg["mirror_status"] != INSYNC:
                    continue
                yield (leg, pd[leg["lvolspec"]["pdskid"]]["local_path"],
                       leg["lvolspec"]["offset"] * VB + lo - start,
                       data[lo - off:hi - off])


def check_legs(name, regions=None):
    """Every written byte is on every leg, in the storage servers' files."""
    checked = 0
    for leg, path, off, want in leg_slices(linear_layout(name), regions):
        expect(Data.read(path, off, len(want), False) == want,
               "leg dext-%08x (%s at %d): bytes differ" % (
                   leg["lvolid"], path, off))
        checked += 1
    expect(checked, "no leg bytes compared")
    return checked


# ------------------------------------------------------------- the steps

def cluster():
    env = dict(os.environ, VAS_BUILD_DIR=BUILD, VAS_HSVR_BACKEND="kernel",
               VAS_LOCAL_CHAP="1" if chap_on() else "",
               VAS_LOCAL_DIR=LOCAL, VAS_LOCAL_DISK_SIZE="8G",
               VAS_LOCAL_DISK_DM="1",
               VAS_LOCAL_PG_TEMPLATE=PG_TEMPLATE if os.path.isdir(
                   PG_TEMPLATE) else "",
               VAS_LOCAL_SM_CONF="\n".join([
                   # An emulated CPU on a busy host: slow answers are
                   # not deaths; a killed server refuses at once.
                   "server_check_interval = 5", "health_retry_ms = 3000",
                   "health_timeout_ms = 30000", "agent_timeout_ms = 60000",
                   "op_timeout = 1800",
                   "resync_poll_ms = 1000",
                   # A lease renewal is a commit, due within a quarter of
                   # the lease (1 s by default): under emulation a commit
                   # beside md resyncs took longer and the one manager lost
                   # and took back its leadership mid-snapshot. Leadership
                   # is tested on the host (test_sm_ha).
                   "leader_lease_ms = 20000"]),
               VAS_LOCAL_SSVR_CONF="\n".join([
                   # A stripe a second finds a dead disk within
                   # seconds; more only burns the emulated CPU.
                   "patrol_bandwidth = 1", "scrub_stripe_size = 1",
                   "scrub_first_sleep_time = 0"]),
               VAS_LOCAL_HSVR_CONF="\n".join([
                   "multipath_retries = 10", "multipath_retry_ms = 2000"] +
                   (["[syslog]", "loglevel = DEBUG"] if os.environ.get(
                       "VAS_VM_DEBUG") or _cmdline("vas.debug") else [])))
    p = subprocess.run([SRC + "/scripts/vas-local.sh", "up"], env=env,
                       capture_output=True, text=True, timeout=900)
    if p.returncode:
        raise Failed("vas-local.sh up exited %d: %s" % (
            p.returncode, (p.stderr + p.stdout).strip()[-600:]))
    expect(len(disks()) == 8, "8 disks registered")
    for i in range(1, 5):
        out = sh("tgtadm", "-C", str(10 + i), "--lld", "iscsi", "--op",
                 "show", "--mode", "target")
        expect(out.count("Target ") == 2, "tgtd %d exports 2 targets" % i)
    STATE["hsvr"] = "hsvr-%08x" % sm().listHeadServers(v())[0]["hsvrid"]
    info(p.stdout.strip().splitlines()[-1])


def check_graph(name, expect_mirrors, gib=None):
    """The device graph of hsvr.md 7-8, seen by the kernel. gib: the
    device's size when it is not the tree's capacity (a snapshot's is
    its COW store's, sm.md 5.2; the device is as large as its origin)."""
    t = tree(name)
    lin = walk(t, 1)[0]
    ms = mirrors(name)
    expect(len(ms) >= expect_mirrors, "%d mirrors" % len(ms))
    want_sessions = set()
    for m, legs in ms:
        md = md_path(m["lvolid"])
        d = md_detail(md)
        expect(d.get("Raid Level") == "raid1", "%s raid1: %s" % (md, d))
        expect(d.get("Version") == "0.90", "%s metadata 0.90" % md)
        expect(d.get("Intent Bitmap") == "Internal", "%s internal bitmap" % md)
        expect(d.get("Raid Devices") == str(len(legs)),
               "%s raid devices %s" % (md, d.get("Raid Devices")))
        kn = os.path.basename(os.path.realpath(md))
        stat = re.search(r"^%s : .*\n(.*\n)*?\s*bitmap: .*?(\d+)KB chunk" %
                         kn, mdstat(), re.M)
        expect(stat and stat.group(2) == "65536",
               "%s bitmap chunk 64 MiB in /proc/mdstat" % kn)
        members = {}
        for state, dev in d["members"]:
            members[open("/sys/block/%s/dm/name" % os.path.basename(
                os.path.realpath(dev))).read().strip()] = state
        for leg in legs:
            name_ = dext_name(leg)
            spec = leg["lvolspec"]
            tab = dm_table(name_).split()
            expect(tab[:3] == ["0", str(VB_SECTORS * leg["capacity"]),
                               "linear"] and
                   tab[4] == str(spec["offset"] * VB_SECTORS),
                   "dext %s table %s" % (name_, tab))
            mp, uuid = dm_by_devno(tab[3])
            expect(uuid.startswith("mpath-"), "%s over multipath, not %s" %
                   (name_, uuid))
            mptab = dm_table(mp)
            paths = [kname_of(x) for x in re.findall(r"\b(\d+:\d+)\b",
                                                     mptab.split("multipath",
                                                                 1)[1])]
            link = spec["iscsi_path"][0]
            expect(os.path.basename(os.path.realpath(link)) in paths,
                   "%s: multipath %s has the path %s" % (name_, mp, link))
            iqn = re.search(r"-iscsi-(.*)-lun-", link).group(1)
            want_sessions.add(iqn)
            if leg["mirror_status"] == INSYNC:
                expect(members.get(name_, "").endswith("active sync"),
                       "%s member of %s: %s" % (name_, md, members))
        # The md size 3.0's linear rule is built from (0.90: 64 KiB).
        expect(size_bytes(md) == (VB_SECTORS * legs[0]["capacity"] // 128
                                  * 128 - 128) * 512, "%s size" % md)
    have = {iqn for _, iqn in sessions()}
    expect(want_sessions <= have, "iSCSI sessions %s" % sorted(have))
    lines = dm_table("linear-%08x" % lin["lvolid"]).splitlines()
    total = t["capacity"] * GIB_SECTORS
    off = 0
    for i, line in enumerate(lines):
        s, ln, target, dev, o = line.split()
        mdsz = size_bytes("/dev/" + kname_of(dev)) // 512
        expect(int(s) == off and target == "linear" and o == "0" and
               int(ln) == (mdsz if i < len(lines) - 1 else total - off),
               "linear line %r" % line)
        off += int(ln)
    expect(off == total, "linear covers %d sectors" % total)
    layer = t["components"][0]       # SNAPSHOT-ORIGIN, or SNAPSHOT
    top = ("snapshot-origin-%08x" if layer["lvoltype"] == 6 else
           "snapshot-%08x") % layer["lvolid"]
    tab = dm_table(top).split()
    if tab[2] == "snapshot-origin":
        expect(tab[:2] == ["0", str(total)] and
               tab[3] == devno("/dev/mapper/linear-%08x" % lin["lvolid"]),
               "origin table %s" % tab)
    for label in (name, "lvol-%08x" % t["lvolid"]):
        p = os.path.join(VAS_DIR, label)
        expect(os.path.realpath(p) == os.path.realpath("/dev/mapper/" + top),
               "%s -> %s" % (p, top))
        want = (gib or t["capacity"]) << 30
        expect(size_bytes(p) == want, "%s size %d, not %d" % (
            p, size_bytes(p), want))


def keep(name, text):
    """Saves a kernel text for the host (test/unit fixtures, reports)."""
    with open(os.path.join("/vm-out", name), "w") as f:
        f.write(text)


def create_attach():
    cli("lvol_create", "--redundancy", "3", VOL, str(GIB))
    t0 = time.time()
    cli("lvol_attach", VOL, STATE["hsvr"])
    info("attach of %d legs took %.1f s" % (
        sum(len(l) for _, l in mirrors(VOL)), time.time() - t0))
    check_graph(VOL, GIB)
    keep("mdstat-attached.txt", mdstat())
    info("mirrors: " + ", ".join("%s -> %s" % (
        p, os.path.realpath(p)) for p in sorted(
            os.path.join(MD_DIR, x) for x in os.listdir(MD_DIR))))


def chap_on():
    """VAS_VM_CHAP=1 (vas.chap=1): the whole scenario with iscsi_chap on."""
    return (os.environ.get("VAS_VM_CHAP") or _cmdline("vas.chap")) == "1"


def chap():
    """Only with CHAP on (SECURITY.md "CHAP"): every target has its own
    account bound, and every session of the head was logged in by
    open-iscsi with its target's account (the attach before proves the
    kernel's CHAP login works: without it the targets refuse)."""
    for i in range(1, 5):
        out = sh("tgtadm", "-C", str(10 + i), "--lld", "iscsi", "--op",
                 "show", "--mode", "target")
        users = re.findall(r"Account information:\n\s+(vas-[0-9a-f]{8})\n",
                           out)
        expect(len(users) == 2 and len(set(users)) == 2,
               "tgtd %d: each target has its own account: %s" % (i, users))
    got = sessions()
    expect(got, "the attached volume has sessions")
    for _, iqn in got:
        node = sh("iscsiadm", "-m", "node", "-T", iqn)
        expect("node.session.auth.authmethod = CHAP" in node and
               "node.session.auth.username = vas-%s" % iqn[-8:] in node,
               "%s logged in with its account" % iqn)
    chap_refuses_wrong_secret(*got[0])


def chap_login(iqn, portal, user, secret):
    """Exit status of a kernel login to iqn through a scratch interface
    record of our own (the head's sessions stay as they are); logged out
    and forgotten again whatever happened."""
    node = ("iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "-I", "vaschk")
    sh(*node, "-o", "new")
    try:
        for key, val in (("authmethod", "CHAP" if user else "None"),
                         ("username", user), ("password", secret)):
            if val is not None:
                sh(*node, "-o", "update", "-n", "node.session.auth." + key,
                   "-v", val)
        rc = sh(*node, "--login", check=False, timeout=120).returncode
        if rc == 0:
            sh(*node, "--logout")
        return rc
    finally:
        sh(*node, "-o", "delete", check=False)


def chap_refuses_wrong_secret(portal, iqn):
    """The same initiator, from the same allowed address, without the
    target's secret: tgtd refuses the kernel's login; with it (read back
    from the head's own record, -S shows it) the very same login works,
    so the refusals are CHAP's and nothing else's."""
    record = sh("iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "-S")
    user = re.search(r"node\.session\.auth\.username = (\S+)", record)[1]
    secret = re.search(r"node\.session\.auth\.password = (\S+)", record)[1]
    sh("iscsiadm", "-m", "iface", "-I", "vaschk", "-o", "new")
    try:
        for what, u, s in (("a wrong secret", user, secret[::-1] + "x"),
                           ("another account's name", "vas-00000000",
                            secret),
                           ("no CHAP at all", None, None)):
            rc = chap_login(iqn, portal, u, s)
            expect(rc != 0, "login to %s with %s was let in" % (iqn, what))
            info("login with %s refused (iscsiadm exit %d)" % (what, rc))
        rc = chap_login(iqn, portal, user, secret)
        expect(rc == 0, "login with the right secret failed: %d" % rc)
    finally:
        sh("iscsiadm", "-m", "iface", "-I", "vaschk", "-o", "delete",
           check=False)


def data():
    dev = os.path.join(VAS_DIR, VOL)
    layout = linear_layout(VOL)
    for start, length, m, legs in layout:
        # Past the previous mirror's boundary region (no overlap).
        DATA.write(dev, start + (MIB if start else 0), 256 << 10)  # first
        DATA.write(dev, start + length // 2 + 12288, 1 << 20)   # middle
        if start + length < GIB << 30:                          # across
            DATA.write(dev, start + length - (512 << 10), 1 << 20)
    DATA.write(dev, (GIB << 30) - MIB, MIB)                    # the end
    sh("sync")
    open("/proc/sys/vm/drop_caches", "w").write("3")
    DATA.check(dev)
    info("%d regions, %d leg copies compared" % (len(DATA.regions),
                                                 check_legs(VOL)))


def snapshot():
    cli("snap_create", VOL, SNAP)
    check_graph(SNAP, 1, gib=GIB)
    t = tree(SNAP)
    top = "snapshot-%08x" % t["components"][0]["lvolid"]
    tab = dm_table(top).split()
    expect(tab[2] == "snapshot" and tab[5:] == ["P", "32"],
           "snapshot table %s" % tab)
    expect("r" in sh("dmsetup", "info", "-c", "--noheadings", "-o", "attr",
                     top), "%s read-only" % top)
    snap = os.path.join(VAS_DIR, SNAP)
    DATA.check(snap)
    old = dict(DATA.regions)
    first = min(DATA.regions)
    across = sorted(DATA.regions)[3]
    origin = os.path.join(VAS_DIR, VOL)
    for off in (first, across):
        DATA.write(origin, off, len(DATA.regions[off]))
    DATA.check(origin)
    DATA.check(snap, old)
    expect(old[first] != DATA.regions[first], "new bytes differ from old")
    cli("lvol_delete", SNAP)    # a detach of the snapshot alone
    expect(not os.path.lexists(snap) and top not in dm_names(),
           "snapshot device gone after its deletion")
    DATA.check(origin)


def extend():
    """lvol_extend of the attached volume (issue 16), with a snapshot of
    it: the head grows /dev/vas in place; what was written reads the same,
    the new space reads zero and takes writes, reaching every leg; the
    snapshot keeps its size and its old bytes."""
    global GIB
    origin, snap = os.path.join(VAS_DIR, VOL), os.path.join(VAS_DIR, SNAP)
    cli("snap_create", VOL, SNAP)
    old, old_end = dict(DATA.regions), GIB << 30
    GIB += 1
    cli("lvol_extend", VOL, str(GIB))
    expect(size_bytes(origin) == GIB << 30, "%s is %d GiB" % (origin, GIB))
    check_graph(VOL, GIB)
    DATA.check(origin)
    # Past the old end: the old last mirror's tail (never shown before),
    # the new mirrors' first bytes, middles, and the new end.
    zero = [old_end, old_end + 64 * MIB, (GIB << 30) - MIB]
    for start, length, _m, _legs in linear_layout(VOL):
        if start >= old_end:
            zero += [start, start + length // 2]
    for off in zero:
        expect(Data.read(origin, off, MIB) == bytes(MIB),
               "new space at %d does not read zero" % off)
    for off in (old_end, old_end + 200 * MIB, (GIB << 30) - MIB):
        DATA.write(origin, off, MIB)
    first = min(old)
    DATA.write(origin, first, len(old[first]))  # copied on write
    sh("sync")
    DATA.check(origin)
    expect(size_bytes(snap) == old_end, "snapshot keeps %d bytes" % old_end)
    DATA.check(snap, old)
    info("%d regions, %d leg copies compared" % (len(DATA.regions),
                                                 check_legs(VOL)))
    cli("lvol_delete", SNAP)
    DATA.check(origin)


def wait_remirrored(avoid, seconds):
    """Until no leg of VOL is on avoid(leg) and every leg is INSYNC."""
    def state():
        legs = [l for _, ls in mirrors(VOL) for l in ls]
        bad = [dext_name(l) for l in legs if avoid(l)]
        spare = [dext_name(l) for l in legs if l["mirror_status"] != INSYNC]
        if bad or spare:
            return "legs on the failed part %s, not INSYNC %s" % (bad, spare)
        return True
    return wait(state, seconds, "re-mirroring", every=2)


def check_all_insync():
    for m, legs in mirrors(VOL):
        md = md_path(m["lvolid"])
        d = md_detail(md)
        expect(d.get("Active Devices") == str(len(legs)) and
               d.get("Failed Devices") == "0" and
               "recover" not in d.get("State", ""),
               "%s: %s active, %s failed, state %s" % (
                   md, d.get("Active Devices"), d.get("Failed Devices"),
                   d.get("State")))
    expect("recovery" not in mdstat() and "resync" not in mdstat(),
           "no rebuild in /proc/mdstat")


def io_until_faulty(what):
    """Writes to every mirror until md marks a leg faulty (or drops it)."""
    origin = os.path.join(VAS_DIR, VOL)

    def faulty():
        for off in sorted(DATA.regions):
            DATA.write(origin, off, len(DATA.regions[off]))
        text = mdstat()
        return "(F)" in text or "_" in "".join(
            re.findall(r"\[([U_]+)\]", text)) or "no faulty leg yet"
    wait(faulty, 120, "md to mark a leg of %s faulty" % what, every=1)


def kill_ssvr():
    failed = disks()[STATE.get("failed_pdsk", 0)]["ssvrid"] if \
        STATE.get("failed_pdsk") else 0
    legs = [l for _, ls in mirrors(VOL) for l in ls
            if l["lvolspec"]["ssvrid"] != failed]
    victim = legs[0]["lvolspec"]["ssvrid"]
    ip = servers()[victim]["ip_data"][0]
    STATE["dead_ssvr"] = victim
    for daemon in ("ssvr_agent", "tgtd"):
        pid = int(open("%s/run/%s-%s.pid" % (LOCAL, daemon, ip)).read())
        os.kill(pid, 9)
    t0 = time.time()
    io_until_faulty("ssvr-%08x" % victim)
    keep("mdstat-faulty.txt", mdstat())

    def rebuilding():
        text = mdstat()
        if "recovery" in text:
            keep("mdstat-recovery.txt", text)
            return True
        return "no recovery yet"
    wait(rebuilding, 300, "a rebuild onto the new legs", every=1)
    info("md marked the dead server's legs faulty after %.1f s" % (
        time.time() - t0))
    wait_remirrored(lambda l: l["lvolspec"]["ssvrid"] == victim, 1500)
    info("re-mirrored %.1f s after the kill" % (time.time() - t0))
    check_all_insync()
    DATA.check(os.path.join(VAS_DIR, VOL))
    check_legs(VOL)
    check_graph(VOL, GIB)
    dead_iqns = {"iqn.2010-01.local.vastsky:%08x" % p for p, d in
                 disks().items() if d["ssvrid"] == victim}
    left = [iqn for _, iqn in sessions() if iqn in dead_iqns]
    expect(not left, "sessions to the dead server left: %s" % left)
    maps = [n for n in dm_names() if dm_by_devno(devno(
        "/dev/mapper/" + n))[1].startswith("mpath-") and
        not re.search(r"\d+:\d+", dm_table(n).split("multipath", 1)[1])]
    expect(not maps, "pathless multipath maps left: %s" % maps)


def fail_disk():
    """A disk of a live server turns to dm-error under I/O: md fails its
    legs, the storage server's patrol reports the disk, the legs move."""
    legs = [l for _, ls in mirrors(VOL) for l in ls]
    pdsk = legs[0]["lvolspec"]["pdskid"]
    path = disks()[pdsk]["local_path"]
    name = os.path.basename(path)
    expect(path.startswith("/dev/mapper/vaslocal-"), "dm disk: " + path)
    STATE["failed_pdsk"] = pdsk
    # One old leg's map held open (in life: a map built on it that was
    # not let go): its teardown fails after the move, and the head agent
    # keeps trying until it is let go.
    held = dext_name(legs[0])
    hold = os.open("/dev/mapper/" + held, os.O_RDONLY)
    try:
        size = sh("blockdev", "--getsz", path).strip()
        sh("dmsetup", "load", name, stdin="0 %s error\n" % size)
        sh("dmsetup", "resume", name)
        t0 = time.time()
        io_until_faulty("pdsk-%08x" % pdsk)
        info("md marked legs on pdsk-%08x faulty after %.1f s" % (
            pdsk, time.time() - t0))
        wait(lambda: disks()[pdsk]["priority"] == 5 or "not FAULTY", 120,
             "the manager to retire pdsk-%08x (notifyFailure PDSK)" % pdsk)
        wait_remirrored(lambda l: l["lvolspec"]["pdskid"] == pdsk, 1500)
        info("re-mirrored %.1f s after the failure" % (time.time() - t0))
        check_all_insync()
        expect(held in dm_names(), "held leg map %s gone while open" % held)
    finally:
        os.close(hold)
    iqn = "iqn.2010-01.local.vastsky:%08x" % pdsk

    def let_go():
        if held in dm_names():
            return "leg map %s still there" % held
        if iqn in [i for _, i in sessions()]:
            return "session to %s still there" % iqn
        return True
    t1 = time.time()
    wait(let_go, 120, "the head agent's retry to tear the old leg down")
    info("held old leg torn down %.1f s after it was let go" % (
        time.time() - t1))
    DATA.check(os.path.join(VAS_DIR, VOL))
    check_legs(VOL)


def kill_hsvr():
    """kill -9 of hsvr_agent under an attached volume, then a restart.
    A leg map nothing opens (as a kill mid-resync leaves one) is swept at
    the start; the volume's legs, open in their mirrors, are kept."""
    pidfile = "%s/run/hsvr_agent-%s.pid" % (LOCAL, HSVR_IP)
    origin = os.path.join(VAS_DIR, VOL)
    img = "/var/tmp/stray-leg.img"
    with open(img, "wb") as fh:
        fh.truncate(MIB)
    loop = sh("losetup", "-f", "--show", img).strip()
    try:
        # Made first: the agent is down no longer than a plain restart
        # (the manager fails a head that misses two polls).
        sh("dmsetup", "create", "0000beef-0000beef",
           stdin="0 2048 linear %s 0\n" % loop)
        os.kill(int(open(pidfile).read()), 9)
        # The kernel's devices do not need the agent: one region read back
        # (all of them take longer than the two polls that fail a head).
        first = min(DATA.regions)
        DATA.check(origin, {first: DATA.regions[first]})
        sh(SRC + "/scripts/vas-local.sh", "respawn", "hsvr", HSVR_IP,
           stdin="")
        expect("0000beef-0000beef" not in dm_names(),
               "stray leg map swept at start: %s" % dm_names())
        failed = [h["hsvrid"] for h in sm().listHeadServers(v())
                  if h["priority"] >= 4]
        expect(not failed, "the manager failed the restarting head: %s "
               "(down for more than two health polls)" % failed)
    finally:
        sh("dmsetup", "remove", "0000beef-0000beef", check=False)
        sh("losetup", "-d", loop, check=False)
    off = sorted(DATA.regions)[1]
    DATA.write(origin, off, len(DATA.regions[off]))
    DATA.check(origin)
    check_graph(VOL, GIB)
    check_legs(VOL)


def detach_delete():
    layout = linear_layout(VOL)
    cli("lvol_detach", VOL)
    left = [n for n in dm_names() if not n.startswith("vaslocal-")]
    expect(not left, "dm maps left: %s" % left)
    expect(not re.search(r"^md\d+ :", mdstat(), re.M), "md arrays left")
    expect(not sessions(), "iSCSI sessions left: %s" % sessions())
    expect(not os.listdir(VAS_DIR), "%s not empty" % VAS_DIR)
    cli("lvol_delete", VOL)

    def shredded():
        busy = [p for p, d in disks().items() if d["priority"] == 1 and
                d["available"] != d["capacity"]]
        return not busy or "disks still shredding: %s" % busy
    wait(shredded, 300, "the shred of the old legs")
    n = 0
    for leg, path, off, want in leg_slices(layout):
        if leg["lvolspec"]["ssvrid"] == STATE.get("dead_ssvr") or \
                leg["lvolspec"]["pdskid"] == STATE.get("failed_pdsk"):
            continue
        expect(Data.read(path, off, len(want), False) == bytes(len(want)),
               "dext-%08x: written bytes not zero after the shred (%s at "
               "%d)" % (leg["lvolid"], path, off))
        n += 1
    expect(n, "no old leg compared")
    info("%d written ranges zero on the old legs after the shred" % n)


def md_names():
    """The mirror names of the head agent (<md_dir>/vas-%08x) with its
    mdadm options, for ids up to 0x7fffffff, several at once: this mdadm
    takes each, and /proc/mdstat reads as our parser expects. (3.0's
    "%08x" made "00000127" md127, the minor mdadm gives the first named
    array: the second create failed.)"""
    loops, made, picked = [], [], []
    try:
        for mid in (0x2d, 0x127, 0x123, 0x7ffffffe):
            pair = []
            for k in range(2):
                f = "/var/tmp/md-probe-%x-%d.img" % (mid, k)
                with open(f, "wb") as fh:
                    fh.truncate(64 * MIB)
                pair.append(sh("losetup", "-f", "--show", f).strip())
            loops += pair
            md = md_path(mid)
            sh("mdadm", "--create", md, "--auto=md", "--bitmap=internal",
               "--metadata=0", "--run", "--bitmap-chunk=65536",
               "--delay=5", "--level=1", "--assume-clean",
               "--raid-devices=2", *pair)
            made.append(md)
            kn = os.path.basename(os.path.realpath(md))
            expect(kn.startswith("md") and os.path.exists("/sys/block/" + kn),
                   "%s is an md device: %s" % (md, kn))
            expect(re.search(r"^%s : active raid1 loop\d+\[1\] loop\d+\[0\]"
                             % kn, mdstat(), re.M), "mdstat line of " + kn)
            picked.append("%08x -> %s" % (mid, kn))
        keep("mdstat-probe.txt", mdstat())
        info("mdadm picks: " + ", ".join(picked))
    finally:
        for md in made:
            sh("mdadm", "-S", md, check=False)
        for lo in loops:
            sh("losetup", "-d", lo, check=False)


def main():
    steps = [("cluster", cluster), ("md names", md_names),
             ("create+attach", create_attach)] + (
                 [("chap", chap)] if chap_on() else []) + [
             ("data", data), ("snapshot", snapshot),
             ("extend attached", extend),
             # The disk first: after a server died, 3 are left and a leg
             # has nowhere to go (never back onto a failed server).
             ("disk fails under I/O", fail_disk),
             ("kill storage server", kill_ssvr),
             ("kill hsvr_agent", kill_hsvr),
             ("detach+delete", detach_delete)]
    # Comma separated prefixes; blanks come as "_" over the kernel's
    # command line.
    only = {o.replace(" ", "_") for o in (os.environ.get(
        "VAS_VM_STEPS", "") or _cmdline("vas.steps")).split(",") if o}
    broken = None
    for name, fn in steps:
        if only and name != "cluster" and \
                not any(name.replace(" ", "_").startswith(o) for o in only):
            continue
        if broken:
            print("FAIL %s: not run, %s failed" % (name, broken), flush=True)
            continue
        t0 = time.time()
        try:
            fn()
            print("PASS %s (%.1f s)" % (name, time.time() - t0), flush=True)
        except (Failed, subprocess.SubprocessError, OSError,
                xmlrpc.client.Error, LookupError, ValueError) as e:
            # Also the kernel's or the manager's answers not in the
            # expected shape (a missing map, an unparsable table).
            print("FAIL %s (%.1f s): %s" % (name, time.time() - t0, e),
                  flush=True)
            if name in ("cluster", "create+attach"):
                broken = name
    return 0


def _cmdline(key):
    for arg in open("/proc/cmdline").read().split():
        if arg.startswith(key + "="):
            return arg.split("=", 1)[1]
    return ""


def info(text):
    print("INFO " + text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
