/* Resync worker: rebuilds degraded mirror legs through the head agents. */
#ifndef VAS_SM_RESYNC_H
#define VAS_SM_RESYNC_H

#include "sm.h"

/* Salvages in-flight rows (sm.md 9.1) and starts the worker. */
int resync_start(struct sm *sm);

#endif
