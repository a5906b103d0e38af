"""hsvr_reporter against a fake manager: registration and hsvrid file,
EEXIST -> notifyFailure(HSVR, own id) -> register again, initial-setup
EEXIST is an error, back-off while no manager answers."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hsvr_harness import BUILD, check

REPORTER = os.path.join(BUILD, "agents", "hsvr", "hsvr_reporter")
if not os.access(REPORTER, os.X_OK):
    sys.exit(77)


class Quiet(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/", "/RPC2")

    def log_message(self, *args):
        pass


class FakeSM:
    def __init__(self, port=0, eexist=0):
        self.calls = []
        self.eexist = eexist
        self.srv = SimpleXMLRPCServer(("127.0.0.1", port),
                                      requestHandler=Quiet,
                                      logRequests=False)
        self.srv.register_function(self.registerHeadServer,
                                   "registerHeadServer")
        self.srv.register_function(self.notifyFailure, "notifyFailure")
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def registerHeadServer(self, p):
        self.calls.append(("register", p))
        if self.eexist:
            self.eexist -= 1
            raise xmlrpc.client.Fault(17, "EEXIST")
        return 7

    def notifyFailure(self, p):
        self.calls.append(("notify", p))
        return 0

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


def run(d, port, timeout=20):
    conf = os.path.join(d, "vas.conf")
    with open(conf, "w") as f:
        f.write("[hsvr_agent]\nstate_dir = %s\nip_data = 127.0.0.21, "
                "127.0.0.22\nregister_retry_s = 1\nvas_device_dir = %s/vas\n"
                "[storage_manager]\nhost_list = 127.0.0.1\nport = %d\n"
                % (d, d, port))
    return subprocess.Popen([REPORTER, "--config", conf],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def idfile(d):
    with open(os.path.join(d, "hsvrid")) as f:
        return f.read()


def main():
    d = tempfile.mkdtemp(prefix="hsvr-rep-")
    try:
        reg = {"ver": 5, "ip_data": ["127.0.0.21", "127.0.0.22"]}
        # initial setup
        sm = FakeSM()
        p = run(d, sm.port)
        check(p.wait(timeout=20) == 0, "registered")
        check(sm.calls == [("register", reg)], sm.calls)
        check(idfile(d) == "hsvr-00000007\n", idfile(d))
        check(os.stat(os.path.join(d, "hsvrid")).st_mode & 0o777 == 0o600,
              "hsvrid is 0600")
        # restart: the manager still has us -> EEXIST -> notify -> again
        sm.calls.clear()
        sm.eexist = 1
        p = run(d, sm.port)
        check(p.wait(timeout=20) == 0, "re-registered")
        check(sm.calls == [("register", reg),
                           ("notify", {"ver": 5, "target": 1,
                                       "targetid": 7}),
                           ("register", reg)], sm.calls)
        # restart with volumes attached here (W20): no notifyFailure that
        # would make the manager forget them; the registration is kept
        os.makedirs(os.path.join(d, "vas"))
        os.symlink("/dev/mapper/snapshot-origin-00000011",
                   os.path.join(d, "vas", "db1"))
        sm.calls.clear()
        sm.eexist = 1
        p = run(d, sm.port)
        check(p.wait(timeout=20) == 0, "kept")
        check(sm.calls == [("register", reg)], sm.calls)
        check(idfile(d) == "hsvr-00000007\n", "id kept")
        shutil.rmtree(os.path.join(d, "vas"))
        sm.stop()
        # initial setup with EEXIST: error, no notify
        os.unlink(os.path.join(d, "hsvrid"))
        sm = FakeSM(eexist=5)
        p = run(d, sm.port)
        out = p.communicate(timeout=20)[0].decode()
        check(p.returncode == 1, "exit 1")
        check("File exists" in out, out)
        check([c[0] for c in sm.calls] == ["register"], sm.calls)
        sm.stop()
        # manager down at first: back off, register once it is up
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        p = run(d, port)
        time.sleep(1.5)
        check(p.poll() is None, "still retrying while the manager is down")
        sm = FakeSM(port=port)
        check(p.wait(timeout=20) == 0, "registered after back-off")
        check(idfile(d) == "hsvr-00000007\n", "id kept")
        sm.stop()
        # SIGTERM while backing off: clean exit 0
        p = run(d, port)
        time.sleep(0.5)
        p.terminate()
        check(p.wait(timeout=10) == 0, "SIGTERM -> exit 0")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    print("ok")


main()
