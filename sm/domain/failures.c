/* notifyFailure and notifyBadBlocks (sm.md 3.18, 3.19, 8). */
#include "failures.h"
#include "db_disks.h"
#include "db_failures.h"
#include "db_servers.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>

int sm_notify_failure(struct sm *sm, int target, int32_t id)
{
	struct pdsk_row disk;
	struct db_tx *tx = NULL;
	int ret, prio = 0;

	ret = db_begin(sm->db, true, &tx);
	if (ret)
		return ret;
	switch (target) {
	case TARGET_HSVR:
	case TARGET_SSVR: {
		enum srv_kind kind = target == TARGET_HSVR ? SRV_HSVR : SRV_SSVR;

		ret = db_server_priority(tx, kind, id, &prio);
		if (ret == -ENOENT || (!ret && prio == PRIO_OFFLINE)) {
			db_rollback(tx);
			return 0; /* unknown or already failed: nothing to do */
		}
		if (!ret)
			ret = kind == SRV_HSVR ? db_fail_hsvr(tx, id)
					       : db_fail_ssvr(tx, id);
		break;
	}
	case TARGET_PDSK:
		ret = db_pdsk_get(tx, id, &disk);
		if (ret == -ENOENT ||
		    (!ret && (disk.priority == PRIO_OFFLINE ||
			      disk.priority == PRIO_FAULTY))) {
			db_rollback(tx);
			return 0;
		}
		if (!ret)
			ret = db_fail_pdsk(tx, id);
		break;
	case TARGET_LVOL:
		ret = db_fail_dext(tx, id);
		break;
	default:
		ret = -EINVAL;
	}
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	ret = db_commit(tx);
	if (!ret)
		log_warn("failure recorded: target %d id %08x", target, id);
	return ret;
}

int sm_notify_bad_blocks(struct sm *sm, int32_t pdskid, const int32_t *blocks,
			 int n)
{
	struct pdsk_row disk;
	struct db_tx *tx = NULL;
	int ret = db_begin(sm->db, true, &tx);

	if (ret)
		return ret;
	ret = db_pdsk_get(tx, pdskid, &disk);
	if (ret == -ENOENT)
		ret = -EINVAL;
	if (!ret && disk.priority == PRIO_FAULTY) {
		db_rollback(tx);
		return 0;
	}
	if (!ret)
		ret = db_bad_blocks(tx, pdskid, blocks, n);
	if (ret) {
		db_rollback(tx);
		return ret;
	}
	return db_commit(tx);
}
