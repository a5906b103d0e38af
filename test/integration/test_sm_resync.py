"""Failures and re-mirroring (sm.md 8, issue 8) against the real vas_sm with
fake storage and head agents: replacement legs, replaceMirrorDisk driven to
DONE, repair of unattached volumes at attach, no-room degradation healed
later, single-extent re-add, bad blocks, the last-copy rule."""
import threading

from vastest import SmTestCase, main, more_calls, v, wait_until


def legs(tree):
    """mirror id -> list of DEXT nodes, through LVOL/SO/LINEAR."""
    linear = tree["components"][0]["components"][0]
    return {m["lvolid"]: m["components"] for m in linear["components"]}


class Resync(SmTestCase):
    n_ssvr = 4

    def sm_options(self):
        return {"resync_poll_ms": 100}

    def setUp(self):
        super().setUp()
        self.ssvrids, self.pdskids = self.cluster(disk_sectors=str(2099200 * 21))
        self.hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))

    def fault_of(self, lv):
        return self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"]

    def server_of_leg(self, lv):
        m = list(legs(self.s.showLogicalVolume(v(lvolid=lv))).values())[0]
        return [d["lvolspec"]["ssvrid"] for d in m]

    def test_storage_server_failure_is_remirrored(self):  # 12.41, 12.42
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        before = self.server_of_leg(lv)
        gone = before[0]
        spare = [s for s in self.ssvrids if s not in before][0]
        gate = threading.Event()
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        self.assertEqual(self.s.notifyFailure(v(target=2, targetid=gone)), 0)
        after = self.server_of_leg(lv)
        self.assertNotIn(gone, after)
        self.assertIn(spare, after)
        self.assertTrue(self.fault_of(lv))
        req = wait_until(lambda: self.hsvr.called("replaceMirrorDisk"))
        self.assertTrue(req)
        r = req[0]
        self.assertEqual(r["add"]["lvolspec"]["ssvrid"], spare)
        self.assertEqual(r["remove"]["lvolspec"]["ssvrid"], gone)
        self.assertEqual((r["remove"]["capacity"], r["remove"]["lvolspec"]["offset"]), (0, 0))
        self.assertNotIn("components", r["add"])
        self.assertTrue(wait_until(lambda: self.s.listHeadServers(v())[0]["resync"] == 1))
        self.assertEqual(self.s.listStorageServers(v(ssvrid=spare))[0]["resync"], 1)
        gate.set()
        self.assertTrue(wait_until(lambda: not self.fault_of(lv)))
        self.assertEqual(self.s.listHeadServers(v())[0]["resync"], 0)
        for m in legs(self.s.showLogicalVolume(v(lvolid=lv))).values():
            self.assertEqual([d["mirror_status"] for d in m], [2, 2, 2])
        # the old extent waits, OFFLINE, for its server to come back
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap d JOIN pdsklst p USING (pdskid) "
                                     "WHERE p.ssvrid = %d AND d.status = 4" % gone), "1")
        self.invariants()

    def test_old_leg_left_on_the_head_is_reported(self):
        """DONE, but the head could not tear the old leg down: the
        manager asks for the reason and reports it."""
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        note = "old extent dext-0000abcd of mirr-00001234 not torn down: busy"
        self.hsvr.event_answer = lambda ev: [3, 0, note, 0]
        self.s.notifyFailure(v(target=2, targetid=self.server_of_leg(lv)[0]))
        self.assertTrue(wait_until(lambda: not self.fault_of(lv)))
        self.assertIn("hsvr-%08x: %s" % (self.hid, note), self.sm.logtext())

    def test_unattached_volume_repaired_at_attach(self):
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        self.s.detachLogicalVolume(v(lvolid=lv))
        gone = self.server_of_leg(lv)[0]
        self.s.notifyFailure(v(target=2, targetid=gone))
        self.assertTrue(self.fault_of(lv))
        self.assertEqual(self.sm.sql("SELECT count(*) FROM resync"), "0")
        self.assertEqual(self.hsvr.called("replaceMirrorDisk"), [])
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        self.assertTrue(wait_until(lambda: not self.fault_of(lv)))
        self.assertEqual(len(self.hsvr.called("replaceMirrorDisk")), 1)

    def test_never_attached_legs_replaced_without_resync(self):
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        gone = self.server_of_leg(lv)[0]
        self.s.notifyFailure(v(target=2, targetid=gone))
        self.assertFalse(self.fault_of(lv))  # ALLOCATED legs hold no data
        self.assertNotIn(gone, self.server_of_leg(lv))
        self.invariants()

    def test_disk_failure(self):  # 12.43
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        victim = self.pdskids[self.ssvrids.index(self.server_of_leg(lv)[0])]
        self.assertEqual(self.s.notifyFailure(v(target=3, targetid=victim)), 0)
        d = [x for x in self.s.listPhysicalDisks(v()) if x["pdskid"] == victim][0]
        self.assertEqual((d["priority"], d["available"]), (5, 0))
        self.assertEqual(self.sm.sql("SELECT DISTINCT status FROM dskmap WHERE pdskid = %d "
                                     "AND status <> 5" % victim), "6")
        self.assertTrue(wait_until(lambda: not self.fault_of(lv)))
        self.invariants()

    def test_single_extent_readded(self):  # 12.44, 8.5
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        leg = list(legs(self.s.showLogicalVolume(v(lvolid=lv))).values())[0][0]["lvolid"]
        gate = threading.Event()
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        self.assertEqual(self.s.notifyFailure(v(target=4, targetid=leg)), 0)
        self.assertTrue(self.fault_of(lv))
        self.assertEqual(self.s.notifyFailure(v(target=4, targetid=leg)), 0)  # repeats absorbed
        r = wait_until(lambda: self.hsvr.called("replaceMirrorDisk"))[0]
        self.assertEqual(r["add"]["lvolid"], leg)
        self.assertEqual(r["remove"], r["add"])
        gate.set()
        self.assertTrue(wait_until(lambda: not self.fault_of(lv)))
        # an extent that is in no volume: EINVAL; unknown: ENOENT
        free = self.sm.sql("SELECT min(dextid) FROM dskmap WHERE status = 2")
        self.fault(22, self.s.notifyFailure, v(target=4, targetid=int(free)))
        self.fault(2, self.s.notifyFailure, v(target=4, targetid=99999))

    def test_failed_rebuild_retries_with_backoff(self):  # M65
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        self.hsvr.event_answer = lambda ev: [5, 5]
        self.s.notifyFailure(v(target=2, targetid=self.server_of_leg(lv)[0]))
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT attempts > 0 AND status = 1 AND next_try > now() FROM resync") == "t"))
        self.assertEqual(len(self.hsvr.called("replaceMirrorDisk")), 1)
        self.assertTrue(self.fault_of(lv))

    def test_bad_blocks_replace_the_leg_elsewhere(self):  # 8.6, M72
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        srv = self.server_of_leg(lv)[0]
        disk = self.pdskids[self.ssvrids.index(srv)]
        off = int(self.sm.sql("SELECT d.\"offset\" FROM dskmap d JOIN lvolmap m USING (dextid) "
                              "WHERE d.pdskid = %d" % disk))
        self.assertEqual(self.s.notifyBadBlocks(v(pdskid=disk, blocks=[off + 3, off + 4])), 0)
        self.assertNotIn(srv, self.server_of_leg(lv))
        self.assertEqual([x["priority"] for x in self.s.listPhysicalDisks(v()) if x["pdskid"] == disk],
                         [2])
        self.assertTrue(wait_until(lambda: not self.fault_of(lv)))
        self.invariants()


