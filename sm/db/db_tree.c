/* Builds the lvolstruct tree of a volume from lvolmap (sm.md 6.2). */
#include "db_priv.h"
#include "db_volumes.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct layer {
	int32_t id, super;
	int type;
	int64_t capacity;
	int mirror_status;
	int32_t pdskid, ssvrid, origin;
	int64_t offset;
};

static int add_paths(struct db_tx *tx, struct vas_lvolstruct *n,
		     const char *iqn_prefix)
{
	PGresult *r;
	char path[256];
	int ret, i;

	ret =
	    db_q(tx, &r, "SELECT ip FROM ipdata WHERE ssvrid = $1 ORDER BY seq",
		 "d", n->ssvrid);
	if (ret)
		return ret;
	n->n_paths = 0;
	for (i = 0; !ret && i < PQntuples(r) && i < LVS_MAX_PATHS; i++) {
		snprintf(path, sizeof(path),
			 "/dev/disk/by-path/ip-%s:3260-iscsi-iqn.%s:%08x-lun-1",
			 db_s(r, i, 0), iqn_prefix, (unsigned)n->pdskid);
		ret = lvs_add_path(n, path);
	}
	PQclear(r);
	return ret;
}

/* Children of parent (already in order) become its components. */
static int attach_children(struct db_tx *tx, struct vas_lvolstruct *node,
			   const struct layer *all, int n, int32_t parent,
			   const char *iqn)
{
	int i, ret = 0;

	for (i = 0; !ret && i < n; i++) {
		struct vas_lvolstruct *c;

		if (all[i].super != parent || all[i].id == parent)
			continue;
		c = lvs_add_component(node);
		if (!c)
			return -ENOMEM;
		c->lvolid = all[i].id;
		c->lvoltype = all[i].type;
		c->capacity = all[i].capacity;
		c->origin_lvolid = all[i].origin;
		if (all[i].type == LVOLTYPE_DEXT) {
			c->mirror_status =
			    all[i].mirror_status == MIRROR_NEEDSHRED
				? MIRROR_ALLOCATED
				: all[i].mirror_status;
			c->pdskid = all[i].pdskid;
			c->ssvrid = all[i].ssvrid;
			c->offset = all[i].offset;
			ret = add_paths(tx, c, iqn);
		} else {
			c->n_paths = -1;
			ret = attach_children(tx, c, all, n, c->lvolid, iqn);
		}
	}
	return ret;
}

static int build(struct db_tx *tx, int32_t lvolid, const char *iqn,
		 struct vas_lvolstruct *out, bool with_assoc)
{
	struct sm_volume v;
	struct layer *all = NULL;
	char label[32];
	PGresult *r = NULL;
	int ret, i, n;

	ret = db_lvol_lookup(tx, lvolid, NULL, &v);
	if (ret)
		return ret;
	memset(out, 0, sizeof(*out));
	out->has_components = 1;
	out->lvolid = v.lvolid;
	out->lvoltype = LVOLTYPE_LVOL;
	out->capacity = v.capacity;
	out->n_paths = -1;
	snprintf(out->lvolname, sizeof(out->lvolname), "%s", v.lvolname);
	out->redundancy = v.redundancy;
	snprintf(out->ctime, sizeof(out->ctime), "%s", v.ctime);
	ids_format(label, sizeof(label), "lvol-", (uint32_t)v.lvolid);
	ret = lvs_add_label(out, v.lvolname);
	if (!ret)
		ret = lvs_add_label(out, label);
	if (!ret)
		ret =
		    db_q(tx, &r,
			 "SELECT m.lvolid, m.superlvolid, m.lvoltype, "
			 " m.capacity, m.mirror_status, d.pdskid, p.ssvrid, "
			 " d.\"offset\", (SELECT s.origin_lvolid FROM snapshot "
			 " s WHERE s.snapshot_lvolid = m.lvolid) "
			 "FROM lvolmap m LEFT JOIN dskmap d ON d.dextid = "
			 "m.dextid LEFT JOIN pdsklst p ON p.pdskid = d.pdskid "
			 "WHERE m.toplvolid = $1 ORDER BY m.superlvolid, "
			 "m.\"offset\", m.seq",
			 "d", lvolid);
	if (ret)
		goto out;
	n = PQntuples(r);
	all = calloc((size_t)n + 1, sizeof(*all));
	if (!all) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		all[i].id = (int32_t)db_l(r, i, 0);
		all[i].super = (int32_t)db_l(r, i, 1);
		all[i].type = (int)db_l(r, i, 2);
		all[i].capacity = db_l(r, i, 3);
		all[i].mirror_status = (int)db_l(r, i, 4);
		all[i].pdskid = (int32_t)db_l(r, i, 5);
		all[i].ssvrid = (int32_t)db_l(r, i, 6);
		all[i].offset = db_l(r, i, 7);
		all[i].origin = (int32_t)db_l(r, i, 8);
	}
	ret = attach_children(tx, out, all, n, lvolid, iqn);
	PQclear(r);
	r = NULL;
	if (ret || !with_assoc)
		goto out;
	ret = db_q(
	    tx, &r,
	    "SELECT assoc_lvolid FROM assoc WHERE lvolid = $1 ORDER BY seq",
	    "d", lvolid);
	for (i = 0; !ret && i < PQntuples(r); i++) {
		struct vas_lvolstruct *s = lvs_add_assoc(out);

		ret = s ? build(tx, (int32_t)db_l(r, i, 0), iqn, s, false)
			: -ENOMEM;
	}
out:
	if (r)
		PQclear(r);
	free(all);
	if (ret)
		lvs_clear(out);
	return ret;
}

int db_lvolstruct(struct db_tx *tx, int32_t lvolid, const char *iqn_prefix,
		  struct vas_lvolstruct *out)
{
	return build(tx, lvolid, iqn_prefix, out, true);
}
