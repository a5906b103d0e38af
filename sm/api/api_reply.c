/*
 * Handlers' replies: one text writer per request, handed to the
 * dispatcher; and the optional members several handlers read.
 */
#include "api.h"
#include "vas/rpc_writer.h"

#include <errno.h>
#include <stdlib.h>

struct rpc_writer *api_reply(struct rpc_request *req)
{
	if (!req->reply_text) {
		req->reply_text = calloc(1, sizeof(*req->reply_text));
		if (req->reply_text)
			rpc_writer_init(req->reply_text);
	}
	return req->reply_text;
}

int api_reply_int(struct rpc_request *req, int64_t v)
{
	struct rpc_writer *w = api_reply(req);

	if (!w)
		return -ENOMEM;
	rpc_w_int_value(w, v);
	return 0;
}

const char *api_opt_str(struct rpc_request *req, const char *name)
{
	return rpc_has(req, name) ? rpc_str(req, name, "") : NULL;
}

bool api_flag(struct rpc_request *req, const char *name)
{
	xmlrpc_value *v = rpc_member(req, name);
	xmlrpc_bool b = 0;
	xmlrpc_env env;

	if (!v)
		return false;
	xmlrpc_env_init(&env);
	xmlrpc_read_bool(&env, v, &b);
	xmlrpc_env_clean(&env);
	return b != 0;
}
