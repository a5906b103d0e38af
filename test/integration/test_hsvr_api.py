"""hsvr_agent XML-RPC surface: faults, bad input, read-once events."""
import os
import sys
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (run_on, Agent, EV_DONE, EV_NONE, EV_PROGRESS, check, dext,
                          skip_if_missing, volume)

skip_if_missing()


def fault(fn, params, code):
    try:
        fn(params)
    except xmlrpc.client.Fault as f:
        check(f.faultCode == code, "fault %d, expected %d (%s)" %
              (f.faultCode, code, f.faultString))
        return
    raise AssertionError("no fault, expected %d" % code)


def main():
    a = Agent()
    r = a.rpc
    def body():
        check(r.helloWorld({}) == 0, "helloWorld")
        check(r.helloWorld({"ver": 1}) == 0, "helloWorld ignores ver")
        lv = volume(0x10, "v", 10, [(0x13, [dext(0x14, 1, 5, 0),
                                            dext(0x15, 2, 7, 0)])])
        good = {"ver": 5, "eventid": 1, "lvolstruct": lv}
        # ver -> 71, unknown or private methods -> 1
        for m in ("attachLogicalVolume", "detachLogicalVolume",
                  "getEventStatus", "replaceMirrorDisk", "extendLogicalVolume"):
            fault(getattr(r, m), {"ver": 4, "eventid": 1}, 71)
            fault(getattr(r, m), {"eventid": 1}, 71)
        for m in ("noSuchMethod", "_HsvrAgent__attach_worker", "_dispatch",
                  "op_run"):
            fault(getattr(r, m), {"ver": 5}, 1)
        methods = r.system.listMethods()
        check(sorted(methods) == sorted([
            "system.listMethods", "system.methodHelp",
            "system.methodSignature", "helloWorld", "attachLogicalVolume",
            "detachLogicalVolume", "replaceMirrorDisk", "getEventStatus",
            "extendLogicalVolume"]),  # the last: issue 16
            methods)
        # bad input -> 22
        fault(r.attachLogicalVolume, {"ver": 5, "lvolstruct": lv}, 22)
        fault(r.extendLogicalVolume, {"ver": 5, "lvolstruct": lv}, 22)
        fault(r.extendLogicalVolume, {"ver": 5, "eventid": 9, "lvolstruct": 5}, 22)
        fault(r.attachLogicalVolume, {"ver": 5, "eventid": 1}, 22)
        fault(r.attachLogicalVolume,
              {"ver": 5, "eventid": "1", "lvolstruct": lv}, 22)
        fault(r.attachLogicalVolume,
              {"ver": 5, "eventid": 1, "lvolstruct": []}, 22)
        bad = dict(lv, lvoltype=4)
        fault(r.attachLogicalVolume,
              {"ver": 5, "eventid": 1, "lvolstruct": bad}, 22)
        bad = dict(lv)
        del bad["lvolspec"]
        fault(r.detachLogicalVolume,
              {"ver": 5, "eventid": 1, "lvolstruct": bad}, 22)
        bad = volume(0x10, "../x", 10, [(0x13, [dext(0x14, 1, 5, 0)])])
        fault(r.attachLogicalVolume,
              {"ver": 5, "eventid": 1, "lvolstruct": bad}, 22)
        bad = volume(0x10, "v", 10, [(0x13, [dext(0x14, 1, 5, 0)])])
        bad["components"][0]["components"][0]["components"][0][
            "components"][0]["lvolspec"]["iscsi_path"] = ["/dev/sda"]
        fault(r.attachLogicalVolume,
              {"ver": 5, "eventid": 1, "lvolstruct": bad}, 22)
        fault(r.getEventStatus, {"ver": 5}, 22)
        fault(r.getEventStatus, {"ver": 5, "eventid": -1}, 22)
        fault(r.replaceMirrorDisk, {"ver": 5, "eventid": 1,
                                    "mirrorid": 0x13,
                                    "add": dext(0x16, 3, 9, 0)}, 22)
        fault(r.replaceMirrorDisk, {"ver": 5, "eventid": 1,
                                    "mirrorid": 0x13, "add": {},
                                    "remove": {"lvolid": 0}}, 22)
        check(r.getEventStatus({"ver": 5, "eventid": 1}) == [EV_NONE, 0],
              "nothing was recorded by bad calls")
        # no such mirror -> ENOENT
        fault(r.replaceMirrorDisk, {"ver": 5, "eventid": 1,
                                    "mirrorid": 0x13,
                                    "add": dext(0x16, 3, 9, 0),
                                    "remove": {"lvolid": 0, "lvoltype": 3,
                                               "capacity": 0,
                                               "mirror_status": 0,
                                               "labels": [],
                                               "lvolspec": {}}}, 2)
        # read-once, idempotent re-send with the same eventid
        check(r.attachLogicalVolume(good) == 0, "attach accepted")
        st = a.wait(1)
        check(st == [EV_DONE, 0], st)
        check(r.getEventStatus({"ver": 5, "eventid": 1}) == [EV_NONE, 0],
              "read once")
        check(r.getEventStatus({"ver": 5, "eventid": 99}) == [EV_NONE, 0],
              "unknown")
        check(r.detachLogicalVolume(dict(good, eventid=2)) == 0, "detach")
        check(r.detachLogicalVolume(dict(good, eventid=2)) == 0,
              "re-send of a running/unread event")
        check(a.wait(2) == [EV_DONE, 0], "detach DONE")
        check(a.devices() == [], "nothing left")
        st = r.getEventStatus({"ver": 5, "eventid": 2})
        check(st[0] in (EV_NONE, EV_PROGRESS), st)

    run_on(a, body)
    print("ok")


main()
