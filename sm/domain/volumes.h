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

int vol_create(struct sm *sm, const char *name, int64_t capacity_gib,
	       int redundancy, int32_t *lvolid);
int vol_snapshot(struct sm *sm, struct vol_ref origin, const char *name,
		 int32_t *lvolid);
int vol_delete(struct sm *sm, struct vol_ref v);
int vol_attach(struct sm *sm, struct vol_ref v, int32_t hsvrid);
int vol_detach(struct sm *sm, struct vol_ref v);
/* ref NULL = all visible volumes. Free with vol_list_free(). */
int vol_list(struct sm *sm, const struct vol_ref *v,
	     struct sm_volume_list *out);
void vol_list_free(struct sm_volume_list *list);
int vol_show(struct sm *sm, struct vol_ref v, struct vas_lvolstruct *out);

#endif
