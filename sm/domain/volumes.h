/* Rules for logical volumes and snapshots (sm.md 3.7-3.17, 5, 6, 7). */
#ifndef VAS_SM_VOLUMES_H
#define VAS_SM_VOLUMES_H

#include <stdint.h>

#include "records.h"
#include "sm.h"
#include "vas/lvolstruct.h"

/* A volume named by id (when > 0) or by name (when non-empty). */
struct vol_ref {
	int32_t id;
	const char *name;
};

/* pool NULL = 'default' (issue 16). */
int vol_create(struct sm *sm, const char *name, int64_t capacity_gib,
	       int redundancy, const char *pool, int32_t *lvolid);
/* pool NULL = the origin's. */
int vol_snapshot(struct sm *sm, struct vol_ref origin, const char *name,
		 const char *pool, int32_t *lvolid);
int vol_delete(struct sm *sm, struct vol_ref v);
int vol_attach(struct sm *sm, struct vol_ref v, int32_t hsvrid);
int vol_detach(struct sm *sm, struct vol_ref v);
/*
 * ref NULL = all visible volumes; pool NULL = of every pool. Free with
 * vol_list_free().
 */
int vol_list(struct sm *sm, const struct vol_ref *v, const char *pool,
	     struct sm_volume_list *out);
void vol_list_free(struct sm_volume_list *list);
int vol_show(struct sm *sm, struct vol_ref v, struct vas_lvolstruct *out);
/*
 * Grows a volume to capacity_gib (rounded up to the unit; larger only):
 * extend.c (issue 16). When attached, returns once its head has grown the
 * device, with the outcome of that as attach would.
 */
int vol_extend(struct sm *sm, struct vol_ref v, int64_t capacity_gib);

struct db_tx;
/*
 * Inside the caller's transaction: the mirrors covering GiB [from, to) of
 * volume v under its LINEAR layer, legs placed by the pool's rules.
 */
int vol_build_mirrors(struct sm *sm, struct db_tx *tx,
		      const struct sm_volume *v, int32_t linear, int64_t from,
		      int64_t to);

#endif
