/*
 * The database's state as one token: the snapshot a new statement would
 * see (xmin:xmax:running xids). A commit raises xmax or leaves the running
 * list, so two equal tokens mean that no transaction committed in between -
 * whichever manager ran it, or psql - and a reply read after the first is
 * still the truth at the second. The server's start time goes with it: a
 * restarted server, or a promoted standby that lost the old primary's last
 * commits, may hand out the same xids again for other changes.
 */
#include "db_priv.h"

#include <stdlib.h>
#include <string.h>

char *db_state_token(struct db *db)
{
	struct db_tx *tx = NULL;
	char *token = NULL;
	PGresult *r;

	if (db_begin(db, false, &tx))
		return NULL;
	if (!db_q(tx, &r,
		  "SELECT pg_current_snapshot()::text || ' ' || "
		  "pg_postmaster_start_time()::text",
		  NULL)) {
		if (PQntuples(r) == 1)
			token = strdup(PQgetvalue(r, 0, 0));
		PQclear(r);
	}
	db_rollback(tx);
	return token;
}
