-- One create+delete cycle as vas_sm sends it (createLogicalVolume then
-- deleteLogicalVolume of a 10 GiB volume, redundancy 3, on three storage
-- servers), statement for statement, for pgbench: what PostgreSQL alone
-- needs per cycle (bench_pg_floor.py). Captured with
-- log_min_duration_statement = 0 from the manager; the ids each statement
-- needs come from the answers before it (\gset), as in the manager.
BEGIN;
SELECT 1 FROM lvollst WHERE lvolname = 'pgb' || :client_id;
WITH st AS MATERIALIZED (SELECT pool_storage(1) AS storage, (SELECT n::text || '/' || pg_postmaster_start_time()::text FROM placement_epoch) AS epoch, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin) SELECT st.*, d.* FROM st LEFT JOIN (SELECT p.pdskid, p.ssvrid, p.capacity, f.free_vb, f.largest_vb, CASE WHEN s.domainid IS NULL THEN s.ssvrid ELSE -s.domainid END , COALESCE(p.poolid, s.poolid) FROM pdsklst p JOIN pdsk_free f ON f.pdskid = p.pdskid JOIN ssvrlst s ON s.ssvrid = p.ssvrid WHERE p.priority IN (1, 2) AND s.priority IN (1, 2) AND (SELECT n::text || '/' || pg_postmaster_start_time()::text FROM placement_epoch) <> :epoch UNION ALL SELECT p.pdskid, p.ssvrid, p.capacity, f.free_vb, f.largest_vb, CASE WHEN s.domainid IS NULL THEN s.ssvrid ELSE -s.domainid END , COALESCE(p.poolid, s.poolid) FROM pdsklst p JOIN pdsk_free f ON f.pdskid = p.pdskid JOIN ssvrlst s ON s.ssvrid = p.ssvrid WHERE p.priority IN (1, 2) AND s.priority IN (1, 2) AND (SELECT n::text || '/' || pg_postmaster_start_time()::text FROM placement_epoch) = :epoch AND f.changed >= (:xmin)::xid8) d ON true ORDER BY d.ssvrid, d.pdskid
\aset
SELECT pg_advisory_xact_lock(5652819), pg_current_xact_id(), pg_postmaster_start_time();
WITH RECURSIVE up (poolid, parent, depth) AS (SELECT poolid, parent, 0 FROM pool WHERE poolid = 1 UNION ALL SELECT q.poolid, q.parent, up.depth + 1 FROM pool q JOIN up ON q.poolid = up.parent) SELECT count(*) FROM up JOIN pool p ON p.poolid = up.poolid JOIN pool_tree_used t ON t.poolid = up.poolid WHERE p.quota_gib > 0 AND t.used_gib + 10 > p.quota_gib;
SELECT id AS lid, maxid, rotate::int FROM idtable WHERE type = 2 FOR UPDATE
\gset
SELECT p.pdskid, p.ssvrid, CASE WHEN s.domainid IS NULL THEN s.ssvrid ELSE -s.domainid END FROM pdsklst p JOIN ssvrlst s ON s.ssvrid = p.ssvrid WHERE p.pdskid = ANY('{1,2,3}'::int[]) AND p.priority IN (1, 2) AND s.priority IN (1, 2) AND COALESCE(p.poolid, s.poolid) = 1;
--TAKES--
INSERT INTO lvollst (lvolid, lvolname, redundancy, capacity, ctime, deleted, poolid) VALUES (:lid, 'pgb' || :client_id, 3, 10, '2026-11-29T22:00:13', 0, 1);
INSERT INTO lvolmap (lvolid, lvoltype, superlvolid, "offset", capacity, toplvolid, mirror_status, dextid) SELECT r.id, r.t, r.s, r.o, r.c, r.top, r.m, CASE WHEN r.t = 3 THEN r.id END FROM unnest(ARRAY[:lid + 1, :lid + 2, :lid + 3, :d1, :d2, :d3]::int[], '{6,1,2,3,3,3}'::int[], ARRAY[:lid, :lid + 1, :lid + 2, :lid + 3, :lid + 3, :lid + 3]::int[], '{0,0,0,0,0,0}'::int[], '{10,10,10,10,10,10}'::int[], ARRAY[:lid, :lid, :lid, :lid, :lid, :lid]::int[], '{0,0,0,1,1,1}'::int[]) WITH ORDINALITY AS r(id, t, s, o, c, top, m, n) ORDER BY r.n;
UPDATE idtable SET id = :lid + 4 WHERE type = 2;
COMMIT;
BEGIN;
SELECT l.lvolid, l.lvolname, l.redundancy, l.capacity, l.ctime, l.deleted, (SELECT a.lvolid FROM assoc a WHERE a.assoc_lvolid = l.lvolid), l.poolid FROM lvollst l WHERE l.lvolname = 'pgb' || :client_id;
SELECT pg_advisory_xact_lock(5652819), pg_current_xact_id(), pg_postmaster_start_time();
SELECT (SELECT count(*) FROM assoc a WHERE a.lvolid = l.lvolid) FROM lvollst l WHERE l.lvolid = :lid AND l.lvolname = 'pgb' || :client_id;
SELECT lvolid, hsvrid, status, eventid, event_type, assoc_lvolid FROM attach WHERE lvolid = :lid FOR UPDATE;
SELECT m.dextid FROM lvolmap m JOIN lvolmap p ON p.lvolid = m.superlvolid WHERE m.toplvolid = :lid AND m.lvoltype = 3 AND m.mirror_status <> 1 ORDER BY p."offset", m.seq;
UPDATE dskmap d SET status = 2 FROM lvolmap m WHERE m.toplvolid = :lid AND m.lvoltype = 3 AND m.mirror_status = 1 AND d.dextid = m.dextid;
DELETE FROM lvolmap WHERE toplvolid = :lid;
DELETE FROM lvollst WHERE lvolid = :lid;
COMMIT;
