"""ssvr_agent against a real tgtd on 127.0.0.21: export and LUN I/O through
libiscsi, the XML-RPC API (results and every fault), shredding exactly
one extent, restart re-creating exports and resuming a pending shred,
and the patrol position surviving a restart."""
import atexit
import os
import subprocess
import time

from vastest import proxy_from
from ssvr_harness import (BIN, VB, FakeSM, Node, free_port, check, fault, need_tools, read_at,
                          wait_event, write_at, all_zero)

IP, CTL = "127.0.0.21", 5321


def loop_device(path):
    r = subprocess.run(["losetup", "-f", "--show", path],
                       capture_output=True, text=True)
    if r.returncode:
        return None
    dev = r.stdout.strip()
    atexit.register(subprocess.run, ["losetup", "-d", dev])
    return dev


def iscsi_rw(node, pdskid, *args):
    tool = os.path.join(BIN, "ssvr_iscsi_rw")
    return subprocess.run([tool, node.url(pdskid)] + list(args),
                          capture_output=True, timeout=60)


def test_export(node, f1, disk2):
    tg = node.tgtd.targets()
    check(node.iqn(1) in tg and node.iqn(2) in tg,
          "both disks exported at start: %s" % tg)
    check(node.iqn(0x99) not in tg,
          "a target of ours the manager does not know: removed")
    check(node.iqn(0x97) in tg and os.path.exists(
        os.path.join(node.state, "pdsk-00000097")),
        "a target whose record was lost but the manager knows: kept, "
        "record restored")
    check("iqn.2010-01.other:foreign" in tg, "foreign target left alone")
    ls = subprocess.run(["iscsi-ls", "-s", "iscsi://%s" % IP],
                        capture_output=True, text=True).stdout
    check(node.iqn(1) in ls and "Lun:1" in ls, "iscsi-ls sees LUN 1")
    link = os.path.join(node.state, "pdsk", "00000001")
    check(os.readlink(link) == f1, "backing link points to the disk")
    rec = os.stat(os.path.join(node.state, "pdsk-00000001"))
    check(rec.st_mode & 0o777 == 0o600, "activation record is 0600")
    r = iscsi_rw(node, 1, "serial")
    check(r.returncode == 0 and r.stdout.strip() == b"00000001",
          "SCSI serial is the pdskid: %r" % r.stdout)
    r = iscsi_rw(node, 1, "write", "2048", "8", "0x5a")
    check(r.returncode == 0, "write through iSCSI")
    check(read_at(f1, 2048 * 512, 4096) == b"\x5a" * 4096,
          "iSCSI write reached the disk")
    write_at(f1, 4096 * 512, b"\xc3" * 4096)
    r = iscsi_rw(node, 1, "read", "4096", "8")
    check(r.returncode == 0 and r.stdout == b"\xc3" * 4096,
          "iSCSI read returns the disk content")


def test_shred(node, rpc, f1, disk2):
    marks = [VB - 4096, VB, 2 * VB - 4096, 2 * VB]
    for off in marks:
        write_at(f1, off, b"\xab" * 4096)
    req = {"ver": 5, "eventid": 7, "dextid": 3, "pdskid": 1, "offset": 1,
           "capacity": 1}
    check(rpc.registerShredRequest(req) == 0, "shred accepted")
    check(rpc.registerShredRequest(req) == 0, "re-send is idempotent")
    check(wait_event(rpc, 7) == [3, 0], "event DONE with result 0")
    check(rpc.getEventStatus({"ver": 5, "eventid": 7}) == [0, 0],
          "DONE is read once, then NONE")
    check(read_at(f1, VB - 4096, 4096) == b"\xab" * 4096,
          "byte before the extent untouched")
    check(read_at(f1, 2 * VB, 4096) == b"\xab" * 4096,
          "byte after the extent untouched")
    check(all_zero(f1, VB, VB), "whole extent [1 vb, 2 vb) is zero")
    check(os.path.getsize(f1) == 4 << 30, "file size kept")
    # The block device path (BLKZEROOUT) on the loop disk.
    write_at(disk2, VB - 512, b"\x11" * 512)
    write_at(disk2, VB + 4096, b"\x22" * 512)
    req = dict(req, eventid=8, pdskid=2, offset=0)
    check(rpc.registerShredRequest(req) == 0, "shred on disk 2 accepted")
    check(wait_event(rpc, 8) == [3, 0], "disk 2 shred DONE")
    check(read_at(disk2, VB - 512, 512) == b"\0" * 512 and
          read_at(disk2, VB + 4096, 512) == b"\x22" * 512,
          "disk 2: extent zeroed, next one untouched")
    # After DONE was read, a different job under the same id is new.
    write_at(f1, VB, b"\xab" * 4096)
    req = dict(req, eventid=7, pdskid=1, offset=1, dextid=4)
    check(rpc.registerShredRequest(req) == 0 and
          wait_event(rpc, 7) == [3, 0] and
          read_at(f1, VB, 4096) == b"\0" * 4096, "event id reused later")


