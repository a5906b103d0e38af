/* [tls] of vas.conf, and the TLS settings of this process's client calls. */
#include "vas/rpc_tls.h"
#include "vas/conf.h"
#include "vas/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct rpc_tls client_tls;

int rpc_tls_from_conf(const struct vas_conf *conf, struct rpc_tls *tls)
{
	static const char *const keys[] = {"ca_file", "cert_file", "key_file"};
	char *dst[] = {tls->ca_file, tls->cert_file, tls->key_file};
	int i, set = 0;

	memset(tls, 0, sizeof(*tls));
	for (i = 0; i < 3; i++) {
		const char *v = conf_get_str(conf, "tls", keys[i], "");

		snprintf(dst[i], PATH_MAX, "%s", v);
		set += *v != '\0';
	}
	if (!set)
		return 0;
	if (set != 3) {
		log_err("[tls] needs ca_file, cert_file and key_file together");
		return -EINVAL;
	}
	for (i = 0; i < 3; i++)
		if (access(dst[i], R_OK)) {
			log_err("[tls] %s %s: %s", keys[i], dst[i],
				strerror(errno));
			return -EINVAL;
		}
	tls->on = true;
	return 0;
}

void rpc_client_use_tls(const struct rpc_tls *tls)
{
	if (tls && tls->on)
		client_tls = *tls;
	else
		memset(&client_tls, 0, sizeof(client_tls));
}

const char *rpc_client_scheme(void)
{
	return client_tls.on ? "https" : "http";
}

/* For rpc_client.c: the settings, or NULL for plain HTTP. */
const struct rpc_tls *rpc_client_tls(void)
{
	return client_tls.on ? &client_tls : NULL;
}
