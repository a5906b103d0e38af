/* One call through the dispatcher, for the unit tests of method tables. */
#ifndef VAS_RPC_CALL_H
#define VAS_RPC_CALL_H

#include <check.h>
#include <stdlib.h>

#include "vas/rpc.h"

/*
 * Runs the call document xml against table and returns the reply's fault
 * code, 0 for a result; an int result is stored in *v (v may be NULL).
 */
static inline int rpc_call_table(const struct rpc_method *table,
				 const char *xml, size_t len, int *v)
{
	xmlrpc_mem_block *out = rpc_process(table, NULL, xml, len, "t");
	xmlrpc_value *res = NULL;
	const char *fs = NULL;
	int code = 0;
	xmlrpc_env env;

	ck_assert_ptr_nonnull(out);
	xmlrpc_env_init(&env);
	xmlrpc_parse_response2(&env, XMLRPC_MEMBLOCK_CONTENTS(char, out),
			       XMLRPC_MEMBLOCK_SIZE(char, out), &res, &code,
			       &fs);
	ck_assert_msg(!env.fault_occurred, "unparsable reply");
	if (res) {
		if (v && xmlrpc_value_type(res) == XMLRPC_TYPE_INT)
			xmlrpc_read_int(&env, res, v);
		xmlrpc_DECREF(res);
	}
	free((void *)fs);
	xmlrpc_env_clean(&env);
	XMLRPC_MEMBLOCK_FREE(char, out);
	return code;
}

#endif
