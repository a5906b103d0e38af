/* SQL for leg replacement and the resync table. */
#include "db_chap.h"
#include "db_priv.h"
#include "db_requeue.h"
#include "db_resync.h"
#include "vas/proto.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEG_COLUMNS                                                            \
	"m.dextid, m.superlvolid, m.toplvolid, m.capacity, m.mirror_status, "  \
	"p.ssvrid, p.pdskid "
#define LEG_FROM                                                               \
	"FROM lvolmap m JOIN dskmap d ON d.dextid = m.dextid JOIN pdsklst p "  \
	"ON p.pdskid = d.pdskid "

static void fill_leg(const PGresult *r, int i, void *elem)
{
	struct leg_row *l = elem;

	l->dextid = (int32_t)db_l(r, i, 0);
	l->mirrorid = (int32_t)db_l(r, i, 1);
	l->toplvolid = (int32_t)db_l(r, i, 2);
	l->capacity_vb = db_l(r, i, 3);
	l->mirror_status = (int)db_l(r, i, 4);
	l->ssvrid = (int32_t)db_l(r, i, 5);
	l->pdskid = (int32_t)db_l(r, i, 6);
}

int db_legs_on(struct db_tx *tx, int32_t where, struct leg_row **rows, int *n)
{
	return db_rows(
	    tx, (void **)rows, n, sizeof(**rows), fill_leg,
	    "SELECT " LEG_COLUMNS LEG_FROM
	    "WHERE p.pdskid = $1 OR p.ssvrid = -$1 ORDER BY m.dextid",
	    "d", where);
}

int db_leg_get(struct db_tx *tx, int32_t dextid, struct leg_row *row)
{
	return db_row(tx, row, fill_leg,
		      "SELECT " LEG_COLUMNS LEG_FROM "WHERE m.dextid = $1", "d",
		      dextid);
}

/*
 * Whether the leg's volume (or its origin) has an attach row; with
 * idle_only, one with no operation in flight.
 */
static int root_attached(struct db_tx *tx, int32_t toplvolid, bool idle_only,
			 bool *yes)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "SELECT a.eventid FROM lvollst l LEFT JOIN assoc o ON "
		       "o.assoc_lvolid = l.lvolid JOIN attach a ON a.lvolid = "
		       "COALESCE(o.lvolid, l.lvolid) WHERE l.lvolid = $1",
		       "d", toplvolid);

	if (ret)
		return ret;
	*yes = PQntuples(r) == 1 && (!idle_only || db_l(r, 0, 0) == 0);
	PQclear(r);
	return 0;
}

/*
 * The row takes its event id only when it is sent (db_resync_begin), and
 * is not sent before delay_s.
 */
static int queue(struct db_tx *tx, int32_t mirror, int32_t add, int32_t rm,
		 int delay_s)
{
	int ret = db_q(tx, NULL,
		       "DELETE FROM resync WHERE lvolid_add = $1 OR "
		       "lvolid_add = $2",
		       "dd", add, rm);

	if (!ret)
		ret = db_q(tx, NULL,
			   "INSERT INTO resync (mirrorid, lvolid_add, "
			   "lvolid_rm, status, next_try) VALUES ($1, $2, $3, "
			   "$4, now() + make_interval(secs => $5))",
			   "ddddd", mirror, add, rm, EV_PENDING, delay_s);
	return ret;
}

