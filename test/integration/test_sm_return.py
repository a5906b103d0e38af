"""A storage server that fails and registers again before its legs were
replaced (issue #18): the legs the manager gave up on must be rebuilt, not
trusted as they are - the head wrote on without them."""
from vastest import SmTestCase, main, v, wait_until


def legs(tree):
    linear = tree["components"][0]["components"][0]
    return [d for m in linear["components"] for d in m["components"]]


class Return(SmTestCase):
    n_ssvr = 3

    def sm_options(self):
        return {"resync_poll_ms": 100}

    def test_returning_server_legs_rebuilt(self):
        ssvrids, _ = self.cluster(disk_sectors=str(2099200 * 21))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=3))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
        gone = ssvrids[0]
        # every other server holds a leg already: no room, the leg is given up
        self.s.notifyFailure(v(target=2, targetid=gone))
        self.assertTrue(self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"])
        self.assertEqual(self.hsvr.called("replaceMirrorDisk"), [])
        # back before any evacuation pass found room
        self.assertEqual(self.s.registerStorageServer(v(ip_data=["127.0.0.11"])), gone)
        self.s.registerPhysicalDisk(v(ssvrid=gone, local_path="/dev/sdb",
                                      capacity=str(2099200 * 21)))
        on_gone = [d for d in legs(self.s.showLogicalVolume(v(lvolid=lv)))
                   if d["lvolspec"]["ssvrid"] == gone]
        self.assertEqual(len(on_gone), 1)
        self.assertNotEqual(on_gone[0]["mirror_status"], 2, "trusted as INSYNC")
        req = wait_until(lambda: self.hsvr.called("replaceMirrorDisk"))
        self.assertTrue(req, "the returned leg is never rebuilt")
        self.assertTrue(wait_until(
            lambda: not self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"]))
        self.invariants()


if __name__ == "__main__":
    main()
