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
#include <sys/socket.h>
#include <xmlrpc-c/base.h>

#include "vas/rpc_tls.h"

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
/*
 * Only presence is checked up front; the handler checks the type after
 * the lookups that 3.0 does first (so those decide the fault).
 */
#define RPC_LATE 2u

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
	/* The peer's socket address (AF_UNSPEC: in-process), for access
	 * control. */
	struct sockaddr_storage peer_addr;
	unsigned long reqno;
	void *ctx;	      /* the server's context pointer */
	xmlrpc_value *result; /* set by the handler; NULL means int 0 */
	/* Large replies: the value as text instead (heap, dispatcher frees). */
	struct rpc_writer *reply_text;
	/* A handler relaying a peer's fault sets these and returns -1. */
	int fault_code;
	char fault_string[128];
	/* Strings handed out by rpc_str(), freed with the request. */
	char *owned[RPC_MAX_OWNED];
	int n_owned;
};

/*
 * Refuses the call with fault code (EACCES, EPERM), logging the method,
 * the peer and why at WARN; returns -1 for the handler or guard to return.
 */
int rpc_refuse(struct rpc_request *req, int code, const char *why);

/* Frees what the accessors handed out; called by the dispatcher. */
void rpc_request_release(struct rpc_request *req);

typedef int (*rpc_handler)(struct rpc_request *req);

#define RPC_M_MUTATES	1u /* logged with peer and outcome at INFO */
#define RPC_M_NOVERSION 2u /* helloWorld: parameters are ignored */
/* A read whose reply may be reused while the state stands (no guard). */
#define RPC_M_CACHED 4u

struct rpc_method {
	const char *name;
	rpc_handler handler;
	const struct rpc_param_spec *spec; /* terminated by {NULL} */
	unsigned flags;
	/*
	 * Access control, or NULL: runs before the version and members are
	 * checked (req->params is the struct, or NULL when there is none);
	 * a nonzero return refuses the call as a handler's would.
	 */
	rpc_handler guard;
};

/*
 * The HTTP front end (lib/rpc_server.c, libmicrohttpd): one event thread
 * reads requests with epoll, a pool of `workers` threads runs them, so an
 * idle, slow or stalled connection holds no worker. Every field may be 0
 * for its default. Memory held for request bodies is bounded by
 * max_open * 16 KiB + max_buffered_bytes.
 */
struct rpc_server_opts {
	const char *listen_address; /* NULL or "" = all addresses */
	int port;		    /* 0 = ephemeral (tests) */
	int workers;		    /* requests run at once; 16 */
	size_t max_request_bytes;   /* larger bodies get fault EINVAL; 1 MiB */
	/* Seconds for a request to arrive, and for its reply to leave; 10. */
	int request_timeout_s;
	int idle_timeout_s; /* keep-alive connection without a request; 30 */
	int max_open;	    /* open connections; more wait in backlog; 1024 */
	int max_per_peer;   /* from one address; more are closed; 256 */
	/* Bodies beyond their first 16 KiB, all together; 64 MiB. */
	size_t max_buffered_bytes;
	/*
	 * HTTPS (vas/rpc_tls.h), or NULL/off for plain HTTP: every request
	 * of a client without a certificate signed by tls->ca_file gets
	 * fault EACCES and its connection is closed. Read at
	 * rpc_server_new().
	 */
	const struct rpc_tls *tls;
};

struct rpc_server;

/* Binds and prepares; the table and ctx must outlive the server. */
int rpc_server_new(const struct rpc_server_opts *opts,
		   const struct rpc_method *table, void *ctx,
		   struct rpc_server **out);
int rpc_server_port(const struct rpc_server *srv);
/*
 * Serves until rpc_server_stop(); returns 0, or a negative errno when the
 * server could not start. Waits for the requests that are running.
 */
int rpc_server_run(struct rpc_server *srv);
/* Safe to call from another thread, also before rpc_server_run(). */
void rpc_server_stop(struct rpc_server *srv);
void rpc_server_free(struct rpc_server *srv);

