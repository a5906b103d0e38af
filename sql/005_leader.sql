-- Several managers on one database (issue 15): one of them, the leader,
-- runs the background work. The leader holds a session advisory lock on
-- its own connection and renews this lease; every leadership gets a new
-- epoch, and a worker's transaction commits only while its epoch is the
-- current one (fencing a stalled old leader's late writes).
CREATE TABLE sm_leader (
	id int PRIMARY KEY CHECK (id = 1),
	epoch bigint NOT NULL,
	instance int NOT NULL, -- the manager process that holds it
	holder text NOT NULL,  -- host, port and pid, for people
	-- Its process: the machine (boot id, pid namespace), pid and start
	-- time, so a successor on the same machine can see that it is gone.
	host_id text NOT NULL,
	os_pid int NOT NULL,
	os_start bigint NOT NULL,
	pid int NOT NULL,      -- backend of the holder's election connection
	renewed_at timestamptz NOT NULL,
	lease_ms int NOT NULL
);
INSERT INTO sm_leader VALUES (1, 0, 0, '', '', 0, 0, 0,
	'1970-01-01 00:00:00+00', 0);

-- Who drives an attach or detach in flight: the instance of the manager
-- whose request began it (> 0), or the leader of epoch -driver that
-- resumed it (<= 0; 0 for rows older than this column). The leader
-- resumes those whose driver is gone.
ALTER TABLE attach ADD COLUMN driver bigint NOT NULL DEFAULT 0;
