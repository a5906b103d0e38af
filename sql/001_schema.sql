-- Vastsky storage manager schema, version 1 (sm.md 2.2, 2.6).
-- Table and column names are the original's; "offset" is quoted.

CREATE TABLE idtable (
	type int PRIMARY KEY CHECK (type BETWEEN 1 AND 5),
	id int NOT NULL CHECK (id >= 1),
	maxid int NOT NULL,
	rotate boolean NOT NULL
);
INSERT INTO idtable VALUES (1, 1, 2147483647, false), (2, 1, 2147483647, false),
	(3, 1, 2147483647, false), (4, 1, 2147483647, false), (5, 1, 1048576, true);

CREATE TABLE hsvrlst (
	hsvrid int PRIMARY KEY CHECK (hsvrid > 0),
	priority smallint NOT NULL CHECK (priority IN (1, 2, 3, 4, 5, 6)),
	latency int NOT NULL DEFAULT 0
);

CREATE TABLE ssvrlst (
	ssvrid int PRIMARY KEY CHECK (ssvrid > 0),
	priority smallint NOT NULL CHECK (priority IN (1, 2, 3, 4, 5, 6)),
	latency int NOT NULL DEFAULT 0
);

CREATE TABLE ipdata (
	ip varchar(20) PRIMARY KEY,
	seq bigserial,
	hsvrid int REFERENCES hsvrlst,
	ssvrid int REFERENCES ssvrlst,
	CHECK (hsvrid IS NOT NULL OR ssvrid IS NOT NULL)
);
CREATE INDEX ipdata_hsvr ON ipdata (hsvrid, seq);
CREATE INDEX ipdata_ssvr ON ipdata (ssvrid, seq);

CREATE TABLE pdsklst (
	pdskid int PRIMARY KEY CHECK (pdskid > 0),
	ssvrid int NOT NULL REFERENCES ssvrlst,
	capacity int NOT NULL CHECK (capacity >= 0),
	local_path varchar(1024) NOT NULL,
	priority smallint NOT NULL CHECK (priority IN (1, 2, 3, 4, 5, 6)),
	UNIQUE (ssvrid, local_path)
);

CREATE TABLE dskmap (
	dextid int PRIMARY KEY CHECK (dextid > 0),
	pdskid int NOT NULL REFERENCES pdsklst ON DELETE CASCADE,
	"offset" int NOT NULL CHECK ("offset" >= 0),
	capacity int NOT NULL CHECK (capacity > 0),
	status smallint NOT NULL CHECK (status IN (1, 2, 4, 5, 6))
);
CREATE INDEX dskmap_pdsk ON dskmap (pdskid, "offset");
CREATE INDEX dskmap_free ON dskmap (pdskid, capacity DESC, "offset") WHERE status = 2;
CREATE UNIQUE INDEX dskmap_super ON dskmap (pdskid) WHERE status = 5;

-- Free space per disk, kept by a trigger in the same transaction as every
-- change of a FREE extent, so allocation never scans dskmap (sm.md 4.6).
CREATE TABLE pdsk_free (
	pdskid int PRIMARY KEY REFERENCES pdsklst ON DELETE CASCADE,
	free_vb bigint NOT NULL DEFAULT 0 CHECK (free_vb >= 0)
);

CREATE FUNCTION pdsk_free_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 2 THEN
		UPDATE pdsk_free SET free_vb = free_vb - OLD.capacity
			WHERE pdskid = OLD.pdskid;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 2 THEN
		INSERT INTO pdsk_free (pdskid, free_vb) VALUES (NEW.pdskid, NEW.capacity)
			ON CONFLICT (pdskid) DO UPDATE
			SET free_vb = pdsk_free.free_vb + EXCLUDED.free_vb;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER dskmap_free_track AFTER INSERT OR UPDATE OR DELETE ON dskmap
	FOR EACH ROW EXECUTE FUNCTION pdsk_free_track();

CREATE TABLE lvollst (
	lvolid int PRIMARY KEY CHECK (lvolid > 0),
	lvolname varchar(64) NOT NULL UNIQUE,
	redundancy int NOT NULL CHECK (redundancy BETWEEN 2 AND 9),
	capacity int NOT NULL CHECK (capacity >= 1),
	ctime varchar(20) NOT NULL,
	deleted smallint NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
);

