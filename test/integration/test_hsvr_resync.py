"""replaceMirrorDisk: replace a leg (DONE via the progress hook), re-add a
failed leg, already in sync, and a failing resync (ERROR, rolled back)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (Agent, EV_DONE, EV_ERROR, EV_PROGRESS, check, dext,
                          leg, no_remove, set_member_state, skip_if_missing,
                          volume)

skip_if_missing()


def vol():
    return volume(0x10, "r", 10, [(0x13, [dext(0x14, 1, 5, 0),
                                          dext(0x15, 2, 7, 0)])])


def replace(a, eid, add, remove):
    return a.rpc.replaceMirrorDisk({"ver": 5, "eventid": eid,
                                    "mirrorid": 0x13, "add": add,
                                    "remove": remove})


def test_replace(a):
    check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
    a.commands()
    new = leg(dext(0x16, 3, 9, 0, status=3))
    # The dead leg as the manager names it: capacity 0 (sm.md 8.4.5).
    old = leg(dext(0x15, 2, 7, 0, cap=0))
    check(replace(a, 2, new, old) == 0, "accepted")
    first = a.rpc.getEventStatus({"ver": 5, "eventid": 2})
    check(first == [EV_PROGRESS, 0], "progress first: %s" % first)
    check(replace(a, 2, new, old) == 0, "re-send is a no-op")
    st = a.wait(2)
    check(st == [EV_DONE, 0], "resync DONE: %s" % st)
    cmds = a.commands()
    md = a.md(0x13)
    manage = [c[3:] for c in cmds if c[:2] == ["mdadm", "--manage"]]
    check(manage == [["--fail", a.mapper("00000002-00000015")],
                     ["--remove", a.mapper("00000002-00000015")],
                     ["--add", a.mapper("00000003-00000016")]], manage)
    check(["dmsetup", "remove", "00000002-00000015"] in cmds, "old torn down")
    check(["iscsiadm", "-m", "node", "-T", "iqn.2010-01.example:00000007",
           "--logout"] in cmds, "old disk logged out")
    check(a.rpc.getEventStatus({"ver": 5, "eventid": 2}) == [0, 0],
          "read once")
    # Already in sync: DONE at once, nothing run.
    check(replace(a, 3, new, no_remove()) == 0, "in sync")
    check(a.rpc.getEventStatus({"ver": 5, "eventid": 3}) == [EV_DONE, 0],
          "DONE at once")
    check(not [c for c in a.commands() if c[0] == "mdadm"], "no mdadm")
    # A failed leg is re-added (add == remove).
    set_member_state(a, 0x13, "00000001-00000014", "faulty")
    same = leg(dext(0x14, 1, 5, 0, status=3))
    check(replace(a, 4, same, same) == 0, "re-add")
    check(a.wait(4) == [EV_DONE, 0], "re-add DONE")
    cmds = a.commands()
    manage = [c[3] for c in cmds if c[:2] == ["mdadm", "--manage"]]
    check(manage == ["--fail", "--remove", "--add"], manage)
    check(not [c for c in cmds if c[-1] in ("--login", "--logout")],
          "same extent: no session change")
    # The mirror and its members are whole again.
    with open(a.p("/proc/mdstat")) as f:
        check("[2/2] [UU]" in f.read(), "mdstat shows both legs in sync")
    check(a.detach(5, vol_after()) == [EV_DONE, 0], "detach")
    check(a.devices() == [], "nothing left: %s" % a.devices())


def vol_after():
    return volume(0x10, "r", 10, [(0x13, [dext(0x14, 1, 5, 0, status=2),
                                          dext(0x16, 3, 9, 0, status=2)])])


def test_failing_resync():
    a = Agent({"sim_fail_command": "--add"})
    try:
        check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
        a.commands()
        new = leg(dext(0x16, 3, 9, 0, status=3))
        check(replace(a, 2, new, no_remove()) == 0, "accepted")
        check(a.wait(2) == [EV_ERROR, 500], "resync ERROR/500")
        cmds = a.commands()
        check(["dmsetup", "remove", "00000003-00000016"] in cmds,
              "new extent rolled back")
        check(not os.path.exists(a.mapper("00000003-00000016")), "gone")
        # A member that disappears while rebuilding: ENOENT via the hook.
    finally:
        a.stop()


def test_failed_replace_puts_old_back():
    a = Agent({"sim_fail_command":
               "--add {dir}/state/sim/dev/mapper/00000003-00000016"})
    try:
        check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
        a.commands()
        new = leg(dext(0x16, 3, 9, 0, status=3))
        old = leg(dext(0x15, 2, 7, 0))
        check(replace(a, 2, new, old) == 0, "accepted")
        check(a.wait(2) == [EV_ERROR, 500], "ERROR/500")
        manage = [c[3:] for c in a.commands()
                  if c[:2] == ["mdadm", "--manage"]]
        check(manage == [["--fail", a.mapper("00000002-00000015")],
                         ["--remove", a.mapper("00000002-00000015")],
                         ["--add", a.mapper("00000003-00000016")],
                         ["--add", a.mapper("00000002-00000015")]],
              "old leg re-added (W17): %s" % manage)
        check(os.path.exists(a.mapper("00000002-00000015")), "old kept")
        check(not os.path.exists(a.mapper("00000003-00000016")), "new gone")
    finally:
        a.stop()


def test_old_leg_left_is_reported():
    """The new leg is in, the old one cannot be torn down (its map is
    held): the resync is DONE, and the manager is told what was left."""
    a = Agent({"sim_fail_command": "dmsetup remove 00000002-00000015"})
    try:
        check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
        new = leg(dext(0x16, 3, 9, 0, status=3))
        old = leg(dext(0x15, 2, 7, 0))
        check(replace(a, 2, new, old) == 0, "accepted")
        st = a.wait(2, detail=True)
        check(st[:2] == [EV_DONE, 0], "DONE: %s" % st)
        check("old extent dext-00000015 of mirr-00000013 not torn down" in
              st[2] and "dmsetup remove 00000002-00000015" in st[2],
              "the leftover and its cause with DONE: %r" % st[2])
        check(os.path.exists(a.mapper("00000002-00000015")), "old kept")
    finally:
        a.stop()


def check_old_leg_gone(a, cmds):
    """The old leg's session is logged out, nothing else is touched, and
    the volume still detaches cleanly."""
    check(["iscsiadm", "-m", "node", "-T", "iqn.2010-01.example:00000007",
           "--logout"] in cmds, "its session logged out: %s" % cmds)
    # Legs in the mirror are open (md holds them): kept.
    check(not [c for c in cmds if c[:2] == ["dmsetup", "remove"] and
               c[2] != "00000002-00000015"], "nothing else removed")
    with open(a.p("/proc/mdstat")) as f:
        check("[2/2] [UU]" in f.read(), "mirror whole")
    check(a.detach(3, vol_after()) == [EV_DONE, 0], "detach")
    check(a.devices() == [], "nothing left: %s" % a.devices())


def test_left_leg_swept_at_start():
    """A leg its mirror let go of but whose teardown never ran (here: its
    map could not be removed; in life: the agent killed in between) is not
    in any tree the manager sends again: the next start tears it down."""
    a = Agent({"sim_fail_command": "dmsetup remove 00000002-00000015"})
    try:
        check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
        new = leg(dext(0x16, 3, 9, 0, status=3))
        old = leg(dext(0x15, 2, 7, 0))
        check(replace(a, 2, new, old) == 0, "accepted")
        check(a.wait(2)[:2] == [EV_DONE, 0], "DONE")
        check(os.path.exists(a.mapper("00000002-00000015")), "old left")
        a.proc.kill()
        a.proc.wait()
        a.log.close()
        with open(a.conf) as f:
            lines = [l for l in f if not l.startswith("sim_fail_command")]
        with open(a.conf, "w") as f:
            f.writelines(lines)
        a.commands()
        a.start()
        cmds = a.commands()
        check(["dmsetup", "remove", "00000002-00000015"] in cmds,
              "left leg removed: %s" % cmds)
        check(not os.path.exists(a.mapper("00000002-00000015")), "gone")
        check_old_leg_gone(a, cmds)
    finally:
        a.stop()


def wait_for(cond, what, secs=20):
    deadline = time.time() + secs
    while not cond():
        check(time.time() < deadline, what)
        time.sleep(0.05)


def test_left_leg_retried():
    """The old leg's map is held (in life: a half-built map on its
    multipath map) when the resync ends: the agent keeps trying, and once
    the map is let go the leg and its session go without a restart."""
    a = Agent()
    try:
        check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
        old_map = a.dm_file("00000002-00000015")
        a.set_key(old_map, "open", "1")
        new = leg(dext(0x16, 3, 9, 0, status=3))
        old = leg(dext(0x15, 2, 7, 0))
        check(replace(a, 2, new, old) == 0, "accepted")
        st = a.wait(2, detail=True)
        check(st[:2] == [EV_DONE, 0] and "not torn down" in st[2],
              "DONE with the leftover noted: %s" % st)
        wait_for(lambda: "dext-00000015 of mirr-00000013 still not torn "
                 "down" in a.logtext(), "tried again while held")
        check(os.path.exists(a.mapper("00000002-00000015")), "still held")
        a.commands()
        a.set_key(old_map, "open", "0")
        wait_for(lambda: not os.path.exists(a.mapper("00000002-00000015")),
                 "removed once let go")
        wait_for(lambda: "dext-00000015 of mirr-00000013 torn down" in
                 a.logtext(), "logged as torn down")
        check_old_leg_gone(a, a.commands())
    finally:
        a.stop()


def test_faulty_while_rebuilding():
    a = Agent({"sim_resync_ms": "60000"})
    try:
        check(a.attach(1, vol()) == [EV_DONE, 0], "attach")
        new = leg(dext(0x16, 3, 9, 0, status=3))
        check(replace(a, 2, new, no_remove()) == 0, "accepted")
        for _ in range(100):
            if os.path.exists(a.mapper("00000003-00000016")) and \
                    "dm-" in open(a.p("/proc/mdstat")).read():
                break
            time.sleep(0.05)
        time.sleep(0.3)
        check(a.rpc.getEventStatus({"ver": 5, "eventid": 2}) ==
              [EV_PROGRESS, 0], "rebuilding")
        set_member_state(a, 0x13, "00000003-00000016", "faulty")
        check(a.wait(2) == [EV_ERROR, 500], "faulty new leg -> ERROR (W15)")
    finally:
        a.stop()


def main():
    a = Agent()
    try:
        test_replace(a)
    except Exception:
        print(a.logtext()[-4000:])
        raise
    finally:
        a.stop()
    test_failing_resync()
    test_failed_replace_puts_old_back()
    test_old_leg_left_is_reported()
    test_left_leg_swept_at_start()
    test_left_leg_retried()
    test_faulty_while_rebuilding()
    print("ok")


main()
