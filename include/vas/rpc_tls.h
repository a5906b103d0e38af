/*
 * Optional TLS on every XML-RPC connection (SECURITY.md): [tls] ca_file,
 * cert_file and key_file, all three or none. With them every listener
 * speaks HTTPS and serves only clients whose certificate ca_file signed,
 * and every client speaks HTTPS, checks the server against ca_file (and
 * its address against the certificate) and presents its own certificate.
 */
#ifndef VAS_RPC_TLS_H
#define VAS_RPC_TLS_H

#include <limits.h>
#include <stdbool.h>

struct vas_conf;

struct rpc_tls {
	bool on;
	char ca_file[PATH_MAX];	  /* the cluster CA: peers must chain to it */
	char cert_file[PATH_MAX]; /* this host's certificate (PEM) */
	char key_file[PATH_MAX];  /* its private key (PEM) */
};

/*
 * Reads [tls]; *tls->on is false when none of the three is set. -EINVAL
 * (logged) when only some are set or a file cannot be read.
 */
int rpc_tls_from_conf(const struct vas_conf *conf, struct rpc_tls *tls);

/*
 * Makes every later rpc_call() of this process use tls (copied); NULL or
 * off: plain HTTP. Call once at start, before any call is made.
 */
void rpc_client_use_tls(const struct rpc_tls *tls);
/* "https" or "http": what rpc_call() speaks. */
const char *rpc_client_scheme(void);

#endif
