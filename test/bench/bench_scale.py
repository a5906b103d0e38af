#!/usr/bin/env python3
"""Scale figures of issue 14, printed, not asserted. Runs vas_sm against
vas_scale_sim (test/bench/sim/), which plays every storage and head server
of the cluster on 127.50.x.y / 127.60.x.y, and for each cluster size:

  1. registers 3 storage servers (whose disks the simulator makes 100 times
     faster, to save time), waits until their disks are FREE, creates
     --volumes volumes of 10 GiB x3 (every one with a leg on server 1) and
     attaches them round-robin to the head servers;
  2. starts the API load (--load-conns connections, --load-rate requests/s,
     --load-writes percent of them create/delete), registers the others and waits
     until every extent is FREE: per disk, time from its registration to
     its last extent FREE, against the limit disk size / disk rate;
  3. createLogicalVolume 1 TB x3, p50/p99 of --creates calls (also right
     after registration, while every disk shreds);
  4. notifyFailure of server 1: time until the call returned (replacements
     booked), until every volume is back to full redundancy (against the
     head links' limit), and how the rebuilds spread over target disks;
  5. the API load's latency over phases 2-4, and the health poller's
     coverage (every server asked every server_check_interval).

With --bulk-extents E --queued 3,6 a run is made for each number of
extents left per disk, and the worst disk's all-FREE times are fitted to
a + b N (b: an extent's turn, a: the start-up) and extrapolated to the
whole disk's E extents, which no run here can take.

Usage (inside /work/bin/iso):
  VAS_BUILD_DIR=build/release python3 test/bench/bench_scale.py \\
      [--servers 100,1000] [--disks 12] [--disk-gb 2000] [--disk-mb-s 1000]
      [--heads 10] [--link-mb-s 1000] [--volumes 1000] [--creates 20]
      [--load-conns 200] [--load-rate 200] [--check-interval 30]
      [--sm key=value ...]
"""
import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
import xmlrpc.client

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from vastest import BUILD, Postgres, Sm, free_port, v, wait_until  # noqa: E402

VB_BYTES = 1025 * 2**20
SECTOR = 512


def addr(base, i):
    a, b, c, d = (int(x) for x in base.split("."))
    n = (b << 16 | c << 8 | d) + i
    assert a == 127 and n < 1 << 24, "only 127.0.0.0/8"
    return "127.%d.%d.%d" % (n >> 16 & 255, n >> 8 & 255, n & 255)


def parallel(items, fn, threads=4):
    """fn(proxy, item) for every item on `threads` connections; results."""
    out, lock, it = [None] * len(items), threading.Lock(), iter(range(len(items)))
    errors = []

    def work(p):
        while True:
            with lock:
                i = next(it, None)
            if i is None:
                return
            try:
                out[i] = fn(p, items[i])
            except Exception as e:  # reported below, the run goes on
                errors.append((items[i], e))

    ths = [threading.Thread(target=work, args=(mk(),)) for mk in [PROXY] * threads]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    if errors:
        print("  %d calls failed, first: %r" % (len(errors), errors[0]))
    return out


PROXY = None


