/* The agent's XML-RPC method table (hsvr.md 3): only these are callable. */
#ifndef HSVR_AGENT_RPC_H
#define HSVR_AGENT_RPC_H

#include "vas/rpc.h"

/* ctx of every handler is the struct hsvr. */
extern const struct rpc_method hsvr_methods[];

#endif
