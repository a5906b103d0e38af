"""hsvr_agent attach/detach on the simulated back end: exact command
sequences, dm tables, /dev/vas links, idempotence, shared iSCSI sessions,
busy detach, rollback of a half-built attach."""
import os
import sys
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (Agent, EV_DONE, EV_ERROR, SPG, SPV, check, dext,
                          skip_if_missing, volume)

skip_if_missing()

A, B, C = "127.0.0.11", "127.0.0.12", "127.0.0.13"


def vol_db1():
    # hsvr.md 5.4: 20 GiB, redundancy 2, two mirrors; pdsk 5 is shared.
    return volume(0x10, "db1", 20, [
        (0x13, [dext(0x14, 1, 5, 0, ips=(A, B)), dext(0x15, 2, 7, 0)]),
        (0x16, [dext(0x17, 1, 5, 10, ips=(A, B)), dext(0x18, 3, 9, 0)])])


def names(cmds, tool):
    return [c for c in cmds if c[0] == tool]


def test_attach_detach(a):
    lv = vol_db1()
    check(a.attach(1, lv) == [EV_DONE, 0], "attach DONE")
    cmds = a.commands()
    r = a.root
    iqn5 = "iqn.2010-01.example:00000005"
    # First extent: node records for both portals, one login.
    check(cmds[0] == ["iscsiadm", "-m", "node", "-o", "new", "-T", iqn5,
                      "-p", A + ":3260"], cmds[0])
    check(cmds[1] == ["iscsiadm", "-m", "node", "-o", "new", "-T", iqn5,
                      "-p", B + ":3260"], cmds[1])
    check(cmds[2] == ["iscsiadm", "-m", "node", "-T", iqn5, "--login"],
          cmds[2])
    logins = [c for c in cmds if c[-1] == "--login"]
    check(len(logins) == 3, "one login per physical disk: %s" % logins)
    # Each login waits for its own by-path links; `udevadm settle` would
    # wait for every event of the host (minutes on a busy one).
    check(not names(cmds, "udevadm"), "no udevadm on a clean attach: %s" %
          names(cmds, "udevadm"))
    creates = [c[2] for c in names(cmds, "dmsetup") if c[1] == "create"]
    check(creates == ["00000001-00000014", "00000002-00000015",
                      "00000001-00000017", "00000003-00000018",
                      "linear-00000012", "snapshot-origin-00000011"],
          creates)
    md = [c for c in names(cmds, "mdadm")]
    check(md[0] == ["mdadm", "--create", a.md(0x13), "--auto=md",
                    "--bitmap=internal", "--metadata=0", "--run",
                    "--bitmap-chunk=65536", "--delay=5", "--level=1",
                    "--assume-clean", "--raid-devices=2",
                    a.mapper("00000001-00000014"),
                    a.mapper("00000002-00000015")], md[0])
    check(len(md) == 2, md)
    # dm tables (7.2, 7.4, 7.5)
    mp = a.dm_table("00000001-00000014")[0].split()
    check(mp[:3] == ["0", str(10 * SPV), "linear"] and mp[4] == "0", mp)
    mp = a.dm_table("00000001-00000017")[0].split()
    check(mp[4] == str(10 * SPV), "dext offset in vb: %s" % mp)
    md_size = 10 * SPV - 128
    check(a.dm_table("linear-00000012") == [
        "0 %d linear %s 0" % (md_size, a.md(0x13)),
        "%d %d linear %s 0" % (md_size, 20 * SPG - md_size, a.md(0x16))],
        a.dm_table("linear-00000012"))
    check(a.dm_table("snapshot-origin-00000011") == [
        "0 %d snapshot-origin %s" % (20 * SPG, a.mapper("linear-00000012"))],
        "origin table")
    for label in ("db1", "lvol-00000010"):
        link = a.p("/dev/vas/" + label)
        check(os.readlink(link) == a.mapper("snapshot-origin-00000011"),
              "label " + label)
    # Re-attach: idempotent, nothing is created twice.
    check(a.attach(2, lv) == [EV_DONE, 0], "re-attach DONE")
    again = a.commands()
    check(not [c for c in again if "create" in c or "--create" in c or
               "--login" in c], "re-attach built nothing: %s" % again)
    # Detach: reverse order, labels last, every session logged out.
    check(a.detach(3, lv) == [EV_DONE, 0], "detach DONE")
    cmds = a.commands()
    removes = [c[2] for c in names(cmds, "dmsetup") if c[1] == "remove"]
    check(removes == ["snapshot-origin-00000011", "linear-00000012",
                      "00000003-00000018", "00000001-00000017",
                      "00000002-00000015", "00000001-00000014"], removes)
    stops = [c[2] for c in names(cmds, "mdadm")]
    check(stops == [a.md(0x16), a.md(0x13)], stops)
    logouts = [c[4] for c in cmds if c[-1] == "--logout"]
    check(sorted(logouts) == sorted(
        ["iqn.2010-01.example:%08x" % p for p in (5, 7, 9)]), logouts)
    # pdsk 5 is logged out only after its last extent (0x14) is gone.
    i14 = cmds.index(["dmsetup", "remove", "00000001-00000014"])
    i5 = cmds.index(["iscsiadm", "-m", "node", "-T", iqn5, "--logout"])
    check(i5 > i14, "shared session logged out after its last user")
    check(a.devices() == [], "nothing left: %s" % a.devices())
    # Detach of what is not attached: DONE, nothing run but the checks.
    check(a.detach(4, lv) == [EV_DONE, 0], "detach again DONE")
    check(not [c for c in a.commands() if "remove" in c], "no removes")


