"""PostgreSQL restarted under the manager: calls fail with 500 while it is
down, nothing crashes, the manager reconnects by itself (issue 8 item 2)."""
import subprocess
import threading
import xmlrpc.client

from vastest import PG_BIN, SmTestCase, main, v


class DatabaseOutage(SmTestCase):
    n_ssvr = 3

    def pg_ctl(self, action):
        extra = ["-o", "-k %s -c listen_addresses='' -c fsync=off -c max_connections=300"
                 % self.pg.dir] if action == "start" else ["-m", "immediate"]
        subprocess.run(self.pg.as_pg + [PG_BIN + "/pg_ctl", "-D", self.pg.dir + "/data", "-l",
                                        self.pg.dir + "/log", "-w"] + extra + [action],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

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
                    p = self.sm.proxy()

        t = threading.Thread(target=load)
        t.start()
        self.pg_ctl("stop")
        self.fault(500, self.s.listLogicalVolumes, v())
        self.fault(500, self.s.createLogicalVolume, v(lvolname="b", capacity=10))
        self.pg_ctl("start")
        self.assertEqual([x["lvolname"] for x in self.s.listLogicalVolumes(v())], ["a"])
        stop.set()
        t.join()
        self.assertTrue(codes <= {500}, codes)
        self.s.deleteLogicalVolume(v(lvolname="a"))
        self.assertEqual(self.s.createLogicalVolume(v(lvolname="b", capacity=10)) > 0, True)
        self.invariants()


if __name__ == "__main__":
    main()
