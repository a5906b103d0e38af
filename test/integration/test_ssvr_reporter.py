"""ssvr_reporter against a fake storage manager (python XML-RPC) and a real
tgtd on 127.0.0.22: first registration, idempotent re-run, manager down at
start (back-off), EEXIST (own failure reported, then re-registered), an
unusable disk skipped while the others register, and a disk leaving the
device list being unexported."""
import os
import subprocess
import time

from ssvr_harness import BIN, FakeSM, Node, check, free_port, need_tools

IP, CTL = "127.0.0.22", 5322
SM_IP = "127.0.0.23"


def write_list(node, lines):
    with open(os.path.join(node.state, "register_device_list"), "w") as f:
        f.write("\n".join(lines) + "\n")


def device_list(node):
    with open(os.path.join(node.state, "device_list")) as f:
        return f.read()


def main():
    need_tools()
    sm = FakeSM(SM_IP, free_port(SM_IP))
    node = Node("reporter", IP, CTL, {
        "storage_manager": {"host_list": SM_IP, "port": str(sm.port)},
        "ssvr_agent": {"ip_data": "%s, 127.0.0.24" % IP}})
    node.tgtd.start()
    d1 = node.disk("d1.img", 3 << 30)
    d2 = node.disk("d2.img", 5 << 30)
    write_list(node, ["# disks of this server", "", "pdsk,%s" % d1,
                      "  pdsk , %s  " % d2, "pdsk,/nonexistent/disk",
                      "other,/dev/null", "garbage"])

    # Manager down at start: the reporter backs off and gets through.
    t0 = time.time()
    proc = subprocess.Popen(
        [os.path.join(BIN, "ssvr_reporter"), "--config", node.conf],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(2.5)
    check(proc.poll() is None, "reporter waits while the manager is down")
    sm.start()
    out = proc.communicate(timeout=120)[0]
    check(proc.returncode == 3,
          "one unusable disk -> exit 3 (%d): %s" % (proc.returncode,
                                                    out[-800:]))
    check("/nonexistent/disk" in out and "skipped" in out,
          "unusable disk reported")
    check(time.time() - t0 < 60, "registered soon after the manager rose")
    ss = sm.of("ssvr")
    check(ss and ss[0]["ip_data"] == [IP, "127.0.0.24"],
          "ip_data from config: %s" % ss)
    pd = sm.of("pdsk")
    check(sorted(p["local_path"] for p in pd) == sorted([d1, d2]),
          "both usable disks registered")
    caps = {p["local_path"]: p["capacity"] for p in pd}
    check(caps[d1] == str((3 << 30) // 512) and
          caps[d2] == str((5 << 30) // 512),
          "capacity is a decimal string of sectors: %s" % caps)
    with open(os.path.join(node.state, "ssvrid")) as f:
        check(f.read() == "ssvr-00000005\n", "ssvrid file written")
    dl = device_list(node)
    check(dl == "pdsk-00000010,%s\npdsk-00000011,%s\n" % (d1, d2),
          "device_list: %r" % dl)
    for name in ("ssvrid", "device_list", "pdsk-00000010"):
        mode = os.stat(os.path.join(node.state, name)).st_mode & 0o777
        check(mode == 0o600, "%s is 0600" % name)
    tg = node.tgtd.targets()
    check(set(tg) == {node.iqn(0x10), node.iqn(0x11)},
          "both disks exported: %s" % tg)

    # Re-run with a clean list: idempotent, nothing duplicated.
    write_list(node, ["pdsk,%s" % d1, "pdsk,%s" % d2])
    r = node.reporter()
    check(r.returncode == 0, "re-run exit 0: %s" % r.stderr[-500:])
    check(node.tgtd.targets() == tg, "re-run keeps the same targets")
    check(device_list(node) == dl, "re-run keeps device_list")

    # EEXIST: report own failure, wait, re-register.
    sm.calls.clear()
    sm.eexist = 2
    r = node.reporter()
    check(r.returncode == 0, "EEXIST then success: %s" % r.stderr[-500:])
    fails = sm.of("fail")
    check(len(fails) == 2 and all(f["target"] == 2 and f["targetid"] == 5
                                  for f in fails),
          "own failure reported as notifyFailure(2, 5): %s" % fails)
    check(len(sm.of("ssvr")) == 3, "re-registered after EEXIST")

    # The manager forgot us (new database): new ids replace the old ones.
    sm.pdsks = {d1: 0x20, d2: 0x21}
    r = node.reporter()
    check(r.returncode == 0, "re-numbered run exit 0")
    check(set(node.tgtd.targets()) == {node.iqn(0x20), node.iqn(0x21)},
          "exports follow the manager's new ids: %s" % node.tgtd.targets())
    check(device_list(node) == "pdsk-00000020,%s\npdsk-00000021,%s\n"
          % (d1, d2), "device_list has the new ids")
    sm.pdsks = {d1: 0x10, d2: 0x11}
    r = node.reporter()
    check(r.returncode == 0 and
          set(node.tgtd.targets()) == {node.iqn(0x10), node.iqn(0x11)},
          "and back")

    # A disk leaves the list: unexported and dropped.
    write_list(node, ["pdsk,%s" % d1])
    r = node.reporter()
    check(r.returncode == 0, "shrunken list exit 0")
    check(set(node.tgtd.targets()) == {node.iqn(0x10)},
          "removed disk unexported")
    check(device_list(node) == "pdsk-00000010,%s\n" % d1,
          "removed disk dropped from device_list")
    check(not os.path.exists(os.path.join(node.state, "pdsk-00000011")) and
          not os.path.lexists(os.path.join(node.state, "pdsk", "00000011")),
          "its activation record and link removed")

    # Missing register_device_list: error, nothing changed.
    os.unlink(os.path.join(node.state, "register_device_list"))
    r = node.reporter()
    check(r.returncode == 1 and
          set(node.tgtd.targets()) == {node.iqn(0x10)},
          "missing register_device_list -> exit 1, exports kept")

    # The agent serves what the reporter exported.
    rpc = node.start_agent()
    check(rpc.registerShredRequest({"ver": 5, "eventid": 1, "dextid": 1,
                                    "pdskid": 0x10, "offset": 0,
                                    "capacity": 1}) == 0,
          "agent accepts a shred on a reported disk")
    check(node.stop_agent() == 0, "agent stopped")
    sm.stop()
    node.tgtd.kill()
    print("all ssvr_reporter tests passed")


if __name__ == "__main__":
    main()
