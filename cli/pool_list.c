/* pool_list: storage pools with quota, use and space (issue 16). */
#include "cli_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void print(struct cli_ctx *ctx, const struct vas_pool_info *p, int n,
		  const struct vas_pool_info *all, int n_all)
{
	int i;

	if (ctx->json)
		cli_json_pools(ctx->out, p, n);
	else if (ctx->quiet)
		for (i = 0; i < n; i++)
			fprintf(ctx->out, "%s\n", p[i].pool);
	else
		cli_print_pools(ctx->out, p, n, all, n_all, !ctx->no_header);
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct vas_pool_info *all = NULL;
	int n = 0, i, ret;

	ret = cli_connect(ctx);
	if (ret)
		return ret;
	/* All of them: a row names its parent. */
	ret = vas_list_pools(ctx->client, NULL, &all, &n);
	if (ret)
		return cli_report(ctx, NULL, ret);
	for (i = 0; argc && i < n && strcmp(all[i].pool, argv[0]); i++)
		;
	if (argc && i == n) {
		free(all);
		return cli_report(ctx, argv[0], -ENOENT);
	}
	if (argc)
		print(ctx, &all[i], 1, all, n);
	else
		print(ctx, all, n, all, n);
	free(all);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_pool_list = {
    .name = "pool_list",
    .run = run,
    .opts = CLI_O_JSON | CLI_O_LIST,
    .min_args = 0,
    .max_args = 1,
    .synopsis = "[OPTION]... [PoolName]",
    .summary = "list storage pools, their quotas and space",
    .help =
	"  Lists every storage pool, or only PoolName, in id order:\n"
	"    poolid         pool         parent            quota       used   "
	"capacity  available  use% volumes\n"
	"    pool-00000001  default      ---                 ---      60 GB    "
	" 300 GB     180 GB   40%       2\n"
	"    pool-00000002  tenant       default          100 GB      30 GB    "
	" 300 GB     180 GB   40%       1\n"
	"  parent is the pool it is part of. quota and used are GB (GiB) of "
	"volume\n"
	"  capacity, snapshots' copy-on-write stores included: used counts "
	"the pool\n"
	"  and all its sub-pools, as the quota does ('---': no quota). "
	"capacity,\n"
	"  available and use% are those of the disks the pool's volumes go "
	"to (its\n"
	"  own, or those of the nearest pool it is part of that has some), "
	"in disk\n"
	"  units of 1025 MiB as in ssvr_list. volumes counts the volumes and "
	"snapshots\n"
	"  in the pool itself. -q prints the pool names (pools are named by "
	"name\n"
	"  everywhere). --json prints [{poolid, pool, parent, quota, "
	"capacity, used,\n"
	"  available, volumes}] (parent 0 for 'default', quota 0 for none).\n",
};
