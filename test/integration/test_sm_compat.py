"""Answers that a differential run against 3.0 found different (issue 13):
each now answers as 3.0 does, or is a deliberate difference that the
README's compatibility notes give with its reason."""
import http.client
import xmlrpc.client

from vastest import SmTestCase, main, v


class Compat(SmTestCase):

    def raw_call(self, body):
        c = http.client.HTTPConnection("127.0.0.1", self.sm.port, timeout=30)
        c.request("POST", "/RPC2", body=body, headers={"Content-Type": "text/xml"})
        r = c.getresponse()
        data = r.read()
        c.close()
        self.assertEqual(r.status, 200)
        try:
            return xmlrpc.client.loads(data)[0][0]
        except xmlrpc.client.Fault as f:
            return f

    def test_detach_of_a_missing_volume_is_enoent(self):
        self.fault(2, self.s.detachLogicalVolume, v(lvolname="nosuch"))
        self.fault(2, self.s.detachLogicalVolume, v(lvolid=4242))
        self.cluster()
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.assertEqual(self.s.detachLogicalVolume(v(lvolid=lv)), 0)  # not attached
        self.s.deleteLogicalVolume(v(lvolid=lv))
        self.fault(2, self.s.detachLogicalVolume, v(lvolid=lv))

    def test_bad_blocks_that_change_nothing_keep_the_priority(self):
        _, pdskids = self.cluster()
        disk = pdskids[0]

        def prio():
            return self.s.listPhysicalDisks(v(ssvrid=1))[0]["priority"]

        self.assertEqual(self.s.notifyBadBlocks(v(pdskid=disk, blocks=[])), 0)
        self.assertEqual(prio(), 1)
        self.assertEqual(self.s.notifyBadBlocks(v(pdskid=disk, blocks=[3])), 0)
        self.assertEqual(prio(), 2)  # a FREE extent turned FAULTY: HIGH -> LOW
        self.sm.sql("UPDATE pdsklst SET priority = 1 WHERE pdskid = %d" % disk)
        self.assertEqual(self.s.notifyBadBlocks(v(pdskid=disk, blocks=[3, 4])), 0)
        self.assertEqual(prio(), 1)  # only FAULTY extents: nothing changes

    def test_bad_block_in_the_superblock_is_einval(self):
        """Deliberate: vas_api.txt's EINVAL; 3.0 demotes the disk."""
        _, pdskids = self.cluster()
        self.fault(22, self.s.notifyBadBlocks, v(pdskid=pdskids[0], blocks=[10]))
        self.assertEqual(self.s.listPhysicalDisks(v(ssvrid=1))[0]["priority"], 1)

    def test_known_disk_ignores_its_capacity(self):
        ssvrids, pdskids = self.cluster()
        for cap in ("abc", 21000000, "0"):
            self.fault(17, self.s.registerPhysicalDisk,
                       v(ssvrid=ssvrids[0], local_path="/dev/sdb", capacity=cap))
        self.assertEqual(self.s.shutdownAll(v()), 0)
        self.assertEqual(self.s.registerStorageServer(v(ip_data=["127.0.0.11"])), ssvrids[0])
        for cap in ("abc", 21000000):
            self.assertEqual(self.s.registerPhysicalDisk(
                v(ssvrid=ssvrids[0], local_path="/dev/sdb", capacity=cap)), pdskids[0])
            self.assertEqual(self.s.listPhysicalDisks(v(ssvrid=ssvrids[0]))[0]["priority"], 1)
            self.sm.sql("UPDATE pdsklst SET priority = 6 WHERE pdskid = %d" % pdskids[0])
        # A new disk still needs a decimal string.
        self.fault(22, self.s.registerPhysicalDisk,
                   v(ssvrid=ssvrids[0], local_path="/dev/sdc", capacity="abc"))
        self.fault(22, self.s.registerPhysicalDisk,
                   v(ssvrid=ssvrids[0], local_path="/dev/sdc", capacity=21000000))
        self.fault(22, self.s.registerPhysicalDisk, v(ssvrid=ssvrids[0], local_path="/dev/sdc"))

    def test_snapshot_origin_is_looked_up_first(self):
        for bad in ({}, {"snapshot_lvolname": 5}, {"snapshot_lvolname": "a b"},
                    {"snapshot_lvolname": ""}):
            self.fault(2, self.s.createSnapshot, v(origin_lvolname="nosuch", **bad))
        self.cluster(disk_sectors="63000000")
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        for bad in ({}, {"snapshot_lvolname": 5}, {"snapshot_lvolname": "a b"}):
            self.fault(22, self.s.createSnapshot, v(origin_lvolname="a", **bad))
        self.assertGreater(self.s.createSnapshot(v(origin_lvolname="a", snapshot_lvolname="s")), 0)

    def test_negative_ids_find_nothing(self):
        self.fault(2, self.s.listHeadServers, v(hsvrid=-1))
        self.fault(2, self.s.listStorageServers, v(ssvrid=-1))
        self.fault(2, self.s.listPhysicalDisks, v(ssvrid=-1))
        self.fault(2, self.s.deleteHeadServer, v(hsvrid=-5))
        self.fault(2, self.s.deleteStorageServer, v(ssvrid=-5))
        self.fault(2, self.s.deletePhysicalDisk, v(pdskid=-5))
        self.fault(2, self.s.showLogicalVolume, v(lvolid=-3))
        self.fault(2, self.s.listLogicalVolumes, v(lvolid=-3))
        self.fault(2, self.s.deleteLogicalVolume, v(lvolid="-3"))
        self.assertEqual(self.s.notifyFailure(v(target=1, targetid=-1)), 0)
        self.fault(22, self.s.attachLogicalVolume, v(lvolid=-3))  # hsvrid missing

    def test_version_as_i8(self):
        call = ("<?xml version='1.0'?><methodCall><methodName>listHeadServers</methodName>"
                "<params><param><value><struct><member><name>ver</name>"
                "<value><i8>%d</i8></value></member></struct></value></param></params>"
                "</methodCall>")
        self.assertEqual(self.raw_call((call % 5).encode()), [])
        self.assertEqual(self.raw_call((call % 6).encode()).faultCode, 71)
        self.assertEqual(self.raw_call((call % (5 + (1 << 32))).encode()).faultCode, 71)

    def test_introspection(self):
        """3.0 lists only the system.* names; ours also the 20 methods of
        v5, the 7 of pools and the storage agents' getTargetSecrets
        (deliberate), and serves every name it lists as Python does."""
        names = self.s.system.listMethods()
        self.assertEqual(names[:3], ["system.listMethods", "system.methodHelp",
                                     "system.methodSignature"])
        pools = {"createPool", "deletePool", "listPools", "setPoolQuota",
                 "setStoragePool", "setFailureDomain", "extendLogicalVolume",
                 "getTargetSecrets"}
        self.assertLessEqual(pools, set(names))
        self.assertEqual(len(names), len(set(names)))
        self.assertEqual(len(names), 3 + 20 + len(pools))
        self.assertEqual(self.s.system.methodHelp("listHeadServers"), "")
        self.assertEqual(self.s.system.methodSignature("listHeadServers"),
                         "signatures not supported")


if __name__ == "__main__":
    main()
