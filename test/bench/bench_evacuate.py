#!/usr/bin/env python3
"""notifyFailure of a storage server holding legs of --volumes volumes on a
cluster of issue 14's size, repeated on one database so that builds can be
compared run for run (printed, not asserted).

The cluster is made once, as bench_scale.py makes it: 3 servers in bulk,
--volumes volumes of 10 GiB x3 (each with a leg on server 1) created and
attached through the API to head servers played by vas_scale_sim, then the
other servers in bulk (12 disks of 186 extents of 10 VB each: 2 244 000
extent rows at 1 000 servers). That database is the template of every run:
a copy, a fresh vas_sm of the build on it, notifyFailure of server 1 and
the manager's own timing lines (the evacuation's steps, the lock held).
Builds alternate run by run.

Usage (inside /work/bin/iso, under flock /work/wt/bench.lock):
  python3 test/bench/bench_evacuate.py --build build/release \\
      --build /work/wt/other/build/release [--servers 1000] [--runs 3]
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import time
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
sys.path.insert(0, os.path.dirname(__file__))
import vastest  # noqa: E402
from vastest import Postgres, Sm, free_port, v  # noqa: E402
import bench_scale  # noqa: E402

STEP = re.compile(r"evacuation of (\d+) legs: read (\d+) ms, disks (\d+) ms, placed (\d+) ms, "
                  r"taken (\d+) ms, swapped (\d+) ms")
HELD = re.compile(r"failure recorded: target 2 id 00000001 \((?:lock waited|before the lock) (\d+) ms, held (\d+) ms")


class Bulk:
    """What bench_scale.Run.bulk_register reads from its run."""

    def __init__(self, sm, disks, extents):
        self.sm, self.registered = sm, {}
        self.a = argparse.Namespace(bulk_extents=extents, queued=0, disks=disks)


class Kept(Postgres):
    """The PostgreSQL of an earlier --keep run."""

    def __init__(self, path, template):
        self.dir, self.template, self.counter = path, template, 0
        self.as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def make_template(pg, a, sport, hport):
    db = pg.new_db()
    sm = Sm(pg, db=db, ssvr_port=sport, hsvr_port=hport,
            extra={"max_connections": 32}).start()
    try:
        bench_scale.PROXY = sm.proxy
        s = sm.proxy()
        heads = [s.registerHeadServer(v(ip_data=[bench_scale.addr("127.60.0.1", i)]))
                 for i in range(a.heads)]
        bulk = Bulk(sm, a.disks, a.extents)
        bench_scale.Run.bulk_register(bulk, 0, 3)
        vols = [x for x in bench_scale.parallel(["f%d" % i for i in range(a.volumes)],
                lambda p, n: p.createLogicalVolume(v(lvolname=n, capacity=10, redundancy=3)))
                if x]
        bench_scale.parallel(list(enumerate(vols)), lambda p, iv: p.attachLogicalVolume(
            v(lvolid=iv[1], hsvrid=heads[iv[0] % len(heads)])))
        bench_scale.Run.bulk_register(bulk, 3, a.servers)
        sm.sql("VACUUM ANALYZE")
        s("close")()
    finally:
        sm.stop()
    return db


def one_run(pg, template, build, k, sport, hport, log_ms, explain_ms):
    db = "run_%d" % k
    pg.psql("CREATE DATABASE %s TEMPLATE %s" % (db, template))
    # A fresh copy starts with nothing in PostgreSQL's buffers; a running
    # manager's database has what the booking reads there (but dskmap).
    pg.psql("CREATE EXTENSION IF NOT EXISTS pg_prewarm; SELECT sum(pg_prewarm(c)) FROM "
            "unnest(ARRAY['lvolmap', 'lvollst', 'pdsklst', 'ssvrlst', 'pdsk_free', 'attach', "
            "'assoc', 'resync', 'pool', 'shred', 'dskmap_pkey', 'dskmap_free', "
            "'lvolmap_children', 'lvolmap_dextid_key']::regclass[]) c", db)
    if log_ms >= 0:
        pg.psql("ALTER DATABASE %s SET log_min_duration_statement = %d" % (db, log_ms))
    if explain_ms >= 0:
        pg.psql("ALTER DATABASE %s SET session_preload_libraries = 'auto_explain'; "
                "ALTER DATABASE %s SET auto_explain.log_min_duration = %d; "
                "ALTER DATABASE %s SET auto_explain.log_analyze = on"
                % (db, db, explain_ms, db))
    vastest.BUILD = build
    sm = Sm(pg, db=db, ssvr_port=sport, hsvr_port=hport,
            extra={"max_connections": 32}).start()
    try:
        legs = int(sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) "
                          "JOIN pdsklst p USING (pdskid) WHERE p.ssvrid = 1"))
        s = sm.proxy()
        t0 = time.monotonic()
        s.notifyFailure(v(target=2, targetid=1))
        call = time.monotonic() - t0
        left = int(sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) "
                          "JOIN pdsklst p USING (pdskid) WHERE p.ssvrid = 1"))
        s("close")()
    finally:
        sm.stop()
        log = sm.logtext()
        pg.psql("DROP DATABASE %s" % db)
    steps = [int(x) for x in STEP.search(log).groups()] if STEP.search(log) else None
    held = HELD.search(log)
    return {"legs": legs, "left": left, "call": call, "steps": steps,
            "held": int(held.group(2)) if held else None}


def load():
    return os.getloadavg()[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", action="append", required=True, help="build dir (repeat: A/B)")
    ap.add_argument("--servers", type=int, default=1000)
    ap.add_argument("--disks", type=int, default=12)
    ap.add_argument("--extents", type=int, default=186)
    ap.add_argument("--volumes", type=int, default=1000)
    ap.add_argument("--heads", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3, help="per build")
    ap.add_argument("--pg-log-ms", type=int, default=-1,
                    help="log the manager's statements slower than this to PostgreSQL's log")
    ap.add_argument("--explain-ms", type=int, default=-1,
                    help="log the plans of the manager's statements slower than this")
    ap.add_argument("--keep", action="store_true",
                    help="leave PostgreSQL and the template up (for --reuse, psql -h DIR)")
    ap.add_argument("--reuse", metavar="DIR:DB", help="the PostgreSQL and template of a "
                    "--keep run instead of making one (stop it: pg_ctl -D DIR/data stop)")
    a = ap.parse_args()
    builds = [os.path.abspath(b) for b in a.build]
    pg = Kept(*a.reuse.split(":")) if a.reuse else Postgres()
    sport, hport, cport = (free_port("127.50.0.1"), free_port("127.60.0.1"), free_port())
    sim = subprocess.Popen(
        [os.path.join(builds[0], "test", "vas_scale_sim"), "--ssvr", str(a.servers), "--hsvr",
         str(a.heads), "--ssvr-port", str(sport), "--hsvr-port", str(hport), "--control-port",
         str(cport), "--disk-mb-s", "200", "--link-mb-s", "10000"],
        stdout=subprocess.PIPE, text=True)
    assert sim.stdout.readline().startswith("sim ready")
    try:
        vastest.BUILD = builds[0]
        t0 = time.monotonic()
        template = pg.template if a.reuse else make_template(pg, a, sport, hport)
        print("template: %s extents, %s volumes attached, made in %.0f s" % (
            pg.psql("SELECT count(*) FROM dskmap", template),
            pg.psql("SELECT count(*) FROM attach", template),
            time.monotonic() - t0))
        res = {b: [] for b in builds}
        k = 0
        for _ in range(a.runs):
            for b in builds:
                k += 1
                r = one_run(pg, template, b, k, sport, hport, a.pg_log_ms, a.explain_ms)
                res[b].append(r)
                st = r["steps"] or [0] * 6
                print("  %-40s legs %d (left %d) call %.3f s, lock held %s ms; read %d, disks "
                      "%d, placed %d, taken %d, swapped %d ms  load %.1f"
                      % (b[-40:], r["legs"], r["left"], r["call"], r["held"], st[1], st[2],
                         st[3], st[4], st[5], load()), flush=True)
        for b in builds:
            calls = [r["call"] for r in res[b]]
            print("%s: call median %.3f s (min %.3f, max %.3f)"
                  % (b, statistics.median(calls), min(calls), max(calls)))
        if a.keep:
            print("kept: --reuse %s:%s" % (pg.dir, template))
    finally:
        xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % cport).simStop({})
        sim.wait(10)
        if not a.keep and not a.reuse:
            pg.stop()


if __name__ == "__main__":
    main()
