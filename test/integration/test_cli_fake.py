"""CLI golden tests against a fake manager with the data of cli.md section 4.

Byte-exact layouts, --json parsed back, exit codes, bad arguments that
never reach the manager, failover past a dead first host, timeouts.
"""
import json
import os
import subprocess
import sys
import pty
import socket
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cli_fake_sm  # noqa: E402

BUILD = os.environ.get("VAS_BUILD_DIR", "")
CLI = os.path.join(BUILD, "cli")


def pad(line, width):
    return line + " " * (width - len(line))


LVOL_LIST = "".join([
    pad("lvolid         lvolname       redundancy capacity  hsvrid        "
        "failure      ctime", 97) + "\n",
    "lvol-0000025f  foo                     3    10 GB  hsvr-00000001 "
    "---          2026-11-22T23:27:38\n",
    "\tsnapshot-origin of lvol-0000029d\n",
    "lvol-00000274  baz                     2     3 GB +hsvr-00000001 "
    "---          2026-11-22T23:27:38\n",
    "lvol-0000026c  bar                     2     5 GB *hsvr-00000001 "
    "---          2026-11-22T23:27:38\n",
    "lvol-0000027a  qux                     3     1 GB  ---           "
    "---          2026-11-22T23:27:39\n",
    "lvol-0000029d  snap3                   3    11 GB  hsvr-00000001 "
    "---          2026-11-22T23:27:55\n",
    "\tsnapshot of lvol-0000025f\n",
])

LVOL_SHOW = "".join([
    "lvolid: lvol-0000026c lvol_name: bar capacity: 5 GB redundancy: 2\n",
    pad("mirror           offset capacity | disk-extent    physical-disk    "
        "offset server         sync", 94) + "\n",
    pad("mirr-0000026f      0 GB     1 GB |", 94) + "\n",
    "                                 | dext-00000007  pdsk-00000001      "
    "5 GB ssvr-00000001  ALLOCATED\n",
    "                                 | dext-000000d1  pdsk-00000003      "
    "5 GB ssvr-00000002  ALLOCATED\n",
    pad("mirr-00000270      1 GB     1 GB |", 94) + "\n",
    "                                 | dext-0000019b  pdsk-00000005      "
    "5 GB ssvr-00000003  ALLOCATED\n",
])

HSVR_LIST = ("hsvrid         priority  resync\n"
             "hsvr-00000001  HIGH          0\n"
             "\tinet 127.0.0.2\n")

SSVR_LIST = (pad("total 200 GB   available 174 GB use% 13%", 46) + "\n"
             "ssvrid         priority  resync   capacity  available  use%\n"
             "ssvr-00000002  HIGH          0     200 GB     174 GB   13%\n"
             "\tinet 127.0.1.2\n")

PDSK_LIST = "".join([
    pad("total 200 GB   available 174 GB use% 13%", 46) + "\n",
    pad("pdskid         ssvrid         priority resync   capacity  "
        "available  use% local_path                               "
        "srp_name", 133) + "\n",
    pad("pdsk-00000003  ssvr-00000002  HIGH          0     100 GB      "
        "88 GB   12% /dev/disk/by-id/fake-2-0                 vdisk0", 133)
    + "\n",
    pad("pdsk-00000004  ssvr-00000002  LOW           0     100 GB      "
        "86 GB   14% /dev/disk/by-id/fake-2-1                 vdisk1", 133)
    + "\n",
])


