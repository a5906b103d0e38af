/* Outgoing XML-RPC calls: one struct parameter, address failover. */
#ifndef VAS_RPC_CLIENT_H
#define VAS_RPC_CLIENT_H

#include <stdbool.h>
#include <xmlrpc-c/base.h>

enum rpc_fail {
	RPC_FAIL_NONE = 0,
	RPC_FAIL_FAULT,	  /* the peer answered with a fault */
	RPC_FAIL_CONNECT, /* nothing reached the peer: refused, unreachable */
	RPC_FAIL_TIMEOUT, /* sent, no answer in time: may have run */
	RPC_FAIL_OTHER,	  /* garbage reply, HTTP error, reset mid-call */
};

/* Which failures move on to the next address. */
#define RPC_FAILOVER_CONNECT (1u << RPC_FAIL_CONNECT)
#define RPC_FAILOVER_TIMEOUT (1u << RPC_FAIL_TIMEOUT)
#define RPC_FAILOVER_OTHER   (1u << RPC_FAIL_OTHER)
#define RPC_FAILOVER_AGENT                                                     \
	(RPC_FAILOVER_CONNECT | RPC_FAILOVER_TIMEOUT | RPC_FAILOVER_OTHER)
/*
 * Flag: before each call, a connect with a deadline of RPC_PROBE_MS (or the
 * call timeout when shorter); a host that takes none is RPC_FAIL_CONNECT.
 */
#define RPC_PROBE_CONNECT (1u << 8)
#define RPC_PROBE_MS	  3500

struct rpc_outcome {
	enum rpc_fail fail; /* of the last address tried */
	int fault_code;	    /* RPC_FAIL_FAULT */
	char fault_string[128];
	char detail[256]; /* transport message, for logs */
	int tried;	  /* addresses tried */
};

/*
 * Calls method({...param}) on http://<host>:<port>/RPC2 for each host in
 * order until one answers. param is borrowed. On success returns 0 and
 * *result (caller DECREFs). Otherwise: -EREMOTEIO for a fault (code in
 * oc), -ETIMEDOUT when a timeout ended the call, -EHOSTDOWN when no
 * address answered.
 */
int rpc_call(const char *const *hosts, int nhosts, int port, const char *method,
	     xmlrpc_value *param, int timeout_ms, unsigned failover,
	     xmlrpc_value **result, struct rpc_outcome *oc);

/* 0 when a TCP connection to host:port is made within timeout_ms. */
int rpc_probe(const char *host, int port, int timeout_ms);

/* Call once in main() before any thread makes calls. */
void rpc_client_global_init(void);
void rpc_client_global_cleanup(void);

#endif
