/*
 * How a transaction ends: the one place that turns a piece of work's
 * outcome into COMMIT or ROLLBACK, so callers never write the tail out.
 */
#include "db.h"

#include <stddef.h>

int db_end(struct db_tx *tx, int ret)
{
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	return db_commit(tx);
}

int db_run(struct db *db, bool mutating, int (*fn)(struct db_tx *, void *),
	   void *arg)
{
	struct db_tx *tx = NULL;
	int ret = db_begin(db, mutating, &tx);

	if (ret)
		return ret;
	return db_end(tx, fn(tx, arg));
}
