-- pool_storage() as PL/pgSQL: the same query, but its plan is kept for the
-- session. As a LANGUAGE sql function with a recursive CTE it cannot be
-- inlined, so every call planned it anew: ~0.3 ms of a create's ~1.5 ms of
-- statement time (issue 13), and once per pool in the rows that name it.
CREATE OR REPLACE FUNCTION pool_storage(p int) RETURNS int
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN (WITH RECURSIVE up (poolid, parent, depth) AS (
		SELECT q.poolid, q.parent, 0 FROM pool q WHERE q.poolid = p
		UNION ALL
		SELECT q.poolid, q.parent, up.depth + 1
		FROM pool q JOIN up ON q.poolid = up.parent)
	SELECT up.poolid FROM up WHERE EXISTS (
		SELECT 1 FROM pdsklst d JOIN ssvrlst s ON s.ssvrid = d.ssvrid
		WHERE COALESCE(d.poolid, s.poolid) = up.poolid)
	ORDER BY up.depth LIMIT 1);
END $$;
