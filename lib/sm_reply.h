/* Private to lib/: decoders of the manager's replies (sm_reply.c). */
#ifndef VAS_SM_REPLY_H
#define VAS_SM_REPLY_H

#include <stdint.h>
#include <xmlrpc-c/base.h>

#include "vas/client.h"

enum smr_kind { SMR_HSVR, SMR_SSVR, SMR_PDSK, SMR_LVOL, SMR_POOL };

/* An int or i8 value; -EPROTO for any other type. */
int smr_read_int(const xmlrpc_value *v, int64_t *out);
/*
 * An array reply into a calloc'd array of vas_<kind>_info (*out NULL and
 * *n 0 on failure). Returns 0, -EPROTO or -ENOMEM.
 */
int smr_decode(const xmlrpc_value *res, enum smr_kind kind, void **out, int *n);
/* Frees the entries' own arrays, then a. */
void smr_free_lvols(struct vas_lvol_info *a, int n);

#endif
