/* Shared inside cli/: the command table, options, errors and layouts. */
#ifndef VAS_CLI_PRIV_H
#define VAS_CLI_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vas/client.h"

#define CLI_EXIT_OK    0
#define CLI_EXIT_FAIL  1 /* fault from the manager, no manager, bad reply */
#define CLI_EXIT_USAGE 2

#define CLI_DEF_TIMEOUT_S 300

/* Options a command accepts beyond the common ones. */
#define CLI_O_JSON    0x01u /* --json */
#define CLI_O_LIST    0x02u /* -H, -q */
#define CLI_O_REF     0x04u /* --id, --name */
#define CLI_O_REDUND  0x08u /* -r, --redundancy */
#define CLI_O_SUMMARY 0x10u /* -s, --summary */
#define CLI_O_YES     0x20u /* -y, --yes */
/* Issue 16: pools. */
#define CLI_O_POOL_NEW 0x40u  /* --pool: where a new volume goes */
#define CLI_O_POOL_IN  0x80u  /* --pool: only that pool's; -P, --placement */
#define CLI_O_PARENT   0x100u /* --parent, --quota */

enum cli_ref_mode { CLI_REF_AUTO = 0, CLI_REF_ID, CLI_REF_NAME };

struct cli_ctx;
struct cli_list_ops;
struct cli_delete_ops;

struct cli_cmd {
	const char *name;
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
	/* What the shared runners cli_run_list/cli_run_delete do. */
	const struct cli_list_ops *list;
	const struct cli_delete_ops *del;
	unsigned opts;
	int min_args;
	int max_args;
	const char *synopsis; /* after the name, e.g. "[OPTION]... NAME" */
	const char *summary;  /* one line */
	const char *help;     /* description, arguments, output */
};

struct cli_ctx {
	const char *prog; /* the command name used in messages */
	const struct cli_cmd *cmd;
	const char *config;
	const char *sm;
	int timeout_s;
	bool json;
	bool no_header;
	bool quiet;
	bool summary;
	bool yes;
	int ref_mode;
	int redundancy;	    /* 0 = the manager's default */
	const char *pool;   /* --pool, NULL when not given */
	bool placement;	    /* -P */
	const char *parent; /* --parent */
	int64_t quota_gib;  /* --quota */
	FILE *out;
	FILE *err;
	struct vas_client *client;
};

/* The commands (one file each). */
extern const struct cli_cmd cli_cmd_lvol_create, cli_cmd_lvol_delete,
    cli_cmd_lvol_attach, cli_cmd_lvol_detach, cli_cmd_lvol_list,
    cli_cmd_lvol_show, cli_cmd_snap_create, cli_cmd_hsvr_list,
    cli_cmd_ssvr_list, cli_cmd_pdsk_list, cli_cmd_hsvr_delete,
    cli_cmd_ssvr_delete, cli_cmd_pdsk_delete, cli_cmd_shutdown_all,
    cli_cmd_lvol_extend, cli_cmd_pool_create, cli_cmd_pool_delete,
    cli_cmd_pool_list, cli_cmd_pool_quota;

