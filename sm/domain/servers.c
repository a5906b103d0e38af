/* Registration and deletion of servers and disks; shutdownAll. */
#include "servers.h"
#include "db_disks.h"
#include "db_pools.h"
#include "db_servers.h"
#include "db_shred.h"
#include "db_volumes.h"
#include "pools.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_name[] = {"hsvr", "ssvr"};

/* Which server, if any, the address list names (sm.md 3.1 step 2, M5). */
static int match_addresses(struct db_tx *tx, enum srv_kind kind,
			   const char *const *ips, int n, int32_t *id)
{
	int known = 0, i, ret;
	int32_t owner, first = 0;

	for (i = 0; i < n; i++) {
		ret = db_ip_owner(tx, kind, ips[i], &owner);
		if (ret)
			return ret;
		if (!owner)
			continue;
		if (first && owner != first)
			return -EEXIST;
		first = owner;
		known++;
	}
	if (known && known != n)
		return -EEXIST;
	*id = first;
	return 0;
}

static bool may_return(enum srv_kind kind, int priority)
{
	return priority == PRIO_OFFLINE ||
	       (kind == SRV_SSVR && priority == PRIO_HALT);
}

/* Pool and domain given at registration (storage servers only). */
static int place(struct db_tx *tx, int32_t ssvrid,
		 const struct srv_placement *pl)
{
	int32_t poolid;
	int ret = 0;

	if (pl && pl->pool) {
		ret = db_pool_find(tx, pl->pool, &poolid);
		if (!ret)
			ret = db_ssvr_set_pool(tx, ssvrid, poolid);
	}
	if (!ret && pl && pl->domain)
		ret = db_ssvr_set_domain(tx, ssvrid, pl->domain);
	return ret;
}

int srv_register(struct sm *sm, enum srv_kind kind, const char *const *ips,
		 int n, const struct srv_placement *pl, int32_t *id)
{
	struct db_tx *tx = NULL;
	int ret, i, j, prio;

	if (n < 1)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!names_valid_ipv4(ips[i]))
			return -EINVAL;
	if (pl && (kind != SRV_SSVR ||
		   (pl->domain && *pl->domain && !pool_name_valid(pl->domain))))
		return -EINVAL;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = match_addresses(tx, kind, ips, n, id);
	if (ret)
		goto out;
	if (*id) {
		ret = db_server_priority(tx, kind, *id, &prio);
		if (!ret && !may_return(kind, prio))
			ret = -EEXIST;
		if (!ret)
			ret = db_server_set_priority(tx, kind, *id, PRIO_HIGH);
		if (!ret)
			ret = place(tx, *id, pl);
		goto out;
	}
	ret = db_genid(tx, kind == SRV_HSVR ? DB_ID_HSVR : DB_ID_SSVR, id);
	if (!ret)
		ret = db_server_insert(tx, kind, *id, PRIO_HIGH);
	for (i = 0; !ret && i < n; i++) {
		for (j = 0; j < i && strcmp(ips[i], ips[j]); j++)
			;
		if (j == i) /* duplicated elements are harmless */
			ret = db_ip_add(tx, kind, ips[i], *id);
	}
	if (!ret)
		ret = place(tx, *id, pl);
out:
	ret = db_end(tx, ret);
	if (!ret) {
		log_info("%s-%08x registered (%s)", kind_name[kind], *id,
			 ips[0]);
		if (kind == SRV_SSVR)
			sm_wake_shred(sm);
	}
	return ret;
}

int srv_delete(struct sm *sm, enum srv_kind kind, int32_t id)
{
	struct sm_disk *disks = NULL;
	struct db_tx *tx = NULL;
	int ret, prio, n = 0, i, attached = 0;

	if (id <= 0)
		return -ENOENT;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_server_priority(tx, kind, id, &prio);
	if (!ret && prio != PRIO_OFFLINE && prio != PRIO_FAULTY)
		ret = -EBUSY;
	if (!ret && kind == SRV_HSVR) {
		ret = db_attach_count_hsvr(tx, id, &attached);
		if (!ret && attached)
			ret = -EBUSY;
	}
	if (!ret && kind == SRV_SSVR) {
		ret = db_pdsk_list(tx, id, &disks, &n);
		for (i = 0; !ret && i < n; i++) {
			if (disks[i].priority != PRIO_OFFLINE &&
			    disks[i].priority != PRIO_FAULTY)
				ret = -EBUSY;
			else
				ret = db_pdsk_delete(tx, disks[i].pdskid);
		}
		free(disks);
	}
	if (!ret)
		ret = db_server_delete(tx, kind, id);
	return db_end(tx, ret);
}

int srv_list(struct sm *sm, enum srv_kind kind, int32_t id, const char *pool,
	     struct sm_server **rows, int *n)
{
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	int ret = db_begin(sm->db, false, &tx);

	if (ret)
		return ret;
	if (pool)
		ret = db_pool_find(tx, pool, &poolid);
	if (!ret)
		ret = db_server_list_in(tx, kind, id, poolid, rows, n);
	db_rollback(tx);
	return ret;
}

