/*
 * Replacement of many legs in a few statements (a failed server carries
 * legs of a thousand volumes): read them all at once, take the extents
 * chosen for them at once, swap them at once.
 */
#ifndef VAS_SM_DB_EVACUATE_H
#define VAS_SM_DB_EVACUATE_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "db_resync.h"
#include "vas/units.h"

struct evac_leg {
	struct leg_row leg;
	int post_ext;	/* what the old extent becomes: OFFLINE, FAULTY */
	bool in_flight; /* its root's attach/detach runs: a later pass */
	bool attached;	/* its root has an attach row: rebuild queued */
	/* The mirror's other legs: extent, server, failure domain key. */
	int32_t other_dext[VAS_MAX_REDUNDANCY];
	int32_t others[VAS_MAX_REDUNDANCY];
	int32_t other_domains[VAS_MAX_REDUNDANCY];
	int n_others;
	int32_t storage; /* pool whose disks may take it, 0: none has disks */
	/* Set by the caller: */
	bool skip;	    /* left for a later pass */
	int32_t new_pdskid; /* the new extent's disk, 0: no room */
	int disk_idx;	    /* its index in the caller's pool */
	int32_t new_id;	    /* the new extent (set by db_evac_take) */
};

/*
 * Every leg on a disk or server that is OFFLINE or FAULTY, by disk then
 * extent (the order one by one replacement takes), their roots locked,
 * with what placement needs: the other legs and the volume's pool.
 */
int db_evac_legs(struct db_tx *tx, struct evac_leg **legs, int *n);
/*
 * Takes for each leg with a new disk the lowest FREE extent of exactly its
 * size there, in leg order - what one by one replacement would take when
 * all extents have one size - and marks the extents it replaces OFFLINE
 * or FAULTY (post_ext), in the same statement. -EAGAIN, nothing taken or
 * marked, otherwise: the caller goes leg by leg instead.
 */
int db_evac_take(struct db_tx *tx, struct evac_leg *legs, int n);
/*
 * Swaps every leg that took an extent (db_leg_swap's effects, batched,
 * but the old extent's state, which db_evac_take set) and marks the
 * in-sync legs that found no room SPARE; skipped legs are left alone.
 */
int db_evac_swap(struct db_tx *tx, const struct evac_leg *legs, int n);
#endif
