/* The lvolstruct on the wire: to and from XML-RPC values. */
#ifndef VAS_LVOLSTRUCT_RPC_H
#define VAS_LVOLSTRUCT_RPC_H

#include <xmlrpc-c/base.h>

#include "vas/lvolstruct.h"

/*
 * Encodes a node as the wire struct (7 members, 6 without components).
 * Returns a new reference, or NULL with env set.
 */
xmlrpc_value *lvs_encode(xmlrpc_env *env, const struct vas_lvolstruct *n);

/*
 * Decodes a wire struct into *n (zeroed first). Hostile input: every member
 * type-checked, depth limited. Returns 0 or -EINVAL (with lvs_clear done).
 */
int lvs_decode(const xmlrpc_value *v, struct vas_lvolstruct *n);

#endif
