"""Kept list replies (issue 13): a list call answered again from a kept
reply must still tell every change committed before the call - by this
manager, by another manager on the same database, or by hand in psql."""
from vastest import Sm, SmTestCase, main, v


class Cache(SmTestCase):
    n_ssvr = 3

    def names(self, proxy):
        return sorted(x["lvolname"] for x in proxy.listLogicalVolumes(v()))

    def test_another_managers_writes_are_seen_at_once(self):
        self.cluster(disk_sectors=str(2099200 * 201))
        other = Sm(self.pg, db=self.sm.db, ssvr_port=self.ssvr_port,
                   hsvr_port=self.hsvr_port, extra=self.sm_options()).start()
        try:
            b = other.proxy()
            want = []
            for i in range(15):
                self.assertEqual(self.names(self.s), want)
                self.assertEqual(self.names(self.s), want)  # the same body again
                b.createLogicalVolume(v(lvolname="c%02d" % i, capacity=10))
                want.append("c%02d" % i)
                self.assertEqual(self.names(self.s), want,
                                 "a create committed by another manager is not listed")
            for name in list(want):
                b.deleteLogicalVolume(v(lvolname=name))
                want.remove(name)
                self.assertEqual(self.names(self.s), want)
            b("close")()
        finally:
            self.assertEqual(other.stop(), 0)

    def test_own_writes_and_psql_are_seen_at_once(self):
        self.cluster(disk_sectors=str(2099200 * 201))
        hid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        for prio in (1, 2, 1, 2):
            before = self.s.listHeadServers(v())
            self.assertEqual(self.s.listHeadServers(v()), before)
            self.sm.sql("UPDATE hsvrlst SET priority = %d WHERE hsvrid = %d" % (prio, hid))
            self.assertEqual(self.s.listHeadServers(v())[0]["priority"], prio,
                             "a change made in psql is not listed")
        for i in range(5):
            self.s.createLogicalVolume(v(lvolname="own%d" % i, capacity=10))
            self.assertIn("own%d" % i, self.names(self.s))
        self.invariants()


if __name__ == "__main__":
    main()