int db_leg_swap(struct db_tx *tx, const struct leg_row *old, int32_t new_id,
		int post_ext, int new_status)
{
	bool attached = false;
	int ret;

	ret = db_q(tx, NULL, "DELETE FROM lvolmap WHERE lvolid = $1", "d",
		   old->dextid);
	if (!ret)
		ret = db_q(tx, NULL,
			   "UPDATE dskmap SET status = $2 WHERE dextid = $1",
			   "dd", old->dextid, post_ext);
	if (!ret)
		ret =
		    db_q(tx, NULL,
			 "INSERT INTO lvolmap (lvolid, lvoltype, superlvolid, "
			 "\"offset\", capacity, toplvolid, mirror_status, "
			 "dextid) VALUES ($1::int, $6, $2, 0, $3, $4, $5, "
			 "$1::int)",
			 "ddlddd", new_id, old->mirrorid, old->capacity_vb,
			 old->toplvolid, new_status, LVOLTYPE_DEXT);
	/*
	 * Also while an attach or detach is in flight: its tree may have been
	 * built before this swap, so the head can end up holding the old
	 * extent; the row tells it to drop that extent, and the old extent
	 * is not shredded before it did (db_shred_pick). The attach hook
	 * queues no second row for the leg (M67).
	 */
	if (!ret && new_status == MIRROR_SPARE)
		ret = root_attached(tx, old->toplvolid, false, &attached);
	if (!ret && attached)
		ret = queue(tx, old->mirrorid, new_id, old->dextid, 0);
	else if (!ret)
		ret = db_q(tx, NULL, "DELETE FROM resync WHERE lvolid_add = $1",
			   "d", old->dextid);
	return ret;
}

int db_leg_readd(struct db_tx *tx, const struct leg_row *leg, int delay_s)
{
	bool attached = false;
	int ret = db_leg_set_status(tx, leg->dextid, MIRROR_SPARE);

	if (!ret)
		/* In flight: the attach hook queues the re-add (M67). */
		ret = root_attached(tx, leg->toplvolid, true, &attached);
	if (!ret && attached)
		ret =
		    queue(tx, leg->mirrorid, leg->dextid, leg->dextid, delay_s);
	return ret;
}

int db_leg_set_status(struct db_tx *tx, int32_t dextid, int status)
{
	return db_q(tx, NULL,
		    "UPDATE lvolmap SET mirror_status = $2 WHERE dextid = $1",
		    "dd", dextid, status);
}

int db_resync_salvage(struct db_tx *tx)
{
	int ret = db_q(tx, NULL, "DELETE FROM resync WHERE status = $1", "d",
		       EV_CANCELED);

	if (!ret)
		ret = db_resync_requeue(tx, NULL, 0, NULL);
	return ret;
}

/* A row whose leg is no longer a spare of an attached volume (M9, M64). */
#define RESYNC_STALE                                                           \
	"NOT EXISTS (SELECT 1 FROM lvolmap m JOIN lvollst l ON l.lvolid = "    \
	"m.toplvolid LEFT JOIN assoc o ON o.assoc_lvolid = l.lvolid JOIN "     \
	"attach a ON a.lvolid = COALESCE(o.lvolid, l.lvolid) WHERE m.lvolid "  \
	"= r.lvolid_add AND m.mirror_status = $1)"

int db_resync_purge(struct db_tx *tx)
{
	return db_q(tx, NULL, "DELETE FROM resync r WHERE " RESYNC_STALE, "d",
		    MIRROR_SPARE);
}

/*
 * Read-only, so that a look at the whole queue takes the mutation lock
 * only when it has something to do: legs on a failed disk or server (what
 * sm_evacuate replaces: db_evac_legs' condition) and stale rows.
 */
int db_resync_upkeep(struct db_tx *tx, bool *evacuate, bool *purge)
{
	PGresult *r;
	int ret = db_q(
	    tx, &r,
	    /*
	     * Disk by disk (LATERAL): joined as a whole, the planner hashed
	     * dskmap (2.2 M rows, 7-8 s) to find nothing.
	     */
	    "SELECT EXISTS (SELECT 1 FROM pdsklst p JOIN ssvrlst s ON s.ssvrid "
	    "= p.ssvrid CROSS JOIN LATERAL (SELECT 1 FROM dskmap d JOIN "
	    "lvolmap "
	    "m ON m.dextid = d.dextid WHERE d.pdskid = p.pdskid LIMIT 1) x "
	    "WHERE p.priority IN ($2, $3) OR s.priority IN ($2, $3)), EXISTS "
	    "(SELECT 1 FROM resync r WHERE " RESYNC_STALE ")",
	    "ddd", MIRROR_SPARE, PRIO_OFFLINE, PRIO_FAULTY);

	if (ret)
		return ret;
	*evacuate = !strcmp(db_s(r, 0, 0), "t");
	*purge = !strcmp(db_s(r, 0, 1), "t");
	PQclear(r);
	return 0;
}

