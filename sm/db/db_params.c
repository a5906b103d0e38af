/*
 * The libpq keywords every connection of the manager is made with: how
 * long connecting may take, and how long a PostgreSQL that answers
 * nothing at all (a cut network, a dead host) may hold a connection -
 * TCP keepalives and tcp_user_timeout. Without them a thread waiting for
 * an answer on a cut connection waits until TCP gives up (hours for an
 * idle socket), and a leader cut off that way could not stop its workers
 * and campaign again. Each comes before the dsn, so the dsn's own
 * settings win.
 */
#include "db_priv.h"

#include <stdatomic.h>
#include <stdio.h>

static atomic_int tcp_timeout_ms = DB_TCP_TIMEOUT_MS;

void db_set_tcp_timeout(int ms)
{
	atomic_store(&tcp_timeout_ms, ms < 0 ? 0 : ms);
}

static void add(struct db_params *p, const char *key, const char *val)
{
	if (p->n < DB_PARAMS_MAX) {
		p->keys[p->n] = key;
		p->vals[p->n] = val;
		p->n++;
	}
	p->keys[p->n] = p->vals[p->n] = NULL;
}

static const char *num(struct db_params *p, int i, int v)
{
	snprintf(p->num[i], sizeof(p->num[i]), "%d", v);
	return p->num[i];
}

void db_params_init(struct db_params *p, const char *dsn, int connect_s)
{
	int ms = atomic_load(&tcp_timeout_ms);

	p->n = 0;
	add(p, "connect_timeout", num(p, 0, connect_s));
	if (ms > 0) {
		/*
		 * Probes after half the time of silence, then about ten of
		 * them; tcp_user_timeout ends the connection at the full
		 * time, whether probes or data went unanswered.
		 */
		int s = ms / 1000 > 2 ? ms / 1000 : 2;
		int idle = s / 2, every = s / 10 > 1 ? s / 10 : 1;
		int count = (s - idle) / every > 1 ? (s - idle) / every : 1;

		add(p, "keepalives", "1");
		add(p, "keepalives_idle", num(p, 1, idle));
		add(p, "keepalives_interval", num(p, 2, every));
		add(p, "keepalives_count", num(p, 3, count));
		add(p, "tcp_user_timeout", num(p, 4, ms));
	}
	add(p, "dbname", dsn);
}

void db_params_add(struct db_params *p, const char *key, const char *val)
{
	add(p, key, val);
}

PGconn *db_params_connect(const struct db_params *p)
{
	return PQconnectdbParams(p->keys, p->vals, 1);
}