class ReaddGrace(SmTestCase):
    """Health polling on (every 60 s, a retry after 2 s)."""
    n_ssvr = 4

    def sm_options(self):
        return {"resync_poll_ms": 100, "server_check_interval": 60, "health_retry_ms": 2000}

    def setUp(self):
        super().setUp()
        self.ssvrids, self.pdskids = self.cluster(disk_sectors=str(2099200 * 21))
        self.hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))

    def test_readd_waits_for_the_health_check(self):  # M74
        """A head's leg failure while health polling runs: the same extent
        is re-added only after a poll and its retry could have found the
        server dead; when it is, the evacuation's replacement goes instead
        and the head is never asked to rebuild onto the dead server."""
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        leg = list(legs(self.s.showLogicalVolume(v(lvolid=lv))).values())[0][0]
        self.assertEqual(self.s.notifyFailure(v(target=4, targetid=leg["lvolid"])), 0)
        left = float(self.sm.sql(
            "SELECT extract(epoch FROM next_try - now()) FROM resync "
            "WHERE lvolid_add = %d AND lvolid_rm = %d" % (leg["lvolid"], leg["lvolid"])))
        self.assertTrue(50 < left <= 62, left)  # 60 s interval + 2 s retry
        self.assertEqual(self.s.notifyFailure(v(target=2, targetid=leg["lvolspec"]["ssvrid"])), 0)
        calls = wait_until(lambda: self.hsvr.called("replaceMirrorDisk"))
        self.assertEqual(calls[0]["remove"]["lvolid"], leg["lvolid"])
        self.assertNotEqual(calls[0]["add"]["lvolspec"]["ssvrid"], leg["lvolspec"]["ssvrid"])
        self.assertEqual(self.sm.sql("SELECT count(*) FROM resync WHERE lvolid_add = %d"
                                     % leg["lvolid"]), "0")