def test_shred_done_matched(node, rpc):
    """A DONE is answered only for the extent it was on: an old DONE kept
    under an event id the manager's counter reused names another extent
    and must not free this one (NONE: the manager sends it again)."""
    req = {"ver": 5, "eventid": 50, "dextid": 3, "pdskid": 1, "offset": 1,
           "capacity": 1}
    check(rpc.registerShredRequest(req) == 0, "shred 50 accepted")
    job = os.path.join(node.state, "shred", "%08x" % 50)
    end = time.time() + 60
    while os.path.exists(job) and time.time() < end:
        time.sleep(0.05)
    check(not os.path.exists(job), "shred 50 finished (DONE kept unread)")
    other = {"ver": 5, "eventid": 50, "dextid": 4, "pdskid": 1, "offset": 2,
             "capacity": 1}
    check(rpc.getEventStatus(other) == [0, 0],
          "DONE of dext 3 is NONE when asked for dext 4")
    check(rpc.getEventStatus(dict(req, ver=5)) == [3, 0],
          "and DONE for its own extent, still unread")


def test_faults(node, rpc):
    good = {"ver": 5, "eventid": 9, "dextid": 3, "pdskid": 1, "offset": 0,
            "capacity": 1}
    shred = rpc.registerShredRequest
    for key in good:
        if key == "ver":
            continue
        bad = dict(good)
        del bad[key]
        check(fault(shred, bad) == 22, "missing %s -> 22" % key)
    cases = [("offset", "1"), ("offset", -1), ("capacity", 0),
             ("capacity", -3), ("pdskid", "x"), ("eventid", 1.5),
             ("offset", 3), ("capacity", 4), ("pdskid", 3),
             ("pdskid", 0x99), ("offset", 2 ** 31 - 1)]
    for key, val in cases:
        check(fault(shred, dict(good, **{key: val})) == 22,
              "%s=%r -> 22" % (key, val))
    check(fault(shred, dict(good, offset=2, capacity=2)) == 22,
          "extent past the end of the disk -> 22")
    check(fault(shred, dict(good, ver=4)) == 71, "ver 4 -> 71")
    check(fault(shred, dict(good, ver="5")) == 71, "ver string -> 71")
    no_ver = dict(good)
    del no_ver["ver"]
    check(fault(shred, no_ver) == 71, "no ver -> 71")
    check(fault(rpc.getEventStatus, {"ver": 5}) == 22,
          "getEventStatus without eventid -> 22")
    check(fault(rpc.getEventStatus, {"ver": 5, "eventid": "1"}) == 22,
          "getEventStatus string eventid -> 22")
    check(rpc.getEventStatus({"ver": 5, "eventid": 12345}) == [0, 0],
          "unknown event -> [0, 0]")
    check(fault(rpc.nosuch, {"ver": 5}) == 1, "unknown method -> 1")
    check(fault(getattr(rpc, "_SsvrAgent__do_shred"), {"ver": 5}) == 1,
          "private name -> 1")
    check(fault(shred, 5) == 1, "non-struct param -> 1")
    check(fault(shred, good, good) == 1, "two params -> 1")
    check(rpc.helloWorld() == 0 and rpc.helloWorld({"ver": 1}) == 0,
          "helloWorld needs no version")
    ml = rpc.system.listMethods()
    check(set(ml) - {"system.listMethods", "system.methodHelp",
                     "system.methodSignature"} ==
          {"helloWorld", "registerShredRequest", "getEventStatus",
           "fenceInitiators"},
          "only the four methods are callable")
    fence = rpc.fenceInitiators
    for bad in ({"ver": 5}, {"ver": 5, "initiators": "127.0.0.1"},
                {"ver": 5, "initiators": ["127.0.0.1", "x"]},
                {"ver": 5, "initiators": [1]},
                {"ver": 5, "initiators": ["127.0.0.1/8"]},
                {"ver": 5, "initiators": ["127.0.0.1"], "hsvrid": -1}):
        check(fault(fence, bad) == 22, "fenceInitiators %r -> 22" % bad)
    check(rpc.helloWorld({}) == 0, "agent still alive after bad input")


