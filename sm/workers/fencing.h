/*
 * Fencing failed head servers on the storage servers (M73, SECURITY.md
 * "Fencing"): the leader sends fenceInitiators to every storage agent a
 * fence row names, one call per row, retried until it answers, and an
 * attach of a volume the failed head had waits until they all did.
 */
#ifndef VAS_SM_FENCING_H
#define VAS_SM_FENCING_H

#include "sm.h"

/* Every manager: sets sm->hooks.await_fencing (attach requests wait). */
void fencing_hooks_init(struct sm *sm);
/* The leader: starts the worker and sets sm->hooks.wake_fencing. */
int fencing_start(struct sm *sm);
/* Stops the worker; NULL-safe. */
void fencing_stop(struct sm *sm);

#endif
