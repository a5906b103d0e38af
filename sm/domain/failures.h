/* Failure reports from reporters, agents and operators. */
#ifndef VAS_SM_FAILURES_H
#define VAS_SM_FAILURES_H

#include <stdint.h>

#include "sm.h"

int sm_notify_failure(struct sm *sm, int target, int32_t id);
int sm_notify_bad_blocks(struct sm *sm, int32_t pdskid, const int32_t *blocks,
			 int n);

#endif
