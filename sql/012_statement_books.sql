-- Free space and extent counts per disk (pdsk_free, sql/001, 003, 009) kept
-- once per statement instead of once per row (issue 13). The row trigger
-- ran a PL/pgSQL call and an UPDATE or upsert of pdsk_free per changed
-- extent: three per create (one per leg booked), three per delete (legs
-- freed), 3 000 per registered disk. These triggers see the statement's
-- rows in transition tables and write each disk's row once, so a
-- multi-row statement pays once; the manager books a mirror's legs in one
-- statement (db_alloc.c) so a create pays once too. A one-row statement
-- costs about what it did (measured: bench_pg_floor.py).
--
-- The same numbers as before, exactly: free_vb and the ext_* counts move
-- by the sum of the rows that left (OLD) and came (NEW) per disk;
-- largest_vb is read again from dskmap (after the statement: the
-- dskmap_free index, one probe) only when a FREE extent as large as it
-- left, else it grows to the largest FREE extent that came.
-- changed (sql/011) is set here for the rows whose space moved, so
-- pdsk_free_mark, kept for any other writer, is skipped for these.

DROP TRIGGER dskmap_free_track ON dskmap;
DROP FUNCTION pdsk_free_track();

CREATE FUNCTION pdsk_books_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO pdsk_free AS f (pdskid, free_vb, largest_vb, ext_busy,
		ext_free, ext_evacuate, ext_offline, ext_super, ext_faulty)
	SELECT n.pdskid,
		COALESCE(sum(n.capacity) FILTER (WHERE n.status = 2), 0),
		COALESCE(max(n.capacity) FILTER (WHERE n.status = 2), 0),
		count(*) FILTER (WHERE n.status = 1),
		count(*) FILTER (WHERE n.status = 2),
		count(*) FILTER (WHERE n.status = 3),
		count(*) FILTER (WHERE n.status = 4),
		count(*) FILTER (WHERE n.status = 5),
		count(*) FILTER (WHERE n.status = 6)
	FROM nt n GROUP BY n.pdskid
	ON CONFLICT (pdskid) DO UPDATE SET
		free_vb = f.free_vb + EXCLUDED.free_vb,
		largest_vb = GREATEST(f.largest_vb, EXCLUDED.largest_vb),
		ext_busy = f.ext_busy + EXCLUDED.ext_busy,
		ext_free = f.ext_free + EXCLUDED.ext_free,
		ext_evacuate = f.ext_evacuate + EXCLUDED.ext_evacuate,
		ext_offline = f.ext_offline + EXCLUDED.ext_offline,
		ext_super = f.ext_super + EXCLUDED.ext_super,
		ext_faulty = f.ext_faulty + EXCLUDED.ext_faulty,
		changed = CASE WHEN EXCLUDED.free_vb <> 0
			THEN pg_current_xact_id() ELSE f.changed END;
	RETURN NULL;
END $$;

-- The rows that left (sign -1) and came (+1) in one UPDATE, per disk.
CREATE FUNCTION pdsk_books_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	WITH ch AS (
		SELECT o.pdskid, -1 AS sgn, o.status, o.capacity FROM ot o
		UNION ALL
		SELECT n.pdskid, 1, n.status, n.capacity FROM nt n),
	dl AS (
		SELECT c.pdskid,
			COALESCE(sum(c.sgn * c.capacity)
				FILTER (WHERE c.status = 2), 0) AS free_vb,
			max(c.capacity) FILTER (WHERE c.sgn = -1
				AND c.status = 2) AS left_max,
			COALESCE(max(c.capacity) FILTER (WHERE c.sgn = 1
				AND c.status = 2), 0) AS came_max,
			COALESCE(sum(c.sgn) FILTER (WHERE c.status = 1), 0) AS b,
			COALESCE(sum(c.sgn) FILTER (WHERE c.status = 2), 0) AS f,
			COALESCE(sum(c.sgn) FILTER (WHERE c.status = 3), 0) AS e,
			COALESCE(sum(c.sgn) FILTER (WHERE c.status = 4), 0) AS o,
			COALESCE(sum(c.sgn) FILTER (WHERE c.status = 5), 0) AS s,
			COALESCE(sum(c.sgn) FILTER (WHERE c.status = 6), 0) AS y
		FROM ch c GROUP BY c.pdskid),
	nl AS (
		SELECT dl.*, CASE WHEN dl.left_max >= p.largest_vb
			THEN COALESCE((SELECT x.capacity FROM dskmap x
				WHERE x.pdskid = dl.pdskid AND x.status = 2
				ORDER BY x.capacity DESC LIMIT 1), 0)
			ELSE GREATEST(p.largest_vb, dl.came_max) END AS largest
		FROM dl JOIN pdsk_free p ON p.pdskid = dl.pdskid)
	UPDATE pdsk_free f SET free_vb = f.free_vb + nl.free_vb,
		largest_vb = nl.largest,
		ext_busy = f.ext_busy + nl.b, ext_free = f.ext_free + nl.f,
		ext_evacuate = f.ext_evacuate + nl.e,
		ext_offline = f.ext_offline + nl.o,
		ext_super = f.ext_super + nl.s,
		ext_faulty = f.ext_faulty + nl.y,
		changed = CASE WHEN nl.free_vb <> 0 OR nl.largest <> f.largest_vb
			THEN pg_current_xact_id() ELSE f.changed END
	FROM nl WHERE f.pdskid = nl.pdskid AND (nl.free_vb <> 0
		OR nl.largest <> f.largest_vb OR nl.b <> 0 OR nl.f <> 0
		OR nl.e <> 0 OR nl.o <> 0 OR nl.s <> 0 OR nl.y <> 0);
	RETURN NULL;
