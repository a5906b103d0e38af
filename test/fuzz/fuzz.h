/* The one entry point of every fuzz target: a request body through
 * rpc_process() with the target's own method table (fuzz_main.c). */
#ifndef VAS_FUZZ_H
#define VAS_FUZZ_H

#include "vas/rpc.h"

extern const struct rpc_method fuzz_table[];

#endif
