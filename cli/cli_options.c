/* GNU-style options of every command, their help and usage messages. */
#include "cli_priv.h"
#include "vas/conf.h"
#include "vas/log.h"
#include "vas/units.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_CONFIG = 0x100,
	OPT_SM,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_ID,
	OPT_NAME,
	OPT_POOL,
	OPT_PARENT,
	OPT_QUOTA,
};

static const struct option long_opts[] = {
    {"help", no_argument, NULL, 'h'},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"sm", required_argument, NULL, OPT_SM},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"verbose", no_argument, NULL, 'v'},
    {"json", no_argument, NULL, OPT_JSON},
    {"no-header", no_argument, NULL, 'H'},
    {"quiet", no_argument, NULL, 'q'},
    {"id", no_argument, NULL, OPT_ID},
    {"name", no_argument, NULL, OPT_NAME},
    {"redundancy", required_argument, NULL, 'r'},
    {"summary", no_argument, NULL, 's'},
    {"yes", no_argument, NULL, 'y'},
    {"pool", required_argument, NULL, OPT_POOL},
    {"placement", no_argument, NULL, 'P'},
    {"parent", required_argument, NULL, OPT_PARENT},
    {"quota", required_argument, NULL, OPT_QUOTA},
    {NULL, 0, NULL, 0},
};

/* Which command flag an option needs (0 = common to all). */
static unsigned opt_needs(int c)
{
	switch (c) {
	case OPT_JSON:
		return CLI_O_JSON;
	case 'H':
	case 'q':
		return CLI_O_LIST;
	case OPT_ID:
	case OPT_NAME:
		return CLI_O_REF;
	case 'r':
		return CLI_O_REDUND;
	case 's':
		return CLI_O_SUMMARY;
	case 'y':
		return CLI_O_YES;
	case OPT_POOL:
		return CLI_O_POOL_NEW | CLI_O_POOL_IN;
	case 'P':
		return CLI_O_POOL_IN;
	case OPT_PARENT:
	case OPT_QUOTA:
		return CLI_O_PARENT;
	default:
		return 0;
	}
}

/* The help lines of the options, by the flag that enables them. */
static const struct {
	unsigned flag;
	const char *text;
} opt_help[] = {
    {CLI_O_REDUND, "  -r, --redundancy N  keep N copies of every extent, "
		   "2..9 (default: the\n"
		   "                      manager's, 3); each copy on a "
		   "different storage server\n"},
    {CLI_O_REF, "      --id            the volume argument is an id "
		"(lvol-XXXXXXXX or XXXXXXXX)\n"
		"      --name          the volume argument is a name, even "
		"if it looks like an id\n"},
    {CLI_O_JSON, "      --json          print JSON with the API's member "
		 "names instead of the table\n"},
    {CLI_O_LIST, "  -H, --no-header     omit the header (and summary) "
		 "lines\n"
		 "  -q, --quiet         print only the ids, one per line\n"},
    {CLI_O_SUMMARY, "  -s, --summary       print counts instead of one "
		    "line per extent: extents per\n"
		    "                      state, servers and disks used, "
		    "resync progress\n"},
    {CLI_O_YES, "  -y, --yes           do not ask for confirmation\n"},
    {CLI_O_POOL_NEW, "      --pool POOL     create it in storage pool POOL "
		     "(default: 'default'; for\n"
		     "                      a snapshot, its origin's pool); "
		     "see pool_list\n"},
    {CLI_O_POOL_IN, "      --pool POOL     only what is in storage pool "
		    "POOL\n"
		    "  -P, --placement     add the pool (and failure domain) "
		    "columns at the end;\n"
		    "                      with --json, the members pool "
		    "(and domain)\n"},
    {CLI_O_PARENT, "      --parent POOL   the pool the new pool is part of "
		   "(default: 'default')\n"
		   "      --quota GB      at most GB (GiB) of volumes in the "
		   "pool and its\n"
		   "                      sub-pools together; 0 = none (the "
		   "default)\n"},
};

