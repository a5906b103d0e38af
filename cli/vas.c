/*
 * The one CLI binary: dispatches on the name it was called by (the 14
 * classic command names and those of issue 16 are links to it) or on
 * "vas COMMAND ...".
 */
#include "cli_priv.h"
#include "vas/log.h"

#include <stdio.h>
#include <string.h>
#include <xmlrpc-c/base.h>

/*
 * xmlrpc-c refuses replies over 512 KiB by default; lvol_show of a 1 TB
 * volume (1000 mirrors of 3 legs) is several MiB and lvol_list grows with
 * the number of volumes.
 */
#define CLI_MAX_REPLY_BYTES (256u << 20)

static const struct cli_cmd *const commands[] = {
    &cli_cmd_lvol_create,
    &cli_cmd_lvol_delete,
    &cli_cmd_lvol_attach,
    &cli_cmd_lvol_detach,
    &cli_cmd_lvol_list,
    &cli_cmd_lvol_show,
    &cli_cmd_snap_create,
    &cli_cmd_hsvr_list,
    &cli_cmd_ssvr_list,
    &cli_cmd_pdsk_list,
    &cli_cmd_hsvr_delete,
    &cli_cmd_ssvr_delete,
    &cli_cmd_pdsk_delete,
    &cli_cmd_shutdown_all,
    /* issue 16 */
    &cli_cmd_lvol_extend,
    &cli_cmd_pool_create,
    &cli_cmd_pool_delete,
    &cli_cmd_pool_list,
    &cli_cmd_pool_quota,
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_cmd *find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i]->name, name))
			return commands[i];
	return NULL;
}

static void vas_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: vas COMMAND [OPTION]... [ARGUMENT]...\n"
		   "       vas COMMAND --help\n\nCommands (also installed "
		   "under their own names):\n");
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-13s %s\n", commands[i]->name,
			commands[i]->summary);
}

static int run(const struct cli_cmd *cmd, int argc, char **argv)
{
	int ret;

	log_init(cmd->name, LOG_LVL_WARN, 0);
	rpc_client_global_init();
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, CLI_MAX_REPLY_BYTES);
	ret = cli_run(cmd, cmd->name, argc, argv);
	rpc_client_global_cleanup();
	return ret;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct cli_cmd *cmd;

	base = base ? base + 1 : argv[0];
	cmd = find(base);
	if (cmd)
		return run(cmd, argc, argv);
	if (argc < 2) {
		vas_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		if (argc > 2 && find(argv[2])) {
			cli_print_help(stdout, find(argv[2]), argv[2]);
			return CLI_EXIT_OK;
		}
		vas_usage(stdout);
		return CLI_EXIT_OK;
	}
	cmd = find(argv[1]);
	if (!cmd) {
		fprintf(stderr, "vas: unknown command '%s'\n", argv[1]);
		vas_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	return run(cmd, argc - 1, argv + 1);
}
