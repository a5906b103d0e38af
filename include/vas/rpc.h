/*
 * XML-RPC server shared by vas_sm and the agents: one method table, a
 * declarative parameter spec checked before any handler runs, and one
 * mapping from negative errno to fault.
 */
#ifndef VAS_RPC_H
#define VAS_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xmlrpc-c/base.h>

enum rpc_type {
	RPC_T_INT,	  /* XML-RPC int / i8 */
	RPC_T_STRING,	  /* string, max length in .max */
	RPC_T_DECSTR,	  /* decimal string, value range [min, max] */
	RPC_T_INT_OR_DEC, /* int or decimal string, value range [min, max] */
	RPC_T_ARRAY,	  /* array of .elem, at most .max elements */
	RPC_T_STRUCT,	  /* struct, contents checked by the handler */
	RPC_T_BOOL,
};

#define RPC_REQUIRED 1u

struct rpc_param_spec {
	const char *name;
	enum rpc_type type;
	unsigned flags;
	int64_t min;
	int64_t max;
	enum rpc_type elem;
};

#define RPC_MAX_OWNED 16

struct rpc_request {
	const char *method;
	xmlrpc_env *env;      /* for building the result */
	xmlrpc_value *params; /* the one struct parameter (borrowed) */
	char peer[64];
	unsigned long reqno;
	void *ctx;	      /* the server's context pointer */
	xmlrpc_value *result; /* set by the handler; NULL means int 0 */
	/* Large replies: the value as text instead (heap, dispatcher frees). */
	struct rpc_writer *reply_text;
	/* A handler relaying a peer's fault sets these and returns -1. */
	int fault_code;
	char fault_string[128];
	bool failed; /* answered with a fault (set by the dispatcher) */
	/* Strings handed out by rpc_str(), freed with the request. */
	char *owned[RPC_MAX_OWNED];
	int n_owned;
};

/* Frees what the accessors handed out; called by the dispatcher. */
void rpc_request_release(struct rpc_request *req);

typedef int (*rpc_handler)(struct rpc_request *req);

#define RPC_M_MUTATES	1u /* logged with peer and outcome at INFO */
#define RPC_M_NOVERSION 2u /* helloWorld: parameters are ignored */

struct rpc_method {
	const char *name;
	rpc_handler handler;
	const struct rpc_param_spec *spec; /* terminated by {NULL} */
	unsigned flags;
};

/*
 * An extra GET route served beside XML-RPC (e.g. /metrics): get() fills
 * *body (heap memory the server frees) and *type; 0 or a negative errno.
 */
struct rpc_get_route {
	const char *path;
	int (*get)(void *ctx, char **body, size_t *len, const char **type);
};

struct rpc_server_opts {
	const char *listen_address; /* NULL or "" = all addresses */
	int port;		    /* 0 = ephemeral (tests) */
	int max_conn;
	size_t max_request_bytes;
	int io_timeout_s;
	const struct rpc_get_route *get_routes; /* NULL, or ended by {0} */
};

/*
 * Told of every request once answered: the method's name from the table
 * (or "unknown", "malformed"), whether the answer was a fault, and the
 * seconds from parsing to the encoded reply. Set once, before serving.
 */
typedef void (*rpc_observer)(void *ctx, const char *method, bool fault,
			     double seconds);
void rpc_set_observer(rpc_observer fn);

struct rpc_server;

/* Binds and prepares; the table and ctx must outlive the server. */
int rpc_server_new(const struct rpc_server_opts *opts,
		   const struct rpc_method *table, void *ctx,
		   struct rpc_server **out);
int rpc_server_port(const struct rpc_server *srv);
/* Serves until rpc_server_stop(); returns 0. */
int rpc_server_run(struct rpc_server *srv);
/* Safe to call from another thread. */
void rpc_server_stop(struct rpc_server *srv);
void rpc_server_free(struct rpc_server *srv);

/*
 * Processes one XML call document and returns the response document
 * (caller frees with xmlrpc_mem_block_free). Exposed for tests/fuzzing.
 */
xmlrpc_mem_block *rpc_process(const struct rpc_method *table, void *ctx,
			      const char *xml, size_t len, const char *peer);

/* Fault code and string for a negative errno (or -VAS_EINTERNAL). */
void rpc_fault_from_err(int err, int *code, const char **string);

/* Accessors, valid inside a handler after validation. */
bool rpc_has(const struct rpc_request *req, const char *name);
/* Value of an int / decimal-string member, or def when absent. */
int64_t rpc_int(const struct rpc_request *req, const char *name, int64_t def);
/* Borrowed string, valid for the request; def when absent. */
const char *rpc_str(const struct rpc_request *req, const char *name,
		    const char *def);
/* Borrowed member value or NULL. */
xmlrpc_value *rpc_member(const struct rpc_request *req, const char *name);

/* Result builders (errors surface as a 500 after the handler). */
xmlrpc_value *rpc_struct_new(struct rpc_request *req);
void rpc_set_int(struct rpc_request *req, xmlrpc_value *st, const char *key,
		 int64_t v);
void rpc_set_str(struct rpc_request *req, xmlrpc_value *st, const char *key,
		 const char *v);
void rpc_set_bool(struct rpc_request *req, xmlrpc_value *st, const char *key,
		  bool v);
/* Takes ownership of v. */
void rpc_set_value(struct rpc_request *req, xmlrpc_value *st, const char *key,
		   xmlrpc_value *v);
/* Appends and takes ownership of v. */
void rpc_append(struct rpc_request *req, xmlrpc_value *array, xmlrpc_value *v);
void rpc_result_int(struct rpc_request *req, int64_t v);

#endif
