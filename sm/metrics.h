/*
 * The manager's Prometheus metrics (GET /metrics): requests per method
 * (count, faults, latency histogram), the shred and resync workers (queue
 * depths, jobs started, done, retried, polls), extents, servers and disks
 * by state, and the database connection pool.
 */
#ifndef VAS_SM_METRICS_H
#define VAS_SM_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include "sm.h"
#include "vas/rpc.h"

/* Counts one API request; any thread. method: a name from the table. */
void sm_metrics_request(void *ctx, const char *method, bool fault,
			double seconds);
/*
 * The whole exposition text, including a look at the database now.
 * *text is heap memory for the caller; 0 or a negative errno.
 */
int sm_metrics_render(struct sm *sm, char **text, size_t *len);

/* The manager's GET routes (/metrics), for rpc_server_opts. */
extern const struct rpc_get_route sm_get_routes[];

#endif
