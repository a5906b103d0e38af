"""Migrating a database of schema 1 (before pools, sql/001_schema.sql) to
pools (sql/004_pools.sql) and everything after: pool 'default' holds everything, nothing else
changes - every row of the old tables stays as it was, and every reply the
manager gives is the same to the byte."""
import http.client
import os
import subprocess
import xmlrpc.client

from vastest import Sm, SmTestCase, main, v

SQL = os.path.join(os.environ.get("VAS_SOURCE_DIR", "."), "sql")
DISK_100VB = "209920001"


def raw_call(port, method, params):
    """The manager's reply to one call, as bytes."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("POST", "/RPC2", xmlrpc.client.dumps((params,), method),
                  {"Content-Type": "text/xml"})
        return c.getresponse().read()
    finally:
        c.close()


class Migration(SmTestCase):
    def populate(self):
        """A cluster with volumes, a snapshot, an attachment, a deleted
        volume and a retired extent, left with nothing in flight."""
        s = self.s
        ssvrids, pdskids = self.cluster(disk_sectors=DISK_100VB)
        hid = s.registerHeadServer(v(ip_data=["127.0.0.21"]))
        a = s.createLogicalVolume(v(lvolname="a", capacity=10, redundancy=2))
        s.createLogicalVolume(v(lvolname="b", capacity=20))
        s.createLogicalVolume(v(lvolname="c", capacity=10, redundancy=2))
        s.createSnapshot(v(origin_lvolid=a, snapshot_lvolname="sa"))
        s.attachLogicalVolume(v(lvolname="b", hsvrid=hid))
        s.deleteLogicalVolume(v(lvolname="c"))
        s.notifyBadBlocks(v(pdskid=pdskids[0], blocks=[95]))
        self.wait_shredded()

    def replies(self):
        port, s = self.sm.port, self.s
        calls = [("listHeadServers", v()), ("listStorageServers", v()),
                 ("listPhysicalDisks", v()), ("listLogicalVolumes", v()),
                 ("listEvents", v())]
        calls += [("showLogicalVolume", v(lvolid=e["lvolid"]))
                  for e in s.listLogicalVolumes(v())]
        return {"%s %r" % c: raw_call(port, *c) for c in calls}

    def old_tables(self, db):
        """Every table of schema 1 with its columns, as schema 1 has them."""
        out = self.pg.psql(
            "SELECT table_name, string_agg(quote_ident(column_name), ',' "
            "ORDER BY ordinal_position) FROM information_schema.columns WHERE "
            "table_schema = 'public' AND table_name IN (SELECT table_name FROM "
            "information_schema.tables WHERE table_schema = 'public' AND "
            "table_type = 'BASE TABLE') GROUP BY 1 ORDER BY 1", db)
        return [line.split("|") for line in out.splitlines()]

    def dump(self, db, tables):
        return {t: self.pg.psql("SELECT %s FROM %s ORDER BY %s" % (cols, t, cols), db)
                for t, cols in tables}

    def psql_raw(self, db, command, stdin=""):
        """psql's output unstripped (COPY data), stdin fed as it is."""
        return subprocess.run(["psql", "-XAtq", "-h", self.pg.dir, "-U", "vas", "-d", db,
                               "-v", "ON_ERROR_STOP=1", "-c", command],
                              input=stdin, text=True, check=True,
                              capture_output=True).stdout

    def schema_1_copy(self, src):
        """A new database with schema 1 only, holding src's data."""
        old = self.pg.new_db()
        self.pg.psql("CREATE TABLE schema_version (name text PRIMARY KEY, "
                     "applied timestamptz NOT NULL DEFAULT now())", old)
        with open(os.path.join(SQL, "001_schema.sql")) as f:
            self.pg.psql(f.read(), old)
        self.pg.psql("INSERT INTO schema_version (name) VALUES ('001_schema.sql'); "
                     "DELETE FROM idtable", old)
        tables = [t for t in self.old_tables(old) if t[0] != "schema_version"]
        for t, cols in tables:
            rows = self.psql_raw(src, "COPY (SELECT %s FROM %s%s) TO STDOUT" % (
                cols, t, " WHERE type <= 5" if t == "idtable" else ""))
            self.psql_raw(old, "SET session_replication_role = replica; "
                          "COPY %s (%s) FROM STDIN" % (t, cols), rows)
        for t, col in (("ipdata", "seq"), ("lvolmap", "seq"), ("assoc", "seq")):
            self.pg.psql("SELECT setval(pg_get_serial_sequence('%s', '%s'), "
                         "(SELECT COALESCE(max(%s), 1) FROM %s))" % (t, col, col, t), old)
        return old, tables

    def test_old_database_migrates_with_nothing_changed(self):
        self.populate()
        before = self.replies()
        old, tables = self.schema_1_copy(self.sm.db)
        rows_before = self.dump(old, tables)
        self.s("close")()
        self.assertEqual(self.sm.stop(), 0)

        self.sm = Sm(self.pg, db=old, ssvr_port=self.ssvr_port,
                     hsvr_port=self.hsvr_port).start()
        self.s = self.sm.proxy()
        q = self.sm.sql
        self.assertEqual(q("SELECT string_agg(name, ',' ORDER BY name) FROM "
                           "schema_version"),
                         ",".join(sorted(f for f in os.listdir(SQL)
                                         if f.endswith(".sql"))))
        # the one new row: the counter of pool ids (type 6, next id 2)
        rows_before["idtable"] += "\n6|2|2147483647|f"
        self.maxDiff = None
        self.assertEqual(self.dump(old, tables), rows_before)
        after = self.replies()
        for call in before:
            self.assertEqual(after[call], before[call], call)
        # pool 'default' holds everything
        used = int(q("SELECT sum(capacity) FROM lvollst"))
        self.assertEqual(self.s.listPools(v()), [{
            "poolid": 1, "pool": "default", "parent": 0, "quota": 0,
            "capacity": 300, "used": used, "volumes": 3,
            "available": sum(e["available"] for e in self.s.listStorageServers(v()))}])
        self.assertEqual(q("SELECT count(*) FROM ssvrlst WHERE poolid <> 1 OR "
                           "domainid IS NOT NULL"), "0")
        self.assertEqual(q("SELECT count(*) FROM pdsklst WHERE poolid IS NOT NULL"), "0")
        self.assertEqual(q("SELECT count(*) FROM lvollst WHERE poolid <> 1"), "0")
        # and it works on: a quota on default bounds what is there
        self.fault(122, self.s.setPoolQuota, v(pool="default", quota=used - 1))
        self.s.setPoolQuota(v(pool="default", quota=used + 10))
        self.s.createLogicalVolume(v(lvolname="d", capacity=10, redundancy=2))
        self.fault(122, self.s.createLogicalVolume, v(lvolname="e", capacity=10))
        self.invariants()


if __name__ == "__main__":
    main()
