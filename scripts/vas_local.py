#!/usr/bin/env python3
"""Manager-side helpers of scripts/vas-local.sh (standard library only).
The manager is VAS_SM=HOST:PORT. Every wait is bounded.

  wait-free NDISKS SECONDS      progress line until NDISKS disks are all FREE
  victim LVOLNAME               "ssvrid ip" of a server holding a leg
  fail SSVRID                   notifyFailure(SSVR) as a health check would
  wait-remirror SSVRID SECONDS  progress line until no leg is on SSVRID and
                                every leg of every volume is INSYNC
  status DIR [--watch]          daemons, servers, disks, volumes
  wait-port IP PORT SECONDS     until a TCP connect succeeds
"""
import os
import subprocess
import socket
import sys
import time
import xmlrpc.client

INSYNC, SPARE = 2, 3
SYNC = {1: "ALLOC", 2: "INSYNC", 3: "SPARE", 4: "FAULTY", 5: "SHRED"}


def sm():
    """The first manager of VAS_SM (host:port,...) that takes a connection,
    over HTTPS with the cluster's client certificate under VAS_LOCAL_TLS."""
    tls = os.environ.get("VAS_LOCAL_TLS_DIR")
    ctx = None
    if tls:
        import ssl
        ctx = ssl.create_default_context(cafile=os.path.join(tls, "ca.pem"))
        ctx.load_cert_chain(os.path.join(tls, "node.pem"), os.path.join(tls, "node.key"))
    scheme = "https" if tls else "http"
    hosts = os.environ["VAS_SM"].split(",")
    for h in hosts:
        host, _, port = h.rpartition(":")
        try:
            socket.create_connection((host, int(port)), 2).close()
        except OSError:
            continue
        return xmlrpc.client.ServerProxy("%s://%s/RPC2" % (scheme, h), context=ctx)
    return xmlrpc.client.ServerProxy("%s://%s/RPC2" % (scheme, hosts[-1]), context=ctx)


def v(**kw):
    kw["ver"] = 5
    return kw


def progress(text, end=False):
    if sys.stdout.isatty():
        sys.stdout.write("\r\033[K" + text + ("\n" if end else ""))
    elif end:
        sys.stdout.write(text + "\n")
    sys.stdout.flush()


def poll(state, seconds):
    """Calls state(elapsed) -> (done, text) every second, showing text as
    a progress line, until done or seconds passed."""
    t0 = time.time()
    while True:
        done, text = state(time.time() - t0)
        if done or time.time() - t0 > seconds:
            progress(text, True)
            return 0 if done else 1
        progress(text)
        time.sleep(1)


def wait_free(ndisks, seconds):
    s = sm()

    def state(t):
        pd = s.listPhysicalDisks(v())
        free = sum(p["available"] for p in pd)
        cap = sum(p["capacity"] for p in pd)
        return len(pd) == ndisks and free == cap, (
            "shredding: %d/%d disks FREE, %d/%d GB available (%ds)" % (
                sum(p["available"] == p["capacity"] for p in pd), ndisks,
                free, cap, t))
    return poll(state, seconds)


def dexts(node):
    if node["lvoltype"] == 3:
        return [node]
    return [d for c in node["components"] for d in dexts(c)]


def all_legs(s):
    legs = []
    for lv in s.listLogicalVolumes(v()):
        legs += dexts(s.showLogicalVolume(v(lvolid=lv["lvolid"])))
    return legs


def victim(name):
    s = sm()
    leg = dexts(s.showLogicalVolume(v(lvolname=name)))[0]
    sid = leg["lvolspec"]["ssvrid"]
    srv = s.listStorageServers(v(ssvrid=sid))[0]
    print("%d %s" % (sid, srv["ip_data"][0]))
    return 0


def wait_remirror(sid, seconds):
    s = sm()

    def state(t):
        legs = all_legs(s)
        dead = sum(d["lvolspec"]["ssvrid"] == sid for d in legs)
        spare = sum(d["mirror_status"] == SPARE for d in legs)
        insync = sum(d["mirror_status"] == INSYNC for d in legs)
        return dead == 0 and insync == len(legs), (
            "re-mirroring: %d/%d legs INSYNC, %d SPARE, %d still on "
            "ssvr-%08x (%ds)" % (insync, len(legs), spare, dead, sid, t))
    return poll(state, seconds)


def alive(pidfile):
    try:
        with open(pidfile) as f:
            pid = int(f.read())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return 0


