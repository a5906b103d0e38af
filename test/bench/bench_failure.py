#!/usr/bin/env python3
"""Failure figure of issue 8, printed: time from notifyFailure(SSVR) to every
replacement leg of an attached 1 TB (x3) volume booked (the call returns when
they are), and until the volume is back in sync with an instant head agent.
Usage: VAS_BUILD_DIR=build/release python3 test/bench/bench_failure.py"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vastest import FakeAgent, Postgres, Sm, free_port, v, wait_until  # noqa: E402

N_SSVR = 6
TB2 = str(2 * 10**12 // 512)


def main():
    pg = Postgres()
    ssvr_port, hsvr_port = free_port("127.0.0.11"), free_port("127.0.0.21")
    agents = [FakeAgent("127.0.0.%d" % (11 + i), ssvr_port) for i in range(N_SSVR)]
    head = FakeAgent("127.0.0.21", hsvr_port)
    sm = Sm(pg, ssvr_port=ssvr_port, hsvr_port=hsvr_port,
            extra={"resync_poll_ms": 100, "max_resync_tasks": 64}).start()
    s = sm.proxy()
    try:
        ids = []
        for i in range(N_SSVR):
            ids.append(s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)])))
            for d in range(2):
                s.registerPhysicalDisk(v(ssvrid=ids[-1], local_path="/dev/sd%s" % "bc"[d],
                                         capacity=TB2))
        sm.sql("DELETE FROM shred; UPDATE dskmap SET status = 2 WHERE status = 4")
        hid = s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = s.createLogicalVolume(v(lvolname="tb", capacity=1024, redundancy=3))
        s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        victim = ids[0]
        legs = int(sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) JOIN "
                          "pdsklst p USING (pdskid) WHERE p.ssvrid = %d" % victim))
        t0 = time.perf_counter()
        s.notifyFailure(v(target=2, targetid=victim))
        booked = time.perf_counter() - t0
        left = sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) JOIN "
                      "pdsklst p USING (pdskid) WHERE p.ssvrid = %d" % victim)
        print("1 TB x3 volume (309 legs), %d legs on the failed server: all replacement legs "
              "booked in %.3f s (legs left there: %s, resync rows: %s)"
              % (legs, booked, left, sm.sql("SELECT count(*) FROM resync")))
        ok = wait_until(lambda: not s.listLogicalVolumes(v(lvolid=lv))[0]["fault"], 300, 0.05)
        print("back in sync (instant head agent, resync_poll_ms 100, 64 at once): %.1f s (%s)"
              % (time.perf_counter() - t0, "ok" if ok else "TIMEOUT"))
    finally:
        s("close")()
        sm.stop()
        for a in agents + [head]:
            a.stop()
        pg.stop()


if __name__ == "__main__":
    main()
