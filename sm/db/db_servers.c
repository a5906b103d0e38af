/* SQL for hsvrlst, ssvrlst and ipdata. */
#include "db_priv.h"
#include "db_servers.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The list's rows, one per server (id, priority, available, capacity,
 * resync, pool, domain), then each server's addresses joined to them in
 * registration order: one statement, grouped in C (db_server_list_in),
 * instead of one address query per server.
 */
/*
 * Running rebuilds: per head counted once for all (36 s with a scan per
 * server before), per storage server through its disks (sql/015's index).
 */
#define HSVR_LIST                                                              \
	"SELECT h.hsvrid AS id, h.priority, 0 AS available, 0 AS "             \
	"capacity, COALESCE(rc.n, 0) AS resync, '' AS pool, '' AS "            \
	"domain FROM hsvrlst h LEFT JOIN (SELECT a.hsvrid, count(*) AS "       \
	"n FROM resync r JOIN lvolmap m ON m.lvolid = r.lvolid_add LEFT "      \
	"JOIN assoc o ON o.assoc_lvolid = m.toplvolid JOIN attach a ON "       \
	"a.lvolid = COALESCE(o.lvolid, m.toplvolid) WHERE r.status = $2 "      \
	"GROUP BY a.hsvrid) rc ON rc.hsvrid = h.hsvrid WHERE ($1 = 0 OR "      \
	"h.hsvrid = $1) AND $3 = 0"

#define SSVR_LIST                                                              \
	"SELECT s.ssvrid AS id, s.priority, "                                  \
	" COALESCE((SELECT sum(available) FROM dskspace d WHERE d.ssvrid = "   \
	"s.ssvrid), 0) AS available, "                                         \
	" COALESCE((SELECT sum(capacity) FROM pdsklst p WHERE p.ssvrid = "     \
	"s.ssvrid), 0) AS capacity, (SELECT count(*) FROM pdsklst p JOIN "     \
	"resync r ON r.pdskid = p.pdskid AND r.status = $2 WHERE p.ssvrid = "  \
	"s.ssvrid) AS resync, "                                                \
	"(SELECT q.poolname FROM pool q WHERE q.poolid = s.poolid) AS "        \
	"pool, COALESCE((SELECT f.name FROM fdomain f WHERE f.domainid = "     \
	"s.domainid), '') AS domain FROM ssvrlst s WHERE ($1 = 0 OR "          \
	"s.ssvrid = $1) AND ($3 = 0 OR s.poolid = $3)"

#define LIST_WITH_IPS(list, column)                                            \
	"WITH x AS MATERIALIZED (" list ") SELECT x.*, i.ip FROM x LEFT "      \
	"JOIN ipdata i ON i." column " = x.id ORDER BY x.id, i.seq"

/* One statement per kind; identifiers are constants, values parameters. */
struct kind_sql {
	const char *ip_owner;
	const char *priority;
	const char *insert;
	const char *set_priority;
	const char *ip_update;
	const char *ip_insert;
	const char *ip_clear;
	const char *ip_drop;
	const char *del;
	const char *list;
	const char *ips;
	const char *set_all;
};