def test_restart(node, f1, f3):
    check(node.stop_agent() == 0, "agent stops cleanly on SIGTERM")
    # A reboot: tgtd loses every target.
    node.tgtd.kill()
    node.tgtd.start()
    check(node.tgtd.targets() == {}, "fresh tgtd has no targets")
    node.record(3, f3)
    os.unlink(os.path.join(node.state, "pdsk-00000002"))
    rpc = node.start_agent()
    tg = node.tgtd.targets()
    check(node.iqn(1) in tg and node.iqn(3) in tg,
          "restart re-creates exports from state files")
    check(node.iqn(2) not in tg and
          not os.path.lexists(os.path.join(node.state, "pdsk", "00000002")),
          "disk without a record is not exported")
    return rpc


def test_tgtd_restart(node):
    """tgtd restarted under a running agent: exports come back."""
    node.settings["ssvr_agent"]["export_check_interval"] = "1"
    node.write_conf()
    node.stop_agent()
    node.start_agent()
    before = set(node.tgtd.targets())
    node.tgtd.kill()
    node.tgtd.start()
    end = time.time() + 30
    while time.time() < end and set(node.tgtd.targets()) != before:
        time.sleep(0.2)
    check(set(node.tgtd.targets()) == before and before,
          "exports re-created after a tgtd restart: %s" % before)


def test_pending_shred(node, f3):
    """SIGTERM in the middle of a slow shred; the restarted agent ends it."""
    node.settings["ssvr_agent"]["shred_method"] = "write"
    node.write_conf()
    node.stop_agent()
    rpc = node.start_agent()
    write_at(f3, 3 * VB - 4096, b"\xee" * 4096)
    write_at(f3, 3 * VB, b"\xef" * 4096)
    req = {"ver": 5, "eventid": 21, "dextid": 5, "pdskid": 3, "offset": 0,
           "capacity": 3}
    check(rpc.registerShredRequest(req) == 0, "long shred accepted")
    time.sleep(0.2)
    check(rpc.getEventStatus({"ver": 5, "eventid": 21}) == [2, 0],
          "long shred in PROGRESS")
    check(node.stop_agent() == 0, "agent stops mid-shred")
    check(os.path.exists(os.path.join(node.state, "shred", "00000015")),
          "pending shred persisted")
    rpc = node.start_agent()
    check(rpc.getEventStatus({"ver": 5, "eventid": 21})[0] in (2, 3),
          "pending shred known after restart")
    check(rpc.registerShredRequest(req) == 0, "re-send after restart ok")
    check(fault(rpc.registerShredRequest, dict(req, offset=1, capacity=1))
          == 16, "different job under a live id refused")
    st = wait_event(rpc, 21, timeout=300)
    check(st == [3, 0], "resumed shred DONE")
    check(read_at(f3, 3 * VB - 4096, 4096) == b"\0" * 4096 and
          read_at(f3, 3 * VB, 4096) == b"\xef" * 4096,
          "resumed shred zeroed its extent only")
    node.settings["ssvr_agent"]["shred_method"] = "auto"
    node.write_conf()
    return rpc


