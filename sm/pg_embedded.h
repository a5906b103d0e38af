/* The private PostgreSQL cluster vas_sm runs when no dsn is configured. */
#ifndef VAS_SM_PG_EMBEDDED_H
#define VAS_SM_PG_EMBEDDED_H

#include <stddef.h>

#include "sm.h"

/*
 * Creates (first start) and starts <state_dir>/pg, Unix socket only, as
 * cfg->pg_user when running as root. Writes the libpq dsn into dsn.
 */
int pg_embedded_start(const struct sm_config *cfg, char *dsn, size_t len);
void pg_embedded_stop(const struct sm_config *cfg);

#endif