class NoRoom(SmTestCase):
    n_ssvr = 3

    def sm_options(self):
        return {"resync_poll_ms": 100}

    def test_degraded_until_space_appears(self):  # M63
        ssvrids, _ = self.cluster()
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        self.assertEqual(self.s.notifyFailure(v(target=2, targetid=ssvrids[0])), 0)
        # recorded even without room: server OFFLINE, volume degraded
        self.assertEqual(self.s.listStorageServers(v(ssvrid=ssvrids[0]))[0]["priority"], 4)
        self.assertTrue(self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"])
        self.assertEqual(self.hsvr.called("replaceMirrorDisk"), [])
        # a new server with room: the evacuation pass books and rebuilds
        self.ssvrs.append(__import__("vastest").FakeAgent("127.0.0.14", self.ssvr_port))
        sid = self.s.registerStorageServer(v(ip_data=["127.0.0.14"]))
        self.s.registerPhysicalDisk(v(ssvrid=sid, local_path="/d", capacity="21000000"))
        self.assertTrue(wait_until(lambda: not self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"]))
        self.invariants()

    def test_last_copy_is_not_rebuilt_from_nothing(self):  # M68
        ssvrids, _ = self.cluster()
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=2))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        self.hsvr.event_answer = lambda ev: [2, 0]
        first, second = [d["lvolid"] for d in
                          list(legs(self.s.showLogicalVolume(v(lvolid=lv))).values())[0]]
        self.s.notifyFailure(v(target=4, targetid=first))
        self.assertTrue(wait_until(lambda: self.hsvr.called("replaceMirrorDisk")))
        self.s.notifyFailure(v(target=4, targetid=second))  # the source died too
        self.assertEqual(self.sm.sql("SELECT count(*) FROM lvolmap WHERE mirror_status = 2"), "0")
        self.assertTrue(more_calls(self.hsvr, "getEventStatus"))  # passes go on
        # nothing is rebuilt from a mirror without an in-sync copy
        self.assertEqual([r["add"]["lvolid"] for r in self.hsvr.called("replaceMirrorDisk")],
                         [first])


if __name__ == "__main__":
    main()
