"""A promoted standby under a mixed load (issue 15): two vas_sm on a
primary and a synchronous streaming standby (test/lib/pgha.py), clients
creating, attaching, detaching and deleting volumes (the fake head and
storage agents of test_sm_faults keep the ledger of what a head may have
written and what was shredded) when the primary dies and the standby is
promoted. Afterwards every acknowledged change is there - each volume in
the state its last acknowledged call left it - and nothing is half-done:
the crash-loop invariants hold, the in-flight work drains, no extent is
FREE with old data on it."""
import random
import threading
import time
import xmlrpc.client

from pgha import PgPair, Uncertain
from test_sm_faults import INVARIANTS, SETTLED, check_data_safety, violated
from test_sm_ha import FAILOVER_LIMIT_S, HaCase
from vastest import main, v, wait_until

ABSENT, DETACHED, ATTACHED = "absent", "detached", "attached"


class Client:
    """One client's volumes (no other client touches them) and the state
    its acknowledged calls left each in; a volume whose last change went
    unanswered (may or may not have happened) is left alone from then on."""

    def __init__(self, case, prefix, seed):
        self.case, self.prefix = case, prefix
        self.rnd = random.Random(seed)
        self.state = {}  # name -> (lvolid, state)
        self.unsure = set()
        self.acked = 0
        self.n = 0

    def call(self, method, **param):
        return self.case.client.call(method, v(**param), patience=60)

    def step(self):
        mine = [(n, s) for n, s in self.state.items()
                if s[1] != ABSENT and n not in self.unsure]
        op = self.rnd.random()
        if op < 0.3 or not mine:
            name = "%s%d" % (self.prefix, self.n)
            self.n += 1
            self.state[name] = (None, ABSENT)
            return name, lambda: self.state.__setitem__(name, (
                self.call("createLogicalVolume", lvolname=name, capacity=1), DETACHED))
        name, (lvolid, st) = self.rnd.choice(mine)
        if st == ATTACHED:
            if op < 0.65:
                return name, lambda: (self.call("detachLogicalVolume", lvolid=lvolid),
                                      self.state.__setitem__(name, (lvolid, DETACHED)))
            return None, None  # stays attached for a while
        if op < 0.65:
            return name, lambda: (self.call("attachLogicalVolume", lvolid=lvolid,
                                            hsvrid=self.case.hid),
                                  self.state.__setitem__(name, (lvolid, ATTACHED)))
        return name, lambda: (self.call("deleteLogicalVolume", lvolid=lvolid),
                              self.state.__setitem__(name, (lvolid, ABSENT)))

    def run(self, stop, errors):
        while not stop.is_set() and self.n < 200:
            name, do = self.step()
            if not do:
                continue
            try:
                do()
                self.acked += 1
            except Uncertain:
                self.unsure.add(name)
            except xmlrpc.client.Fault as f:
                if f.faultCode != 500:  # 500: a COMMIT lost with the primary
                    errors.append((name, f.faultCode, f.faultString))
                    return
                self.unsure.add(name)
            except Exception as e:  # reported by the test, not lost in a thread
                errors.append((name, repr(e)))
                return
            time.sleep(0.02)


class MixedPromotion(HaCase):

    @classmethod
    def setUpClass(cls):
        cls.pg = PgPair()

    def test_mixed_load_survives_a_promotion(self):
        for i in range(2):
            self.start_sm(i)
        self.cluster(disk_vb=600)
        # A shred takes a while, an attach or detach a few polls: some of
        # each are in flight when the primary dies.
        for s in self.shred_agents:
            s.delay = lambda: 1.0
        self.polls = 2
        _, epoch = self.leader()
        stop = threading.Event()
        errors = []
        clients = [Client(self, p, k) for k, p in enumerate(("a", "b", "c", "d"))]
        load = [threading.Thread(target=c.run, args=(stop, errors)) for c in clients]
        for t in load:
            t.start()
        # Shreds of deleted, once-attached volumes are in flight too.
        self.assertTrue(wait_until(lambda: sum(c.acked for c in clients) >= 20 or errors, 60))
        self.assertTrue(wait_until(lambda: self.sql(
            "SELECT count(*) FROM shred") != "0" or errors, 60), "no shred under way")
        before = sum(c.acked for c in clients)
        in_flight = self.sql("SELECT (SELECT count(*) FROM shred) || ' shreds, ' || (SELECT "
                             "count(*) FROM attach WHERE eventid <> 0) || ' attach/detach'")
        t0 = time.time()
        self.pg.stop_primary()
        self.pg.promote()
        self.assertTrue(wait_until(lambda: sum(c.acked for c in clients) >= before + 10 or
                                   errors, 90), "the load does not go on")
        stop.set()
        for t in load:
            t.join(120)
            self.assertFalse(t.is_alive(), "a client hangs")
        self.assertEqual(errors, [], "\n".join(sm.logtext()[-4000:] for sm in self.sms))
        _, led = self.wait_new_leader(epoch, None)
        # Every acknowledged change is there.
        vols = {x["lvolname"]: x for x in self.client.call("listLogicalVolumes", v(), read=True)}
        wrong = []
        for c in clients:
            for name, (lvolid, st) in c.state.items():
                if name in c.unsure:
                    continue
                got = ABSENT if name not in vols else \
                    ATTACHED if vols[name]["bind_status"] else DETACHED
                if got != st:
                    wrong.append("%s: acknowledged %s, found %s" % (name, st, got))
        self.assertEqual(wrong, [])
        # Nothing half-done: what was in flight ends, the invariants hold.
        self.assertEqual(violated(self.sms[0], INVARIANTS), [], "database invariants")
        self.assertTrue(wait_until(lambda: self.sql(
            "SELECT count(*) FROM attach WHERE eventid <> 0") == "0", 60), "attach stuck")
        self.assertTrue(wait_until(lambda: self.sql("SELECT count(*) FROM shred") == "0", 120),
                        self.sql("SELECT * FROM shred"))
        checks = dict(INVARIANTS)
        checks.update(SETTLED)
        self.assertEqual(violated(self.sms[0], checks), [], "database invariants, settled")
        check_data_safety(self, self.sms[0], self.ledger)
        print("\nmixed load, primary stopped (%s in flight), standby promoted: a leader "
              "again after %.1f s (limit %d s); %d changes acknowledged, %d volumes left "
              "unsure; %d shreds; client retries %s" % (
                  in_flight, led - t0, FAILOVER_LIMIT_S, sum(c.acked for c in clients),
                  sum(len(c.unsure) for c in clients), len(self.ledger.shreds),
                  self.client.retries))
        self.assertLessEqual(led - t0, FAILOVER_LIMIT_S)


if __name__ == "__main__":
    main()
