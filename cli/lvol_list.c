/* lvol_list: volumes with size, attachment, failure and snapshots. */
#include "cli_priv.h"

struct lvol_rows {
	struct vas_lvol_info *rows;
	int n;
};

static int list_one(struct cli_ctx *ctx, struct vas_lvol_ref ref, void *arg)
{
	struct vas_pool_opts o = cli_pool_opts(ctx);
	struct lvol_rows *r = arg;

	return vas_list_lvols_in(ctx->client, &ref, &o, &r->rows, &r->n);
}

static void print(struct cli_ctx *ctx, const struct lvol_rows *r)
{
	int i;

	if (ctx->json)
		cli_json_lvols(ctx->out, r->rows, r->n);
	else if (ctx->quiet)
		for (i = 0; i < r->n; i++)
			cli_print_ids(ctx->out, "lvol-", r->rows[i].lvolid);
	else
		cli_print_lvols(ctx->out, r->rows, r->n, !ctx->no_header,
				ctx->placement);
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct vas_pool_opts o = cli_pool_opts(ctx);
	struct lvol_rows r = {NULL, 0};
	int ret;

	if (argc) {
		ret = cli_lvol_call(ctx, argv[0], NULL, list_one, &r);
	} else {
		ret = cli_connect(ctx);
		if (!ret)
			ret = vas_list_lvols_in(ctx->client, NULL, &o, &r.rows,
						&r.n);
		if (ret > 0)
			return ret;
		if (ret)
			ret = cli_report(ctx, NULL, ret);
	}
	if (!ret)
		print(ctx, &r);
	vas_lvol_info_free(r.rows, r.n);
	return ret;
}

const struct cli_cmd cli_cmd_lvol_list = {
    .name = "lvol_list",
    .run = run,
    .opts = CLI_O_JSON | CLI_O_LIST | CLI_O_REF | CLI_O_POOL_IN,
    .min_args = 0,
    .max_args = 1,
    .synopsis = "[OPTION]... [LogicalVolumeID|LogicalVolumeName]",
    .summary = "list logical volumes and snapshots",
    .help =
	"  Lists every volume, or only the given one, in id order (columns "
	"are\n"
	"  padded to fixed widths; longer values push the line right):\n"
	"    lvolid         lvolname       redundancy capacity  hsvrid        "
	"failure      ctime\n"
	"    lvol-0000025f  foo                     3    10 GB  hsvr-00000001 "
	"---          2026-11-22T23:27:38\n"
	"    <TAB>snapshot-origin of lvol-0000029d\n"
	"  hsvrid is the head server the volume is attached to (' ---': "
	"none; a\n"
	"  snapshot shows its origin's), after a marker: '+' being attached, "
	"'-'\n"
	"  being detached, '*' the last attach or detach failed (lvol_detach "
	"clears\n"
	"  it). failure is 'yes' while a mirror copy awaits resync. ctime is "
	"UTC.\n"
	"  A snapshot's capacity is its copy-on-write store; 'snapshot of' "
	"and\n"
	"  'snapshot-origin of' lines link snapshots and origins.\n"
	"  --json prints [{hsvrid, lvolid, lvolname, redundancy, capacity,\n"
	"  associated_to, associated_from, fault, bind_status, bind_event, "
	"ctime}]\n"
	"  (bind_status 0 unbound, 1 bound, 2 error; bind_event 0 none, 1 "
	"binding,\n"
	"  2 unbinding; a volume being grown shows 1). -P adds the column "
	"pool (the\n"
	"  member pool with --json).\n",
};