#define RESYNC_FROM                                                            \
	"FROM resync r JOIN lvolmap m ON m.lvolid = r.lvolid_add "             \
	"JOIN dskmap d ON d.dextid = r.lvolid_add "                            \
	"JOIN pdsklst p ON p.pdskid = d.pdskid "                               \
	"JOIN ssvrlst s ON s.ssvrid = p.ssvrid "                               \
	"JOIN lvollst l ON l.lvolid = m.toplvolid "                            \
	"LEFT JOIN assoc o ON o.assoc_lvolid = l.lvolid "                      \
	"JOIN attach a ON a.lvolid = COALESCE(o.lvolid, l.lvolid) "

static void fill_resync(const PGresult *r, int i, void *elem)
{
	struct resync_row *x = elem;

	x->eventid = (int32_t)db_l(r, i, 0);
	x->mirrorid = (int32_t)db_l(r, i, 1);
	x->add = (int32_t)db_l(r, i, 2);
	x->rm = (int32_t)db_l(r, i, 3);
	x->attempts = (int)db_l(r, i, 4);
	x->hsvrid = (int32_t)db_l(r, i, 5);
	x->pdskid = (int32_t)db_l(r, i, 6);
	x->capacity_vb = db_l(r, i, 7);
	x->insync = PQnfields(r) > 8 ? (int)db_l(r, i, 8) : 0;
}

static int64_t get_int32(const void *e)
{
	return *(const int32_t *)e;
}

/*
 * The disks and mirrors already rebuilding are read once, as hashed
 * NOT IN lists (of values NOT NULL; the disk is the row's, sql/015): as
 * NOT EXISTS the planner, with
 * resync's statistics from when it was empty, scanned a candidate's whole
 * disk per candidate (0.4-3.3 s under the lock with 1 000 rows queued).
 */
int db_resync_pick(struct db_tx *tx, int max, const int32_t *freed, int n_freed,
		   struct resync_row **rows, int *n)
{
	char *ended = db_array(freed, sizeof(*freed), n_freed, get_int32);
	PGresult *r;
	int ret;

	*rows = NULL;
	*n = 0;
	if (!ended)
		return -ENOMEM;
	ret = db_q(
	    tx, &r,
	    "SELECT * FROM (SELECT DISTINCT ON (d.pdskid) r.eventid, "
	    " r.mirrorid, r.lvolid_add, r.lvolid_rm, r.attempts, "
	    " a.hsvrid, d.pdskid, d.capacity, (SELECT count(*) FROM "
	    " lvolmap x WHERE x.superlvolid = r.mirrorid AND "
	    " x.mirror_status = $2) AS "
	    "insync " RESYNC_FROM
	    " WHERE r.status = $3 AND r.next_try <= now() AND a.eventid = 0 "
	    " AND a.status = $4 AND s.priority = $5 AND p.priority IN ($5, $6) "
	    " AND d.pdskid NOT IN (SELECT b.pdskid FROM resync b WHERE "
	    " b.status = $7 AND b.pdskid IS NOT NULL AND b.lvolid_add <> ALL "
	    " ($8::int[])) AND r.mirrorid NOT IN (SELECT "
	    " b.mirrorid FROM resync b WHERE b.status = $7 AND b.lvolid_add "
	    " <> ALL ($8::int[])) "
	    " ORDER BY d.pdskid, r.eventid NULLS LAST, r.lvolid_add) c "
	    "WHERE c.insync > 0 ORDER BY c.insync, c.lvolid_add LIMIT $1",
	    "ddddddds", max, MIRROR_INSYNC, EV_PENDING, ATTACH_BOUND, PRIO_HIGH,
	    PRIO_LOW, EV_PROGRESS, ended);
	free(ended);
	if (ret)
		return ret;
	ret = db_rows_from(r, (void **)rows, n, sizeof(**rows), fill_resync);
	PQclear(r);
	return ret;
}

