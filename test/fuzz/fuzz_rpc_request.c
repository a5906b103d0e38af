/*
 * libFuzzer target: one HTTP request body through what every daemon does
 * with it before and after a handler: the XML guard, xmlrpc-c's parser,
 * the envelope and the declarative validation of each member type, the
 * accessors handlers use, and the reply's serialisation.
 */
#include "fuzz.h"

#include <stdint.h>
#include <stdlib.h>

static int touch(struct rpc_request *req)
{
	xmlrpc_value *st = rpc_struct_new(req);

	/* What handlers read, in every type the spec allows. */
	rpc_set_int(req, st, "i", rpc_int(req, "i", 0) + rpc_int(req, "d", 0));
	rpc_set_str(req, st, "s", rpc_str(req, "s", ""));
	rpc_set_bool(req, st, "b", rpc_has(req, "b"));
	if (rpc_member(req, "a"))
		rpc_set_int(req, st, "n",
			    xmlrpc_array_size(req->env, rpc_member(req, "a")));
	req->result = st;
	return rpc_int(req, "i", 0) == 13 ? -16 : 0;
}

static const struct rpc_param_spec spec[] = {
    {"i", RPC_T_INT, 0, INT32_MIN, INT32_MAX, 0},
    {"s", RPC_T_STRING, 0, 0, 64, 0},
    {"d", RPC_T_DECSTR, 0, 1, 1000000, 0},
    {"x", RPC_T_INT_OR_DEC, 0, -5, 5, 0},
    {"a", RPC_T_ARRAY, 0, 0, 8, RPC_T_STRING},
    {"n", RPC_T_ARRAY, 0, 1, 4, RPC_T_INT},
    {"t", RPC_T_STRUCT, 0, 0, 0, 0},
    {"b", RPC_T_BOOL, 0, 0, 0, 0},
    {"r", RPC_T_INT, RPC_REQUIRED | RPC_LATE, 0, 10, 0},
    {NULL, 0, 0, 0, 0, 0}};

static const struct rpc_param_spec required[] = {
    {"s", RPC_T_STRING, RPC_REQUIRED, 1, 8, 0}, {NULL, 0, 0, 0, 0, 0}};

const struct rpc_method fuzz_table[] = {
    {"call", touch, spec, RPC_M_MUTATES},
    {"need", touch, required, 0},
    {"helloWorld", touch, NULL, RPC_M_NOVERSION},
    {NULL, NULL, NULL, 0}};
