/* Pools, quotas, and where storage servers and disks belong (issue 16). */
#include "pools.h"
#include "db_disks.h"
#include "db_pools.h"
#include "db_servers.h"
#include "vas/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool pool_name_valid(const char *name)
{
	size_t len = strlen(name), i;

	if (len < 1 || len > SM_NAME_MAX || !strcmp(name, ".") ||
	    !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++)
		if (!strchr(
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789._-",
			name[i]))
			return false;
	return true;
}

int pool_resolve(struct db_tx *tx, const char *name, int32_t *poolid)
{
	if (!name) {
		*poolid = DB_POOL_DEFAULT;
		return 0;
	}
	return db_pool_find(tx, name, poolid);
}

int pool_charge(struct db_tx *tx, int32_t poolid, int64_t delta_gib)
{
	return db_pool_quota_room(tx, poolid, delta_gib);
}

int pool_charge_ask(struct db_tx *tx, int32_t poolid, int64_t delta_gib,
		    int *ticket)
{
	return db_pool_quota_room_ask(tx, poolid, delta_gib, ticket);
}

int pool_charge_answer(struct db_tx *tx, int ticket)
{
	return db_pool_quota_room_answer(tx, ticket);
}

int pool_create(struct sm *sm, const char *name, const char *parent,
		int64_t quota_gib, int32_t *poolid)
{
	struct db_tx *tx = NULL;
	int32_t up = 0, existing;
	int ret;

	if (!pool_name_valid(name) || quota_gib < 0)
		return -EINVAL;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_pool_find(tx, name, &existing);
	ret = ret == -ENOENT ? 0 : (ret ? ret : -EEXIST);
	if (!ret)
		ret = pool_resolve(tx, parent, &up);
	if (!ret && quota_gib > 0)
		ret = db_pool_quota_fits(tx, 0, up, quota_gib);
	if (!ret)
		ret = db_genid(tx, DB_ID_POOL, poolid);
	if (!ret)
		ret = db_pool_insert(tx, *poolid, name, up, quota_gib);
	ret = db_end(tx, ret);
	if (!ret)
		log_info("pool-%08x '%s' created under pool-%08x, quota %lld "
			 "GiB",
			 *poolid, name, up, (long long)quota_gib);
	return ret;
}

int pool_delete(struct sm *sm, const char *name)
{
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	bool busy = false;
	int ret;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_pool_find(tx, name, &poolid);
	if (!ret && poolid == DB_POOL_DEFAULT)
		ret = -EBUSY; /* the root: where everything else falls back */
	if (!ret)
		ret = db_pool_in_use(tx, poolid, &busy);
	if (!ret && busy)
		ret = -EBUSY;
	if (!ret)
		ret = db_pool_delete(tx, poolid);
	ret = db_end(tx, ret);
	if (!ret)
		log_info("pool-%08x '%s' deleted", poolid, name);
	return ret;
}

int pool_set_quota(struct sm *sm, const char *name, int64_t quota_gib)
{
	struct sm_pool *rows = NULL;
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	int ret, n = 0;

	if (quota_gib < 0)
		return -EINVAL;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_pool_find(tx, name, &poolid);
	if (!ret)
		ret = db_pool_list(tx, poolid, &rows, &n);
	if (!ret && quota_gib > 0)
		ret = db_pool_quota_fits(tx, poolid, rows[0].parent, quota_gib);
	if (!ret)
		ret = db_pool_set_quota(tx, poolid, quota_gib);
	free(rows);
	ret = db_end(tx, ret);
	if (!ret)
		log_info("pool-%08x '%s': quota %lld GiB", poolid, name,
			 (long long)quota_gib);
	return ret;
}

int pool_list(struct sm *sm, const char *name, struct sm_pool **rows, int *n)
{
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	int ret;

	*rows = NULL;
	*n = 0;
	ret = db_begin(sm->db, false, &tx);
	if (ret)
		return ret;
	if (name)
		ret = db_pool_find(tx, name, &poolid);
	if (!ret)
		ret = db_pool_list(tx, poolid, rows, n);
	db_rollback(tx);
	return ret;
}

int pool_place_server(struct sm *sm, int32_t ssvrid, const char *pool)
{
	struct db_tx *tx = NULL;
	int32_t poolid = 0;
	int ret, prio;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_server_priority(tx, SRV_SSVR, ssvrid, &prio);
	if (!ret)
		ret = db_pool_find(tx, pool, &poolid);
	if (!ret)
		ret = db_ssvr_set_pool(tx, ssvrid, poolid);
	ret = db_end(tx, ret);
	if (!ret)
		log_info("ssvr-%08x moved to pool '%s'", ssvrid, pool);
	return ret;
}

int pool_place_disk(struct sm *sm, int32_t pdskid, const char *pool)
{
	struct db_tx *tx = NULL;
	struct sm_disk disk;
	int32_t poolid = 0;
	int ret;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_pdsk_get(tx, pdskid, &disk);
	if (!ret)
		ret = db_pool_find(tx, pool, &poolid);
	if (!ret)
		ret = db_pdsk_set_pool(tx, pdskid, poolid);
	ret = db_end(tx, ret);
	if (!ret)
		log_info("pdsk-%08x moved to pool '%s'", pdskid, pool);
	return ret;
}

int pool_set_domain(struct sm *sm, int32_t ssvrid, const char *domain)
{
	struct db_tx *tx = NULL;
	int ret, prio;

	if (*domain && !pool_name_valid(domain))
		return -EINVAL;
	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	ret = db_server_priority(tx, SRV_SSVR, ssvrid, &prio);
	if (!ret)
		ret = db_ssvr_set_domain(tx, ssvrid, domain);
	ret = db_end(tx, ret);
	if (!ret)
		log_info("ssvr-%08x: failure domain '%s'", ssvrid, domain);
	return ret;
}
