/* Failure reports from reporters, agents and operators. */
#ifndef VAS_SM_FAILURES_H
#define VAS_SM_FAILURES_H

#include <stdint.h>

#include "sm.h"

struct db_tx;

int sm_notify_failure(struct sm *sm, int target, int32_t id);
int sm_notify_bad_blocks(struct sm *sm, int32_t pdskid, const int32_t *blocks,
			 int n);
/*
 * Inside tx: every leg on an OFFLINE/FAULTY disk or OFFLINE server gets a
 * replacement where room allows (also run periodically by the resync
 * worker, so degraded legs heal once space appears).
 */
int sm_evacuate(struct sm *sm, struct db_tx *tx);

#endif
