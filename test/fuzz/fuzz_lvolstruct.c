/*
 * libFuzzer target: the head agent's lvolstruct decoder, reached as the
 * agent reaches it (an attachLogicalVolume call through the dispatcher),
 * then encoded back and freed.
 */
#include "vas/lvolstruct.h"
#include "vas/lvolstruct_rpc.h"
#include "fuzz.h"

#include <stdint.h>
#include <stdlib.h>

static int attach(struct rpc_request *req)
{
	struct vas_lvolstruct lv;

	if (lvs_decode(rpc_member(req, "lvolstruct"), &lv))
		return -22;
	req->result = lvs_encode(req->env, &lv);
	lvs_clear(&lv);
	return 0;
}

static const struct rpc_param_spec spec[] = {
    {"eventid", RPC_T_INT, RPC_REQUIRED, 0, INT32_MAX, 0},
    {"lvolstruct", RPC_T_STRUCT, RPC_REQUIRED, 0, 0, 0},
    {NULL, 0, 0, 0, 0, 0}};

const struct rpc_method fuzz_table[] = {
    {"attachLogicalVolume", attach, spec, 0}, {NULL, NULL, NULL, 0}};