class Run:
    def __init__(self, a, n):
        global PROXY
        self.a, self.n = a, n
        self.pg = Postgres()
        self.sport, self.hport = free_port("127.50.0.1"), free_port("127.60.0.1")
        self.cport = free_port()
        self.sim = subprocess.Popen(
            [os.path.join(BUILD, "test", "vas_scale_sim"), "--ssvr", str(n), "--hsvr", str(a.heads),
             "--ssvr-port", str(self.sport), "--hsvr-port", str(self.hport),
             "--control-port", str(self.cport), "--disk-mb-s", str(a.disk_mb_s),
             "--link-mb-s", str(a.link_mb_s), "--fast-first", "3", "--fast-factor", "100"],
            stdout=subprocess.PIPE, text=True)
        line = self.sim.stdout.readline()
        assert line.startswith("sim ready"), line
        # The harness's test timings replaced by the daemon's defaults.
        extra = {"max_connections": a.max_connections, "server_check_interval": a.check_interval,
                 "agent_timeout_ms": 10000, "attach_poll_ms": None, "op_timeout": None,
                 "shred_poll_ms": a.shred_poll_ms or None}
        for kv in a.sm:
            k, val = kv.split("=", 1)
            extra[k] = val
        db = self.pg.new_db()
        if a.explain_ms:
            # Plans of the manager's slow statements go to PostgreSQL's log.
            self.pg.psql("ALTER DATABASE %s SET session_preload_libraries = 'auto_explain'; "
                         "ALTER DATABASE %s SET auto_explain.log_min_duration = %d; "
                         "ALTER DATABASE %s SET auto_explain.log_analyze = on"
                         % (db, db, a.explain_ms, db))
        if a.pg_log_ms:
            # Slow statements and waits for a lock (who holds it, who
            # queues) to PostgreSQL's log, each line with its process.
            self.pg.psql("ALTER DATABASE %s SET log_min_duration_statement = %d; "
                         "ALTER DATABASE %s SET log_lock_waits = on; "
                         "ALTER DATABASE %s SET deadlock_timeout = %d"
                         % (db, a.pg_log_ms, db, db, a.pg_log_ms))
            self.pg.psql("ALTER SYSTEM SET log_line_prefix = '%m [%p] '")
            self.pg.psql("SELECT pg_reload_conf()")
        self.sm = Sm(self.pg, db=db, extra=extra, ssvr_port=self.sport,
                     hsvr_port=self.hport).start()
        PROXY = self.sm.proxy
        self.s = self.sm.proxy()
        self.ctl = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % self.cport)
        self.disk_sectors = str(int(a.disk_gb * 1e9) // SECTOR)
        self.registered = {}  # pdskid -> time registered
        self.hsvrids = [self.s.registerHeadServer(v(ip_data=[addr("127.60.0.1", i)]))
                        for i in range(a.heads)]

    def stats(self):
        return self.ctl.simStats({})

    def register(self, first, last):
        def one(p, i):
            sid = p.registerStorageServer(v(ip_data=[addr("127.50.0.1", i)]))
            for d in range(self.a.disks):
                pd = p.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sd%s" % chr(97 + d),
                                              capacity=self.disk_sectors))
                self.registered[pd] = time.monotonic()
            return sid
        return parallel(list(range(first, last)), one, self.a.reg_threads)

    def bulk_register(self, first, last):
        """Servers first..last-1 written into the database in one transaction
        under the manager's mutation lock, as registration would leave them:
        every disk --bulk-extents extents of 10 VB, the last --queued of them
        OFFLINE with their shred queued, the others FREE already (zeroed
        before), with their counts by state (sql/009). Seconds instead of
        the ~20 minutes 12 000 registerPhysicalDisk calls take; the manager's shred worker finds the queue on its next
        pass as it finds a registration's."""
        E, Q, D = self.a.bulk_extents, self.a.queued if first >= 3 else 0, self.a.disks
        n = last - first
        sql = """
BEGIN;
SELECT pg_advisory_xact_lock(5652819);
CREATE TEMP TABLE ids ON COMMIT DROP AS SELECT
  (SELECT id FROM idtable WHERE type = 4 FOR UPDATE) s0,
  (SELECT id FROM idtable WHERE type = 3 FOR UPDATE) p0,
  (SELECT id FROM idtable WHERE type = 2 FOR UPDATE) x0;
ALTER TABLE dskmap DISABLE TRIGGER {BOOKS};
INSERT INTO ssvrlst (ssvrid, priority) SELECT s0 + s, 1 FROM ids, generate_series(0, {N} - 1) s;
INSERT INTO ipdata (ip, ssvrid) SELECT ip, s0 + s FROM ids, (VALUES {IPS}) AS a(s, ip);
INSERT INTO pdsklst (pdskid, ssvrid, capacity, local_path, priority)
  SELECT p0 + s * {D} + d, s0 + s, {E} * 10, '/dev/sd' || chr(97 + d), 1
  FROM ids, generate_series(0, {N} - 1) s, generate_series(0, {D} - 1) d;
INSERT INTO dskmap (dextid, pdskid, "offset", capacity, status)
  SELECT x0 + p * ({E} + 1) + e, p0 + p, e * 10, CASE WHEN e = {E} THEN 1 ELSE 10 END,
         CASE WHEN e = {E} THEN 5 WHEN e < {E} - {Q} THEN 2 ELSE 4 END
  FROM ids, generate_series(0, {N} * {D} - 1) p, generate_series(0, {E}) e;
INSERT INTO pdsk_free (pdskid, free_vb, largest_vb, ext_free, ext_offline, ext_super,
                       shred_pending)
  SELECT p0 + p, ({E} - {Q}) * 10, CASE WHEN {E} > {Q} THEN 10 ELSE 0 END, {E} - {Q}, {Q}, 1, {Q}
  FROM ids, generate_series(0, {N} * {D} - 1) p;
ALTER TABLE dskmap ENABLE TRIGGER {BOOKS};
ALTER TABLE shred DISABLE TRIGGER shred_count_track;
INSERT INTO shred (dextid, pdskid, "offset", capacity, status)
  SELECT dextid, pdskid, "offset", capacity, 1 FROM dskmap, ids
  WHERE status = 4 AND dextid >= x0 ORDER BY dextid;
ALTER TABLE shred ENABLE TRIGGER shred_count_track;
UPDATE idtable SET id = id + CASE type WHEN 4 THEN {N} WHEN 3 THEN {N} * {D}
  ELSE {N} * {D} * ({E} + 1) END WHERE type IN (2, 3, 4);
COMMIT;
ANALYZE;
SELECT p.pdskid FROM pdsklst p JOIN ssvrlst s USING (ssvrid) JOIN ipdata i USING (ssvrid)
  WHERE i.ip IN ({IPLIST});
""".format(N=n, D=D, E=E, Q=Q, BOOKS=self.books_trigger(),
           IPS=",".join("(%d,'%s')" % (i - first, addr("127.50.0.1", i))
                        for i in range(first, last)),
           IPLIST=",".join("'%s'" % addr("127.50.0.1", i) for i in range(first, last)))
        out = self.sm.sql(sql)
        now = time.monotonic()
        for line in out.split():
            if line.isdigit():
                self.registered[int(line)] = now
        return n

    def books_trigger(self):
        """dskmap's insert trigger that keeps the per-disk books: its name
        since sql/012, or the row trigger of earlier builds (so an older
        build can be measured by this script for an A/B)."""
        return self.sm.sql("SELECT tgname FROM pg_trigger WHERE tgrelid = 'dskmap'::regclass "
                           "AND tgname IN ('dskmap_books_ins', 'dskmap_free_track')")

    def wait_free(self, timeout):
        return wait_until(lambda: self.sm.sql("SELECT NOT EXISTS (SELECT 1 FROM shred)") == "t",
                          timeout, 1.0)

    def slow_statements(self, path):
        """Copies PostgreSQL's log (auto_explain plans) to path; counts."""
        import shutil
        shutil.copy(os.path.join(self.pg.dir, "log"), path)
        with open(path) as f:
            text = f.read()
        return text.count("duration:"), text.count("Query Text:")

    def stop(self):
        # The manager's log (the shred worker's long transactions) is kept.
        import shutil
        shutil.copy(os.path.join(self.sm.dir, "sm.log"),
                    os.path.join(self.a.log_dir, "bench_scale_sm_%d.log" % self.n))
        try:
            self.ctl.loadStop({})
            self.ctl.simStop({})
        except Exception:  # the simulator may already be gone
            pass
        self.sim.wait(10)
        self.s("close")()
        self.sm.stop()
        self.pg.stop()


