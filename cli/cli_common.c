/*
 * What every command shares: GNU-style options, help and usage, manager
 * selection (--sm, VAS_SM, --config), strict id and name arguments, and
 * error reports with context.
 */
#include "cli_priv.h"
#include "vas/conf.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_SM_HOSTS 16

enum {
	OPT_CONFIG = 0x100,
	OPT_SM,
	OPT_TIMEOUT,
	OPT_JSON,
	OPT_ID,
	OPT_NAME,
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
static int parse_long(const char *s, long min, long max, long *out)
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
		if (parse_long(arg, 1, 86400, &v))
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
		if (parse_long(arg, VAS_MIN_REDUNDANCY, VAS_MAX_REDUNDANCY, &v))
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
		c = getopt_long(argc, argv, "-hc:vHqr:sy", long_opts, &li);
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

/* "host[:port]" into host (in place) and port (0 when absent). */
static int split_host(char *entry, int *port)
{
	char *colon = strrchr(entry, ':');
	long v;

	*port = 0;
	if (!colon)
		return *entry ? 0 : -EINVAL;
	*colon = '\0';
	if (!*entry || parse_long(colon + 1, 1, 65535, &v))
		return -EINVAL;
	*port = (int)v;
	return 0;
}

/* --sm / VAS_SM: "h1[:p],h2[:p]"; every port given must be the same. */
static int client_from_list(struct cli_ctx *ctx, const char *what,
			    const char *list, int def_port)
{
	const char *hosts[CLI_MAX_SM_HOSTS];
	char *copy = strdup(list), *p, *save = NULL;
	int n = 0, port = 0, ret = 0;

	if (!copy)
		return -ENOMEM;
	/* Blanks separate like commas: "a, b" is two hosts. */
	for (p = strtok_r(copy, ", \t", &save); p && !ret;
	     p = strtok_r(NULL, ", \t", &save)) {
		int hp;

		if (n == CLI_MAX_SM_HOSTS || split_host(p, &hp) ||
		    (hp && port && hp != port))
			ret = -EINVAL;
		else if (hp)
			port = hp;
		hosts[n++] = p;
	}
	if (!ret && !n)
		ret = -EINVAL;
	if (!ret)
		ret = vas_client_new(hosts, n, port ? port : def_port,
				     ctx->timeout_s * 1000, &ctx->client);
	free(copy);
	if (ret == -EINVAL)
		return cli_usage_error(ctx,
				       "invalid %s '%s': HOST[:PORT] list, one "
				       "port for all",
				       what, list);
	return ret ? cli_report(ctx, NULL, ret) : 0;
}

/*
 * Loads the configuration and its port; 0 or the exit code, reported.
 * A missing default file is an empty configuration (as before).
 */
static int load_conf(struct cli_ctx *ctx, const char *path,
		     struct vas_conf **conf, long *port)
{
	int ret;

