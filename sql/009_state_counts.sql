-- Extents and queued shreds by state, per disk, for /metrics (issue 14):
-- at 1 000 servers x 12 x 2 TB, counting dskmap and shred took 1.2 s per
-- scrape; summing these columns over pdsk_free (a row per disk) takes a
-- few ms. The counts ride on pdsk_free_track, which already writes the
-- disk's pdsk_free row whenever a FREE extent comes or goes (a create's
-- takes, a shred's end): there they cost no statement of their own. Only
-- changes between other states (a delete's BUSY -> OFFLINE, registration)
-- add one per row. Every disk has its row from registration on
-- (db_pdsk_insert; the recount below for older ones). Upserts instead of
-- updates cost ~0.1 ms more per row. Statement-level triggers with transition tables were
-- measured first and cost ~0.17 ms per statement: +50 ms on a create, whose
-- 309 legs are taken by 309 statements.
ALTER TABLE pdsk_free
	ADD COLUMN ext_busy int NOT NULL DEFAULT 0,	-- dskmap.status 1
	ADD COLUMN ext_free int NOT NULL DEFAULT 0,	-- 2
	ADD COLUMN ext_evacuate int NOT NULL DEFAULT 0, -- 3
	ADD COLUMN ext_offline int NOT NULL DEFAULT 0,	-- 4
	ADD COLUMN ext_super int NOT NULL DEFAULT 0,	-- 5
	ADD COLUMN ext_faulty int NOT NULL DEFAULT 0,	-- 6
	ADD COLUMN shred_pending int NOT NULL DEFAULT 0, -- shred.status 1
	ADD COLUMN shred_running int NOT NULL DEFAULT 0, -- 2
	ADD COLUMN shred_cancelled int NOT NULL DEFAULT 0; -- 4

-- o, n: the row's state before and after (0: no row).
CREATE OR REPLACE FUNCTION pdsk_free_track() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	o smallint := 0;
	n smallint := 0;
	moved int;
BEGIN
	IF TG_OP <> 'INSERT' THEN
		o := OLD.status;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		n := NEW.status;
	END IF;
	moved := (o <> n)::int;
	IF o = 2 THEN
		UPDATE pdsk_free SET free_vb = free_vb - OLD.capacity,
			largest_vb = CASE WHEN largest_vb > OLD.capacity
				THEN largest_vb
				ELSE COALESCE((SELECT d.capacity FROM dskmap d
					WHERE d.pdskid = OLD.pdskid AND d.status = 2
					AND d.dextid <> OLD.dextid
					ORDER BY d.capacity DESC LIMIT 1), 0) END,
			ext_busy = ext_busy + moved * (n = 1)::int,
			ext_free = ext_free - moved,
			ext_evacuate = ext_evacuate + moved * (n = 3)::int,
			ext_offline = ext_offline + moved * (n = 4)::int,
			ext_super = ext_super + moved * (n = 5)::int,
			ext_faulty = ext_faulty + moved * (n = 6)::int
			WHERE pdskid = OLD.pdskid;
	END IF;
	IF n = 2 THEN
		-- When o = 2 the update above counted the move already.
		moved := moved * (o <> 2)::int;
		INSERT INTO pdsk_free AS f (pdskid, free_vb, largest_vb, ext_free)
			VALUES (NEW.pdskid, NEW.capacity, NEW.capacity, 1)
			ON CONFLICT (pdskid) DO UPDATE
			SET free_vb = f.free_vb + EXCLUDED.free_vb,
			    largest_vb = GREATEST(f.largest_vb, EXCLUDED.largest_vb),
			    ext_busy = f.ext_busy - moved * (o = 1)::int,
			    ext_free = f.ext_free + moved,
			    ext_evacuate = f.ext_evacuate - moved * (o = 3)::int,
			    ext_offline = f.ext_offline - moved * (o = 4)::int,
			    ext_super = f.ext_super - moved * (o = 5)::int,
			    ext_faulty = f.ext_faulty - moved * (o = 6)::int;
	ELSIF moved = 1 AND o <> 2 THEN
		-- Between two other states (or a row in or out of one).
		UPDATE pdsk_free
			SET ext_busy = ext_busy + (n = 1)::int - (o = 1)::int,
			    ext_evacuate = ext_evacuate + (n = 3)::int - (o = 3)::int,
			    ext_offline = ext_offline + (n = 4)::int - (o = 4)::int,
			    ext_super = ext_super + (n = 5)::int - (o = 5)::int,
			    ext_faulty = ext_faulty + (n = 6)::int - (o = 6)::int
			WHERE pdskid = COALESCE(NEW.pdskid, OLD.pdskid);
	END IF;
	RETURN NULL;
END $$;

-- Shred rows by state, on their disk's row: one statement per row in or
-- out of the queue or changing state (shred.pdskid never changes).
CREATE FUNCTION shred_count_track() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	o smallint := 0;
	n smallint := 0;
BEGIN
	IF TG_OP <> 'INSERT' THEN
		o := OLD.status;
	END IF;
	IF TG_OP <> 'DELETE' THEN
		n := NEW.status;
	END IF;
	UPDATE pdsk_free
		SET shred_pending = shred_pending + (n = 1)::int - (o = 1)::int,
		    shred_running = shred_running + (n = 2)::int - (o = 2)::int,
		    shred_cancelled = shred_cancelled + (n = 4)::int - (o = 4)::int
		WHERE pdskid = COALESCE(NEW.pdskid, OLD.pdskid);
	RETURN NULL;
END $$;
CREATE TRIGGER shred_count_track AFTER INSERT OR DELETE ON shred
	FOR EACH ROW EXECUTE FUNCTION shred_count_track();
CREATE TRIGGER shred_count_move AFTER UPDATE OF status ON shred
	FOR EACH ROW WHEN (OLD.status <> NEW.status)
	EXECUTE FUNCTION shred_count_track();

-- The counts from the tables themselves: for this migration, and for a
-- loader that wrote rows with the triggers disabled
-- (test/bench/bench_scale.py).
CREATE FUNCTION state_counts_recount() RETURNS void LANGUAGE sql AS $$
	INSERT INTO pdsk_free (pdskid) SELECT pdskid FROM pdsklst
		ON CONFLICT (pdskid) DO NOTHING;
	UPDATE pdsk_free f SET ext_busy = COALESCE(x.b, 0),
		ext_free = COALESCE(x.f, 0), ext_evacuate = COALESCE(x.e, 0),
		ext_offline = COALESCE(x.o, 0), ext_super = COALESCE(x.s, 0),
		ext_faulty = COALESCE(x.y, 0), shred_pending = COALESCE(q.p, 0),
		shred_running = COALESCE(q.r, 0),
		shred_cancelled = COALESCE(q.c, 0)
	FROM pdsk_free g
	LEFT JOIN (SELECT pdskid, count(*) FILTER (WHERE status = 1) b,
		count(*) FILTER (WHERE status = 2) f,
		count(*) FILTER (WHERE status = 3) e,
		count(*) FILTER (WHERE status = 4) o,
		count(*) FILTER (WHERE status = 5) s,
		count(*) FILTER (WHERE status = 6) y
		FROM dskmap GROUP BY pdskid) x ON x.pdskid = g.pdskid
	LEFT JOIN (SELECT pdskid, count(*) FILTER (WHERE status = 1) p,
		count(*) FILTER (WHERE status = 2) r,
		count(*) FILTER (WHERE status = 4) c
		FROM shred GROUP BY pdskid) q ON q.pdskid = g.pdskid
	WHERE f.pdskid = g.pdskid;
$$;

SELECT state_counts_recount();
