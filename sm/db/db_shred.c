/*
 * SQL for the shred table. A queued row holds no event id; it takes one in
 * the statement that marks it PROGRESS and keeps it while an agent may know
 * it. Batches of rows go through one statement each (arrays of ids).
 */
#include "db_priv.h"
#include "db_requeue.h"
#include "db_shred.h"
#include "vas/proto.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

int db_shred_queue_offline(struct db_tx *tx, int32_t pdskid)
{
	return db_q(
	    tx, NULL,
	    "INSERT INTO shred (dextid, pdskid, \"offset\", capacity, status) "
	    "SELECT d.dextid, d.pdskid, d.\"offset\", d.capacity, $3 FROM "
	    "dskmap d WHERE d.pdskid = $1 AND d.status = $2 AND NOT EXISTS "
	    "(SELECT 1 FROM shred s WHERE s.dextid = d.dextid AND s.status "
	    "IN ($3, $4)) ORDER BY d.dextid",
	    "dddd", pdskid, EXT_OFFLINE, EV_PENDING, EV_PROGRESS);
}

int db_shred_queue_extent(struct db_tx *tx, int32_t dextid)
{
	int ret =
	    db_q(tx, NULL, "UPDATE dskmap SET status = $2 WHERE dextid = $1",
		 "dd", dextid, EXT_OFFLINE);

	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "DELETE FROM shred WHERE dextid = $1 AND status = $2",
			 "dd", dextid, EV_CANCELED);
	if (!ret)
		ret = db_q(tx, NULL,
			   "INSERT INTO shred (dextid, pdskid, \"offset\", "
			   "capacity, status) SELECT dextid, pdskid, "
			   "\"offset\", capacity, $2 FROM dskmap WHERE "
			   "dextid = $1",
			   "dd", dextid, EV_PENDING);
	return ret;
}

int db_shred_salvage(struct db_tx *tx)
{
	int ret = db_q(tx, NULL, "DELETE FROM shred WHERE status = $1", "d",
		       EV_CANCELED);

	if (!ret)
		ret = db_shred_requeue(tx, NULL, 0, NULL);
	return ret;
}

static void fill(const PGresult *r, int i, void *elem)
{
	struct shred_row *s = elem;

	s->shredid = db_l(r, i, 0);
	s->eventid = (int32_t)db_l(r, i, 1);
	s->dextid = (int32_t)db_l(r, i, 2);
	s->pdskid = (int32_t)db_l(r, i, 3);
	s->ssvrid = (int32_t)db_l(r, i, 4);
	s->offset_vb = db_l(r, i, 5);
	s->capacity_vb = db_l(r, i, 6);
	s->attempts = (int)db_l(r, i, 7);
}

/*
 * Extents a shred must not free yet (see db_shred.h). Parameters of the
 * statements below: $1 PENDING, $2 PROGRESS, $3 CANCELED, $4 HIGH, $5 LOW;
 * $6, the running rows that count as finished. A cancelled shred among
 * them no longer holds its extent: it is dropped in the transaction that
 * starts the next (db_shred_end before db_shred_begin, which checks again),
 * so the extent's new shred starts with that end, not at the next look at
 * the whole queue.
 */
#define MAY_RUN(s)                                                             \
	" NOT EXISTS (SELECT 1 FROM resync x WHERE x.lvolid_rm = " s           \
	".dextid AND x.lvolid_add <> " s ".dextid) AND NOT EXISTS (SELECT "    \
	"1 FROM shred k WHERE k.dextid = " s ".dextid AND k.status = $3 AND "  \
	"(k.eventid IS NULL OR k.eventid <> ALL($6::int[]))) "
#define MAY_RUN_S MAY_RUN("s")
#define MAY_RUN_C MAY_RUN("c")

#define SHRED_COLUMNS                                                          \
	"s.shredid, s.eventid, s.dextid, s.pdskid, s.\"offset\", "             \
	"s.capacity, s.attempts, s.next_try "

