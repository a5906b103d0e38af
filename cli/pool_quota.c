/* pool_quota: set or lift a storage pool's quota (issue 16). */
#include "cli_priv.h"

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	long gib;
	int ret;

	(void)argc;
	if (cli_parse_long(argv[1], 0, INT32_MAX, &gib))
		return cli_usage_error(ctx,
				       "invalid quota '%s': whole GB (GiB), "
				       "0..%d",
				       argv[1], INT32_MAX);
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = vas_pool_quota(ctx->client, argv[0], gib);
	return ret ? cli_report(ctx, argv[0], ret) : CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_pool_quota = {
    .name = "pool_quota",
    .run = run,
    .opts = 0,
    .min_args = 2,
    .max_args = 2,
    .synopsis = "[OPTION]... PoolName Quota(Gbyte)",
    .summary = "set the quota of a storage pool",
    .help =
	"  Sets the quota of PoolName to Quota GB (GiB of volume capacity); "
	"0 lifts\n"
	"  it. The quota bounds the volumes of the pool and of all its "
	"sub-pools\n"
	"  together. 'Disk quota exceeded': the pool and its sub-pools "
	"already hold\n"
	"  more, a sub-pool has a larger quota, or a pool it is part of has a "
	"smaller\n"
	"  one. Prints nothing on success.\n",
};
