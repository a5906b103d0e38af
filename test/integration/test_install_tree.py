"""What `cmake --install` puts on a host: every program in bin/ and sbin/
answers --help on stdout with exit 0 and does nothing else, answers a bad
option on stderr with exit 2, and has a man page (bin: section 1, sbin: 8)
that groff renders without a warning and that names every option of the
program's usage; every unit's Documentation= names an installed page."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from vastest import BUILD, main


class InstallTree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dest = tempfile.mkdtemp(prefix="vasinst-")
        env = dict(os.environ, DESTDIR=cls.dest)
        subprocess.run(["cmake", "--install", BUILD, "--prefix", "/usr"], env=env,
                       check=True, stdout=subprocess.DEVNULL)
        cls.programs = {}
        for d in ("usr/bin", "usr/sbin"):
            for name in sorted(os.listdir(os.path.join(cls.dest, d))):
                cls.programs[name] = os.path.join(cls.dest, d, name)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dest, ignore_errors=True)

    def run_prog(self, name, *args):
        # no configuration, no manager: --help must not need either
        env = dict(os.environ, VAS_SM="127.0.0.1:1")
        return subprocess.run([self.programs[name]] + list(args), capture_output=True,
                              text=True, timeout=30, env=env, cwd=self.dest)

    def test_every_program_is_there(self):
        daemons = {"vas_sm", "ssvr_agent", "ssvr_reporter", "hsvr_agent",
                   "hsvr_reporter", "vas_virt"}
        cli = {"vas", "lvol_create", "lvol_delete", "lvol_attach", "lvol_detach",
               "lvol_list", "lvol_show", "snap_create", "hsvr_list", "ssvr_list",
               "pdsk_list", "hsvr_delete", "ssvr_delete", "pdsk_delete", "shutdownAll",
               "lvol_extend", "pool_list", "pool_create", "pool_delete", "pool_quota"}
        self.assertEqual(set(self.programs), daemons | cli)

    def test_help_on_stdout_exit_0(self):
        for name in self.programs:
            with self.subTest(program=name):
                r = self.run_prog(name, "--help")
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                self.assertRegex(r.stdout, r"(?m)^(usage|SYNOPSIS)")

    def test_bad_option_on_stderr_exit_2(self):
        for name in self.programs:
            with self.subTest(program=name):
                r = self.run_prog(name, "--no-such-option")
                self.assertEqual((r.returncode, r.stdout), (2, ""))
                self.assertIn("usage", r.stderr)

    def man_page(self, name):
        section = "1" if os.path.dirname(self.programs[name]).endswith("/bin") else "8"
        return os.path.join(self.dest, "usr/share/man/man" + section, name + "." + section)

    def test_every_program_has_a_man_page(self):
        for name in self.programs:
            with self.subTest(program=name):
                page = self.man_page(name)
                self.assertTrue(os.path.exists(page), page)
                r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", page],
                                   capture_output=True, text=True)
                self.assertEqual((r.returncode, r.stderr), (0, ""))
                with open(page) as f:
                    roff = f.read().replace("\\-", "-")
                # the whatis line: "name \- summary"
                self.assertRegex(roff, r"(?m)^\.SH NAME\n%s - \S" % re.escape(name))
                usage = self.run_prog(name, "--help").stdout
                for opt in sorted(set(re.findall(r"--[a-z][a-z-]+", usage))):
                    self.assertIn(opt, roff, "%s(%s) lacks %s" % (name, page[-1], opt))

    def test_config_page_and_unit_documentation(self):
        self.assertTrue(os.path.exists(os.path.join(self.dest, "usr/share/man/man5/vas.conf.5")))
        units = glob.glob(os.path.join(self.dest, "lib/systemd/system/vas_*.service"))
        self.assertGreaterEqual(len(units), 8)
        ours = {os.path.basename(p).rsplit(".", 1)[0] + "(" + p[-1] + ")"
                for p in glob.glob(os.path.join(self.dest, "usr/share/man/man*/*"))}
        for unit in units:
            with open(unit) as f:
                docs = re.findall(r"(?m)^Documentation=(.*)$", f.read())
            with self.subTest(unit=os.path.basename(unit)):
                self.assertEqual(len(docs), 1)
                for ref in docs[0].split():
                    self.assertTrue(ref.startswith("man:"), ref)
                    # tgtd(8) comes with tgt, which vastsky-ssvr depends on
                    self.assertIn(ref[4:], ours | {"tgtd(8)"})


if __name__ == "__main__":
    main()
