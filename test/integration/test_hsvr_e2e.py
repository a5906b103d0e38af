"""End to end with the real vas_sm (throw-away PostgreSQL): hsvr_reporter
registers the real hsvr_agent (simulated device back end); a volume is
created, attached (devices and /dev/vas links exist), a failed leg is
reported and the manager marks it SPARE, the volume is detached and
nothing is left. Storage servers are the harness's fake agents (the real
ssvr_agent lives on its own branch)."""
import os
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import vastest  # noqa: E402
from hsvr_harness import (BUILD, Agent, set_member_state,  # noqa: E402
                          skip_if_missing)
from vastest import v, wait_until  # noqa: E402

skip_if_missing()
REPORTER = os.path.join(BUILD, "agents", "hsvr", "hsvr_reporter")
if not os.access(os.path.join(BUILD, "sm", "vas_sm"), os.X_OK):
    vastest.skip("vas_sm not built")


class _NoAgent:
    def stop(self):
        pass


class HeadServerE2E(vastest.SmTestCase):
    def setUp(self):
        super().setUp()
        self.hsvr.stop()  # the real agent takes the fake one's place
        self.hsvr = _NoAgent()
        self.agent = Agent({"listen_address": "127.0.0.21",
                            "port": str(self.hsvr_port),
                            "ip_data": "127.0.0.21",
                            "register_retry_s": "1"},
                           sm_port=self.sm.port)
        self.cluster()

    def tearDown(self):
        try:
            self.agent.stop()
        finally:
            super().tearDown()

    def legs(self, lvolid):
        tree = self.s.showLogicalVolume(v(lvolid=lvolid))
        return tree["components"][0]["components"][0]["components"][0][
            "components"]

    def register(self):
        a = self.agent
        r = subprocess.run([REPORTER, "--config", a.conf],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(os.path.join(a.state, "hsvrid")) as f:
            return int(f.read().strip()[5:], 16)

    def test_extend_attached_volume(self):
        """issue 16: the manager books a mirror, the agent grows the
        device in place."""
        a, hid = self.agent, self.register()
        for srv in self.s.listStorageServers(v()):  # room for a mirror more
            self.s.registerPhysicalDisk(v(ssvrid=srv["ssvrid"], local_path="/dev/sdc",
                                          capacity="21000000"))
        self.wait_shredded()
        lv = self.s.createLogicalVolume(v(lvolname="grow", capacity=10, redundancy=2))
        self.assertEqual(self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid)), 0)
        so = self.s.showLogicalVolume(v(lvolid=lv))["components"][0]["lvolid"]
        self.assertEqual(self.s.extendLogicalVolume(v(lvolid=lv, capacity=20)), 0)
        with open(a.dm_file("snapshot-origin-%08x" % so)) as f:
            self.assertIn("size=%d\n" % (20 * 2097152), f.read())
        mirrors = self.s.showLogicalVolume(v(lvolid=lv))["components"][0][
            "components"][0]["components"]
        self.assertEqual([len(m["components"]) for m in mirrors], [2, 2])
        self.assertEqual({leg["mirror_status"] for m in mirrors
                          for leg in m["components"]}, {2})
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["capacity"], e["bind_status"], e["bind_event"]), (20, 1, 0))
        self.assertEqual(self.s.detachLogicalVolume(v(lvolid=lv)), 0)
        self.assertEqual(a.devices(), [])

    def test_register_attach_fail_detach(self):
        a = self.agent
        hid = self.register()
        hs = self.s.listHeadServers(v(hsvrid=hid))
        self.assertEqual(hs[0]["ip_data"], ["127.0.0.21"])
        lv = self.s.createLogicalVolume(v(lvolname="e2e", capacity=10))
        self.assertEqual(
            self.s.attachLogicalVolume(v(lvolname="e2e", hsvrid=hid)), 0)
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (hid, 1))
        tree = self.s.showLogicalVolume(v(lvolid=lv))
        so = tree["components"][0]["lvolid"]
        top = a.mapper("snapshot-origin-%08x" % so)
        for label in ("e2e", "lvol-%08x" % lv):
            self.assertEqual(os.readlink(a.p("/dev/vas/" + label)), top)
        legs = self.legs(lv)
        self.assertEqual(len(legs), 3)
        creates = [c for c in a.commands(clear=False)
                   if c[:2] == ["mdadm", "--create"]]
        self.assertEqual(len(creates), 1)
        self.assertIn("--raid-devices=3", creates[0])
        # A leg fails: the agent's monitor reports it, the manager marks
        # the extent SPARE (and queues a resync).
        bad = legs[1]
        mirror = tree["components"][0]["components"][0]["components"][0]
        set_member_state(a, mirror["lvolid"], "%08x-%08x" % (
            bad["lvolspec"]["ssvrid"], bad["lvolid"]), "faulty")
        ok = wait_until(lambda: self.legs(lv)[1]["mirror_status"] == 3, 20)
        self.assertTrue(ok, "leg not marked SPARE:\n" +
                        a.logtext()[-2000:] + self.sm.logtext()[-2000:])
        # The agent logs the call once it returned: it may follow the
        # manager's change.
        said = "notifyFailure LVOL %08x was called" % bad["lvolid"]
        self.assertTrue(wait_until(lambda: said in a.logtext(), 20),
                        a.logtext()[-2000:])
        set_member_state(a, mirror["lvolid"], "%08x-%08x" % (
            bad["lvolspec"]["ssvrid"], bad["lvolid"]), "in_sync")
        self.assertEqual(self.s.detachLogicalVolume(v(lvolname="e2e")), 0)
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (0, 0))
        self.assertEqual(a.devices(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
