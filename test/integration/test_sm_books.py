#!/usr/bin/env python3
"""The free space, largest FREE extent and counts by state that the
statement-level triggers of sql/012 keep per disk (pdsk_free) agree with a
full recount of dskmap and shred after every kind of write: registration,
creates that split extents and that take whole ones, mirrors of two and
three legs, volumes of several layers, deletes of clean and of attached
(shredded) volumes, bad blocks, a failed server's legs replaced and
resynced, the failed server deleted and registered again."""
from vastest import STATE_COUNT_DRIFT, SmTestCase, main, v, wait_until


class Books(SmTestCase):
    n_ssvr = 4

    def check(self, step):
        q = self.sm.sql
        self.assertEqual(q(STATE_COUNT_DRIFT), "0", step)
        self.assertEqual(q(
            "SELECT count(*) FROM pdsk_free f WHERE (f.free_vb, f.largest_vb) <> "
            "(SELECT COALESCE(sum(d.capacity), 0), COALESCE(max(d.capacity), 0) "
            "FROM dskmap d WHERE d.pdskid = f.pdskid AND d.status = 2)"), "0", step)
        self.assertEqual(q("SELECT count(*) FROM pdsklst p WHERE NOT EXISTS "
                           "(SELECT 1 FROM pdsk_free f WHERE f.pdskid = p.pdskid)"), "0", step)

    def test_books_match_a_recount(self):
        ssvrids, pdskids = self.cluster(disk_sectors="126000000", disks_per_server=2)
        self.check("registered and shredded")
        vols = {}
        for i, (cap, red) in enumerate([(5, 2), (10, 3), (20, 2), (3, 3), (10, 2), (7, 4)]):
            vols[i] = self.s.createLogicalVolume(v(lvolname="v%d" % i, capacity=cap,
                                                  redundancy=red))
            self.check("create %d" % i)
        splits = self.sm.sql("SELECT count(*) FROM dskmap WHERE status = 2 AND capacity % "
                             "(SELECT max(capacity) FROM dskmap) <> 0")
        self.assertNotEqual(splits, "0")  # some legs split an extent
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        self.assertEqual(self.s.attachLogicalVolume(v(lvolid=vols[1], hsvrid=hid)), 0)
        self.assertEqual(self.s.detachLogicalVolume(v(lvolid=vols[1])), 0)
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolid=vols[1])), 0)  # shredded
        self.check("delete of an attached volume")
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolid=vols[3])), 0)  # clean
        self.check("delete of a clean volume")
        self.assertEqual(self.s.notifyBadBlocks(v(pdskid=pdskids[1], blocks=[3])), 0)
        self.check("bad blocks")
        self.assertEqual(self.s.attachLogicalVolume(v(lvolid=vols[0], hsvrid=hid)), 0)
        self.assertEqual(self.s.notifyFailure(v(target=2, targetid=ssvrids[0])), 0)
        self.check("failure")
        self.wait_shredded()
        self.assertTrue(wait_until(lambda: self.sm.sql("SELECT count(*) FROM resync") == "0"))
        self.check("shreds and resyncs done")
        self.assertEqual(self.s.detachLogicalVolume(v(lvolid=vols[0])), 0)
        for i in (0, 2, 4, 5):
            self.assertEqual(self.s.deleteLogicalVolume(v(lvolid=vols[i])), 0)
        self.wait_shredded()
        self.check("all deleted")
        self.assertEqual(self.s.deleteStorageServer(v(ssvrid=ssvrids[0])), 0)  # the failed one
        self.check("server deleted")
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/sdb", capacity="126000000"))
        self.check("server registered")
        self.wait_shredded()
        self.check("its shreds done")
        self.invariants()


if __name__ == "__main__":
    main()