int db_resync_running(struct db_tx *tx, struct resync_row **rows, int *n)
{
	PGresult *r;
	int ret =
	    db_q(tx, &r,
		 "SELECT r.eventid, r.mirrorid, r.lvolid_add, r.lvolid_rm, "
		 "r.attempts, a.hsvrid, d.pdskid, d.capacity " RESYNC_FROM
		 "WHERE r.status = $1 ORDER BY r.eventid",
		 "d", EV_PROGRESS);

	*rows = NULL;
	*n = 0;
	if (ret)
		return ret;
	ret = db_rows_from(r, (void **)rows, n, sizeof(**rows), fill_resync);
	PQclear(r);
	return ret;
}

static int64_t get_add(const void *e)
{
	return ((const struct resync_row *)e)->add;
}

static int64_t get_eventid(const void *e)
{
	return ((const struct resync_row *)e)->eventid;
}

static int64_t get_head(const void *e)
{
	return ((const struct resync_row *)e)->hsvrid;
}

/*
 * The rows were picked before this transaction took the mutation lock
 * (db_resync_pick outside it): each starts only if what made it startable
 * still holds - queued, its volume bound to the same head with no attach
 * or detach in flight, its target disk and server up, its mirror with an
 * in-sync leg to copy from (M68). One disk and one mirror at a time hold
 * as only this engine starts rebuilds.
 */
int db_resync_begin(struct db_tx *tx, struct resync_row *rows, int *n)
{
	char *adds = NULL, *evs = NULL, *heads = NULL;
	PGresult *r = NULL;
	int ret, i;

	ret = db_events_fill(tx, rows, sizeof(*rows), *n,
			     offsetof(struct resync_row, eventid));
	adds = db_array(rows, sizeof(*rows), *n, get_add);
	evs = db_array(rows, sizeof(*rows), *n, get_eventid);
	heads = db_array(rows, sizeof(*rows), *n, get_head);
	if (!ret && (!adds || !evs || !heads))
		ret = -ENOMEM;
	if (!ret)
		ret = db_q(
		    tx, &r,
		    "UPDATE resync r SET status = $4, attempts = r.attempts + "
		    "1, eventid = x.ev FROM unnest($1::int[], $2::int[], "
		    "$3::int[]) AS x(add, ev, head) WHERE r.lvolid_add = x.add "
		    "AND r.status = $5 AND EXISTS (SELECT 1 FROM lvolmap m "
		    "JOIN "
		    "dskmap d ON d.dextid = m.lvolid JOIN pdsklst p ON "
		    "p.pdskid "
		    "= d.pdskid JOIN ssvrlst s ON s.ssvrid = p.ssvrid LEFT "
		    "JOIN "
		    "assoc o ON o.assoc_lvolid = m.toplvolid JOIN attach a ON "
		    "a.lvolid = COALESCE(o.lvolid, m.toplvolid) WHERE m.lvolid "
		    "= r.lvolid_add AND a.hsvrid = x.head AND a.eventid = 0 "
		    "AND "
		    "a.status = $6 AND s.priority = $7 AND p.priority IN ($7, "
		    "$8)) AND EXISTS (SELECT 1 FROM lvolmap i WHERE "
		    "i.superlvolid = r.mirrorid AND i.mirror_status = $9) "
		    "RETURNING r.lvolid_add",
		    "sssdddddd", adds, evs, heads, EV_PROGRESS, EV_PENDING,
		    ATTACH_BOUND, PRIO_HIGH, PRIO_LOW, MIRROR_INSYNC);
	free(adds);
	free(evs);
	free(heads);
	if (!ret)
		db_keep_returned(r, rows, sizeof(*rows), n, get_add);
	for (i = 0; !ret && i < *n; i++)
		rows[i].attempts++;
	PQclear(r);
	return ret;
}