static const char common_help[] =
    "  -h, --help          print this help and exit (nothing else is done)\n"
    "  -c, --config FILE   configuration file (default " VAS_CONF_DEFAULT ")\n"
    "      --sm HOST[:PORT][,HOST[:PORT]...]\n"
    "                      storage manager(s) to use, tried in order; "
    "overrides\n"
    "                      VAS_SM and [storage_manager] host_list\n"
    "      --timeout SEC   give up waiting for the manager after SEC "
    "seconds\n"
    "                      (1..86400, default 300); the operation may still "
    "run\n"
    "  -v, --verbose       log the calls and transport errors on stderr\n";

static const char trailer_help[] =
    "\nMANAGER SELECTION\n"
    "  The hosts of --sm, else of the environment variable VAS_SM (same "
    "syntax),\n"
    "  else [storage_manager] host_list (comma separated) and port "
    "(default 8881)\n"
    "  of the configuration file. Hosts are tried in order; the next one "
    "is tried\n"
    "  only when a connection could not be made, so a request is never "
    "sent twice.\n"
    "\nIDS AND NAMES\n"
    "  Ids print as lvol-XXXXXXXX, hsvr-XXXXXXXX, ssvr-XXXXXXXX, "
    "pdsk-XXXXXXXX\n"
    "  (8 lower-case hex digits). An id argument is the prefixed form or "
    "exactly\n"
    "  8 hex digits, in 1..7fffffff. A volume argument that is not an id "
    "is a\n"
    "  name; an 8-hex-digit argument unknown as an id is tried as a name.\n"
    "\nEXIT STATUS\n"
    "  0 success; 1 the manager refused or failed the request, or could "
    "not be\n"
    "  reached (the message says which hosts were tried); 2 bad usage "
    "(nothing\n"
    "  was sent to the manager).\n"
    "\nFILES\n"
    "  " VAS_CONF_DEFAULT "   [storage_manager] host_list, port\n";

void cli_print_usage(FILE *f, const struct cli_cmd *cmd, const char *prog)
{
	fprintf(f, "usage: %s %s\n", prog, cmd->synopsis);
}

void cli_print_help(FILE *f, const struct cli_cmd *cmd, const char *prog)
{
	size_t i;

	fprintf(f, "NAME\n  %s - %s\n\nSYNOPSIS\n  %s %s\n\nDESCRIPTION\n%s",
		prog, cmd->summary, prog, cmd->synopsis, cmd->help);
	fputs("\nOPTIONS\n", f);
	for (i = 0; i < sizeof(opt_help) / sizeof(opt_help[0]); i++)
		if (cmd->opts & opt_help[i].flag)
			fputs(opt_help[i].text, f);
	fputs(common_help, f);
	fputs(trailer_help, f);
}

int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	fprintf(ctx->err, "%s: ", ctx->prog);
	va_start(ap, fmt);
	vfprintf(ctx->err, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->err);
	cli_print_usage(ctx->err, ctx->cmd, ctx->prog);
	fprintf(ctx->err, "Try '%s --help' for more information.\n", ctx->prog);
	return CLI_EXIT_USAGE;
}

