/*
 * Drives attach/detach operations on head agents (sm.md 6.3-6.5) for the
 * rules that recorded them, and - in the leader - resumes those whose
 * driver went away: left in flight by a restart or by a manager that died.
 */
#ifndef VAS_SM_ATTACH_DRIVER_H
#define VAS_SM_ATTACH_DRIVER_H

#include <stdbool.h>

#include "sm.h"

/* Sets sm->hooks.run_attach; every manager drives its own requests. */
int attach_driver_start(struct sm *sm);
/*
 * The leader's part: every ADOPT_PERIOD_MS, claims the operations no live
 * manager drives and drives them, on at most ATTACH_RESUME_THREADS threads;
 * never those this manager's request threads drive (counted apart).
 */
int attach_driver_adopt_start(struct sm *sm);
/*
 * Stops adopting and waits up to wait_ms for the resumed operations
 * (fenced out, they end at their next step). False when some still run.
 */
bool attach_driver_adopt_stop(struct sm *sm, int wait_ms);
/*
 * At shutdown: stops retrying to record outcomes, stops adopting and
 * waits up to wait_ms for the resumed operations. True when they ended
 * (the driver is freed); false when some still run and hold the database.
 */
bool attach_driver_stop(struct sm *sm, int wait_ms);

#endif
