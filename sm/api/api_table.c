/*
 * The methods of the manager and the members each one accepts: the 20 of
 * vas_api.txt (version 5), then the additions of issue 16 (pools, quotas,
 * failure domains, growing a volume), which 3.0 clients never send, and
 * getTargetSecrets (issue 18), which only storage agents call.
 */
#include "api.h"
#include "records.h"
#include "vas/units.h"

#define ID(n)                                                                  \
	{                                                                      \
		n, RPC_T_INT, 0, INT32_MIN, VAS_MAX_RESOURCEID, 0              \
	}
#define REQ_ID(n)                                                              \
	{                                                                      \
		n, RPC_T_INT, RPC_REQUIRED, INT32_MIN, VAS_MAX_RESOURCEID, 0   \
	}
/*
 * Ids of any sign: a negative one finds nothing (ENOENT, as in 3.0). Volume
 * ids may come as decimal strings (XCP, cli.md 5.3).
 */
#define LVOLID(n)                                                              \
	{                                                                      \
		n, RPC_T_INT_OR_DEC, 0, INT32_MIN, VAS_MAX_RESOURCEID, 0       \
	}
#define NAME(n)                                                                \
	{                                                                      \
		n, RPC_T_STRING, 0, 0, 1024, 0                                 \
	}
#define IPS                                                                    \
	{                                                                      \
		"ip_data", RPC_T_ARRAY, RPC_REQUIRED, 1, 8, RPC_T_STRING       \
	}
/* A pool or failure domain by name (issue 16). */
#define POOLNAME(n, flags)                                                     \
	{                                                                      \
		n, RPC_T_STRING, flags, 0, SM_NAME_MAX, 0                      \
	}
/* Lists: pool and domain members in the entries (issue 16). */
#define PLACEMENT                                                              \
	{                                                                      \
		"placement", RPC_T_BOOL, 0, 0, 0, 0                            \
	}
#define QUOTA(flags)                                                           \
	{                                                                      \
		"quota", RPC_T_INT, flags, 0, INT32_MAX, 0                     \
	}
#define END                                                                    \
	{                                                                      \
		0, 0, 0, 0, 0, 0                                               \
	}

static const struct rpc_param_spec none[] = {END};
static const struct rpc_param_spec register_hsvr[] = {IPS, END};
static const struct rpc_param_spec register_ssvr[] = {
    IPS, POOLNAME("pool", 0), POOLNAME("domain", 0), END};
static const struct rpc_param_spec register_pdsk[] = {
    REQ_ID("ssvrid"),
    {"local_path", RPC_T_STRING, RPC_REQUIRED, 0, 1024, 0},
    /* Parsed only for a new disk: a known one ignores it (sm.md 3.3). */
    {"capacity", RPC_T_DECSTR, RPC_REQUIRED | RPC_LATE, 0,
     INT64_C(999999999999999999), 0},
    POOLNAME("pool", 0),
    END};
static const struct rpc_param_spec pdskid[] = {REQ_ID("pdskid"), END};
static const struct rpc_param_spec hsvrid[] = {REQ_ID("hsvrid"), END};
static const struct rpc_param_spec ssvrid[] = {REQ_ID("ssvrid"), END};
static const struct rpc_param_spec opt_hsvrid[] = {ID("hsvrid"), END};
static const struct rpc_param_spec list_storage[] = {
    ID("ssvrid"), POOLNAME("pool", 0), PLACEMENT, END};
static const struct rpc_param_spec lvol_create[] = {
    {"lvolname", RPC_T_STRING, RPC_REQUIRED, 0, 1024, 0},
    {"capacity", RPC_T_INT, RPC_REQUIRED, 1, VAS_MAX_LENGTH_GIB, 0},
    {"redundancy", RPC_T_INT, 0, VAS_MIN_REDUNDANCY, VAS_MAX_REDUNDANCY, 0},
    POOLNAME("pool", 0),
    END};
static const struct rpc_param_spec snap_create[] = {
    LVOLID("origin_lvolid"),
    NAME("origin_lvolname"),
    /* Checked after the origin's lookup (sm.md 3.8). */
    {"snapshot_lvolname", RPC_T_STRING, RPC_LATE, 0, 1024, 0},
    POOLNAME("pool", 0),
    END};
static const struct rpc_param_spec lvol_ref[] = {LVOLID("lvolid"),
						 NAME("lvolname"), END};
static const struct rpc_param_spec lvol_list[] = {
    LVOLID("lvolid"), NAME("lvolname"), POOLNAME("pool", 0), PLACEMENT, END};
static const struct rpc_param_spec lvol_attach[] = {
    LVOLID("lvolid"), NAME("lvolname"), REQ_ID("hsvrid"), END};
static const struct rpc_param_spec notify_failure[] = {
    {"target", RPC_T_INT, RPC_REQUIRED, 1, 4, 0}, REQ_ID("targetid"), END};