END $$;

CREATE FUNCTION pdsk_books_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	WITH dl AS (
		SELECT o.pdskid,
			COALESCE(sum(o.capacity)
				FILTER (WHERE o.status = 2), 0) AS free_vb,
			max(o.capacity) FILTER (WHERE o.status = 2) AS left_max,
			count(*) FILTER (WHERE o.status = 1) AS b,
			count(*) FILTER (WHERE o.status = 2) AS f,
			count(*) FILTER (WHERE o.status = 3) AS e,
			count(*) FILTER (WHERE o.status = 4) AS o,
			count(*) FILTER (WHERE o.status = 5) AS s,
			count(*) FILTER (WHERE o.status = 6) AS y
		FROM ot o GROUP BY o.pdskid),
	nl AS (
		SELECT dl.*, CASE WHEN dl.left_max >= p.largest_vb
			THEN COALESCE((SELECT x.capacity FROM dskmap x
				WHERE x.pdskid = dl.pdskid AND x.status = 2
				ORDER BY x.capacity DESC LIMIT 1), 0)
			ELSE p.largest_vb END AS largest
		FROM dl JOIN pdsk_free p ON p.pdskid = dl.pdskid)
	UPDATE pdsk_free f SET free_vb = f.free_vb - nl.free_vb,
		largest_vb = nl.largest,
		ext_busy = f.ext_busy - nl.b, ext_free = f.ext_free - nl.f,
		ext_evacuate = f.ext_evacuate - nl.e,
		ext_offline = f.ext_offline - nl.o,
		ext_super = f.ext_super - nl.s,
		ext_faulty = f.ext_faulty - nl.y,
		changed = CASE WHEN nl.free_vb <> 0 OR nl.largest <> f.largest_vb
			THEN pg_current_xact_id() ELSE f.changed END
	FROM nl WHERE f.pdskid = nl.pdskid;
	RETURN NULL;
END $$;

CREATE TRIGGER dskmap_books_ins AFTER INSERT ON dskmap
	REFERENCING NEW TABLE AS nt
	FOR EACH STATEMENT EXECUTE FUNCTION pdsk_books_ins();
CREATE TRIGGER dskmap_books_move AFTER UPDATE ON dskmap
	REFERENCING OLD TABLE AS ot NEW TABLE AS nt
	FOR EACH STATEMENT EXECUTE FUNCTION pdsk_books_move();
CREATE TRIGGER dskmap_books_del AFTER DELETE ON dskmap
	REFERENCING OLD TABLE AS ot
	FOR EACH STATEMENT EXECUTE FUNCTION pdsk_books_del();

-- pdsk_free_mark stays for any other writer of free_vb/largest_vb; the
-- triggers above set changed themselves, so it runs only when they did
-- not (or when this transaction had set it already: same value).
DROP TRIGGER pdsk_free_mark ON pdsk_free;
CREATE TRIGGER pdsk_free_mark BEFORE UPDATE ON pdsk_free FOR EACH ROW
	WHEN ((OLD.free_vb <> NEW.free_vb OR OLD.largest_vb <> NEW.largest_vb)
	      AND OLD.changed = NEW.changed)
	EXECUTE FUNCTION pdsk_free_mark();
