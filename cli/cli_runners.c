/* The shapes shared by several tools: list servers/disks, delete by id. */
#include "cli_priv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void cli_print_ids(FILE *f, const char *prefix, int32_t id)
{
	fprintf(f, "%s%08" PRIx32 "\n", prefix, (uint32_t)id);
}

struct vas_pool_opts cli_pool_opts(const struct cli_ctx *ctx)
{
	struct vas_pool_opts o = {ctx->pool, ctx->placement};

	return o;
}

static int32_t id_at(const struct cli_list_ops *ops, const void *rows, int i)
{
	int32_t id;

	memcpy(&id,
	       (const char *)rows + (size_t)i * ops->row_size + ops->id_offset,
	       sizeof(id));
	return id;
}

int cli_run_list(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_list_ops *ops = ctx->cmd->list;
	struct vas_pool_opts o = cli_pool_opts(ctx);
	void *rows = NULL;
	int32_t id = 0;
	int i, n = 0, ret;

	if (argc) {
		ret = cli_arg_id(ctx, argv[0], ops->filter_prefix, true, &id);
		if (ret)
			return ret;
	}
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = vas_list_in(ctx->client, ops->kind, id, &o, &rows, &n);
	if (ret)
		return cli_report(ctx, argc ? argv[0] : NULL, ret);
	if (ctx->json)
		ops->json(ctx->out, rows, n);
	else if (ctx->quiet)
		for (i = 0; i < n; i++)
			cli_print_ids(ctx->out, ops->id_prefix,
				      id_at(ops, rows, i));
	else
		ops->table(ctx->out, rows, n, !ctx->no_header, ctx->placement);
	free(rows);
	return CLI_EXIT_OK;
}

int cli_run_delete(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_delete_ops *ops = ctx->cmd->del;
	int32_t id;
	int ret;

	(void)argc; /* exactly one, as the table says */
	ret = cli_arg_id(ctx, argv[0], ops->prefix, false, &id);
	if (ret)
		return ret;
	ret = cli_connect(ctx);
	if (ret)
		return ret;
	ret = ops->del(ctx->client, id);
	return ret ? cli_report(ctx, argv[0], ret) : CLI_EXIT_OK;
}

struct lvol_op {
	int (*fn)(struct vas_client *c, struct vas_lvol_ref v);
};

static int call_lvol_op(struct cli_ctx *ctx, struct vas_lvol_ref ref, void *arg)
{
	const struct lvol_op *op = arg;

	return op->fn(ctx->client, ref);
}

int cli_run_lvol_op(struct cli_ctx *ctx, const char *arg,
		    int (*fn)(struct vas_client *c, struct vas_lvol_ref v))
{
	struct lvol_op op = {fn};

	return cli_lvol_call(ctx, arg, NULL, call_lvol_op, &op);
}
