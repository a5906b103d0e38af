/*
 * ssvr_agent: the storage server's XML-RPC agent, in the foreground.
 * Re-creates the exports from its state files, resumes persisted shreds,
 * runs the disk patrol and serves until SIGTERM/SIGINT.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ssvr_rpc.h"
#include "vas/event_table.h"
#include "vas/log.h"
#include "vas/rpc.h"
#include "vas/rpc_client.h"

struct sig_waiter {
	sigset_t set;
	struct rpc_server *srv;
	struct shredder *shred;
};

static void *sig_thread(void *arg)
{
	struct sig_waiter *w = arg;
	int sig = 0;

	if (sigwait(&w->set, &sig) == 0 && sig != SIGUSR1) {
		log_info("signal %d: stopping", sig);
		/* Running shreds stay persisted and resume at restart. */
		shredder_request_stop(w->shred);
		rpc_server_stop(w->srv);
	}
	return NULL;
}

static int serve(const struct ssvr_cfg *cfg, struct ssvr_agent *a)
{
	struct rpc_server_opts opts = {
	    .listen_address = cfg->listen_address,
	    .port = (int)cfg->port,
	    .workers = 32,
	    .max_request_bytes = 64 * 1024,
	    .tls = &cfg->tls,
	};
	struct sig_waiter w;
	struct rpc_server *srv = NULL;
	pthread_t thr;
	int ret;

	ret = rpc_server_new(&opts, ssvr_methods, a, &srv);
	if (ret) {
		log_err("listen on %s:%ld: %s",
			cfg->listen_address[0] ? cfg->listen_address : "*",
			cfg->port, strerror(-ret));
		return ret;
	}
	sigemptyset(&w.set);
	sigaddset(&w.set, SIGTERM);
	sigaddset(&w.set, SIGINT);
	sigaddset(&w.set, SIGUSR1);
	w.srv = srv;
	w.shred = a->shred;
	ret = -pthread_create(&thr, NULL, sig_thread, &w);
	if (ret) {
		rpc_server_free(srv);
		return ret;
	}
	log_info("serving on %s:%d",
		 cfg->listen_address[0] ? cfg->listen_address : "*",
		 rpc_server_port(srv));
	rpc_server_run(srv);
	/* Wake the signal thread if the server ended on its own. */
	pthread_kill(thr, SIGUSR1);
	pthread_join(thr, NULL);
	rpc_server_free(srv);
	return 0;
}

static int run(const struct ssvr_cfg *cfg)
{
	struct ssvr_agent a = {.cfg = cfg};
	struct export_keeper *keeper = NULL;
	struct acl_keeper *acl = NULL;
	struct patrol *patrol = NULL;
	int ret;

	ret = ssvr_mkdir_p(cfg->state_dir);
	if (ret) {
		log_err("%s: %s", cfg->state_dir, strerror(-ret));
		return ret;
	}
	ret = event_table_new(&a.events);
	if (ret)
		return ret;
	ret = shredder_new(cfg, a.events, &a.shred);
	if (ret)
		goto out;
	if (export_reconcile(cfg))
		log_err("some exports could not be re-created");
	ret = shredder_resume(a.shred);
	if (!ret)
		ret = patrol_start(cfg, a.shred, &patrol);
	if (!ret)
		ret = export_keeper_start(cfg, &keeper);
	if (!ret)
		ret = acl_keeper_start(cfg, &acl);
	if (!ret)
		ret = serve(cfg, &a);
	acl_keeper_stop(acl);
	export_keeper_stop(keeper);
	patrol_stop(patrol);
out:
	shredder_free(a.shred);
	event_table_free(a.events);
	return ret;
}

int main(int argc, char **argv)
{
	struct vas_conf *conf;
	struct ssvr_cfg *cfg;
	sigset_t set;
	int ret;

	ret = ssvr_start(argc, argv, &conf, &cfg);
	if (ret)
		return ret < 0 ? 0 : ret;
	/* Signals are taken by the signal thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	rpc_client_global_init();
	ret = run(cfg);
	rpc_client_global_cleanup();
	log_info("stopped");
	free(cfg);
	conf_free(conf);
	return ret ? 1 : 0;
}
