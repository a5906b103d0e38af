"""PostgreSQL away under the manager (issue 13, item 4): calls answer
EAGAIN (11) while it is down, never 500; the manager reconnects by itself
and the first call after the restart succeeds; a transaction cut off in
the middle is not committed (EAGAIN), one cut off while its COMMIT was
under way answers what really happened."""
import subprocess
import threading
import xmlrpc.client

from vastest import PG_BIN, SmTestCase, main, v, wait_until


class DatabaseOutage(SmTestCase):
    n_ssvr = 3

    def pg_ctl(self, action):
        extra = ["-o", "-k %s -c listen_addresses='' -c fsync=off -c max_connections=300"
                 % self.pg.dir] if action == "start" else ["-m", "immediate"]
        subprocess.run(self.pg.as_pg + [PG_BIN + "/pg_ctl", "-D", self.pg.dir + "/data", "-l",
                                        self.pg.dir + "/log", "-w"] + extra + [action],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sm_backends(self, where):
        return self.pg.psql("SELECT pid FROM pg_stat_activity WHERE datname = '%s' AND %s"
                            % (self.sm.db, where)).split()

    def names(self):
        return [x["lvolname"] for x in self.s.listLogicalVolumes(v())]

    def test_outage_and_reconnect(self):
        self.cluster()
        self.s.createLogicalVolume(v(lvolname="a", capacity=10))
        stop = threading.Event()
        codes = set()

        def load():
            p = self.sm.proxy()
            while not stop.is_set():
                try:
                    p.listLogicalVolumes(v())
                except xmlrpc.client.Fault as f:
                    codes.add(f.faultCode)
                except OSError:  # a keep-alive connection closed by the server
                    p("close")()
                    p = self.sm.proxy()
            p("close")()

        t = threading.Thread(target=load)
        t.start()
        try:
            self.pg_ctl("stop")
            self.fault(11, self.s.listLogicalVolumes, v())
            self.fault(11, self.s.createLogicalVolume, v(lvolname="b", capacity=10))
            self.pg_ctl("start")
            # No call in between: the first one after the restart reconnects.
            self.assertEqual(self.names(), ["a"])
        finally:
            stop.set()
            t.join()
        self.assertTrue(codes <= {11}, codes)
        self.s.deleteLogicalVolume(v(lvolname="a"))
        self.assertGreater(self.s.createLogicalVolume(v(lvolname="b", capacity=10)), 0)
        self.assertIn("database reachable again", self.sm.logtext())
        self.invariants()

    def test_connection_lost_inside_a_transaction(self):
        self.cluster()
        # Another session holds lvollst: the create waits inside its
        # transaction until its connection is terminated.
        holder = subprocess.Popen(
            ["psql", "-XAtq", "-h", self.pg.dir, "-U", "vas", "-d", self.sm.db, "-c",
             "BEGIN; LOCK TABLE lvollst; SELECT pg_sleep(60);"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            self.assertTrue(wait_until(lambda: self.pg.psql(
                "SELECT count(*) FROM pg_locks WHERE relation = 'lvollst'::regclass "
                "AND granted", self.sm.db) != "0", 20))
            result = {}

            def create():
                with self.sm.proxy() as p:
                    try:
                        result["id"] = p.createLogicalVolume(v(lvolname="c", capacity=10))
                    except xmlrpc.client.Fault as f:
                        result["fault"] = f.faultCode

            t = threading.Thread(target=create)
            t.start()
            pids = wait_until(lambda: self.sm_backends("wait_event_type = 'Lock'"), 20)
            self.assertEqual(len(pids), 1)
            self.pg.psql("SELECT pg_terminate_backend(%s)" % pids[0])
            t.join(30)
            self.assertEqual(result, {"fault": 11})
        finally:
            holder.kill()
            holder.wait()
        self.assertEqual(self.names(), [])
        self.assertGreater(self.s.createLogicalVolume(v(lvolname="c", capacity=10)), 0)
        self.invariants()

    def test_connection_lost_during_commit(self):
        """The commit waits for a synchronous standby that does not exist;
        the backend is terminated there, after committing locally: the
        manager asks after reconnecting and answers success."""
        self.cluster()
        result = {}

        def create():
            with self.sm.proxy() as p:
                result["id"] = p.createLogicalVolume(v(lvolname="d", capacity=10))

        self.pg.psql("ALTER SYSTEM SET synchronous_standby_names = 'nosuch'")
        self.pg.psql("SELECT pg_reload_conf()")
        try:
            # Wait until the setting is live in a fresh session.
            self.assertTrue(wait_until(lambda: self.pg.psql(
                "SHOW synchronous_standby_names") == "nosuch", 20))
            t = threading.Thread(target=create)
            t.start()
            pids = wait_until(lambda: self.sm_backends("wait_event = 'SyncRep'"), 20)
            self.assertEqual(len(pids), 1)
            self.pg.psql("SELECT pg_terminate_backend(%s)" % pids[0])
        finally:
            self.pg.psql("ALTER SYSTEM RESET synchronous_standby_names")
            self.pg.psql("SELECT pg_reload_conf()")
        t.join(30)
        self.assertGreater(result.get("id", 0), 0)
        self.assertEqual(self.names(), ["d"])
        self.assertIn("connection lost at COMMIT; it committed", self.sm.logtext())
        self.invariants()

    def test_commit_lost_with_a_server_restart_is_not_guessed(self):
        """The server dies while the COMMIT waits for a standby (issue 15:
        a promoted standby may hand the lost transaction's id to another
        transaction): after the restart the manager does not ask the id,
        it answers that the outcome is unknown."""
        self.cluster()
        result = {}

        def create():
            with self.sm.proxy() as p:
                try:
                    result["id"] = p.createLogicalVolume(v(lvolname="d", capacity=10))
                except xmlrpc.client.ProtocolError as e:
                    result["http"] = e.errcode
                except xmlrpc.client.Fault as f:
                    result["fault"] = f.faultCode

        self.pg.psql("ALTER SYSTEM SET synchronous_standby_names = 'nosuch'")
        self.pg.psql("SELECT pg_reload_conf()")
        self.assertTrue(wait_until(lambda: self.pg.psql(
            "SHOW synchronous_standby_names") == "nosuch", 20))
        t = threading.Thread(target=create)
        t.start()
        self.assertTrue(wait_until(lambda: self.sm_backends("wait_event = 'SyncRep'"), 20))
        self.pg_ctl("stop")
        self.pg_ctl("start")
        self.pg.psql("ALTER SYSTEM RESET synchronous_standby_names")
        self.pg.psql("SELECT pg_reload_conf()")
        t.join(30)
        self.assertEqual(result, {"fault": 500}, self.sm.logtext()[-1500:])
        self.assertIn("server restarted or was replaced: outcome unknown", self.sm.logtext())

    def test_attach_recorded_by_a_lost_commit_is_not_a_head_failure(self):
        """An attach's outcome is recorded by a COMMIT lost with its server
        run (the primary died, a standby was promoted: issue 15); the
        manager records it again, finds the event ended - by its own lost
        COMMIT - and must not say the head failed meanwhile (EHOSTDOWN):
        the outcome is unknown (500), a list call tells."""
        self.cluster()
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        lv = self.s.createLogicalVolume(v(lvolname="d", capacity=10))
        self.hsvr.event_answer = lambda ev: [2, 0]  # PROGRESS until released
        result = {}

        def attach():
            with self.sm.proxy() as p:
                try:
                    result["ok"] = p.attachLogicalVolume(v(lvolid=lv, hsvrid=hid))
                except xmlrpc.client.Fault as f:
                    result["fault"] = f.faultCode

        t = threading.Thread(target=attach)
        t.start()
        self.assertTrue(wait_until(lambda: self.hsvr.called("attachLogicalVolume"), 20))
        self.pg.psql("ALTER SYSTEM SET synchronous_standby_names = 'nosuch'")
        self.pg.psql("SELECT pg_reload_conf()")
        self.assertTrue(wait_until(lambda: self.pg.psql(
            "SHOW synchronous_standby_names") == "nosuch", 20))
        self.hsvr.event_answer = lambda ev: [3, 0]  # DONE: the manager records it
        self.assertTrue(wait_until(lambda: self.sm_backends("wait_event = 'SyncRep'"), 20))
        self.pg_ctl("stop")
        self.pg_ctl("start")
        self.pg.psql("ALTER SYSTEM RESET synchronous_standby_names")
        self.pg.psql("SELECT pg_reload_conf()")
        t.join(60)
        self.assertEqual(result, {"fault": 500}, self.sm.logtext()[-1500:])
        self.assertEqual([x["bind_status"] for x in self.s.listLogicalVolumes(v())], [1])
        self.invariants()

    def test_shreds_started_by_a_commit_of_unknown_outcome_still_run(self):
        """The COMMIT that records a shred's end and starts the next ones
        on its disk is cut off after committing, and the server cannot be
        asked for 10 s: the manager does not know it marked rows PROGRESS
        that it never sent. Nobody would poll them (every later shred of
        that disk waits behind them) until a restart; the engine puts the
        rows it does not track back in the queue and they run."""
        for a in self.ssvrs:
            a.event_answer = lambda ev: [2, 0]  # PROGRESS until released
        # New disks: every extent queued, one shred per disk at a time.
        self.cluster(disk_sectors="63000000", wait_free=False)  # 3 extents each
        self.assertTrue(wait_until(lambda: all(a.called("registerShredRequest")
                                               for a in self.ssvrs), 20))
        queued = int(self.sm.sql("SELECT count(*) FROM shred"))
        self.assertGreater(queued, len(self.ssvrs))  # some wait behind the first
        self.pg.psql("ALTER SYSTEM SET synchronous_standby_names = 'nosuch'")
        self.pg.psql("SELECT pg_reload_conf()")
        blocked = False
        try:
            self.assertTrue(wait_until(lambda: self.pg.psql(
                "SHOW synchronous_standby_names") == "nosuch", 20))
            for a in self.ssvrs:
                a.event_answer = lambda ev: [3, 0]
            pids = wait_until(lambda: self.sm_backends("wait_event = 'SyncRep'"), 20)
            self.assertEqual(len(pids), 1)  # the shred worker's settle
            # No new session may ask how the COMMIT ended; the open ones stay.
            self.pg.psql("SET synchronous_commit = local; ALTER DATABASE %s "
                         "ALLOW_CONNECTIONS false" % self.sm.db)
            blocked = True
            self.pg.psql("SELECT pg_terminate_backend(%s)" % pids[0])
            self.pg.psql("ALTER SYSTEM RESET synchronous_standby_names")
            self.pg.psql("SELECT pg_reload_conf()")
            self.assertTrue(wait_until(lambda: "the outcome is unknown" in self.sm.logtext(),
                                       30))
        finally:
            if blocked:
                self.pg.psql("ALTER DATABASE %s ALLOW_CONNECTIONS true" % self.sm.db)
            self.pg.psql("ALTER SYSTEM RESET synchronous_standby_names")
            self.pg.psql("SELECT pg_reload_conf()")
        self.wait_shredded()
        self.assertIn("in-flight rows of an unknown COMMIT back to the queue",
                      self.sm.logtext())
        self.assertEqual(self.sm.sql("SELECT count(*) FROM dskmap WHERE status <> 2 "
                                     "AND status <> 5"), "0")
        self.invariants()

    def test_statement_failing_after_others_were_sent(self):
        """Statements whose result nobody reads travel with the next one
        (db_exec.c): one of them failing fails the call as it would alone,
        leaves nothing behind, and the connection stays usable."""
        self.cluster()
        self.sm.sql("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "IF NEW.lvolname LIKE 'bad%' THEN RAISE EXCEPTION 'refused'; END IF; "
                    "RETURN NEW; END $$ LANGUAGE plpgsql; CREATE TRIGGER refuse BEFORE INSERT "
                    "ON lvollst FOR EACH ROW EXECUTE FUNCTION refuse()")
        # The first call runs on cold connections: statements one by one.
        self.fault(500, self.s.createLogicalVolume, v(lvolname="bad", capacity=10))
        # Warm every connection the calls use: prepared, hence sent ahead.
        for i in range(12):
            self.s.createLogicalVolume(v(lvolname="ok%d" % i, capacity=10))
            self.s.deleteLogicalVolume(v(lvolname="ok%d" % i))
        for i in range(5):
            self.fault(500, self.s.createLogicalVolume, v(lvolname="bad%d" % i, capacity=10))
        self.assertEqual(self.names(), [])
        self.assertGreater(self.s.createLogicalVolume(v(lvolname="c", capacity=10)), 0)
        self.assertEqual(self.names(), ["c"])
        self.assertIn("refused", self.sm.logtext())
        self.invariants()


if __name__ == "__main__":
    main()
