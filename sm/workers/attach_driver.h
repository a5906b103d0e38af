/*
 * Drives attach/detach operations on head agents (sm.md 6.3-6.5) for the
 * rules that recorded them, and resumes those left in flight by a restart.
 */
#ifndef VAS_SM_ATTACH_DRIVER_H
#define VAS_SM_ATTACH_DRIVER_H

#include <stdbool.h>

#include "sm.h"

/*
 * Sets sm->hooks.run_attach and resumes every operation left in flight,
 * in the background on at most ATTACH_RESUME_THREADS threads.
 */
int attach_driver_start(struct sm *sm);
/*
 * At shutdown: stops retrying to record outcomes and waits up to wait_ms
 * for the resumed operations. True when they ended (the driver is freed);
 * false when some still run and hold the database.
 */
bool attach_driver_stop(struct sm *sm, int wait_ms);

#endif
