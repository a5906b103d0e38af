-- A rebuild's target disk on its resync row (issue 14), kept by a trigger
-- whoever queues the row: the lists' running-rebuild counts per disk and
-- per server and the pick's "disk already rebuilding" read it through an
-- index of the running rows instead of joining each row to dskmap (2.2 M
-- extents at 1 000 servers) - a list of one server's disks read every
-- running rebuild (~1 000 during a failure) to count its own.

ALTER TABLE resync ADD COLUMN pdskid int;
UPDATE resync r SET pdskid = d.pdskid FROM dskmap d WHERE d.dextid = r.lvolid_add;
CREATE INDEX resync_running_disk ON resync (pdskid) WHERE status = 2;

CREATE FUNCTION resync_target_disk() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.pdskid := (SELECT pdskid FROM dskmap WHERE dextid = NEW.lvolid_add);
	RETURN NEW;
END $$;
CREATE TRIGGER resync_target_disk BEFORE INSERT OR UPDATE OF lvolid_add
	ON resync FOR EACH ROW EXECUTE FUNCTION resync_target_disk();
