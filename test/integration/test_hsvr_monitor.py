"""A failed mirror leg found in mdstat is reported once to the manager
with notifyFailure(target 4 = LVOL, targetid = the leg's dext id)."""
import os
import sys
import threading
import time
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import (Agent, EV_DONE, check, dext, set_member_state,
                          skip_if_missing, volume)

skip_if_missing()


class Quiet(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")

    def log_message(self, *args):
        pass


def main():
    calls = []
    sm = SimpleXMLRPCServer(("127.0.0.1", 0), requestHandler=Quiet,
                            logRequests=False, allow_none=True)

    def notifyFailure(p):
        calls.append(p)
        return 0

    sm.register_function(notifyFailure)
    threading.Thread(target=sm.serve_forever, daemon=True).start()
    a = Agent(sm_port=sm.server_address[1])
    try:
        lv = volume(0x10, "m", 10, [(0x13, [dext(0x14, 1, 5, 0),
                                            dext(0x15, 2, 7, 0),
                                            dext(0x16, 3, 9, 0)])])
        check(a.attach(1, lv) == [EV_DONE, 0], "attach")
        time.sleep(0.6)
        check(calls == [], "healthy mirror: nothing reported")
        set_member_state(a, 0x13, "00000002-00000015", "faulty")
        for _ in range(100):
            if calls:
                break
            time.sleep(0.05)
        time.sleep(1.0)  # several more scans: still reported once
        check(calls == [{"ver": 5, "target": 4, "targetid": 0x15}],
              "one notifyFailure: %s" % calls)
        # The leg comes back and fails again: a new report.
        set_member_state(a, 0x13, "00000002-00000015", "in_sync")
        time.sleep(0.6)
        set_member_state(a, 0x13, "00000002-00000015", "faulty")
        for _ in range(100):
            if len(calls) == 2:
                break
            time.sleep(0.05)
        check(len(calls) == 2 and calls[1]["targetid"] == 0x15,
              "reported again after recovery: %s" % calls)
    except Exception:
        print(a.logtext()[-4000:])
        raise
    finally:
        a.stop()
        sm.shutdown()
    print("ok")


main()
