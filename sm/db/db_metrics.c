/* Counts of rows by state for /metrics, in one round trip. */
#include "db_metrics.h"
#include "db_priv.h"

#include <string.h>

int db_state_counts(struct db_tx *tx, struct db_state_counts *c)
{
	PGresult *r;
	int ret, i;

	memset(c, 0, sizeof(*c));
	ret = db_q(tx, &r,
		   "SELECT 0, status, count(*) FROM dskmap GROUP BY status "
		   "UNION ALL SELECT 1, priority, count(*) FROM hsvrlst GROUP "
		   "BY priority UNION ALL SELECT 2, priority, count(*) FROM "
		   "ssvrlst GROUP BY priority UNION ALL SELECT 3, priority, "
		   "count(*) FROM pdsklst GROUP BY priority UNION ALL SELECT "
		   "4, status, count(*) FROM shred GROUP BY status UNION ALL "
		   "SELECT 5, status, count(*) FROM resync GROUP BY status",
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
