"""Fencing a failed head server before its volumes are attached elsewhere
(issue 18, 3.0's M73): the real vas_sm (embedded PostgreSQL) on
127.0.0.61, two storage servers with real ssvr_agent and tgtd on
127.0.0.62-63, head agents played by the test (their iSCSI side is not
needed: the targets' ACLs are what is checked). The agents learn the heads
from the manager only once an hour here, so only fenceInitiators can take
a failed head out of the targets before the next head's attach arrives.

1. notifyFailure(HSVR A), then at once attach its volume on B: when B is
   asked to attach, no target of either storage server lets A in, and a
   real iSCSI login from A's address is refused.
2. A storage agent that does not answer (SIGSTOP): the attach of the
   failed head's volume is refused with EAGAIN while it does not answer,
   also across a manager restart; once it answers, the attach goes
   through and the failed head is out of its ACL at that moment.
3. An agent with initiator_address set by hand answers fault 95: the
   attach does not wait for it."""
import os
import signal
import socket
import subprocess
import tempfile
import xmlrpc.client

from ssvr_harness import (BUILD, PREFIX, FakeSM, Node, _dirs, _procs, check,
                          free_port, need_tools, skip)
from vastest import FakeAgent, v, wait_until

SM_IP = "127.0.0.61"
SSVR_IPS = ["127.0.0.62", "127.0.0.63"]
HEAD_A = "127.0.0.1"  # iscsi-ls logs in from here: the head's address
HEAD_B, HEAD_C = "127.0.0.64", "127.0.0.65"
PG_BIN = "/usr/lib/postgresql/15/bin"


class Manager:
    def __init__(self, agent_port, head_port):
        self.dir = tempfile.mkdtemp(prefix="vas-fence-sm-")
        _dirs.append(self.dir)
        os.chmod(self.dir, 0o755)
        self.port = free_port(SM_IP)
        self.conf = os.path.join(self.dir, "vas.conf")
        with open(self.conf, "w") as f:
            f.write("[storage_manager]\nlisten_address: %s\nport: %d\n"
                    "state_dir: %s/state\nextentsize: 1\nshred_poll_ms: 200\n"
                    "sched_period_ms: 200\nshredder_count: 2\n"
                    "server_check_interval: 0\nop_timeout: 6\n"
                    "agent_timeout_ms: 1500\nattach_poll_ms: 50\n"
                    "pg_bindir: %s\n[ssvr_agent]\nport: %d\n"
                    "[hsvr_agent]\nport: %d\n[iscsi]\niqn_prefix: %s\n"
                    % (SM_IP, self.port, self.dir, PG_BIN, agent_port,
                       head_port, PREFIX))
        self.proc = None

    def start(self):
        log = open(os.path.join(self.dir, "sm.log"), "a")
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "sm", "vas_sm"), "--config", self.conf],
            stdout=subprocess.PIPE, stderr=log, text=True)
        self.proc.graceful = True
        _procs.append(self.proc)
        line = self.proc.stdout.readline()
        if "Listening on port" not in line:
            self.proc.kill()
            raise AssertionError("vas_sm did not start: " + self.log())
        return xmlrpc.client.ServerProxy("http://%s:%d" % (SM_IP, self.port))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=120)

    def log(self):
        with open(os.path.join(self.dir, "sm.log")) as f:
            return f.read()[-3000:]


def common_port(ips):
    """A port free on every address (one [ssvr_agent]/[hsvr_agent] port)."""
    for _ in range(50):
        port = free_port(ips[0])
        try:
            for ip in ips[1:]:
                s = socket.socket()
                s.bind((ip, port))
                s.close()
            return port
        except OSError:
            continue
    raise AssertionError("no common free port")


def acls(nodes):
    """Every target's initiator addresses, per storage server."""
    out = {}
    for n in nodes:
        for iqn, tid in n.tgtd.targets().items():
            out[(n.ip, iqn)] = FakeSM.acl(None, n.tgtd, tid)
    return out


def fault_code(fn, *args):
    try:
        fn(*args)
    except xmlrpc.client.Fault as e:
        return e.faultCode
    return None


def iscsi_ls(ip):
    return subprocess.run(["iscsi-ls", "-s", "iscsi://%s" % ip],
                          capture_output=True, text=True, timeout=60).stdout