def limit_s(a):
    """Physical limit of one disk: what it has to zero over its write rate."""
    if a.bulk_extents:
        return a.queued * 10 * VB_BYTES / (a.disk_mb_s * 1e6)
    return a.disk_gb * 1e9 / (a.disk_mb_s * 1e6)


def disk_words(a):
    if a.bulk_extents:
        return "%d GB (%d extents of 10 VB, the last %d to zero: %.0f GB)" % (
            a.bulk_extents * 10 * VB_BYTES / 1e9, a.bulk_extents, a.queued,
            a.queued * 10 * VB_BYTES / 1e9)
    return "%.0f GB" % a.disk_gb


def phase_prepare(r, a):
    t0 = time.monotonic()
    if a.bulk_extents:
        r.bulk_register(0, 3)
        ok = True
    else:
        r.register(0, 3)
        ok = r.wait_free(limit_s(a) * 3 / 100 + 600)
    print("  3 servers registered and FREE in %.0f s (%s)" % (time.monotonic() - t0,
                                                              "ok" if ok else "TIMEOUT"))
    names = ["f%d" % i for i in range(a.volumes)]
    t0 = time.monotonic()
    r.vols = [x for x in parallel(names, lambda p, n: p.createLogicalVolume(
        v(lvolname=n, capacity=10, redundancy=3))) if x]
    hs = r.hsvrids
    parallel(list(enumerate(r.vols)), lambda p, iv: p.attachLogicalVolume(
        v(lvolid=iv[1], hsvrid=hs[iv[0] % len(hs)])))
    print("  %d volumes 10 GiB x3 created and attached in %.0f s" % (len(r.vols),
                                                                     time.monotonic() - t0))


