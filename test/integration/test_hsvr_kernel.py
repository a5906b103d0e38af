"""The kernel back end with fake tools (paths from the configuration):
commands are run and recorded, a failing login ends the attach in
ERROR/EIO (rolled back), and a full operation queue answers EAGAIN."""
import os
import stat
import time
import sys
import xmlrpc.client

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (Agent, EV_ERROR, EV_PROGRESS, check, dext, run_on,
                          skip_if_missing, volume)

skip_if_missing()
TOOLS = ("iscsiadm", "scsi_id", "multipath", "dmsetup", "mdadm", "blockdev",
         "udevadm")


def main():
    extra = {t: "{dir}/fake-tool" for t in TOOLS}
    extra.update({"device_backend": "kernel", "workers": "1", "queue": "1",
                  "login_wait_ms": "0", "md_device_dir": "{dir}/md",
                  "vas_device_dir": "{dir}/vas"})
    a = Agent(extra)
    tool = os.path.join(a.dir, "fake-tool")
    with open(tool, "w") as f:
        f.write("#!/bin/sh\necho \"$0 $*\" >> %s/fake.log\nsleep 0.5\n"
                "exit 1\n" % a.dir)
    os.chmod(tool, stat.S_IRWXU)

    def body():
        lv = volume(0x10, "k", 10, [(0x13, [dext(0x14, 1, 5, 0),
                                            dext(0x15, 2, 7, 0)])])
        log = os.path.join(a.dir, "fake.log")
        for eid in (1, 2):
            check(a.rpc.attachLogicalVolume(
                {"ver": 5, "eventid": eid, "lvolstruct": lv}) == 0, "queued")
            # The one worker has taken the first: the queue holds one.
            end = time.time() + 30
            while eid == 1 and not os.path.exists(log) and \
                    time.time() < end:
                time.sleep(0.05)
        try:
            a.rpc.attachLogicalVolume({"ver": 5, "eventid": 3,
                                       "lvolstruct": lv})
            raise AssertionError("no EAGAIN")
        except xmlrpc.client.Fault as f:
            check(f.faultCode == 11, "queue full -> EAGAIN: %s" % f)
        check(a.rpc.getEventStatus({"ver": 5, "eventid": 3}) == [0, 0],
              "a refused call records nothing")
        check(a.rpc.getEventStatus({"ver": 5, "eventid": 2})[0] ==
              EV_PROGRESS, "second is waiting")
        check(a.wait(1) == [EV_ERROR, 5], "login fails -> EIO")
        check(a.wait(2) == [EV_ERROR, 5], "second too")
        cmds = a.commands()
        check(cmds[0] == ["iscsiadm", "-m", "node", "-o", "new", "-T",
                          "iqn.2010-01.example:00000005", "-p",
                          "127.0.0.11:3260"], cmds[0])
        with open(os.path.join(a.dir, "fake.log")) as f:
            ran = f.read().splitlines()
        check(ran[0] == "%s -m node -o new -T iqn.2010-01.example:00000005 "
              "-p 127.0.0.11:3260" % tool, "the configured path ran: %s" %
              ran[0])
        check(len(ran) == len(cmds), "every recorded command ran")
        check(os.path.isdir(os.path.join(a.dir, "vas")) and
              os.path.isdir(os.path.join(a.dir, "md")),
              "label and md directories from the configuration")

    run_on(a, body)
    print("ok")


main()
