"""Volumes with snapshots: the snapshot table (persistent COW, chunk 32,
read-only), suspend/resume of the origin around it, attach of an origin
with its snapshots in one graph, attach/detach of a snapshot alone."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (run_on, Agent, EV_DONE, EV_ERROR, SPG, check, dext,
                          skip_if_missing, snapshot, volume)

skip_if_missing()


def snap():
    return snapshot(0x20, "s1", 0x11, 10, [(0x23, [dext(0x24, 1, 5, 10),
                                                   dext(0x25, 2, 7, 10)])])


def origin(assoc=None):
    return volume(0x10, "db1", 10, [(0x13, [dext(0x14, 1, 5, 0),
                                            dext(0x15, 2, 7, 0)])],
                  assoc=assoc)


def dm(cmds):
    return [c[1:] for c in cmds if c[0] == "dmsetup" and
            c[1] in ("create", "remove", "suspend", "resume")]


def main():
    a = Agent()
    def body():
        # Origin alone, then the snapshot alone (as the SM sends it).
        check(a.attach(1, origin()) == [EV_DONE, 0], "origin")
        a.commands()
        check(a.attach(2, snap()) == [EV_DONE, 0], "snapshot")
        seq = dm(a.commands())
        check([s[0] for s in seq] == ["create", "create", "create",
                                      "suspend", "create", "resume"],
              "suspend only right before the snapshot (W7): %s" % seq)
        check(seq[3] == ["suspend", "snapshot-origin-00000011"], seq[3])
        check(seq[4][:3] == ["create", "--readonly", "snapshot-00000021"],
              seq[4])
        check(a.dm_table("snapshot-00000021") == [
            "0 %d snapshot %s %s P 32" % (10 * SPG,
                                          a.mapper("linear-00000012"),
                                          a.mapper("linear-00000022"))],
            a.dm_table("snapshot-00000021"))
        check(os.readlink(a.p("/dev/vas/s1")) ==
              a.mapper("snapshot-00000021"), "snapshot label")
        with open(a.dm_file("snapshot-origin-00000011")) as f:
            check("suspended=0" in f.read(), "origin resumed")
        # Snapshot alone detached: suspend, remove, resume.
        check(a.detach(3, snap()) == [EV_DONE, 0], "detach snapshot")
        seq = dm(a.commands())
        check(seq[:3] == [["suspend", "snapshot-origin-00000011"],
                          ["remove", "snapshot-00000021"],
                          ["resume", "snapshot-origin-00000011"]], seq)
        check(os.path.exists(a.mapper("snapshot-origin-00000011")),
              "origin stays")
        check(a.detach(4, origin()) == [EV_DONE, 0], "detach origin")
        check(a.devices() == [], "nothing left: %s" % a.devices())
        a.commands()
        # Origin with its snapshot in one request (assoc).
        both = origin([snap()])
        check(a.attach(5, both) == [EV_DONE, 0], "origin+snapshot")
        for label in ("db1", "lvol-00000010", "s1", "lvol-00000020"):
            check(os.path.islink(a.p("/dev/vas/" + label)), label)
        # A busy snapshot keeps the whole origin attached (W6).
        a.set_key(a.dm_file("snapshot-00000021"), "open", "1")
        check(a.detach(6, both) == [EV_ERROR, 16], "busy snapshot")
        check(os.path.exists(a.mapper("snapshot-00000021")), "kept")
        a.set_key(a.dm_file("snapshot-00000021"), "open", "0")
        a.commands()
        check(a.detach(7, both) == [EV_DONE, 0], "detach both")
        seq = dm(a.commands())
        i_snap = seq.index(["remove", "snapshot-00000021"])
        i_orig = seq.index(["remove", "snapshot-origin-00000011"])
        check(i_snap < i_orig, "snapshots go before their origin")
        check(a.devices() == [], "nothing left: %s" % a.devices())

    run_on(a, body)
    print("ok")


main()
