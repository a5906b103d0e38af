/* hsvr_delete: forget an OFFLINE or FAULTY head server. */
#include "cli_priv.h"

static const struct cli_delete_ops ops = {
    .prefix = "hsvr-",
    .del = vas_delete_hsvr,
};

const struct cli_cmd cli_cmd_hsvr_delete = {
    .name = "hsvr_delete",
    .run = cli_run_delete,
    .del = &ops,
    .opts = 0,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... HeadServerID",
    .summary = "delete a head server",
    .help =
	"  Removes head server HeadServerID (hsvr-XXXXXXXX or 8 hex digits) "
	"and its\n"
	"  addresses from the manager. The server must be OFFLINE or FAULTY "
	"and have\n"
	"  no volume attached ('Device or resource busy' otherwise); unknown "
	"ids give\n"
	"  'No such file or directory'. Prints nothing on success. A server "
	"that\n"
	"  registers again later gets a new id.\n",
};
