/* shutdownAll: stop allocation cluster-wide before powering servers off. */
#include "cli_priv.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* 0 when the user typed y or yes on the terminal. */
static int confirm(struct cli_ctx *ctx)
{
	char line[32];

	if (!isatty(STDIN_FILENO)) {
		fprintf(ctx->err,
			"%s: refusing without confirmation: standard input is "
			"not a terminal (use --yes)\n",
			ctx->prog);
		return CLI_EXIT_USAGE;
	}
	fprintf(ctx->err,
		"Set every head server OFFLINE and every storage server and "
		"disk HALT? [y/N] ");
	fflush(ctx->err);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, "y") || !strcmp(line, "yes"))
		return 0;
	fprintf(ctx->err, "%s: not confirmed, nothing done\n", ctx->prog);
	return CLI_EXIT_FAIL;
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	int ret;

	(void)argc;
	(void)argv;
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	if (!ctx->yes) {
		ret = confirm(ctx);
		if (ret)
			return ret;
	}
	ret = vas_shutdown_all(ctx->client);
	return ret ? cli_report(ctx, NULL, ret) : CLI_EXIT_OK;
}

const struct cli_cmd cli_cmd_shutdown_all = {
    .name = "shutdownAll",
    .run = run,
    .opts = CLI_O_YES,
    .min_args = 0,
    .max_args = 0,
    .synopsis = "[OPTION]...",
    .summary = "prepare the whole cluster for power-off",
    .help =
	"  Asks the manager to set every HIGH/LOW head server OFFLINE and "
	"every\n"
	"  HIGH/LOW storage server and disk HALT, so nothing is allocated any "
	"more;\n"
	"  nothing is powered off and servers re-register when they start "
	"again.\n"
	"  Refused with 'Device or resource busy' while any volume is "
	"attached.\n"
	"  Asks for confirmation on the terminal; without a terminal it "
	"refuses\n"
	"  (exit 2) unless --yes is given, as 'service vas_sm shutdown' "
	"must.\n"
	"  Prints nothing on success.\n",
};
