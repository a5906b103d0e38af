/* The job engine's server cache (server_cache.h). */
#include "server_cache.h"
#include "db_servers.h"

#include <stdlib.h>
#include <string.h>

#define SRV_CACHE_MAX (1 << 22) /* ids beyond are looked up every time */

static bool tracked(const struct server_cache *c, int32_t id)
{
	return id > 0 && id < c->n;
}

/* Room for ids below id * 2 + 16; false without memory. */
static bool grow(struct server_cache *c, int32_t id)
{
	int cap = id * 2 + 16;
	struct sm_server **s = realloc(c->srv, sizeof(*s) * (size_t)cap);
	int *l = s ? realloc(c->load, sizeof(*l) * (size_t)cap) : NULL;

	if (s)
		c->srv = s;
	if (!l)
		return false;
	c->load = l;
	memset(c->srv + c->n, 0, sizeof(*s) * (size_t)(cap - c->n));
	memset(c->load + c->n, 0, sizeof(*l) * (size_t)(cap - c->n));
	c->n = cap;
	return true;
}

void server_cache_fill(struct server_cache *c, struct db *db,
		       const int32_t *ids, int n)
{
	struct db_tx *tx = NULL;
	int i;

	for (i = 0; i < n; i++) {
		int32_t id = ids[i];

		if (id <= 0 || id >= SRV_CACHE_MAX)
			continue;
		if (id >= c->n && !grow(c, id))
			return;
		if (c->srv[id])
			continue;
		if (!tx && db_begin(db, false, &tx))
			return;
		c->srv[id] = calloc(1, sizeof(struct sm_server));
		if (c->srv[id]) {
			c->srv[id]->id = id;
			if (db_server_ips(tx, c->kind, id, c->srv[id])) {
				free(c->srv[id]);
				c->srv[id] = NULL;
			}
		}
	}
	if (tx)
		db_rollback(tx);
}

const struct sm_server *server_cache_get(const struct server_cache *c,
					 int32_t id)
{
	return tracked(c, id) ? c->srv[id] : NULL;
}

bool server_cache_load(const struct server_cache *c, int32_t id, int *load)
{
	if (!tracked(c, id))
		return false;
	*load = c->load[id];
	return true;
}

void server_cache_add_load(struct server_cache *c, int32_t id, int delta)
{
	if (tracked(c, id))
		c->load[id] += delta;
}

void server_cache_free(struct server_cache *c)
{
	int i;

	for (i = 0; i < c->n; i++)
		free(c->srv[i]);
	free(c->srv);
	free(c->load);
	memset(c, 0, sizeof(*c));
}