def patrol_pos(node, pdskid):
    with open(os.path.join(node.state, "patrol")) as f:
        for line in f:
            i, off = line.split()
            if int(i, 16) == pdskid:
                return int(off)
    return None


def test_allowed_peers(node):
    node.settings["ssvr_agent"]["allowed_peers"] = "127.0.0.99"
    node.write_conf()
    node.stop_agent()
    rpc = node.start_agent()
    check(fault(rpc.getEventStatus, {"ver": 5, "eventid": 1}) == 13 and
          fault(rpc.registerShredRequest, {"ver": 5, "eventid": 1,
                                           "dextid": 1, "pdskid": 1,
                                           "offset": 0, "capacity": 1}) == 13,
          "caller outside allowed_peers -> 13")
    check(rpc.helloWorld({}) == 0, "helloWorld stays open for probes")
    node.settings["ssvr_agent"]["allowed_peers"] = "127.0.0.99, 127.0.0.1"
    node.write_conf()
    node.stop_agent()
    rpc = node.start_agent()
    check(rpc.getEventStatus({"ver": 5, "eventid": 1}) == [0, 0],
          "caller in allowed_peers served")
    # without allowed_peers: only the managers of host_list (here IP)
    del node.settings["ssvr_agent"]["allowed_peers"]
    node.write_conf()
    node.stop_agent()
    rpc = node.start_agent()
    check(fault(rpc.getEventStatus, {"ver": 5, "eventid": 1}) == 13,
          "default: a caller outside host_list -> 13")
    manager = proxy_from(node.settings["storage_manager"]["host_list"],
                         "http://%s:%d" % (node.ip, node.port))
    check(manager.getEventStatus({"ver": 5, "eventid": 1}) == [0, 0],
          "default: the manager of host_list served")
    node.settings["ssvr_agent"]["allowed_peers"] = "127.0.0.1"
    node.write_conf()
    node.stop_agent()
    node.start_agent()


def test_patrol(node):
    node.settings["ssvr_agent"].update(scrub_first_sleep_time="0",
                                       patrol_bandwidth="64")
    node.write_conf()
    node.stop_agent()
    node.start_agent()
    time.sleep(3)
    check(node.stop_agent() == 0, "agent with patrol stops")
    p1 = patrol_pos(node, 1)
    check(p1 is not None and p1 > 0, "patrol position saved: %s" % p1)
    node.start_agent()
    time.sleep(1.5)
    node.stop_agent()
    p2 = patrol_pos(node, 1)
    check(p2 > p1, "patrol continued from %d to %d" % (p1, p2))


