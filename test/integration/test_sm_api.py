"""vas_sm over real XML-RPC (python's xmlrpc.client) on a real PostgreSQL:
the conformance checklist of sm.md section 12, envelope and bad input."""
import http.client
import os
import re
import threading
import time
import urllib.request
import xmlrpc.client

from vastest import SmTestCase, main, more_calls, v, wait_until


class Envelope(SmTestCase):
    def test_version_checked(self):  # 12.1
        self.fault(71, self.s.listEvents, {})
        self.fault(71, self.s.listEvents, {"ver": 4})
        self.fault(71, self.s.listEvents, {"ver": "5"})

    def test_unknown_methods(self):  # 12.2
        for name in ("helloWorld", "notifyShredFinished", "notifyRebuildMirrorFinished",
                     "nosuch", "connect_db", "_StorageManager__offlineAll"):
            f = self.fault(1, getattr(self.s, name), v())
            self.assertIn('"%s" is not supported' % name, f.faultString)

    def test_one_struct_parameter(self):
        self.fault(1, self.s.listEvents)
        self.fault(1, self.s.listEvents, v(), v())
        self.fault(1, self.s.listEvents, 5)

    def test_malformed_xml_is_einval(self):
        for body in (b"<methodCall><methodName>x", b"garbage", b"<?xml version='1.0'?><foo/>"):
            req = urllib.request.Request("http://127.0.0.1:%d/RPC2" % self.sm.port, data=body,
                                         headers={"Content-Type": "text/xml"})
            reply = urllib.request.urlopen(req, timeout=10).read()
            with self.assertRaises(xmlrpc.client.Fault) as cm:
                xmlrpc.client.loads(reply)
            self.assertEqual(cm.exception.faultCode, 22)

    def test_both_paths_answer(self):
        root = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/" % self.sm.port)
        self.assertEqual(root.listEvents(v()), [])

    def test_introspection(self):  # 12.60
        """listMethods names exactly the method table (sm/api/api_table.c)
        and the three system methods; the table starts with the 20 of
        vas_api.txt, the additions of issue 16 follow, then issue 18's
        getTargetSecrets (storage agents only)."""
        with open(os.path.join(os.environ.get("VAS_SOURCE_DIR", "."),
                               "sm", "api", "api_table.c")) as f:
            table = re.findall(r'\{"(\w+)", api_\w+', f.read())
        self.assertEqual(len(table), 28)
        self.assertEqual(table[19], "shutdownAll")
        self.assertEqual(table[27], "getTargetSecrets")
        self.assertEqual(sorted(self.s.system.listMethods()), sorted(
            table + ["system.listMethods", "system.methodHelp", "system.methodSignature"]))

    def test_list_events_empty(self):  # 12.46
        self.assertEqual(self.s.listEvents(v()), [])

    def test_oversized_request_refused(self):
        big = v(lvolname="x" * (2 << 20), capacity=10)
        with self.assertRaises((xmlrpc.client.Fault, xmlrpc.client.ProtocolError, OSError)):
            self.s.createLogicalVolume(big)
        self.assertEqual(self.s.listEvents(v()), [])  # still serving


