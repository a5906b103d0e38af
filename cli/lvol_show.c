/* lvol_show: the mirrors and disk extents of a volume. */
#include "cli_priv.h"

#include <errno.h>
#include <stdlib.h>

struct show_args {
	struct vas_lvolstruct *tree;
	struct cli_domains dom;
	bool domains_loaded;
};

static void load_domains(struct cli_ctx *ctx, struct cli_domains *dom);

static int show(struct cli_ctx *ctx, struct vas_lvol_ref ref, void *arg)
{
	struct show_args *a = arg;

	/* The table names the domains of the legs' servers (issue 16). */
	if (!ctx->json && !a->domains_loaded) {
		load_domains(ctx, &a->dom);
		a->domains_loaded = true;
	}
	return vas_show_lvol(ctx->client, ref, &a->tree);
}

/*
 * The storage servers' failure domains (issue 16); none when the manager
 * does not know them (it ignores placement), so 3.0's layout is printed.
 */
static void load_domains(struct cli_ctx *ctx, struct cli_domains *dom)
{
	struct vas_pool_opts o = {NULL, true};
	void *rows = NULL;

	dom->ssvrs = NULL;
	dom->n = 0;
	if (!vas_list_in(ctx->client, VAS_LIST_SSVRS, 0, &o, &rows, &dom->n))
		dom->ssvrs = rows;
	else
		dom->n = 0;
}

static int print(struct cli_ctx *ctx, const struct vas_lvolstruct *t,
		 const struct cli_domains *dom)
{
	struct cli_lvol_summary s;
	int ret;

	if (ctx->json && !ctx->summary) {
		cli_json_lvolstruct(ctx->out, t);
		return 0;
	}
	if (!ctx->summary)
		return cli_print_lvol_show(ctx->out, t, dom);
	ret = cli_lvol_summarize(t, &s);
	if (ret)
		return ret;
	if (ctx->json) {
		cli_json_lvol_summary(ctx->out, &s);
	} else {
		cli_print_lvol_summary(ctx->out, &s);
		cli_print_domain_summary(ctx->out, t, dom);
	}
	cli_lvol_summary_free(&s);
	return 0;
}

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	struct show_args a = {NULL, {NULL, 0}, false};
	int ret;

	(void)argc;
	ret = cli_lvol_call(ctx, argv[0], NULL, show, &a);
	if (!ret) {
		ret = print(ctx, a.tree, &a.dom);
		if (ret)
			ret = cli_report(ctx, argv[0], ret);
	}
	free((void *)a.dom.ssvrs);
	lvs_free(a.tree);
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
	"-s.\n"
	"  Once storage servers are in failure domains (racks, rooms), "
	"every extent\n"
	"  row ends with its server's domain ('-' for none) and every mirror "
	"row with\n"
	"  the number of distinct domains its copies are on; --summary adds "
	"a line\n"
	"  'domains:' with the extents per domain and the mirrors whose "
	"copies each\n"
	"  have a domain of their own.\n",
};
