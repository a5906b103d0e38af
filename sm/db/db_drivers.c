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

static void fill(const PGresult *r, int i, void *elem)
{
	struct sm_attachment *a = elem;

	a->lvolid = (int32_t)db_l(r, i, 0);
	a->hsvrid = (int32_t)db_l(r, i, 1);
	a->status = (int)db_l(r, i, 2);
	a->eventid = (int32_t)db_l(r, i, 3);
	a->event_type = (int)db_l(r, i, 4);
	a->assoc_lvolid = (int32_t)db_l(r, i, 5);
}

/* busy[] as an SQL array literal, "{1,2}"; heap, NULL without memory. */
static char *int_array(const int32_t *v, int n)
{
	size_t len = 3 + (size_t)n * 12;
	char *s = malloc(len);
	size_t used = 1;
	int i;

	if (!s)
		return NULL;
	s[0] = '{';
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(s + used, len - used, "%s%d",
					 i ? "," : "", v[i]);
	snprintf(s + used, len - used, "}");
	return s;
}

int db_attach_adopt(struct db_tx *tx, const int32_t *busy, int n_busy, int max,
		    struct sm_attachment **rows, int *n)
{
	char *skip = int_array(busy, n_busy);
	int ret;

	*rows = NULL;
	*n = 0;
	if (!skip)
		return -ENOMEM;
	ret = db_rows(
	    tx, (void **)rows, n, sizeof(**rows), fill,
	    "WITH c AS (UPDATE attach a SET driver = -$1::bigint FROM (SELECT "
	    "lvolid "
	    "FROM attach x WHERE x.eventid <> 0 AND NOT x.lvolid = "
	    "ANY($2::int[]) AND (x.driver <= 0 OR NOT EXISTS (SELECT 1 FROM "
	    "pg_locks k WHERE k.locktype = 'advisory' AND k.database = "
	    "(SELECT oid FROM pg_database WHERE datname = current_database()) "
	    "AND k.classid = " NS " AND k.objid::bigint = x.driver AND "
	    "k.objsubid = 2 AND k.granted)) ORDER BY lvolid LIMIT $3 FOR "
	    "UPDATE) o WHERE a.lvolid = o.lvolid RETURNING a.lvolid, "
	    "a.hsvrid, a.status, a.eventid, a.event_type, a.assoc_lvolid) "
	    "SELECT * FROM c ORDER BY lvolid",
	    "lsd", db_fence_epoch(), skip, max);
	free(skip);
	return ret;
}
