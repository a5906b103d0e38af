/* snap_create: a read-only snapshot of a volume; prints its id. */
#include "cli_priv.h"

#include <stdio.h>

struct snap_args {
	const char *name;
	int32_t id;
};

static int create(struct cli_ctx *ctx, struct vas_lvol_ref origin, void *arg)
{
	struct snap_args *a = arg;

	return vas_snap_create_in(ctx->client, origin, a->name, ctx->pool,
				  &a->id);
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct snap_args a = {argv[1], 0};
	char object[200];
	int ret;

	(void)argc;
	ret = cli_check_new_name(ctx, a.name);
	if (ret)
		return ret;
	snprintf(object, sizeof(object), "%s -> %s", argv[0], a.name);
	ret = cli_lvol_call(ctx, argv[0], object, create, &a);
	if (ret)
		return ret;
	cli_print_ids(ctx->out, "lvol-", a.id);
	return CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_snap_create = {
    .name = "snap_create",
    .run = run,
    .opts = CLI_O_REF | CLI_O_POOL_NEW,
    .min_args = 2,
    .max_args = 2,
    .synopsis = "[OPTION]... {LogicalVolumeID|LogicalVolumeName} "
		"SnapshotName",
    .summary = "create a snapshot of a logical volume",
    .help =
	"  Creates SnapshotName, a snapshot of the given volume (both "
	"arguments are\n"
	"  required), and prints its id. The snapshot gets the origin's "
	"redundancy\n"
	"  and a copy-on-write store of C + C/1024 + 1 GB for an origin of C "
	"GB,\n"
	"  which is the capacity lvol_list shows for it; on a head server it "
	"is a\n"
	"  read-only device of the origin's size. If the origin is attached "
	"the\n"
	"  snapshot is attached to the same head server before this returns; "
	"if that\n"
	"  step fails the error is printed but the snapshot exists (marked "
	"'*').\n"
	"  Names follow the lvol_create rules. Snapshots of snapshots are "
	"refused.\n"
	"  Errors: 'File exists', 'Device or resource busy' (origin being "
	"attached or\n"
	"  detached, or in error), 'No such file or directory' (no such "
	"origin or\n"
	"  pool), 'Disk quota exceeded' (the copy-on-write store does not fit "
	"the\n"
	"  pool's quota).\n",
};
