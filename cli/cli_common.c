/*
 * What every command shares: strict id and name arguments, the volume
 * argument's id-or-name retry, and running a command from its table entry.
 */
#include "cli_priv.h"
#include "vas/log.h"
#include "vas/units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