static const struct kind_sql sql[] = {
    [SRV_HSVR] =
	{
	    "SELECT hsvrid FROM ipdata WHERE ip = $1 AND hsvrid IS NOT NULL",
	    "SELECT priority FROM hsvrlst WHERE hsvrid = $1 FOR UPDATE",
	    "INSERT INTO hsvrlst (hsvrid, priority) VALUES ($1, $2)",
	    "UPDATE hsvrlst SET priority = $2 WHERE hsvrid = $1",
	    "UPDATE ipdata SET hsvrid = $2 WHERE ip = $1",
	    "INSERT INTO ipdata (ip, hsvrid) VALUES ($1, $2)",
	    "UPDATE ipdata SET hsvrid = NULL WHERE hsvrid = $1 AND ssvrid IS "
	    "NOT NULL",
	    "DELETE FROM ipdata WHERE hsvrid = $1",
	    "DELETE FROM hsvrlst WHERE hsvrid = $1",
	    LIST_WITH_IPS(HSVR_LIST, "hsvrid"),
	    "SELECT ip FROM ipdata WHERE hsvrid = $1 ORDER BY seq",
	    "UPDATE hsvrlst SET priority = $1 WHERE priority IN ($2, $3)",
	},
    [SRV_SSVR] =
	{
	    "SELECT ssvrid FROM ipdata WHERE ip = $1 AND ssvrid IS NOT NULL",
	    "SELECT priority FROM ssvrlst WHERE ssvrid = $1 FOR UPDATE",
	    "INSERT INTO ssvrlst (ssvrid, priority) VALUES ($1, $2)",
	    "UPDATE ssvrlst SET priority = $2 WHERE ssvrid = $1",
	    "UPDATE ipdata SET ssvrid = $2 WHERE ip = $1",
	    "INSERT INTO ipdata (ip, ssvrid) VALUES ($1, $2)",
	    "UPDATE ipdata SET ssvrid = NULL WHERE ssvrid = $1 AND hsvrid IS "
	    "NOT NULL",
	    "DELETE FROM ipdata WHERE ssvrid = $1",
	    "DELETE FROM ssvrlst WHERE ssvrid = $1",
	    LIST_WITH_IPS(SSVR_LIST, "ssvrid"),
	    "SELECT ip FROM ipdata WHERE ssvrid = $1 ORDER BY seq",
	    "UPDATE ssvrlst SET priority = $1 WHERE priority IN ($2, $3)",
	},
};

int db_ip_owner(struct db_tx *tx, enum srv_kind kind, const char *ip,
		int32_t *id)
{
	PGresult *r;
	int ret = db_q(tx, &r, sql[kind].ip_owner, "s", ip);

	if (ret)
		return ret;
	*id = PQntuples(r) ? (int32_t)db_l(r, 0, 0) : 0;
	PQclear(r);
	return 0;
}

int db_server_priority(struct db_tx *tx, enum srv_kind kind, int32_t id,
		       int *priority)
{
	return db_row(tx, priority, db_fill_int, sql[kind].priority, "d", id);
}

int db_server_insert(struct db_tx *tx, enum srv_kind kind, int32_t id,
		     int priority)
{
	return db_q(tx, NULL, sql[kind].insert, "dd", id, priority);
}

int db_server_set_priority(struct db_tx *tx, enum srv_kind kind, int32_t id,
			   int priority)
{
	return db_q(tx, NULL, sql[kind].set_priority, "dd", id, priority);
}

int db_ip_add(struct db_tx *tx, enum srv_kind kind, const char *ip, int32_t id)
{
	PGresult *r;
	int ret = db_q(tx, &r, "SELECT 1 FROM ipdata WHERE ip = $1", "s", ip);

	if (ret)
		return ret;
	ret = PQntuples(r) ? db_q(tx, NULL, sql[kind].ip_update, "sd", ip, id)
			   : db_q(tx, NULL, sql[kind].ip_insert, "sd", ip, id);
	PQclear(r);
	return ret;
}

int db_server_delete(struct db_tx *tx, enum srv_kind kind, int32_t id)
{
	int ret = db_q(tx, NULL, sql[kind].ip_clear, "d", id);

	if (!ret)
		ret = db_q(tx, NULL, sql[kind].ip_drop, "d", id);
	if (!ret)
		ret = db_q(tx, NULL, sql[kind].del, "d", id);
	return ret;
}

int db_server_ips(struct db_tx *tx, enum srv_kind kind, int32_t id,
		  struct sm_server *row)
{
	PGresult *r;
	int ret = db_q(tx, &r, sql[kind].ips, "d", id), i;

	if (ret)
		return ret;
	row->n_ip = 0;
	for (i = 0; i < PQntuples(r) && i < SRV_MAX_IPS; i++)
		snprintf(row->ip[row->n_ip++], sizeof(row->ip[0]), "%s",
			 db_s(r, i, 0));
	PQclear(r);
	return 0;
}

/*
 * Row i of a result ordered by server id, one row per address: the
 * server's entry in rows[0..*k) (a new one when its id changes, filled
 * by fill), with column ip_col's address added if not NULL.
 */
