"""End to end on one machine: the real vas_sm (embedded PostgreSQL) on
127.0.0.26, a storage server on 127.0.0.25 (tgtd, ssvr_agent,
ssvr_reporter). After registration listPhysicalDisks shows the disk and
the manager's shred scheduler brings every extent to FREE through the
agent, which zeroes exactly the data extents (the SUPER tail is kept)."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import xmlrpc.client

from ssvr_harness import (BUILD, PREFIX, VB, Node, _procs, _dirs, check,
                          free_port, need_tools, read_at, skip, write_at)

IP, CTL = "127.0.0.25", 5325
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


def main():
    need_tools()
    if not os.path.exists(os.path.join(BUILD, "sm", "vas_sm")):
        skip("vas_sm not built")
    if not os.path.exists(os.path.join(PG_BIN, "initdb")):
        skip("PostgreSQL 15 missing")
    node = Node("e2e", IP, CTL)
    sm, sm_port = start_sm(node.port)
    node.settings["storage_manager"].update(host_list=SM_IP,
                                            port=str(sm_port))
    node.settings["ssvr_agent"]["ip_data"] = IP
    node.write_conf()
    node.tgtd.start()
    node.start_agent()
    disk = node.disk("disk.img", 4 << 30)
    marks = [0, VB + 4096, 3 * VB - 512]
    for off in marks + [3 * VB + 4096]:
        write_at(disk, off, b"\x6b" * 512)
    with open(os.path.join(node.state, "register_device_list"), "w") as f:
        f.write("pdsk,%s\n" % disk)
    r = node.reporter()
    check(r.returncode == 0, "reporter registered with vas_sm: %s"
          % r.stderr[-1000:])
    smrpc = xmlrpc.client.ServerProxy("http://%s:%d" % (SM_IP, sm_port))
    ss = smrpc.listStorageServers({"ver": 5})
    check(len(ss) == 1 and ss[0]["ip_data"] == [IP],
          "listStorageServers shows this server: %s" % ss)
    pd = smrpc.listPhysicalDisks({"ver": 5})
    check(len(pd) == 1 and pd[0]["local_path"] == disk and
          pd[0]["capacity"] == 3, "listPhysicalDisks shows the disk: %s" % pd)
    pdskid = pd[0]["pdskid"]
    check(node.iqn(pdskid) in node.tgtd.targets(), "disk exported")
    end = time.time() + 180
    while time.time() < end:
        pd = smrpc.listPhysicalDisks({"ver": 5})
        if pd[0]["available"] == 3:
            break
        time.sleep(0.5)
    check(pd[0]["available"] == 3,
          "manager's shreds brought all extents to FREE: %s" % pd)
    check(all(read_at(disk, off, 512) == b"\0" * 512 for off in marks),
          "data extents zeroed through the agent")
    check(read_at(disk, 3 * VB + 4096, 512) == b"\x6b" * 512,
          "SUPER tail not touched")
    check(node.stop_agent() == 0, "agent stopped")
    sm.send_signal(signal.SIGTERM)
    check(sm.wait(timeout=120) == 0, "vas_sm stopped")
    node.tgtd.kill()
    print("end-to-end test passed")


if __name__ == "__main__":
    main()
