/*
 * Streams an XML-RPC response value as text, for replies too large to
 * build as an xmlrpc_value tree first (listLogicalVolumes of 10 000
 * volumes). Errors are sticky: check rpc_writer_failed() at the end.
 */
#ifndef VAS_RPC_WRITER_H
#define VAS_RPC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rpc_writer {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
};

void rpc_writer_init(struct rpc_writer *w);
void rpc_writer_free(struct rpc_writer *w);
bool rpc_writer_failed(const struct rpc_writer *w);

void rpc_w_array_begin(struct rpc_writer *w);
void rpc_w_array_end(struct rpc_writer *w);
void rpc_w_struct_begin(struct rpc_writer *w);
void rpc_w_struct_end(struct rpc_writer *w);
/* A member whose value follows (an array or struct). */
void rpc_w_member(struct rpc_writer *w, const char *name);
void rpc_w_member_end(struct rpc_writer *w);
void rpc_w_int(struct rpc_writer *w, const char *name, int64_t v);
void rpc_w_str(struct rpc_writer *w, const char *name, const char *v);
void rpc_w_bool(struct rpc_writer *w, const char *name, bool v);

/* The complete methodResponse document around the written value. */
int rpc_writer_response(struct rpc_writer *w, char **doc, size_t *len);

#endif
