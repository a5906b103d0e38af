/*
 * Internals of the HTTP front end, shared by rpc_server.c (life cycle),
 * rpc_http.c (libmicrohttpd callbacks), rpc_conns.c (connection table and
 * deadlines) and rpc_workers.c (the queue and the worker threads).
 *
 * Threads: one libmicrohttpd event thread runs every MHD callback; the
 * workers run calls; the sweeper enforces deadlines. Lock order:
 * conns.lock, then queue.lock; neither is held across a handler.
 */
#ifndef VAS_RPC_SERVER_PRIV_H
#define VAS_RPC_SERVER_PRIV_H

#include "vas/rpc.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

/* Bytes of every body that do not count against max_buffered_bytes. */
#define RPC_BODY_FREE_BYTES (16u * 1024)

enum rpc_conn_state {
	RPC_CONN_IDLE,	  /* no request yet, or between requests */
	RPC_CONN_READING, /* request line seen, body not complete */
	RPC_CONN_RUNNING, /* a worker has it (no deadline) */
	RPC_CONN_WRITING, /* reply queued */
	RPC_CONN_CLOSING, /* shut down by the sweeper */
};

/* One TCP connection: MHD's socket context. */
struct rpc_conn {
	struct rpc_conn *prev, *next;
	int fd;
	enum rpc_conn_state state;
	int64_t since_ms; /* when state was entered */
	struct rpc_peer peer;
	int tls_verdict; /* HTTPS: 0 not checked yet, 1 trusted, -1 not */
};

enum rpc_call_stage {
	RPC_CALL_NEW,	 /* headers not yet seen by the handler */
	RPC_CALL_READ,	 /* receiving the body */
	RPC_CALL_QUEUED, /* suspended, waiting for or run by a worker */
	RPC_CALL_DONE,	 /* reply ready, connection resumed */
	RPC_CALL_DROP,	 /* server stopping: close without a reply */
	RPC_CALL_SENT,	 /* reply handed to MHD */
};

/* One HTTP request: MHD's per-request context. */
struct rpc_call {
	struct rpc_server *srv;
	struct MHD_Connection *mhd;
	struct rpc_conn *conn;
	struct rpc_call *next; /* queue link */
	enum rpc_call_stage stage;
	const struct rpc_route *route; /* NULL: an XML-RPC call */
	char http_method[16];
	char path[128];
	char *body;
	size_t len, cap;
	size_t budgeted; /* bytes counted against max_buffered_bytes */
	int refuse_code; /* body dropped: answer this fault, 0 = none */
	int64_t complete_us;
	/* The reply, built by a worker. */
	int status;
	const char *content_type;
	xmlrpc_mem_block *doc; /* XML-RPC reply, or */
	char *text;	       /* a route's malloc'd body */
	size_t text_len;
};

struct rpc_route {
	char method[16];
	char path[128];
	rpc_route_fn fn;
	void *ctx;
};

struct rpc_server {
	struct rpc_server_opts opts; /* defaults filled in */
	const struct rpc_method *table;
	void *ctx;
	int listen_fd; /* -1 once rpc_server_run() ended */
	int port;
	struct MHD_Daemon *mhd;
	struct rpc_route routes[RPC_MAX_ROUTES];
	int n_routes;
	rpc_observer_fn observer;
	void *observer_ctx;
	struct rpc_cache *cache; /* NULL: no reply is kept */
	atomic_size_t buffered;	 /* body bytes beyond the free part */
	/* HTTPS: the PEM files' text (NULL: plain HTTP). */
	char *tls_cert, *tls_key, *tls_ca;

	pthread_mutex_t run_lock; /* stop_requested, running */
	pthread_cond_t run_cond;
	bool stop_requested;
	atomic_bool refusing; /* stopping: new connections closed at once */

	struct {
		pthread_mutex_t lock;
		struct rpc_conn *head;
		int open;
		pthread_t sweeper;
		pthread_cond_t wake;
		bool stop;
		bool started;
	} conns;

	struct {
		pthread_mutex_t lock;
		pthread_cond_t ready;
		struct rpc_call *head, *tail;
		bool stopping;
		pthread_t *threads;
		int n_threads;
		/* What a worker does with a call (rpc_http_run): passed in,
		 * so the pool knows nothing of HTTP. */
		void (*run)(struct rpc_server *srv, struct rpc_call *call);
	} queue;

	/* Calls whose kept reply may still stand (rpc_rounds.c). */
	struct {
		pthread_mutex_t lock;
		pthread_cond_t ready;
		struct rpc_call *head, *tail;
		bool stopping;
		bool started;
		pthread_t thread;
		/* What a kept reply's call gets (rpc_http_answered). */
		void (*answered)(struct rpc_server *srv, struct rpc_call *call,
				 xmlrpc_mem_block *doc, struct rpc_served *o,
				 int64_t start);
	} rounds;
};

