"""CLI golden files: every command's output against the real vas_sm.

One scripted session builds a known cluster through the CLI (3 storage
servers, a head server, volumes, a snapshot, an attached volume, a failed
attach, a leg being rebuilt) and runs each case; what a case prints is
compared byte for byte with test/golden/<cmd>.<case>.out: stdout, then
"--- stderr" and stderr if any, then "--- exit N" unless N is 0. Times are
masked; ids are kept (a fresh database makes them the same every run).

Regenerate the files after a deliberate change of output with
scripts/golden-update.sh, and review the diff.
"""
import difflib
import os
import re
import subprocess
import sys

import vastest
from vastest import v

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "golden")
CLI = os.path.join(vastest.BUILD, "cli")
UPDATE = os.environ.get("VAS_GOLDEN_UPDATE") == "1"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")


def masked(text):
    return TIME.sub("YYYY-MM-DDThh:mm:ss", text)


def run_cli(conf, tool, *args):
    """(exit status, stdout, stderr) of a CLI tool with this config."""
    env = dict(os.environ)
    env.pop("VAS_SM", None)
    p = subprocess.run([os.path.join(CLI, tool), "--config", conf] + list(args),
                       capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=120)
    return p.returncode, p.stdout, p.stderr


class CliGolden(vastest.SmTestCase):
    def sm_options(self):
        return {"extentsize": "1", "resync_poll_ms": 100}

    def setUp(self):
        super().setUp()
        self.conf = os.path.join(self.sm.dir, "cli.conf")
        with open(self.conf, "w") as f:
            f.write("[storage_manager]\nhost_list = 127.0.0.1\nport = %d\n"
                    % self.sm.port)
        self.seen = set()
        self.wrong = []

    def run_tool(self, tool, *args):
        rc, out, err = run_cli(self.conf, tool, *args)
        if err:
            out += "--- stderr\n" + err
        if rc:
            out += "--- exit %d\n" % rc
        return rc, masked(out)

    def case(self, tool, name, *args):
        """Runs tool, checks its output against its golden file."""
        path = os.path.join(GOLDEN, "%s.%s.out" % (tool, name))
        self.assertNotIn(path, self.seen, "case named twice")
        self.seen.add(path)
        rc, out = self.run_tool(tool, *args)
        if UPDATE:
            with open(path, "w") as f:
                f.write(out)
            return rc
        try:
            with open(path) as f:
                want = f.read()
        except FileNotFoundError:
            want = None
        if out != want:
            diff = "" if want is None else "".join(difflib.unified_diff(
                want.splitlines(True), out.splitlines(True), path, "now"))
            self.wrong.append("%s %s: %s\n%s" % (tool, " ".join(args),
                              "no golden file" if want is None else "differs",
                              diff or out))
        return rc

    def ok(self, tool, name, *args):
        self.assertEqual(self.case(tool, name, *args), 0, (tool, args))

    def settle_rebuild(self):
        """The rebuilt leg's resync runs and stays running."""
        self.assertTrue(vastest.wait_until(lambda: self.sm.sql(
            "SELECT count(*) FROM resync WHERE status = 2") == "1"))

    def test_every_command(self):
        s = self.s
        self.ssvrids, self.pdskids = self.cluster()
        hid = s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        h = "hsvr-%08x" % hid
        self.ok("lvol_create", "ok", "foo", "3")
        self.ok("lvol_create", "redundancy", "bar", "2", "-r", "2")
        self.ok("lvol_create", "quiet", "qux", "1")
        self.case("lvol_create", "exists", "foo", "1")
        self.case("lvol_create", "no_space", "big", "1", "--redundancy", "9")
        self.case("lvol_create", "bad_capacity", "x", "big")
        self.case("lvol_create", "long_name", "y" * 65, "1")
        self.ok("snap_create", "ok", "foo", "snap1")
        self.case("snap_create", "of_snapshot", "snap1", "snap2")
        self.case("snap_create", "unknown", "nosuch", "snap3")
        self.ok("lvol_attach", "ok", "foo", h)
        self.case("lvol_attach", "bad_server", "foo", "1")
        self.hsvr.event_answer = lambda ev: [5, 500]  # the head agent fails
        self.case("lvol_attach", "agent_fails", "bar", h[5:])
        # A leg of foo fails; its rebuild starts and stays in progress.
        self.hsvr.event_answer = lambda ev: [2, 0]
        tree = s.showLogicalVolume(v(lvolname="foo"))
        leg = tree["components"][0]["components"][0]["components"][1][
            "components"][0]
        s.notifyFailure(v(target=4, targetid=leg["lvolid"]))
        self.settle_rebuild()

        self.ok("lvol_list", "all")
        self.ok("lvol_list", "json", "--json")
        self.ok("lvol_list", "quiet", "-q")
        self.ok("lvol_list", "one_no_header", "-H", "bar")
        self.ok("lvol_list", "by_id", "lvol-%08x" % s.listLogicalVolumes(
            v(lvolname="qux"))[0]["lvolid"])
        self.case("lvol_list", "unknown", "nosuch")
        self.ok("lvol_show", "attached", "foo")
        self.ok("lvol_show", "failed_attach", "bar")
        self.ok("lvol_show", "snapshot", "snap1")
        self.ok("lvol_show", "json", "--json", "foo")
        self.ok("lvol_show", "summary", "--summary", "foo")
        self.ok("lvol_show", "summary_json", "-s", "--json", "foo")
        self.case("lvol_show", "unknown", "lvol-7ffffff0")
        self.ok("hsvr_list", "all")
        self.ok("hsvr_list", "json", "--json")
        self.ok("hsvr_list", "quiet", "-q")
        self.ok("hsvr_list", "one", h)
        self.case("hsvr_list", "unknown", "hsvr-0000ffff")
        self.ok("ssvr_list", "all")
        self.ok("ssvr_list", "json", "--json")
        self.ok("ssvr_list", "quiet", "-q")
        self.ok("pdsk_list", "all")
        self.ok("pdsk_list", "json", "--json")
        self.ok("pdsk_list", "quiet", "-q")
        self.ok("pdsk_list", "of_server", "ssvr-%08x" % self.ssvrids[1])

        self.hsvr.event_answer = lambda ev: [3, 0]  # the rebuild ends
        self.assertTrue(vastest.wait_until(
            lambda: self.sm.sql("SELECT count(*) FROM resync") == "0"))
        self.case("lvol_delete", "unknown", "nosuch")
        self.case("lvol_delete", "attached", "foo")
        self.case("lvol_delete", "bad_id", "lvol-00000000")
        self.case("lvol_detach", "snapshot", "snap1")
        self.case("hsvr_delete", "busy", h)
        self.case("ssvr_delete", "busy", "ssvr-%08x" % self.ssvrids[2])
        self.case("pdsk_delete", "busy", "pdsk-%08x" % self.pdskids[2])
        self.case("shutdownAll", "busy", "--yes")
        self.ok("lvol_detach", "ok", "foo")
        self.ok("lvol_detach", "after_error", "bar")
        self.ok("lvol_delete", "snapshot", "snap1")
        self.ok("lvol_delete", "ok", "qux")
        self.ok("lvol_delete", "by_id", "lvol-%08x" % s.listLogicalVolumes(
            v(lvolname="bar"))[0]["lvolid"])
        self.ok("lvol_delete", "detached", "foo")
        self.ok("lvol_list", "none")
        self.wait_shredded()
        s.notifyFailure(v(target=2, targetid=self.ssvrids[2]))
        s.notifyFailure(v(target=1, targetid=hid))
        self.ok("ssvr_list", "one_offline")
        self.ok("pdsk_list", "one_offline")
        self.ok("pdsk_delete", "ok", "pdsk-%08x" % self.pdskids[2])
        self.case("pdsk_delete", "unknown", "pdsk-%08x" % self.pdskids[2])
        self.ok("ssvr_delete", "ok", "%08x" % self.ssvrids[2])
        self.case("ssvr_delete", "unknown", "%08x" % self.ssvrids[2])
        self.ok("hsvr_delete", "ok", h)
        self.case("hsvr_delete", "unknown", h)
        self.ok("hsvr_list", "none")
        self.ok("shutdownAll", "ok", "--yes")
        self.ok("ssvr_list", "halted")
        self.pool_cases()
        if UPDATE:
            print("wrote %d golden files" % len(self.seen))
            return
        stale = set(os.path.join(GOLDEN, f) for f in os.listdir(GOLDEN)
                    if f.endswith(".out")) - self.seen
        self.assertEqual(stale, set(), "golden files no case writes")
        if self.wrong:
            self.fail("%d case(s) differ from test/golden:\n%s"
                      % (len(self.wrong), "\n".join(self.wrong)))
        self.assertEqual(
            {os.path.basename(p).split(".")[0] for p in self.seen},
            set(COMMANDS), "a command without a golden case")


    def pool_cases(self):
        """Issue 16, after every classic case (their ids stay as they
        were): the halted servers come back, a third joins pool 'fast',
        racks 1 and 2 are failure domains."""
        s = self.s
        for i in range(2):
            s.registerStorageServer(v(ip_data=["127.0.0.%d" % (11 + i)]))
            s.registerPhysicalDisk(v(ssvrid=self.ssvrids[i], local_path="/dev/sdb",
                                     capacity="21000000"))
        self.ok("pool_create", "ok", "fast", "--quota", "100")
        self.ok("pool_create", "parent", "tenant", "--parent", "fast", "--quota", "50")
        self.ok("pool_create", "empty", "empty")
        self.case("pool_create", "exists", "fast")
        self.case("pool_create", "bad_parent", "x", "--parent", "nosuch")
        self.case("pool_create", "over_parent", "y", "--parent", "tenant", "--quota", "60")
        self.case("pool_create", "bad_name", "a b")
        self.case("pool_create", "bad_quota", "z", "--quota", "-1")
        third = s.registerStorageServer(v(ip_data=["127.0.0.13"], pool="fast",
                                          domain="rack-2"))
        for ssvrid, path in ((third, "/dev/sdb"), (third, "/dev/sdc"),
                             (self.ssvrids[1], "/dev/sdc")):
            s.registerPhysicalDisk(v(ssvrid=ssvrid, local_path=path, capacity="21000000"))
        s.setStoragePool(v(pool="fast", ssvrid=self.ssvrids[1]))
        s.setFailureDomain(v(ssvrid=self.ssvrids[1], domain="rack-1"))
        self.wait_shredded(timeout=120)
        self.ok("lvol_create", "in_pool", "t1", "4", "-r", "2", "--pool", "tenant")
        self.case("lvol_create", "over_quota", "t2", "60", "-r", "2", "--pool", "tenant")
        self.case("lvol_create", "unknown_pool", "t3", "1", "--pool", "nosuch")
        self.ok("snap_create", "in_pool", "t1", "t1snap", "--pool", "fast")
        self.ok("lvol_list", "placement", "-P")
        self.ok("lvol_list", "of_pool", "--pool", "tenant")
        self.ok("lvol_list", "placement_json", "--json", "-P", "t1")
        self.ok("ssvr_list", "placement", "-P")
        self.ok("ssvr_list", "of_pool", "--pool", "fast", "-H")
        self.ok("pdsk_list", "placement", "--placement")
        self.ok("pdsk_list", "placement_json", "--json", "-P")
        self.ok("lvol_show", "domains", "t1")
        self.ok("lvol_show", "domains_summary", "--summary", "t1")
        self.ok("pool_list", "all")
        self.ok("pool_list", "json", "--json")
        self.ok("pool_list", "quiet", "-q")
        self.ok("pool_list", "one", "tenant")
        self.case("pool_list", "unknown", "nosuch")
        self.ok("pool_quota", "ok", "tenant", "40")
        self.case("pool_quota", "below_use", "tenant", "3")
        self.case("pool_quota", "bad_value", "tenant", "lots")
        self.case("pool_quota", "unknown", "nosuch", "1")
        self.ok("lvol_extend", "ok", "t1", "6")
        self.case("lvol_extend", "smaller", "t1", "5")
        self.case("lvol_extend", "over_quota", "t1", "41")
        self.case("lvol_extend", "snapshot", "t1snap", "20")
        self.case("lvol_extend", "bad_capacity", "t1", "6x")
        hid = s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        s.attachLogicalVolume(v(lvolname="t1", hsvrid=hid))
        self.ok("lvol_extend", "attached", "t1", "8")
        self.ok("lvol_show", "extended", "--summary", "t1")
        self.case("pool_delete", "busy", "fast")
        self.case("pool_delete", "default", "default")
        self.ok("pool_delete", "ok", "empty")
        self.case("pool_delete", "unknown", "empty")


