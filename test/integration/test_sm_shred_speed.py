"""Disk speeds the shred engine measured are kept over a restart (issue
14, sql/013 pdsk_speed). Before, a restarted manager knew no disk's speed:
its first polls probed every disk anew (a look after 0.25 s, then at
doubling gaps, 32 disks at a time and the others waiting up to a minute)
instead of asking each shred when its disk's speed says it ends."""
import threading
import time

import vastest
from vastest import SmTestCase, v, wait_until

VB_SECTORS = 1025 * 2048  # 1 VB = 1025 MiB
TAKES = 2.0  # seconds an extent takes to zero on the fake agent


class ShredSpeedTest(SmTestCase):
    n_ssvr = 1

    def setUp(self):
        super().setUp()
        self.lock = threading.Lock()
        self.sent = {}  # eventid -> when its request last came
        self.polls = []  # (eventid, when)
        agent = self.ssvrs[0]

        def request(method, p):
            if method == "registerShredRequest":
                with self.lock:
                    self.sent[p["eventid"]] = time.monotonic()
            return 0

        def status(ev):
            now = time.monotonic()
            with self.lock:
                self.polls.append((ev, now))
                began = self.sent.get(ev, now)
            return [3, 0] if now - began >= TAKES else [2, 0]

        agent.request_answer = request
        agent.event_answer = status

    def test_a_restarted_manager_plans_from_the_kept_speed(self):
        q = self.sm.sql
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        pdskid = self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb",
                                               capacity=str(50 * VB_SECTORS + 100)))
        # The first extent done: its speed is measured and kept.
        self.assertTrue(wait_until(lambda: q("SELECT count(*) FROM pdsk_speed WHERE pdskid "
                                             "= %d" % pdskid) == "1", 30))
        us = int(q("SELECT us_per_vb FROM pdsk_speed WHERE pdskid = %d" % pdskid))
        # Ended between two polls: taken as halfway (at least 3/4 of it).
        self.assertTrue(TAKES / 10 * 1e6 * 0.7 < us < TAKES / 10 * 1e6 * 2, us)
        self.assertTrue(wait_until(lambda: q("SELECT count(*) FROM shred WHERE status = 2")
                                   == "1", 30))
        # Stopped mid-extent; the restarted manager sends it again.
        self.s("close")()
        self.assertEqual(self.sm.stop(), 0)
        with self.lock:
            before = len(self.polls)
            stopped = time.monotonic()
        self.sm.start()
        self.s = self.sm.proxy()
        self.assertTrue(wait_until(lambda: max(self.sent.values()) > stopped, 30))
        with self.lock:
            ev, resent = max(self.sent.items(), key=lambda kv: kv[1])
        self.assertTrue(wait_until(lambda: [p for p in self.polls[before:] if p[0] == ev],
                                   30))
        first = min(t for e, t in self.polls[before:] if e == ev)
        # Planned from the kept speed: at its end (TAKES), not a probe
        # after 0.25 s.
        self.assertGreater(first - resent, TAKES * 0.6, "first poll %.2f s after the send"
                           % (first - resent))
        self.wait_shredded(60)
        self.invariants()


if __name__ == "__main__":
    vastest.main()