	if (ctx->config && access(ctx->config, R_OK)) {
		fprintf(ctx->err, "%s: %s: %s\n", ctx->prog, ctx->config,
			strerror(errno));
		return CLI_EXIT_FAIL;
	}
	ret = conf_load(path, conf);
	if (ret) {
		fprintf(ctx->err, "%s: %s: %s\n", ctx->prog, path,
			ret == -EINVAL ? "syntax error" : strerror(-ret));
		return CLI_EXIT_FAIL;
	}
	if (conf_get_long(*conf, "storage_manager", "port", VAS_PORT_SM, 1,
			  65535, port)) {
		fprintf(ctx->err,
			"%s: %s: [storage_manager] port: not a port number\n",
			ctx->prog, path);
		conf_free(*conf);
		*conf = NULL;
		return CLI_EXIT_FAIL;
	}
	return 0;
}

int cli_connect(struct cli_ctx *ctx)
{
	const char *path = ctx->config ? ctx->config : VAS_CONF_DEFAULT;
	const char *list = ctx->sm ? ctx->sm : getenv("VAS_SM");
	const char *what = ctx->sm ? "--sm" : "VAS_SM";
	struct vas_conf *conf = NULL;
	long port = VAS_PORT_SM;
	int ret;

	if (list && !*list)
		list = NULL;
	ret = load_conf(ctx, path, &conf, &port);
	/* With --sm or VAS_SM only an explicit --config must be usable. */
	if (ret && (ctx->config || !list))
		return ret;
	if (list) {
		ret = client_from_list(ctx, what, list, (int)port);
	} else {
		ret = vas_client_from_conf(conf, ctx->timeout_s * 1000,
					   &ctx->client);
		if (ret == -EINVAL)
			fprintf(ctx->err,
				"%s: %s: [storage_manager] host_list: more "
				"than 16 hosts\n",
				ctx->prog, path);
		else if (ret)
			cli_report(ctx, NULL, ret);
		ret = ret ? CLI_EXIT_FAIL : 0;
	}
	conf_free(conf);
	if (ret)
		return ret;
	if (!vas_client_nhosts(ctx->client)) {
		fprintf(ctx->err,
			"%s: no storage manager configured: set "
			"[storage_manager] host_list in %s, or use --sm HOST "
			"or VAS_SM\n",
			ctx->prog, path);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

/* --- errors --- */

static const char *err_text(int err)
{
	if (err == -VAS_EINTERNAL)
		return "Internal server error";
	return strerror(-err);
}

/*
 * The cause a manager adds after the errno name ("EIO: <cause>", a head
 * agent's failed command), or NULL.
 */
static const char *fault_detail(const struct rpc_outcome *oc)
{
	const char *name = strerrorname_np(oc->fault_code);
	size_t n = name ? strlen(name) : 0;

	if (!n || strncmp(oc->fault_string, name, n) ||
	    strncmp(oc->fault_string + n, ": ", 2) || !oc->fault_string[n + 2])
		return NULL;
	return oc->fault_string + n + 2;
}

int cli_report(struct cli_ctx *ctx, const char *object, int err)
{
	const struct rpc_outcome *oc =
	    ctx->client ? vas_client_last(ctx->client) : NULL;
	const char *host =
	    ctx->client ? vas_client_last_host(ctx->client) : NULL;
	bool fault = oc && oc->fail == RPC_FAIL_FAULT;
	FILE *f = ctx->err;

	fprintf(f, "%s: ", ctx->prog);
	if (object)
		fprintf(f, "%s: ", object);
	if (err == -EHOSTDOWN && ctx->client)
		fprintf(f,
			"Host is down: no storage manager answered (tried "
			"%s)\n",
			vas_client_tried(ctx->client));
	else if (err == -ETIMEDOUT && !fault)
		fprintf(f,
			"Connection timed out after %d s (%s); the operation "
			"may still be running on the manager: check before "
			"retrying\n",
			ctx->timeout_s, vas_client_tried(ctx->client));
	else if (err == -EPROTO && !fault && host)
		fprintf(f,
			"Protocol error: unexpected reply from the storage "
			"manager at %s\n",
			host);
	else if (err == -EPROTO && !fault)
		fprintf(f,
			"Protocol error: no valid reply from the storage "
			"manager (%s); the request may have been carried out\n",
			vas_client_tried(ctx->client));
	else if (err == -EREMOTEIO && fault)
		fprintf(f, "unknown fault %d from the manager: %s\n",
			oc->fault_code, oc->fault_string);
	else if (err == -VAS_ENOMETHOD && fault)
		fprintf(f, "%s (manager: %s)\n", err_text(err),
			oc->fault_string);
	else if (fault && fault_detail(oc))
		fprintf(f, "%s (%s)\n", err_text(err), fault_detail(oc));
	else
		fprintf(f, "%s\n", err_text(err));
	return CLI_EXIT_FAIL;
}

/* --- ids and names --- */

int cli_parse_id(const char *arg, const char *prefix, bool zero_ok, int32_t *id)
{
	int64_t v;

	if (ids_parse(arg, prefix, &v))
		return -EINVAL;
	if (v > VAS_MAX_RESOURCEID || (!v && !zero_ok))
		return -ERANGE;
	*id = (int32_t)v;
	return 0;
}

int cli_arg_id(struct cli_ctx *ctx, const char *arg, const char *prefix,
	       bool zero_ok, int32_t *id)
{
	int ret = cli_parse_id(arg, prefix, zero_ok, id);

	if (ret == -EINVAL)
		return cli_usage_error(ctx,
				       "invalid %sid: %s (expected %sXXXXXXXX "
				       "or XXXXXXXX, 8 hex digits)",
				       prefix, arg, prefix);
	if (ret)
		return cli_usage_error(
		    ctx, "%sid out of range: %s (%s%08x..%s%08x)", prefix, arg,
		    prefix, zero_ok ? 0 : 1, prefix, VAS_MAX_RESOURCEID);
	return 0;
}

static int check_lookup_name(struct cli_ctx *ctx, const char *name)
{
	if (!*name)
		return cli_usage_error(ctx, "empty volume name");
	if (strlen(name) > VAS_LVOLNAME_MAX)
		return cli_usage_error(ctx,
				       "volume name too long: %zu characters "
				       "(at most %d)",
				       strlen(name), VAS_LVOLNAME_MAX);
	return 0;
}

int cli_parse_lvol(struct cli_ctx *ctx, const char *arg,
		   struct cli_lvol_arg *out)
{
	int32_t id = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	out->text = arg;
	if (ctx->ref_mode == CLI_REF_NAME) {
		out->ref.lvolname = arg;
		return check_lookup_name(ctx, arg);
	}
	ret = cli_parse_id(arg, "lvol-", false, &id);
	if (ctx->ref_mode == CLI_REF_ID ||
	    (!strncmp(arg, "lvol-", 5) && ret == -ERANGE)) {
		if (ret)
			return cli_arg_id(ctx, arg, "lvol-", false, &id);
	}
	if (!ret) {
		out->ref.lvolid = id;
		/* Bare hex may be a name too (original clients took it as
		 * an id and so could never reach such a name). */
		out->by_name_too = ctx->ref_mode == CLI_REF_AUTO &&
				   strncmp(arg, "lvol-", 5) != 0;
		return 0;
	}
	out->ref.lvolname = arg;
	return check_lookup_name(ctx, arg);
}

int cli_check_new_name(struct cli_ctx *ctx, const char *name)
{
	int ret = check_lookup_name(ctx, name);

	if (ret)
		return ret;
	if (names_check_lvolname(name))
		return cli_usage_error(
		    ctx,
		    "invalid volume name '%s': use letters, digits, '.', "
		    "'-' and '_'; not '.', '..' or lvol-<hex>",
		    name);
	return 0;
}

int cli_lvol_call(struct cli_ctx *ctx, const char *arg, const char *object,
		  cli_lvol_fn fn, void *fn_arg)
{
	struct cli_lvol_arg a;
	int ret;

	ret = cli_parse_lvol(ctx, arg, &a);
	if (ret)
		return ret;
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = fn(ctx, a.ref, fn_arg);
	if (ret == -ENOENT && a.by_name_too) {
		struct vas_lvol_ref by_name = {0, arg};

		log_debug("%s: no volume with id %s, trying it as a name",
			  ctx->prog, arg);
		ret = fn(ctx, by_name, fn_arg);
	}
	return ret ? cli_report(ctx, object ? object : arg, ret) : CLI_EXIT_OK;
}

/* --- running a command --- */

void cli_ctx_release(struct cli_ctx *ctx)
{
	vas_client_free(ctx->client);
	ctx->client = NULL;
}

int cli_run(const struct cli_cmd *cmd, const char *prog, int argc, char **argv)
{
	struct cli_ctx ctx = {
	    .prog = prog,
	    .cmd = cmd,
	    .timeout_s = CLI_DEF_TIMEOUT_S,
	    .out = stdout,
	    .err = stderr,
	};
	int first = 0, ret;

	ret = cli_parse_options(&ctx, argc, argv, &first);
	if (ret < 0)
		return CLI_EXIT_OK; /* --help */
	if (ret)
		return ret;
	if (first < cmd->min_args)
		return cli_usage_error(&ctx, "missing argument");
	if (first > cmd->max_args)
		return cli_usage_error(&ctx, "too many arguments");
	if (ctx.quiet && ctx.json)
		return cli_usage_error(&ctx, "--quiet and --json exclude "
					     "each other");
	ret = cmd->run(&ctx, first, argv);
	cli_ctx_release(&ctx);
	if (fflush(stdout) && !ret) {
		fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
		ret = CLI_EXIT_FAIL;
	}
	return ret;
}
