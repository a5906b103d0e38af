/* hsvr_list: head servers with their priority and addresses. */
#include "cli_priv.h"

static int list(struct vas_client *c, int32_t id, void **rows, int *n)
{
	return vas_list_hsvrs(c, id, (struct vas_hsvr_info **)rows, n);
}

static int32_t id_of(const void *rows, int i)
{
	return ((const struct vas_hsvr_info *)rows)[i].hsvrid;
}

static void table(FILE *f, const void *rows, int n, bool header)
{
	cli_print_hsvrs(f, rows, n, header);
}

static void json(FILE *f, const void *rows, int n)
{
	cli_json_hsvrs(f, rows, n);
}

static const struct cli_list_ops ops = {"hsvr-", "hsvr-", list,
					id_of,	 table,	  json};

static int run(struct cli_ctx *ctx, int argc, char **argv)
{
	return cli_run_list(ctx, argc, argv, &ops);
}

const struct cli_cmd cli_cmd_hsvr_list = {
    .name = "hsvr_list",
    .run = run,
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
