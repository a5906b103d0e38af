#!/usr/bin/env python3
"""Query plans of the manager's statements on a cluster of issue 14's size
(1 000 storage servers x 12 disks x 2 TB: 2 232 000 extents), printed, not
asserted.

The database is filled in bulk (SQL, a minute instead of the hours 12 000
registrations and their shreds would take): half of every disk FREE, the
other half OFFLINE with its shred queued, as in the middle of the shred
pass. Then the real vas_sm runs on it against vas_scale_sim (every server
on 127.50.x.y, disks slow enough that shreds stay in flight) with
auto_explain logging the plan of every statement: the shred worker's
passes, creates and deletes of 1 TB x3 volumes, the list calls, a failure
of a server holding legs of --volumes volumes, a /metrics scrape. Each
distinct statement is printed once with its slowest run and every scan of
a large table that is not index-driven.

Usage (inside /work/bin/iso):
  VAS_BUILD_DIR=build/release python3 test/bench/bench_plans.py \\
      [--servers 1000] [--disks 12] [--extents 186] [--volumes 1000] [--heads 10]
      [--analyze] [--show 'CROSS JOIN LATERAL']
"""
import argparse
import os
import re
import subprocess
import sys
import time
import urllib.request
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vastest import BUILD, Postgres, Sm, free_port, v, wait_until  # noqa: E402

BIG = ("dskmap", "shred", "lvolmap", "pdsk_free", "pdsklst")


def fill_sql(servers, disks, extents):
    """The cluster in bulk: ids far above what the manager hands out next."""
    per_disk = extents + 1  # extent 0 is the disk's super block
    return """
ALTER TABLE dskmap DISABLE TRIGGER dskmap_books_ins;
INSERT INTO ssvrlst (ssvrid, priority) SELECT s, 1 FROM generate_series(1, {S}) s;
INSERT INTO ipdata (ip, ssvrid) SELECT '127.50.' || (s >> 8) || '.' || (s & 255), s
  FROM generate_series(1, {S}) s;
INSERT INTO pdsklst (pdskid, ssvrid, capacity, local_path, priority)
  SELECT (s - 1) * {D} + d, s, {E} * 10 + 1, '/dev/sd' || chr(96 + d), 1
  FROM generate_series(1, {S}) s, generate_series(1, {D}) d;
INSERT INTO dskmap (dextid, pdskid, "offset", capacity, status)
  SELECT (p - 1) * {P} + e + 1, p, CASE WHEN e = 0 THEN 0 ELSE 1 + (e - 1) * 10 END,
         CASE WHEN e = 0 THEN 1 ELSE 10 END,
         CASE WHEN e = 0 THEN 5 WHEN e <= {E} / 2 THEN 2 ELSE 4 END
  FROM generate_series(1, {S} * {D}) p, generate_series(0, {E}) e;
INSERT INTO pdsk_free (pdskid, free_vb, largest_vb)
  SELECT pdskid, sum(capacity), max(capacity) FROM dskmap WHERE status = 2 GROUP BY pdskid;
ALTER TABLE dskmap ENABLE TRIGGER dskmap_books_ins;
ALTER TABLE shred DISABLE TRIGGER shred_count_track;
INSERT INTO shred (dextid, pdskid, "offset", capacity, status)
  SELECT dextid, pdskid, "offset", capacity, 1 FROM dskmap WHERE status = 4 ORDER BY dextid;
ALTER TABLE shred ENABLE TRIGGER shred_count_track;
SELECT state_counts_recount();
UPDATE idtable SET id = {N} WHERE type <> 5;
ANALYZE;
""".format(S=servers, D=disks, E=extents, P=per_disk, N=servers * disks * per_disk + 1000)


