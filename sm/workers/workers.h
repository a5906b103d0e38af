/*
 * The leader's background machinery as one: the shred and resync
 * schedulers, health polling and resuming attach/detach operations, wired
 * into sm->hooks. Only the leader runs them (leader.h).
 */
#ifndef VAS_SM_WORKERS_H
#define VAS_SM_WORKERS_H

#include <stdbool.h>

#include "sm.h"

/*
 * Salvages their queues (sm.md 9.1) and starts them, for the calling
 * thread's leadership; -errno if one fails (then none runs).
 */
int workers_start(struct sm *sm);
/*
 * Stops them, waiting up to wait_ms for resumed attach/detach operations.
 * False when some still run (and hold the database).
 */
bool workers_stop(struct sm *sm, int wait_ms);

#endif
