/* lvol_show: the mirrors and disk extents of a volume. */
#include "cli_priv.h"

#include <errno.h>

static int show(struct cli_ctx *ctx, struct vas_lvol_ref ref, void *arg)
{
	return vas_show_lvol(ctx->client, ref, (struct vas_lvolstruct **)arg);
}

static int print(struct cli_ctx *ctx, const struct vas_lvolstruct *t)
{
	struct cli_lvol_summary s;
	int ret;

	if (ctx->json && !ctx->summary) {
		cli_json_lvolstruct(ctx->out, t);
		return 0;
	}
	if (!ctx->summary)
		return cli_print_lvol_show(ctx->out, t);
	ret = cli_lvol_summarize(t, &s);
	if (ret)
		return ret;
	if (ctx->json)
		cli_json_lvol_summary(ctx->out, &s);
	else
		cli_print_lvol_summary(ctx->out, &s);
	cli_lvol_summary_free(&s);
	return 0;
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct vas_lvolstruct *t = NULL;
	int ret;

	(void)argc;
	ret = cli_lvol_call(ctx, argv[0], NULL, show, &t);
	if (!ret) {
		ret = print(ctx, t);
		if (ret)
			ret = cli_report(ctx, argv[0], ret);
	}
	lvs_free(t);
	return ret;
}

const struct cli_cmd cli_cmd_lvol_show = {
    .name = "lvol_show",
    .run = run,
    .opts = CLI_O_JSON | CLI_O_REF | CLI_O_SUMMARY,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... {LogicalVolumeID|LogicalVolumeName}",
    .summary = "show the layout of a logical volume",
    .help =
	"  Prints the volume's mirrors in offset order, each followed by its "
	"disk\n"
	"  extents (copies):\n"
	"    lvolid: lvol-0000026c lvol_name: bar capacity: 5 GB redundancy: "
	"2\n"
	"    mirror           offset capacity | disk-extent    physical-disk "
	"   offset server         sync\n"
	"    mirr-0000026f      0 GB     1 GB |\n"
	"                                     | dext-00000007  pdsk-00000001 "
	"     5 GB ssvr-00000001  ALLOCATED\n"
	"  redundancy is the number of copies of the first mirror (more "
	"during a\n"
	"  resync). The extent offset is in disk units (1025 MiB) within the "
	"disk.\n"
	"  sync: ALLOCATED (not attached since allocation), INSYNC, SPARE "
	"(awaiting\n"
	"  resync), FAULTY. A 1 TB volume prints thousands of lines: "
	"--summary prints\n"
	"  the extents per state, the servers and disks used (with extent "
	"counts) and\n"
	"  the resync progress (mirrors whose copies are all in sync) "
	"instead.\n"
	"  --json prints the manager's lvolstruct tree (lvolid, lvoltype, "
	"capacity,\n"
	"  mirror_status, lvolspec, labels, components), or the summary with "
	"-s.\n",
};
