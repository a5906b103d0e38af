-- pool_storage() asks whether a pool holds a disk with two index probes
-- instead of COALESCE(d.poolid, s.poolid) = pool over every disk: that
-- hashed all of pdsklst with ssvrlst, ~8 ms a call at 12 000 disks, once
-- per create and once per pool in a failure's booking (issue 14); the
-- probes stop at the first disk. Same answer: a disk is in its own pool,
-- else (poolid NULL) in its server's.
CREATE OR REPLACE FUNCTION pool_storage(p int) RETURNS int
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH RECURSIVE up (poolid, parent, depth) AS (
		SELECT q.poolid, q.parent, 0 FROM pool q WHERE q.poolid = p
		UNION ALL
		SELECT q.poolid, q.parent, up.depth + 1
		FROM pool q JOIN up ON q.poolid = up.parent)
	SELECT up.poolid FROM up WHERE EXISTS (
		SELECT 1 FROM pdsklst d WHERE d.poolid = up.poolid)
	OR EXISTS (
		SELECT 1 FROM ssvrlst s JOIN pdsklst d ON d.ssvrid = s.ssvrid
		WHERE s.poolid = up.poolid AND d.poolid IS NULL)
	ORDER BY up.depth LIMIT 1);
END $$;