def phase_shred(r, a):
    lim = limit_s(a)
    r.ctl.simReset({})
    r.load_args = {"conns": a.load_conns, "rate": a.load_rate, "port": r.sm.port,
                   "n_ssvr": r.n, "lvolids": r.vols[:256], "write_percent": a.load_writes}
    before = set(r.registered)
    t0 = time.monotonic()
    if a.bulk_extents:
        # The bulk write locks dskmap: the load starts once it is in.
        r.bulk_register(3, r.n)
        r.ctl.loadStart(r.load_args)
        how = "written in bulk"
    else:
        r.ctl.loadStart(r.load_args)
        r.register(3, r.n)
        how = "registered"
    t_reg = time.monotonic() - t0
    print("  %d servers x %d disks x %s %s in %.0f s (%.1f ms per disk)"
          % (r.n - 3, a.disks, disk_words(a), how, t_reg,
             1000 * t_reg / max(1, (r.n - 3) * a.disks)))
    if "create" in a.phases:
        # Writes beside the shred worker: every disk shreds now.
        busy = creates(r, a, "s")
        if busy:
            print("  createLogicalVolume 1 TB x3 while every disk shreds, under the API load: "
                  "p50 %.3f s, p99 %.3f s  goal <= 0.2 s" % busy)
    ok = r.wait_free(lim * 3 + t_reg + 600)
    t_all = time.monotonic() - t0
    st = r.stats()
    disks = {d[0]: d for d in r.ctl.simDisks({})}
    worst = max(((disks[p][3] - t) / lim, p) for p, t in r.registered.items()
                if p not in before and p in disks)
    n_ext = int(r.sm.sql("SELECT count(*) FROM dskmap"))
    print("  extents in the database: %d; every one FREE: %s" % (
        n_ext, r.sm.sql("SELECT count(*) FROM dskmap WHERE status = 4") == "0" and ok))
    print("  time to all FREE: %.0f s after the first registration; per disk, registration "
          "to last extent FREE: worst %.0f s = %.2f x the limit (%.0f GB / %.0f MB/s = %.0f s)"
          "  goal <= 1.2" % (t_all, worst[0] * lim, worst[0],
                             a.queued * 10 * VB_BYTES / 1e9 if a.bulk_extents else a.disk_gb,
                             a.disk_mb_s, lim))
    # Where a disk's time goes: its first extent's start, then its extents.
    new = [disks[p] for p in r.registered if p not in before and p in disks]
    first = sorted(d[2] - r.registered[d[0]] for d in new)
    turn = sorted((d[3] - d[2]) / max(1, d[1]) for d in new)
    print("  per disk: first shred sent %.1f s (p50), %.1f s (max) after the bulk write; "
          "from it to its last DONE read, per extent: p50 %.1f s, max %.1f s (%.1f s to "
          "write one)" % (pct(first, 50), first[-1], pct(turn, 50), turn[-1],
                          10 * VB_BYTES / (a.disk_mb_s * 1e6)))
    r.t_free = worst[0] * lim
    if "shred_turn_p50" in st:
        print("  a disk's next shred sent after its DONE was read: p50 %.2f s, p99 %.2f s, "
              "max %.2f s" % (st["shred_turn_p50"], st["shred_turn_p99"], st["shred_turn_max"]))
    print("  shred DONE noticed after: p50 %.2f s, p99 %.2f s, max %.2f s  goal ~1 s;"
          " %.2f status polls per shred; most shreds at once on one disk: %d"
          % (st["shred_noticed_p50"], st["shred_noticed_p99"], st["shred_noticed_max"],
             st["shred_polls"] / max(1, st["shred_done"]), st["disk_max_concurrent_shreds"]))
    print("  largest event id an agent saw: %d (3.0 agents' range: 1..1048575)" % st["max_eventid"])
    m = metrics(r)
    print("  shred worker: %d transactions, at most %d rows each, mutation lock held %.1f s "
          "(%.0f %% of the phase)" % (m["vas_shred_transactions_total"],
                                      m["vas_shred_batch_rows_max"],
                                      m.get("vas_shred_lock_seconds_total", 0),
                                      100 * m.get("vas_shred_lock_seconds_total", 0) / t_all))
    if "vas_shred_gave_way_total" in m:
        print("  shred worker gave way to other writes before %d transactions, %.1f s in all"
              % (m["vas_shred_gave_way_total"], m["vas_shred_gave_way_seconds_total"]))
    r.shred_load = st


