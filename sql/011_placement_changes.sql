-- What leg placement needs to keep its view of the disks in the manager
-- instead of reading every disk per create (issue 14: 12 000 rows, ~70 ms
-- at 1 000 servers). Two marks, both written by the transactions that
-- change what placement reads, so a reader finds the changes in its own
-- snapshot, whatever process made them:
-- - pdsk_free.changed: the transaction that last changed a disk's free
--   space. A manager re-reads the rows changed by any transaction not
--   finished at its previous read (changed >= that snapshot's xmin), so a
--   late commit is never missed.
-- - placement_epoch.n: bumped by anything else placement reads (disks and
--   servers coming, going, changing priority, pool, domain or size); a
--   manager whose epoch is not the current one reads every disk.

ALTER TABLE pdsk_free
	ADD COLUMN changed xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX pdsk_free_changed ON pdsk_free (changed);

CREATE FUNCTION pdsk_free_mark() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.changed := pg_current_xact_id();
	RETURN NEW;
END $$;
CREATE TRIGGER pdsk_free_mark BEFORE UPDATE ON pdsk_free FOR EACH ROW
	WHEN (OLD.free_vb <> NEW.free_vb OR OLD.largest_vb <> NEW.largest_vb)
	EXECUTE FUNCTION pdsk_free_mark();

CREATE TABLE placement_epoch (n bigint NOT NULL);
INSERT INTO placement_epoch VALUES (1);

CREATE FUNCTION placement_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE placement_epoch SET n = n + 1;
	RETURN NULL;
END $$;
CREATE TRIGGER pdsklst_placement_rows AFTER INSERT OR DELETE OR TRUNCATE
	ON pdsklst FOR EACH STATEMENT EXECUTE FUNCTION placement_epoch_bump();
CREATE TRIGGER ssvrlst_placement_rows AFTER INSERT OR DELETE OR TRUNCATE
	ON ssvrlst FOR EACH STATEMENT EXECUTE FUNCTION placement_epoch_bump();
CREATE TRIGGER pdsk_free_placement_rows AFTER DELETE OR TRUNCATE
	ON pdsk_free FOR EACH STATEMENT EXECUTE FUNCTION placement_epoch_bump();
CREATE TRIGGER pdsklst_placement AFTER UPDATE ON pdsklst FOR EACH ROW
	WHEN (OLD.pdskid <> NEW.pdskid OR OLD.ssvrid <> NEW.ssvrid
	      OR OLD.capacity <> NEW.capacity OR OLD.priority <> NEW.priority
	      OR OLD.poolid IS DISTINCT FROM NEW.poolid)
	EXECUTE FUNCTION placement_epoch_bump();
CREATE TRIGGER ssvrlst_placement AFTER UPDATE ON ssvrlst FOR EACH ROW
	WHEN (OLD.ssvrid <> NEW.ssvrid OR OLD.priority <> NEW.priority
	      OR OLD.poolid IS DISTINCT FROM NEW.poolid
	      OR OLD.domainid IS DISTINCT FROM NEW.domainid)
	EXECUTE FUNCTION placement_epoch_bump();
