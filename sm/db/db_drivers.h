/*
 * Who drives an attach or detach in flight (issue 15): the manager whose
 * request began it, or the leader that resumed it after its driver went
 * away. A manager's liveness is its instance lock (db_leader.h).
 */
#ifndef VAS_SM_DB_DRIVERS_H
#define VAS_SM_DB_DRIVERS_H

#include <stdint.h>

#include "db.h"
#include "records.h"

/* The operation on root is driven by the manager of instance. */
int db_attach_drive(struct db_tx *tx, int32_t root, int32_t instance);
/*
 * Claims for the calling thread's leadership (db_fence_epoch()) up to max
 * operations in flight whose driver is gone: begun by a manager that no
 * longer holds its instance lock nor has any session (its pool's outlive
 * a lost election session), or resumed by another leadership, or by
 * this one - and never one among busy[] (the volumes the caller's manager
 * drives right now, resumed or for its own requests: its instance lock
 * may have gone with a lost session). Rows in lvolid order, a heap array.
 */
int db_attach_adopt(struct db_tx *tx, const int32_t *busy, int n_busy, int max,
		    struct sm_attachment **rows, int *n);

#endif
