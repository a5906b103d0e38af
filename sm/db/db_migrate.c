/* Schema migrations, applied once each at start, then fresh statistics. */
#include "db_priv.h"
#include "vas/log.h"

#include <errno.h>

int db_migrate(struct db *db)
{
	struct db_tx *tx = NULL;
	PGresult *r = NULL;
	int ret, i;

	ret = db_begin(db, true, &tx);
	if (ret)
		return ret;
	ret = db_q(tx, NULL,
		   "CREATE TABLE IF NOT EXISTS schema_version ("
		   "name text PRIMARY KEY, applied timestamptz NOT NULL "
		   "DEFAULT now())",
		   NULL);
	for (i = 0; !ret && db_migrations[i].name; i++) {
		ret =
		    db_q(tx, &r, "SELECT 1 FROM schema_version WHERE name = $1",
			 "s", db_migrations[i].name);
		if (ret)
			break;
		if (PQntuples(r) == 0) {
			PGresult *m =
			    db_flush(tx)
				? NULL
				: PQexec(tx->conn, db_migrations[i].sql);

			if (PQresultStatus(m) != PGRES_COMMAND_OK &&
			    PQresultStatus(m) != PGRES_TUPLES_OK) {
				log_err("migration %s failed: %s",
					db_migrations[i].name,
					PQerrorMessage(tx->conn));
				ret = -EIO;
				tx->failed = ret;
			} else {
				log_info("applied migration %s",
					 db_migrations[i].name);
				ret = db_q(tx, NULL,
					   "INSERT INTO schema_version (name) "
					   "VALUES ($1)",
					   "s", db_migrations[i].name);
			}
			PQclear(m);
		}
		PQclear(r);
		r = NULL;
	}
	ret = db_end(tx, ret);
	if (ret)
		return ret;
	return db_analyze(db);
}

/*
 * Statistics for the planner: a table never analysed is guessed at some
 * 2 000 rows, which makes even an empty manager's lists plan (and JIT
 * compile) as if they were big. Autovacuum keeps them current later.
 */
int db_analyze(struct db *db)
{
	struct db_tx *tx = NULL;
	PGresult *r;
	int ret;

	ret = db_begin(db, false, &tx);
	if (ret)
		return ret;
	r = PQexec(tx->conn, "ANALYZE");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		ret = db_fail(tx, r, "ANALYZE");
	PQclear(r);
	return db_end(tx, ret);
}
