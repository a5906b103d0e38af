"""Bad blocks, with a real agent and tgtd on 127.0.0.32 and a fake
manager on 127.0.0.33: an LD_PRELOAD shim makes one byte of the disk
fail with EIO. A shred over it zeroes the healthy extents, reports the bad
one with notifyBadBlocks (vb number) and still ends DONE; the disk is never
retired with notifyFailure. The patrol reports a read error once. A disk
whose device vanished is retired with notifyFailure(PDSK)."""
import os
import time

from ssvr_harness import (BIN, VB, FakeSM, Node, check, free_port,
                          need_tools, read_at, skip, wait_event, write_at)

IP, CTL = "127.0.0.32", 5332
SM_IP = "127.0.0.33"


def shim_env(disk, bad_off):
    shim = os.path.join(BIN, "libssvr_eio_shim.so")
    if not os.path.exists(shim):
        skip("fault-injection shim not built")
    env = dict(os.environ)
    env["LD_PRELOAD"] = shim
    env["VAS_EIO_FILE"] = os.path.realpath(disk)
    env["VAS_EIO_OFFSET"] = str(bad_off)
    # The shim precedes the ASan runtime in sanitizer builds.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":verify_asan_link_order=0").lstrip(":")
    return env


def main():
    need_tools()
    sm = FakeSM(SM_IP, free_port(SM_IP))
    sm.start()
    node = Node("badblk", IP, CTL, {
        "storage_manager": {"host_list": SM_IP, "port": str(sm.port)}})
    node.tgtd.start()
    disk = node.disk("disk.img", 4 << 30)
    node.record(1, disk)
    for off in (4096, VB + 4096, 2 * VB + 4096):
        write_at(disk, off, b"\x3c" * 512)

    rpc = node.start_agent(shim_env(disk, VB + 4096 + 100))
    check(rpc.registerShredRequest({"ver": 5, "eventid": 4, "dextid": 9,
                                    "pdskid": 1, "offset": 0,
                                    "capacity": 3}) == 0, "shred accepted")
    check(wait_event(rpc, 4) == [3, 0], "shred over a bad block ends DONE")
    check(sm.of("bad") == [{"ver": 5, "pdskid": 1, "blocks": [1]}],
          "bad vb 1 reported with notifyBadBlocks: %s" % sm.calls)
    check(sm.of("fail") == [], "disk not retired with notifyFailure")
    check(read_at(disk, 4096, 512) == b"\0" * 512 and
          read_at(disk, 2 * VB + 4096, 512) == b"\0" * 512,
          "healthy extents zeroed")
    check(read_at(disk, VB + 4096, 512) == b"\x3c" * 512,
          "the failing extent was not written")
    check(node.stop_agent() == 0, "agent stopped")

    sm.calls.clear()
    node.settings["ssvr_agent"].update(scrub_first_sleep_time="0",
                                       patrol_bandwidth="4000",
                                       scrub_stripe_size="64")
    node.write_conf()
    node.start_agent(shim_env(disk, 2 * VB + 12345))
    end = time.time() + 60
    while time.time() < end and not sm.of("bad"):
        time.sleep(0.2)
    time.sleep(3)  # at least one more full pass over the 4 GiB disk
    check(node.stop_agent() == 0, "agent with patrol stopped")
    check(sm.of("bad") == [{"ver": 5, "pdskid": 1, "blocks": [2]}],
          "patrol read error reported once as vb 2: %s" % sm.calls)
    check(sm.of("fail") == [], "patrol never retires the disk")

    # A disk whose device vanished (the activation record and link stay):
    # the shred fails for good, so the disk is reported failed (3.0's
    # notifyFailure PDSK) instead of the shred being re-sent forever.
    sm.calls.clear()
    gone = node.disk("gone.img", 2 << 30)
    node.record(2, gone)
    node.settings["ssvr_agent"].update(patrol_bandwidth="0")
    node.write_conf()
    rpc = node.start_agent()
    os.unlink(gone)
    check(rpc.registerShredRequest({"ver": 5, "eventid": 5, "dextid": 10,
                                    "pdskid": 2, "offset": 0,
                                    "capacity": 1}) == 0,
          "shred of the vanished disk accepted")
    end = time.time() + 30
    while time.time() < end and not sm.of("fail"):
        time.sleep(0.2)
    check(sm.of("fail") == [{"ver": 5, "target": 3, "targetid": 2}],
          "vanished disk reported with notifyFailure(PDSK): %s" % sm.calls)
    check(wait_event(rpc, 5) == [0, 0], "its shred reads NONE")
    check(node.stop_agent() == 0, "agent stopped")
    sm.stop()
    node.tgtd.kill()
    print("all bad-block tests passed")


if __name__ == "__main__":
    main()