/*
 * Per idle eligible disk: a row that kept its id comes first (the disk
 * waits for it while it backs off: its dd may still run), else the lowest
 * due extent. None on a server that has not yet fenced a failed head
 * (sql/006): its writes could land behind the zeroing. Every branch walks a
 * partial index in (pdskid, dextid).
 */
#define CANDIDATES                                                             \
	"SELECT c.shredid, c.eventid, c.dextid, c.pdskid, p.ssvrid, "          \
	"c.\"offset\", c.capacity, c.attempts FROM pdsklst p JOIN ssvrlst v "  \
	"ON v.ssvrid = p.ssvrid CROSS JOIN LATERAL ((SELECT " SHRED_COLUMNS    \
	"FROM shred s WHERE s.pdskid = p.pdskid AND s.status = $1 AND "        \
	"s.eventid IS NOT NULL ORDER BY s.dextid LIMIT 1) UNION ALL "          \
	"(SELECT " SHRED_COLUMNS                                               \
	"FROM shred s WHERE s.pdskid = p.pdskid AND s.status "                 \
	"= $1 AND s.eventid IS NULL AND s.next_try <= now() AND " MAY_RUN_S    \
	"ORDER BY s.dextid LIMIT 1) LIMIT 1) c WHERE p.priority IN ($4, $5) "  \
	"AND v.priority IN ($4, $5) AND c.next_try <= now() AND NOT EXISTS "   \
	"(SELECT 1 FROM shred b WHERE b.pdskid = p.pdskid AND b.status = $2 "  \
	"AND b.eventid <> ALL($6::int[])) AND NOT EXISTS (SELECT 1 FROM "      \
	"fence f WHERE f.ssvrid = p.ssvrid) AND " MAY_RUN_C

static int64_t get_pdskid(const void *e)
{
	return ((const struct shred_row *)e)->pdskid;
}

static int64_t get_eventid(const void *e)
{
	return ((const struct shred_row *)e)->eventid;
}

int db_shred_candidates(struct db_tx *tx, const struct shred_row *ended,
			int n_ended, bool all, struct shred_row **rows,
			int *n_rows)
{
	char *disks = db_array(ended, sizeof(*ended), n_ended, get_pdskid);
	char *evs = db_array(ended, sizeof(*ended), n_ended, get_eventid);
	int ret = disks && evs ? 0 : -ENOMEM;

	*rows = NULL;
	*n_rows = 0;
	if (!ret && all)
		ret = db_rows(tx, (void **)rows, n_rows, sizeof(**rows), fill,
			      CANDIDATES "ORDER BY p.pdskid", "ddddds",
			      EV_PENDING, EV_PROGRESS, EV_CANCELED, PRIO_HIGH,
			      PRIO_LOW, evs);
	else if (!ret)
		ret = db_rows(tx, (void **)rows, n_rows, sizeof(**rows), fill,
			      CANDIDATES "AND p.pdskid = ANY($7::int[]) ORDER "
					 "BY p.pdskid",
			      "dddddss", EV_PENDING, EV_PROGRESS, EV_CANCELED,
			      PRIO_HIGH, PRIO_LOW, evs, disks);
	free(disks);
	free(evs);
	return ret;
}

static int64_t get_shredid(const void *e)
{
	return ((const struct shred_row *)e)->shredid;
}

