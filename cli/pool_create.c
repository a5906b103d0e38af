/* pool_create: a new storage pool; prints its id (issue 16). */
#include "cli_priv.h"

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	int32_t id = 0;
	int ret;

	(void)argc;
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = vas_pool_create(ctx->client, argv[0], ctx->parent, ctx->quota_gib,
			      &id);
	if (ret)
		return cli_report(ctx, argv[0], ret);
	cli_print_ids(ctx->out, "pool-", id);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_pool_create = {
    .name = "pool_create",
    .run = run,
    .opts = CLI_O_PARENT,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... PoolName",
    .summary = "create a storage pool",
    .help =
	"  Creates the storage pool PoolName inside --parent (default: "
	"'default', the\n"
	"  pool every server, disk and volume is in unless placed elsewhere) "
	"and\n"
	"  prints its id, e.g. pool-00000002. Names: 1..64 characters from "
	"A-Z a-z\n"
	"  0-9 . - _, not '.' or '..'. With --quota, the volumes (GB = GiB "
	"of volume\n"
	"  capacity, snapshots' copy-on-write stores included) of the pool "
	"and of its\n"
	"  sub-pools together can never pass it: a create or extension that "
	"would is\n"
	"  refused. Sub-pools' quotas may add up to more than their parent's, "
	"but no\n"
	"  pool's quota may be larger than one it is part of.\n"
	"  Volumes of a pool go to its storage servers and disks (see "
	"ssvr_list -P);\n"
	"  a pool without any uses those of the nearest pool it is part of "
	"that has\n"
	"  some. Storage is placed with the manager's setStoragePool call or "
	"at\n"
	"  registration.\n"
	"  Errors: 'File exists' (name taken), 'No such file or directory' "
	"(no such\n"
	"  parent), 'Disk quota exceeded' (quota larger than a parent's), "
	"'Invalid\n"
	"  argument' (bad name).\n",
};
