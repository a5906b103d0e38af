/*
 * Tearing down an old leg, and trying again for those a resync could not
 * (leftover.c): each try is an operation on the leg's mirror, so it never
 * races a build of the same leg.
 */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "vas/log.h"

int leg_teardown(struct hsvr *h, const struct vas_lvolstruct *leg)
{
	struct hgraph g;
	int ret = graph_build_dext(h, leg, &g);

	if (!ret) {
		ret = graph_detach(h, &g);
		graph_free(&g);
	}
	return ret;
}

void run_retire(struct op *op)
{
	int ret;

	hx_clear_error();
	ret = leg_teardown(op->h, &op->remove);
	if (!ret) {
		log_info("old extent dext-%08x of mirr-%08x torn down",
			 (uint32_t)op->remove.lvolid, (uint32_t)op->mirrorid);
		return;
	}
	log_err("old extent dext-%08x of mirr-%08x still not torn down: %s",
		(uint32_t)op->remove.lvolid, (uint32_t)op->mirrorid,
		hx_last_error()[0] ? hx_last_error() : strerror(-ret));
	retire_later(op, op->retry_gap_ms * 2);
}

void retire_later(struct op *op, long gap_ms)
{
	if (leftover_add(op->h, &op->remove, op->mirrorid, gap_ms))
		log_err("old extent dext-%08x: not retried (no memory)",
			(uint32_t)op->remove.lvolid);
}

void op_retire_due(struct hsvr *h)
{
	struct vas_lvolstruct leg;
	int32_t mirrorid;
	long gap_ms;

	while (leftover_take_due(h, &leg, &mirrorid, &gap_ms)) {
		struct op *op = calloc(1, sizeof(*op));
		int ret = op ? 0 : -ENOMEM;

		if (op) {
			op->kind = OP_RETIRE;
			op->h = h;
			op->mirrorid = mirrorid;
			op->remove = leg;
			op->retry_gap_ms = gap_ms;
			ret = op_enqueue(op);
			if (ret) {
				memset(&op->remove, 0, sizeof(op->remove));
				free(op);
			}
		}
		if (ret) {
			/* Queue full: the leg waits for a later period. */
			if (leftover_add(h, &leg, mirrorid, gap_ms))
				lvs_clear(&leg);
			return;
		}
	}
}
