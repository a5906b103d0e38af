-- Fencing a failed head server before its volumes are attached elsewhere
-- (issue 18, 3.0's M73; SECURITY.md "Fencing"). When the manager fails a
-- head, every storage server holding legs of the volumes it had attached
-- gets one row here: its agent must refuse the head's initiators
-- (fenceInitiators) before any of those volumes is attached again. A row
-- is deleted when the agent answered; fence_lvol names the volumes that
-- wait while rows of their head remain.
CREATE TABLE fence (
	hsvrid int NOT NULL,
	ssvrid int NOT NULL REFERENCES ssvrlst ON DELETE CASCADE,
	initiators text NOT NULL, -- the head's data addresses, space separated
	attempts int NOT NULL DEFAULT 0,
	next_try timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (hsvrid, ssvrid)
);

CREATE TABLE fence_lvol (
	lvolid int NOT NULL,
	hsvrid int NOT NULL,
	PRIMARY KEY (lvolid, hsvrid)
);
CREATE INDEX fence_lvol_hsvr ON fence_lvol (hsvrid);
