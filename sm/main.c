/* vas_sm: the Vastsky storage manager daemon. */
#include "api.h"
#include "attach_driver.h"
#include "db.h"
#include "db_leader.h"
#include "fencing.h"
#include "leader.h"
#include "metrics.h"
#include "pg_embedded.h"
#include "placement_view.h"
#include "sm.h"
#include "vas/conf.h"
#include "vas/log.h"
#include "vas/rpc.h"
#include "vas/rpc_client.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

/* Exit codes besides 0, 1 (error) and 2 (usage); see vas_sm(8). */
#define SM_EXIT_RUNNING	   3 /* another vas_sm holds state_dir */
#define SM_EXIT_FOREIGN_PG 4 /* a PostgreSQL we did not start runs there */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [-c|--config FILE] [--init-db] [-h|--host ADDR] "
		"[--help]\n"
		"  -c, --config FILE  configuration (default %s)\n"
		"      --init-db      create or upgrade the schema, then exit\n"
		"  -h, --host ADDR    listen address (overrides "
		"listen_address)\n"
		"      --help         print this help and exit\n"
		"Exit status: 0 stopped by SIGTERM/SIGINT or --init-db done; "
		"1 error;\n"
		"2 bad usage; %d another vas_sm runs on state_dir; %d a "
		"PostgreSQL it did\n"
		"not start runs on state_dir/pg/data (neither is touched).\n",
		argv0, VAS_CONF_DEFAULT, SM_EXIT_RUNNING, SM_EXIT_FOREIGN_PG);
}

static int start_embedded(struct sm *sm, char *dsn, size_t len,
			  struct pg_embedded **pg)
{
	int ret = pg_embedded_start(&sm->cfg, dsn, len, pg);

	if (ret == -EBUSY)
		return SM_EXIT_RUNNING;
	if (ret == -EEXIST)
		return SM_EXIT_FOREIGN_PG;
	if (ret) {
		log_err("cannot start the embedded database");
		return 1;
	}
	return 0;
}

/*
 * This process among the managers on one database: a random positive id,
 * named in every database session (application_name), so a successor can
 * end the sessions of a leader that hung (issue 15).
 */
static int32_t pick_instance(void)
{
	uint32_t r = 0;
	char app[64];

	while (!(r & 0x7fffffff))
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	r &= 0x7fffffff;
	db_leader_appname((int32_t)r, app, sizeof(app));
	setenv("PGAPPNAME", app, 1);
	return (int32_t)r;
}

/* "host:port pid N", how people and other managers see this one. */
static void describe(const struct sm *sm, int port, char *buf, size_t len)
{
	char host[64] = "";
	const char *addr = sm->cfg.listen_address;

	if (!addr[0] || !strcmp(addr, "0.0.0.0") || !strcmp(addr, "::")) {
		if (gethostname(host, sizeof(host) - 1))
			snprintf(host, sizeof(host), "%s", "?");
		addr = host;
	}
	snprintf(buf, len, "%s:%d pid %d", addr, port, (int)getpid());
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

static char *state_token(void *ctx)
{
	return db_state_token(((struct sm *)ctx)->db);
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
	struct pg_embedded *pg = NULL;
	struct sm sm = {0};
	struct rpc_tls tls;
	int opt, init_only = 0, ret = 1;
	pthread_t sigthr;
	char dsn[1024], holder[160];

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
		case 'H':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr, argv[0]);
		return 2;
	}
	log_init(argv[0], LOG_LVL_INFO, 0);
	if (conf_load(config, &conf) || sm_config_load(conf, &sm.cfg) ||
	    rpc_tls_from_conf(conf, &tls)) {
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

	if (!sm.cfg.dsn[0]) {
		ret = start_embedded(&sm, dsn, sizeof(dsn), &pg);
		if (ret)
			goto out;
		ret = 1;
	} else {
		snprintf(dsn, sizeof(dsn), "%s", sm.cfg.dsn);
	}
	/*
	 * "relation ... already exists, skipping" is no news at every start.
	 * Our transactions never wait for the network: one left open by a
	 * manager that hangs ends after 5 s instead of blocking every other
	 * manager's. A PGOPTIONS of the administrator's, or options in dsn,
	 * win.
	 */
	setenv("PGOPTIONS",
	       "-c client_min_messages=warning "
	       "-c idle_in_transaction_session_timeout=5000",
	       0);
	sm.instance = pick_instance();
	db_set_tcp_timeout(sm.cfg.db_tcp_timeout_ms);
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
	opts.workers = sm.cfg.max_connections;
	opts.max_request_bytes = sm.cfg.max_request_bytes;
	opts.request_timeout_s = sm.cfg.request_timeout_s;
	opts.idle_timeout_s = sm.cfg.idle_timeout_s;
	opts.max_open = sm.cfg.max_open_connections;
	opts.max_per_peer = sm.cfg.max_connections_per_peer;
	opts.tls = &tls;
	rpc_client_use_tls(&tls); /* the calls to the agents */
	if (rpc_server_new(&opts, sm_methods, &sm, &sigs.srv))
		goto out;
	rpc_server_set_observer(sigs.srv, sm_metrics_request, &sm);
	/* Lists answered again while the database holds what they read. */
	rpc_server_set_cache(sigs.srv, state_token, &sm);
	describe(&sm, rpc_server_port(sigs.srv), holder, sizeof(holder));
	fencing_hooks_init(&sm);
	if (rpc_server_add_route(sigs.srv, "GET", "/metrics", sm_metrics_route,
				 &sm) ||
	    attach_driver_start(&sm) || leader_start(&sm, dsn, holder)) {
		log_err("cannot start the background machinery");
		attach_driver_stop(&sm, 0);
		rpc_server_free(sigs.srv);
		goto out;
	}
	log_info("manager %s, instance %d", holder, sm.instance);
	pthread_create(&sigthr, NULL, signal_thread, &sigs);
	/* Tests and scripts wait for this line. */
	printf("Listening on port %d\n", rpc_server_port(sigs.srv));
	fflush(stdout);
	rpc_server_run(sigs.srv);
	pthread_join(sigthr, NULL);
	rpc_server_free(sigs.srv);
	ret = 0;
	if (!leader_stop(&sm, 10 * 1000) || !attach_driver_stop(&sm, 1000)) {
		/* They hold the database: exit without closing it under them.
		 */
		log_warn("resumed operations still running; exiting anyway");
		pg_embedded_stop(pg);
		_exit(0);
	}
out:
	placement_view_free(&sm);
	db_close(sm.db);
	pg_embedded_stop(pg);
	rpc_client_global_cleanup();
	log_info("stopped");
	return ret;
}
