/* lvol_attach: make a volume (and its snapshots) a device on a head server. */
#include "cli_priv.h"

static int attach(struct cli_ctx *ctx, struct vas_lvol_ref ref, void *arg)
{
	return vas_lvol_attach(ctx->client, ref, *(int32_t *)arg);
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	int32_t hsvrid;
	int ret;

	(void)argc;
	ret = cli_arg_id(ctx, argv[1], "hsvr-", false, &hsvrid);
	if (ret)
		return ret;
	return cli_lvol_call(ctx, argv[0], NULL, attach, &hsvrid);
}

const struct cli_cmd cli_cmd_lvol_attach = {
    .name = "lvol_attach",
    .run = run,
    .opts = CLI_O_REF,
    .min_args = 2,
    .max_args = 2,
    .synopsis = "[OPTION]... {LogicalVolumeID|LogicalVolumeName} "
		"HeadServerID",
    .summary = "attach a logical volume to a head server",
    .help =
	"  Builds the volume's device stack on head server HeadServerID\n"
	"  (hsvr-XXXXXXXX or 8 hex digits) and waits until /dev/vas/<name> "
	"and\n"
	"  /dev/vas/lvol-XXXXXXXX exist there; its snapshots appear too, "
	"read-only.\n"
	"  If the wait outlasts --timeout the attach goes on in the "
	"manager: check\n"
	"  with lvol_list. 'Device or resource busy': already attached (to "
	"any head\n"
	"  server) or an operation is in progress; 'Invalid argument': a "
	"snapshot, or\n"
	"  an unknown, OFFLINE or FAULTY head server. When the head server "
	"fails the\n"
	"  volume is left marked '*'; lvol_detach clears it. Prints nothing "
	"on\n"
	"  success.\n",
};
