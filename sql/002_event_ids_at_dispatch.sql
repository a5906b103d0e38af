-- Event ids are taken when a shred or resync is sent to an agent, in the
-- same transaction that marks it PROGRESS, not when it is queued: a queue
-- of any length holds no ids, and the ids agents see stay in 3.0's range
-- (1..1048575) however large the cluster. A row keeps its id while an
-- agent may know it (sent, outcome unknown) so that a re-send, also after
-- a restart, carries the same id.

ALTER TABLE shred DROP CONSTRAINT shred_pkey;
ALTER TABLE shred ADD COLUMN shredid bigint GENERATED ALWAYS AS IDENTITY
	PRIMARY KEY;
ALTER TABLE shred ALTER COLUMN eventid DROP NOT NULL;
UPDATE shred SET eventid = NULL WHERE status = 1 AND attempts = 0;
CREATE UNIQUE INDEX shred_event ON shred (eventid);
DROP INDEX shred_pending;
-- The next extent of a disk to zero, and rows that wait with their id.
CREATE INDEX shred_queue ON shred (pdskid, dextid)
	WHERE status = 1 AND eventid IS NULL;
CREATE INDEX shred_held ON shred (pdskid, dextid)
	WHERE status = 1 AND eventid IS NOT NULL;
CREATE INDEX shred_running ON shred (pdskid) WHERE status = 2;
CREATE INDEX shred_cancelled ON shred (dextid) WHERE status = 4;

ALTER TABLE resync DROP CONSTRAINT resync_pkey;
ALTER TABLE resync ALTER COLUMN eventid DROP NOT NULL;
UPDATE resync SET eventid = NULL WHERE status = 1 AND attempts = 0;
CREATE UNIQUE INDEX resync_event ON resync (eventid);
ALTER TABLE resync ADD CONSTRAINT resync_pkey PRIMARY KEY
	USING INDEX resync_add;
CREATE INDEX resync_rm ON resync (lvolid_rm);
