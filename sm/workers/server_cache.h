/*
 * The job engine's view of the agents it talks to: each server's
 * addresses, read once (they never change for an id), and how many of the
 * engine's jobs run on it. Owned by one worker thread; no locking.
 */
#ifndef VAS_SM_SERVER_CACHE_H
#define VAS_SM_SERVER_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "records.h"

struct server_cache {
	enum srv_kind kind;
	struct sm_server **srv; /* by server id */
	int *load;		/* running jobs by server id */
	int n;
};

/* Makes sure ids[0..n) are cached; one read transaction for the misses. */
void server_cache_fill(struct server_cache *c, struct db *db,
		       const int32_t *ids, int n);
/* The cached server, NULL when it is not (yet) known. */
const struct sm_server *server_cache_get(const struct server_cache *c,
					 int32_t id);
/* *load = jobs running on id; false when id is not tracked. */
bool server_cache_load(const struct server_cache *c, int32_t id, int *load);
void server_cache_add_load(struct server_cache *c, int32_t id, int delta);
void server_cache_free(struct server_cache *c);

#endif
