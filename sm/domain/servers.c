/* Registration and deletion of servers and disks; shutdownAll. */
#include "servers.h"
#include "db_chap.h"
#include "db_disks.h"
#include "db_pools.h"
#include "db_resync.h"
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

bool srv_ip_registered(struct sm *sm, const char *ip)
{
	struct db_tx *tx = NULL;
	int32_t hsvr = 0, ssvr = 0;
	int ret;

	if (db_begin(sm->db, false, &tx))
		return false;
	ret = db_ip_owner(tx, SRV_HSVR, ip, &hsvr);
	if (!ret)
		ret = db_ip_owner(tx, SRV_SSVR, ip, &ssvr);
	db_end(tx, ret);
	return !ret && (hsvr || ssvr);
}

/* Whether peer is one of server id's data addresses. */
static bool own_address(const struct sm_server *self, const char *peer)
{
	int i;

	for (i = 0; i < self->n_ip; i++)
		if (!strcmp(self->ip[i], peer))
			return true;
	return false;
}

int srv_target_secrets(struct sm *sm, int32_t ssvrid, const char *peer,
		       struct sm_chap **rows, int *n)
{
	struct sm_server self = {0};
	struct db_tx *tx = NULL;
	int32_t hsvr = 0, ssvr = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	if (ssvrid <= 0)
		return -ENOENT;
	ret = db_begin(sm->db, false, &tx);
	if (ret)
		return ret;
	ret = db_server_ips(tx, SRV_SSVR, ssvrid, &self);
	if (!ret && !self.n_ip)
		ret = -ENOENT;
	if (!ret && peer && !own_address(&self, peer)) {
		ret = db_ip_owner(tx, SRV_HSVR, peer, &hsvr);
		if (!ret)
			ret = db_ip_owner(tx, SRV_SSVR, peer, &ssvr);
		/* A head only learns the secrets of its own legs' disks. */
		if (!ret && (hsvr || ssvr))
			ret = -EACCES;
	}
	if (!ret)
		ret = db_chap_of_server(tx, ssvrid, rows, n);
	db_end(tx, ret);
	return ret;
}

void srv_secrets_free(struct sm_chap *rows, int n)
{
	if (rows)
		explicit_bzero(rows, sizeof(*rows) * (size_t)n);
	free(rows);
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

/*
 * Legs still on a disk that comes back were given up while it was away
 * (left SPARE for want of room, or INSYNC because an attach was in flight
 * when the evacuation came): the head wrote on without them, so each one
 * is rebuilt in place, never trusted as it is.
 */
static int readd_returning_legs(struct db_tx *tx, int32_t pdskid)
{
	struct leg_row *legs = NULL;
	int n = 0, i, ret;

	ret = db_legs_on(tx, pdskid, &legs, &n);
	for (i = 0; !ret && i < n; i++)
		if (legs[i].mirror_status == MIRROR_INSYNC ||
		    legs[i].mirror_status == MIRROR_SPARE) {
			log_info("dext-%08x on returning pdsk-%08x: rebuilt",
				 legs[i].dextid, pdskid);
			ret = db_leg_readd(tx, &legs[i], 0);
		}
	free(legs);
	return ret;
}

/* A known disk comes back: LOW if it has bad extents; shred OFFLINE ones. */
static int pdsk_return(struct sm *sm, struct db_tx *tx, int32_t pdskid)
{
	int faulty = 0, ret;

	(void)sm;
	ret = readd_returning_legs(tx, pdskid);
	if (!ret)
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
	int32_t first_lvol = 0, poolid = 0;
	struct db_tx *tx = NULL;
	bool returned = false;
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
		returned = may_return(SRV_SSVR, prio);
		ret = returned ? pdsk_return(sm, tx, *pdskid) : -EEXIST;
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
	if (!ret)
		ret = db_pdsk_insert(tx, *pdskid, ssvrid, path, vb, rest,
				     sm->cfg.carve, first_lvol);
	/* Queued shreds take their event ids only when sent. */
	if (!ret)
		ret = db_shred_queue_offline(tx, *pdskid);
	if (!ret && poolid)
		ret = db_pdsk_set_pool(tx, *pdskid, poolid);
out:
	ret = db_end(tx, ret);
	if (!ret) {
		log_info("pdsk-%08x on ssvr-%08x: %s", *pdskid, ssvrid, path);
		sm_wake_shred(sm);
		if (returned)
			sm_wake_resync(sm); /* its legs are re-added */
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
