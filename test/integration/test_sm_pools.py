"""Pools, quotas and failure domains (issue 16) over real XML-RPC: each
call's faults, replies that stay 3.0's unless the new members are asked
for, and quotas under 20 concurrent creates."""
import threading
import xmlrpc.client

import vastest
from vastest import SmTestCase, main, v

DISK_100VB = "209920001"  # 100 vb: ten extents of 10


class Pools(SmTestCase):
    def test_a_fresh_manager_has_one_pool(self):
        self.assertEqual(self.s.listPools(v()), [{
            "poolid": 1, "pool": "default", "parent": 0, "quota": 0,
            "capacity": 0, "used": 0, "available": 0, "volumes": 0}])

    def test_pool_faults(self):
        s = self.s
        self.assertEqual(s.createPool(v(pool="a", quota=50)), 2)
        self.assertEqual(s.createPool(v(pool="b", parent="a")), 3)
        f = self.fault(17, s.createPool, v(pool="a"))
        self.assertEqual(f.faultString, "EEXIST")
        self.fault(2, s.createPool, v(pool="c", parent="nosuch"))
        self.fault(22, s.createPool, v(pool="a b"))
        self.fault(22, s.createPool, v(pool="."))
        self.fault(22, s.createPool, v(pool="x" * 65))
        self.fault(22, s.createPool, v(pool="c", quota=-1))
        f = self.fault(122, s.createPool, v(pool="c", parent="a", quota=51))
        self.assertEqual(f.faultString, "EDQUOT")
        self.fault(16, s.deletePool, v(pool="default"))
        self.fault(16, s.deletePool, v(pool="a"))  # b is in it
        self.fault(2, s.deletePool, v(pool="nosuch"))
        self.fault(2, s.setPoolQuota, v(pool="nosuch", quota=1))
        self.fault(122, s.setPoolQuota, v(pool="b", quota=51))
        self.assertEqual(s.setPoolQuota(v(pool="b", quota=40)), 0)
        self.fault(2, s.listPools, v(pool="nosuch"))
        self.assertEqual([p["pool"] for p in s.listPools(v())], ["default", "a", "b"])
        self.assertEqual(s.listPools(v(pool="b"))[0]["quota"], 40)
        self.assertEqual(s.deletePool(v(pool="b")), 0)
        self.assertEqual(s.deletePool(v(pool="a")), 0)

    def test_storage_faults(self):
        s = self.s
        ssvrids, pdskids = self.cluster()
        s.createPool(v(pool="fast"))
        self.fault(22, s.setStoragePool, v(pool="fast"))
        self.fault(22, s.setStoragePool, v(pool="fast", ssvrid=ssvrids[0], pdskid=pdskids[0]))
        self.fault(2, s.setStoragePool, v(pool="fast", ssvrid=999))
        self.fault(2, s.setStoragePool, v(pool="fast", pdskid=999))
        self.fault(2, s.setStoragePool, v(pool="nosuch", ssvrid=ssvrids[0]))
        self.fault(22, s.setFailureDomain, v(ssvrid=ssvrids[0], domain="rack 7"))
        self.fault(2, s.setFailureDomain, v(ssvrid=999, domain="rack-7"))
        self.fault(2, s.registerStorageServer, v(ip_data=["127.0.3.1"], pool="nosuch"))
        self.fault(22, s.registerStorageServer, v(ip_data=["127.0.3.1"], domain="a b"))
        self.fault(2, s.registerPhysicalDisk, v(ssvrid=ssvrids[0], local_path="/dev/sdz",
                                                capacity="21000000", pool="nosuch"))
        self.fault(2, s.createLogicalVolume, v(lvolname="x", capacity=10, pool="nosuch"))
        s.createLogicalVolume(v(lvolname="x", capacity=10, redundancy=2))
        self.fault(2, s.createSnapshot, v(origin_lvolname="x", snapshot_lvolname="y",
                                          pool="nosuch"))
        for method in (s.listStorageServers, s.listPhysicalDisks, s.listLogicalVolumes):
            self.fault(2, method, v(pool="nosuch"))
            self.fault(22, method, v(placement=1))
        self.assertEqual(s.setStoragePool(v(pool="fast", ssvrid=ssvrids[0])), 0)
        self.assertEqual(s.setStoragePool(v(pool="fast", pdskid=pdskids[1])), 0)
        self.assertEqual(s.setFailureDomain(v(ssvrid=ssvrids[0], domain="rack-7")), 0)
        sid = s.registerStorageServer(v(ip_data=["127.0.3.1"], pool="fast", domain="rack-8"))
        self.assertEqual(s.listStorageServers(v(ssvrid=sid, placement=True))[0]["domain"],
                         "rack-8")

    def test_replies_stay_3_0_unless_asked(self):
        s = self.s
        ssvrids, _ = self.cluster()
        s.createPool(v(pool="fast"))
        s.setStoragePool(v(pool="fast", ssvrid=ssvrids[2]))
        s.setFailureDomain(v(ssvrid=ssvrids[2], domain="rack-7"))
        s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=2))
        servers = {"ssvrid", "priority", "ip_data", "resync", "available", "capacity"}
        disks = {"ssvrid", "pdskid", "priority", "local_path", "resync", "capacity", "available"}
        vols = {"hsvrid", "lvolid", "lvolname", "redundancy", "capacity", "associated_to",
                "associated_from", "fault", "bind_status", "bind_event", "ctime"}
        for flag in ({}, {"placement": False}):
            self.assertEqual(set(s.listStorageServers(v(**flag))[2]), servers)
            self.assertEqual(set(s.listPhysicalDisks(v(**flag))[2]), disks)
            self.assertEqual(set(s.listLogicalVolumes(v(**flag))[0]), vols)
        placed = s.listStorageServers(v(placement=True))
        self.assertEqual(set(placed[2]), servers | {"pool", "domain"})
        self.assertEqual([(e["pool"], e["domain"]) for e in placed],
                         [("default", ""), ("default", ""), ("fast", "rack-7")])
        self.assertEqual(s.listPhysicalDisks(v(placement=True, pool="fast"))[0]["domain"],
                         "rack-7")
        self.assertEqual(s.listLogicalVolumes(v(placement=True))[0]["pool"], "default")
        self.assertEqual([e["ssvrid"] for e in s.listStorageServers(v(pool="default"))],
                         ssvrids[:2])
        # the tree sent to head agents and shown keeps its members
        leg = s.showLogicalVolume(v(lvolname="a"))["components"][0]["components"][0][
            "components"][0]["components"][0]
        self.assertEqual(set(leg["lvolspec"]), {"pdskid", "offset", "ssvrid", "iscsi_path"})

    def test_volumes_in_pools(self):
        s = self.s
        ssvrids, _ = self.cluster(disk_sectors=DISK_100VB)
        s.createPool(v(pool="fast", quota=30))
        s.createPool(v(pool="tenant", parent="fast"))
        a = s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=2, pool="tenant"))
        s.createSnapshot(v(origin_lvolid=a, snapshot_lvolname="sa"))  # 20 GiB COW
        f = self.fault(122, s.createLogicalVolume, v(lvolname="b", capacity=1, pool="fast"))
        self.assertEqual(f.faultString, "EDQUOT")
        self.assertEqual([(p["pool"], p["used"], p["volumes"]) for p in s.listPools(v())],
                         [("default", 30, 0), ("fast", 30, 0), ("tenant", 30, 2)])
        # no disk in either pool: their volumes use default's
        self.assertEqual(s.listPools(v(pool="tenant"))[0]["capacity"], 300)
        self.assertEqual(s.listPools(v(pool="tenant"))[0]["available"], 300 - 60)
        self.invariants()