int db_shred_begin(struct db_tx *tx, struct shred_row *rows, int *n)
{
	char *ids = NULL, *evs = NULL;
	PGresult *r = NULL;
	int ret, i;

	ret = db_events_fill(tx, rows, sizeof(*rows), *n,
			     offsetof(struct shred_row, eventid));
	ids = db_array(rows, sizeof(*rows), *n, get_shredid);
	evs = db_array(rows, sizeof(*rows), *n, get_eventid);
	if (!ret && (!ids || !evs))
		ret = -ENOMEM;
	/* Still queued and its extent still OFFLINE, else send nothing. */
	if (!ret)
		ret = db_q(
		    tx, &r,
		    "UPDATE shred s SET status = $3, attempts = s.attempts + "
		    "1, eventid = x.ev FROM unnest($1::bigint[], $2::int[]) "
		    "AS x(id, ev), dskmap d, pdsklst p, ssvrlst v WHERE "
		    "s.shredid = x.id AND s.status = $4 AND d.dextid = "
		    "s.dextid AND d.status = $5 AND p.pdskid = s.pdskid AND "
		    "v.ssvrid = p.ssvrid AND p.priority IN ($6, $7) AND "
		    "v.priority IN ($6, $7) AND NOT EXISTS (SELECT 1 FROM "
		    "resync x WHERE x.lvolid_rm = s.dextid AND x.lvolid_add <> "
		    "s.dextid) AND NOT EXISTS (SELECT 1 FROM shred k WHERE "
		    "k.dextid = s.dextid AND k.status = $8) RETURNING "
		    "s.shredid",
		    "ssdddddd", ids, evs, EV_PROGRESS, EV_PENDING, EXT_OFFLINE,
		    PRIO_HIGH, PRIO_LOW, EV_CANCELED);
	/* A queued row whose extent is no longer OFFLINE never runs (M54). */
	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM shred s USING dskmap d WHERE s.shredid "
			   "= ANY($1::bigint[]) AND s.status = $2 AND d.dextid "
			   "= s.dextid AND d.status <> $3",
			   "sdd", ids, EV_PENDING, EXT_OFFLINE);
	free(ids);
	free(evs);
	if (!ret)
		db_keep_returned(r, rows, sizeof(*rows), n, get_shredid);
	for (i = 0; !ret && i < *n; i++)
		rows[i].attempts++;
	PQclear(r);
	return ret;
}

int db_shred_running(struct db_tx *tx, struct shred_row **rows, int *n)
{
	return db_rows(tx, (void **)rows, n, sizeof(**rows), fill,
		       "SELECT s.shredid, s.eventid, s.dextid, s.pdskid, "
		       "p.ssvrid, s.\"offset\", s.capacity, s.attempts FROM "
		       "shred s JOIN pdsklst p ON p.pdskid = s.pdskid WHERE "
		       "s.status IN ($1, $2) ORDER BY s.eventid",
		       "dd", EV_PROGRESS, EV_CANCELED);
}

static int64_t get_done_ev(const void *e)
{
	return ((const struct shred_end *)e)->row.eventid;
}

static int64_t get_done_dext(const void *e)
{
	return ((const struct shred_end *)e)->row.dextid;
}

static int64_t get_done_off(const void *e)
{
	return ((const struct shred_end *)e)->row.offset_vb;
}

static int64_t get_done_cap(const void *e)
{
	return ((const struct shred_end *)e)->row.capacity_vb;
}

static int64_t get_delay(const void *e)
{
	return ((const struct shred_end *)e)->delay_s;
}

static int64_t get_keep(const void *e)
{
	return ((const struct shred_end *)e)->keep_id;
}

/*
 * The agent finished the event: its row goes whatever it holds now. Only
 * the extent's live shred frees it, and only when the row, the extent and
 * the range sent all agree. A CANCELED row's dd was started before the extent
 * was given up again (server failure): by now a newer shred may be queued or
 * running, or the extent may be re-used and released dirty - a late DONE frees
 * nothing.
 */
static int record_done(struct db_tx *tx, const struct shred_end *e, int n)
{
	char *a[4] = {db_array(e, sizeof(*e), n, get_done_ev),
		      db_array(e, sizeof(*e), n, get_done_dext),
		      db_array(e, sizeof(*e), n, get_done_off),
		      db_array(e, sizeof(*e), n, get_done_cap)};
	int ret = a[0] && a[1] && a[2] && a[3] ? 0 : -ENOMEM, i;

	if (!ret)
		ret = db_q(
		    tx, NULL,
		    "WITH d AS (DELETE FROM shred s USING unnest($1::int[], "
		    "$2::int[], $3::int[], $4::int[]) AS x(ev, dext, off, cap) "
		    "WHERE s.eventid = x.ev AND s.dextid = x.dext RETURNING "
		    "s.dextid, s.status, x.off, x.cap, s.\"offset\" = x.off "
		    "AND s.capacity = x.cap AS same) UPDATE dskmap m SET "
		    "status = $5 FROM d WHERE d.same AND d.status = $6 AND "
		    "m.dextid = d.dextid AND m.status = $7 AND m.\"offset\" = "
		    "d.off AND m.capacity = d.cap",
		    "ssssddd", a[0], a[1], a[2], a[3], EXT_FREE, EV_PROGRESS,
		    EXT_OFFLINE);
	for (i = 0; i < 4; i++)
		free(a[i]);
	return ret;
}

