/* The agent's operations (attach, detach, resync) and the worker pool. */
#ifndef HSVR_OPS_H
#define HSVR_OPS_H

#include "hsvr.h"

enum op_kind { OP_ATTACH, OP_DETACH, OP_RESYNC, OP_GROW, OP_RETIRE };

struct resync_state;

/* One queued operation; owns its lvolstructs. */
struct op {
	enum op_kind kind;
	int64_t eventid;
	struct vas_lvolstruct lv;     /* attach/detach/grow */
	int32_t mirrorid;	      /* resync, retire */
	struct vas_lvolstruct add;    /* resync */
	struct vas_lvolstruct remove; /* resync, retire */
	long retry_gap_ms;	      /* retire: the pause before this try */
	struct resync_state *rs;
	struct hsvr *h;
};

void op_free(struct op *op);
/*
 * Queues an accepted operation (takes ownership on success). Operations
 * on the same volume (or mirror) run one after another in acceptance
 * order. 0, -EAGAIN (queue full) or -ENOMEM.
 */
int op_enqueue(struct op *op);
/* Ends the operation's turn; op_run() calls it when done. */
void op_forget(struct op *op);
/* Waits until every operation accepted before op on its key has ended. */
void op_wait_turn(struct op *op);
/*
 * The pool's job callback (pool.h): runs one operation to completion,
 * publishes its event result and frees it.
 */
void op_run(void *op);

/*
 * Member states of a mirror: dextids[i] has state[i] (enum
 * md_member_state). -ENOENT when the mirror does not exist.
 */
int mirror_members(struct hsvr *h, int32_t mirrorid, int32_t *dextids,
		   int *states, int max, int *n);

/* Progress hook and its shared state (replaceMirrorDisk, 3.4). */
struct resync_state *resync_state_new(struct hsvr *h, int32_t mirrorid,
				      int32_t dextid, int worker);
void resync_state_put(void *rs);
void resync_state_get(struct resync_state *rs);
void resync_hook(struct event_table *t, int64_t eventid, void *arg);

/*
 * ERROR with the cause: what failed (the command, its exit code and
 * stderr, else strerror(ret)); rolled_back: nothing of the operation is
 * left on this host.
 */
void op_publish_error(struct op *op, int code, const char *what, int ret,
		      int rolled_back);
/* grow.c: extendLogicalVolume (issue 16). */
void run_grow(struct op *op);

/*
 * retire.c: a leg's DEXT map and iSCSI session torn down (the session's
 * last user logs out); 0 or -errno (a map still in use: -EBUSY).
 */
int leg_teardown(struct hsvr *h, const struct vas_lvolstruct *leg);
/* One more try at a leftover leg; a failure puts it back, twice as late. */
void run_retire(struct op *op);
/* op's old leg (op->remove, taken over) kept for a try gap_ms from now. */
void retire_later(struct op *op, long gap_ms);
/*
 * Queues one more try (OP_RETIRE, on the leg's mirror, so it never races
 * a build of the same leg) for every due leftover (hsvr.h); the monitor's
 * period calls it. A try that fails puts the leg back, twice as late.
 */
void op_retire_due(struct hsvr *h);

/* In-use test before a detach (W6): open, mounted, or in a libvirt VM. */
int lvol_in_use(struct hsvr *h, const struct vas_lvolstruct *lv, int *busy);

#endif
