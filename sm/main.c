/* vas_sm: the Vastsky storage manager daemon. */
#include "api.h"
#include "attach.h"
#include "db.h"
#include "pg_embedded.h"
#include "health.h"
#include "metrics.h"
#include "resync.h"
#include "shred.h"
#include "worker_loop.h"
#include "sm.h"
#include "vas/conf.h"
#include "vas/log.h"
#include "vas/rpc.h"
#include "vas/rpc_client.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--config FILE] [--init-db] [--host ADDR] [--help]\n"
		"  --config FILE  configuration (default %s)\n"
		"  --init-db      create or upgrade the schema, then exit\n"
		"  --host ADDR    listen address (overrides listen_address)\n",
		argv0, VAS_CONF_DEFAULT);
}

struct sig_ctx {
	sigset_t set;
	struct rpc_server *srv;
};

/* Turns SIGTERM/SIGINT into an orderly stop of the server loop. */
static void *signal_thread(void *arg)
{
	struct sig_ctx *s = arg;
	int sig = 0;

	sigwait(&s->set, &sig);
	log_info("signal %d: stopping", sig);
	rpc_server_stop(s->srv);
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, 0, 'c'},
	    {"init-db", no_argument, 0, 'i'},
	    {"host", required_argument, 0, 'h'},
	    {"help", no_argument, 0, 'H'},
	    {0, 0, 0, 0}};
	const char *config = VAS_CONF_DEFAULT, *host = NULL;
	struct rpc_server_opts opts = {0};
	struct vas_conf *conf = NULL;
	struct sig_ctx sigs;
	struct sm sm = {0};
	int opt, init_only = 0, embedded, ret = 1;
	pthread_t sigthr;
	char dsn[1024];

	while ((opt = getopt_long(argc, argv, "c:h:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'i':
			init_only = 1;
			break;
		case 'h':
			host = optarg;
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(argv[0]);
		return 2;
	}
	log_init(argv[0], LOG_LVL_INFO, 0);
	if (conf_load(config, &conf) || sm_config_load(conf, &sm.cfg)) {
		fprintf(stderr, "%s: bad configuration in %s\n", argv[0],
			config);
		conf_free(conf);
		return 1;
	}
	log_set_level(
	    log_level_parse(conf_get_str(conf, "syslog", "loglevel", "INFO")));
	conf_free(conf);
	if (host)
		snprintf(sm.cfg.listen_address, sizeof(sm.cfg.listen_address),
			 "%s", host);

	sigemptyset(&sigs.set);
	sigaddset(&sigs.set, SIGTERM);
	sigaddset(&sigs.set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs.set, NULL);
	signal(SIGPIPE, SIG_IGN);
	rpc_client_global_init();

	embedded = !sm.cfg.dsn[0];
	if (embedded) {
		if (pg_embedded_start(&sm.cfg, dsn, sizeof(dsn))) {
			log_err("cannot start the embedded database");
			goto out;
		}
	} else {
		snprintf(dsn, sizeof(dsn), "%s", sm.cfg.dsn);
	}
	if (db_open(dsn, sm.cfg.max_connections + 4, &sm.db) ||
	    db_migrate(sm.db)) {
		log_err("database unusable");
		goto out;
	}
	if (init_only) {
		ret = 0;
		goto out;
	}
	opts.listen_address = sm.cfg.listen_address;
	opts.port = sm.cfg.port;
	opts.max_conn = sm.cfg.max_connections;
	opts.max_request_bytes = sm.cfg.max_request_bytes;
	opts.io_timeout_s = sm.cfg.request_timeout_s;
	opts.get_routes = sm_get_routes;
	rpc_set_observer(sm_metrics_request);
	if (rpc_server_new(&opts, sm_methods, &sm, &sigs.srv))
		goto out;
	if (shred_sched_start(&sm) || resync_start(&sm) || health_start(&sm)) {
		log_err("cannot start the schedulers");
		resync_stop(&sm);
		shred_sched_stop(&sm);
		rpc_server_free(sigs.srv);
		goto out;
	}
	if (attach_salvage(&sm))
		log_err("could not resume every attach/detach in flight");
	pthread_create(&sigthr, NULL, signal_thread, &sigs);
	/* Tests and scripts wait for this line. */
	printf("Listening on port %d\n", rpc_server_port(sigs.srv));
	fflush(stdout);
	rpc_server_run(sigs.srv);
	pthread_join(sigthr, NULL);
	worker_loop_stop(sm.health);
	resync_stop(&sm);
	shred_sched_stop(&sm);
	rpc_server_free(sigs.srv);
	ret = 0;
	if (!attach_salvage_wait(10)) {
		/* They hold the database: exit without closing it under them.
		 */
		log_warn("resumed operations still running; exiting anyway");
		if (embedded)
			pg_embedded_stop(&sm.cfg);
		_exit(0);
	}
out:
	db_close(sm.db);
	if (embedded)
		pg_embedded_stop(&sm.cfg);
	rpc_client_global_cleanup();
	log_info("stopped");
	return ret;
}
