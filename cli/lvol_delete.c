/* lvol_delete: remove a volume or snapshot. */
#include "cli_priv.h"

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	return cli_run_lvol_op(ctx, argv[0], vas_lvol_delete);
}

const struct cli_cmd cli_cmd_lvol_delete = {
    .name = "lvol_delete",
    .run = run,
    .opts = CLI_O_REF,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... {LogicalVolumeID|LogicalVolumeName}",
    .summary = "delete a logical volume or snapshot",
    .help = "  Deletes the volume; its extents are zeroed in the background "
	    "before reuse.\n"
	    "  A volume that is attached, being attached or detached, or that "
	    "still has\n"
	    "  snapshots is refused with 'Device or resource busy'. A snapshot "
	    "of an\n"
	    "  attached origin is first detached from the head server; this "
	    "call waits\n"
	    "  for that (see --timeout). Prints nothing on success.\n",
};
