/* The private PostgreSQL cluster vas_sm runs when no dsn is configured. */
#ifndef VAS_SM_PG_EMBEDDED_H
#define VAS_SM_PG_EMBEDDED_H

#include <stddef.h>

#include "sm.h"

/* The lock on state_dir, and whether this process started the cluster. */
struct pg_embedded;

/*
 * Locks <state_dir>/vas_sm.lock, then creates (first start) and starts
 * <state_dir>/pg, Unix socket only, as cfg->pg_user when running as root.
 * Writes the libpq dsn into dsn. -EBUSY: another vas_sm holds the lock;
 * -EEXIST: a postmaster this process did not start runs on the data
 * directory. Neither is touched in those cases. *out is set whenever the
 * lock was taken, also on failure: hand it to pg_embedded_stop() in every
 * case. cfg must outlive the handle.
 */
int pg_embedded_start(const struct sm_config *cfg, char *dsn, size_t len,
		      struct pg_embedded **out);
/* Stops the cluster only if this process started it; releases the lock. */
void pg_embedded_stop(struct pg_embedded *pg);

#endif
