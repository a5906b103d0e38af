"""listStorageServers, listHeadServers and listPhysicalDisks replies, byte
for byte, against golden files (test/golden/rpc_<method>.<case>.xml): the
server lists read every server and its addresses in one statement, and
every list counts running rebuilds in one grouped join (issue 14); they
must answer exactly what they answered before.

The cluster covers the grouping's edges: servers with one, two and three
addresses in registration order (not address order), an address shared by
a head and a storage server, a server of each kind with no address left,
a rebuild running (resync counts), a pool and a failure domain (the
placement flag), a pool filter, one server by id, an unknown id.

Regenerate after a deliberate change with VAS_GOLDEN_UPDATE=1 and review
the diff.
"""
import difflib
import http.client
import os
import threading

from vastest import SmTestCase, main, v, wait_until

GOLDEN = os.path.join(os.path.dirname(__file__), "..", "golden")
UPDATE = os.environ.get("VAS_GOLDEN_UPDATE") == "1"


def member(name, value):
    kind = "int" if isinstance(value, int) else "string"
    return "<member><name>%s</name><value><%s>%s</%s></value></member>" % (
        name, kind, value, kind)


class ServerLists(SmTestCase):
    n_ssvr = 4

    def sm_options(self):
        return {"resync_poll_ms": 100}

    def raw(self, method, **params):
        """The reply's body as the manager sent it."""
        body = ('<?xml version="1.0"?><methodCall><methodName>%s</methodName><params>'
                "<param><value><struct>%s</struct></value></param></params></methodCall>"
                % (method, "".join(member(k, x) for k, x in dict(ver=5, **params).items())))
        c = http.client.HTTPConnection("127.0.0.1", self.sm.port, timeout=60)
        try:
            c.request("POST", "/RPC2", body, {"Content-Type": "text/xml"})
            r = c.getresponse()
            self.assertEqual(r.status, 200)
            return r.read()
        finally:
            c.close()

    def build(self):
        s, q = self.s, self.sm.sql
        # Storage servers 1-3 hold the volume's three legs; 4 comes after
        # it, so the replacement of server 1's leg can only go there.
        ids = []
        for i, ips in enumerate((["127.0.0.11"], ["127.0.0.12", "127.0.0.9"],
                                 ["127.0.0.13", "127.0.0.8", "127.0.0.7"])):
            ids.append(s.registerStorageServer(v(ip_data=ips)))
            s.registerPhysicalDisk(v(ssvrid=ids[-1], local_path="/dev/sdb",
                                     capacity=str(2099200 * 21)))
        self.wait_shredded()
        self.hids = [s.registerHeadServer(v(ip_data=["127.0.0.21", "127.0.0.5"])),
                     s.registerHeadServer(v(ip_data=["127.0.0.22"])),
                     s.registerHeadServer(v(ip_data=["127.0.0.23"]))]
        lv = s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=3))
        s.attachLogicalVolume(v(lvolid=lv, hsvrid=self.hids[0]))
        ids.append(s.registerStorageServer(v(ip_data=["127.0.0.14", "127.0.0.6"],
                                             domain="rack-1")))
        s.registerPhysicalDisk(v(ssvrid=ids[-1], local_path="/dev/sdb",
                                 capacity=str(2099200 * 21)))
        self.wait_shredded()
        # Server 5 shares its address with head 3; server 6 and head 2 lose
        # theirs (the schema allows it, the API does not make it).
        s.createPool(v(pool="p1"))
        ids.append(s.registerStorageServer(v(ip_data=["127.0.0.23"], pool="p1")))
        ids.append(s.registerStorageServer(v(ip_data=["127.0.0.15"], domain="rack-2")))
        q("DELETE FROM ipdata WHERE ssvrid = %d AND hsvrid IS NULL" % ids[5])
        q("DELETE FROM ipdata WHERE hsvrid = %d AND ssvrid IS NULL" % self.hids[1])
        self.ids = ids
        gate = threading.Event()
        self.addCleanup(gate.set)
        self.hsvr.event_answer = lambda ev: [3, 0] if gate.is_set() else [2, 0]
        self.assertEqual(s.notifyFailure(v(target=2, targetid=ids[0])), 0)
        self.assertTrue(wait_until(lambda: s.listHeadServers(v())[0]["resync"] == 1))

    def statements_of_call(self, call, marker):
        """Statements call() made the manager send, from the statement that
        contains marker on, on its connection (each log line names its
        backend; nothing else runs meanwhile)."""
        for q in ("ALTER SYSTEM SET log_statement = 'all'",
                  "ALTER SYSTEM SET log_line_prefix = '[%p] '", "SELECT pg_reload_conf()"):
            self.pg.psql(q)
        for q in ("SELECT pg_reload_conf()", "ALTER SYSTEM RESET log_line_prefix",
                  "ALTER SYSTEM RESET log_statement"):
            self.addCleanup(self.pg.psql, q)
        log = os.path.join(self.pg.dir, "log")

        def logged():
            """The call's log lines once its backend has reloaded."""
            start = os.path.getsize(log)
            call()
            with open(log) as f:
                f.seek(start)
                lines = [ln for ln in f.read().splitlines() if ln.startswith("[")]
            return lines if any(marker in ln for ln in lines) else None

        lines = wait_until(logged, 20, 0.2)
        self.assertTrue(lines, "the call's statement was never logged")
        ours = [ln.split("]")[0] for ln in lines if marker in ln]
        self.assertEqual(len(ours), 1, ours)
        first = [i for i, ln in enumerate(lines) if marker in ln][0]
        return [ln for ln in lines[first:] if ln.startswith(ours[0] + "]") and
                ("execute" in ln or "statement:" in ln)]

    def test_one_statement_per_list(self):
        """Every server's addresses come with the list, not one query per
        server (1 000 round trips at 1 000 servers)."""
        self.build()
        for method, marker in (("listStorageServers", "FROM ssvrlst s"),
                               ("listHeadServers", "FROM hsvrlst h")):
            sent = self.statements_of_call(lambda: getattr(self.s, method)(v()), marker)
            self.assertEqual([ln for ln in sent if "ipdata" in ln and marker not in ln], [],
                             method)

    def test_replies_are_unchanged(self):
        self.build()
        ids = self.ids
        cases = {
            "listStorageServers.all": {},
            "listStorageServers.placement": {"placement": 1},
            "listStorageServers.one": {"ssvrid": ids[2]},
            "listStorageServers.rebuilding": {"ssvrid": ids[3], "placement": 1},
            "listStorageServers.shared_address": {"ssvrid": ids[4], "placement": 1},
            "listStorageServers.no_address": {"ssvrid": ids[5]},
            "listStorageServers.of_pool": {"pool": "p1"},
            "listStorageServers.unknown": {"ssvrid": 999},
            "listPhysicalDisks.all": {},
            "listPhysicalDisks.rebuilding": {"ssvrid": ids[3], "placement": 1},
            "listPhysicalDisks.of_pool": {"pool": "p1"},
            "listHeadServers.all": {},
            "listHeadServers.one": {"hsvrid": self.hids[0]},
            "listHeadServers.no_address": {"hsvrid": self.hids[1]},
            "listHeadServers.of_pool": {"pool": "p1"},
            "listHeadServers.unknown": {"hsvrid": 999},
        }
        wrong = []
        for name, params in cases.items():
            got = self.raw(name.split(".")[0], **params)
            path = os.path.join(GOLDEN, "rpc_%s.xml" % name)
            if UPDATE:
                with open(path, "wb") as f:
                    f.write(got)
                continue
            with open(path, "rb") as f:
                want = f.read()
            if got != want:
                wrong.append("".join(difflib.unified_diff(
                    want.decode().replace("<", "\n<").splitlines(True),
                    got.decode().replace("<", "\n<").splitlines(True), path, "now")))
        self.assertEqual(wrong, [], "\n".join(wrong))


if __name__ == "__main__":
    main()
