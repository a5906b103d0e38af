/* pdsk_list: physical disks, optionally of one storage server. */
#include "cli_priv.h"

static const struct cli_list_ops ops = {
    .kind = VAS_LIST_PDSKS,
    .filter_prefix = "ssvr-",
    .id_prefix = "pdsk-",
    .row_size = sizeof(struct vas_pdsk_info),
    .id_offset = offsetof(struct vas_pdsk_info, pdskid),
    .table = cli_print_pdsks,
    .json = cli_json_pdsks,
};

const struct cli_cmd cli_cmd_pdsk_list = {
    .name = "pdsk_list",
    .run = cli_run_list,
    .list = &ops,
    .opts = CLI_O_JSON | CLI_O_LIST | CLI_O_POOL_IN,
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
	"available}].\n"
	"  -P adds the columns pool (the disk's own, else its server's) and "
	"domain\n"
	"  (its server's failure domain, '-' for none); --json -P adds them "
	"as members.\n",
};
