/*
 * In-flight job rows back to the queue, for the shred and resync engines
 * (jobs.c): at start-up all of them (sm.md 9.1), and after a COMMIT whose
 * outcome could not be learnt those the engine does not know - they may
 * have been marked PROGRESS by it and never sent.
 */
#include "db_priv.h"
#include "db_requeue.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdlib.h>

static int64_t get_id(const void *elem)
{
	return *(const int32_t *)elem;
}

static int requeue(struct db_tx *tx, const char *sql, const int32_t *keep,
		   int n_keep, int *moved)
{
	char *ids = db_array(keep, sizeof(*keep), n_keep, get_id);
	PGresult *r = NULL;
	int ret;

	if (!ids)
		return -ENOMEM;
	/* Ids are kept: the next dispatch re-sends each with its own. */
	ret = db_q(tx, &r, sql, "dds", EV_PENDING, EV_PROGRESS, ids);
	if (!ret && moved)
		*moved = atoi(PQcmdTuples(r));
	PQclear(r);
	free(ids);
	return ret;
}

int db_shred_requeue(struct db_tx *tx, const int32_t *keep, int n_keep,
		     int *moved)
{
	return requeue(tx,
		       "UPDATE shred SET status = $1, next_try = now() WHERE "
		       "status = $2 AND NOT eventid = ANY($3::int[])",
		       keep, n_keep, moved);
}

int db_resync_requeue(struct db_tx *tx, const int32_t *keep, int n_keep,
		      int *moved)
{
	return requeue(tx,
		       "UPDATE resync SET status = $1, next_try = now() WHERE "
		       "status = $2 AND NOT eventid = ANY($3::int[])",
		       keep, n_keep, moved);
}
