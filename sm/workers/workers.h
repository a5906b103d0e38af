/*
 * The manager's background machinery as one: the shred and resync
 * schedulers, health polling and the attach driver, wired into sm->hooks.
 */
#ifndef VAS_SM_WORKERS_H
#define VAS_SM_WORKERS_H

#include <stdbool.h>

#include "sm.h"

/* Salvages their queues (sm.md 9.1) and starts them; -errno if one fails. */
int workers_start(struct sm *sm);
/*
 * Stops them, waiting up to wait_ms for resumed attach/detach operations.
 * False when some still run (and hold the database).
 */
bool workers_stop(struct sm *sm, int wait_ms);

#endif