def test_shared_session(a):
    v1 = volume(0x100, "v1", 10, [(0x103, [dext(0x104, 1, 5, 0),
                                           dext(0x105, 2, 7, 0)])])
    v2 = volume(0x200, "v2", 10, [(0x203, [dext(0x204, 1, 5, 10),
                                           dext(0x205, 2, 7, 10)])])
    check(a.attach(10, v1) == [EV_DONE, 0], "v1")
    check(a.attach(11, v2) == [EV_DONE, 0], "v2")
    cmds = a.commands()
    check(len([c for c in cmds if c[-1] == "--login"]) == 2,
          "two sessions for four extents")
    check(a.detach(12, v1) == [EV_DONE, 0], "detach v1")
    cmds = a.commands()
    check(not [c for c in cmds if c[-1] == "--logout"],
          "sessions still used by v2: %s" % cmds)
    check(os.path.exists(a.mapper("00000001-00000204")), "v2 intact")
    check(a.detach(13, v2) == [EV_DONE, 0], "detach v2")
    cmds = a.commands()
    check(len([c for c in cmds if c[-1] == "--logout"]) == 2,
          "last user logs out")
    check(a.devices() == [], "nothing left: %s" % a.devices())


def test_chap_login(a):
    """With CHAP (SECURITY.md "CHAP"): every portal's node record gets the
    target's account before the one login; a leg without an account gets
    none; the password shows as *** in the command record and never in the
    log; a malformed account is refused before anything runs."""
    secret = "Secret0123456789"
    d1 = dext(0x304, 1, 11, 0, ips=(A, B))
    d1["lvolspec"].update(chap_user="vas-0000000b", chap_secret=secret)
    lv = volume(0x300, "chap", 10, [(0x303, [d1, dext(0x305, 2, 12, 0)])])
    check(a.attach(20, lv) == [EV_DONE, 0], "attach with CHAP DONE")
    cmds = a.commands()
    iqn = "iqn.2010-01.example:0000000b"
    upd = [c for c in cmds if c[:5] == ["iscsiadm", "-m", "node", "-o",
                                        "update"]]
    want = [["iscsiadm", "-m", "node", "-o", "update", "-T", iqn, "-p",
             ip + ":3260", "-n", "node.session.auth." + k, "-v", val]
            for ip in (A, B) for k, val in (
                ("authmethod", "CHAP"), ("username", "vas-0000000b"),
                ("password", "***"))]
    check(upd == want, "the account set on both portals: %s" % upd)
    login = cmds.index(["iscsiadm", "-m", "node", "-T", iqn, "--login"])
    check(all(cmds.index(u) < login for u in upd), "before the login")
    for ip in (A, B):
        with open(a.p("/var/lib/iscsi/nodes/%s/%s:3260" % (iqn, ip))) as f:
            check("node.session.auth.password = %s\n" % secret in f.read(),
                  "the node record of %s holds the secret" % ip)
    check(secret not in a.logtext(), "the secret is not in the log")
    check(a.detach(21, lv) == [EV_DONE, 0], "detach")
    a.commands()
    bad = dext(0x404, 1, 13, 0)
    bad["lvolspec"].update(chap_user="vas x", chap_secret=secret)
    lv = volume(0x400, "badchap", 10, [(0x403, [bad])])
    try:
        a.rpc.attachLogicalVolume({"ver": 5, "eventid": 22, "lvolstruct": lv})
        refused = False
    except xmlrpc.client.Fault:
        refused = True
    check(refused and a.commands() == [], "a malformed account is refused")


