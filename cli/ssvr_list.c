/* ssvr_list: storage servers with their space and addresses. */
#include "cli_priv.h"

static const struct cli_list_ops ops = {
    .kind = VAS_LIST_SSVRS,
    .filter_prefix = "ssvr-",
    .id_prefix = "ssvr-",
    .row_size = sizeof(struct vas_ssvr_info),
    .id_offset = offsetof(struct vas_ssvr_info, ssvrid),
    .table = cli_print_ssvrs,
    .json = cli_json_ssvrs,
};

const struct cli_cmd cli_cmd_ssvr_list = {
    .name = "ssvr_list",
    .run = cli_run_list,
    .list = &ops,
    .opts = CLI_O_JSON | CLI_O_LIST | CLI_O_POOL_IN,
    .min_args = 0,
    .max_args = 1,
    .synopsis = "[OPTION]... [StorageServerID]",
    .summary = "list storage servers and their free space",
    .help =
	"  Lists every storage server, or only StorageServerID (ssvr-XXXXXXXX "
	"or 8\n"
	"  hex digits; ssvr-00000000 means all), after a summary of the rows "
	"shown:\n"
	"    total 200 GB   available 174 GB use% 13%\n"
	"    ssvrid         priority  resync   capacity  available  use%\n"
	"    ssvr-00000002  HIGH          0     200 GB     174 GB   13%\n"
	"    <TAB>inet 127.0.1.2\n"
	"  GB here are disk units of 1025 MiB. available counts only free "
	"extents on\n"
	"  servers and disks in HIGH or LOW state, so an OFFLINE or HALT "
	"server shows\n"
	"  use% 100%. use% = (capacity - available) * 100 / capacity, rounded "
	"down.\n"
	"  --json prints [{ssvrid, priority, ip_data, resync, available, "
	"capacity}].\n"
	"  -P adds the columns pool and domain (the failure domain, '-' for "
	"none);\n"
	"  --json -P adds them as members.\n",
};
