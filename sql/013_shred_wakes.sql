-- The shred engine waits for work instead of reading its whole queue
-- every shred_poll_ms (issue 14: 1-5 ms of planning each in an idle
-- manager, ~0.7 s at 12 000 disks), and keeps the disk speeds it learnt.
--
-- vas_shred_work is notified when a shred may start that could not
-- before: a row queued, a disk or server whose priority changed, a fence
-- gone. Any manager's transaction notifies (at its commit); the leader's
-- election connection listens and wakes its shred engine, which then
-- looks at the whole queue. Its own ends and retries it tracks itself.

CREATE FUNCTION shred_work_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('vas_shred_work', '');
	RETURN NULL;
END $$;
CREATE TRIGGER shred_work_queued AFTER INSERT ON shred
	FOR EACH STATEMENT EXECUTE FUNCTION shred_work_notify();
CREATE TRIGGER shred_work_pdsk AFTER UPDATE OF priority ON pdsklst
	FOR EACH STATEMENT EXECUTE FUNCTION shred_work_notify();
CREATE TRIGGER shred_work_ssvr AFTER UPDATE OF priority ON ssvrlst
	FOR EACH STATEMENT EXECUTE FUNCTION shred_work_notify();
CREATE TRIGGER shred_work_fence AFTER DELETE ON fence
	FOR EACH STATEMENT EXECUTE FUNCTION shred_work_notify();

-- Microseconds per VB each disk took to zero, as the shred engine last
-- measured it (sm/workers/eta.c), written when it moved by a tenth: a
-- restarted manager plans its polls from it at once.
CREATE TABLE pdsk_speed (
	pdskid integer PRIMARY KEY, -- no foreign key: a deleted disk's row is
				    -- never read (ids are not reused)
	us_per_vb bigint NOT NULL CHECK (us_per_vb > 0)
);
