"""scripts/vas-local.sh in CI: the whole local cluster (vas_sm on its
embedded PostgreSQL, four storage servers with tgtd, a simulated head
server) comes up in a private directory on its own ports and addresses
(127.0.1.x), runs the volume life cycle without narration, and
"vas-local.sh stop" leaves no process of it behind."""
import http.client
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client

SRC = os.environ.get("VAS_SOURCE_DIR",
                     os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("VAS_BUILD_DIR", os.path.join(SRC, "build", "release"))
SCRIPT = os.path.join(SRC, "scripts", "vas-local.sh")
# Plain HTTP; with TLS (test_cluster_tls.py) beside it on other addresses.
PLAIN = {"net": "127.0.1", "sm": 18881, "ssvr": 18883, "hsvr": 18882, "ctl": 18010}
WITH_TLS = {"net": "127.0.2", "sm": 18891, "ssvr": 18893, "hsvr": 18892, "ctl": 18020}


def steps(net):
    return ["create", "list", "show", "attach", "snapshot",
            "kill ssvr_agent %s.11" % net, "notifyFailure", "show (legs SPARE)",
            "re-mirroring", "show (legs INSYNC)", "detach", "delete snapshot",
            "delete"]


def skip(msg):
    print("SKIP:", msg)
    sys.exit(77)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)
    print("ok -", msg)


def run(env, *args, timeout=600):
    return subprocess.run([SCRIPT] + list(args), env=env, text=True,
                          capture_output=True, timeout=timeout)


def leftovers(d, ctl):
    """Processes whose command line names the cluster's directory or its
    tgtd control ports."""
    left = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if d in cmd or any("-C %d " % (ctl + i) in cmd for i in range(1, 5)):
            left.append("%s %s" % (pid, cmd))
    return left


def sanitizer_reports(d):
    bad = []
    logs = os.path.join(d, "logs")
    for name in os.listdir(logs):
        with open(os.path.join(logs, name), errors="replace") as f:
            text = f.read()
        if "Sanitizer" in text or "runtime error:" in text:
            bad.append(name)
    return bad


def proxy(c, d):
    if not c.get("tls"):
        return xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % c["sm"])
    import ssl
    ctx = ssl.create_default_context(cafile=os.path.join(d, "tls", "ca.pem"))
    ctx.load_cert_chain(os.path.join(d, "tls", "node.pem"), os.path.join(d, "tls", "node.key"))
    return xmlrpc.client.ServerProxy("https://127.0.0.1:%d/RPC2" % c["sm"], context=ctx)


def main(c=PLAIN):
    if os.geteuid() != 0:
        skip("needs root (tgtd, PostgreSQL as postgres)")
    for tool in ("tgtd", "tgtadm"):
        if not shutil.which(tool):
            skip(tool + " missing")
    if not os.path.exists("/usr/lib/postgresql/15/bin/initdb"):
        skip("PostgreSQL 15 missing")
    for b in ("sm/vas_sm", "agents/ssvr/ssvr_agent", "agents/hsvr/hsvr_agent",
              "cli/lvol_create"):
        if not os.path.exists(os.path.join(BUILD, b)):
            skip(b + " not built in " + BUILD)
    d = tempfile.mkdtemp(prefix="vas-cluster-test-")
    os.chmod(d, 0o755)
    env = dict(os.environ, VAS_LOCAL_DIR=d, VAS_BUILD_DIR=BUILD,
               VAS_LOCAL_QUICK="1", VAS_SM_PORT=str(c["sm"]),
               VAS_SSVR_PORT=str(c["ssvr"]), VAS_HSVR_PORT=str(c["hsvr"]),
               VAS_LOCAL_NET=c["net"], VAS_TGT_CTL=str(c["ctl"]),
               VAS_LOCAL_TLS="1" if c.get("tls") else "",
               VAS_LOCAL_CHAP="1" if c.get("chap") else "",
               VAS_HSVR_BACKEND="simulated")
    try:
        t0 = time.time()
        r = run(env, "start")
        out = r.stdout + r.stderr
        print(out)
        check(r.returncode == 0, "vas-local.sh start succeeded (%.0f s)"
              % (time.time() - t0))
        check("8/8 disks FREE" in out, "all disks shredded and FREE")
        for s in steps(c["net"]):
            check(any(line.startswith("step " + s) and " ok " in line
                      for line in out.splitlines()), "step %s ok" % s)
        sm = proxy(c, d)
        ss = sm.listStorageServers({"ver": 5})
        check(sorted(s["ip_data"][0] for s in ss) ==
              ["%s.1%d" % (c["net"], i) for i in range(1, 5)],
              "four storage servers registered")
        check(len(sm.listPhysicalDisks({"ver": 5})) == 8, "eight disks")
        check(len(sm.listHeadServers({"ver": 5})) == 1, "one head server")
        check(sm.listLogicalVolumes({"ver": 5}) == [],
              "volume and snapshot deleted")
        ctl = c["ctl"] + 2  # a storage server that did not fail
        show = subprocess.run(["tgtadm", "-C", str(ctl), "--lld", "iscsi", "--op", "show",
                               "--mode", "target"], capture_output=True, text=True).stdout
        acl = []
        for ln in show.split("ACL information:\n")[1].splitlines():
            if not ln.startswith("        "):
                break
            acl.append(ln.strip())
        check(acl == ["%s.21" % c["net"]],
              "targets accept the registered head server only: %s" % acl)
        if c.get("chap"):
            # Each target's own account (SECURITY.md "CHAP").
            bound = re.findall(r"^Target \d+: \S+:([0-9a-f]{8})\n(?:.*\n)*?"
                               r"    Account information:\n        (\S+)\n",
                               show, re.M)
            check(len(bound) == 2 and all(u == "vas-" + p for p, u in bound),
                  "each target has its own CHAP account: %s" % bound)
        if c.get("tls"):
            plain = xmlrpc.client.ServerProxy("http://127.0.0.1:%d/RPC2" % c["sm"])
            try:
                plain.listHeadServers({"ver": 5})
                check(False, "plain HTTP served by a TLS manager")
            except (OSError, http.client.HTTPException, xmlrpc.client.ProtocolError):
                check(True, "plain HTTP not served by the TLS manager")
        logs = sorted(os.listdir(os.path.join(d, "logs")))
        for n in ("vas_sm-127.0.0.1.log", "hsvr_agent-%s.21.log" % c["net"],
                  "ssvr_agent-%s.14.log" % c["net"], "tgtd-%s.11.log" % c["net"]):
            check(n in logs, "log %s" % n)
        st = run(env, "status", timeout=60)
        check(st.returncode == 0 and "vas_sm-127.0.0.1" in st.stdout and
              "pdsk-" in st.stdout and "hsvr-" in st.stdout,
              "status shows daemons, disks, head server:\n" + st.stdout)
    finally:
        r = run(env, "stop", timeout=300)
        print(r.stdout + r.stderr)
    check(r.returncode == 0, "vas-local.sh stop succeeded")
    left = []
    for _ in range(50):
        left = leftovers(d, c["ctl"])
        if not left:
            break
        time.sleep(0.2)
    check(left == [], "nothing left running: %s" % left)
    check(sanitizer_reports(d) == [], "no sanitizer reports in the logs")
    shutil.rmtree(d, ignore_errors=True)
    print("local cluster test passed")


if __name__ == "__main__":
    main()
