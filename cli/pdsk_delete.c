/* pdsk_delete: forget an OFFLINE or FAULTY physical disk. */
#include "cli_priv.h"

static const struct cli_delete_ops ops = {
    .prefix = "pdsk-",
    .del = vas_delete_pdsk,
};

const struct cli_cmd cli_cmd_pdsk_delete = {
    .name = "pdsk_delete",
    .run = cli_run_delete,
    .del = &ops,
    .opts = 0,
    .min_args = 1,
    .max_args = 1,
    .synopsis = "[OPTION]... DiskID",
    .summary = "delete a physical disk",
    .help =
	"  Removes physical disk DiskID (pdsk-XXXXXXXX or 8 hex digits) from "
	"the\n"
	"  manager. The disk must be OFFLINE or FAULTY ('Device or resource "
	"busy'\n"
	"  otherwise) and none of its extents may be in use ('Internal "
	"server\n"
	"  error'). The storage server keeps exporting the device. Prints "
	"nothing on\n"
	"  success.\n",
};