static int parse_sectors(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (!*s || strlen(s) > 18)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	if (v <= 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A known disk comes back: LOW if it has bad extents; shred OFFLINE ones. */
static int pdsk_return(struct sm *sm, struct db_tx *tx, int32_t pdskid)
{
	int faulty = 0, ret;

	(void)sm;
	ret = db_pdsk_has_faulty(tx, pdskid, &faulty);
	if (!ret)
		ret = db_pdsk_set_priority(tx, pdskid,
					   faulty ? PRIO_LOW : PRIO_HIGH);
	if (!ret)
		ret = db_shred_queue_offline(tx, pdskid);
	return ret;
}

int pdsk_register(struct sm *sm, int32_t ssvrid, const char *path,
		  const char *capacity, const char *pool, int32_t *pdskid)
{
	int64_t sectors = 0, vb, rest, n_ext;
	int32_t first_lvol = 0, first_event = 0, poolid = 0;
	struct db_tx *tx = NULL;
	int ret, prio;

	if (!*path)
		return -EINVAL;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_server_priority(tx, SRV_SSVR, ssvrid, &prio);
	if (ret == -ENOENT || (!ret && prio != PRIO_HIGH))
		ret = -EINVAL;
	if (!ret && pool)
		ret = db_pool_find(tx, pool, &poolid);
	if (ret)
		goto out;
	ret = db_pdsk_find(tx, ssvrid, path, pdskid, &prio);
	if (!ret) {
		ret = may_return(SRV_SSVR, prio) ? pdsk_return(sm, tx, *pdskid)
						 : -EEXIST;
		if (!ret && poolid)
			ret = db_pdsk_set_pool(tx, *pdskid, poolid);
		goto out;
	}
	if (ret != -ENOENT)
		goto out;
	ret = parse_sectors(capacity, &sectors);
	if (ret)
		goto out;
	units_disk_vb(sectors, &vb, &rest);
	if (vb > INT32_MAX) {
		ret = -EINVAL;
		goto out;
	}
	n_ext = db_pdsk_extent_count(vb, sm->cfg.carve);
	ret = db_genid(tx, DB_ID_PDSK, pdskid);
	if (!ret)
		ret =
		    db_genid_block(tx, DB_ID_LVOL, (int)n_ext + 1, &first_lvol);
	if (!ret && n_ext > 0)
		ret = db_genid_block(tx, DB_ID_EVENT, (int)n_ext, &first_event);
	if (ret == -EAGAIN) {
		/* The event counter wraps inside the block: one by one. */
		first_event = 0;
		ret = 0;
	}
	if (!ret)
		ret = db_pdsk_insert(tx, *pdskid, ssvrid, path, vb, rest,
				     sm->cfg.carve, first_lvol, first_event);
	if (!ret && !first_event)
		ret = db_shred_queue_offline(tx, *pdskid);
	if (!ret && poolid)
		ret = db_pdsk_set_pool(tx, *pdskid, poolid);
out:
	ret = db_end(tx, ret);
	if (!ret) {
		log_info("pdsk-%08x on ssvr-%08x: %s", *pdskid, ssvrid, path);
		sm_wake_shred(sm);
	}
	return ret;
}

int pdsk_delete(struct sm *sm, int32_t pdskid)
{
	struct db_tx *tx = NULL;
	struct sm_disk row;
	int ret;

	if (pdskid <= 0)
		return -ENOENT;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_pdsk_get(tx, pdskid, &row);
	if (!ret && row.priority != PRIO_OFFLINE && row.priority != PRIO_FAULTY)
		ret = -EBUSY;
	if (!ret)
		ret = db_pdsk_delete(tx, pdskid);
	return db_end(tx, ret);
}

int pdsk_list(struct sm *sm, int32_t ssvrid, const char *pool,
	      struct sm_disk **rows, int *n)
{
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	int ret, prio;

	ret = db_begin(sm->db, false, &tx);
	if (ret)
		return ret;
	ret = ssvrid ? db_server_priority(tx, SRV_SSVR, ssvrid, &prio) : 0;
	if (!ret && pool)
		ret = db_pool_find(tx, pool, &poolid);
	if (!ret)
		ret = db_pdsk_list_in(tx, ssvrid, poolid, rows, n);
	db_rollback(tx);
	return ret;
}

int sm_shutdown_all(struct sm *sm)
{
	struct db_tx *tx = NULL;
	int ret, attached = 0;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_attach_count_hsvr(tx, 0, &attached);
	if (!ret && attached)
		ret = -EBUSY;
	if (!ret)
		ret = db_servers_set_all(tx, SRV_HSVR, PRIO_OFFLINE);
	if (!ret)
		ret = db_servers_set_all(tx, SRV_SSVR, PRIO_HALT);
	if (!ret)
		ret = db_pdsks_set_all(tx, PRIO_HALT);
	return db_end(tx, ret);
}
