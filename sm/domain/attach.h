/*
 * Attach and detach operations as records (sm.md 6, 5.3, 5.4): the rules
 * record one in flight in a transaction, sm/workers/attach_driver.c drives
 * it on the head agent with no transaction open, and its outcome is
 * recorded here in another. A restart resumes what was left in flight.
 */
#ifndef VAS_SM_ATTACH_H
#define VAS_SM_ATTACH_H

#include <stdint.h>

#include "records.h"
#include "sm.h"
#include "vas/lvolstruct.h"

enum attach_kind {
	ATTACH_OP_ATTACH,
	ATTACH_OP_DETACH,
	ATTACH_OP_SNAP_ATTACH,
	ATTACH_OP_SNAP_DETACH,
	/* extendLogicalVolume on the head: new mirrors, longer device */
	ATTACH_OP_GROW,
};

/* An operation in flight: what its head agent is sent. */
struct attach_op {
	enum attach_kind kind;
	int32_t root;	/* the volume whose attachment it is */
	int32_t target; /* root, or the snapshot concerned */
	int32_t eventid;
	int64_t grow_from; /* ATTACH_OP_GROW: the capacity before (GiB) */
	struct sm_server hsvr;
	struct vas_lvolstruct tree;
};

/* How an agent operation ended, as far as the manager can tell. */
enum agent_outcome {
	AGENT_DONE,	 /* event DONE */
	AGENT_FAILED,	 /* event ERROR with result `code` */
	AGENT_REFUSED,	 /* request answered with fault `code` */
	AGENT_UNREACHED, /* no address took the request: nothing ran */
	AGENT_UNCERTAIN, /* may have run: timeout, garbage, lost polls */
	AGENT_TIMEDOUT,	 /* still PROGRESS at the deadline */
};

struct agent_result {
	enum agent_outcome outcome;
	int code;
	char string[256]; /* a fault's text, or the reason of an ERROR */
	int rolled_back;  /* an attach ERROR that left nothing (our agent) */
};

/* attachLogicalVolume, detachLogicalVolume or extendLogicalVolume. */
const char *attach_op_method(const struct attach_op *op);
/* Frees op and its tree; NULL is a no-op. */
void attach_op_free(struct attach_op *op);

/*
 * One transaction recording res for op: 0; -EHOSTDOWN when the head
 * server failed meanwhile (the rest is recorded all the same); -EIO when
 * the database is away, so the caller may try again.
 */
int attach_op_record(struct sm *sm, const struct attach_op *op,
		     const struct agent_result *res);
/*
 * Why the calling thread's last head-agent operation failed, as the agent
 * told it (the failed command, its exit code, its stderr); "" if untold.
 */
const char *attach_failure_cause(void);
/* Keeps res's reason as this thread's failure cause (the driver). */
void attach_note_failure(const struct agent_result *res);

/* What the client of the operation is answered for res (M53). */
int attach_op_error(const struct agent_result *res);

/*
 * For the leader (sm.md 9.1, issue 15): claims up to max operations left
 * in flight whose driver is gone (db_attach_adopt(); busy[] are the
 * volumes the caller's manager drives already) and loads them to be
 * driven again. *ops is a heap array of heap operations; an operation that
 * cannot be loaded is logged and left out (M60).
 */
int attach_ops_adopt(struct sm *sm, const int32_t *busy, int n_busy, int max,
		     struct attach_op ***ops, int *n);

#endif
