/*
 * Which manager a command talks to (--sm, VAS_SM, --config), and how a
 * failed call is reported: the object, the error, the hosts tried.
 */
#include "cli_priv.h"
#include "vas/conf.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_tls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLI_MAX_SM_HOSTS 16

/* "host[:port]" into host (in place) and port (0 when absent). */
static int split_host(char *entry, int *port)
{
	char *colon = strrchr(entry, ':');
	long v;

	*port = 0;
	if (!colon)
		return *entry ? 0 : -EINVAL;
	*colon = '\0';
	if (!*entry || cli_parse_long(colon + 1, 1, 65535, &v))
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
	struct rpc_tls tls = {0};
	long port = VAS_PORT_SM;
	int ret;

	if (list && !*list)
		list = NULL;
	ret = load_conf(ctx, path, &conf, &port);
	/* With --sm or VAS_SM only an explicit --config must be usable. */
	if (ret && (ctx->config || !list))
		return ret;
	if (conf && rpc_tls_from_conf(conf, &tls)) {
		fprintf(ctx->err, "%s: %s: [tls]: unusable\n", ctx->prog, path);
		conf_free(conf);
		return CLI_EXIT_FAIL;
	}
	/* [tls] holds also with --sm or VAS_SM. */
	rpc_client_use_tls(&tls);
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
