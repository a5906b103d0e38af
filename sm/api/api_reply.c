/* Handlers' replies: one text writer per request, handed to the dispatcher. */
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
