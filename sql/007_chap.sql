-- Per-target CHAP secrets (issue 18, SECURITY.md "CHAP"). Every physical
-- disk is one iSCSI target; with [storage_manager] iscsi_chap = on its
-- storage agent binds a tgt account with this secret to the target and a
-- head server logs in with it. Generated here, in the INSERT that
-- registers the disk (and once for every existing disk), from
-- PostgreSQL's strong random source (gen_random_uuid: pg_strong_random);
-- 16 characters of its base64 (90 random bits), '+' and '/' replaced so
-- the secret is a plain word for tgtadm and iscsiadm. Never listed.
ALTER TABLE pdsklst ADD COLUMN chap_secret text NOT NULL
	DEFAULT translate(substr(encode(uuid_send(gen_random_uuid()), 'base64'),
				 1, 16), '+/', 'xy')
	CHECK (chap_secret ~ '^[A-Za-z0-9]{16}$');
