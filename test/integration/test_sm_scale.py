#!/usr/bin/env python3
"""A thousand storage servers on one manager (issue 14): registering
1 000 servers x 12 disks x 2 TB queues 2 232 000 shreds, more than the
event id space (1..1 048 575) has ids; queued shreds hold none, so
registration, dispatch and allocation keep working. The storage servers
are played by vas_scale_sim on 127.50.x.y; its disks are slow, so every
shred sent stays in progress.

The full size (13 000 registrations, about 10 minutes on a busy machine)
runs with VAS_SCALE_FULL=1; by default the same 1 000 servers get one disk
each and the event id space is cut to 100 000 ids, so the queue (186 000
shreds) again outgrows it."""
import os
import subprocess
import threading
import time
import xmlrpc.client

from vastest import BUILD, Postgres, Sm, free_port, main, v, wait_until, skip
import unittest

FULL = os.environ.get("VAS_SCALE_FULL") == "1"
SERVERS, DISKS = 1000, 12 if FULL else 1
ID_SPACE = 1048576 if FULL else 100000  # idtable maxid of events
TB2 = str(2 * 10**12 // 512)
EXTENTS_PER_DISK = 186  # 1860 vb
CAP = 24


def addr(i):
    return "127.50.%d.%d" % ((i + 1) >> 8, (i + 1) & 255)


class ThousandServers(unittest.TestCase):
    def setUp(self):
        sim = os.path.join(BUILD, "test", "vas_scale_sim")
        if not os.path.exists(sim):
            skip("vas_scale_sim not built")
        self.pg = Postgres()
        sport, cport = free_port("127.50.0.1"), free_port()
        self.sim = subprocess.Popen([sim, "--ssvr", str(SERVERS), "--hsvr", "0",
                                     "--ssvr-port", str(sport), "--control-port", str(cport),
                                     "--disk-mb-s", "0.001"],
                                    stdout=subprocess.PIPE, text=True)
        self.assertTrue(self.sim.stdout.readline().startswith("sim ready"))
        self.ctl = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % cport)
        # A global cap keeps this test's agent traffic small (caps are options).
        self.sm = Sm(self.pg, ssvr_port=sport, extra={
            "max_shred_tasks": CAP, "shred_poll_ms": 1000, "max_connections": 16}).start()

    def tearDown(self):
        self.ctl.simStop({})
        self.sim.wait(10)
        self.sim.stdout.close()
        rc = self.sm.stop()
        self.pg.stop()
        self.assertEqual(rc, 0, self.sm.logtext()[-3000:])

    def register(self, first, last):
        errors, lock, nxt = [], threading.Lock(), iter(range(first, last))

        def work():
            p = self.sm.proxy()
            while True:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    break
                try:
                    sid = p.registerStorageServer(v(ip_data=[addr(i)]))
                    for d in range(DISKS):
                        p.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sd%s" % chr(97 + d),
                                                 capacity=TB2))
                except xmlrpc.client.Fault as f:
                    errors.append((i, f.faultCode))
                    break
            p("close")()

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return errors

    def test_registration_never_runs_out_of_event_ids(self):
        self.sm.sql("UPDATE idtable SET maxid = %d WHERE type = 5" % ID_SPACE)
        t0 = time.monotonic()
        self.assertEqual(self.register(0, SERVERS), [])
        took = time.monotonic() - t0
        q = self.sm.sql
        queued = SERVERS * DISKS * EXTENTS_PER_DISK
        self.assertEqual(q("SELECT count(*) FROM shred"), str(queued))
        self.assertGreater(queued, ID_SPACE)
        # only what was sent holds an id, and the ids agents see stay in range
        self.assertTrue(wait_until(lambda: q("SELECT count(*) FROM shred WHERE status = 2")
                                   == str(CAP), 60))
        held = int(q("SELECT count(eventid) FROM shred"))
        self.assertLessEqual(held, 2 * CAP)
        self.assertTrue(wait_until(lambda: self.ctl.simStats({})["shred_requests"] >= CAP, 30))
        self.assertLessEqual(self.ctl.simStats({})["max_eventid"], ID_SPACE - 1)
        # and the manager keeps going: one more server, one more disk ...
        s = self.sm.proxy()
        sid = s.registerStorageServer(v(ip_data=["127.50.250.1"]))
        self.assertGreater(s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdz",
                                                    capacity=TB2)), 0)
        # ... and a volume on three servers whose disks are zeroed
        q("DELETE FROM shred WHERE pdskid IN (SELECT pdskid FROM pdsklst WHERE ssvrid <= 3); "
          "UPDATE dskmap SET status = 2 WHERE status = 4 AND pdskid IN (SELECT pdskid FROM "
          "pdsklst WHERE ssvrid <= 3)")
        lv = s.createLogicalVolume(v(lvolname="after", capacity=100, redundancy=3))
        self.assertEqual(s.listLogicalVolumes(v(lvolid=lv))[0]["capacity"], 100)
        s("close")()
        print("\n%d servers x %d disks x 2 TB registered in %.0f s; %d shreds queued, %d "
              "holding an event id" % (SERVERS, DISKS, took, queued, held))


if __name__ == "__main__":
    main()
