/* hsvr_list: head servers with their priority and addresses. */
#include "cli_priv.h"

static const struct cli_list_ops ops = {
    .kind = VAS_LIST_HSVRS,
    .filter_prefix = "hsvr-",
    .id_prefix = "hsvr-",
    .row_size = sizeof(struct vas_hsvr_info),
    .id_offset = offsetof(struct vas_hsvr_info, hsvrid),
    .table = cli_print_hsvrs,
    .json = cli_json_hsvrs,
};

const struct cli_cmd cli_cmd_hsvr_list = {
    .name = "hsvr_list",
    .run = cli_run_list,
    .list = &ops,
    .opts = CLI_O_JSON | CLI_O_LIST,
    .min_args = 0,
    .max_args = 1,
    .synopsis = "[OPTION]... [HeadServerID]",
    .summary = "list head servers",
    .help =
	"  Lists every head server, or only HeadServerID (hsvr-XXXXXXXX or 8 "
	"hex\n"
	"  digits; hsvr-00000000 means all), in id order:\n"
	"    hsvrid         priority  resync\n"
	"    hsvr-00000001  HIGH          0\n"
	"    <TAB>inet 127.0.0.2\n"
	"  priority is HIGH, LOW, EVACUATE, OFFLINE, FAULTY or HALT; resync "
	"counts\n"
	"  the mirror resyncs running for volumes attached there; one inet "
	"line per\n"
	"  data address. --json prints [{hsvrid, priority, ip_data, "
	"resync}].\n"
	"  An unknown id fails with 'No such file or directory'.\n",
};
