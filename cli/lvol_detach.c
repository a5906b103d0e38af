/* lvol_detach: take a volume (and its snapshots) off its head server. */
#include "cli_priv.h"

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)argc;
	return cli_run_lvol_op(ctx, argv[0], vas_lvol_detach);
}

const struct cli_cmd cli_cmd_lvol_detach = {
    .name = "lvol_detach",
    .run = run,
    .opts = CLI_O_REF,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... {LogicalVolumeID|LogicalVolumeName}",
    .summary = "detach a logical volume from its head server",
    .help = "  Removes the volume's devices (and those of its snapshots) from "
	    "the head\n"
	    "  server and waits until that is done. Succeeds also when the "
	    "volume is not\n"
	    "  attached, and clears an error state ('*' in lvol_list). "
	    "Snapshots follow\n"
	    "  their origin and cannot be detached alone ('Invalid argument'). "
	    "'Resource\n"
	    "  temporarily unavailable': an attach or detach is in progress; "
	    "'Device or\n"
	    "  resource busy': the device is in use on the head server. Prints "
	    "nothing\n"
	    "  on success.\n",
};
