-- Fencing a failed head server before its volumes are attached elsewhere
-- (issue 18, 3.0's M73; SECURITY.md "Fencing"). When the manager fails a
-- head, every storage server holding legs of the volumes it had attached
-- gets one row here: its agent must refuse the head's initiators
-- (fenceInitiators) before a volume with a leg on that server is attached
-- (the head may still write to any extent it had mapped there, also one
-- freed and reused since). A row is deleted when the agent answered.
CREATE TABLE fence (
	hsvrid int NOT NULL,
	ssvrid int NOT NULL REFERENCES ssvrlst ON DELETE CASCADE,
	initiators text NOT NULL, -- the head's data addresses, space separated
	attempts int NOT NULL DEFAULT 0,
	next_try timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (hsvrid, ssvrid)
);
-- The shred scheduler skips servers with a row (sm/db/db_shred.c).
CREATE INDEX fence_ssvr ON fence (ssvrid);
