#!/usr/bin/env python3
"""Request-path load figures of vas_sm with wrk (issue 13), printed, not
asserted: requests/s and p50/p99 latency at 1, 16 and 200 connections for
a read mix (listHeadServers, listLogicalVolumes on an empty manager) and a
write mix (createLogicalVolume + deleteLogicalVolume of the same volume,
one cycle = two requests, on three storage servers). Each figure is run
several times; min and median are printed, since a shared machine makes
single runs vary.

With --cpu, each figure also gets the CPU time (user + system) per
request (per cycle for the write mix) of vas_sm, of all PostgreSQL
processes and of wrk: what bounds the rate when the cores are busy.

Usage: VAS_BUILD_DIR=build/release python3 test/bench/bench_http.py
       [--runs N] [--seconds S] [--conns 1,16,200] [--only read|write]
       [--baseline OTHER_BUILD_DIR [--baseline-sql SQL]] [--cpu]"""
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
import vastest  # noqa: E402
from vastest import FakeAgent, Postgres, Sm, free_port, v  # noqa: E402

# The 3.0 figures measured in issue 13 (Python 2 + SQLite, same machine).
REFERENCE = {
    ("listHeadServers", 1): "2728 req/s, p99 1.6 ms",
    ("listLogicalVolumes", 1): "2759 req/s",
    ("listLogicalVolumes", 16): "1859 req/s",
    ("listHeadServers", 200): "1885 req/s, p99 526 ms, 12 errors",
    ("cycle", 16): "217 cycles/s",
}
RESULT = re.compile(r"RESULT requests=(\d+) duration_us=(\d+) p50_us=(\d+) "
                    r"p99_us=(\d+) errors=(\d+) faults=(\d+)")


TICK = os.sysconf("SC_CLK_TCK")


def cpu_s(pid):
    """User + system CPU seconds of a process so far (0 if gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def postgres_pids(pg):
    """The postmaster of pg and its children (backends, walwriter...)."""
    with open(os.path.join(pg.dir, "data", "postmaster.pid")) as f:
        master = int(f.readline())
    pids = [master]
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/stat" % d) as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == master:
                        pids.append(int(d))
            except OSError:
                pass
    return pids


def cpu_sample(sm, pg):
    """CPU seconds so far of vas_sm, of PostgreSQL, of finished children
    (wrk)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (cpu_s(sm.proc.pid), sum(cpu_s(p) for p in postgres_pids(pg)),
            kids.ru_utime + kids.ru_stime)


def wrk(url, conns, seconds, threads, args, sample=None):
    # Calls a client gave up on at the end of the previous run still
    # hold their connections until they are served: let them drain, or
    # the new run's connections meet max_connections_per_peer.
    time.sleep(3)
    before = sample() if sample else None
    cmd = ["wrk", "-t", str(threads), "-c", str(conns), "-d", "%ds" % seconds,
           "--timeout", "10s", "-s", os.path.join(HERE, "wrk_rpc.lua"), url, "--"] + args
    r = subprocess.run(cmd, capture_output=True, text=True)
    m = RESULT.search(r.stdout)
    if r.returncode or not m:
        raise RuntimeError("wrk failed:\n" + r.stdout + r.stderr)
    req, dur, p50, p99, err, faults = (int(x) for x in m.groups())
    out = {"rate": req / (dur / 1e6), "p50": p50 / 1000, "p99": p99 / 1000,
           "errors": err, "faults": faults, "requests": req}
    if sample:
        out["cpu"] = [y - x for x, y in zip(before, sample())]
    return out


def report(label, runs, unit="req/s", per=1):
    rates = sorted(r["rate"] / per for r in runs)
    if all("cpu" in r for r in runs):
        done = sum(r["requests"] for r in runs) / per
        print("%-28s CPU ms per %s: vas_sm %.3f  postgres %.3f  wrk %.3f"
              % (label, unit.split("/")[0].rstrip("s"),
                 *(1000 * sum(r["cpu"][i] for r in runs) / done for i in range(3))))
    p99s = sorted(r["p99"] for r in runs)
    p50s = sorted(r["p50"] for r in runs)
    print("%-28s %s: min %8.0f  median %8.0f   p50 median %6.2f ms   "
          "p99 min %6.2f median %6.2f ms   errors %d faults %d"
          % (label, unit, rates[0], statistics.median(rates), statistics.median(p50s),
             p99s[0], statistics.median(p99s), sum(r["errors"] for r in runs),
             sum(r["faults"] for r in runs)), flush=True)


