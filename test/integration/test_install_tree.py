"""What `cmake --install` puts on a host: every program in bin/ and sbin/
answers --help on stdout with exit 0 and does nothing else, and answers a
bad option on stderr with exit 2."""
import os
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
               "pdsk_list", "hsvr_delete", "ssvr_delete", "pdsk_delete", "shutdownAll"}
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


if __name__ == "__main__":
    main()