class Servers(SmTestCase):
    def test_register_head_server(self):  # 12.3, 12.5
        self.assertEqual(self.s.registerHeadServer(v(ip_data=["127.0.9.1"])), 1)
        self.assertEqual(self.s.listHeadServers(v()),
                         [{"hsvrid": 1, "priority": 1, "ip_data": ["127.0.9.1"], "resync": 0}])
        self.fault(17, self.s.registerHeadServer, v(ip_data=["127.0.9.1"]))
        self.assertEqual(self.s.notifyFailure(v(target=1, targetid=1)), 0)
        self.assertEqual(self.s.listHeadServers(v(hsvrid=1))[0]["priority"], 4)
        self.assertEqual(self.s.registerHeadServer(v(ip_data=["127.0.9.1"])), 1)
        self.assertEqual(self.s.listHeadServers(v(hsvrid=1))[0]["priority"], 1)

    def test_register_bad_addresses(self):  # 12.4, M23
        for bad in ({}, {"ip_data": []}, {"ip_data": ["127.0.9"]}, {"ip_data": ["999.1.1.1"]},
                    {"ip_data": ["1.2.3.4\n"]}, {"ip_data": [5]}, {"ip_data": "127.0.9.1"},
                    {"ip_data": ["1.1.1.1"] * 9}):
            self.fault(22, self.s.registerHeadServer, v(**bad))
        self.assertEqual(self.s.listHeadServers(v()), [])

    def test_partial_address_match_is_eexist(self):  # M5
        self.s.registerHeadServer(v(ip_data=["127.0.9.1", "127.0.9.2"]))
        self.fault(17, self.s.registerHeadServer, v(ip_data=["127.0.9.1", "127.0.9.9"]))

    def test_shared_address_and_own_counters(self):  # 12.6
        self.s.registerHeadServer(v(ip_data=["127.0.9.1"]))
        self.assertEqual(self.s.registerStorageServer(v(ip_data=["127.0.9.1"])), 1)
        self.assertEqual(self.s.listHeadServers(v())[0]["ip_data"], ["127.0.9.1"])
        self.assertEqual(self.s.listStorageServers(v())[0]["ip_data"], ["127.0.9.1"])

    def test_list_lookup_errors(self):  # M18
        self.fault(2, self.s.listHeadServers, v(hsvrid=9))
        self.fault(2, self.s.listStorageServers, v(ssvrid=9))
        self.fault(2, self.s.listPhysicalDisks, v(ssvrid=9))
        self.fault(22, self.s.listHeadServers, v(hsvrid="abc"))
        self.fault(2, self.s.listHeadServers, v(hsvrid=-1))  # issue 13

    def test_register_disk(self):  # 12.8, 12.49
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.assertEqual(self.s.registerPhysicalDisk(
            v(ssvrid=sid, local_path="/dev/sdb", capacity="21000000")), 1)
        d = self.s.listPhysicalDisks(v())[0]
        self.assertEqual(set(d), {"ssvrid", "pdskid", "priority", "local_path", "resync",
                                  "capacity", "available"})
        self.assertEqual(d["capacity"], 10)
        self.wait_shredded()
        self.assertEqual(self.s.listPhysicalDisks(v())[0]["available"], 10)
        shred = self.ssvrs[0].called("registerShredRequest")
        self.assertEqual(len(shred), 1)
        self.assertEqual({k: shred[0][k] for k in ("offset", "capacity", "pdskid", "ver")},
                         {"offset": 0, "capacity": 10, "pdskid": 1, "ver": 5})
        s = self.s.listStorageServers(v())[0]
        self.assertEqual(set(s), {"ssvrid", "priority", "ip_data", "resync", "available", "capacity"})
        self.assertEqual((s["available"], s["capacity"]), (10, 10))

    def test_register_disk_bad_input(self):  # 12.9, 12.10
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        for bad in (dict(capacity=21000000), dict(capacity="0"), dict(capacity="-5"),
                    dict(capacity="12a"), dict(capacity=""), dict(capacity="9" * 40)):
            args = dict(ssvrid=sid, local_path="/dev/sdb")
            args.update(bad)
            self.fault(22, self.s.registerPhysicalDisk, v(**args))
        self.fault(22, self.s.registerPhysicalDisk, v(local_path="/dev/sdb", capacity="1"))
        self.fault(22, self.s.registerPhysicalDisk, v(ssvrid=sid, capacity="1"))
        self.fault(22, self.s.registerPhysicalDisk, v(ssvrid=sid, local_path="/dev/sdb"))
        self.fault(22, self.s.registerPhysicalDisk, v(ssvrid=77, local_path="/x", capacity="9"))
        self.s.notifyFailure(v(target=2, targetid=sid))
        self.fault(22, self.s.registerPhysicalDisk, v(ssvrid=sid, local_path="/x", capacity="9999999"))

    def test_disk_reregistration(self):  # 12.11
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        args = v(ssvrid=sid, local_path="/dev/sdb", capacity="21000000")
        pid = self.s.registerPhysicalDisk(args)
        self.fault(17, self.s.registerPhysicalDisk, args)
        self.wait_shredded()
        self.assertEqual(self.s.notifyFailure(v(target=3, targetid=pid)), 0)
        self.assertEqual(self.s.listPhysicalDisks(v())[0]["priority"], 5)

    def test_small_disks(self):  # 12.12
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/a", capacity="4198400"))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/b", capacity="2099200"))
        caps = [d["capacity"] for d in self.s.listPhysicalDisks(v())]
        self.assertEqual(caps, [1, 0])
        self.assertEqual(self.sm.sql("SELECT capacity FROM dskmap WHERE status = 5 ORDER BY pdskid"),
                         "2099200\n2099200")

    def test_id_consumption(self):  # 12.13
        self.cluster()
        self.assertEqual(self.sm.sql("SELECT string_agg(dextid || ':' || status, ' ' ORDER BY dextid) "
                                     "FROM dskmap"), "1:5 2:2 3:5 4:2 5:5 6:2")
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.assertEqual(lv, 7)
        tree = self.s.showLogicalVolume(v(lvolid=lv))
        so = tree["components"][0]
        linear = so["components"][0]
        mirror = linear["components"][0]
        self.assertEqual((so["lvolid"], linear["lvolid"], mirror["lvolid"]), (8, 9, 10))
        self.assertEqual(sorted(d["lvolid"] for d in mirror["components"]), [2, 4, 6])
        self.s.deleteLogicalVolume(v(lvolid=lv))
        self.assertEqual(self.s.createLogicalVolume(v(lvolname="b", capacity=10)), 11)

    def test_delete_rules(self):  # 12.35-12.38
        ssvrids, pdskids = self.cluster()
        self.fault(16, self.s.deletePhysicalDisk, v(pdskid=pdskids[0]))
        self.fault(2, self.s.deletePhysicalDisk, v(pdskid=99))
        self.fault(22, self.s.deletePhysicalDisk, v())
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.notifyFailure(v(target=2, targetid=ssvrids[0]))
        self.fault(16, self.s.deletePhysicalDisk, v(pdskid=pdskids[0]))  # extent in use
        self.fault(16, self.s.deleteStorageServer, v(ssvrid=ssvrids[1]))
        self.s.deleteLogicalVolume(v(lvolname="a"))
        self.assertEqual(self.s.deleteStorageServer(v(ssvrid=ssvrids[0])), 0)
        self.assertEqual(len(self.s.listPhysicalDisks(v())), 2)
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        self.fault(16, self.s.deleteHeadServer, v(hsvrid=hid))
        self.s.notifyFailure(v(target=1, targetid=hid))
        self.assertEqual(self.s.deleteHeadServer(v(hsvrid=hid)), 0)
        self.assertEqual(self.s.registerHeadServer(v(ip_data=["127.0.0.21"])), hid + 1)
        self.invariants()

    def test_shutdown_all(self):  # 12.47, 12.48
        ssvrids, pdskids = self.cluster()
        self.assertEqual(self.s.shutdownAll(v()), 0)
        self.assertEqual(self.s.shutdownAll(v()), 0)
        self.assertEqual([s["priority"] for s in self.s.listStorageServers(v())], [6, 6, 6])
        self.assertEqual([s["available"] for s in self.s.listStorageServers(v())], [0, 0, 0])
        self.fault(28, self.s.createLogicalVolume, v(lvolname="a", capacity=10))
        self.assertEqual(self.s.registerStorageServer(v(ip_data=["127.0.0.11"])), ssvrids[0])
        self.assertEqual(self.s.registerPhysicalDisk(
            v(ssvrid=ssvrids[0], local_path="/dev/sdb", capacity="21000000")), pdskids[0])
        self.assertEqual(self.s.listPhysicalDisks(v(ssvrid=ssvrids[0]))[0]["priority"], 1)