class CliFake(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(os.path.join(CLI, "vas")):
            raise unittest.SkipTest("no vas binary in " + CLI)
        cls.sm = cli_fake_sm.FakeSM()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.conf = os.path.join(cls.tmp.name, "vas.conf")
        cls.write_conf("127.0.0.1")

    @classmethod
    def tearDownClass(cls):
        cls.sm.stop()
        cls.tmp.cleanup()

    @classmethod
    def write_conf(cls, hosts, port=None):
        with open(cls.conf, "w") as f:
            f.write("[storage_manager]\nhost_list = %s\nport = %d\n"
                    % (hosts, port or cls.sm.port))

    def setUp(self):
        self.sm.reset()
        self.write_conf("127.0.0.1")

    def run_cli(self, tool, *args, env=None, stdin=subprocess.DEVNULL):
        e = dict(os.environ)
        e.pop("VAS_SM", None)
        e.update(env or {})
        p = subprocess.run([os.path.join(CLI, tool), "--config", self.conf]
                           + list(args), stdin=stdin, capture_output=True,
                           text=True, env=e, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def ok(self, tool, *args, **kw):
        rc, out, err = self.run_cli(tool, *args, **kw)
        self.assertEqual((rc, err), (0, ""), out)
        return out

    # --- byte-exact layouts ---

    def test_lvol_list(self):
        self.assertEqual(self.ok("lvol_list"), LVOL_LIST)
        self.assertEqual(self.sm.last(), ("listLogicalVolumes", {"ver": 5}))

    def test_lvol_list_one(self):
        out = self.ok("lvol_list", "lvol-0000025f")
        self.assertEqual(out, "".join(LVOL_LIST.splitlines(True)[0:3]))
        self.assertEqual(self.sm.last()[1], {"ver": 5, "lvolid": 0x25F})
        out = self.ok("lvol_list", "bar")
        self.assertEqual(self.sm.last()[1], {"ver": 5, "lvolname": "bar"})
        self.assertEqual(out.splitlines(True)[1], LVOL_LIST.splitlines(
            True)[4])

    def test_lvol_show(self):
        self.assertEqual(self.ok("lvol_show", "bar"), LVOL_SHOW)
        self.assertEqual(self.ok("lvol_show", "--id", "0000026c"),
                         LVOL_SHOW)
        self.assertEqual(self.sm.last()[1], {"ver": 5, "lvolid": 0x26C})

    def test_lvol_show_summary(self):
        out = self.ok("lvol_show", "--summary", "bar")
        self.assertEqual(out, (
            "lvolid: lvol-0000026c lvol_name: bar capacity: 5 GB "
            "redundancy: 2\n"
            "mirrors: 2\n"
            "extents: 3 (ALLOCATED 3, INSYNC 0, SPARE 0, FAULTY 0, "
            "unknown 0)\n"
            "servers: 3 (ssvr-00000001 1, ssvr-00000002 1, "
            "ssvr-00000003 1)\n"
            "disks: 3 (pdsk-00000001 1, pdsk-00000003 1, pdsk-00000005 1)\n"
            "resync: 2 of 2 mirrors in sync (100%), 0 waiting\n"))
        doc = json.loads(self.ok("lvol_show", "-s", "--json", "bar"))
        self.assertEqual(doc["extents_by_status"]["ALLOCATED"], 3)
        self.assertEqual(doc["mirrors_in_sync"], 2)
        self.assertEqual(doc["servers"][2], {"ssvrid": 3, "extents": 1})

    def test_lvol_show_large_volume(self):
        # Several MiB of XML: beyond xmlrpc-c's default 512 KiB limit.
        out = self.ok("lvol_show", "--summary", "huge")
        self.assertEqual(out.splitlines()[1:], [
            "mirrors: 1000",
            "extents: 3000 (ALLOCATED 0, INSYNC 2999, SPARE 1, FAULTY 0, "
            "unknown 0)",
            "servers: 3 (ssvr-00000001 1000, ssvr-00000002 1000, "
            "ssvr-00000003 1000)",
            "disks: 3 (pdsk-00000001 1000, pdsk-00000002 1000, "
            "pdsk-00000003 1000)",
            "resync: 999 of 1000 mirrors in sync (99%), 1 waiting"])
        lines = self.ok("lvol_show", "huge").splitlines()
        self.assertEqual(len(lines), 2 + 1000 * 4)
        self.assertEqual(lines[-1].split(), [
            "|", "dext-00100bb7", "pdsk-00000003", "999", "GB",
            "ssvr-00000003", "INSYNC"])

    def test_server_lists(self):
        self.assertEqual(self.ok("hsvr_list"), HSVR_LIST)
        self.assertEqual(self.ok("ssvr_list"), SSVR_LIST)
        self.assertEqual(self.ok("pdsk_list"), PDSK_LIST)
        self.ok("pdsk_list", "ssvr-00000002")
        self.assertEqual(self.sm.last(), ("listPhysicalDisks",
                                          {"ver": 5, "ssvrid": 2}))
        self.ok("hsvr_list", "hsvr-00000000")  # 0 = all, as before
        self.assertEqual(self.sm.last()[1], {"ver": 5})

    def test_no_header_and_quiet(self):
        self.assertEqual(self.ok("lvol_list", "-H"),
                         "".join(LVOL_LIST.splitlines(True)[1:]))
        self.assertEqual(self.ok("ssvr_list", "--no-header"),
                         "".join(SSVR_LIST.splitlines(True)[2:]))
        self.assertEqual(self.ok("lvol_list", "-q"),
                         "lvol-0000025f\nlvol-00000274\nlvol-0000026c\n"
                         "lvol-0000027a\nlvol-0000029d\n")
        self.assertEqual(self.ok("pdsk_list", "-q"),
                         "pdsk-00000003\npdsk-00000004\n")
        self.assertEqual(self.ok("hsvr_list", "-q"), "hsvr-00000001\n")

    def test_json(self):
        self.assertEqual(json.loads(self.ok("lvol_list", "--json")),
                         cli_fake_sm.LVOLS)
        self.assertEqual(json.loads(self.ok("hsvr_list", "--json")),
                         cli_fake_sm.HSVRS)
        self.assertEqual(json.loads(self.ok("ssvr_list", "--json")),
                         cli_fake_sm.SSVRS)
        self.assertEqual(json.loads(self.ok("pdsk_list", "--json")),
                         cli_fake_sm.PDSKS)
        self.assertEqual(json.loads(self.ok("lvol_show", "--json", "bar")),
                         cli_fake_sm.BAR_TREE)

    # --- actions and requests ---

    def test_create(self):
        self.assertEqual(self.ok("lvol_create", "new", "10"),
                         "lvol-000002a0\n")
        self.assertEqual(self.sm.last(), ("createLogicalVolume", {
            "ver": 5, "lvolname": "new", "capacity": 10}))
        # GNU style: options after the positionals.
        self.ok("lvol_create", "new", "10", "--redundancy", "2")
        self.assertEqual(self.sm.last()[1]["redundancy"], 2)
        self.ok("lvol_create", "--", "-dash", "1")
        self.assertEqual(self.sm.last()[1]["lvolname"], "-dash")

    def test_create_exists(self):
        rc, out, err = self.run_cli("lvol_create", "foo", "1")
        self.assertEqual((rc, out, err), (1, "", "lvol_create: foo: File "
                                          "exists\n"))

    def test_snap_create(self):
        self.assertEqual(self.ok("snap_create", "foo", "s1"),
                         "lvol-000002a1\n")
        self.assertEqual(self.sm.last(), ("createSnapshot", {
            "ver": 5, "origin_lvolname": "foo", "snapshot_lvolname": "s1"}))
        rc, out, err = self.run_cli("snap_create", "nope", "s1")
        self.assertEqual((rc, err), (1, "snap_create: nope -> s1: No such "
                                     "file or directory\n"))

    def test_attach_detach_delete(self):
        self.ok("lvol_attach", "foo", "hsvr-00000001")
        self.assertEqual(self.sm.last(), ("attachLogicalVolume", {
            "ver": 5, "lvolname": "foo", "hsvrid": 1}))
        self.ok("lvol_detach", "lvol-0000025f")
        self.assertEqual(self.sm.last(), ("detachLogicalVolume", {
            "ver": 5, "lvolid": 0x25F}))
        self.ok("lvol_delete", "--name", "qux")
        self.assertEqual(self.sm.last(), ("deleteLogicalVolume", {
            "ver": 5, "lvolname": "qux"}))
        self.ok("ssvr_delete", "ssvr-00000002")
        self.assertEqual(self.sm.last(), ("deleteStorageServer", {
            "ver": 5, "ssvrid": 2}))

    def test_faults(self):
        self.assertEqual(self.run_cli("hsvr_delete", "00000001"), (
            1, "", "hsvr_delete: 00000001: Device or resource busy\n"))
        self.assertEqual(self.run_cli("pdsk_delete", "pdsk-00000003"), (
            1, "", "pdsk_delete: pdsk-00000003: Internal server error\n"))
        rc, out, err = self.run_cli("lvol_list", "nosuch")
        self.assertEqual((rc, err), (1, "lvol_list: nosuch: No such file or "
                                     "directory\n"))
        rc, out, err = self.run_cli("lvol_show", "foo")
        self.assertEqual((rc, err), (1, "lvol_show: foo: Internal server "
                                     "error\n"))
        # A head agent's failure: the cause the manager relays after the
        # errno name is shown, not only strerror.
        rc, out, err = self.run_cli("lvol_attach", "foo", "hsvr-00000007")
        self.assertEqual((rc, err), (1, "lvol_attach: foo: Input/output "
                                     "error (attach failed, rolled back: "
                                     "'multipath /dev/sdc': exit 1: no map)"
                                     "\n"))

    def test_hex_name_falls_back_to_name(self):
        out = self.ok("lvol_list", "-q", "20101022")
        self.assertEqual(out, "lvol-00000300\n")
        self.assertEqual(self.sm.calls[-2][1], {"ver": 5,
                                                "lvolid": 0x20101022})
        self.assertEqual(self.sm.calls[-1][1], {"ver": 5,
                                                "lvolname": "20101022"})
        self.sm.reset()
        rc, out, err = self.run_cli("lvol_list", "--id", "20101022")
        self.assertEqual(rc, 1)
        self.assertEqual(len(self.sm.calls), 1)
        # Beyond the id range: only a name.
        self.sm.reset()
        rc, out, err = self.run_cli("lvol_list", "deadbeef")
        self.assertEqual(self.sm.calls, [("listLogicalVolumes", {
            "ver": 5, "lvolname": "deadbeef"})])

    # --- usage errors: exit 2, nothing sent ---

    def test_bad_arguments(self):
        cases = [
            ("lvol_create", "foo", "ten"),
            ("lvol_create", "foo", "1.5"),
            ("lvol_create", "foo", "0"),
            ("lvol_create", "foo", "1048577"),
            ("lvol_create", "foo", "-5"),
            ("lvol_create", "a" * 65, "1"),
            ("lvol_create", "lvol-abc", "1"),
            ("lvol_create", "..", "1"),
            ("lvol_create", "foo", "1", "--redundancy", "10"),
            ("lvol_create", "foo", "1", "--redundancy=x"),
            ("lvol_create", "foo"),
            ("lvol_create", "foo", "1", "2"),
            ("snap_create", "foo"),
            ("lvol_attach", "foo", "1"),
            ("lvol_attach", "foo", "hsvr-00000000"),
            ("lvol_attach", "foo", "pdsk-00000001"),
            ("lvol_delete", "lvol-80000000"),
            ("lvol_delete", "lvol-00000000"),
            ("lvol_delete", "--id", "foo"),
            ("lvol_delete", "a" * 65),
            ("lvol_delete", ""),
            ("lvol_list", "a", "b"),
            ("hsvr_delete", "hsvr-00000000"),
            ("hsvr_delete", "hsvr-1"),
            ("pdsk_list", "pdsk-00000001"),
            ("ssvr_delete", "ffffffff"),
            ("hsvr_list", "--bogus"),
            ("hsvr_list", "--summary"),
            ("lvol_list", "--timeout", "0"),
            ("lvol_list", "--json", "-q"),
            ("shutdownAll", "now"),
        ]
        for args in cases:
            rc, out, err = self.run_cli(*args)
            self.assertEqual(rc, 2, args)
            self.assertEqual(out, "", args)
            self.assertIn("usage: " + args[0], err, args)
        self.assertEqual(self.sm.calls, [])
        rc, out, err = self.run_cli("lvol_attach", "foo", "1")
        self.assertTrue(err.startswith("lvol_attach: invalid hsvr-id: 1 "),
                        err)

    def test_help_never_acts(self):
        for args in [("lvol_create", "--help", "foo", "1"),
                     ("snap_create", "foo", "s", "--help"),
                     ("shutdownAll", "-h"), ("shutdownAll", "--yes", "-h"),
                     ("lvol_delete", "foo", "-h"),
                     ("lvol_create", "--bogus", "-h")]:
            rc, out, err = self.run_cli(*args)
            self.assertEqual((rc, err), (0, ""), args)
            self.assertIn("SYNOPSIS", out)
            self.assertIn("EXIT STATUS", out)
        self.assertEqual(self.sm.calls, [])

    def test_shutdown_confirmation(self):
        rc, out, err = self.run_cli("shutdownAll")
        self.assertEqual(rc, 2)
        self.assertIn("--yes", err)
        self.assertEqual(self.sm.calls, [])
        self.ok("shutdownAll", "--yes")
        self.assertEqual(self.sm.methods(), ["shutdownAll"])

    def test_shutdown_asks_on_a_terminal(self):
        for answer, rc, calls in [(b"n\n", 1, []), (b"yes\n", 0,
                                                     ["shutdownAll"])]:
            self.sm.reset()
            master, slave = pty.openpty()
            try:
                os.write(master, answer)
                code, out, err = self.run_cli("shutdownAll", stdin=slave)
            finally:
                os.close(slave)
                os.close(master)
            self.assertEqual(code, rc, err)
            self.assertIn("[y/N]", err)
            self.assertEqual(self.sm.methods(), calls)

    def test_vas_subcommand(self):
        p = subprocess.run([os.path.join(CLI, "vas"), "hsvr_list",
                            "--config", self.conf], capture_output=True,
                           text=True)
        self.assertEqual((p.returncode, p.stdout), (0, HSVR_LIST))
        p = subprocess.run([os.path.join(CLI, "vas"), "--help"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertIn("lvol_create", p.stdout)
        p = subprocess.run([os.path.join(CLI, "vas"), "nope"],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)

    # --- manager selection ---

    def test_failover_dead_first_host(self):
        self.write_conf("127.0.0.2, 127.0.0.1")
        self.assertEqual(self.ok("hsvr_list"), HSVR_LIST)
        self.assertEqual(len(self.sm.calls), 1)

    def test_no_manager(self):
        self.write_conf("127.0.0.2,127.0.0.3")
        rc, out, err = self.run_cli("lvol_list")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("Host is down", err)
        self.assertIn("127.0.0.2:%d" % self.sm.port, err)
        self.assertIn("127.0.0.3:%d" % self.sm.port, err)
        self.write_conf("")
        rc, out, err = self.run_cli("lvol_list")
        self.assertEqual(rc, 1)
        self.assertIn("no storage manager configured", err)

    def test_sm_overrides(self):
        self.write_conf("127.0.0.2")
        sm = "127.0.0.1:%d" % self.sm.port
        self.assertEqual(self.ok("hsvr_list", "--sm", sm), HSVR_LIST)
        self.assertEqual(self.ok("hsvr_list", env={"VAS_SM": sm}),
                         HSVR_LIST)
        self.assertEqual(self.ok("hsvr_list", "--sm", "127.0.0.3,%s" % sm),
                         HSVR_LIST)
        rc, out, err = self.run_cli("hsvr_list", "--sm", "a:1,b:2")
        self.assertEqual(rc, 2)

    def test_missing_config(self):
        rc, out, err = self.run_cli("lvol_list", "--config",
                                    "/nonexistent/vas.conf")
        self.assertEqual(rc, 1)
        self.assertIn("/nonexistent/vas.conf: No such file", err)
        bad = os.path.join(self.tmp.name, "bad.conf")
        with open(bad, "w") as f:
            f.write("[storage_manager\nport = x\n")
        rc, out, err = self.run_cli("lvol_list", "--config", bad)
        self.assertEqual(rc, 1)
        self.assertIn("bad.conf: syntax error", err)
        with open(bad, "w") as f:
            f.write("[storage_manager]\nhost_list = 127.0.0.1\nport = x\n")
        rc, out, err = self.run_cli("lvol_list", "--config", bad)
        self.assertEqual(rc, 1)
        self.assertIn("port: not a port number", err)

    def test_no_failover_after_sending(self):
        # 127.0.0.3 accepts the connection and never answers: the create
        # times out there and is never sent to the good second host.
        lsock = socket.socket()
        lsock.bind(("127.0.0.3", self.sm.port))
        lsock.listen(4)
        try:
            self.write_conf("127.0.0.3,127.0.0.1")
            rc, out, err = self.run_cli("lvol_create", "new", "1",
                                        "--timeout", "1")
        finally:
            lsock.close()
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("may still be running", err)
        self.assertEqual(self.sm.calls, [])

    def test_garbage_reply(self):
        # An HTTP server that is not XML-RPC: a clear error, exit 1.
        lsock = socket.socket()
        lsock.bind(("127.0.0.3", 0))
        lsock.listen(4)

        def answer():
            conn, _ = lsock.accept()
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                         b"Content-Length: 5\r\n\r\nhello")
            conn.close()
        t = threading.Thread(target=answer, daemon=True)
        t.start()
        try:
            rc, out, err = self.run_cli(
                "hsvr_list", "--sm", "127.0.0.3:%d" % lsock.getsockname()[1])
        finally:
            t.join(10)
            lsock.close()
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("hsvr_list: Protocol error", err)

    def test_timeout(self):
        rc, out, err = self.run_cli("lvol_attach", "foo", "hsvr-00000009",
                                    "--timeout", "1")
        self.assertEqual(rc, 1)
        self.assertIn("lvol_attach: foo: Connection timed out", err)
        self.assertIn("may still be running", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