int db_resync_done(struct db_tx *tx, const struct resync_row *row)
{
	PGresult *r;
	int ret = db_q(tx, &r,
		       "DELETE FROM resync WHERE eventid = $1 AND lvolid_add = "
		       "$2 RETURNING 1",
		       "dd", row->eventid, row->add);

	if (ret)
		return ret;
	if (PQntuples(r) == 1)
		ret =
		    db_q(tx, NULL,
			 "UPDATE lvolmap SET mirror_status = $2 WHERE dextid = "
			 "$1 AND mirror_status = $3",
			 "ddd", row->add, MIRROR_INSYNC, MIRROR_SPARE);
	PQclear(r);
	return ret;
}

int db_resync_retry(struct db_tx *tx, int32_t eventid, int delay_s,
		    bool keep_id)
{
	/* An id the agent may still hold stays with the row (re-send). */
	return db_q(tx, NULL,
		    "UPDATE resync SET status = $2, next_try = now() + "
		    "make_interval(secs => $3::int), eventid = CASE WHEN $4 = "
		    "1 THEN eventid END WHERE eventid = $1",
		    "dddd", eventid, EV_PENDING, delay_s, (int)keep_id);
}

/* A DEXT node without components, as replaceMirrorDisk takes it. */
static int dext_node(struct db_tx *tx, int32_t dextid, bool full,
		     const char *iqn, struct vas_lvolstruct *n)
{
	PGresult *r;
	char path[256];
	int ret, i;

	memset(n, 0, sizeof(*n));
	n->lvolid = dextid;
	n->lvoltype = LVOLTYPE_DEXT;
	n->n_paths = -1;
	if (!dextid)
		return 0; /* "remove nothing": lvolspec {} */
	ret =
	    db_q(tx, &r,
		 "SELECT d.\"offset\", d.capacity, p.ssvrid, d.pdskid, i.ip "
		 "FROM dskmap d JOIN pdsklst p ON p.pdskid = d.pdskid JOIN "
		 "ipdata i ON i.ssvrid = p.ssvrid WHERE d.dextid = $1 ORDER BY "
		 "i.seq",
		 "d", dextid);
	if (ret)
		return ret;
	if (!PQntuples(r)) {
		PQclear(r);
		return -ENOENT;
	}
	/* The dead extent is named only: offset and capacity 0 (8.4.5). */
	n->offset = full ? db_l(r, 0, 0) : 0;
	n->capacity = full ? db_l(r, 0, 1) : 0;
	n->ssvrid = (int32_t)db_l(r, 0, 2);
	n->pdskid = 0;
	n->n_paths = 0;
	for (i = 0; !ret && i < PQntuples(r) && i < LVS_MAX_PATHS; i++) {
		snprintf(path, sizeof(path),
			 "/dev/disk/by-path/ip-%s:3260-iscsi-iqn.%s:%08x-lun-1",
			 db_s(r, i, 4), iqn, (unsigned)db_l(r, 0, 3));
		ret = lvs_add_path(n, path);
	}
	PQclear(r);
	return ret;
}

int db_resync_request(struct db_tx *tx, const struct resync_row *row,
		      const char *iqn, bool chap, struct vas_lvolstruct *add,
		      struct vas_lvolstruct *rm)
{
	int32_t pdskid = 0;
	int ret = dext_node(tx, row->add, true, iqn, add);

	/* The head logs in to the new leg's disk (SECURITY.md "CHAP"). */
	if (!ret && chap && add->n_paths > 0)
		ret = db_id(tx, &pdskid,
			    "SELECT pdskid FROM dskmap WHERE dextid = $1", "d",
			    row->add);
	if (!ret && pdskid)
		ret = db_chap_fill_one(tx, pdskid, add);

	if (!ret)
		ret = dext_node(tx, row->rm, row->rm == row->add, iqn, rm);
	return ret;
}