def test_initiator_acl(node, sm):
    """initiator_address empty: the targets accept only the head servers
    the manager knows (listHeadServers), kept current as heads change."""
    tid = node.tgtd.targets()[node.iqn(1)]
    check(sm.acl(node.tgtd, tid) == ["127.0.0.1"],
          "target bound to the registered head only, not ALL: %s"
          % sm.acl(node.tgtd, tid))
    sm.heads = ["127.0.0.99", "127.0.0.98"]
    ok = wait_for(lambda: sm.acl(node.tgtd, tid) == ["127.0.0.98", "127.0.0.99"])
    check(ok, "ACL follows the registered heads: %s" % sm.acl(node.tgtd, tid))
    ls = subprocess.run(["iscsi-ls", "-s", "iscsi://%s" % IP],
                        capture_output=True, text=True).stdout
    check(node.iqn(1) not in ls, "a login from a non-registered address refused")
    sm.heads, sm.failed_heads = ["127.0.0.98"], ["127.0.0.1"]
    check(wait_for(lambda: sm.acl(node.tgtd, tid) == ["127.0.0.98"]),
          "a failed (OFFLINE) head loses its access")
    sm.heads, sm.failed_heads = ["127.0.0.1"], []
    check(wait_for(lambda: sm.acl(node.tgtd, tid) == ["127.0.0.1"]),
          "a head registered again gets its access back")
    ls = subprocess.run(["iscsi-ls", "-s", "iscsi://%s" % IP],
                        capture_output=True, text=True).stdout
    check(node.iqn(1) in ls, "the registered head logs in")
    # fenceInitiators: refused at once, not at the next refresh (M73).
    check(node.rpc().fenceInitiators(
        {"ver": 5, "hsvrid": 1, "initiators": ["127.0.0.1"]}) == 0,
        "fenceInitiators answers 0")
    check(sm.acl(node.tgtd, tid) == [],
          "the fenced head is out of the ACL when the call returns: %s"
          % sm.acl(node.tgtd, tid))
    ls = subprocess.run(["iscsi-ls", "-s", "iscsi://%s" % IP],
                        capture_output=True, text=True).stdout
    check(node.iqn(1) not in ls, "a login of the fenced head refused")
    # Our manager fails a head before it fences it: a list asked after
    # the fence that still names the head means it registered again.
    check(wait_for(lambda: sm.acl(node.tgtd, tid) == ["127.0.0.1"]),
          "a head listed healthy after the fence gets its access back")


def wait_for(pred, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def test_command_line(node):
    agent = os.path.join(BIN, "ssvr_agent")
    r = subprocess.run([agent, "--help"], capture_output=True, text=True)
    check(r.returncode == 0 and "usage:" in r.stdout, "--help -> usage, 0")
    r = subprocess.run([agent, "--bogus"], capture_output=True, text=True)
    check(r.returncode == 2 and "usage:" in r.stderr, "bad option -> 2")
    bad = os.path.join(node.dir, "bad.conf")
    with open(bad, "w") as f:
        f.write("[ssvr_agent]\ntarget_type: lio\n")
    r = subprocess.run([agent, "--config", bad], capture_output=True,
                       text=True, timeout=30)
    check(r.returncode == 1 and "target_type" in r.stderr,
          "invalid configuration -> 1 with the reason")


def main():
    need_tools()
    sm = FakeSM(IP, free_port(IP))
    sm.start()
    node = Node("agent", IP, CTL, extra={
        "storage_manager": {"host_list": IP, "port": str(sm.port)},
        "ssvr_agent": {"initiator_refresh_interval": "1"}})
    node.tgtd.start()
    f1 = node.disk("disk1.img", 4 << 30)
    f2 = node.disk("disk2.img", 2 << 30)
    f3 = node.disk("disk3.img", 4 << 30)
    disk2 = loop_device(f2) or f2
    node.record(1, f1)
    node.record(2, disk2)
    node.tgtd.adm("--op", "new", "--mode", "target", "--tid", "7", "-T",
                  "iqn.%s:00000099" % "2000-11.jp.co.valinux")
    node.tgtd.adm("--op", "new", "--mode", "target", "--tid", "8", "-T",
                  "iqn.2010-01.other:foreign")
    # Exported before the state files were lost: the manager knows it.
    f4 = node.disk("disk4.img", 2 << 30)
    node.tgtd.adm("--op", "new", "--mode", "target", "--tid", "9", "-T",
                  node.iqn(0x97))
    sm.listed = {1: f1, 2: disk2, 0x97: f4}
    test_command_line(node)
    rpc = node.start_agent()
    test_export(node, f1, disk2)
    test_initiator_acl(node, sm)
    test_shred(node, rpc, f1, disk2)
    test_shred_done_matched(node, rpc)
    test_faults(node, rpc)
    test_restart(node, f1, f3)
    test_tgtd_restart(node)
    test_pending_shred(node, f3)
    test_allowed_peers(node)
    test_patrol(node)
    node.tgtd.kill()
    print("all ssvr_agent tests passed")


if __name__ == "__main__":
    main()