def test_dead_server_map_flushed(a):
    """A storage server died under an attached volume: its paths answer
    no SCSI command (scsi_id fails). The detach still flushes the map by
    the name recorded at login and logs out: no pathless map is left."""
    v = volume(0x300, "v3", 10, [(0x303, [dext(0x304, 1, 5, 20),
                                          dext(0x305, 2, 7, 20)])])
    check(a.attach(14, v) == [EV_DONE, 0], "v3")
    for f in os.listdir(a.p("/dev/disk/by-path")):
        if f.endswith(":00000005-lun-1"):
            a.set_key(os.path.realpath(a.p("/dev/disk/by-path/" + f)),
                      "dead", "1")
    check(a.detach(15, v) == [EV_DONE, 0], "detach over a dead path")
    cmds = a.commands()
    check(len([c for c in cmds if c[:2] == ["multipath", "-f"]]) == 2,
          "both maps flushed: %s" % cmds[-12:])
    check(a.devices() == [], "nothing left: %s" % a.devices())


def test_busy(a):
    lv = volume(0x300, "busy", 10, [(0x303, [dext(0x304, 1, 5, 0),
                                             dext(0x305, 2, 7, 0)])])
    check(a.attach(20, lv) == [EV_DONE, 0], "attach")
    a.commands()
    top = a.dm_file("snapshot-origin-00000301")
    a.set_key(top, "open", "1")
    check(a.detach(21, lv) == [EV_ERROR, 16], "busy detach -> EBUSY")
    cmds = a.commands()
    check(not [c for c in cmds if c[1] in ("remove", "-S")],
          "nothing torn down: %s" % cmds)
    check(os.path.islink(a.p("/dev/vas/busy")), "label kept")
    # Mounted also counts as in use.
    a.set_key(top, "open", "0")
    with open(a.p("/proc/mounts"), "w") as f:
        f.write("%s /mnt ext4 rw 0 0\n" % a.p("/dev/vas/busy"))
    check(a.detach(22, lv) == [EV_ERROR, 16], "mounted -> EBUSY")
    os.unlink(a.p("/proc/mounts"))
    check(a.detach(23, lv) == [EV_DONE, 0], "detach once free")
    check(a.devices() == [], "nothing left: %s" % a.devices())


def test_redundancy3_and_assemble(a):
    # Three legs, three mirrors, never used: mdadm --create, 3 devices.
    lv = volume(0x500, "r3", 30, [
        (0x503 + 4 * k, [dext(0x504 + 4 * k, 1, 5, k * 10),
                         dext(0x505 + 4 * k, 2, 7, k * 10),
                         dext(0x506 + 4 * k, 3, 9, k * 10)])
        for k in range(3)])
    check(a.attach(40, lv) == [EV_DONE, 0], "attach r3")
    cmds = a.commands()
    creates = [c for c in cmds if c[:2] == ["mdadm", "--create"]]
    check(len(creates) == 3, creates)
    check(creates[0][-4:] == ["--raid-devices=3",
                              a.mapper("00000001-00000504"),
                              a.mapper("00000002-00000505"),
                              a.mapper("00000003-00000506")], creates[0])
    md = 10 * SPV - 128
    check(a.dm_table("linear-00000502") == [
        "0 %d linear %s 0" % (md, a.md(0x503)),
        "%d %d linear %s 0" % (md, md, a.md(0x507)),
        "%d %d linear %s 0" % (2 * md, 30 * SPG - 2 * md, a.md(0x50b))],
        a.dm_table("linear-00000502"))
    check(a.detach(41, lv) == [EV_DONE, 0], "detach r3")
    a.commands()
    # A volume in use before: INSYNC legs are assembled, a SPARE leg is
    # built but left out of the array (for a later resync).
    lv = volume(0x600, "asm", 10, [(0x603, [
        dext(0x604, 1, 5, 0, status=2), dext(0x605, 2, 7, 0, status=3),
        dext(0x606, 3, 9, 0, status=2)])])
    check(a.attach(42, lv) == [EV_DONE, 0], "attach assembled")
    cmds = a.commands()
    md_cmds = [c for c in cmds if c[0] == "mdadm"]
    check(md_cmds == [["mdadm", "--assemble", a.md(0x603), "--run",
                       "--auto=md", "--metadata=0",
                       a.mapper("00000001-00000604"),
                       a.mapper("00000003-00000606")]], md_cmds)
    check(os.path.exists(a.mapper("00000002-00000605")), "spare leg built")
    with open(a.p("/proc/mdstat")) as f:
        check("[2/2] [UU]" in f.read(), "two legs in the array")
    check(a.detach(43, lv) == [EV_DONE, 0], "detach assembled")
    check(a.devices() == [], "nothing left: %s" % a.devices())


