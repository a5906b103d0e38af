/* Shared inside sm/domain/ only: building a volume's rows. */
#ifndef VAS_SM_VOLUME_BUILD_H
#define VAS_SM_VOLUME_BUILD_H

#include "alloc.h"
#include "mirror_batch.h"
#include "volumes.h"

#include <stdbool.h>
#include <stdint.h>

struct db_tx;
struct sm;

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
	struct mirror_batch first; /* when has_first: asked with the lock */
	bool has_first;
	bool recheck; /* the pool was read before the lock */
	bool batched; /* many mirrors per round trip (VOL_GUESS_WRONG) */
};

/* The pool's charge and the volume's id, asked ahead. */
int vol_ask_charge(struct db_tx *tx, const struct sm_volume *v,
		   struct volume_asks *a);
/* The charge, the id and the disks of the volume's pool, asked ahead. */
int vol_ask_volume(struct sm *sm, struct db_tx *tx, const struct sm_volume *v,
		   struct volume_asks *a);
int vol_answer_volume(struct sm *sm, struct db_tx *tx, struct volume_asks *a);
/*
 * The first mirrors' legs picked from a->pool (before the lock: no SQL),
 * then asked for with a check that they still qualify.
 */
int vol_plan_first_mirrors(struct sm *sm, const struct sm_volume *v,
			   struct volume_asks *a);
int vol_ask_first_mirrors(struct db_tx *tx, struct volume_asks *a);
/* Frees what the asks hold. */
void vol_asks_free(struct volume_asks *a);
int vol_build(struct sm *sm, struct db_tx *tx, struct sm_volume *v,
	      struct volume_asks *a, int top_type, int32_t *top_layer);

#endif