/*
 * Extension point: a plain HTTP route beside the XML-RPC paths ("/" and
 * "/RPC2", POST), e.g. rpc_server_add_route(srv, "GET", "/metrics", cb,
 * ctx). Call before rpc_server_run(); at most RPC_MAX_ROUTES. The callback
 * runs on a worker thread and fills *reply; the server frees reply->body
 * (malloc'd) after sending it. Returns 0, -EEXIST or -ENOSPC.
 */
#define RPC_MAX_ROUTES 8

struct rpc_http_request {
	const char *method; /* "GET", "POST", ... */
	const char *path;   /* without the query string */
	const char *body;   /* request body (may be empty, not NUL-free) */
	size_t body_len;
	const char *peer; /* dotted quad */
	const struct sockaddr_storage *peer_addr;
};

struct rpc_http_reply {
	int status;		  /* 0 = 200 */
	const char *content_type; /* static string; NULL = text/plain */
	char *body;		  /* malloc'd, freed by the server */
	size_t body_len;
};

typedef void (*rpc_route_fn)(void *ctx, const struct rpc_http_request *rq,
			     struct rpc_http_reply *reply);

int rpc_server_add_route(struct rpc_server *srv, const char *method,
			 const char *path, rpc_route_fn fn, void *ctx);

/*
 * Extension point: called on the worker thread after every XML-RPC call
 * has its reply (and for bodies refused before parsing), e.g. for
 * per-method latency histograms. Must be quick and thread-safe.
 */
struct rpc_served {
	/* Table name, "system.listMethods", or NULL: no method was found. */
	const char *method;
	int fault_code; /* 0 = success */
	const char *peer;
	uint64_t queued_us; /* body complete -> a worker took it */
	uint64_t run_us;    /* worker took it -> reply ready */
	size_t request_bytes;
	size_t reply_bytes;
};

typedef void (*rpc_observer_fn)(void *ctx, const struct rpc_served *o);

/* One observer per server; call before rpc_server_run(). */
void rpc_server_set_observer(struct rpc_server *srv, rpc_observer_fn fn,
			     void *ctx);

/*
 * Extension point: replies of RPC_M_CACHED methods are kept, and a call
 * byte for byte equal to one answered before gets the same reply while
 * fn returns the token (malloc'd text) it got when that reply was made.
 * fn is called by one thread at a time, for all calls waiting, in a round
 * that starts after each of them arrived; NULL: the state cannot be told
 * (the call runs). A call with a kept reply waits for no worker: one
 * thread answers all such calls of a round. Call before rpc_server_run().
 */
typedef char *(*rpc_token_fn)(void *ctx);
int rpc_server_set_cache(struct rpc_server *srv, rpc_token_fn fn, void *ctx);

/*
 * Processes one XML call document and returns the response document
 * (caller frees with xmlrpc_mem_block_free). Exposed for tests/fuzzing.
 */
xmlrpc_mem_block *rpc_process(const struct rpc_method *table, void *ctx,
			      const char *xml, size_t len, const char *peer);

/*
 * The same with the peer's socket address (handed to the handler in
 * req->peer_addr) and, when outcome is not NULL, what happened (method
 * and fault code) for the observer. NULL only when out of memory.
 */
struct rpc_peer {
	char text[64];
	/* AF_UNSPEC: an in-process call (rpc_process); a network peer whose
	 * address is unknown is AF_INET 0.0.0.0. */
	struct sockaddr_storage addr;
};

xmlrpc_mem_block *rpc_process_call(const struct rpc_method *table, void *ctx,
				   const char *xml, size_t len,
				   const struct rpc_peer *peer,
				   struct rpc_served *outcome);

/* A serialised fault response; NULL when out of memory. */
xmlrpc_mem_block *rpc_fault_doc(int code, const char *string);

/*
 * Refuses, before any parsing, what the XML parser must never see: a
 * DOCTYPE or other declaration, elements nested deeper than max_depth,
 * NUL bytes or UTF-16. 0 or -EINVAL with *why set.
 */
#define RPC_MAX_XML_DEPTH 100
int rpc_xml_guard(const char *xml, size_t len, int max_depth, const char **why);

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
