/*
 * The manager's Prometheus metrics (GET /metrics): requests per method
 * (count, faults, latency histogram), the shred and resync workers (queue
 * depths, jobs started, done, retried, polls), extents, servers and disks
 * by state, and the database connection pool.
 */
#ifndef VAS_SM_METRICS_H
#define VAS_SM_METRICS_H

#include <stddef.h>

#include "sm.h"
#include "vas/rpc.h"

/* The front end's observer: counts one API request; any thread. */
void sm_metrics_request(void *ctx, const struct rpc_served *o);
/*
 * The whole exposition text, including a look at the database now.
 * *text is heap memory for the caller; 0 or a negative errno.
 */
int sm_metrics_render(struct sm *sm, char **text, size_t *len);

/* The route GET /metrics (rpc_server_add_route). */
void sm_metrics_route(void *ctx, const struct rpc_http_request *rq,
		      struct rpc_http_reply *reply);

#endif
