/*
 * HTTPS for the front end: the PEM files read once, and the check that a
 * connection's client showed a certificate of the cluster CA.
 * libmicrohttpd asks for the certificate (MHD_OPTION_HTTPS_MEM_TRUST) but
 * lets a client without one in; rpc_http.c refuses its requests.
 */
#include "rpc_server_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PEM_MAX_BYTES (1u << 20)

static int read_pem(const char *path, char **out)
{
	FILE *f = fopen(path, "r");
	size_t n;
	char *buf;

	if (!f) {
		log_err("tls: %s: %s", path, strerror(errno));
		return -errno;
	}
	buf = malloc(PEM_MAX_BYTES + 1);
	n = buf ? fread(buf, 1, PEM_MAX_BYTES, f) : 0;
	fclose(f);
	if (!buf)
		return -ENOMEM;
	if (!n || n == PEM_MAX_BYTES) {
		log_err("tls: %s: empty or over 1 MiB", path);
		free(buf);
		return -EINVAL;
	}
	buf[n] = '\0';
	*out = buf;
	return 0;
}

int rpc_tls_load(struct rpc_server *srv, const struct rpc_tls *t)
{
	int ret;

	if (!t || !t->on)
		return 0;
	ret = read_pem(t->cert_file, &srv->tls_cert);
	if (!ret)
		ret = read_pem(t->key_file, &srv->tls_key);
	if (!ret)
		ret = read_pem(t->ca_file, &srv->tls_ca);
	if (ret)
		rpc_tls_free(srv);
	return ret;
}

void rpc_tls_free(struct rpc_server *srv)
{
	free(srv->tls_cert);
	free(srv->tls_key);
	free(srv->tls_ca);
	srv->tls_cert = srv->tls_key = srv->tls_ca = NULL;
}

static bool verify(struct rpc_call *call)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
	    call->mhd, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	gnutls_session_t session;
	unsigned status = 0;
	int ret;

	if (!info || !info->tls_session)
		return false;
	session = (gnutls_session_t)info->tls_session;
	if (gnutls_certificate_type_get(session) != GNUTLS_CRT_X509)
		return false;
	ret = gnutls_certificate_verify_peers2(session, &status);
	if (ret < 0 || status) {
		log_info("tls: client %s: %s",
			 call->conn ? call->conn->peer.text : "?",
			 ret < 0 ? gnutls_strerror(ret)
				 : "certificate not signed by ca_file, "
				   "expired or revoked");
		return false;
	}
	return true;
}

bool rpc_tls_trusted(struct rpc_server *srv, struct rpc_call *call)
{
	if (!srv->tls_ca)
		return true;
	if (!call->conn)
		return verify(call);
	if (!call->conn->tls_verdict)
		call->conn->tls_verdict = verify(call) ? 1 : -1;
	return call->conn->tls_verdict > 0;
}
