/* pdsk_list: physical disks, optionally of one storage server. */
#include "cli_priv.h"

static int list(struct vas_client *c, int32_t id, void **rows, int *n)
{
	return vas_list_pdsks(c, id, (struct vas_pdsk_info **)rows, n);
}

static int32_t id_of(const void *rows, int i)
{
	return ((const struct vas_pdsk_info *)rows)[i].pdskid;
}

static void table(FILE *f, const void *rows, int n, bool header)
{
	cli_print_pdsks(f, rows, n, header);
}

static void json(FILE *f, const void *rows, int n)
{
	cli_json_pdsks(f, rows, n);
}

static const struct cli_list_ops ops = {"ssvr-", "pdsk-", list,
					id_of,	 table,	  json};

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_list(ctx, argc, argv, &ops);
}

const struct cli_cmd cli_cmd_pdsk_list = {
    .name = "pdsk_list",
    .run = run,
    .opts = CLI_O_JSON | CLI_O_LIST,
    .min_args = 0,
    .max_args = 1,
    .synopsis = "[OPTION]... [StorageServerID]",
    .summary = "list physical disks",
    .help =
	"  Lists every physical disk, or only the disks of StorageServerID\n"
	"  (ssvr-XXXXXXXX or 8 hex digits; the filter is a storage-server id, "
	"not a\n"
	"  disk id), after a summary of the rows shown:\n"
	"    total 200 GB   available 174 GB use% 13%\n"
	"    pdskid         ssvrid         priority resync   capacity  "
	"available  use% local_path  srp_name\n"
	"    pdsk-00000003  ssvr-00000002  HIGH          0     100 GB      88 "
	"GB   12% /dev/sdb\n"
	"  (local_path is padded to 40 columns.) GB are disk units of 1025 "
	"MiB;\n"
	"  available counts free extents of HIGH/LOW disks on HIGH/LOW "
	"servers.\n"
	"  srp_name is empty unless the manager reports one. --json prints\n"
	"  [{ssvrid, pdskid, priority, local_path, resync, capacity, "
	"available}].\n",
};
