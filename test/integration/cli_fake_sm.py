"""A fake storage manager for CLI tests: canned data from cli.md section 4.

Serves XML-RPC on 127.0.0.1 (ephemeral port) in a thread, checks ver == 5
and records every call as (method, struct).
"""
import threading
import time
import xmlrpc.client
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

ENOENT, EEXIST, EINVAL, EPROTO = 2, 17, 22, 71


def lvol(lvolid, name, red, cap, hsvrid, status, event, ctime, to=(), frm=()):
    return {
        "hsvrid": hsvrid, "lvolid": lvolid, "lvolname": name,
        "redundancy": red, "capacity": cap,
        "associated_to": [{"lvolid": i, "type": "snapshot"} for i in to],
        "associated_from": [{"lvolid": i, "type": "snapshot"} for i in frm],
        "fault": False, "bind_status": status, "bind_event": event,
        "ctime": ctime,
    }


# The rows of the lvol_list example, in its order.
LVOLS = [
    lvol(0x25F, "foo", 3, 10, 1, 1, 0, "2026-11-22T23:27:38", frm=[0x29D]),
    lvol(0x274, "baz", 2, 3, 1, 1, 1, "2026-11-22T23:27:38"),
    lvol(0x26C, "bar", 2, 5, 1, 2, 0, "2026-11-22T23:27:38"),
    lvol(0x27A, "qux", 3, 1, 0, 0, 0, "2026-11-22T23:27:39"),
    lvol(0x29D, "snap3", 3, 11, 1, 1, 0, "2026-11-22T23:27:55", to=[0x25F]),
]
# Reachable by name only: an 8-hex name that is not a known id.
HEXNAMED = lvol(0x300, "20101022", 2, 1, 0, 0, 0, "2026-11-22T23:28:00")

HSVRS = [{"hsvrid": 1, "priority": 1, "ip_data": ["127.0.0.2"], "resync": 0}]
SSVRS = [{"ssvrid": 2, "priority": 1, "ip_data": ["127.0.1.2"], "resync": 0,
          "available": 174, "capacity": 200}]
PDSKS = [
    {"ssvrid": 2, "pdskid": 3, "priority": 1,
     "local_path": "/dev/disk/by-id/fake-2-0", "srp_name": "vdisk0",
     "resync": 0, "capacity": 100, "available": 88},
    {"ssvrid": 2, "pdskid": 4, "priority": 2,
     "local_path": "/dev/disk/by-id/fake-2-1", "srp_name": "vdisk1",
     "resync": 0, "capacity": 100, "available": 86},
]


def node(lvolid, lvoltype, cap, comps=(), spec=None, labels=(), status=0):
    return {"lvolid": lvolid, "lvoltype": lvoltype, "capacity": cap,
            "mirror_status": status, "lvolspec": spec or {},
            "labels": list(labels), "components": list(comps)}


def dext(lvolid, pdskid, offset, ssvrid, status=1):
    spec = {"pdskid": pdskid, "offset": offset, "ssvrid": ssvrid,
            "iscsi_path": ["/dev/disk/by-path/fake-%08x" % pdskid]}
    return node(lvolid, 3, 1, spec=spec, status=status)


# The lvol_show example for "bar" (two mirrors shown, linear capacity 5).
BAR_TREE = node(
    0x26C, 0, 5,
    [node(0x26D, 6, 5, [node(0x26E, 1, 5, [
        node(0x26F, 2, 1, [dext(0x7, 1, 5, 1), dext(0xD1, 3, 5, 2)]),
        node(0x270, 2, 1, [dext(0x19B, 5, 5, 3)]),
    ])])],
    spec={"lvolname": "bar", "redundancy": 2,
          "ctime": "2026-11-22T23:27:38", "assoc": []},
    labels=["bar", "lvol-0000026c"])


