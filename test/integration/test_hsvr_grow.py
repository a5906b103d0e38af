"""extendLogicalVolume on the head (issue 16), simulated back end: the new
mirror is built, the linear and snapshot-origin tables are reloaded
(suspend, load, resume, top first), every old sector keeps its place, a
snapshot keeps its size, a re-sent request does nothing more, and a
failure before the new table is live tears the new mirror down."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (run_on, Agent, EV_DONE, EV_ERROR, SPG, check, dext,
                          skip_if_missing, snapshot, volume)

skip_if_missing()
INSYNC, ALLOCATED = 2, 1


def vol(cap, assoc=None):
    """lvol 0x10: mirror 0x13 in sync, then (cap 20) mirror 0x16 new."""
    mirrors = [(0x13, [dext(0x14, 1, 5, 0, status=INSYNC),
                       dext(0x15, 2, 7, 0, status=INSYNC)])]
    if cap > 10:
        mirrors.append((0x16, [dext(0x17, 1, 5, 10, status=ALLOCATED),
                               dext(0x18, 2, 7, 10, status=ALLOCATED)]))
    return volume(0x10, "db1", cap, mirrors, assoc=assoc)


def first_attach():
    """The volume as first attached: 10 GiB, all legs fresh."""
    lv = vol(10)
    for leg in lv["components"][0]["components"][0]["components"][0]["components"]:
        leg["mirror_status"] = ALLOCATED
    return lv


def snap():
    return snapshot(0x20, "s1", 0x11, 10, [(0x23, [dext(0x24, 1, 5, 20),
                                                   dext(0x25, 2, 7, 20)])])


def extend(a, eid, lv, detail=False):
    assert a.rpc.extendLogicalVolume(
        {"ver": 5, "eventid": eid, "lvolstruct": lv}) == 0
    return a.wait(eid, detail=detail)


def dm(cmds):
    return [c[1:3] for c in cmds if c[0] == "dmsetup" and
            c[1] in ("create", "remove", "suspend", "resume", "load")]


def size_of(a, name):
    with open(a.dm_file(name)) as f:
        return [int(l[5:]) for l in f if l.startswith("size=")][0]


def grows_in_place():
    a = Agent()

    def body():
        check(a.attach(1, first_attach()) == [EV_DONE, 0], "attach")
        old = a.dm_table("linear-00000012")
        a.commands()
        check(extend(a, 2, vol(20)) == [EV_DONE, 0], "extend")
        seq = dm(a.commands())
        check(["create", "00000001-00000017"] in seq, "new legs: %s" % seq)
        tail = seq[seq.index(["suspend", "snapshot-origin-00000011"]):]
        check(tail == [["suspend", "snapshot-origin-00000011"],
                       ["suspend", "linear-00000012"],
                       ["load", "linear-00000012"],
                       ["resume", "linear-00000012"],
                       ["resume", "snapshot-origin-00000011"],
                       ["suspend", "snapshot-origin-00000011"],
                       ["load", "snapshot-origin-00000011"],
                       ["resume", "snapshot-origin-00000011"]], tail)
        new = a.dm_table("linear-00000012")
        check(len(new) == 2, new)
        # the old mirror keeps its place: its line is only longer
        start, length = old[0].split()[:2]
        check(new[0].split()[0] == start and int(new[0].split()[1]) >= int(length)
              and new[0].split()[2:] == old[0].split()[2:], (old, new))
        check(new[1].split()[2:4] == ["linear", a.md(0x16)], new)
        check(size_of(a, "linear-00000012") == 20 * SPG, "linear 20 GiB")
        check(a.dm_table("snapshot-origin-00000011") == [
            "0 %d snapshot-origin %s" % (20 * SPG, a.mapper("linear-00000012"))],
            a.dm_table("snapshot-origin-00000011"))
        check(os.readlink(a.p("/dev/vas/db1")) ==
              a.mapper("snapshot-origin-00000011"), "label")
        with open(a.dm_file("snapshot-origin-00000011")) as f:
            check("suspended=0" in f.read(), "resumed")
        # sent again (the manager restarted): nothing more to do
        check(extend(a, 3, vol(20)) == [EV_DONE, 0], "again")
        check(dm(a.commands()) == [], "nothing done twice")
        # a snapshot taken now keeps its size through the next growth
        check(a.attach(4, snap()) == [EV_DONE, 0], "snapshot")
        bigger = vol(30, assoc=[snap()])
        mirrors = bigger["components"][0]["components"][0]["components"]
        mirrors[1]["components"][0]["mirror_status"] = INSYNC
        mirrors[1]["components"][1]["mirror_status"] = INSYNC
        mirrors.append({"lvolid": 0x19, "lvoltype": 2, "capacity": 10,
                        "mirror_status": 0, "labels": [], "lvolspec": {},
                        "components": [dext(0x1a, 1, 5, 20 + 10),
                                       dext(0x1b, 2, 7, 20 + 10)]})
        a.commands()
        check(extend(a, 5, bigger) == [EV_DONE, 0], "extend with snapshot")
        check(size_of(a, "snapshot-origin-00000011") == 30 * SPG, "30 GiB")
        check(size_of(a, "snapshot-00000021") == 20 * SPG, "snapshot kept")
        check(not [c for c in dm(a.commands()) if c[1] == "snapshot-00000021"],
              "snapshot untouched")
        check(a.detach(6, bigger) == [EV_DONE, 0], "detach")
        check(a.devices() == [], "nothing left: %s" % a.devices())
        # not attached here: refused, nothing done
        st = extend(a, 7, vol(20), detail=True)
        check(st[:2] == [EV_ERROR, 2] and st[3] == 1, st)

    run_on(a, body)


def rolls_back(fail):
    a = Agent({"sim_fail_command": fail})

    def body():
        check(a.attach(1, first_attach()) == [EV_DONE, 0], "attach")
        before = a.devices()
        table = a.dm_table("linear-00000012")
        st = extend(a, 2, vol(20), detail=True)
        check(st[0] == EV_ERROR and st[3] == 1, "rolled back: %s" % st)
        check(a.devices() == before, "new mirror gone: %s" % a.devices())
        check(a.dm_table("linear-00000012") == table, "old table")
        for name in ("linear-00000012", "snapshot-origin-00000011"):
            with open(a.dm_file(name)) as f:
                check("suspended=0" in f.read(), name + " resumed")
        check(a.detach(3, vol(10)) == [EV_DONE, 0], "detach")

    run_on(a, body)


NODE = """<node><domain type='test'><name>vm1</name><memory>65536</memory>
<os><type>hvm</type></os><devices><disk type='block' device='disk'>
<source dev='%s'/><target dev='vdb' bus='virtio'/></disk></devices>
</domain></node>"""


def tells_libvirt():
    """A domain using the volume is told its new size (libvirt's test
    driver has no block resize: the agent's request shows in its log)."""
    a = Agent({"libvirt_uri": "test://{dir}/node.xml"})

    def body():
        check(a.attach(1, first_attach()) == [EV_DONE, 0], "attach")
        with open(os.path.join(a.dir, "node.xml"), "w") as f:
            f.write(NODE % a.p("/dev/vas/db1"))
        check(extend(a, 2, vol(20)) == [EV_DONE, 0], "grown all the same")
        log = a.logtext()
        check("libvirt: vm1 vdb (%s): resize to %d bytes" % (
            a.p("/dev/vas/db1"), 20 * SPG * 512) in log, log[-2000:])
        with open(os.path.join(a.dir, "node.xml"), "w") as f:
            f.write(NODE % "/dev/elsewhere")
        check(a.detach(3, vol(20)) == [EV_DONE, 0], "detach")

    run_on(a, body)


def main():
    grows_in_place()
    tells_libvirt()
    rolls_back("vas-00000016")  # the new mirror cannot be made
    rolls_back("load linear-00000012")  # the longer table is refused
    print("ok")


main()
