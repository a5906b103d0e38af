/* Shred scheduler: dispatches PENDING shreds and polls running ones. */
#ifndef VAS_SM_SHRED_H
#define VAS_SM_SHRED_H

#include "sm.h"

/* Salvages in-flight rows (sm.md 9.1) and starts the scheduler thread. */
int shred_sched_start(struct sm *sm);

#endif
