/*
 * The typed client's calls of the additions of issue 16: pools, quotas,
 * where storage belongs, failure domains, growing a volume.
 */
#include "sm_reply.h"
#include "sm_request.h"
#include "vas/client.h"
#include "vas/units.h"

#include <errno.h>
#include <stddef.h>

int vas_pool_create(struct vas_client *c, const char *pool, const char *parent,
		    int64_t quota_gib, int32_t *poolid)
{
	struct sm_req r;

	if (!pool || quota_gib < 0 || quota_gib > INT32_MAX)
		return -EINVAL;
	sm_req_init(&r);
	sm_req_str(&r, "pool", pool);
	if (parent)
		sm_req_str(&r, "parent", parent);
	if (quota_gib)
		sm_req_int(&r, "quota", (int)quota_gib);
	return sm_req_send_id(c, &r, "createPool", poolid);
}

int vas_pool_delete(struct vas_client *c, const char *pool)
{
	struct sm_req r;

	if (!pool)
		return -EINVAL;
	sm_req_init(&r);
	sm_req_str(&r, "pool", pool);
	return sm_req_send_int(c, &r, "deletePool", NULL);
}

int vas_pool_quota(struct vas_client *c, const char *pool, int64_t quota_gib)
{
	struct sm_req r;

	if (!pool || quota_gib < 0 || quota_gib > INT32_MAX)
		return -EINVAL;
	sm_req_init(&r);
	sm_req_str(&r, "pool", pool);
	sm_req_int(&r, "quota", (int)quota_gib);
	return sm_req_send_int(c, &r, "setPoolQuota", NULL);
}

int vas_list_pools(struct vas_client *c, const char *pool,
		   struct vas_pool_info **out, int *n)
{
	xmlrpc_value *res = NULL;
	struct sm_req r;
	int ret;

	*out = NULL;
	*n = 0;
	sm_req_init(&r);
	if (pool)
		sm_req_str(&r, "pool", pool);
	r.repeatable = true;
	ret = sm_req_send(c, &r, "listPools", &res);
	if (!ret)
		ret = smr_decode(res, SMR_POOL, (void **)out, n);
	if (res)
		xmlrpc_DECREF(res);
	return ret;
}

int vas_storage_pool(struct vas_client *c, const char *pool, int32_t ssvrid,
		     int32_t pdskid)
{
	struct sm_req r;

	if (!pool || (ssvrid > 0) == (pdskid > 0))
		return -EINVAL;
	sm_req_init(&r);
	sm_req_str(&r, "pool", pool);
	sm_req_int(&r, ssvrid > 0 ? "ssvrid" : "pdskid",
		   ssvrid > 0 ? ssvrid : pdskid);
	return sm_req_send_int(c, &r, "setStoragePool", NULL);
}

int vas_failure_domain(struct vas_client *c, int32_t ssvrid, const char *domain)
{
	struct sm_req r;

	if (!domain)
		return -EINVAL;
	sm_req_init(&r);
	sm_req_int(&r, "ssvrid", ssvrid);
	sm_req_str(&r, "domain", domain);
	return sm_req_send_int(c, &r, "setFailureDomain", NULL);
}

int vas_lvol_extend(struct vas_client *c, struct vas_lvol_ref v,
		    int64_t capacity_gib)
{
	struct sm_req r;

	if (capacity_gib < 1 || capacity_gib > VAS_MAX_LENGTH_GIB)
		return -EINVAL;
	sm_req_init(&r);
	if (sm_req_ref(&r, "", v)) {
		sm_req_done(&r);
		return -EINVAL;
	}
	sm_req_int(&r, "capacity", (int)capacity_gib);
	return sm_req_send_int(c, &r, "extendLogicalVolume", NULL);
}