# A 1000 GB volume: 1000 mirrors of 3 legs, one leg awaiting resync.
HUGE = lvol(0x900, "huge", 3, 1000, 0, 0, 0, "2026-11-22T23:28:00")
HUGE_TREE = node(
    0x900, 0, 1000,
    [node(0x901, 6, 1000, [node(0x902, 1, 1000, [
        node(0x1000 + i, 2, 1, [
            dext(0x100000 + 3 * i + j, j + 1, i, j + 1,
                 status=3 if (i, j) == (7, 2) else 2)
            for j in range(3)])
        for i in range(1000)])])],
    spec={"lvolname": "huge", "redundancy": 3,
          "ctime": "2026-11-22T23:28:00", "assoc": []},
    labels=["huge", "lvol-00000900"])


class Fault(xmlrpc.client.Fault):
    def __init__(self, code, name):
        super().__init__(code, name)


class FakeSM:
    def __init__(self, host="127.0.0.1"):
        self.calls = []
        self.lock = threading.Lock()
        self.server = SimpleXMLRPCServer(
            (host, 0), requestHandler=SimpleXMLRPCRequestHandler,
            logRequests=False, allow_none=False)
        self.server.register_instance(self)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def methods(self):
        with self.lock:
            return [m for m, _ in self.calls]

    def last(self):
        with self.lock:
            return self.calls[-1] if self.calls else (None, None)

    def reset(self):
        with self.lock:
            self.calls = []

    # SimpleXMLRPCServer calls this for every method.
    def _dispatch(self, method, params):
        if len(params) != 1 or not isinstance(params[0], dict):
            raise Fault(1, "one struct parameter")
        p = params[0]
        with self.lock:
            self.calls.append((method, p))
        if p.get("ver") != 5:
            raise Fault(EPROTO, "EPROTO")
        fn = getattr(self, "m_" + method, None)
        if fn is None:
            raise Fault(1, 'method "%s" is not supported' % method)
        return fn(p)

    @staticmethod
    def find(p, prefix=""):
        if prefix + "lvolid" in p:
            rows = [v for v in LVOLS if v["lvolid"] == p[prefix + "lvolid"]]
        elif prefix + "lvolname" in p:
            name = p[prefix + "lvolname"]
            rows = [v for v in LVOLS + [HEXNAMED, HUGE]
                    if v["lvolname"] == name]
        else:
            raise Fault(EINVAL, "EINVAL")
        if not rows:
            raise Fault(ENOENT, "ENOENT")
        return rows[0]

    def m_listLogicalVolumes(self, p):
        if "lvolid" in p or "lvolname" in p:
            return [self.find(p)]
        return LVOLS

    def m_showLogicalVolume(self, p):
        if self.find(p)["lvolname"] == "huge":
            return HUGE_TREE
        if self.find(p)["lvolname"] != "bar":
            raise Fault(500, "Internal Server Error")
        return BAR_TREE

    @staticmethod
    def select(rows, key, p):
        if not p.get(key):
            return rows
        found = [r for r in rows if r[key] == p[key]]
        if not found:
            raise Fault(ENOENT, "ENOENT")
        return found

    def m_listHeadServers(self, p):
        return self.select(HSVRS, "hsvrid", p)

    def m_listStorageServers(self, p):
        return self.select(SSVRS, "ssvrid", p)

    def m_listPhysicalDisks(self, p):
        return self.select(PDSKS, "ssvrid", p)

    def m_createLogicalVolume(self, p):
        if p["lvolname"] in [v["lvolname"] for v in LVOLS]:
            raise Fault(EEXIST, "EEXIST")
        return 0x2A0

    def m_createSnapshot(self, p):
        self.find(p, "origin_")
        return 0x2A1

    def m_deleteLogicalVolume(self, p):
        self.find(p)
        return 0

    def m_attachLogicalVolume(self, p):
        self.find(p)
        if p["hsvrid"] == 9:
            time.sleep(3)  # a slow head server
        if p["hsvrid"] == 7:  # the head agent failed and told why
            raise Fault(5, "EIO: attach failed, rolled back: 'multipath "
                        "/dev/sdc': exit 1: no map")
        return 0

    def m_detachLogicalVolume(self, p):
        self.find(p)
        return 0

    def m_deleteHeadServer(self, p):
        raise Fault(16, "EBUSY")

    def m_deleteStorageServer(self, p):
        return 0

    def m_deletePhysicalDisk(self, p):
        raise Fault(500, "Internal Server Error")

    def m_shutdownAll(self, p):
        return 0