static int record_retry(struct db_tx *tx, const struct shred_end *e, int n)
{
	char *evs = db_array(e, sizeof(*e), n, get_done_ev),
	     *delays = db_array(e, sizeof(*e), n, get_delay),
	     *keep = db_array(e, sizeof(*e), n, get_keep);
	int ret = evs && delays && keep ? 0 : -ENOMEM;

	if (!ret)
		ret = db_q(tx, NULL,
			   "DELETE FROM shred WHERE eventid = ANY($1::int[]) "
			   "AND status = $2",
			   "sd", evs, EV_CANCELED);
	/* An id the agent may still hold stays with the row (re-send). */
	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "UPDATE shred s SET status = $4, next_try = now() + "
			 "make_interval(secs => x.delay), eventid = CASE WHEN "
			 "x.keep = 1 THEN s.eventid END FROM unnest($1::int[], "
			 "$2::int[], $3::int[]) AS x(ev, delay, keep) WHERE "
			 "s.eventid = x.ev",
			 "sssd", evs, delays, keep, EV_PENDING);
	free(evs);
	free(delays);
	free(keep);
	return ret;
}

int db_shred_end(struct db_tx *tx, struct shred_end *ends, int n)
{
	int done = 0, i, ret = 0;

	/* DONE ends first in the array, the retries after them. */
	for (i = 0; i < n; i++)
		if (ends[i].done) {
			struct shred_end t = ends[done];

			ends[done++] = ends[i];
			ends[i] = t;
		}
	if (done)
		ret = record_done(tx, ends, done);
	if (!ret && n > done)
		ret = record_retry(tx, ends + done, n - done);
	return ret;
}

int db_shred_speeds(struct db_tx *tx, int64_t **pdskids, int64_t **us_per_vb,
		    int *n)
{
	PGresult *r = NULL;
	int ret = db_q(tx, &r, "SELECT pdskid, us_per_vb FROM pdsk_speed", ""),
	    i;

	*pdskids = *us_per_vb = NULL;
	*n = 0;
	if (!ret) {
		*pdskids = calloc((size_t)PQntuples(r) + 1, sizeof(**pdskids));
		*us_per_vb =
		    calloc((size_t)PQntuples(r) + 1, sizeof(**us_per_vb));
		ret = *pdskids && *us_per_vb ? 0 : -ENOMEM;
	}
	for (i = 0; !ret && i < PQntuples(r); i++) {
		(*pdskids)[i] = db_l(r, i, 0);
		(*us_per_vb)[i] = db_l(r, i, 1);
	}
	if (!ret)
		*n = PQntuples(r);
	PQclear(r);
	return ret;
}

static int64_t get_i64(const void *e)
{
	return *(const int64_t *)e;
}

int db_shred_keep_speeds(struct db_tx *tx, const int64_t *pdskids,
			 const int64_t *us_per_vb, int n)
{
	char *ids = db_array(pdskids, sizeof(*pdskids), n, get_i64),
	     *us = db_array(us_per_vb, sizeof(*us_per_vb), n, get_i64);
	int ret = ids && us ? 0 : -ENOMEM;

	if (!ret)
		ret = db_q(tx, NULL,
			   "INSERT INTO pdsk_speed (pdskid, us_per_vb) SELECT "
			   "* FROM unnest($1::int[], $2::bigint[]) ON CONFLICT "
			   "(pdskid) DO UPDATE SET us_per_vb = "
			   "EXCLUDED.us_per_vb",
			   "ss", ids, us);
	free(ids);
	free(us);
	return ret;
}
