-- Storage pools, quotas and failure domains (issue 16), added to schema 1.
-- Every storage server, disk and volume belongs to one pool; pools nest
-- under 'default' (id 1), which holds everything an older database had.
-- Nothing existing changes: new columns only, with defaults.

-- An attachment may have an extension in flight (extendLogicalVolume):
-- event_type 3, with the capacity (GiB) the volume had before, so that
-- an extension the head refused is undone, also after a restart.
ALTER TABLE attach DROP CONSTRAINT attach_event_type_check;
ALTER TABLE attach ADD CONSTRAINT attach_event_type_check
	CHECK (event_type IN (0, 1, 2, 3));
ALTER TABLE attach ADD COLUMN grow_from int NOT NULL DEFAULT 0;

-- Pool ids have their own gap-free counter (sm.md 2.5), type 6.
ALTER TABLE idtable DROP CONSTRAINT idtable_type_check;
ALTER TABLE idtable ADD CONSTRAINT idtable_type_check
	CHECK (type BETWEEN 1 AND 6);
INSERT INTO idtable VALUES (6, 2, 2147483647, false);

-- quota_gib: 0 = none. used_gib: capacity (GiB) of the pool's own volumes
-- and snapshots, kept by trigger; a quota bounds the pool's whole subtree.
CREATE TABLE pool (
	poolid int PRIMARY KEY CHECK (poolid > 0),
	poolname varchar(64) NOT NULL UNIQUE,
	parent int REFERENCES pool,
	quota_gib bigint NOT NULL DEFAULT 0 CHECK (quota_gib >= 0),
	used_gib bigint NOT NULL DEFAULT 0 CHECK (used_gib >= 0),
	CHECK ((poolid = 1) = (parent IS NULL))
);
CREATE INDEX pool_children ON pool (parent);
INSERT INTO pool (poolid, poolname) VALUES (1, 'default');

-- Failure domains (a rack, a room) by name; a row lives while a server
-- names it.
CREATE TABLE fdomain (
	domainid int GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name varchar(64) NOT NULL UNIQUE CHECK (name <> '')
);

-- A disk with poolid NULL is in its server's pool. domainid NULL: the
-- server is a failure domain of its own.
ALTER TABLE ssvrlst ADD COLUMN poolid int NOT NULL DEFAULT 1 REFERENCES pool,
	ADD COLUMN domainid int REFERENCES fdomain;
ALTER TABLE pdsklst ADD COLUMN poolid int REFERENCES pool;
ALTER TABLE lvollst ADD COLUMN poolid int NOT NULL DEFAULT 1 REFERENCES pool;
CREATE INDEX ssvrlst_pool ON ssvrlst (poolid);
CREATE INDEX pdsklst_pool ON pdsklst (poolid) WHERE poolid IS NOT NULL;
CREATE INDEX lvollst_pool ON lvollst (poolid);

CREATE FUNCTION pool_used_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE pool SET used_gib = used_gib - OLD.capacity
			WHERE poolid = OLD.poolid;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') THEN
		UPDATE pool SET used_gib = used_gib + NEW.capacity
			WHERE poolid = NEW.poolid;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER lvollst_pool_used AFTER INSERT OR DELETE OR
	UPDATE OF capacity, poolid ON lvollst
	FOR EACH ROW EXECUTE FUNCTION pool_used_track();
UPDATE pool SET used_gib = (SELECT COALESCE(sum(capacity), 0) FROM lvollst);

-- The pool whose disks take the legs of pool p's volumes: p itself when a
-- disk is in it, else its nearest ancestor with one; NULL if none has.
CREATE FUNCTION pool_storage(p int) RETURNS int LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (poolid, parent, depth) AS (
		SELECT poolid, parent, 0 FROM pool WHERE poolid = p
		UNION ALL
		SELECT q.poolid, q.parent, up.depth + 1
		FROM pool q JOIN up ON q.poolid = up.parent)
	SELECT up.poolid FROM up WHERE EXISTS (
		SELECT 1 FROM pdsklst d JOIN ssvrlst s ON s.ssvrid = d.ssvrid
		WHERE COALESCE(d.poolid, s.poolid) = up.poolid)
	ORDER BY up.depth LIMIT 1
$$;

-- Every pool with the volume capacity (GiB) of its whole subtree.
CREATE VIEW pool_tree_used AS
	WITH RECURSIVE chain (owner, anc) AS (
		SELECT poolid, poolid FROM pool
		UNION ALL
		SELECT c.owner, p.parent FROM chain c JOIN pool p
			ON p.poolid = c.anc WHERE p.parent IS NOT NULL)
	SELECT c.anc AS poolid, sum(o.used_gib)::bigint AS used_gib
	FROM chain c JOIN pool o ON o.poolid = c.owner GROUP BY c.anc;