class Extend(SmTestCase):
    def attached(self):
        """Volume "a", 10 GiB x2 on room for more, attached: its id."""
        self.cluster(disk_sectors=DISK_100VB)
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        a = self.s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=2))
        self.s.attachLogicalVolume(v(lvolid=a, hsvrid=hid))
        return a

    def legs(self, name):
        tree = self.s.showLogicalVolume(v(lvolname=name))
        return [leg for m in tree["components"][0]["components"][0]["components"]
                for leg in m["components"]]

    def test_extend_faults(self):
        s = self.s
        self.cluster(disk_sectors=DISK_100VB)
        s.createPool(v(pool="q", quota=40))
        a = s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=2, pool="q"))
        s.createSnapshot(v(origin_lvolid=a, snapshot_lvolname="sa"))
        self.fault(22, s.extendLogicalVolume, v(lvolname="a", capacity=10))
        self.fault(22, s.extendLogicalVolume, v(lvolname="a", capacity=5))
        self.fault(22, s.extendLogicalVolume, v(lvolname="sa", capacity=50))
        self.fault(22, s.extendLogicalVolume, v(capacity=50))
        self.fault(22, s.extendLogicalVolume, v(lvolname="a", capacity="20"))
        self.fault(2, s.extendLogicalVolume, v(lvolname="nosuch", capacity=50))
        f = self.fault(122, s.extendLogicalVolume, v(lvolname="a", capacity=30))
        self.assertEqual(f.faultString, "EDQUOT")
        s.setPoolQuota(v(pool="q", quota=0))
        self.fault(28, s.extendLogicalVolume, v(lvolid=a, capacity=1000))
        self.assertEqual(s.extendLogicalVolume(v(lvolid=a, capacity=25)), 0)
        e = s.listLogicalVolumes(v(lvolid=a))[0]
        self.assertEqual((e["capacity"], e["bind_status"]), (30, 0))
        self.assertEqual(len(self.legs("a")), 6)
        self.assertEqual(self.hsvr.called("extendLogicalVolume"), [])
        self.invariants()

    def test_attached_volume_grows_on_its_head(self):
        s, a = self.s, self.attached()
        self.assertEqual(s.extendLogicalVolume(v(lvolname="a", capacity=20)), 0)
        sent = self.hsvr.called("extendLogicalVolume")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["lvolstruct"]["capacity"], 20)
        self.assertEqual(len(sent[0]["lvolstruct"]["components"][0]["components"][0][
            "components"]), 2)
        self.assertEqual({leg["mirror_status"] for leg in self.legs("a")}, {2})
        # a head that cannot grow it: the extension is undone

        def answer(method, p):
            if method == "extendLogicalVolume":
                raise xmlrpc.client.Fault(1, "method not supported")
            return 0
        self.hsvr.request_answer = answer
        free = s.listStorageServers(v())
        self.fault(1, s.extendLogicalVolume, v(lvolname="a", capacity=40))
        e = s.listLogicalVolumes(v(lvolid=a))[0]
        self.assertEqual((e["capacity"], e["bind_status"], e["bind_event"]), (20, 1, 0))
        self.assertEqual(s.listStorageServers(v()), free)
        # the head fails half-way: ERROR, cleared by a detach
        self.hsvr.request_answer = lambda m, p: 0
        self.hsvr.event_answer = lambda ev: [5, 5]
        self.fault(5, s.extendLogicalVolume, v(lvolname="a", capacity=30))
        e = s.listLogicalVolumes(v(lvolid=a))[0]
        self.assertEqual((e["capacity"], e["bind_status"]), (30, 2))
        self.fault(16, s.extendLogicalVolume, v(lvolname="a", capacity=40))
        self.hsvr.event_answer = lambda ev: [3, 0]
        self.assertEqual(s.detachLogicalVolume(v(lvolid=a)), 0)
        self.invariants()

    def test_growth_in_flight_resumes_after_kill(self):
        s, a = self.s, self.attached()
        self.hsvr.event_answer = lambda ev: [2, 0]

        def grow():
            with self.sm.proxy() as p:
                try:
                    p.extendLogicalVolume(v(lvolid=a, capacity=20))
                except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError, OSError):
                    pass
        t = threading.Thread(target=grow)
        t.start()
        self.assertTrue(vastest.wait_until(lambda: self.hsvr.called("extendLogicalVolume")))
        self.assertEqual(s.listLogicalVolumes(v(lvolid=a))[0]["bind_event"], 1)
        ev = self.hsvr.called("extendLogicalVolume")[0]["eventid"]
        self.sm.kill()
        t.join(30)
        self.hsvr.event_answer = lambda e: (
            [0, 0] if len(self.hsvr.called("extendLogicalVolume")) < 2 else [3, 0])
        self.sm.start()
        self.s = self.sm.proxy()
        self.assertTrue(vastest.wait_until(
            lambda: self.s.listLogicalVolumes(v(lvolid=a))[0]["bind_event"] == 0))
        self.assertEqual([c["eventid"] for c in self.hsvr.called("extendLogicalVolume")],
                         [ev, ev])
        self.assertEqual({leg["mirror_status"] for leg in self.legs("a")}, {2})
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=a))[0]["capacity"], 20)


