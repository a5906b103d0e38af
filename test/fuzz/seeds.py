#!/usr/bin/env python3
"""Writes the seed inputs of the fuzz targets into corpus/<target>/ (run
once; libFuzzer's -merge keeps the corpus small afterwards)."""
import hashlib
import os
import xmlrpc.client

HERE = os.path.dirname(os.path.abspath(__file__))


def dext(lvolid, pdsk, off, ips=("127.0.0.11", "127.0.0.12")):
    return {"lvolid": lvolid, "lvoltype": 3, "capacity": 10, "mirror_status": 2,
            "labels": [], "components": [],
            "lvolspec": {"pdskid": pdsk, "offset": off, "ssvrid": pdsk,
                         "iscsi_path": ["/dev/disk/by-path/ip-%s:3260-iscsi-iqn.x:%08x-lun-1"
                                        % (ip, pdsk) for ip in ips]}}


def node(lvolid, lvoltype, cap, comps, spec=None, labels=None):
    return {"lvolid": lvolid, "lvoltype": lvoltype, "capacity": cap, "mirror_status": 0,
            "labels": labels or [], "components": comps, "lvolspec": spec or {}}


def volume(lvolid, mirrors, top=6, topspec=None, assoc=None):
    ms = [node(100 + i, 2, 10, [dext(200 + i * 3 + j, j + 1, i * 10) for j in range(legs)])
          for i, legs in enumerate(mirrors)]
    linear = node(lvolid + 2, 1, 10 * len(ms), ms)
    t = node(lvolid + 1, top, 10 * len(ms), [linear], topspec)
    return node(lvolid, 0, 10 * len(ms), [t],
                {"lvolname": "vol%d" % lvolid, "redundancy": mirrors[0],
                 "ctime": "2026-11-23T20:00:00", "assoc": assoc or []},
                ["vol%d" % lvolid, "lvol-%08x" % lvolid])


def write(target, docs):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    for doc in docs:
        data = doc.encode() if isinstance(doc, str) else doc
        with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
            f.write(data)


def call(method, *params):
    return xmlrpc.client.dumps(params, method)


requests = [
    call("call", {"ver": 5, "i": 7, "s": "abc", "d": "1000", "x": "-3", "a": ["x", "y"],
                  "n": [1, 2], "t": {"k": 1}, "b": True, "r": "late"}),
    call("call", {"ver": 5, "r": 1}),
    call("call", {"ver": 4, "r": 1}),
    call("call", {"r": 1}),
    call("call", {"ver": 5, "i": 13, "r": 1}),
    call("call", {"ver": 5, "i": "x", "r": 1}),
    call("need", {"ver": 5, "s": "12345678"}),
    call("need", {"ver": 5}),
    call("need", {"ver": 5}, {"ver": 5}),
    call("need", 5),
    call("helloWorld", {}),
    call("system.listMethods"),
    call("system.methodHelp", "call"),
    call("nosuch", {"ver": 5}),
    "<?xml version='1.0'?><methodCall><methodName>call</methodName><params><param><value>"
    "<struct><member><name>ver</name><value><i8>5</i8></value></member><member><name>r"
    "</name><value><i4>2</i4></value></member></struct></value></param></params></methodCall>",
    "<?xml version='1.0'?><!DOCTYPE a [<!ENTITY b 'c'>]><methodCall/>",
    "<methodCall><methodName>call</methodName><params><param><value><array><data>"
    "<value><array><data></data></array></value></data></array></value></param></params>"
    "</methodCall>",
    "",
]
write("fuzz_rpc_request", requests)

lvs = [volume(1, [2]), volume(1, [3, 3, 3]), volume(1, [2], top=7, topspec={"origin_lvolid": 9}),
       volume(1, [2], assoc=[volume(20, [2], top=7, topspec={"origin_lvolid": 2})]),
       dext(5, 1, 0), node(1, 0, 10, [])]
chap = dext(6, 2, 0)  # a leg with its CHAP account (SECURITY.md "CHAP")
chap["lvolspec"].update(chap_user="vas-00000002", chap_secret="AbC123xyZ0987654")
lvs.append(chap)
write("fuzz_lvolstruct", [call("attachLogicalVolume", {"ver": 5, "eventid": 3, "lvolstruct": lv})
                          for lv in lvs] +
      [call("attachLogicalVolume", {"ver": 5, "eventid": 3, "lvolstruct": {}})])
