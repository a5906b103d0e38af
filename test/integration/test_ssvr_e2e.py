"""End to end on one machine: the real vas_sm (embedded PostgreSQL) on
127.0.0.26 and three storage servers side by side on 127.0.0.27-29, each
with its own config, state dir, tgtd (control port, portal), ssvr_agent
and ssvr_reporter. After registration listPhysicalDisks shows the disks
and the manager's shred scheduler brings every extent to FREE through the
agents, which zero exactly the data extents (the SUPER tail is kept)."""
import os
import socket
import signal
import subprocess
import tempfile
import time
import xmlrpc.client

from ssvr_harness import (BUILD, PREFIX, VB, Node, _procs, _dirs, check,
                          free_port, need_tools, read_at, skip, write_at)

IPS = ["127.0.0.27", "127.0.0.28", "127.0.0.29"]
SM_IP = "127.0.0.26"
PG_BIN = "/usr/lib/postgresql/15/bin"


def start_sm(agent_port):
    smd = tempfile.mkdtemp(prefix="vas-e2e-sm-")
    _dirs.append(smd)
    os.chmod(smd, 0o755)
    port = free_port(SM_IP)
    conf = os.path.join(smd, "vas.conf")
    with open(conf, "w") as f:
        f.write("[storage_manager]\nlisten_address: %s\nport: %d\n"
                "state_dir: %s/state\nextentsize: 1\nshred_poll_ms: 200\n"
                "sched_period_ms: 200\nshredder_count: 2\n"
                "pg_bindir: %s\n[ssvr_agent]\nport: %d\n"
                "[iscsi]\niqn_prefix: %s\n"
                % (SM_IP, port, smd, PG_BIN, agent_port, PREFIX))
    log = open(os.path.join(smd, "sm.log"), "w")
    sm = subprocess.Popen([os.path.join(BUILD, "sm", "vas_sm"), "--config",
                           conf], stdout=subprocess.PIPE, stderr=log,
                          text=True)
    sm.graceful = True
    _procs.append(sm)
    line = sm.stdout.readline()
    if "Listening on port" not in line:
        sm.kill()
        with open(os.path.join(smd, "sm.log")) as f:
            raise AssertionError("vas_sm did not start: " + f.read()[-2000:])
    return sm, port


def common_port():
    """A port free on every storage-server address (the manager calls
    every agent on the same [ssvr_agent] port)."""
    for _ in range(50):
        port = free_port(IPS[0])
        try:
            for ip in IPS[1:]:
                s = socket.socket()
                s.bind((ip, port))
                s.close()
            return port
        except OSError:
            continue
    raise AssertionError("no common free port")


def main():
    need_tools()
    if not os.path.exists(os.path.join(BUILD, "sm", "vas_sm")):
        skip("vas_sm not built")
    if not os.path.exists(os.path.join(PG_BIN, "initdb")):
        skip("PostgreSQL 15 missing")
    port = common_port()
    sm, sm_port = start_sm(port)
    nodes, disks = [], []
    for i, ip in enumerate(IPS):
        node = Node("e2e%d" % i, ip, 5327 + i, port=port, extra={
            "storage_manager": {"host_list": SM_IP, "port": str(sm_port)},
            "ssvr_agent": {"ip_data": ip}})
        node.tgtd.start()
        node.start_agent()
        disk = node.disk("disk.img", 4 << 30)
        for off in (0, VB + 4096, 3 * VB - 512, 3 * VB + 4096):
            write_at(disk, off, b"\x6b" * 512)
        with open(os.path.join(node.state, "register_device_list"),
                  "w") as f:
            f.write("pdsk,%s\n" % disk)
        r = node.reporter()
        check(r.returncode == 0, "%s: reporter registered with vas_sm: %s"
              % (ip, r.stderr[-1000:]))
        nodes.append(node)
        disks.append(disk)
    smrpc = xmlrpc.client.ServerProxy("http://%s:%d" % (SM_IP, sm_port))
    ss = smrpc.listStorageServers({"ver": 5})
    check(sorted(s["ip_data"][0] for s in ss) == IPS,
          "listStorageServers shows the three servers: %s" % ss)
    pd = smrpc.listPhysicalDisks({"ver": 5})
    check(len(pd) == 3 and all(p["capacity"] == 3 for p in pd) and
          sorted(p["local_path"] for p in pd) == sorted(disks),
          "listPhysicalDisks shows the disks: %s" % pd)
    for node in nodes:
        own = [p for p in pd if p["local_path"].startswith(node.dir)][0]
        check(list(node.tgtd.targets()) == [node.iqn(own["pdskid"])],
              "%s exports only its own disk" % node.ip)
    end = time.time() + 240
    while time.time() < end:
        pd = smrpc.listPhysicalDisks({"ver": 5})
        if all(p["available"] == 3 for p in pd):
            break
        time.sleep(0.5)
    check(all(p["available"] == 3 for p in pd),
          "manager's shreds brought all extents to FREE: %s" % pd)
    for disk in disks:
        check(all(read_at(disk, off, 512) == b"\0" * 512
                  for off in (0, VB + 4096, 3 * VB - 512)),
              "data extents of %s zeroed through its agent" % disk)
        check(read_at(disk, 3 * VB + 4096, 512) == b"\x6b" * 512,
              "SUPER tail of %s not touched" % disk)
    for node in nodes:
        check(node.stop_agent() == 0, "%s agent stopped" % node.ip)
        node.tgtd.kill()
    sm.send_signal(signal.SIGTERM)
    check(sm.wait(timeout=120) == 0, "vas_sm stopped")
    print("end-to-end test passed")


if __name__ == "__main__":
    main()