def test_rollback():
    a = Agent({"sim_fail_command": "linear-00000402"})
    try:
        lv = volume(0x400, "rb", 20, [
            (0x403, [dext(0x404, 1, 5, 0), dext(0x405, 2, 7, 0)]),
            (0x406, [dext(0x407, 1, 6, 0), dext(0x408, 2, 8, 0)])])
        assert a.rpc.attachLogicalVolume(
            {"ver": 5, "eventid": 30, "lvolstruct": lv}) == 0
        st = a.wait(30, detail=True)
        # Rolled back: the step's errno (EIO), not 500, and its cause.
        check(st[:2] == [EV_ERROR, 5], "attach fails with EIO: %s" % st)
        check("dmsetup create linear-00000402" in st[2] and
              "exit 1" in st[2] and st[3] == 1,
              "the failed command is the cause, all rolled back: %s" % st)
        cmds = a.commands()
        i = cmds.index(["dmsetup", "create", "linear-00000402",
                        a.state + "/tables/linear-00000402.table"])
        undo = cmds[i + 1:]
        check([c[2] for c in undo if c[0] == "mdadm"] ==
              [a.md(0x406), a.md(0x403)], "md stopped in reverse")
        check(len([c for c in undo if c[-1] == "--logout"]) == 4,
              "every session logged out")
        check(a.devices() == [], "rollback left nothing: %s" % a.devices())
        check(not os.path.exists(a.p("/dev/vas/rb")), "no label")
    finally:
        a.stop()


def test_detach_failures():
    lv = volume(0x700, "df", 10, [(0x703, [dext(0x704, 1, 5, 0),
                                           dext(0x705, 2, 7, 0)])])
    # The top device cannot be removed (opened after the check): EBUSY,
    # nothing below it is touched.
    a = Agent({"sim_fail_command": "remove snapshot-origin-00000701"})
    try:
        check(a.attach(1, lv) == [EV_DONE, 0], "attach")
        check(a.detach(2, lv) == [EV_ERROR, 16], "top busy -> EBUSY")
        check(os.path.exists(a.mapper("linear-00000702")), "below intact")
        check(os.path.islink(a.p("/dev/vas/df")), "labels intact")
    finally:
        a.stop()
    # A lower layer fails after the top went: not EBUSY but 500.
    a = Agent({"sim_fail_command": "remove linear-00000702"})
    try:
        check(a.attach(1, lv) == [EV_DONE, 0], "attach")
        check(a.detach(2, lv) == [EV_ERROR, 500], "half torn down -> 500")
        check(not os.path.exists(a.mapper("snapshot-origin-00000701")),
              "top gone")
    finally:
        a.stop()


def main():
    a = Agent()
    try:
        test_attach_detach(a)
        test_shared_session(a)
        test_chap_login(a)
        test_dead_server_map_flushed(a)
        test_busy(a)
        test_redundancy3_and_assemble(a)
    except Exception:
        print(a.logtext()[-4000:])
        raise
    finally:
        check(a.stop() == 0, "agent exits 0 on SIGTERM")
    test_rollback()
    test_detach_failures()
    print("ok")


main()