/* cli_options.c */
/* Parses options into ctx; *first = index of the first positional. */
int cli_parse_options(struct cli_ctx *ctx, int argc, char **argv, int *first);
/* Strict decimal in [min, max]; 0 or -EINVAL. */
int cli_parse_long(const char *s, long min, long max, long *out);
/* Prints "prog: message", the usage line, a hint; returns 2. */
int cli_usage_error(struct cli_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void cli_print_usage(FILE *f, const struct cli_cmd *cmd, const char *prog);
void cli_print_help(FILE *f, const struct cli_cmd *cmd, const char *prog);

/* cli_connect.c */
/* Builds ctx->client from --sm, VAS_SM or the configuration. */
int cli_connect(struct cli_ctx *ctx);
/* Reports a failed call about object (NULL = none); returns 1. */
int cli_report(struct cli_ctx *ctx, const char *object, int err);

/* cli_common.c */
/* Runs cmd with the arguments after the command name; returns the exit. */
int cli_run(const struct cli_cmd *cmd, const char *prog, int argc, char **argv);
void cli_ctx_release(struct cli_ctx *ctx);

/*
 * Strict ids: "<prefix>XXXXXXXX" or "XXXXXXXX" (8 hex digits), within
 * 1..0x7fffffff (0 too when zero_ok). 0 or -EINVAL / -ERANGE.
 */
int cli_parse_id(const char *arg, const char *prefix, bool zero_ok,
		 int32_t *id);
/* Server/disk id argument; prints the usage error itself (returns 2). */
int cli_arg_id(struct cli_ctx *ctx, const char *arg, const char *prefix,
	       bool zero_ok, int32_t *id);

/*
 * A volume argument: an id (lvol-XXXXXXXX or 8 hex digits) or a name,
 * as forced by --id/--name. by_name_too: an 8-hex argument that may also
 * be a name (auto mode), retried by name when the id is unknown.
 */
struct cli_lvol_arg {
	const char *text;
	struct vas_lvol_ref ref;
	bool by_name_too;
};
int cli_parse_lvol(struct cli_ctx *ctx, const char *arg,
		   struct cli_lvol_arg *out);
/* Name checks for new volumes; a message on failure. */
int cli_check_new_name(struct cli_ctx *ctx, const char *name);

typedef int (*cli_lvol_fn)(struct cli_ctx *ctx, struct vas_lvol_ref ref,
			   void *arg);
/*
 * Parses arg as a volume, connects and calls fn(ref); on ENOENT for an
 * 8-hex argument in auto mode calls it again by name. Returns the exit
 * code, having reported a failure about object (NULL = arg).
 */
int cli_lvol_call(struct cli_ctx *ctx, const char *arg, const char *object,
		  cli_lvol_fn fn, void *fn_arg);

/*
 * hsvr_list, ssvr_list, pdsk_list: "[ID]" filter, table/json/-q. Rows are
 * row_size bytes with their id at id_offset; table and json print the
 * client's structs of kind.
 */
struct cli_list_ops {
	enum vas_list_kind kind;
	const char *filter_prefix; /* of the optional argument */
	const char *id_prefix;	   /* of the ids printed by -q */
	size_t row_size;
	size_t id_offset;
	/* placement: with pool and domain columns (-P, issue 16) */
	void (*table)(FILE *f, const void *rows, int n, bool header,
		      bool placement);
	void (*json)(FILE *f, const void *rows, int n);
};
int cli_run_list(struct cli_ctx *ctx, int argc, char **argv);
/* hsvr_delete, ssvr_delete, pdsk_delete: one id argument. */
struct cli_delete_ops {
	const char *prefix;
	int (*del)(struct vas_client *c, int32_t id);
};
int cli_run_delete(struct cli_ctx *ctx, int argc, char **argv);
/* lvol_delete, lvol_detach: fn on one volume argument. */
int cli_run_lvol_op(struct cli_ctx *ctx, const char *arg,
		    int (*fn)(struct vas_client *c, struct vas_lvol_ref v));
/* Prints the ids of -q, one per line. */
void cli_print_ids(FILE *f, const char *prefix, int32_t id);
/* The pool options of a command as the client takes them. */
struct vas_pool_opts cli_pool_opts(const struct cli_ctx *ctx);

/*
 * cli_format.c: the classic layouts (cli.md section 4), pure. The server
 * and disk lists take the client's rows of their kind.
 */
const char *cli_prio_name(int prio, char *buf, size_t len);
const char *cli_sync_name(int status, char *buf, size_t len);
int cli_use_pct(int64_t capacity, int64_t available);
void cli_print_lvols(FILE *f, const struct vas_lvol_info *l, int n, bool header,
		     bool placement);
void cli_print_hsvrs(FILE *f, const void *rows, int n, bool header,
		     bool placement);
void cli_print_ssvrs(FILE *f, const void *rows, int n, bool header,
		     bool placement);
void cli_print_pdsks(FILE *f, const void *rows, int n, bool header,
		     bool placement);

/*
 * The failure domain of each storage server (issue 16), for lvol_show:
 * servers listed with placement. A server in none is a domain of its own.
 */
struct cli_domains {
	const struct vas_ssvr_info *ssvrs;
	int n;
};
/* Its domain's name, or NULL when it is in none (or unknown). */
const char *cli_domain_of(const struct cli_domains *d, int32_t ssvrid);
/* Whether any server is in a domain: lvol_show then says where legs are. */
bool cli_domains_named(const struct cli_domains *d);
/*
 * -EPROTO when the tree does not have the LVOL/xx/LINEAR/MIRROR shape.
 * dom NULL or naming no domain: 3.0's layout exactly; else every extent
 * row ends with its server's domain and every mirror row with how many
 * distinct domains its legs are on.
 */
int cli_print_lvol_show(FILE *f, const struct vas_lvolstruct *root,
			const struct cli_domains *dom);

/* lvol_show --summary */
#define CLI_MAX_SYNC 6
struct cli_count {
	int32_t id;
	int extents;
};
struct cli_lvol_summary {
	int32_t lvolid;
	const char *lvolname;
	int64_t capacity_gib;
	int redundancy;
	int mirrors;
	int mirrors_in_sync; /* no SPARE/FAULTY leg */
	int extents;
	int by_status[CLI_MAX_SYNC]; /* index = mirror_status (0: unknown) */
	int n_ssvr;
	struct cli_count *ssvrs;
	int n_pdsk;
	struct cli_count *pdsks;
};
int cli_lvol_summarize(const struct vas_lvolstruct *root,
		       struct cli_lvol_summary *s);
void cli_lvol_summary_free(struct cli_lvol_summary *s);
void cli_print_lvol_summary(FILE *f, const struct cli_lvol_summary *s);
/* The line lvol_show --summary adds when domains are named. */
void cli_print_domain_summary(FILE *f, const struct vas_lvolstruct *root,
			      const struct cli_domains *dom);

/* cli_pools.c: pool_list's table (issue 16); parents named from all[].
 */
void cli_print_pools(FILE *f, const struct vas_pool_info *p, int n,
		     const struct vas_pool_info *all, int n_all, bool header);
/* Distinct failure domains of a mirror's legs (a server in none counts
 * as its own). */
int cli_mirror_domains(const struct vas_lvolstruct *mirror,
		       const struct cli_domains *dom);

/* cli_json.c: --json output with the API's member names. */
void cli_json_lvols(FILE *f, const struct vas_lvol_info *l, int n);
void cli_json_hsvrs(FILE *f, const void *rows, int n);
void cli_json_ssvrs(FILE *f, const void *rows, int n);
void cli_json_pdsks(FILE *f, const void *rows, int n);
void cli_json_lvolstruct(FILE *f, const struct vas_lvolstruct *n);
void cli_json_lvol_summary(FILE *f, const struct cli_lvol_summary *s);
void cli_json_pools(FILE *f, const struct vas_pool_info *p, int n);
void cli_json_string(FILE *f, const char *s);

#endif