def reference(key):
    if key in REFERENCE:
        print("%-28s 3.0: %s" % ("", REFERENCE[key]))


def start_sm(pg, build, ssvr_port, extra):
    """A vas_sm of build on its own database, with three storage servers
    whose disks are FREE (zeroing 9000 extents through agents is not what
    is measured; the room outlasts the volumes each run leaves behind)."""
    vastest.BUILD = build
    sm = Sm(pg, ssvr_port=ssvr_port, extra=extra).start()
    s = sm.proxy()
    for i in range(3):
        sid = s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
        s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                 capacity=str(30000 * 2099200 + 1)))
    # Under the manager's mutation lock: its shred worker is at it too.
    sm.sql("BEGIN; SELECT pg_advisory_xact_lock(5652819); DELETE FROM shred; "
           "UPDATE dskmap SET status = 2 WHERE status = 4; COMMIT")
    s("close")()
    return sm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--conns", default="1,16,200")
    ap.add_argument("--only", choices=("read", "write"))
    ap.add_argument("--baseline", metavar="BUILD_DIR",
                    help="another build to measure, its runs alternating "
                    "with this one's so that both see the same load")
    ap.add_argument("--baseline-sql", metavar="SQL",
                    help="run on the baseline's database once it is up, e.g. "
                    "'DROP TRIGGER shred_work_queued ON shred' to price sql/013's NOTIFY "
                    "with --baseline the same build")
    ap.add_argument("--cpu", action="store_true",
                    help="print CPU time per request of vas_sm, PostgreSQL, wrk")
    ap.add_argument("--sm-option", action="append", default=[],
                    help="extra [storage_manager] key=value")
    a = ap.parse_args()
    conns = [int(c) for c in a.conns.split(",")]
    extra = {"shred_poll_ms": 100, "server_check_interval": 0}
    for kv in a.sm_option:
        k, val = kv.split("=", 1)
        extra[k] = val
    builds = [("this", vastest.BUILD)] + ([("baseline", a.baseline)] if a.baseline else [])
    pg = Postgres()
    ssvr_port = free_port("127.0.0.11")
    agents = [FakeAgent("127.0.0.%d" % (11 + i), ssvr_port) for i in range(3)]
    sms = []
    try:
        for name, build in builds:
            sms.append((name, start_sm(pg, build, ssvr_port, extra)))
            if name == "baseline" and a.baseline_sql:
                sms[-1][1].sql(a.baseline_sql)
                print("baseline: %s" % a.baseline_sql)
            print("%-8s vas_sm %s" % (name, sms[-1][1].proc.args[0]))
        print("%d s per run, %d runs per figure; load average %.1f"
              % (a.seconds, a.runs, os.getloadavg()[0]))

        def figure(label, threads, args, unit="req/s", per=1):
            runs = {name: [] for name, _ in sms}
            for r in range(a.runs):
                for name, sm in sms:
                    url = "http://127.0.0.1:%d/RPC2" % sm.port
                    runs[name].append(wrk(url, c, a.seconds, threads,
                                          [x % r if "%" in x else x for x in args],
                                          (lambda sm=sm: cpu_sample(sm, pg)) if a.cpu
                                          else None))
            for name, _ in sms:
                report("%s, %d%s" % (label, c, "" if len(sms) == 1 else " " + name),
                       runs[name], unit, per)
            return runs

        if a.only != "write":
            for method in ("listHeadServers", "listLogicalVolumes"):
                for c in conns:
                    figure(method, min(c, 2), ["call", method])
                    reference((method, c))
        if a.only != "read":
            for c in conns:
                figure("create+delete", c, ["cycle", "r%%dc%d" % c], "cycles/s", 2)
                reference(("cycle", c))
        print("load average at the end: %.1f (2 cores, shared)" % os.getloadavg()[0])
    finally:
        for _, sm in sms:
            sm.stop()
        for ag in agents:
            ag.stop()
        pg.stop()

if __name__ == "__main__":
    main()
