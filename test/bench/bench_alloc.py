#!/usr/bin/env python3
"""Leg placement cost against cluster size, with and without failure
domains (issue 16), printed, not asserted: createLogicalVolume of 1 TB
(103 mirrors x 3 legs) and of 10 GiB (one mirror) on N servers x 12 disks,
fastest of several runs,
servers in racks of 10 when domains are on, the volume in a pool of its own
holding every server.
Usage: VAS_BUILD_DIR=build/release python3 test/bench/bench_alloc.py [N...]
Extents are marked FREE in the database directly (no zeroing)."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vastest import Postgres, Sm, v  # noqa: E402

DISK_SECTORS = 2 * 10**11 // 512  # 200 GB: 19 extents, cost is per disk
SIZES = [int(a) for a in sys.argv[1:]] or [25, 100, 400]


def timed(fn, n):
    """The fastest of n runs: the machine is shared, the minimum is what
    the manager needs, the rest is other processes' turn."""
    t = []
    for _ in range(n):
        s = time.perf_counter()
        fn()
        t.append(time.perf_counter() - s)
    return min(t)


def measure(pg, n_servers, domains):
    sm = Sm(pg, extra={"shred_poll_ms": 600000, "server_check_interval": 0}).start()
    s = sm.proxy()
    try:
        s.createPool(v(pool="bench"))
        for i in range(n_servers):
            sid = s.registerStorageServer(v(
                ip_data=["127.20.%d.%d" % (i // 250, i % 250 + 1)], pool="bench",
                **({"domain": "rack-%d" % (i // 10)} if domains else {})))
            for d in range(12):
                s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sd%s" % chr(97 + d),
                                         capacity=str(DISK_SECTORS)))
        sm.sql("DELETE FROM shred; UPDATE dskmap SET status = 2 WHERE status = 4; ANALYZE")
        names = iter(range(10**9))
        big = timed(lambda: s.createLogicalVolume(v(
            lvolname="tb%d" % next(names), capacity=1024, redundancy=3, pool="bench")), 7)
        small = timed(lambda: s.createLogicalVolume(v(
            lvolname="g%d" % next(names), capacity=10, redundancy=3, pool="bench")), 20)
        print("%4d servers x 12 disks, domains %-3s: 1 TB x3 %.3f s (%.0f us/leg), "
              "10 GiB x3 %.4f s" % (n_servers, "on" if domains else "off", big,
                                    big / 309 * 1e6, small))
    finally:
        s("close")()
        sm.stop()


def main():
    pg = Postgres()
    try:
        for n in SIZES:
            for domains in (False, True):
                measure(pg, n, domains)
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
