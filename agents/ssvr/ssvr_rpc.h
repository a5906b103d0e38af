/* ssvr_agent's method table and the state its handlers share. */
#ifndef VAS_SSVR_RPC_H
#define VAS_SSVR_RPC_H

#include "ssvr_priv.h"
#include "vas/rpc.h"

struct ssvr_agent {
	const struct ssvr_cfg *cfg;
	struct event_table *events;
	struct shredder *shred;
};

extern const struct rpc_method ssvr_methods[];

#endif
