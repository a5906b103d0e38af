/* hsvr_agent: the head-server agent daemon (foreground, XML-RPC :8882). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_rpc.h"
#include "daemon_args.h"
#include "hsvr.h"
#include "monitor.h"
#include "ops.h"
#include "pool.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"

#define SEC "hsvr_agent"

struct agent {
	struct vas_conf *conf;
	struct hx *hx;
	struct hsvr h;
	int h_ready;
	struct vas_client *client;
	struct monitor *mon;
	struct rpc_server *srv;
	struct rpc_tls tls;
};

static int notify_sm(void *ctx, int32_t dextid)
{
	struct agent *a = ctx;

	if (!a->client)
		return -EHOSTDOWN;
	return vas_notify_failure(a->client, TARGET_LVOL, dextid);
}

static void *signal_thread(void *arg)
{
	struct agent *a = arg;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (!sigwait(&set, &sig)) {
		log_info("signal %d: stopping", sig);
		rpc_server_stop(a->srv);
	}
	return NULL;
}

static int write_port_file(const struct hsvr *h, int port)
{
	char path[PATH_MAX], text[16];

	if (snprintf(path, sizeof(path), "%s/agent.port", h->state_dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	snprintf(text, sizeof(text), "%d\n", port);
	return hx_write_file(path, text);
}

static int start(struct agent *a)
{
	const char *state =
	    conf_get_str(a->conf, SEC, "state_dir", "/var/lib/vas/hsvr");
	struct rpc_server_opts opts = {0};
	long port, workers, queue, interval;
	int ret;

	ret =
	    conf_get_long(a->conf, SEC, "port", VAS_PORT_HSVR, 0, 65535, &port);
	if (!ret)
		ret = conf_get_long(a->conf, SEC, "workers", 16, 1, 256,
				    &workers);
	if (!ret)
		ret =
		    conf_get_long(a->conf, SEC, "queue", 256, 1, 65536, &queue);
	if (!ret)
		ret = conf_get_long(a->conf, SEC, "monitor_interval_ms", 10000,
				    0, 86400000, &interval);
	if (!ret)
		ret = hx_mkdirs(state);
	if (!ret)
		ret = hx_new(a->conf, state, &a->hx);
	if (!ret)
		ret = hsvr_init(&a->h, a->conf, a->hx);
	if (ret)
		return ret;
	a->h_ready = 1;
	if (interval > 0)
		a->h.leftover_gap_ms = interval;
	ret = hsvr_sweep(&a->h); /* before anything can use a left-over leg */
	if (ret < 0)
		return ret;
	ret = peer_acl_managers(&a->h.callers, a->conf, SEC);
	if (!ret)
		ret = rpc_tls_from_conf(a->conf, &a->tls);
	if (ret)
		return ret;
	opts.tls = &a->tls;
	ret = event_table_new(&a->h.events);
	if (!ret)
		ret = pool_new((int)workers, (int)queue, op_run, &a->h.pool);
	if (ret)
		return ret;
	if (conf_get_str(a->conf, "storage_manager", "host_list", "")[0] &&
	    vas_client_from_conf(a->conf, 10000, &a->client))
		log_warn("no storage manager client: failures not reported");
	ret = monitor_start(&a->h, interval, notify_sm, a, &a->mon);
	if (ret)
		return ret;
	opts.listen_address =
	    conf_get_str(a->conf, SEC, "listen_address", "0.0.0.0");
	opts.port = (int)port;
	opts.workers = 64;
	opts.max_request_bytes = 8u << 20;
	ret = rpc_server_new(&opts, hsvr_methods, &a->h, &a->srv);
	if (ret)
		return ret;
	log_info("hsvr_agent: %s back end, state in %s, listening on %s:%d",
		 a->hx->be->name, state, opts.listen_address,
		 rpc_server_port(a->srv));
	return write_port_file(&a->h, rpc_server_port(a->srv));
}

static void stop(struct agent *a)
{
	rpc_server_free(a->srv);
	monitor_stop(a->mon);
	pool_free(a->h.pool); /* W28: queued operations finish first */
	event_table_free(a->h.events);
	vas_client_free(a->client);
	if (a->h_ready)
		hsvr_fini(&a->h);
	hx_free(a->hx);
	conf_free(a->conf);
}

int main(int argc, char **argv)
{
	const char *config;
	struct agent a = {0};
	pthread_t sig_tid;
	sigset_t set;
	int ret;

	ret = daemon_args(argc, argv, &config);
	if (ret >= 0)
		return ret;
	if (daemon_conf("hsvr_agent", config, LOG_LVL_INFO, &a.conf))
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rpc_client_global_init();
	ret = start(&a);
	if (ret) {
		log_err("hsvr_agent: cannot start: %s", strerror(-ret));
		stop(&a);
		rpc_client_global_cleanup();
		return 1;
	}
	if (pthread_create(&sig_tid, NULL, signal_thread, &a)) {
		stop(&a);
		rpc_client_global_cleanup();
		return 1;
	}
	rpc_server_run(a.srv);
	pthread_kill(sig_tid, SIGTERM); /* ends sigwait if still waiting */
	pthread_join(sig_tid, NULL);
	stop(&a);
	rpc_client_global_cleanup();
	return 0;
}
