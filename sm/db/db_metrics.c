/*
 * Counts of rows by state for /metrics, in one round trip. Extents and
 * shreds are counted per disk by trigger (sql/009_state_counts.sql); the
 * rest has at most a row per disk or per rebuild.
 */
#include "db_metrics.h"
#include "db_priv.h"

#include <string.h>

int db_state_counts(struct db_tx *tx, struct db_state_counts *c)
{
	PGresult *r;
	int ret, i;

	memset(c, 0, sizeof(*c));
	ret =
	    db_q(tx, &r,
		 "SELECT x.* FROM (SELECT sum(ext_busy) b, sum(ext_free) f, "
		 "sum(ext_evacuate) e, sum(ext_offline) o, sum(ext_super) s, "
		 "sum(ext_faulty) y, sum(shred_pending) p, sum(shred_running) "
		 "r, sum(shred_cancelled) c FROM pdsk_free) t, LATERAL "
		 "(VALUES (0, 1, b), (0, 2, f), (0, 3, e), (0, 4, o), (0, 5, "
		 "s), (0, 6, y), (4, 1, p), (4, 2, r), (4, 4, c)) x WHERE "
		 "x.column3 IS NOT NULL UNION ALL "
		 "SELECT 1, priority, count(*) FROM hsvrlst GROUP BY priority "
		 "UNION ALL SELECT 2, priority, count(*) FROM ssvrlst GROUP "
		 "BY priority UNION ALL SELECT 3, priority, count(*) FROM "
		 "pdsklst GROUP BY priority UNION ALL SELECT 5, status, "
		 "count(*) FROM resync GROUP BY status",
		 NULL);
	if (ret)
		return ret;
	for (i = 0; i < PQntuples(r); i++) {
		int64_t kind = db_l(r, i, 0), state = db_l(r, i, 1);
		int64_t *slot[] = {c->extents, c->hsvr,	 c->ssvr,
				   c->pdsk,    c->shred, c->resync};

		if (kind >= 0 && kind < 6 && state >= 0 && state < DB_MAX_STATE)
			slot[kind][state] = db_l(r, i, 2);
	}
	PQclear(r);
	return 0;
}
