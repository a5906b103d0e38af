/* SQL for the drivers of attach and detach operations in flight. */
#include "db_drivers.h"
#include "db_fence.h"
#include "db_leader.h"
#include "db_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NS DB_LOCK_NS_SQL

int db_attach_drive(struct db_tx *tx, int32_t root, int32_t instance)
{
	return db_q(tx, NULL, "UPDATE attach SET driver = $2 WHERE lvolid = $1",
		    "dd", root, instance);
}

static int64_t get_i32(const void *e)
{
	return *(const int32_t *)e;
}

int db_attach_adopt(struct db_tx *tx, const int32_t *busy, int n_busy, int max,
		    struct sm_attachment **rows, int *n)
{
	/*
	 * busy[] as an SQL array literal, "{1,2}". A manager lives while it
	 * holds its instance lock or has any session (its pool's): the lock
	 * goes with a lost election session, the process need not.
	 */
	char *skip = db_array(busy, sizeof(*busy), n_busy, get_i32);
	int ret;

	*rows = NULL;
	*n = 0;
	if (!skip)
		return -ENOMEM;
	ret = db_rows(
	    tx, (void **)rows, n, sizeof(**rows), db_attachment_fill,
	    "WITH c AS (UPDATE attach a SET driver = -$1::bigint FROM (SELECT "
	    "lvolid "
	    "FROM attach x WHERE x.eventid <> 0 AND NOT x.lvolid = "
	    "ANY($2::int[]) AND (x.driver <= 0 OR (NOT EXISTS (SELECT 1 FROM "
	    "pg_locks k WHERE k.locktype = 'advisory' AND k.database = "
	    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
	    "AND k.classid = " NS " AND k.objid::bigint = x.driver AND "
	    "k.objsubid = 2 AND k.granted) AND NOT EXISTS (SELECT 1 FROM "
	    "pg_stat_activity s WHERE s.datname = current_database() AND "
	    "s.application_name = '" DB_APPNAME_PREFIX "' || x.driver))) "
	    "ORDER BY lvolid LIMIT $3 FOR "
	    "UPDATE) o WHERE a.lvolid = o.lvolid RETURNING a.lvolid, "
	    "a.hsvrid, a.status, a.eventid, a.event_type, a.assoc_lvolid) "
	    "SELECT * FROM c ORDER BY lvolid",
	    "lsd", db_fence_epoch(), skip, max);
	free(skip);
	return ret;
}
