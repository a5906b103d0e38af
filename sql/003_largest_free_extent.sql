-- The largest FREE extent of each disk, kept beside free_vb by the same
-- trigger, in the same transaction: leg placement reads one row per disk
-- instead of probing dskmap once per disk for every volume it builds
-- (sm.md 4.6). The probe is left to the rare change that removes a
-- disk's largest FREE extent.

ALTER TABLE pdsk_free ADD COLUMN largest_vb bigint NOT NULL DEFAULT 0
	CHECK (largest_vb >= 0 AND largest_vb <= free_vb);
UPDATE pdsk_free f SET largest_vb = COALESCE((SELECT max(d.capacity)
	FROM dskmap d WHERE d.pdskid = f.pdskid AND d.status = 2), 0);

CREATE OR REPLACE FUNCTION pdsk_free_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 2 THEN
		UPDATE pdsk_free SET free_vb = free_vb - OLD.capacity,
			largest_vb = CASE WHEN largest_vb > OLD.capacity
				THEN largest_vb
				ELSE COALESCE((SELECT d.capacity FROM dskmap d
					WHERE d.pdskid = OLD.pdskid AND d.status = 2
					AND d.dextid <> OLD.dextid
					ORDER BY d.capacity DESC LIMIT 1), 0) END
			WHERE pdskid = OLD.pdskid;
	END IF;
	IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 2 THEN
		INSERT INTO pdsk_free (pdskid, free_vb, largest_vb)
			VALUES (NEW.pdskid, NEW.capacity, NEW.capacity)
			ON CONFLICT (pdskid) DO UPDATE
			SET free_vb = pdsk_free.free_vb + EXCLUDED.free_vb,
			    largest_vb = GREATEST(pdsk_free.largest_vb,
						  EXCLUDED.largest_vb);
	END IF;
	RETURN NULL;
END $$;
