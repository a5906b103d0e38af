"""Several head-server instances on one machine (separate configs and
state dirs) and an agent restart: the device state and the iSCSI session
users survive, so a detach after the restart still tears down everything."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (Agent, EV_DONE, EV_NONE, check, dext,
                          skip_if_missing, volume)

skip_if_missing()


def vol(name, base):
    return volume(base, name, 10, [(base + 3, [dext(base + 4, 1, 5, 0),
                                               dext(base + 5, 2, 7, 0)])])


def main():
    a, b = Agent(), Agent()
    try:
        check(a.port != b.port, "separate ports")
        check(a.attach(1, vol("x", 0x10)) == [EV_DONE, 0], "attach on a")
        check(b.attach(1, vol("x", 0x10)) == [EV_DONE, 0], "attach on b")
        check(os.path.islink(a.p("/dev/vas/x")) and
              os.path.islink(b.p("/dev/vas/x")), "both have the volume")
        check(b.detach(2, vol("x", 0x10)) == [EV_DONE, 0], "detach on b")
        check(b.devices() == [] and a.devices() != [], "a is untouched")
        # Restart a with a second volume on the same disks attached.
        check(a.attach(3, vol("y", 0x20)) == [EV_DONE, 0], "y on a")
        a.commands()
        check(a.stop(keep=True) == 0, "stopped")
        a.start()
        check(a.rpc.getEventStatus({"ver": 5, "eventid": 3}) ==
              [EV_NONE, 0], "events are not kept across restarts")
        check(a.detach(4, vol("x", 0x10)) == [EV_DONE, 0], "detach x")
        cmds = a.commands()
        check(not [c for c in cmds if c[-1] == "--logout"],
              "sessions still used by y after the restart: %s" % cmds)
        check(a.detach(5, vol("y", 0x20)) == [EV_DONE, 0], "detach y")
        check(len([c for c in a.commands() if c[-1] == "--logout"]) == 2,
              "last user logs out")
        check(a.devices() == [], "nothing left: %s" % a.devices())
        # Attach, detach, attach of one volume sent back to back: they
        # run one after another in arrival order (same-volume ordering).
        v = vol("z", 0x30)
        for eid, m in ((10, "attach"), (11, "detach"), (12, "attach")):
            check(getattr(a.rpc, m + "LogicalVolume")(
                {"ver": 5, "eventid": eid, "lvolstruct": v}) == 0, m)
        for eid in (10, 11, 12):
            check(a.wait(eid) == [EV_DONE, 0], "event %d" % eid)
        check(os.readlink(a.p("/dev/vas/z")) ==
              a.mapper("snapshot-origin-00000031"), "attached at the end")
        check(a.detach(13, v) == [EV_DONE, 0], "detach z")
        check(a.devices() == [], "nothing left: %s" % a.devices())
    except Exception:
        print(a.logtext()[-3000:])
        raise
    finally:
        a.stop()
        b.stop()
    print("ok")


main()