def pct(sorted_values, p):
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * p / 100))]


def fit_all_free(a, n, times):
    """T(N) = a + b N over the runs' worst all-FREE times for N extents
    left per disk: b is an extent's turn (writing it, noticing its DONE,
    starting the next), a the start-up. Extrapolated to every extent of
    the disk (--bulk-extents), against that disk's limit."""
    qs = sorted(times)
    mq = statistics.mean(qs)
    mt = statistics.mean(times[q] for q in qs)
    b = (sum((q - mq) * (times[q] - mt) for q in qs) / sum((q - mq) ** 2 for q in qs))
    a0 = mt - b * mq
    one = 10 * VB_BYTES / (a.disk_mb_s * 1e6)
    E = a.bulk_extents
    print("== %d servers, all FREE: %s; fit T = %.1f s + %.2f s x N (an extent alone: %.1f s); "
          "a whole disk of %d extents: %.0f s against %.0f s, ratio %.3f  goal <= 1.2"
          % (n, ", ".join("N=%d %.0f s" % (q, times[q]) for q in qs), a0, b, one, E,
             a0 + E * b, E * one, (a0 + E * b) / (E * one)))


def metrics(r):
    """The manager's /metrics samples without labels, by name."""
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % r.sm.port, timeout=30) as f:
        lines = f.read().decode().splitlines()
    return {ln.split()[0]: float(ln.split()[1]) for ln in lines
            if ln and not ln.startswith("#") and "{" not in ln}


def method_buckets(r):
    """{method: [(le, cumulative count)]} of vas_request_duration_seconds."""
    import re
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % r.sm.port, timeout=30) as f:
        text = f.read().decode()
    out = {}
    for m in re.finditer(r'^vas_request_duration_seconds_bucket\{method="(\w+)",le="([^"]+)"\} '
                         r'(\S+)$', text, re.M):
        out.setdefault(m.group(1), []).append((float(m.group(2)), float(m.group(3))))
    return out


def method_p99(before, after):
    """Per method: calls and the p99's bucket bound between two scrapes."""
    out = {}
    for meth, b in after.items():
        prev = dict(before.get(meth, []))
        diff = [(le, c - prev.get(le, 0)) for le, c in b]
        total = diff[-1][1] if diff else 0
        if total:
            out[meth] = (int(total), next(le for le, c in diff if c >= 0.99 * total))
    return out


def creates(r, a, tag):
    t = []
    for i in range(a.creates):
        s0 = time.perf_counter()
        try:
            lv = r.s.createLogicalVolume(v(lvolname="tb%s%d" % (tag, i), capacity=1024,
                                           redundancy=3))
        except xmlrpc.client.Fault as f:
            print("  createLogicalVolume 1 TB x3: %s" % f)
            return None
        t.append(time.perf_counter() - s0)
        r.s.deleteLogicalVolume(v(lvolid=lv))
    t.sort()
    return statistics.median(t), t[min(len(t) - 1, int(len(t) * 0.99))]


