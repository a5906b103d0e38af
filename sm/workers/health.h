/* Health polling of head and storage servers (issue 8; ssvr.md 9). */
#ifndef VAS_SM_HEALTH_H
#define VAS_SM_HEALTH_H

#include "sm.h"

/* Starts polling when [storage_manager] server_check_interval > 0. */
int health_start(struct sm *sm);
/* Stops both threads and frees; nothing when polling is off. */
void health_stop(struct sm *sm);

#endif