static void
group_address(const PGresult *r, int i, int ip_col, struct sm_server *rows,
	      int *k, void (*fill)(const PGresult *, int, struct sm_server *))
{
	int32_t id = (int32_t)db_l(r, i, 0);
	struct sm_server *s = &rows[*k];

	if (*k && rows[*k - 1].id == id) {
		s = &rows[*k - 1]; /* another address of it */
	} else {
		s->id = id;
		fill(r, i, s);
		(*k)++;
	}
	if (!PQgetisnull(r, i, ip_col) && s->n_ip < SRV_MAX_IPS)
		snprintf(s->ip[s->n_ip++], sizeof(s->ip[0]), "%s",
			 db_s(r, i, ip_col));
}

/* Rows of r grouped by server (*n of them, heap); 0 or -ENOMEM. */
static int group_servers(PGresult *r, int ip_col,
			 void (*fill)(const PGresult *, int,
				      struct sm_server *),
			 struct sm_server **rows, int *n)
{
	int i, k = 0;

	*rows = calloc((size_t)PQntuples(r) + 1, sizeof(**rows));
	if (!*rows)
		return -ENOMEM;
	for (i = 0; i < PQntuples(r); i++)
		group_address(r, i, ip_col, *rows, &k, fill);
	*n = k;
	return 0;
}

static void fill_live(const PGresult *r, int i, struct sm_server *s)
{
	s->priority = (int)db_l(r, i, 1);
}

int db_servers_live(struct db_tx *tx, enum srv_kind kind,
		    struct sm_server **rows, int *n)
{
	static const char *const q[] = {
	    [SRV_HSVR] = "SELECT h.hsvrid, h.priority, i.ip FROM hsvrlst h "
			 "LEFT JOIN ipdata i ON i.hsvrid = h.hsvrid WHERE "
			 "h.priority IN ($1, $2) ORDER BY h.hsvrid, i.seq",
	    [SRV_SSVR] = "SELECT s.ssvrid, s.priority, i.ip FROM ssvrlst s "
			 "LEFT JOIN ipdata i ON i.ssvrid = s.ssvrid WHERE "
			 "s.priority IN ($1, $2) ORDER BY s.ssvrid, i.seq",
	};
	PGresult *r;
	int ret = db_q(tx, &r, q[kind], "dd", PRIO_HIGH, PRIO_LOW);

	*rows = NULL;
	*n = 0;
	if (ret)
		return ret;
	ret = group_servers(r, 2, fill_live, rows, n);
	PQclear(r);
	return ret;
}

int db_server_list(struct db_tx *tx, enum srv_kind kind, int32_t id,
		   struct sm_server **rows, int *n)
{
	return db_server_list_in(tx, kind, id, 0, rows, n);
}

static void fill_listed(const PGresult *r, int i, struct sm_server *s)
{
	s->priority = (int)db_l(r, i, 1);
	s->available_vb = db_l(r, i, 2);
	s->capacity_vb = db_l(r, i, 3);
	s->resync = (int)db_l(r, i, 4);
	snprintf(s->pool, sizeof(s->pool), "%s", db_s(r, i, 5));
	snprintf(s->domain, sizeof(s->domain), "%s", db_s(r, i, 6));
}

int db_server_list_in(struct db_tx *tx, enum srv_kind kind, int32_t id,
		      int32_t poolid, struct sm_server **rows, int *n)
{
	PGresult *r;
	int ret = db_q(tx, &r, sql[kind].list, "ddd", id, EV_PROGRESS, poolid);

	*rows = NULL;
	*n = 0;
	if (ret)
		return ret;
	if (id && PQntuples(r) == 0)
		ret = -ENOENT;
	else
		ret = group_servers(r, 7, fill_listed, rows, n);
	PQclear(r);
	return ret;
}

int db_servers_set_all(struct db_tx *tx, enum srv_kind kind, int to)
{
	return db_q(tx, NULL, sql[kind].set_all, "ddd", to, PRIO_HIGH,
		    PRIO_LOW);
}