COMMANDS = ["lvol_create", "lvol_delete", "lvol_attach", "lvol_detach",
            "lvol_list", "lvol_show", "snap_create", "hsvr_list", "ssvr_list",
            "pdsk_list", "hsvr_delete", "ssvr_delete", "pdsk_delete",
            "shutdownAll", "lvol_extend", "pool_create", "pool_delete",
            "pool_list", "pool_quota"]


class CliBehaviour(vastest.SmTestCase):
    """What golden files cannot hold: timing and unreachable managers."""

    def setUp(self):
        super().setUp()
        self.conf = os.path.join(self.sm.dir, "cli.conf")
        self.write_conf("127.0.0.1")
        self.hsvrid = self.s.registerHeadServer(v(ip_data=["127.0.0.21"]))

    def write_conf(self, hosts):
        with open(self.conf, "w") as f:
            f.write("[storage_manager]\nhost_list = %s\nport = %d\n"
                    % (hosts, self.sm.port))

    def cli(self, tool, *args):
        return run_cli(self.conf, tool, *args)

    def test_timeout_operation_continues(self):
        self.cluster()
        self.assertEqual(self.cli("lvol_create", "slow", "1")[0], 0)
        self.hsvr.event_answer = lambda ev: [2, 0]  # still in progress
        rc, out, err = self.cli("lvol_attach", "slow",
                                "hsvr-%08x" % self.hsvrid, "--timeout", "2")
        self.assertEqual((rc, out), (1, ""))
        self.assertTrue(err.startswith("lvol_attach: slow: Connection timed "
                                       "out after 2 s"), err)
        self.assertIn("may still be running", err)
        self.assertIn("+hsvr-%08x" % self.hsvrid, self.cli("lvol_list",
                                                           "slow")[1])
        self.hsvr.event_answer = lambda ev: [3, 0]
        bound = " hsvr-%08x" % self.hsvrid
        self.assertTrue(vastest.wait_until(
            lambda: bound in self.cli("lvol_list", "slow")[1]))

    def test_failover_dead_first_host(self):
        self.write_conf("127.0.0.2, 127.0.0.1")
        rc, out, err = self.cli("hsvr_list")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("hsvr-%08x" % self.hsvrid, out)
        self.write_conf("127.0.0.2,127.0.0.3")
        rc, out, err = self.cli("hsvr_list")
        self.assertEqual((rc, out), (1, ""))
        self.assertRegex(err, re.escape("hsvr_list: Host is down") +
                         ".*127.0.0.2:.*127.0.0.3:")


if __name__ == "__main__":
    if "--update" in sys.argv:
        sys.argv.remove("--update")
        os.environ["VAS_GOLDEN_UPDATE"] = "1"
        UPDATE = True
    vastest.main()
