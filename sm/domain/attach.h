/* Head-agent operations on snapshots, and resuming them after a restart. */
#ifndef VAS_SM_ATTACH_H
#define VAS_SM_ATTACH_H

#include <stdbool.h>
#include <stdint.h>

#include "db_volumes.h"
#include "sm.h"

struct attach_op;

/*
 * Inside the caller's transaction: records that snapshot snap of the
 * attached origin is being attached (or detached for deletion). After the
 * caller commits, attach_op_run() drives it and frees the op; if the
 * transaction fails, attach_op_free().
 */
int attach_snapshot_begin(struct sm *sm, struct db_tx *tx,
			  const struct attach_row *origin, int32_t snap,
			  struct attach_op **out);
int attach_snapshot_delete_begin(struct sm *sm, struct db_tx *tx,
				 const struct attach_row *origin, int32_t snap,
				 struct attach_op **out);
int attach_op_run(struct sm *sm, struct attach_op *op);
void attach_op_free(struct attach_op *op);

/*
 * Why the calling thread's last head-agent operation failed, as the agent
 * told it (the failed command, its exit code, its stderr); "" if untold.
 */
const char *attach_failure_cause(void);

/* Start-up: re-drives every operation left in flight, each in a thread. */
int attach_salvage(struct sm *sm);
/* At shutdown: waits for resumed operations; false if some still run. */
bool attach_salvage_wait(int seconds);

#endif
