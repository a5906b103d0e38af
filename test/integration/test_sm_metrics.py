#!/usr/bin/env python3
"""GET /metrics on the manager: the Prometheus text format, and figures
that agree with what the API was asked and with the database."""
import re
import shutil
import urllib.error
import urllib.request
import xmlrpc.client

from vastest import STATE_COUNT_DRIFT, Sm, SmTestCase, main, v, wait_until

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(port):
    """(content type, {(name, frozenset(labels)): value}); the format is
    checked on the way: HELP and TYPE before a family's samples."""
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=30) as r:
        ctype, text = r.headers["Content-Type"], r.read().decode()
    samples, typed = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            typed[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name = m.group(1)
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
        assert family in typed, "sample before its TYPE: %r" % line
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        samples[(name, labels)] = float(m.group(4))
    return ctype, samples


def get(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


class Metrics(SmTestCase):
    def test_scrape(self):
        self.cluster()
        self.fault(22, self.s.createLogicalVolume, v(lvolname="x", capacity=0))
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        with self.assertRaises(xmlrpc.client.Fault):
            self.s.noSuchMethodAtAll(v())
        ctype, m = scrape(self.sm.port)
        self.assertTrue(ctype.startswith("text/plain; version=0.0.4"), ctype)
        # requests per method, faults, and a consistent histogram
        self.assertEqual(get(m, "vas_requests_total", method="registerPhysicalDisk"), 3)
        self.assertEqual(get(m, "vas_requests_total", method="createLogicalVolume"), 2)
        self.assertEqual(get(m, "vas_request_faults_total", method="createLogicalVolume"), 1)
        self.assertEqual(get(m, "vas_request_faults_total", method="registerStorageServer"), 0)
        self.assertEqual(get(m, "vas_requests_total", method="unknown"), 1)
        self.assertFalse(any("noSuchMethodAtAll" in str(k) for k in m))
        buckets = sorted((float(dict(k[1])["le"]), val) for k, val in m.items()
                         if k[0] == "vas_request_duration_seconds_bucket"
                         and dict(k[1])["method"] == "createLogicalVolume")
        self.assertEqual([b for b, _ in buckets][-1], float("inf"))
        self.assertEqual(buckets[-1][1], 2)
        self.assertEqual([c for _, c in buckets], sorted(c for _, c in buckets))
        self.assertEqual(get(m, "vas_request_duration_seconds_count",
                             method="createLogicalVolume"), 2)
        # the shred worker: 3 disks of one extent each, zeroed
        self.assertEqual(get(m, "vas_shred_done_total"), 3)
        self.assertGreaterEqual(get(m, "vas_shred_started_total"), 3)
        self.assertGreaterEqual(get(m, "vas_shred_polls_total"), 3)
        self.assertEqual(get(m, "vas_shred_queue", state="pending"), 0)
        self.assertEqual(get(m, "vas_shreds_running"), 0)
        self.assertEqual(get(m, "vas_resync_queue", state="running"), 0)
        # states, as the database has them
        q = self.sm.sql
        for state, num in (("free", 2), ("busy", 1), ("super", 5)):
            self.assertEqual(get(m, "vas_extents", state=state),
                             float(q("SELECT count(*) FROM dskmap WHERE status = %d" % num)))
        self.assertEqual(get(m, "vas_servers", kind="storage", state="high"), 3)
        self.assertEqual(get(m, "vas_servers", kind="head", state="high"), 0)
        self.assertEqual(get(m, "vas_disks", state="high"), 3)
        self.assertEqual(get(m, "vas_db_up"), 1)
        pool = get(m, "vas_db_connections", state="busy") + get(
            m, "vas_db_connections", state="idle")
        self.assertEqual(pool, 64 + 4)  # max_connections + the workers' 4

    def test_state_counts_kept_not_scanned(self):
        """The extent and queue counts come from the per-disk counts the
        triggers keep (sql/009): right after creates, deletes (shreds queued and
        done) and a failure (rebuilds), and read from there, not counted
        at every scrape (1.2 s at 2.2 M extents)."""
        ids, _ = self.cluster(disk_sectors="84000000", disks_per_server=2)  # 4 extents
        q = self.sm.sql
        vols = [self.s.createLogicalVolume(v(lvolname="c%d" % i, capacity=10, redundancy=2))
                for i in range(4)]
        self.s.deleteLogicalVolume(v(lvolid=vols[0]))
        self.s.notifyFailure(v(target=2, targetid=ids[0]))
        self.assertEqual(q(STATE_COUNT_DRIFT), "0")
        self.wait_shredded()
        self.assertTrue(wait_until(lambda: q("SELECT count(*) FROM resync") == "0"))
        self.invariants()
        _, m = scrape(self.sm.port)
        for state, num in (("free", 2), ("busy", 1), ("offline", 4), ("super", 5),
                           ("faulty", 6)):
            self.assertEqual(get(m, "vas_extents", state=state),
                             float(q("SELECT count(*) FROM dskmap WHERE status = %d" % num)),
                             state)
        self.assertGreater(get(m, "vas_extents", state="busy"), 0)
        self.assertGreater(get(m, "vas_shred_done_total"), 6)  # the deleted volume's too
        q("UPDATE pdsk_free SET ext_free = ext_free + 1000 WHERE pdskid = "
          "(SELECT min(pdskid) FROM pdsk_free)")
        _, m2 = scrape(self.sm.port)
        self.assertEqual(get(m2, "vas_extents", state="free"),
                         get(m, "vas_extents", state="free") + 1000)

    def test_failure_and_other_paths(self):
        ids, _ = self.cluster()
        self.s.notifyFailure(v(target=2, targetid=ids[0]))
        _, m = scrape(self.sm.port)
        self.assertEqual(get(m, "vas_servers", kind="storage", state="offline"), 1)
        self.assertEqual(get(m, "vas_disks", state="offline"), 1)
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen("http://127.0.0.1:%d/nosuch" % self.sm.port, timeout=10)
        self.assertEqual(cm.exception.code, 404)
        # XML-RPC is still served beside it
        self.assertEqual(len(self.s.listStorageServers(v())), 3)


class Batches(SmTestCase):
    """The shred worker records ends and starts job_batch rows per
    transaction (every API write waits for one), never a whole pass."""

    def sm_options(self):
        return {"max_shred_tasks": 1}  # the queue fills, one shred runs

    def test_pass_cut_into_batches(self):
        for a in self.ssvrs:  # the one shred sent stays in progress
            a.event_answer = lambda ev: [2, 0]
        _, pdskids = self.cluster(disks_per_server=4, wait_free=False)
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM shred WHERE status = 2") == "1"))
        for a in self.ssvrs:
            a.event_answer = lambda ev: [3, 0]
        self.s("close")()
        self.assertEqual(self.sm.stop(), 0, self.sm.logtext()[-3000:])
        shutil.rmtree(self.sm.dir, ignore_errors=True)
        # A restart without the cap: its first pass starts all 12 disks.
        self.sm = Sm(self.pg, db=self.sm.db, ssvr_port=self.ssvr_port,
                     hsvr_port=self.hsvr_port, extra={"job_batch": 4}).start()
        self.s = self.sm.proxy()
        self.wait_shredded()
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status = 2"),
                         str(len(pdskids)))
        # Counted once the batch's transaction committed: a moment after
        # the rows the wait above reads.
        self.assertTrue(wait_until(lambda: get(scrape(self.sm.port)[1],
                                               "vas_shred_done_total") == 12))
        _, m = scrape(self.sm.port)
        self.assertEqual(get(m, "vas_shred_batch_rows_max"), 4)
        # 12 starts and 12 ends, at most 4 rows a transaction
        self.assertGreaterEqual(get(m, "vas_shred_transactions_total"), 6)
        # the time they held the mutation lock, which API writes wait for
        self.assertGreater(get(m, "vas_shred_lock_seconds_total"), 0)


if __name__ == "__main__":
    main()
