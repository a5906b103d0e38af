/* Shared inside sm/domain/ only: starting attach/detach operations. */
#ifndef VAS_SM_DOMAIN_PRIV_H
#define VAS_SM_DOMAIN_PRIV_H

#include "attach.h"

struct db_tx;

/*
 * Inside the caller's transaction, once it has checked the rules: records
 * operation kind on root's attachment (a new attachment to hsvrid for
 * ATTACH_OP_ATTACH; target is root or one of its snapshots) and loads
 * what the head agent needs. After the caller commits, attach_op_run();
 * if the transaction failed, attach_op_free().
 */
int attach_op_begin(struct sm *sm, struct db_tx *tx, enum attach_kind kind,
		    int32_t root, int32_t target, int32_t hsvrid,
		    struct attach_op **out);
/* Hands op to the workers and waits for its outcome; op is theirs. */
int attach_op_run(struct sm *sm, struct attach_op *op);

#endif