int64_t rpc_now_ms(void);
int64_t rpc_now_us(void);

/* rpc_conns.c */
int rpc_conns_start(struct rpc_server *srv);
void rpc_conns_stop(struct rpc_server *srv);
/* MHD_OPTION_NOTIFY_CONNECTION */
void rpc_conns_notify(void *cls, struct MHD_Connection *mhd, void **socket_ctx,
		      enum MHD_ConnectionNotificationCode what);
/* Moves the connection to state, stamping the time. */
void rpc_conn_set(struct rpc_server *srv, struct rpc_conn *c,
		  enum rpc_conn_state state);

/* rpc_workers.c: workers that give each queued call to run(). */
int rpc_workers_start(struct rpc_server *srv,
		      void (*run)(struct rpc_server *srv,
				  struct rpc_call *call));
/* Drops the queued calls, waits for the running ones. */
void rpc_workers_stop(struct rpc_server *srv);
/* Suspends the connection and queues the call; false when stopping. */
bool rpc_workers_submit(struct rpc_server *srv, struct rpc_call *call);
/* Queues a call already suspended; false when the workers are stopping. */
bool rpc_workers_queue(struct rpc_server *srv, struct rpc_call *call);

/*
 * Calls whose body has a kept reply are answered by one thread, not a
 * worker each: it takes every call waiting, reads the state token once
 * for them (a round that starts after they arrived) and sends the kept
 * replies that still stand; the others go to the workers.
 */
int rpc_rounds_start(struct rpc_server *srv,
		     void (*answered)(struct rpc_server *srv,
				      struct rpc_call *call,
				      xmlrpc_mem_block *doc,
				      struct rpc_served *o, int64_t start));
void rpc_rounds_stop(struct rpc_server *srv);
/* Suspends the call and queues it for the next round; false: stopping. */
bool rpc_rounds_submit(struct rpc_server *srv, struct rpc_call *call);

/* rpc_tls_server.c */
int rpc_tls_load(struct rpc_server *srv, const struct rpc_tls *t);
void rpc_tls_free(struct rpc_server *srv);
/* Whether the client of the connection showed a certificate of our CA. */
bool rpc_tls_trusted(struct rpc_server *srv, struct rpc_call *call);

/* rpc_http.c */
void *rpc_http_uri_cb(void *cls, const char *uri, struct MHD_Connection *mhd);
enum MHD_Result rpc_http_access(void *cls, struct MHD_Connection *mhd,
				const char *url, const char *method,
				const char *version, const char *upload_data,
				size_t *upload_data_size, void **con_cls);
void rpc_http_completed(void *cls, struct MHD_Connection *mhd, void **con_cls,
			enum MHD_RequestTerminationCode toe);
/* Runs the call on the calling (worker) thread and fills its reply. */
void rpc_http_run(struct rpc_server *srv, struct rpc_call *call);
/*
 * The XML-RPC reply doc (NULL: none) is the call's: tells the observer
 * (o: method and fault code filled in; start: when it began to run),
 * drops the body and marks the call done (dropped without a reply).
 */
void rpc_http_answered(struct rpc_server *srv, struct rpc_call *call,
		       xmlrpc_mem_block *doc, struct rpc_served *o,
		       int64_t start);
void rpc_http_observe(struct rpc_server *srv, const struct rpc_served *o);

/* Kept replies of RPC_M_CACHED methods (rpc_cache.c). */
struct rpc_cache;
struct rpc_cache *rpc_cache_new(rpc_token_fn fn, void *ctx);
void rpc_cache_free(struct rpc_cache *c);
/* rpc_process_call(), or a kept reply that is still the state's. */
xmlrpc_mem_block *rpc_cache_call(struct rpc_cache *c,
				 const struct rpc_method *table, void *ctx,
				 const char *body, size_t len,
				 const struct rpc_peer *peer,
				 struct rpc_served *o);
/* Whether body has a kept reply (which may or may not still stand). */
bool rpc_cache_ready(struct rpc_cache *c, const char *body, size_t len);
/*
 * The token of a round that starts after this call (malloc'd), or NULL
 * when the state cannot be read now.
 */
char *rpc_cache_fresh_token(struct rpc_cache *c);
/* A copy of the reply kept for body if it was made under token (then
 * *method is its method's name), else NULL. */
xmlrpc_mem_block *rpc_cache_kept(struct rpc_cache *c, const char *body,
				 size_t len, const char *token,
				 const char **method);

#endif