def statements(log):
    """(query text, duration ms, plan text) for every logged plan."""
    out = []
    for m in re.finditer(r"duration: ([0-9.]+) ms  plan:\n(.*?)(?=\n\S|\Z)", log, re.S):
        plan = m.group(2)
        q = re.search(r"Query Text: (.*)", plan)  # our statements are one line
        text = " ".join((q.group(1) if q else plan[:200]).split())
        out.append((text, float(m.group(1)), plan))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--disks", type=int, default=12)
    ap.add_argument("--extents", type=int, default=186, help="10 GB extents per disk")
    ap.add_argument("--volumes", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=60, help="of shred passes to log")
    ap.add_argument("--out", default="/tmp/bench_plans.log")
    ap.add_argument("--heads", type=int, default=10,
                    help="head servers the volumes are attached to, round-robin, so that "
                    "the failure queues a rebuild of each")
    ap.add_argument("--max-resync", type=int, default=1024, help="max_resync_tasks")
    ap.add_argument("--pool-servers", type=int, default=4,
                    help="the --volumes volumes go to a pool of this many servers, so that "
                    "the failed one holds ~3/4 of them (0: spread over all)")
    ap.add_argument("--analyze", action="store_true",
                    help="auto_explain.log_analyze: actual rows and times in every plan")
    ap.add_argument("--show", action="append", default=[],
                    help="print the whole plan of the slowest statement containing this text")
    a = ap.parse_args()
    pg = Postgres()
    db = pg.new_db()
    Sm(pg, db=db).start().stop()  # the schema, by the manager's own migrations
    t0 = time.monotonic()
    pg.psql(fill_sql(a.servers, a.disks, a.extents), db)
    n_ext = pg.psql("SELECT count(*) FROM dskmap", db)
    print("database: %s extents, %s shreds queued, filled in %.0f s"
          % (n_ext, pg.psql("SELECT count(*) FROM shred", db), time.monotonic() - t0))
    sport, hport, cport = free_port("127.50.0.1"), free_port("127.60.0.1"), free_port()
    # Disks and links slow enough that shreds and rebuilds stay in flight.
    sim = subprocess.Popen([os.path.join(BUILD, "test", "vas_scale_sim"), "--ssvr", str(a.servers),
                            "--hsvr", str(a.heads), "--ssvr-port", str(sport),
                            "--hsvr-port", str(hport), "--control-port", str(cport),
                            "--ssvr-base", "127.50.0.1", "--hsvr-base", "127.60.0.1",
                            "--disk-mb-s", "0.001", "--link-mb-s", "0.001"],
                           stdout=subprocess.PIPE, text=True)
    assert sim.stdout.readline().startswith("sim ready")
    ctl = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % cport)
    pg.psql("ALTER DATABASE %s SET session_preload_libraries = 'auto_explain'; "
            "ALTER DATABASE %s SET auto_explain.log_min_duration = 0" % (db, db))
    if a.analyze:
        pg.psql("ALTER DATABASE %s SET auto_explain.log_analyze = on; "
                "ALTER DATABASE %s SET auto_explain.log_buffers = on" % (db, db))
    sm = Sm(pg, db=db, ssvr_port=sport, hsvr_port=hport,
            extra={"max_connections": 16, "max_resync_tasks": a.max_resync,
                   "resync_poll_ms": 1000}).start()
    s = sm.proxy()
    heads = [s.registerHeadServer(v(ip_data=["127.60.0.%d" % (i + 1)])) for i in range(a.heads)]
    try:
        wait_until(lambda: sm.sql("SELECT count(*) FROM shred WHERE status = 2")
                   == str(a.servers * a.disks), a.seconds, 1.0)
        print("shreds in flight: %s" % sm.sql("SELECT count(*) FROM shred WHERE status = 2"))
        t = []
        for i in range(5):
            s0 = time.perf_counter()
            lv = s.createLogicalVolume(v(lvolname="tb%d" % i, capacity=1024, redundancy=3))
            t.append(time.perf_counter() - s0)
            s.deleteLogicalVolume(v(lvolid=lv))
        print("createLogicalVolume 1 TB x3 (every statement logged): %s s"
              % " ".join("%.2f" % x for x in t))
        opt = {}
        if a.pool_servers:
            s.createPool(v(pool="few"))
            for i in range(1, a.pool_servers + 1):
                s.setStoragePool(v(pool="few", ssvrid=i))
            opt = {"pool": "few"}
        for i in range(a.volumes):
            lv = s.createLogicalVolume(v(lvolname="f%d" % i, capacity=10, redundancy=3, **opt))
            if heads:
                s.attachLogicalVolume(v(lvolid=lv, hsvrid=heads[i % len(heads)]))
        s.listLogicalVolumes(v())
        s.listStorageServers(v())
        s.listPhysicalDisks(v())
        victim = int(sm.sql("SELECT p.ssvrid FROM lvolmap m JOIN dskmap d USING (dextid) "
                            "JOIN pdsklst p USING (pdskid) GROUP BY 1 ORDER BY count(*) DESC "
                            "LIMIT 1"))
        legs = sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) JOIN "
                      "pdsklst p USING (pdskid) WHERE p.ssvrid = %d" % victim)
        s0 = time.perf_counter()
        s.notifyFailure(v(target=2, targetid=victim))
        print("notifyFailure of a server with %s legs: %.2f s" % (legs, time.perf_counter() - s0))
        urllib.request.urlopen("http://127.0.0.1:%d/metrics" % sm.port, timeout=60).read()
        time.sleep(3)  # a few more worker passes after the failure
        if heads:
            # Rebuild upkeep passes (one a second) with the failure's rebuilds
            # running and queued.
            time.sleep(8)
            print("rebuilds: %s" % sm.sql("SELECT string_agg(status || ': ' || n, ', ') FROM "
                                         "(SELECT status, count(*) n FROM resync GROUP BY 1) x"))
    finally:
        s("close")()
        sm.stop()
        ctl.simStop({})
        sim.wait(10)
    with open(os.path.join(pg.dir, "log")) as f:
        log = f.read()
    with open(a.out, "w") as f:
        f.write(log)
    pg.stop()
    seen = {}
    for text, ms, plan in statements(log):
        key = re.sub(r"\$\d+|\d+", "N", text)[:400]
        bad = sorted(set(t for t in re.findall(r"Seq Scan on (\w+)", plan) if t in BIG))
        old = seen.get(key)
        if not old or ms > old[1]:
            seen[key] = (text, ms, bad, (old[3] if old else 0) + 1)
        else:
            seen[key] = (old[0], old[1], old[2], old[3] + 1)
    print("%d distinct statements (plans in %s); slowest first:" % (len(seen), a.out))
    for text, ms, bad, n in sorted(seen.values(), key=lambda x: -x[1]):
        print("  %8.1f ms  x%-5d %-34s %s" % (ms, n, ("SEQ SCAN " + ",".join(bad)) if bad
                                            else "index-driven", text[:150]))
    for want in a.show:
        runs = [(ms, plan) for text, ms, plan in statements(log) if want in text]
        if not runs:
            print("no statement contains %r" % want)
            continue
        ms = sorted(x[0] for x in runs)
        print("%r: %d runs, median %.1f ms, slowest %.1f ms; its plan:\n%s"
              % (want, len(runs), ms[len(ms) // 2], ms[-1], max(runs)[1]))


if __name__ == "__main__":
    main()
