"""vas_sm with no dsn: creates its own PostgreSQL under state_dir on first
start, reuses it after a restart, and stops it when it stops. It never
touches a database it did not start: a second vas_sm or --init-db on the
same state_dir, or a PostgreSQL left running there, is refused."""
import os
import shutil
import signal
import subprocess
import tempfile
import unittest
import xmlrpc.client

from vastest import BUILD, PG_BIN, free_port, main, skip, v


class Embedded(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(os.path.join(PG_BIN, "initdb")):
            skip("PostgreSQL 15 server binaries missing")
        self.dir = tempfile.mkdtemp(prefix="vasemb-")
        os.chmod(self.dir, 0o755)
        self.port = free_port()
        self.conf = os.path.join(self.dir, "vas.conf")
        with open(self.conf, "w") as f:
            f.write("[storage_manager]\nport = %d\nlisten_address = 127.0.0.1\n"
                    "state_dir = %s/state\n" % (self.port, self.dir))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def vas_sm(self, *args, conf=None):
        return subprocess.run([os.path.join(BUILD, "sm", "vas_sm"), "--config",
                               conf or self.conf] + list(args),
                              capture_output=True, text=True, timeout=120)

    def start(self):
        p = subprocess.Popen([os.path.join(BUILD, "sm", "vas_sm"), "--config", self.conf],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = p.stdout.readline()
        self.assertTrue(line.startswith("Listening"), p.stderr.read() if not line else line)
        return p

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        rc = p.wait(60)
        p.stdout.close()
        err = p.stderr.read()
        p.stderr.close()
        self.assertEqual(rc, 0, err)
        return err

    def postgres_running(self):
        out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
        return any(self.dir in l and "postgres" in l for l in out.splitlines())

    def test_lifecycle(self):
        p = self.start()
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % self.port)
        self.assertEqual(s.registerHeadServer(v(ip_data=["127.0.9.11"])), 1)
        self.assertTrue(os.path.exists(os.path.join(self.dir, "state/pg/data/PG_VERSION")))
        self.assertTrue(self.postgres_running())
        # nothing listens on TCP: the socket lives in the state directory
        self.assertTrue(any(n.startswith(".s.PGSQL") for n in os.listdir(self.dir + "/state/pg")))
        self.stop(p)
        self.assertFalse(self.postgres_running())
        p = self.start()
        self.assertEqual(s.listHeadServers(v())[0]["ip_data"], ["127.0.9.11"])
        # the schema is there already: no "relation ... already exists"
        self.assertNotIn("NOTICE", self.stop(p))
        self.assertNotIn("NOTICE", self.vas_sm("--init-db").stderr)

    def pg_ctl(self, *args):
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(as_pg + [os.path.join(PG_BIN, "pg_ctl"), "-D",
                                       self.dir + "/state/pg/data"] + list(args),
                              capture_output=True, text=True, timeout=120).returncode

    def test_second_manager_refused(self):
        p = self.start()
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % self.port)
        self.assertEqual(s.registerHeadServer(v(ip_data=["127.0.9.11"])), 1)
        other = os.path.join(self.dir, "other.conf")
        with open(other, "w") as f:
            f.write("[storage_manager]\nport = %d\nlisten_address = 127.0.0.1\n"
                    "state_dir = %s/state\n" % (free_port(), self.dir))
        r = self.vas_sm(conf=other)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("another vas_sm (pid %d) is running" % p.pid, r.stderr)
        r = self.vas_sm("--init-db")
        self.assertEqual(r.returncode, 3, r.stderr)
        # the first one and its database are untouched
        self.assertEqual(self.pg_ctl("status"), 0)
        self.assertEqual(s.registerHeadServer(v(ip_data=["127.0.9.12"])), 2)
        self.assertEqual(len(s.listHeadServers(v())), 2)
        self.stop(p)
        self.assertEqual(self.pg_ctl("status"), 3)  # 3: not running

    def test_foreign_postgres_left_alone(self):
        p = self.start()
        s = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % self.port)
        self.assertEqual(s.registerHeadServer(v(ip_data=["127.0.9.11"])), 1)
        # a crash outside systemd: the lock goes, the postmaster stays
        p.kill()
        p.wait(30)
        p.stdout.close()
        p.stderr.close()
        self.assertEqual(self.pg_ctl("status"), 0)
        for args in ([], ["--init-db"]):
            r = self.vas_sm(*args)
            self.assertEqual(r.returncode, 4, r.stderr)
            self.assertIn("did not start", r.stderr)
            self.assertEqual(self.pg_ctl("status"), 0)
        self.assertEqual(self.pg_ctl("-m", "fast", "-w", "stop"), 0)
        p = self.start()
        self.assertEqual(s.listHeadServers(v())[0]["ip_data"], ["127.0.9.11"])
        self.stop(p)

    def test_init_db_only(self):
        rc = subprocess.run([os.path.join(BUILD, "sm", "vas_sm"), "--config", self.conf,
                             "--init-db"], capture_output=True).returncode
        self.assertEqual(rc, 0)
        self.assertFalse(self.postgres_running())

    def test_bad_config_and_usage(self):
        with open(self.conf, "a") as f:
            f.write("extentsize = 10,3\n")
        r = subprocess.run([os.path.join(BUILD, "sm", "vas_sm"), "--config", self.conf],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        r = subprocess.run([os.path.join(BUILD, "sm", "vas_sm"), "--bogus"], capture_output=True)
        self.assertEqual(r.returncode, 2)
        r = subprocess.run([os.path.join(BUILD, "sm", "vas_sm"), "--help"],
                           capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        self.assertTrue(r.stdout.startswith("usage: "), r.stdout)


if __name__ == "__main__":
    main()