/* Strict decimal in [min, max]; 0 or -EINVAL. */
int cli_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Stores an option; a bad value leaves a message in bad. */
static void set_option(struct cli_ctx *ctx, int c, const char *arg, char *bad,
		       size_t len)
{
	long v;

	switch (c) {
	case OPT_CONFIG:
		ctx->config = arg;
		break;
	case OPT_SM:
		ctx->sm = arg;
		break;
	case OPT_TIMEOUT:
		if (cli_parse_long(arg, 1, 86400, &v))
			snprintf(bad, len,
				 "invalid --timeout '%s': seconds, 1..86400",
				 arg);
		else
			ctx->timeout_s = (int)v;
		break;
	case 'v':
		log_set_level(LOG_LVL_DEBUG);
		break;
	case OPT_JSON:
		ctx->json = true;
		break;
	case 'H':
		ctx->no_header = true;
		break;
	case 'q':
		ctx->quiet = true;
		break;
	case OPT_ID:
	case OPT_NAME:
		ctx->ref_mode = c == OPT_ID ? CLI_REF_ID : CLI_REF_NAME;
		break;
	case 'r':
		if (cli_parse_long(arg, VAS_MIN_REDUNDANCY, VAS_MAX_REDUNDANCY,
				   &v))
			snprintf(bad, len,
				 "invalid redundancy '%s': an integer, %d..%d",
				 arg, VAS_MIN_REDUNDANCY, VAS_MAX_REDUNDANCY);
		else
			ctx->redundancy = (int)v;
		break;
	case 's':
		ctx->summary = true;
		break;
	case 'y':
		ctx->yes = true;
		break;
	case OPT_POOL:
		if (!*arg)
			snprintf(bad, len, "empty --pool");
		else
			ctx->pool = arg;
		break;
	case 'P':
		ctx->placement = true;
		break;
	case OPT_PARENT:
		if (!*arg)
			snprintf(bad, len, "empty --parent");
		else
			ctx->parent = arg;
		break;
	case OPT_QUOTA:
		if (cli_parse_long(arg, 0, INT32_MAX, &v))
			snprintf(bad, len,
				 "invalid --quota '%s': whole GB (GiB), "
				 "0..%d",
				 arg, INT32_MAX);
		else
			ctx->quota_gib = v;
		break;
	}
}

/* The message for what getopt refused: word is the argument it was on. */
static void bad_option(const char *word, char *bad, size_t len)
{
	if (!optopt)
		snprintf(bad, len, "unrecognized option '%s'", word);
	else if (!strncmp(word, "--", 2))
		snprintf(
		    bad, len, "option '%.*s' %s", (int)strcspn(word, "="), word,
		    strchr(word, '=') ? "takes no value" : "needs a value");
	else if (strchr("cr", optopt))
		snprintf(bad, len, "option '-%c' needs a value", optopt);
	else
		snprintf(bad, len, "invalid option '-%c'", optopt);
}

/*
 * Options may appear anywhere (GNU permutation); "--" ends them. --help
 * wins over every other option or error, so it never performs anything.
 */
int cli_parse_options(struct cli_ctx *ctx, int argc, char **argv, int *first)
{
	char bad[128] = "";
	bool help = false;
	int c, li;

	optind = 0; /* full re-initialisation (GNU) */
	opterr = 0;
	for (;;) {
		li = -1; /* set by getopt_long for long options only */
		c = getopt_long(argc, argv, "-hc:vHqr:syP", long_opts, &li);
		if (c == -1)
			break;
		if (c == 1) {
			/* "-" makes getopt return positionals in order. */
			argv[(*first)++] = optarg;
			continue;
		}
		if (c == 'h') {
			help = true;
			continue;
		}
		if (c == 'c')
			c = OPT_CONFIG;
		if (bad[0])
			continue;
		if (c == '?') {
			bad_option(argv[optind - 1], bad, sizeof(bad));
			continue;
		}
		if (opt_needs(c) && !(ctx->cmd->opts & opt_needs(c))) {
			if (li >= 0)
				snprintf(bad, sizeof(bad),
					 "option '--%s' does not apply to %s",
					 long_opts[li].name, ctx->cmd->name);
			else
				snprintf(bad, sizeof(bad),
					 "option '-%c' does not apply to %s", c,
					 ctx->cmd->name);
			continue;
		}
		set_option(ctx, c, optarg, bad, sizeof(bad));
	}
	/* After "--", getopt stops: the rest are positionals. */
	while (optind < argc)
		argv[(*first)++] = argv[optind++];
	if (help) {
		cli_print_help(ctx->out, ctx->cmd, ctx->prog);
		return -1;
	}
	if (bad[0])
		return cli_usage_error(ctx, "%s", bad);
	return 0;
}

/* --- manager selection --- */
