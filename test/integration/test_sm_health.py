"""Health polling (issue 8): a server that stops answering helloWorld on
every address is failed through the notifyFailure path; a blip is not a
failure; most servers silent at once means the manager's own network."""
import statistics
import subprocess
import time

from vastest import FakeAgent, SmTestCase, main, more_calls, v, wait_until

MUTATE_LOCK = 5652819  # DB_MUTATE_LOCK: every mutating transaction waits for it


class Health(SmTestCase):
    n_ssvr = 4

    def sm_options(self):
        return {"server_check_interval": 1, "health_timeout_ms": 500,
                "health_retry_ms": 300, "resync_poll_ms": 100}

    def setUp(self):
        super().setUp()
        self.ssvrids, _ = self.cluster(disk_sectors=str(2099200 * 21))
        self.hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))

    def prio(self, kind, i):
        return getattr(self.s, "list%sServers" % kind)(v())[i]["priority"]

    def test_all_alive_nothing_happens(self):
        # two whole passes asked every server...
        self.assertTrue(all(more_calls(a, "helloWorld") for a in self.ssvrs + [self.hsvr]))
        # ...and failed none
        self.assertEqual([s["priority"] for s in self.s.listStorageServers(v())], [1, 1, 1, 1])
        self.assertEqual(self.s.listHeadServers(v())[0]["priority"], 1)

    def test_dead_storage_server_is_failed_and_remirrored(self):
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        tree = self.s.showLogicalVolume(v(lvolid=lv))
        mirror = tree["components"][0]["components"][0]["components"][0]
        victim = mirror["components"][0]["lvolspec"]["ssvrid"]
        self.ssvrs[self.ssvrids.index(victim)].stop()
        self.assertTrue(wait_until(lambda: self.prio("Storage", self.ssvrids.index(victim)) == 4, 15))
        self.assertTrue(wait_until(lambda: not self.s.listLogicalVolumes(v(lvolid=lv))[0]["fault"], 15))
        self.assertEqual([s["priority"] for i, s in enumerate(self.s.listStorageServers(v()))
                          if self.ssvrids[i] != victim], [1, 1, 1])
        self.invariants()
        # it comes back: the reporter re-registers it
        self.ssvrs[self.ssvrids.index(victim)] = FakeAgent(
            "127.0.0.%d" % (11 + self.ssvrids.index(victim)), self.ssvr_port)
        self.s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + self.ssvrids.index(victim))]))
        self.assertTrue(more_calls(self.ssvrs[self.ssvrids.index(victim)], "helloWorld"))
        self.assertEqual(self.prio("Storage", self.ssvrids.index(victim)), 1)

    def test_dead_head_server_drops_attachments(self):
        lv = self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        self.s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hid))
        self.hsvr.stop()
        self.assertTrue(wait_until(lambda: self.prio("Head", 0) == 4, 15))
        e = self.s.listLogicalVolumes(v(lvolid=lv))[0]
        self.assertEqual((e["hsvrid"], e["bind_status"]), (0, 0))
        self.hsvr = FakeAgent("127.0.0.21", self.hsvr_port)

    def test_mass_silence_fails_nobody(self):
        for a in self.ssvrs:
            a.stop()
        # two passes found most servers silent...
        self.assertTrue(wait_until(lambda: self.sm.logtext().count(
            "suspecting this manager's own network") >= 2))
        # ...and failed none of them
        self.assertEqual([s["priority"] for s in self.s.listStorageServers(v())], [1, 1, 1, 1])
        self.ssvrs = [FakeAgent("127.0.0.%d" % (11 + i), self.ssvr_port) for i in range(4)]

    def test_second_address_keeps_a_server_alive(self):
        second = FakeAgent("127.0.0.16", self.ssvr_port)
        try:
            sid = self.s.registerStorageServer(v(ip_data=["127.0.0.17", "127.0.0.16"]))
            # .17 has no agent, .16 answers, pass after pass
            self.assertTrue(more_calls(second, "helloWorld"))
            self.assertEqual(self.s.listStorageServers(v(ssvrid=sid))[0]["priority"], 1)
        finally:
            second.stop()


    def hold_mutation_lock(self):
        """A session of the test's own holds every writer's lock."""
        holder = subprocess.Popen(["psql", "-XAtq", "-h", self.pg.dir, "-U", "vas", "-d",
                                   self.sm.db], stdin=subprocess.PIPE, text=True,
                                  stdout=subprocess.DEVNULL)
        self.addCleanup(holder.wait, 20)
        self.addCleanup(holder.kill)
        holder.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(%d);\n" % MUTATE_LOCK)
        holder.stdin.flush()
        self.assertTrue(wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %d AND "
            "granted" % MUTATE_LOCK) == "1", 20))
        return holder

    def test_polling_goes_on_while_a_failure_is_recorded(self):
        # Recording the failure waits for the lock; meanwhile every live
        # server must still be asked, pass after pass (issue 14: at 1 000
        # servers one poll came 10 s late during a failure).
        victim = self.ssvrids[0]
        holder = self.hold_mutation_lock()
        self.ssvrs[0].stop()
        self.assertTrue(wait_until(lambda: "ssvr-%08x does not answer on any address" % victim
                                   in self.sm.logtext(), 20))
        self.assertTrue(all(more_calls(a, "helloWorld", n=3) for a in self.ssvrs[1:] + [self.hsvr]),
                        "polling stopped while the failure waited for the lock")
        self.assertEqual(self.prio("Storage", 0), 1)  # its recording still waits
        holder.stdin.write("COMMIT;\n")
        holder.stdin.close()
        self.assertTrue(wait_until(lambda: self.prio("Storage", 0) == 4, 20))
        self.ssvrs[0] = FakeAgent("127.0.0.11", self.ssvr_port)


class Rhythm(SmTestCase):
    """The polling interval is kept from one pass's start to the next's."""
    n_ssvr = 2

    def sm_options(self):
        return {"server_check_interval": 2, "health_timeout_ms": 5000}

    def test_a_slow_answer_does_not_stretch_the_interval(self):
        self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerStorageServer(v(ip_data=["127.0.0.12"]))
        # every pass waits 1.5 s for the slow one's answer
        self.ssvrs[0].note_peer = lambda m, p, peer: time.sleep(1.5) if m == "helloWorld" else None
        asked = []
        self.ssvrs[1].note_peer = lambda m, p, peer: asked.append(time.time()) \
            if m == "helloWorld" else None
        self.assertTrue(wait_until(lambda: len(asked) >= 6, 40))
        gaps = [b - a for a, b in zip(asked, asked[1:])]
        # 2 s apart; counted from each pass's end they were 3.5 s apart
        self.assertLess(statistics.median(gaps), 2.75, gaps)

    def test_each_server_is_asked_at_its_own_offset(self):
        # Asks spread over half the interval (1 s for 2 servers): the
        # second server's turn comes 0.5 s into each pass, however soon
        # the first answers, so one slow pass does not move it.
        self.s.registerStorageServer(v(ip_data=["127.0.0.11"]))
        self.s.registerStorageServer(v(ip_data=["127.0.0.12"]))
        asked = ([], [])
        for i in range(2):
            self.ssvrs[i].note_peer = lambda m, p, peer, t=asked[i]: t.append(time.time()) \
                if m == "helloWorld" else None
        self.assertTrue(wait_until(lambda: min(len(t) for t in asked) >= 4, 40))
        for first, second in list(zip(*asked))[1:4]:
            self.assertGreater(second - first, 0.4, asked)


if __name__ == "__main__":
    main()