static const struct rpc_param_spec notify_badblocks[] = {
    REQ_ID("pdskid"),
    {"blocks", RPC_T_ARRAY, RPC_REQUIRED, 0, 65536, RPC_T_INT},
    END};
static const struct rpc_param_spec pool_create[] = {
    POOLNAME("pool", RPC_REQUIRED), POOLNAME("parent", 0), QUOTA(0), END};
static const struct rpc_param_spec pool_ref[] = {POOLNAME("pool", RPC_REQUIRED),
						 END};
static const struct rpc_param_spec pool_list[] = {POOLNAME("pool", 0), END};
static const struct rpc_param_spec pool_quota[] = {
    POOLNAME("pool", RPC_REQUIRED), QUOTA(RPC_REQUIRED), END};
/* Exactly one of ssvrid and pdskid (checked by the handler). */
static const struct rpc_param_spec storage_pool[] = {
    POOLNAME("pool", RPC_REQUIRED), ID("ssvrid"), ID("pdskid"), END};
static const struct rpc_param_spec lvol_extend[] = {
    LVOLID("lvolid"),
    NAME("lvolname"),
    {"capacity", RPC_T_INT, RPC_REQUIRED, 1, VAS_MAX_LENGTH_GIB, 0},
    END};
static const struct rpc_param_spec failure_domain[] = {
    REQ_ID("ssvrid"), POOLNAME("domain", RPC_REQUIRED), END};

const struct rpc_method sm_methods[] = {
    {"registerHeadServer", api_register_hsvr, register_hsvr, RPC_M_MUTATES,
     api_guard_agent},
    {"registerStorageServer", api_register_ssvr, register_ssvr, RPC_M_MUTATES,
     api_guard_agent},
    {"registerPhysicalDisk", api_register_pdsk, register_pdsk, RPC_M_MUTATES,
     api_guard_agent},
    {"deletePhysicalDisk", api_delete_pdsk, pdskid, RPC_M_MUTATES,
     api_guard_admin},
    {"deleteHeadServer", api_delete_hsvr, hsvrid, RPC_M_MUTATES,
     api_guard_admin},
    {"deleteStorageServer", api_delete_ssvr, ssvrid, RPC_M_MUTATES,
     api_guard_admin},
    {"createLogicalVolume", api_lvol_create, lvol_create, RPC_M_MUTATES, NULL},
    {"createSnapshot", api_snap_create, snap_create, RPC_M_MUTATES, NULL},
    {"deleteLogicalVolume", api_lvol_delete, lvol_ref, RPC_M_MUTATES,
     api_guard_admin},
    {"attachLogicalVolume", api_lvol_attach, lvol_attach, RPC_M_MUTATES, NULL},
    {"detachLogicalVolume", api_lvol_detach, lvol_ref, RPC_M_MUTATES, NULL},
    {"listHeadServers", api_list_hsvrs, opt_hsvrid, RPC_M_CACHED, NULL},
    {"listStorageServers", api_list_ssvrs, list_storage, RPC_M_CACHED, NULL},
    {"listPhysicalDisks", api_list_pdsks, list_storage, RPC_M_CACHED, NULL},
    {"listEvents", api_list_events, none, 0, NULL},
    {"listLogicalVolumes", api_lvol_list, lvol_list, RPC_M_CACHED, NULL},
    {"showLogicalVolume", api_lvol_show, lvol_ref, 0, NULL},
    {"notifyFailure", api_notify_failure, notify_failure, RPC_M_MUTATES,
     api_guard_agent},
    {"notifyBadBlocks", api_notify_badblocks, notify_badblocks, RPC_M_MUTATES,
     api_guard_agent},
    {"shutdownAll", api_shutdown_all, none, RPC_M_MUTATES, api_guard_admin},
    /* Additions (issue 16). */
    {"createPool", api_pool_create, pool_create, RPC_M_MUTATES,
     api_guard_admin},
    {"deletePool", api_pool_delete, pool_ref, RPC_M_MUTATES, api_guard_admin},
    {"listPools", api_pool_list, pool_list, 0, NULL},
    {"setPoolQuota", api_pool_quota, pool_quota, RPC_M_MUTATES,
     api_guard_admin},
    {"setStoragePool", api_storage_pool, storage_pool, RPC_M_MUTATES,
     api_guard_admin},
    {"setFailureDomain", api_failure_domain, failure_domain, RPC_M_MUTATES,
     api_guard_admin},
    {"extendLogicalVolume", api_lvol_extend, lvol_extend, RPC_M_MUTATES, NULL},
    /* Ours, agents only (issue 18): a storage agent's CHAP accounts. */
    {"getTargetSecrets", api_target_secrets, ssvrid, 0, api_guard_agent},
    {0, 0, 0, 0, NULL},
};