def phase_create(r, a):
    r.ctl.loadStop({})
    quiet = creates(r, a, "q")
    r.ctl.loadStart(r.load_args)
    loaded = creates(r, a, "l")
    if quiet and loaded:
        print("  createLogicalVolume 1 TB x3 (309 legs) over %d calls: p50 %.3f s, p99 %.3f s; "
              "under the API load p50 %.3f s, p99 %.3f s  goal <= 0.2 s"
              % (a.creates, quiet[0], quiet[1], loaded[0], loaded[1]))
        r.create_p50 = quiet[0]


def phase_failure(r, a):
    r.ctl.simReset({})
    victim = 1
    legs = int(r.sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) JOIN "
                        "pdsklst p USING (pdskid) WHERE p.ssvrid = %d" % victim))
    hist0 = method_buckets(r)
    started0 = metrics(r).get("vas_resync_started_total", 0)
    t0 = time.monotonic()
    r.s.notifyFailure(v(target=2, targetid=victim))
    booked = time.monotonic() - t0
    left = r.sm.sql("SELECT count(*) FROM lvolmap m JOIN dskmap d USING (dextid) JOIN "
                    "pdsklst p USING (pdskid) WHERE p.ssvrid = %d" % victim)
    print("  notifyFailure of a server with %d legs: replacements booked in %.2f s "
          "(legs left on it: %s)  goal <= 1 s" % (legs, booked, left))
    all_started = []

    def back():
        if not all_started and metrics(r).get("vas_resync_started_total", 0) >= started0 + legs:
            all_started.append(time.monotonic() - t0)
        return r.sm.sql("SELECT NOT EXISTS (SELECT 1 FROM lvolmap WHERE mirror_status = 3) AND "
                        "NOT EXISTS (SELECT 1 FROM resync)") == "t"
    ok = wait_until(back, 3600, 0.5)
    took = time.monotonic() - t0
    st = r.stats()
    leg_bytes = 10 * VB_BYTES
    per_head = -(-legs // a.heads) * leg_bytes
    lim_links = per_head / (a.link_mb_s * 1e6)
    # A rebuild also writes its target disk; max_resync_tasks run at once.
    cap = int(dict(x.split("=", 1) for x in a.sm).get("max_resync_tasks", 16)) or legs
    lim_disks = -(-legs // cap) * leg_bytes / (a.disk_mb_s * 1e6)
    lim = max(lim_links, lim_disks)
    print("  all %d volumes back to full redundancy in %.0f s (%s); limit %.0f s = the larger "
          "of the head links' (%d legs of 10 GB over %d links of %.0f MB/s: %.0f s) and the "
          "target disks' (%d at once at %.0f MB/s: %.0f s), ratio %.2f"
          % (len(r.vols), took, "ok" if ok else "TIMEOUT", lim, legs, a.heads, a.link_mb_s,
             lim_links, cap, a.disk_mb_s, lim_disks, took / lim))
    print("  all %d rebuilds started %s after the failure call began"
          % (legs, "%.1f s" % all_started[0] if all_started else "(not seen)"))
    per = method_p99(hist0, method_buckets(r))
    print("  the manager's own latency per method during the failure (calls, p99 bucket "
          "bound): " + ", ".join("%s %d <= %g s" % (m, n, le) for m, (n, le) in sorted(per.items())))
    print("  rebuilds: %d onto %d disks, at most %d onto one disk (%d at once); DONE noticed "
          "after p50 %.2f s, max %.2f s"
          % (st["rebuild_done"], st["disks_rebuilt_to"], st["disk_most_rebuilds"],
             st["disk_max_concurrent_rebuilds"], st["rebuild_noticed_p50"],
             st["rebuild_noticed_max"]))


def report_load(r, a):
    st = r.stats()
    r.ctl.loadStop({})
    # The failure phase restarts the simulator's figures; without it
    # only the creates came after the shredding.
    loads = [("shredding", r.shred_load)]
    if "failure" in a.phases:
        loads.append(("shredding + failure", st))
    elif "create" in a.phases:
        loads.append(("shredding, then the creates", st))
    for name, p in loads:
        print("  API load (%d connections, %d req/s offered, %d%% writes) during %s: %d calls, "
              "p50 %.1f ms, p99 %.1f ms (reads %.1f, writes %.1f), max %.0f ms, %d errors, "
              "%d faults  goal p99 < 100 ms"
              % (a.load_conns, a.load_rate, a.load_writes, name, p["load_all_count"],
                 1000 * p["load_all_p50"], 1000 * p["load_all_p99"], 1000 * p["load_read_p99"],
                 1000 * p["load_write_p99"], 1000 * p["load_all_max"], p["load_errors"],
                 p["load_faults"]))
    if a.check_interval:
        print("  health polling every %d s: since the failure every live storage server "
              "asked at least %d times (servers never asked: %d, the failed one); longest gap "
              "between two asks of one server %.1f s"
              % (a.check_interval, st["ssvr_hello_second_least"], st["ssvr_hello_never"],
                 st["ssvr_hello_max_gap_s"]))


def run_one(a, n, p50, free):
    print("== %d storage servers x %d disks x %s, %d head servers; disks %.0f MB/s, "
          "links %.0f MB/s" % (n, a.disks, disk_words(a), a.heads, a.disk_mb_s, a.link_mb_s))
    r = Run(a, n)
    try:
        phase_prepare(r, a)
        phase_shred(r, a)
        free[a.queued] = r.t_free
        if "create" in a.phases:
            phase_create(r, a)
        if "failure" in a.phases:
            phase_failure(r, a)
        report_load(r, a)
        if a.explain_ms or a.pg_log_ms:
            path = os.path.join(a.log_dir, "bench_scale_pg_%d.log" % n)
            d, p = r.slow_statements(path)
            print("  statements slower than %d ms: %d (log in %s)"
                  % (a.explain_ms or a.pg_log_ms, d, path))
        if getattr(r, "create_p50", None):
            p50[n] = r.create_p50
    finally:
        r.stop()
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", default="100,1000")
    ap.add_argument("--disks", type=int, default=12)
    ap.add_argument("--disk-gb", type=float, default=2000)
    ap.add_argument("--disk-mb-s", type=float, default=1000)
    ap.add_argument("--bulk-extents", type=int, default=0,
                    help="write the servers into the database in bulk, disks of this many "
                    "10 VB extents (186: 2 TB) instead of registering them through the API")
    ap.add_argument("--queued", default="6",
                    help="with --bulk-extents: extents per disk left to zero; several "
                    "(3,6): a run each, and all FREE fitted to a + b N and extrapolated "
                    "to the whole disk")
    ap.add_argument("--heads", type=int, default=10)
    ap.add_argument("--link-mb-s", type=float, default=1000)
    ap.add_argument("--volumes", type=int, default=1000)
    ap.add_argument("--creates", type=int, default=20)
    ap.add_argument("--load-conns", type=int, default=200)
    ap.add_argument("--load-rate", type=int, default=200)
    ap.add_argument("--load-writes", type=int, default=5, help="percent create+delete")
    ap.add_argument("--check-interval", type=int, default=30)
    ap.add_argument("--max-connections", type=int, default=256)
    ap.add_argument("--reg-threads", type=int, default=4)
    ap.add_argument("--shred-poll-ms", type=int, default=0, help="0: the daemon's default")
    ap.add_argument("--log-dir", default="/tmp", help="where PostgreSQL's log is copied")
    ap.add_argument("--explain-ms", type=int, default=0,
                    help="log the plan of every statement slower than this (auto_explain)")
    ap.add_argument("--pg-log-ms", type=int, default=0,
                    help="log statements slower than this and lock waits longer than "
                    "this to PostgreSQL's log (copied to --log-dir)")
    ap.add_argument("--phases", default="shred,create,failure")
    ap.add_argument("--sm", action="append", default=[], help="extra vas.conf key=value")
    a = ap.parse_args()
    queued = [int(x) for x in a.queued.split(",")]
    p50 = {}
    for n in (int(x) for x in a.servers.split(",")):
        free = {}
        for q in queued:
            a.queued = q
            run_one(a, n, p50, free)
        if len(free) > 1 and a.bulk_extents:
            fit_all_free(a, n, free)
    if len(p50) > 1:
        small, big = min(p50), max(p50)
        print("== createLogicalVolume 1 TB x3 p50 at %d servers / at %d servers: %.2f  goal <= 1.2"
              % (big, small, p50[big] / p50[small]))


if __name__ == "__main__":
    main()
