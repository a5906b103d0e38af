#!/usr/bin/env python3
"""What PostgreSQL alone needs per create+delete cycle (issue 13), printed,
not asserted: the statements vas_sm sends for one createLogicalVolume +
deleteLogicalVolume (cycle_pg.sql, taken from the manager's statement log)
replayed by pgbench at N clients, with the manager's advisory lock, but
without the manager, HTTP or wrk. The schema and the three storage servers
are made by a vas_sm of the build, which is then stopped.

Prints cycles/s and the CPU ms per cycle of all PostgreSQL processes and of
pgbench; with --cpus the server and pgbench run on those cores only
(taskset), to show how the rate scales with cores.

Usage: VAS_BUILD_DIR=build/release python3 test/bench/bench_pg_floor.py
       [--clients 16] [--seconds 8] [--runs 3] [--cpus 0|0,1]
       [--takes legs|one] [--baseline OTHER_BUILD_DIR]
--takes legs: one booking statement per leg (the manager before
migration 012); one: the three legs in one statement (db_alloc.c now).
With --baseline the two builds' databases alternate, each with the takes
its manager sends (the baseline: legs)."""
import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import vastest  # noqa: E402
from vastest import FakeAgent, Postgres, PG_BIN, free_port  # noqa: E402
import bench_http  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "..", "sm"))

LEG_TAKE = ('WITH pick AS (SELECT dextid, "offset", capacity FROM dskmap '
            'WHERE pdskid = %d AND status = 2 ORDER BY capacity DESC, '
            '"offset" LIMIT 1 FOR UPDATE), taken AS (UPDATE dskmap d SET '
            'status = 1, capacity = 10 FROM pick WHERE d.dextid = pick.dextid '
            'AND pick.capacity >= 10 RETURNING d.dextid) SELECT pick.dextid '
            'AS d%d, pick."offset", pick.capacity, COALESCE((SELECT x.capacity '
            'FROM dskmap x WHERE x.pdskid = %d AND x.status = 2 AND x.dextid '
            '<> pick.dextid ORDER BY x.capacity DESC LIMIT 1), 0) FROM pick\n'
            '\\gset\n')


def one_take():
    """The manager's batched booking statement (db_alloc.c TAKE_SQL),
    turned into one row of d1, d2, d3 for \\gset."""
    src = open(os.path.join(HERE, "..", "..", "sm", "db", "db_alloc.c")).read()
    m = re.search(r"#define TAKE_SQL\s*\\\n(.*?)\n\n", src, re.S)
    sql = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1)))
    sql = sql.replace('\\"', '"').replace("$1", "'{1,2,3}'::int[]").replace("$2", "10")
    head = sql[:sql.index(" SELECT pick.n")]
    return (head + " SELECT (SELECT dextid FROM pick WHERE n = 1) AS d1, (SELECT "
            "dextid FROM pick WHERE n = 2) AS d2, (SELECT dextid FROM pick WHERE n = 3) "
            "AS d3\n\\gset\n")


def script(takes, path):
    body = open(os.path.join(HERE, "cycle_pg.sql")).read()
    if takes == "legs":
        t = "".join(LEG_TAKE % (i, i, i) for i in (1, 2, 3))
    else:
        t = one_take()
    with open(path, "w") as f:
        f.write(body.replace("--TAKES--\n", t))


def pg_cpu(pg):
    """CPU seconds of PostgreSQL so far: its live processes and the
    backends that exited (reaped by the postmaster: its children's time)."""
    pids = bench_http.postgres_pids(pg)
    with open("/proc/%d/stat" % pids[0]) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    reaped = (int(fields[13]) + int(fields[14])) / bench_http.TICK
    return reaped + sum(bench_http.cpu_s(p) for p in pids)


STRIP = {
    "triggers": "SELECT format('DROP TRIGGER %I ON %I', t.tgname, c.relname) "
                "FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal",
    "fks": "SELECT format('ALTER TABLE %I DROP CONSTRAINT %I', c.relname, "
           "k.conname) FROM pg_constraint k JOIN pg_class c ON c.oid = "
           "k.conrelid WHERE k.contype = 'f'",
}


