/* pool_delete: remove an empty storage pool (issue 16). */
#include "cli_priv.h"

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	int ret;

	(void)argc;
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = vas_pool_delete(ctx->client, argv[0]);
	return ret ? cli_report(ctx, argv[0], ret) : CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_pool_delete = {
    .name = "pool_delete",
    .run = run,
    .opts = 0,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... PoolName",
    .summary = "delete a storage pool",
    .help =
	"  Removes the storage pool PoolName. Refused with 'Device or "
	"resource busy'\n"
	"  while a volume, a sub-pool, a storage server or a disk is in it, "
	"and\n"
	"  always for 'default'; 'No such file or directory' when there is "
	"no such\n"
	"  pool. Prints nothing on success.\n",
};