-- A DEXT layer's lvolid is the extent it uses: dextid makes that a foreign
-- key, and the primary key means one extent backs at most one leg.
CREATE TABLE lvolmap (
	lvolid int PRIMARY KEY,
	seq bigserial,
	lvoltype smallint NOT NULL CHECK (lvoltype IN (1, 2, 3, 6, 7)),
	superlvolid int NOT NULL,
	"offset" int NOT NULL,
	capacity int NOT NULL,
	toplvolid int NOT NULL REFERENCES lvollst ON DELETE CASCADE
		DEFERRABLE INITIALLY DEFERRED,
	mirror_status smallint NOT NULL CHECK (mirror_status IN (0, 1, 2, 3, 5)),
	dextid int UNIQUE REFERENCES dskmap,
	CHECK ((lvoltype = 3) = (dextid IS NOT NULL)),
	CHECK (dextid IS NULL OR dextid = lvolid),
	CHECK ((lvoltype = 3) = (mirror_status <> 0))
);
CREATE INDEX lvolmap_children ON lvolmap (superlvolid, "offset", seq);
CREATE INDEX lvolmap_top ON lvolmap (toplvolid);
CREATE INDEX lvolmap_sick ON lvolmap (toplvolid) WHERE mirror_status = 3;

CREATE TABLE attach (
	lvolid int PRIMARY KEY REFERENCES lvollst,
	hsvrid int NOT NULL REFERENCES hsvrlst,
	status smallint NOT NULL CHECK (status IN (1, 2)),
	eventid int NOT NULL DEFAULT 0,
	event_type smallint NOT NULL DEFAULT 0 CHECK (event_type IN (0, 1, 2)),
	assoc_lvolid int NOT NULL DEFAULT 0,
	CHECK ((eventid = 0) = (event_type = 0))
);
CREATE INDEX attach_hsvr ON attach (hsvrid);

CREATE TABLE assoc (
	assoc_lvolid int PRIMARY KEY REFERENCES lvollst ON DELETE CASCADE,
	lvolid int NOT NULL REFERENCES lvollst,
	type varchar(64) NOT NULL DEFAULT 'snapshot',
	seq bigserial
);
CREATE INDEX assoc_to ON assoc (lvolid, seq);

CREATE TABLE snapshot (
	snapshot_lvolid int PRIMARY KEY,
	origin_lvolid int NOT NULL
);

CREATE TABLE resync (
	eventid int PRIMARY KEY,
	mirrorid int NOT NULL,
	lvolid_add int NOT NULL,
	lvolid_rm int NOT NULL,
	status smallint NOT NULL CHECK (status IN (1, 2, 4)),
	attempts int NOT NULL DEFAULT 0,
	next_try timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX resync_add ON resync (lvolid_add);

-- Zeroing queue. A live row (PENDING/PROGRESS) is unique per extent, and
-- the extent must still exist (sm.md M9, M10, M54).
CREATE TABLE shred (
	eventid int PRIMARY KEY,
	dextid int NOT NULL REFERENCES dskmap ON DELETE CASCADE,
	pdskid int NOT NULL,
	"offset" int NOT NULL,
	capacity int NOT NULL,
	status smallint NOT NULL CHECK (status IN (1, 2, 4)),
	attempts int NOT NULL DEFAULT 0,
	next_try timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX shred_live ON shred (dextid) WHERE status IN (1, 2);
CREATE INDEX shred_pending ON shred (next_try) WHERE status = 1;

-- The view of sm.md 2.3 for the list methods.
CREATE VIEW dskspace AS
	SELECT p.pdskid, p.ssvrid, f.free_vb AS available, p.capacity AS total,
	       CASE WHEN p.capacity > 0 THEN f.free_vb * 100 / p.capacity ELSE 0 END
		AS percent,
	       p.priority
	FROM pdsklst p JOIN pdsk_free f USING (pdskid) JOIN ssvrlst s USING (ssvrid)
	WHERE f.free_vb > 0 AND p.priority IN (1, 2) AND s.priority IN (1, 2);
