/* lvol_create: a new logical volume; prints its id. */
#include "cli_priv.h"
#include "vas/units.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

/* Whole GiB, 1..1048576, plain decimal digits. */
static int parse_capacity(const char *s, int64_t *gib)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < 1 || v > VAS_MAX_LENGTH_GIB)
		return -EINVAL;
	*gib = v;
	return 0;
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	const char *name = argv[0];
	int64_t gib = 0;
	int32_t id = 0;
	int ret;

	(void)argc;
	ret = cli_check_new_name(ctx, name);
	if (ret)
		return ret;
	if (parse_capacity(argv[1], &gib))
		return cli_usage_error(ctx,
				       "invalid capacity '%s': whole GB (GiB), "
				       "1..%d",
				       argv[1], VAS_MAX_LENGTH_GIB);
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = vas_lvol_create_in(ctx->client, name, gib, ctx->redundancy,
				 ctx->pool, &id);
	if (ret)
		return cli_report(ctx, name, ret);
	cli_print_ids(ctx->out, "lvol-", id);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_lvol_create = {
    .name = "lvol_create",
    .run = run,
    .opts = CLI_O_REDUND | CLI_O_POOL_NEW,
    .min_args = 2,
    .max_args = 2,
    .synopsis = "[OPTION]... lvolname LogicalVolumeCapacity(Gbyte)",
    .summary = "create a logical volume",
    .help =
	"  Creates the volume lvolname of LogicalVolumeCapacity GB (GiB, a "
	"whole\n"
	"  number 1..1048576; the manager may round it up to its extent "
	"size) and\n"
	"  prints its id, e.g. lvol-0000025f. Every extent is mirrored on "
	"N\n"
	"  different storage servers (--redundancy). The volume is not "
	"attached.\n"
	"  Names: 1..64 characters from A-Z a-z 0-9 . - _, not '.' or '..', "
	"not\n"
	"  lvol-<hex>, unique among volumes and snapshots (checked here; a "
	"bad name\n"
	"  exits 2 without contacting the manager). Use '--' before a name "
	"that\n"
	"  starts with '-'.\n"
	"  Errors: 'File exists' (name taken), 'No space left on device' "
	"(fewer\n"
	"  storage servers with free space than the redundancy), 'Disk quota "
	"exceeded'\n"
	"  (the pool or one it is part of would pass its quota, see "
	"pool_quota),\n"
	"  'Invalid argument'.\n",
};