class Volumes(SmTestCase):
    def test_create_and_list(self):  # 12.14, 12.50
        self.cluster(disk_sectors=str(2099200 * 31))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=25))
        l = self.s.listLogicalVolumes(v())
        self.assertEqual(len(l), 1)
        e = l[0]
        self.assertEqual(set(e), {"hsvrid", "lvolid", "lvolname", "redundancy", "capacity",
                                  "associated_to", "associated_from", "fault", "bind_status",
                                  "bind_event", "ctime"})
        self.assertEqual((e["lvolid"], e["capacity"], e["redundancy"], e["hsvrid"], e["bind_status"],
                          e["fault"]), (lv, 30, 3, 0, 0, False))
        self.assertRegex(e["ctime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")
        self.invariants()

    def test_bad_create(self):  # 12.15
        self.cluster()
        for bad in (dict(capacity=0), dict(capacity=1048571), dict(capacity="10"),
                    dict(capacity=True), dict(capacity=10.0), dict(capacity=-1),
                    dict(capacity=10, redundancy=1), dict(capacity=10, redundancy=10),
                    dict(capacity=10, redundancy="3")):
            self.fault(22, self.s.createLogicalVolume, v(lvolname="a", **bad))
        for name in ("a b", "", ".", "..", "x" * 65, "lvol-abc", "lvol-00000001", "é", 5):
            self.fault(22, self.s.createLogicalVolume, v(lvolname=name, capacity=10))
        self.fault(22, self.s.createLogicalVolume, v(capacity=10))
        for name in ("lvol-", "lvol-g", "Lvol-1", "...", "x" * 64):
            self.s.createLogicalVolume(v(lvolname=name, capacity=10, redundancy=2))
            self.s.deleteLogicalVolume(v(lvolname=name))

    def test_duplicate_name(self):  # 12.16
        self.cluster()
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.fault(17, self.s.createLogicalVolume, v(lvolname="a", capacity=10))

    def test_no_space_consumes_nothing(self):  # 12.17, 12.18
        self.cluster()
        before = self.sm.sql("SELECT id FROM idtable WHERE type = 2")
        self.fault(28, self.s.createLogicalVolume, v(lvolname="a", capacity=20))
        self.fault(28, self.s.createLogicalVolume, v(lvolname="a", capacity=10, redundancy=4))
        self.assertEqual(self.sm.sql("SELECT id FROM idtable WHERE type = 2"), before)
        self.assertEqual([s["available"] for s in self.s.listStorageServers(v())], [10, 10, 10])
        self.assertEqual(self.s.createLogicalVolume(v(lvolname="a", capacity=10)), int(before))

    def test_legs_on_distinct_servers(self):  # 12.19
        self.cluster(disk_sectors=str(2099200 * 51), disks_per_server=2)
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=100, redundancy=3))
        tree = self.s.showLogicalVolume(v(lvolid=lv))
        mirrors = tree["components"][0]["components"][0]["components"]
        self.assertEqual(len(mirrors), 10)
        for m in mirrors:
            servers = [d["lvolspec"]["ssvrid"] for d in m["components"]]
            self.assertEqual(len(set(servers)), 3)
            for d in m["components"]:
                self.assertEqual((d["capacity"], d["mirror_status"], d["lvoltype"]), (10, 1, 3))
                self.assertEqual(len(d["lvolspec"]["iscsi_path"]), 1)
                self.assertTrue(re.match(r"/dev/disk/by-path/ip-127\.0\.0\.1[123]:3260-iscsi-iqn\."
                                         r"2010-01\.test\.vas:[0-9a-f]{8}-lun-1$",
                                         d["lvolspec"]["iscsi_path"][0]))
        self.invariants()

    def test_show_and_lookup(self):  # 12.20, 12.21
        self.cluster()
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        t1 = self.s.showLogicalVolume(v(lvolid=lv))
        self.assertEqual(t1, self.s.showLogicalVolume(v(lvolname="a")))
        self.assertEqual(t1, self.s.showLogicalVolume(v(lvolid=str(lv))))
        self.assertEqual(set(t1), {"lvolid", "lvoltype", "capacity", "mirror_status", "lvolspec",
                                   "labels", "components"})
        self.assertEqual(t1["labels"], ["a", "lvol-%08x" % lv])
        self.assertEqual(set(t1["lvolspec"]), {"lvolname", "redundancy", "ctime", "assoc"})
        self.fault(22, self.s.showLogicalVolume, v())
        self.fault(2, self.s.showLogicalVolume, v(lvolid=999))
        self.fault(2, self.s.listLogicalVolumes, v(lvolid=999))
        self.fault(22, self.s.listLogicalVolumes, v(lvolid=0))
        self.fault(22, self.s.listLogicalVolumes, v(lvolid="x1"))
        self.assertEqual(len(self.s.listLogicalVolumes(v(lvolname="a"))), 1)

    def test_rounding(self):  # 12.51
        self.cluster(disk_sectors=str(2099200 * 41))
        for req, cap in ((1, 10), (10, 10), (11, 20)):
            lv = self.s.createLogicalVolume(v(lvolname="r%d" % req, capacity=req, redundancy=2))
            self.assertEqual(self.s.listLogicalVolumes(v(lvolid=lv))[0]["capacity"], cap)

    def test_snapshot(self):  # 12.28, 12.29, 12.32
        self.cluster(disk_sectors=str(2099200 * 31))
        a = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        s = self.s.createSnapshot(v(origin_lvolname="a", snapshot_lvolname="s"))
        la = self.s.listLogicalVolumes(v(lvolid=a))[0]
        ls = self.s.listLogicalVolumes(v(lvolid=s))[0]
        self.assertEqual(ls["associated_to"], [{"lvolid": a, "type": "snapshot"}])
        self.assertEqual(la["associated_from"], [{"lvolid": s, "type": "snapshot"}])
        self.assertEqual(ls["capacity"], 20)  # cow(10) = 11, rounded to 20
        tree = self.s.showLogicalVolume(v(lvolid=a))
        self.assertEqual([x["lvolid"] for x in tree["lvolspec"]["assoc"]], [s])
        snap_top = self.s.showLogicalVolume(v(lvolid=s))["components"][0]
        self.assertEqual(snap_top["lvoltype"], 7)
        self.assertEqual(snap_top["lvolspec"]["origin_lvolid"], tree["components"][0]["lvolid"])
        self.fault(22, self.s.createSnapshot, v(origin_lvolid=s, snapshot_lvolname="s2"))
        self.fault(22, self.s.createSnapshot, v(origin_lvolid=a))
        self.fault(17, self.s.createSnapshot, v(origin_lvolid=a, snapshot_lvolname="a"))
        self.fault(16, self.s.deleteLogicalVolume, v(lvolid=a))
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolid=s)), 0)
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolid=a)), 0)
        self.invariants()

    def test_delete_never_attached_frees_at_once(self):  # 12.33, 7.4
        self.cluster()
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.assertEqual([s["available"] for s in self.s.listStorageServers(v())], [0, 0, 0])
        shreds = sum(len(a.called("registerShredRequest")) for a in self.ssvrs)
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolname="a")), 0)
        self.assertEqual([s["available"] for s in self.s.listStorageServers(v())], [10, 10, 10])
        self.assertEqual(sum(len(a.called("registerShredRequest")) for a in self.ssvrs), shreds)
        self.assertEqual(self.s.createLogicalVolume(v(lvolname="a", capacity=10)), 11)
        self.invariants()

    def test_concurrent_creates(self):  # 12.57, 12.58
        self.cluster(disk_sectors=str(2099200 * 101))
        results = []

        def create(i, name):
            p = self.sm.proxy()
            try:
                results.append(("ok", p.createLogicalVolume(v(lvolname=name, capacity=10))))
            except xmlrpc.client.Fault as f:
                results.append(("fault", f.faultCode))

        threads = [threading.Thread(target=create, args=(i, "same")) for i in range(4)]
        threads += [threading.Thread(target=create, args=(i, "v%d" % i)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        oks = [r for r in results if r[0] == "ok"]
        faults = sorted(r[1] for r in results if r[0] == "fault")
        self.assertEqual(len(oks), 10)  # 10 mirrors of 10 vb fit on each 100-vb disk
        self.assertEqual(faults.count(17), 3)
        self.assertEqual(len(faults), 10)
        self.assertTrue(all(f in (17, 28) for f in faults))
        self.assertEqual(len({r[1] for r in oks}), 10)
        self.invariants()


class Concurrency(SmTestCase):
    def test_mixed_create_delete(self):
        self.cluster(disk_sectors=str(2099200 * 61))
        errors = []

        def client(k):
            p = self.sm.proxy()
            for i in range(12):
                name = "c%d_%d" % (k, i % 4)
                try:
                    if i % 2 == 0:
                        p.createLogicalVolume(v(lvolname=name, capacity=10, redundancy=2 + k % 2))
                    else:
                        p.deleteLogicalVolume(v(lvolname=name))
                except xmlrpc.client.Fault as f:
                    if f.faultCode not in (2, 17, 28):
                        errors.append(f.faultCode)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.invariants()
        used = sum(l["capacity"] * l["redundancy"] for l in self.s.listLogicalVolumes(v()))
        free = sum(s["available"] for s in self.s.listStorageServers(v()))
        self.assertEqual(used + free, 3 * 60)


class Shredding(SmTestCase):
    n_ssvr = 4

    def sm_options(self):
        return {"max_shred_tasks": 3, "shredder_count": 2}

    def test_limits(self):  # 12.59, M8
        running = {}
        for a in self.ssvrs:
            a.event_answer = lambda ev: [2, 0]
        for i in range(4):
            sid = self.s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
            for d in range(2):
                self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d%d" % d,
                                              capacity=str(2099200 * 51)))
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM shred WHERE status = 2") == "3"))
        for _ in range(10):  # stays within the limits while agents are busy
            per_disk = self.sm.sql("SELECT max(n) FROM (SELECT count(*) n FROM shred "
                                   "WHERE status = 2 GROUP BY pdskid) x")
            per_srv = self.sm.sql("SELECT max(n) FROM (SELECT count(*) n FROM shred s JOIN "
                                  "pdsklst p USING (pdskid) WHERE s.status = 2 GROUP BY p.ssvrid) x")
            total = self.sm.sql("SELECT count(*) FROM shred WHERE status = 2")
            self.assertEqual(per_disk, "1")
            self.assertLessEqual(int(per_srv), 2)
            self.assertLessEqual(int(total), 3)
        for a in self.ssvrs:
            a.event_answer = lambda ev: [3, 0]
        # 400 shreds three at a time: ~15 s alone, several times that
        # beside other suites under ASan.
        self.wait_shredded(240)
        self.assertEqual(sum(s["available"] for s in self.s.listStorageServers(v())), 8 * 50)

    def test_failed_agent_backs_off(self):  # M11, M56
        self.ssvrs[0].event_answer = lambda ev: [0, 0]
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT attempts FROM shred") == "1" and self.sm.sql(
            "SELECT status FROM shred") == "1"))
        # the first back-off step (10 s) is set...
        left = float(self.sm.sql("SELECT extract(epoch FROM next_try - now()) FROM shred"))
        self.assertTrue(0 < left <= 10.5, left)
        # ...and honoured however long the rest takes on a loaded machine
        self.sm.sql("UPDATE shred SET next_try = now() + interval '1 hour'")
        # passes go on (another server's disk is zeroed meanwhile)...
        sid2 = self.s.registerStorageServer(v(ip_data=["127.0.0.12"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid2, local_path="/d", capacity="21000000"))
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM shred WHERE pdskid <> 1") == "0"))
        # ...without sending the failed one again before its back-off
        self.assertEqual(len(self.ssvrs[0].called("registerShredRequest")), 1)

    def test_shred_frees_only_its_own_range(self):  # data safety rule
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        for a in self.ssvrs:
            a.event_answer = lambda ev: [2, 0]
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
        self.assertTrue(wait_until(lambda: self.sm.sql("SELECT status FROM shred") == "2"))
        # the extent changes under the running shred: its completion must not free it
        self.sm.sql("UPDATE shred SET capacity = 9")
        self.ssvrs[0].event_answer = lambda ev: [3, 0]
        # its DONE is taken (the row goes) but frees no extent
        self.assertTrue(wait_until(lambda: self.sm.sql("SELECT count(*) FROM shred") == "0"))
        self.assertEqual(self.sm.sql("SELECT status FROM dskmap WHERE status <> 5"), "4")


class Ids(SmTestCase):
    def test_event_wrap_never_duplicates(self):  # 12.52, M22
        self.sm.sql("UPDATE idtable SET id = 1048575 WHERE type = 5")
        for a in self.ssvrs:
            a.event_answer = lambda ev: [2, 0]
        self.cluster(wait_free=False)
        # ids are taken when the shreds are sent
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(eventid) FROM shred") == "3"))
        evs = sorted(int(x) for x in self.sm.sql("SELECT eventid FROM shred").split())
        self.assertEqual(len(set(evs)), 3)
        self.assertTrue(all(1 <= e <= 1048575 for e in evs))

    def test_exhaustion_is_enospc(self):  # 12.53, M5
        self.cluster()
        self.sm.sql("UPDATE idtable SET id = maxid WHERE type = 2")
        self.fault(28, self.s.createLogicalVolume, v(lvolname="a", capacity=10))
        self.fault(28, self.s.registerPhysicalDisk, v(ssvrid=1, local_path="/x", capacity="21000000"))
        self.sm.sql("UPDATE idtable SET id = maxid WHERE type = 1")
        self.fault(28, self.s.registerHeadServer, v(ip_data=["127.0.9.1"]))


class AttachDetach(SmTestCase):
    def setUp(self):
        super().setUp()
        self.cluster()
        self.hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        self.lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))

    def test_attach_detach(self):  # 12.22-12.24, 12.26, 12.33
        self.fault(22, self.s.attachLogicalVolume, v(lvolname="a"))
        self.fault(22, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=99))
        tree = self.s.showLogicalVolume(v(lvolid=self.lv))
        self.assertEqual(self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid)), 0)
        sent = self.hsvr.called("attachLogicalVolume")
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["lvolstruct"], tree)
        self.assertEqual(sent[0]["ver"], 5)
        e = self.s.listLogicalVolumes(v(lvolid=self.lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"], e["bind_event"]), (self.hid, 1, 0))
        legs = self.s.showLogicalVolume(v(lvolid=self.lv))["components"][0]["components"][0][
            "components"][0]["components"]
        self.assertEqual([d["mirror_status"] for d in legs], [2, 2, 2])
        self.fault(16, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=self.hid))
        self.fault(16, self.s.deleteLogicalVolume, v(lvolname="a"))
        self.assertEqual(self.s.detachLogicalVolume(v(lvolname="a")), 0)
        self.assertEqual(self.s.detachLogicalVolume(v(lvolname="a")), 0)
        e = self.s.listLogicalVolumes(v(lvolid=self.lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (0, 0))
        # once attached, a delete shreds every leg before reuse
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolname="a")), 0)
        self.assertEqual([s["available"] for s in self.s.listStorageServers(v())], [0, 0, 0])
        self.wait_shredded()
        self.assertEqual([s["available"] for s in self.s.listStorageServers(v())], [10, 10, 10])
        self.invariants()

    def test_attach_error(self):  # 12.25
        self.hsvr.event_answer = lambda ev: [5, 5]
        f = self.fault(5, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=self.hid))
        self.assertEqual(f.faultString, "EIO")
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_status"], 2)
        self.fault(16, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=self.hid))
        self.hsvr.event_answer = lambda ev: [3, 0]
        self.assertEqual(self.s.detachLogicalVolume(v(lvolname="a")), 0)
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_status"], 0)

    def test_attach_rolled_back(self):
        # Our head agent, asked for detail, says the failed attach left
        # nothing: the cause reaches the client, no ERROR row stays to
        # make createSnapshot answer EBUSY.
        cause = "attach failed, rolled back: 'multipath /dev/sdc': exit 1: x"
        self.hsvr.event_answer = lambda ev: [5, 5, cause, 1]
        f = self.fault(5, self.s.attachLogicalVolume,
                       v(lvolname="a", hsvrid=self.hid))
        self.assertEqual(f.faultString, "EIO: " + cause[:122])
        e = self.s.listLogicalVolumes(v(lvolid=self.lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (0, 0))
        try:  # this fixture has no room for a COW store: ENOSPC is fine
            self.s.createSnapshot(v(origin_lvolname="a",
                                    snapshot_lvolname="a-snap"))
        except xmlrpc.client.Fault as snap_fault:
            self.assertNotEqual(snap_fault.faultCode, 16, "EBUSY")
        self.hsvr.event_answer = lambda ev: [3, 0]
        self.assertEqual(self.s.attachLogicalVolume(
            v(lvolname="a", hsvrid=self.hid)), 0)

    def test_detach_busy(self):  # 12.27
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid))
        self.hsvr.event_answer = lambda ev: [5, 16]
        self.fault(16, self.s.detachLogicalVolume, v(lvolname="a"))
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_status"], 1)

    def test_agent_refuses(self):
        def refuse(method, p):
            raise xmlrpc.client.Fault(22, "EINVAL")
        self.hsvr.request_answer = refuse
        self.fault(22, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=self.hid))
        e = self.s.listLogicalVolumes(v(lvolid=self.lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (0, 0))

    def test_agent_forgets_event(self):  # 7.4: NONE -> same request again
        answers = iter([[0, 0], [2, 0], [3, 0]])
        self.hsvr.event_answer = lambda ev: next(answers)
        self.assertEqual(self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid)), 0)
        sent = self.hsvr.called("attachLogicalVolume")
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[0]["eventid"], sent[1]["eventid"])

    def test_in_flight_state_visible(self):  # 7.4
        gate = threading.Event()
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        t = threading.Thread(target=lambda: self.sm.proxy().attachLogicalVolume(
            v(lvolname="a", hsvrid=self.hid)))
        t.start()
        self.assertTrue(wait_until(lambda: self.hsvr.called("getEventStatus")))
        e = self.s.listLogicalVolumes(v(lvolid=self.lv))[0]
        self.assertEqual((e["bind_status"], e["bind_event"]), (1, 1))
        self.fault(16, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=self.hid))
        self.fault(11, self.s.detachLogicalVolume, v(lvolname="a"))
        gate.set()
        t.join(30)
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_event"], 0)

    def test_head_failure_drops_attachments(self):  # 12.40
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid))
        n = len(self.hsvr.calls)
        self.assertEqual(self.s.notifyFailure(v(target=1, targetid=self.hid)), 0)
        self.assertEqual(len(self.hsvr.calls), n)
        e = self.s.listLogicalVolumes(v(lvolid=self.lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (0, 0))
        self.assertEqual(self.s.listHeadServers(v())[0]["priority"], 4)
        self.assertEqual(self.s.notifyFailure(v(target=1, targetid=self.hid)), 0)
        self.fault(22, self.s.attachLogicalVolume, v(lvolname="a", hsvrid=self.hid))

    def test_snapshot_of_attached_origin(self):  # 12.30, 12.34
        self.cluster_more()
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid))
        ev_before = int(self.sm.sql("SELECT id FROM idtable WHERE type = 5"))
        snap = self.s.createSnapshot(v(origin_lvolname="a", snapshot_lvolname="s"))
        sent = self.hsvr.called("attachLogicalVolume")
        self.assertEqual(len(sent), 2)
        self.assertEqual(sent[1]["lvolstruct"]["lvolid"], snap)
        self.assertEqual(sent[1]["lvolstruct"]["components"][0]["lvoltype"], 7)
        self.assertEqual(sent[1]["eventid"], ev_before)
        self.assertEqual(int(self.sm.sql("SELECT id FROM idtable WHERE type = 5")), ev_before + 1)
        e = self.s.listLogicalVolumes(v(lvolid=snap))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"], e["bind_event"]), (self.hid, 1, 0))
        self.assertEqual(self.sm.sql("SELECT DISTINCT mirror_status FROM lvolmap WHERE "
                                     "toplvolid = %d AND lvoltype = 3" % snap), "2")
        # deleting the attached snapshot detaches only it, then deletes it
        self.assertEqual(self.s.deleteLogicalVolume(v(lvolid=snap)), 0)
        det = self.hsvr.called("detachLogicalVolume")
        self.assertEqual([d["lvolstruct"]["lvolid"] for d in det], [snap])
        self.assertEqual([x["lvolid"] for x in self.s.listLogicalVolumes(v())], [self.lv])
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_status"], 1)
        self.invariants()

    def test_refused_snapshot_attach_undoes_the_snapshot(self):  # M44
        self.cluster_more()
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid))

        def refuse(method, p):
            raise xmlrpc.client.Fault(22, "EINVAL")
        self.hsvr.request_answer = refuse
        self.fault(22, self.s.createSnapshot, v(origin_lvolname="a", snapshot_lvolname="s"))
        self.assertEqual([x["lvolname"] for x in self.s.listLogicalVolumes(v())], ["a"])
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_status"], 1)
        self.hsvr.request_answer = lambda m, p: 0
        self.assertTrue(self.s.createSnapshot(v(origin_lvolname="a", snapshot_lvolname="s")))
        self.invariants()

    def test_busy_snapshot_delete_keeps_it(self):  # M45
        self.cluster_more()
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid))
        snap = self.s.createSnapshot(v(origin_lvolname="a", snapshot_lvolname="s"))
        self.hsvr.event_answer = lambda ev: [5, 16]
        self.fault(16, self.s.deleteLogicalVolume, v(lvolid=snap))
        self.assertEqual(len(self.s.listLogicalVolumes(v(lvolid=snap))), 1)
        self.assertEqual(self.s.listLogicalVolumes(v(lvolid=self.lv))[0]["bind_status"], 1)

    def cluster_more(self):
        """Room for a snapshot: three more disks."""
        for i, sid in enumerate(x["ssvrid"] for x in self.s.listStorageServers(v())):
            self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/dev/more", capacity="63000000"))
        self.wait_shredded()

    def test_shutdown_refused_while_attached(self):
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=self.hid))
        self.fault(16, self.s.shutdownAll, v())


