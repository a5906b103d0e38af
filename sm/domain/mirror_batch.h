/*
 * Mirrors planned ahead (inside sm/domain/ only): the legs of several
 * mirrors picked in C, then booked in one statement - one round trip and
 * the books' triggers once for all of them, instead of per mirror.
 *
 * A pick made after a take depends on the disk's largest FREE extent
 * afterwards, which only the take tells. The plan assumes it (the extent
 * taken again, at most the space left); booking checks that each pick of
 * the batch made after such a guess saw what the truth shows (the same
 * disks able to take each later mirror's size, the same disks with any
 * room), so the picks are those of booking mirror by mirror, or it
 * answers VOL_GUESS_WRONG and the caller books mirror by mirror. A disk is
 * taken at most once per batch: the next take on it waits for the next
 * batch, planned from the truth.
 */
#ifndef VAS_SM_MIRROR_BATCH_H
#define VAS_SM_MIRROR_BATCH_H

#include "alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

struct db_taken;
struct db_tx;
struct sm;

/* A batch's guess turned out to matter and to be wrong: nothing is kept. */
#define VOL_GUESS_WRONG (-ENOTRECOVERABLE)

struct mirror_batch {
	struct alloc_disk **disk; /* the legs, mirror after mirror */
	int64_t *vb;		  /* each leg's size */
	int64_t *guess;		  /* its disk's largest FREE extent assumed */
	struct db_taken *taken;	  /* what each leg's take found */
	int n_legs, n_mirrors, legs_per, cap;
	int take, recheck; /* tickets; recheck -1: not asked */
};

/* The size of the next mirror of resid vb, 0 if no extent size fits. */
int64_t mirror_next_extent(const struct sm *sm, int64_t resid);

/*
 * Plans the mirrors of [from, to) of `legs` legs each from pool (storage
 * pool `storage`), at most max_mirrors: at least one, or -ENOSPC (nothing
 * fits, the pool as it truly is), -EINVAL (too many legs), -ENOMEM. The
 * pool's entries of the disks taken get their space taken and the guess.
 */
int mirror_batch_plan(const struct sm *sm, struct alloc_pool *pool,
		      int32_t storage, int legs, int64_t from, int64_t to,
		      int max_mirrors, struct mirror_batch *b);
/* Asks for every leg's extent; with recheck, that the disks still qualify
 * (the pool was read before the lock). */
int mirror_batch_ask(struct db_tx *tx, int32_t storage, bool recheck,
		     struct mirror_batch *b);
/* The answers, read once: VOL_STALE_READ when a disk no longer qualifies. */
int mirror_batch_answer(struct db_tx *tx, struct mirror_batch *b);
/*
 * Books leg k from what its take found: its extent's id, the
 * pool entry set to the truth, VOL_GUESS_WRONG as above. Called leg after
 * leg, in order (new ids are handed out in the order of the calls).
 */
int mirror_batch_book(struct db_tx *tx, struct mirror_batch *b, int k,
		      int32_t *dextid);
void mirror_batch_free(struct mirror_batch *b);

#endif
