/* lvol_extend: grow a logical volume, also while attached (issue 16). */
#include "cli_priv.h"
#include "vas/units.h"

#include <stdio.h>

struct extend_args {
	int64_t gib;
};

static int extend(struct cli_ctx *ctx, struct vas_lvol_ref ref, void *arg)
{
	const struct extend_args *a = arg;

	return vas_lvol_extend(ctx->client, ref, a->gib);
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct extend_args a;
	long gib;

	(void)argc;
	if (cli_parse_long(argv[1], 1, VAS_MAX_LENGTH_GIB, &gib))
		return cli_usage_error(ctx,
				       "invalid capacity '%s': whole GB (GiB), "
				       "1..%d",
				       argv[1], VAS_MAX_LENGTH_GIB);
	a.gib = gib;
	return cli_lvol_call(ctx, argv[0], NULL, extend, &a);
}

const struct cli_cmd cli_cmd_lvol_extend = {
    .name = "lvol_extend",
    .run = run,
    .opts = CLI_O_REF,
    .min_args = 2,
    .max_args = 2,
    .synopsis = "[OPTION]... {LogicalVolumeID|LogicalVolumeName} "
		"NewCapacity(Gbyte)",
    .summary = "grow a logical volume",
    .help =
	"  Grows the volume to NewCapacity GB (GiB; rounded up to the "
	"manager's\n"
	"  extent size), larger than it is: new mirrors are placed by the "
	"rules of\n"
	"  its pool, and its quota must allow them. When the volume is "
	"attached, its\n"
	"  head server grows /dev/vas/<name> in place (data stays where it "
	"is, the new\n"
	"  space reads zero) and tells a virtual machine using it; the "
	"command\n"
	"  returns when that is done. Snapshots keep their size. Prints "
	"nothing on\n"
	"  success.\n"
	"  Errors: 'Invalid argument' (not larger, or a snapshot), 'Disk "
	"quota\n"
	"  exceeded', 'No space left on device', 'Device or resource busy' "
	"(an attach\n"
	"  or detach in progress, or the attachment in error), 'No such file "
	"or\n"
	"  directory'.\n",
};