class Failures(SmTestCase):
    def test_notify_input(self):  # 12.39, 12.45
        self.cluster()
        self.fault(22, self.s.notifyFailure, v(target=9, targetid=1))
        self.fault(22, self.s.notifyFailure, v(target=1))
        self.fault(22, self.s.notifyFailure, v(target="1", targetid=1))
        for t in (1, 2, 3):
            self.assertEqual(self.s.notifyFailure(v(target=t, targetid=77)), 0)
        self.fault(2, self.s.notifyFailure, v(target=4, targetid=7777))
        self.fault(22, self.s.notifyBadBlocks, v(pdskid=999, blocks=[0]))
        self.fault(22, self.s.notifyBadBlocks, v(pdskid=1, blocks=[500]))
        self.fault(22, self.s.notifyBadBlocks, v(pdskid=1, blocks=["0"]))

    def test_storage_server_failure_marks_fault(self):  # 12.41 (bookkeeping part)
        ssvrids, _ = self.cluster()
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        self.assertEqual(self.s.notifyFailure(v(target=2, targetid=ssvrids[0])), 0)
        s = self.s.listStorageServers(v(ssvrid=ssvrids[0]))[0]
        self.assertEqual((s["priority"], s["available"]), (4, 0))
        self.assertEqual(self.s.listPhysicalDisks(v(ssvrid=ssvrids[0]))[0]["priority"], 4)
        self.assertTrue(self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"])
        self.assertEqual(self.s.notifyFailure(v(target=2, targetid=ssvrids[0])), 0)

    def test_bad_blocks_retire_free_extent(self):
        _, pdskids = self.cluster()
        self.assertEqual(self.s.notifyBadBlocks(v(pdskid=pdskids[0], blocks=[3])), 0)
        d = self.s.listPhysicalDisks(v())[0]
        self.assertEqual((d["priority"], d["available"]), (2, 0))
        self.invariants()


class Restart(SmTestCase):
    def test_restart_preserves_everything(self):  # 12.56
        self.cluster()
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        self.s.attachLogicalVolume(v(lvolname="a", hsvrid=hid))
        snap = lambda p: (p.listLogicalVolumes(v()), p.listStorageServers(v()),
                          p.listPhysicalDisks(v()), p.listHeadServers(v()),
                          p.showLogicalVolume(v(lvolname="a")))
        before = snap(self.s)
        self.assertEqual(self.sm.stop(), 0)
        self.sm.start()
        self.s = self.sm.proxy()
        self.assertEqual(snap(self.s), before)

    def test_attach_in_flight_resumes_after_kill(self):  # 12.55
        self.cluster()
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        self.hsvr.event_answer = lambda ev: [2, 0]
        t = threading.Thread(target=lambda: self.fault_quiet(
            lambda: self.sm.proxy().attachLogicalVolume(v(lvolid=lv, hsvrid=hid))))
        t.start()
        self.assertTrue(wait_until(lambda: self.hsvr.called("getEventStatus")))
        ev = self.hsvr.called("attachLogicalVolume")[0]["eventid"]
        self.sm.kill()
        t.join(30)
        self.hsvr.event_answer = lambda e: [0, 0] if len(self.hsvr.called("attachLogicalVolume")) < 2 else [3, 0]
        self.sm.start()
        self.s = self.sm.proxy()
        self.assertTrue(wait_until(lambda: self.s.listLogicalVolumes(v(lvolid=lv))[0]["bind_event"] == 0))
        self.assertEqual([c["eventid"] for c in self.hsvr.called("attachLogicalVolume")], [ev, ev])
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (hid, 1))

    def fault_quiet(self, fn):
        """fn() while the manager is killed: only a dropped connection or
        a fault may come of it."""
        try:
            fn()
        except (xmlrpc.client.Fault, xmlrpc.client.ProtocolError, OSError,
                http.client.HTTPException):
            pass

    def test_shred_in_progress_resumes_after_kill(self):  # 12.54
        for a in self.ssvrs:
            a.event_answer = lambda ev: [2, 0]
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
        self.assertTrue(wait_until(lambda: self.sm.sql("SELECT status FROM shred") == "2"))
        ev = self.ssvrs[0].called("registerShredRequest")[0]["eventid"]
        self.sm.kill()
        self.ssvrs[0].event_answer = lambda e: [3, 0]
        self.sm.start()
        self.s = self.sm.proxy()
        self.wait_shredded()
        again = [p["eventid"] for p in self.ssvrs[0].called("registerShredRequest")]
        self.assertEqual(again, [ev, ev])
        self.assertEqual(self.s.listPhysicalDisks(v())[0]["available"], 10)


if __name__ == "__main__":
    main()
