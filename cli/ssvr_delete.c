/* ssvr_delete: forget an OFFLINE storage server and its disks. */
#include "cli_priv.h"

static const struct cli_delete_ops ops = {
    .prefix = "ssvr-",
    .del = vas_delete_ssvr,
};

const struct cli_cmd cli_cmd_ssvr_delete = {
    .name = "ssvr_delete",
    .run = cli_run_delete,
    .del = &ops,
    .opts = 0,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... StorageServerID",
    .summary = "delete a storage server",
    .help =
	"  Removes storage server StorageServerID (ssvr-XXXXXXXX or 8 hex "
	"digits)\n"
	"  and all its disks from the manager. The server must be OFFLINE or "
	"FAULTY\n"
	"  (HALT after shutdownAll is refused with 'Device or resource "
	"busy'); if an\n"
	"  extent of one of its disks is still in use the manager answers\n"
	"  'Internal server error' and nothing is deleted. Prints nothing on "
	"success.\n",
};
