#!/usr/bin/env python3
"""Storage manager speed figures (issue 4), printed, not asserted:
  - registerPhysicalDisk of a 16 TB disk
  - createLogicalVolume of 1 TB, redundancy 3, on 100 servers x 12 disks x 2 TB
  - listLogicalVolumes with 10 000 volumes
Usage: VAS_BUILD_DIR=build/release python3 test/bench/bench_sm.py [volumes]
The synthetic cluster's extents are marked FREE directly in the database
(zeroing 224 000 extents through agents is not what is measured here)."""
import os
import statistics
import sys
import threading
import time
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vastest import Postgres, Sm, v  # noqa: E402

TB_SECTORS = 2 * 10**12 // 512
N_VOLUMES = int(sys.argv[1]) if len(sys.argv) > 1 else 10000


def timed(fn, n=1):
    t = []
    for _ in range(n):
        s = time.perf_counter()
        fn()
        t.append(time.perf_counter() - s)
    return t


def main():
    pg = Postgres()
    sm = Sm(pg, extra={"shred_poll_ms": 600000, "max_connections": 32,
                       "server_check_interval": 0}).start()
    s = sm.proxy()
    try:
        t0 = time.perf_counter()
        for i in range(100):
            sid = s.registerStorageServer(v(ip_data=["127.10.%d.%d" % (i // 250, i % 250 + 1)]))
            for d in range(12):
                s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sd%s" % chr(97 + d),
                                         capacity=str(TB_SECTORS)))
        print("populate: 100 servers x 12 disks x 2 TB registered in %.1f s" % (time.perf_counter() - t0))
        sm.sql("DELETE FROM shred; UPDATE dskmap SET status = 2 WHERE status = 4")
        print("extents: %s" % sm.sql("SELECT count(*) FROM dskmap"))

        sid = s.registerStorageServer(v(ip_data=["127.10.99.99"]))
        t = timed(lambda: s.registerPhysicalDisk(
            v(ssvrid=sid, local_path="/dev/big%d" % time.perf_counter_ns(),
              capacity=str(16 * 10**12 // 512))), 3)
        print("registerPhysicalDisk 16 TB: median %.3f s (max %.3f)  goal <= 1 s"
              % (statistics.median(t), max(t)))
        sm.sql("DELETE FROM shred; UPDATE dskmap SET status = 2 WHERE status = 4")

        names = iter(range(10**9))
        t = timed(lambda: s.createLogicalVolume(v(lvolname="tb%d" % next(names), capacity=1024,
                                                  redundancy=3)), 5)
        print("createLogicalVolume 1 TB (1030 GiB, 103 mirrors x 3 legs): median %.3f s "
              "(max %.3f)  goal <= 1 s" % (statistics.median(t), max(t)))

        have = len(s.listLogicalVolumes(v()))
        todo = N_VOLUMES - have
        t0 = time.perf_counter()
        counter = iter(range(10**9))
        lock = threading.Lock()

        def worker():
            p = sm.proxy()
            while True:
                with lock:
                    i = next(counter)
                if i >= todo:
                    return
                p.createLogicalVolume(v(lvolname="v%d" % i, capacity=10, redundancy=2))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        el = time.perf_counter() - t0
        print("created %d volumes of 10 GiB x2 in %.1f s (%.1f ms each, 8 clients)"
              % (todo, el, 1000 * el / max(todo, 1)))
        body = xmlrpc.client.dumps((v(),), "listLogicalVolumes").encode()
        url = "http://127.0.0.1:%d/RPC2" % sm.port
        raw = lambda: urllib.request.urlopen(urllib.request.Request(
            url, data=body, headers={"Content-Type": "text/xml"})).read()
        t = timed(raw, 7)
        print("listLogicalVolumes with %d volumes, server (raw HTTP round trip, %d bytes): "
              "median %.3f s (max %.3f)  goal <= 0.2 s"
              % (len(s.listLogicalVolumes(v())), len(raw()), statistics.median(t), max(t)))
        t = timed(lambda: s.listLogicalVolumes(v()), 3)
        print("  the same through python's xmlrpc.client (parsing included): median %.3f s"
              % statistics.median(t))
    finally:
        s("close")()
        sm.stop()
        pg.stop()


if __name__ == "__main__":
    main()