def leader(d):
    """Which manager runs the background work (sm_leader, issue 15)."""
    q = subprocess.run(["psql", "-XAtq", "-h", os.path.join(d, "sm", "pg"), "-U", "vas",
                        "-d", "postgres", "-c",
                        "SELECT holder, epoch FROM sm_leader WHERE instance <> 0"],
                       capture_output=True, text=True)
    if q.returncode or not q.stdout.strip():
        return ["  leader: unknown (%s)" % (q.stderr.strip() or "none yet")]
    holder, epoch = q.stdout.strip().split("|")
    return ["  leader: %s (epoch %s)" % (holder, epoch)]


def status_once(d):
    if os.path.isdir(os.path.join(d, "tls")):
        os.environ.setdefault("VAS_LOCAL_TLS_DIR", os.path.join(d, "tls"))
    out = ["Vastsky local cluster in %s, manager %s  (%s)" % (
        d, os.environ["VAS_SM"], time.strftime("%H:%M:%S"))]
    run = os.path.join(d, "run")
    names = sorted(os.listdir(run)) if os.path.isdir(run) else []
    for n in names:
        pid = alive(os.path.join(run, n))
        out.append("  %-28s %s" % (n[:-4], "pid %d" % pid if pid
                                   else "NOT RUNNING"))
    out += leader(d)
    try:
        s = sm()
        srv = s.listStorageServers(v(placement=True))
        pd = s.listPhysicalDisks(v())
        hs = s.listHeadServers(v())
        lvs = s.listLogicalVolumes(v(placement=True))
        pools = s.listPools(v())
    except (OSError, xmlrpc.client.Error) as e:
        out.append("manager not answering: %s" % e)
        return out
    out.append("storage servers (GB free/total, resyncs, pool, domain):")
    for x in srv:
        out.append("  ssvr-%08x %-12s %4d/%-4d resync %d  %s %s" % (
            x["ssvrid"], ",".join(x["ip_data"]), x.get("available", 0),
            x.get("capacity", 0), x["resync"], x.get("pool", ""),
            x.get("domain") or "-"))
        for p in pd:
            if p["ssvrid"] == x["ssvrid"]:
                state = "FREE" if p["available"] == p["capacity"] else (
                    "in use")
                out.append("    pdsk-%08x %4d/%-4d %-7s %s" % (
                    p["pdskid"], p["available"], p["capacity"], state,
                    p["local_path"]))
    shredding = sum(p["capacity"] - p["available"] for p in pd)
    for x in hs:
        out.append("head server hsvr-%08x %s" % (x["hsvrid"],
                                                 ",".join(x["ip_data"])))
    out.append("volumes:")
    for lv in lvs:
        legs = dexts(s.showLogicalVolume(v(lvolid=lv["lvolid"])))
        count = {}
        for d in legs:
            k = SYNC.get(d["mirror_status"], str(d["mirror_status"]))
            count[k] = count.get(k, 0) + 1
        out.append("  lvol-%08x %-14s %3d GB r%d %s %s%s  pool %s" % (
            lv["lvolid"], lv["lvolname"], lv["capacity"], lv["redundancy"],
            "hsvr-%08x" % lv["hsvrid"] if lv["hsvrid"] else "detached",
            " ".join("%s:%d" % kv for kv in sorted(count.items())),
            " FAULT" if lv["fault"] else "", lv.get("pool", "")))
    if not lvs:
        out.append("  (none)")
    out.append("pools (used/quota GB of volumes, disk GB free/total):")
    for p in pools:
        out.append("  pool-%08x %-12s %4d/%-6s %4d/%-4d volumes %d" % (
            p["poolid"], p["pool"], p["used"], p["quota"] or "-",
            p["available"], p["capacity"], p["volumes"]))
    out.append("in use or waiting for shred: %d GB; resyncs running: %d" % (
        shredding, sum(x["resync"] for x in srv)))
    return out


def status(d, watch):
    while True:
        lines = status_once(d)
        if watch:
            sys.stdout.write("\033[H\033[2J")
        print("\n".join(lines))
        if not watch:
            return 0
        time.sleep(2)


def main(a):
    if a[:1] == ["wait-free"]:
        return wait_free(int(a[1]), float(a[2]))
    if a[:1] == ["victim"]:
        return victim(a[1])
    if a[:1] == ["fail"]:
        return sm().notifyFailure(v(target=2, targetid=int(a[1])))
    if a[:1] == ["wait-remirror"]:
        return wait_remirror(int(a[1]), float(a[2]))
    if a[:1] == ["wait-port"]:
        end = time.time() + float(a[3])
        while time.time() < end:
            try:
                socket.create_connection((a[1], int(a[2])), 1).close()
                return 0
            except OSError:
                time.sleep(0.1)
        return 1
    if a[:1] == ["status"]:
        try:
            return status(a[1], "--watch" in a)
        except KeyboardInterrupt:
            return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
