/*
 * Growing a volume (extendLogicalVolume, issue 16): new mirrors booked by
 * the pool's rules and charged to its quota in one transaction; when the
 * volume is attached, its head grows the device in place, driven like an
 * attach (sm/workers/attach_driver.c), and the outcome is recorded by
 * attach.c.
 */
#include "db_grow.h"
#include "db_volumes.h"
#include "domain_priv.h"
#include "pools.h"
#include "volumes.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <errno.h>

int vol_extend(struct sm *sm, struct vol_ref ref, int64_t capacity_gib)
{
	struct attach_op *op = NULL;
	struct sm_attachment a;
	struct sm_volume v;
	struct db_tx *tx = NULL;
	int64_t cap = units_round_up(capacity_gib, sm->cfg.unit), from = 0;
	bool attached = false;
	int32_t linear;
	int ret;

	if (cap < 1 || cap > VAS_MAX_LENGTH_GIB)
		return -EINVAL;
	if (ref.id <= 0 && (!ref.name || !*ref.name))
		return -EINVAL;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_lvol_lookup(tx, ref.id, ref.name, &v);
	/* Snapshots keep the size of their copy-on-write store. */
	if (!ret && (v.origin || cap <= v.capacity))
		ret = -EINVAL;
	if (!ret) /* no leg is replaced while the tree is built */
		ret = db_lvol_lock(tx, v.lvolid);
	if (!ret) {
		ret = db_attach_get(tx, v.lvolid, &a);
		attached = !ret;
		if (ret == -ENOENT)
			ret = 0;
		else if (!ret && (a.eventid || a.status != ATTACH_BOUND))
			ret = -EBUSY;
	}
	from = v.capacity;
	if (!ret)
		ret = pool_charge(tx, v.poolid, cap - from);
	if (!ret)
		ret = db_lvol_linear(tx, v.lvolid, &linear);
	if (!ret)
		ret = vol_build_mirrors(sm, tx, &v, linear, from, cap);
	if (!ret)
		ret = db_lvol_resize(tx, v.lvolid, cap);
	/* An attached volume grows on its head too, in flight until then. */
	if (!ret && attached)
		ret = db_attach_set_grow_from(tx, v.lvolid, from);
	if (!ret && attached)
		ret = attach_op_begin(sm, tx, ATTACH_OP_GROW, v.lvolid,
				      v.lvolid, a.hsvrid, &op);
	ret = db_end(tx, ret);
	if (ret) {
		attach_op_free(op);
		return ret;
	}
	log_info("lvol-%08x '%s' extended: %lld -> %lld GiB%s", v.lvolid,
		 v.lvolname, (long long)from, (long long)cap,
		 op ? ", growing on its head" : "");
	return op ? attach_op_run(sm, op) : 0;
}
