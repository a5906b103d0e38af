/* Shared inside sm/domain/ only: building a volume's rows. */
#ifndef VAS_SM_VOLUME_BUILD_H
#define VAS_SM_VOLUME_BUILD_H

#include "alloc.h"
#include "volumes.h"

#include <stdbool.h>
#include <stdint.h>

struct db_tx;
struct sm;

/*
 * A mirror's legs, each on a failure domain (else a server) the others
 * are not on, and their extents asked for. The legs are picked first (no
 * pick depends on another's booking: they are on different servers) and
 * booked together, in one round trip.
 */
struct mirror_legs {
	struct alloc_disk *disk[ALLOC_MAX_LEGS];
	int take[ALLOC_MAX_LEGS];
	int recheck; /* ticket, or -1: the pool was read under the lock */
	int n;
};

/*
 * Told by a transaction that read the disks before taking the lock when
 * what it read no longer holds: it is done again, lock first.
 */
#define VOL_STALE_READ (-ECANCELED)

/*
 * What building a volume reads, asked ahead so that it travels in one
 * round trip (with the lock, when it is the transaction's first).
 */
struct volume_asks {
	int quota; /* ticket, or -1 once answered */
	int alloc;
	int32_t storage;
	struct alloc_pool pool;
	struct mirror_legs first; /* when has_first: asked with the lock */
	bool has_first;
	bool recheck; /* the pool was read before the lock */
};

/* The pool's charge and the volume's id, asked ahead. */
int vol_ask_charge(struct db_tx *tx, const struct sm_volume *v,
		   struct volume_asks *a);
/* The charge, the id and the disks of the volume's pool, asked ahead. */
int vol_ask_volume(struct sm *sm, struct db_tx *tx, const struct sm_volume *v,
		   struct volume_asks *a);
int vol_answer_volume(struct sm *sm, struct db_tx *tx, struct volume_asks *a);
/* The first mirror's legs picked from a->pool and asked for, with a
 * check that they still qualify (the pool was read before the lock). */
int vol_ask_first_mirror(struct sm *sm, struct db_tx *tx,
			 const struct sm_volume *v, struct volume_asks *a);
int vol_build(struct sm *sm, struct db_tx *tx, struct sm_volume *v,
	      struct volume_asks *a, int top_type, int32_t *top_layer);

#endif