class QuotaRaces(SmTestCase):
    def test_20_concurrent_creates_against_a_quota(self):
        """Quotas are checked in the transaction that books the extents:
        20 parallel creates of 10 GiB against 100 GiB left exactly 10."""
        s = self.s
        self.cluster(disk_sectors=DISK_100VB)
        s.createPool(v(pool="parent", quota=100))
        s.createPool(v(pool="left", parent="parent", quota=80))
        s.createPool(v(pool="right", parent="parent", quota=80))
        results = {}

        def create(i):
            with self.sm.proxy() as p:
                try:
                    results[i] = ("made", p.createLogicalVolume(v(
                        lvolname="v%d" % i, capacity=10, redundancy=2,
                        pool="left" if i % 2 else "right")))
                except xmlrpc.client.Fault as e:
                    results[i] = ("fault", e.faultCode)

        threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(len(results), 20)
        made = [r for kind, r in results.values() if kind == "made"]
        self.assertEqual({r for kind, r in results.values() if kind == "fault"}, {122})
        self.assertEqual(len(made), 10)
        used = {p["pool"]: p["used"] for p in s.listPools(v())}
        self.assertEqual(used["parent"], 100)
        self.assertLessEqual(used["left"], 80)
        self.assertLessEqual(used["right"], 80)
        self.assertEqual(len(s.listLogicalVolumes(v())), 10)
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status = 1"), "20")
        self.invariants()


if __name__ == "__main__":
    main()
