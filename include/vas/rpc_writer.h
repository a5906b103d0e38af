/*
 * The one encoder of XML-RPC replies: streams a value as text, byte for
 * byte in the layout xmlrpc-c's serializer writes (so every reply looks
 * alike on the wire), without building an xmlrpc_value tree first -
 * listLogicalVolumes of 10 000 volumes stays fast. Errors are sticky:
 * check rpc_writer_failed() at the end.
 */
#ifndef VAS_RPC_WRITER_H
#define VAS_RPC_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xmlrpc-c/base.h>

#define RPC_WRITER_MAX_DEPTH 32

struct rpc_writer {
	char *buf;
	size_t len;
	size_t cap;
	bool failed;
	int depth; /* open arrays and structs */
	bool in_array[RPC_WRITER_MAX_DEPTH];
};

void rpc_writer_init(struct rpc_writer *w);
void rpc_writer_free(struct rpc_writer *w);
bool rpc_writer_failed(const struct rpc_writer *w);

/* Values: at the top, as an array element or after rpc_w_member(). */
void rpc_w_array_begin(struct rpc_writer *w);
void rpc_w_array_end(struct rpc_writer *w);
void rpc_w_struct_begin(struct rpc_writer *w);
void rpc_w_struct_end(struct rpc_writer *w);
void rpc_w_int_value(struct rpc_writer *w, int64_t v);
void rpc_w_str_value(struct rpc_writer *w, const char *v);
void rpc_w_bool_value(struct rpc_writer *w, bool v);
/* Any value tree (int, i8, boolean, string, array, struct); borrowed. */
void rpc_w_value(struct rpc_writer *w, xmlrpc_value *v);

/* Struct members: a name whose value follows, then its end. */
void rpc_w_member(struct rpc_writer *w, const char *name);
void rpc_w_member_end(struct rpc_writer *w);
/* A whole member with a scalar value. */
void rpc_w_int(struct rpc_writer *w, const char *name, int64_t v);
void rpc_w_str(struct rpc_writer *w, const char *name, const char *v);
void rpc_w_bool(struct rpc_writer *w, const char *name, bool v);

/* The complete methodResponse document around the written value. */
int rpc_writer_response(struct rpc_writer *w, char **doc, size_t *len);
/* The complete fault document {faultCode, faultString}. */
int rpc_writer_fault(int code, const char *string, char **doc, size_t *len);

#endif
