/*
 * vas_scale_sim: plays N storage servers and M head servers for one
 * manager, so that a cluster of a thousand servers runs on one machine.
 *
 *   vas_scale_sim --ssvr N --hsvr M [--ssvr-base 127.50.0.1]
 *       [--hsvr-base 127.60.0.1] [--ssvr-port 8883] [--hsvr-port 8882]
 *       [--control-port 8890] [--disk-mb-s 200] [--link-mb-s 1000]
 *       [--fast-first N [--fast-factor 100]]
 *
 * Storage server i answers on ssvr-base + i, head server j on
 * hsvr-base + j (every address inside 127.0.0.0/8). A control XML-RPC
 * server on 127.0.0.1:control-port answers simStats, simReset,
 * simDisks, loadStart, loadStop and simStop. The disks of the first N
 * storage servers may write fast-factor times faster (a benchmark's
 * set-up). Prints "sim ready" once listening.
 */
#include "sim.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <xmlrpc-c/base.h>

static void usage(const char *argv0)
{
	fprintf(
	    stderr,
	    "usage: %s --ssvr N --hsvr M [--ssvr-base IP] [--hsvr-base IP]\n"
	    "       [--ssvr-port P] [--hsvr-port P] [--control-port P]\n"
	    "       [--disk-mb-s R] [--link-mb-s R]\n",
	    argv0);
}

/* Enough descriptors for every listener and connection. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"ssvr", required_argument, 0, 's'},
	    {"hsvr", required_argument, 0, 'h'},
	    {"ssvr-base", required_argument, 0, 'S'},
	    {"hsvr-base", required_argument, 0, 'H'},
	    {"ssvr-port", required_argument, 0, 'p'},
	    {"hsvr-port", required_argument, 0, 'q'},
	    {"control-port", required_argument, 0, 'c'},
	    {"disk-mb-s", required_argument, 0, 'd'},
	    {"link-mb-s", required_argument, 0, 'l'},
	    {"fast-first", required_argument, 0, 'f'},
	    {"fast-factor", required_argument, 0, 'F'},
	    {0, 0, 0, 0}};
	struct sim_opts o = {0};
	struct sim_server *srv = NULL;
	struct sim_model *m = NULL;
	xmlrpc_env env;
	int opt, ret;

	snprintf(o.ssvr_base, sizeof(o.ssvr_base), "127.50.0.1");
	snprintf(o.hsvr_base, sizeof(o.hsvr_base), "127.60.0.1");
	o.ssvr_port = 8883;
	o.hsvr_port = 8882;
	o.control_port = 8890;
	o.disk_mb_s = 200;
	o.link_mb_s = 1000;
	o.fast_factor = 100;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o.n_ssvr = atoi(optarg);
			break;
		case 'h':
			o.n_hsvr = atoi(optarg);
			break;
		case 'S':
			snprintf(o.ssvr_base, sizeof(o.ssvr_base), "%s",
				 optarg);
			break;
		case 'H':
			snprintf(o.hsvr_base, sizeof(o.hsvr_base), "%s",
				 optarg);
			break;
		case 'p':
			o.ssvr_port = atoi(optarg);
			break;
		case 'q':
			o.hsvr_port = atoi(optarg);
			break;
		case 'c':
			o.control_port = atoi(optarg);
			break;
		case 'd':
			o.disk_mb_s = atof(optarg);
			break;
		case 'l':
			o.link_mb_s = atof(optarg);
			break;
		case 'f':
			o.fast_first = atoi(optarg);
			break;
		case 'F':
			o.fast_factor = atof(optarg);
			break;
		default:
			usage(argv[0]);
			return 2;
		}
	}
	if (optind != argc || o.n_ssvr < 0 || o.n_hsvr < 0 ||
	    o.n_ssvr + o.n_hsvr > 60000 || o.disk_mb_s <= 0 ||
	    o.link_mb_s <= 0 || o.fast_first < 0 || o.fast_factor <= 0) {
		usage(argv[0]);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	raise_fd_limit();
	xmlrpc_env_init(&env);
	xmlrpc_limit_set(XMLRPC_XML_SIZE_LIMIT_ID, 4 << 20);
	sim_now();
	m = sim_model_new(&o);
	ret = m ? sim_server_new(&o, m, &srv) : -1;
	if (ret) {
		fprintf(stderr, "sim: cannot start (%d)\n", ret);
		sim_model_free(m);
		return 1;
	}
	printf("sim ready: %d storage servers from %s:%d, %d head servers "
	       "from %s:%d, control 127.0.0.1:%d\n",
	       o.n_ssvr, o.ssvr_base, o.ssvr_port, o.n_hsvr, o.hsvr_base,
	       o.hsvr_port, o.control_port);
	fflush(stdout);
	sim_server_run(srv);
	sim_load_stop();
	sim_server_free(srv);
	sim_model_free(m);
	xmlrpc_env_clean(&env);
	return 0;
}