def main():
    need_tools()
    if not os.path.exists(os.path.join(BUILD, "sm", "vas_sm")):
        skip("vas_sm not built")
    if not os.path.exists(os.path.join(PG_BIN, "initdb")):
        skip("PostgreSQL 15 missing")
    agent_port = common_port(SSVR_IPS)
    head_port = common_port([HEAD_A, HEAD_B, HEAD_C])
    sm = Manager(agent_port, head_port)
    s = sm.start()
    heads = {}
    seen = {}  # head address -> ACLs when it was asked to attach
    nodes = []
    for ip in (HEAD_A, HEAD_B, HEAD_C):
        heads[ip] = FakeAgent(ip, head_port)

        def attach_seen(method, p, ip=ip):
            if method == "attachLogicalVolume":
                seen.setdefault(ip, []).append(acls(nodes))
            return 0
        heads[ip].request_answer = attach_seen
    hid = {ip: s.registerHeadServer(v(ip_data=[ip]))
           for ip in (HEAD_A, HEAD_B, HEAD_C)}
    for i, ip in enumerate(SSVR_IPS):
        node = Node("fence%d" % i, ip, 5361 + i, port=agent_port, extra={
            "storage_manager": {"host_list": SM_IP, "port": str(sm.port)},
            "ssvr_agent": {"ip_data": ip,
                           "initiator_refresh_interval": "3600"}})
        node.tgtd.start()
        node.start_agent()
        disk = node.disk("disk.img", 4 << 30)
        with open(os.path.join(node.state, "register_device_list"),
                  "w") as f:
            f.write("pdsk,%s\n" % disk)
        r = node.reporter()
        check(r.returncode == 0, "%s registered: %s" % (ip, r.stderr[-800:]))
        nodes.append(node)
    check(wait_until(lambda: all(p["available"] == 3 for p in
                                 s.listPhysicalDisks(v())), 240),
          "every extent shredded and FREE")
    everyone = sorted([HEAD_A, HEAD_B, HEAD_C])
    check(all(a == everyone for a in acls(nodes).values()),
          "targets accept the three registered heads: %s" % acls(nodes))
    ls = [iscsi_ls(n.ip) for n in nodes]
    check(all("iqn." in x for x in ls),
          "head A's address logs in before it failed: %r" % ls)

    # 1. The failed head is refused before its volume is attached on B.
    lv = s.createLogicalVolume(v(lvolname="fenced", capacity=1, redundancy=2))
    check(s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid[HEAD_A])) == 0,
          "attached on A")
    check(s.notifyFailure(v(target=1, targetid=hid[HEAD_A])) == 0,
          "A failed")
    check(s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid[HEAD_B])) == 0,
          "attached on B right after")
    at_b = seen[HEAD_B][-1]
    check(all(HEAD_A not in a and HEAD_B in a for a in at_b.values()),
          "when B was asked to attach, no target let A in: %s" % at_b)
    ls = "".join(iscsi_ls(n.ip) for n in nodes)
    check("iqn." not in ls, "a login from A's address is refused: %r" % ls)

    # 2. A storage agent that does not answer holds the attach back.
    nodes[1].agent.send_signal(signal.SIGSTOP)
    try:
        check(s.notifyFailure(v(target=1, targetid=hid[HEAD_B])) == 0,
              "B failed")
        check(fault_code(s.attachLogicalVolume,
                         v(lvolid=lv, hsvrid=hid[HEAD_C])) == 11,
              "attach on C refused with EAGAIN while %s does not answer"
              % SSVR_IPS[1])
        check(HEAD_C not in seen, "C was never asked to attach")
        check(sm.stop() == 0, "manager stopped (the fencing stays queued)")
        s = sm.start()
    finally:
        nodes[1].agent.send_signal(signal.SIGCONT)
    # The restarted manager leads again within a lease, then fences.
    check(wait_until(lambda: fault_code(
        s.attachLogicalVolume, v(lvolid=lv, hsvrid=hid[HEAD_C])) is None, 90),
        "attached on C once the restarted manager's fencing got through")
    at_c = seen[HEAD_C][-1]
    check(all(HEAD_B not in a and HEAD_C in a for a in at_c.values()),
          "when C was asked to attach, no target let B in: %s" % at_c)

    # 3. An agent whose ACL the admin sets by hand cannot fence: it says
    # so (fault 95), the manager logs it and does not wait for it.
    check(nodes[0].stop_agent() == 0, "agent stopped")
    nodes[0].settings["ssvr_agent"]["initiator_address"] = "ALL"
    nodes[0].write_conf()
    nodes[0].start_agent()
    check(s.notifyFailure(v(target=1, targetid=hid[HEAD_C])) == 0, "C failed")
    check(s.registerHeadServer(v(ip_data=[HEAD_A])) == hid[HEAD_A],
          "A registered again")
    check(s.attachLogicalVolume(v(lvolid=lv, hsvrid=hid[HEAD_A])) == 0,
          "attached on A: the hand-set server is not waited for")
    at_a = seen[HEAD_A][-1]
    check(HEAD_C not in at_a[(SSVR_IPS[1], nodes[1].iqn(2))] and
          at_a[(SSVR_IPS[0], nodes[0].iqn(1))] == ["ALL"],
          "C fenced where it can be, ALL left as set: %s" % at_a)
    check("cannot fence hsvr-%08x" % hid[HEAD_C] in sm.log(),
          "the manager logged the unfenced server")

    for node in nodes:
        check(node.stop_agent() == 0, "%s agent stopped" % node.ip)
        node.tgtd.kill()
    for h in heads.values():
        h.stop()
    check(sm.stop() == 0, "vas_sm stopped")
    print("fencing test passed")


if __name__ == "__main__":
    main()
