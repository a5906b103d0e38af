/* libFuzzer entry points shared by the targets: each input is one request
 * body, handled as a daemon handles it (see fuzz.h). */
#include "fuzz.h"
#include "vas/log.h"

#include <stdint.h>

/* Quiet: the dispatcher logs every refused request at INFO. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("fuzz", LOG_LVL_ERR, 0);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	xmlrpc_mem_block *out;

	out = rpc_process(fuzz_table, NULL, (const char *)data, size, "fuzz");
	if (out)
		XMLRPC_MEMBLOCK_FREE(char, out);
	return 0;
}