def strip(sm, what):
    for w in filter(None, what.split(",")):
        for stmt in filter(None, sm.sql(STRIP[w]).splitlines()):
            sm.sql(stmt)


def pin(pids, cpus):
    for p in pids:
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(p)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(pg, db, path, a):
    pids = bench_http.postgres_pids(pg)
    if a.cpus:
        pin(pids, a.cpus)
    cmd = ([] if not a.cpus else ["taskset", "-c", a.cpus]) + [
        PG_BIN + "/pgbench", "-n", "-M", "prepared", "-c", str(a.clients),
        "-j", str(min(a.clients, 2)), "-T", str(a.seconds), "-f", path,
        "-D", "epoch=none", "-D", "xmin=0", "-h", pg.dir, "-U", "vas", db]
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    before = pg_cpu(pg)
    r = subprocess.run(cmd + a.pgbench_args, capture_output=True, text=True)
    time.sleep(0.5)  # the backends exit and are reaped
    after = pg_cpu(pg)
    kids2 = resource.getrusage(resource.RUSAGE_CHILDREN)
    m = re.search(r"number of transactions actually processed: (\d+)", r.stdout)
    tps = re.search(r"tps = ([\d.]+)", r.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", r.stdout)
    if a.pgbench_args:
        print(r.stdout)
    if r.returncode or not m:
        raise RuntimeError("pgbench failed:\n" + r.stdout + r.stderr)
    n = int(m.group(1))
    bench = (kids2.ru_utime + kids2.ru_stime) - (kids.ru_utime + kids.ru_stime)
    return {"rate": float(tps.group(1)), "pg": 1000 * (after - before) / n,
            "bench": 1000 * bench / n, "failed": int(failed.group(1)) if failed else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cpus", help="cores for PostgreSQL and pgbench, e.g. 0")
    ap.add_argument("--takes", choices=("legs", "one"), default="one")
    ap.add_argument("--baseline", metavar="BUILD_DIR")
    ap.add_argument("--strip", default="",
                    help="what to drop from the schema first, to price it: "
                    "comma-separated triggers (every trigger of the schema), "
                    "fks (every foreign key)")
    ap.add_argument("--pgbench-args", nargs="*", default=[],
                    help="more pgbench arguments, e.g. -r")
    a = ap.parse_args()
    pg = Postgres()
    ssvr_port = free_port("127.0.0.11")
    agents = [FakeAgent("127.0.0.%d" % (11 + i), ssvr_port) for i in range(3)]
    setups = [("this", vastest.BUILD, a.takes)]
    if a.baseline:
        setups.append(("baseline", a.baseline, "legs"))
    dbs = []
    try:
        for name, build, takes in setups:
            sm = bench_http.start_sm(pg, build, ssvr_port, {"shred_poll_ms": 100})
            sm.stop()
            strip(sm, a.strip)
            path = os.path.join(pg.dir, "cycle_%s.sql" % name)
            script(takes, path)
            dbs.append((name, sm.db, path, takes))
        print("%d clients, %d s per run, %d runs; cores %s; stripped: %s; load average %.1f"
              % (a.clients, a.seconds, a.runs, a.cpus or "all", a.strip or "nothing",
                 os.getloadavg()[0]))
        res = {name: [] for name, *_ in dbs}
        for _ in range(a.runs):
            for name, db, path, _t in dbs:
                time.sleep(1)
                res[name].append(run(pg, db, path, a))
        for name, db, path, takes in dbs:
            rs = res[name]
            print("%-8s takes=%-4s cycles/s: min %6.0f median %6.0f   CPU ms per "
                  "cycle: postgres %.3f  pgbench %.3f   failed %d"
                  % (name, takes, min(r["rate"] for r in rs),
                     statistics.median(r["rate"] for r in rs),
                     statistics.median(r["pg"] for r in rs),
                     statistics.median(r["bench"] for r in rs),
                     sum(r["failed"] for r in rs)))
        print("load average at the end: %.1f" % os.getloadavg()[0])
    finally:
        for ag in agents:
            ag.stop()
        pg.stop()


if __name__ == "__main__":
    main()
