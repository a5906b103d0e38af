"""Helpers for the hsvr_agent integration tests: a real agent on the
simulated device back end, lvolstruct builders, recorded commands."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

BUILD = os.environ.get("VAS_BUILD_DIR", "build")
AGENT = os.path.join(BUILD, "agents", "hsvr", "hsvr_agent")
IQN = "iqn.2010-01.example"
EV_NONE, EV_PROGRESS, EV_DONE, EV_ERROR = 0, 2, 3, 5
SPV = 2099200  # sectors per vb
SPG = 2097152  # sectors per GiB


def skip_if_missing():
    if not os.access(AGENT, os.X_OK):
        print("hsvr_agent not built: " + AGENT)
        sys.exit(77)


def by_path(ip, pdsk):
    return "/dev/disk/by-path/ip-%s:3260-iscsi-%s:%08x-lun-1" % (ip, IQN, pdsk)


def dext(lvolid, ssvr, pdsk, off, cap=10, status=1, ips=("127.0.0.11",)):
    return {"lvolid": lvolid, "lvoltype": 3, "capacity": cap,
            "mirror_status": status, "labels": [], "components": [],
            "lvolspec": {"pdskid": pdsk, "offset": off, "ssvrid": ssvr,
                         "iscsi_path": [by_path(ip, pdsk) for ip in ips]}}


def node(lvolid, lvoltype, cap, comps, spec=None, labels=None):
    return {"lvolid": lvolid, "lvoltype": lvoltype, "capacity": cap,
            "mirror_status": 0, "labels": labels or [],
            "components": comps, "lvolspec": spec or {}}


def volume(lvolid, name, cap, mirrors, assoc=None):
    """mirrors: list of (mirrorid, [dext, ...])"""
    ms = [node(mid, 2, 10, ds) for mid, ds in mirrors]
    linear = node(lvolid + 2, 1, cap, ms)
    so = node(lvolid + 1, 6, cap, [linear])
    return node(lvolid, 0, cap, [so],
                {"lvolname": name, "redundancy": len(mirrors[0][1]),
                 "ctime": "2026-11-23T20:00:00", "assoc": assoc or []},
                [name, "lvol-%08x" % lvolid])


def snapshot(lvolid, name, origin_so, cap, mirrors):
    ms = [node(mid, 2, 10, ds) for mid, ds in mirrors]
    linear = node(lvolid + 2, 1, cap, ms)
    snap = node(lvolid + 1, 7, cap, [linear], {"origin_lvolid": origin_so})
    return node(lvolid, 0, cap, [snap],
                {"lvolname": name, "redundancy": 2,
                 "ctime": "2026-11-23T20:00:00", "assoc": []},
                [name, "lvol-%08x" % lvolid])


class Agent:
    def __init__(self, extra=None, sm_port=None):
        self.dir = tempfile.mkdtemp(prefix="hsvr-test-")
        self.state = os.path.join(self.dir, "state")
        self.root = os.path.join(self.state, "sim")
        self.record = os.path.join(self.dir, "commands.jsonl")
        conf = {"port": "0", "listen_address": "127.0.0.1",
                "state_dir": self.state, "device_backend": "simulated",
                "record_file": self.record, "sim_resync_ms": "300",
                "monitor_interval_ms": "200", "login_wait_ms": "2000"}
        conf.update({k: v.format(dir=self.dir)
                     for k, v in (extra or {}).items()})
        self.conf = os.path.join(self.dir, "vas.conf")
        with open(self.conf, "w") as f:
            f.write("[hsvr_agent]\n")
            for k, v in conf.items():
                f.write("%s = %s\n" % (k, v))
            if sm_port:
                f.write("[storage_manager]\nhost_list = 127.0.0.1\n"
                        "port = %d\n" % sm_port)
        self.start()

    def start(self):
        """Starts (or restarts) the agent on the same state directory."""
        self.log = open(os.path.join(self.dir, "agent.log"), "a")
        port_file = os.path.join(self.state, "agent.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.proc = subprocess.Popen([AGENT, "--config", self.conf],
                                     stdout=self.log, stderr=self.log)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited: " + self.logtext())
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read())
        self.rpc = xmlrpc.client.ServerProxy(
            "http://127.0.0.1:%d/RPC2" % self.port)

    def logtext(self):
        if not self.log.closed:
            self.log.flush()
        with open(os.path.join(self.dir, "agent.log")) as f:
            return f.read()

    def stop(self, keep=False):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        self.log.close()
        if rc != 0:
            # Sanitizer reports (leaks, UB) end the agent with rc != 0.
            print(self.logtext()[-6000:])
            raise AssertionError("hsvr_agent exited %d" % rc)
        if not keep:
            shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    def commands(self, clear=True):
        if not os.path.exists(self.record):
            return []
        with open(self.record) as f:
            cmds = [json.loads(line) for line in f if line.strip()]
        if clear:
            os.unlink(self.record)
        return cmds

    def wait(self, eventid, tries=400, detail=False):
        """[status, result] (+ the reason of an ERROR with detail)."""
        q = {"ver": 5, "eventid": eventid}
        if detail:
            q["detail"] = 1
        for _ in range(tries):
            st = self.rpc.getEventStatus(q)
            if st[0] != EV_PROGRESS:
                return st
            time.sleep(0.05)
        raise RuntimeError("event %d still in progress" % eventid)

    def attach(self, eid, lv):
        assert self.rpc.attachLogicalVolume(
            {"ver": 5, "eventid": eid, "lvolstruct": lv}) == 0
        return self.wait(eid)

    def detach(self, eid, lv):
        assert self.rpc.detachLogicalVolume(
            {"ver": 5, "eventid": eid, "lvolstruct": lv}) == 0
        return self.wait(eid)

    def p(self, path):
        """A device path under the simulated root."""
        return self.root + path

    def mapper(self, name):
        return self.p("/dev/mapper/" + name)

    def md(self, mirrorid):
        return self.p("/dev/md/vas-%08x" % mirrorid)

    def dm_file(self, name):
        """The simulated state file of a dm device."""
        return os.path.realpath(self.mapper(name))

    def dm_table(self, name):
        with open(self.dm_file(name)) as f:
            return [l[6:].rstrip("\n") for l in f if l.startswith("table=")]

    def set_key(self, path, key, value):
        with open(path) as f:
            lines = f.readlines()
        lines = [("%s=%s\n" % (key, value)) if l.startswith(key + "=")
                 else l for l in lines]
        with open(path, "w") as f:
            f.writelines(lines)

    def devices(self):
        """Every simulated kernel device and every link left."""
        out = []
        for top, dirs, files in os.walk(self.p("/dev")):
            for f in files:
                out.append(os.path.relpath(os.path.join(top, f), self.root))
        return sorted(out)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def set_member_state(a, mirrorid, dext_name, state):
    """Marks one leg of a simulated md array (as the kernel would)."""
    md = os.path.realpath(a.md(mirrorid))
    kname = os.path.basename(os.path.realpath(a.mapper(dext_name)))
    with open(md) as f:
        lines = f.readlines()
    out = []
    for l in lines:
        parts = l.split()
        if l.startswith("member=" + kname + " "):
            parts[2] = state
            l = " ".join(parts) + "\n"
        out.append(l)
    with open(md, "w") as f:
        f.writelines(out)


def no_remove():
    return {"lvolid": 0, "lvoltype": 3, "capacity": 0, "mirror_status": 0,
            "labels": [], "lvolspec": {}}


def leg(d):
    """A DEXT as replaceMirrorDisk sends it: no components."""
    d = dict(d)
    del d["components"]
    return d


def run_on(agent, body):
    """Runs body(); on failure prints the agent's log; always stops it."""
    try:
        body()
    except Exception:
        print(agent.logtext()[-4000:])
        raise
    finally:
        agent.stop()
