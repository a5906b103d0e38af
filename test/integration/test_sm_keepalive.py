"""A leader whose network to PostgreSQL goes silent (issue 15): packets
dropped both ways, so nothing - not even a TCP keepalive probe - is
answered, while worker threads wait in libpq for the answers to queries
PostgreSQL had already received. Its connections must notice within the
configured db_tcp_timeout_ms (TCP keepalives, tcp_user_timeout), its
workers stop, and it can stand by and lead again once the database is
reachable - not hours later, when TCP would give up on its own.

Runs in a network namespace of its own (pgha.own_network): the packets
are dropped by tc on that loopback."""
import subprocess
import time

from pgha import PacketDrop, own_network
from test_sm_faults import INVARIANTS, SETTLED, violated
from test_sm_ha import TAKEOVER_LIMIT_S, VB, HaCase, UnixDoor
from vastest import main, v, wait_until

DB_IP = "127.0.0.45"  # where the cut-off manager reaches PostgreSQL
TCP_TIMEOUT_MS = 3000
LEASE_MS = 4000  # vas_sm's default
MUTATE_LOCK = 5652819  # DB_MUTATE_LOCK: every mutating transaction waits for it
# From the cut to the workers stopped: the lease may run its course, then
# a connection may stay silent its whole timeout; slack for a loaded
# machine on top. Without keepalives the wait ends when TCP gives up.
STOP_BOUND_S = (LEASE_MS + TCP_TIMEOUT_MS) / 1000.0 + 3


class SilentNetwork(HaCase):

    def setUp(self):
        super().setUp()
        self.door = UnixDoor("%s/.s.PGSQL.5432" % self.pg.dir, DB_IP)
        self.drop = PacketDrop(DB_IP)
        self.holder = None

    def tearDown(self):
        self.drop.stop()
        if self.holder:
            self.holder.kill()
            self.holder.wait()
        super().tearDown()
        self.door.stop()

    def hold_mutation_lock(self):
        """A session of the test's own takes every writer's lock: a
        worker's write then waits in PostgreSQL, with nothing in flight."""
        self.holder = subprocess.Popen(["psql", "-XAtq", "-h", self.pg.dir, "-U", "vas", "-d",
                                        self.db], stdin=subprocess.PIPE, text=True,
                                       stdout=subprocess.DEVNULL)
        self.holder.stdin.write("BEGIN;\nSELECT pg_advisory_xact_lock(%d);\n" % MUTATE_LOCK)
        self.holder.stdin.flush()
        self.assertTrue(wait_until(lambda: self.sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %d AND "
            "granted" % MUTATE_LOCK) == "1", 20))

    def release_mutation_lock(self):
        self.holder.stdin.write("COMMIT;\n")
        self.holder.stdin.close()
        self.holder.wait(20)
        self.holder = None

    def waiting_writers(self):
        return int(self.sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                            "'Lock' AND wait_event = 'advisory'"))

    def test_leader_on_a_silent_network_stops_and_leads_again(self):
        dsn = "host=%s port=%d user=vas dbname=%s connect_timeout=2" % (
            DB_IP, self.door.addr[1], self.db)
        self.start_sm(0, dsn=dsn, more={"db_tcp_timeout_ms": TCP_TIMEOUT_MS})
        self.assertTrue(wait_until(lambda: self.leading_since(0, 0), 10))
        self.start_sm(1)
        c = self.client
        # New disks are shredded first: the agents hold those shreds.
        self.hold_shreds = True
        for i in range(self.n_ssvr):
            sid = c.call("registerStorageServer", v(ip_data=["127.0.0.%d" % (11 + i)]))
            c.call("registerPhysicalDisk", v(ssvrid=sid, local_path="/dev/sdb",
                                             capacity=str(VB * 60 + 1000)))
        self.assertTrue(wait_until(self.shred_agents_hold, 20), "no shred in flight")
        old, epoch = self.leader()
        self.assertEqual(old, 0)
        # The leader learns a shred ended and records it: its write waits.
        self.hold_mutation_lock()
        self.hold_shreds = False
        self.assertTrue(wait_until(lambda: self.waiting_writers() > 0, 20),
                        "no worker write waits for the lock")
        self.client.ports = [self.sms[1].port]  # the cut-off one cannot answer
        t0 = time.time()
        self.drop.cut()
        self.release_mutation_lock()  # the answer is sent now - into the void
        stopped = wait_until(lambda: self.logged(0, "workers stopped in", t0), 30)
        self.assertTrue(stopped, "the workers of the cut-off leader still wait:\n" +
                        self.sms[0].logtext()[-2000:])
        self.assertTrue(self.drop.is_cut)
        new, t = self.wait_new_leader(epoch, 0)
        self.assertEqual(new, 1)
        _, epoch = self.leader()
        # The network is back: it stands by, then leads when the other dies.
        healed = time.time()
        self.drop.heal()
        self.assertTrue(wait_until(lambda: self.logged(0, "standby; the leader is", healed),
                                   30), self.sms[0].logtext()[-2000:])
        killed = time.time()
        self.sms[1].kill()
        again, t_again = self.wait_new_leader(epoch, 1)
        self.assertEqual(again, 0)
        self.assertTrue(wait_until(lambda: self.sql("SELECT count(*) FROM shred") == "0", 60),
                        self.sql("SELECT * FROM shred"))
        checks = dict(INVARIANTS)
        checks.update(SETTLED)
        self.assertEqual(violated(self.sms[0], checks), [], "database invariants")
        print("\ncut off (db_tcp_timeout_ms %d, lease %d ms): workers stopped %.1f s after "
              "the cut (bound %.1f s), successor after %.1f s; after the heal standby, leader "
              "again %.1f s after the other died" % (
                  TCP_TIMEOUT_MS, LEASE_MS, stopped - t0, STOP_BOUND_S, t - t0,
                  t_again - killed))
        self.assertLessEqual(stopped - t0, STOP_BOUND_S)
        self.assertLessEqual(t_again - killed, TAKEOVER_LIMIT_S)


if __name__ == "__main__":
    own_network()
    main()
