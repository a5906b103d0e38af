/* Command line and configuration start-up shared by the head-server programs.
 */
#include "daemon_args.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

int daemon_args(int argc, char **argv, const char **config)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"help", no_argument, NULL, 'H'},
	    {NULL, 0, NULL, 0},
	};
	int opt;

	*config = VAS_CONF_DEFAULT;
	while ((opt = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (opt == 'c') {
			*config = optarg;
			continue;
		}
		/* --help is an answer (stdout, 0); anything else an error. */
		fprintf(opt == 'H' ? stdout : stderr,
			"usage: %s [--config FILE] [--help]\n", argv[0]);
		return opt == 'H' ? 0 : 2;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: %s [--config FILE] [--help]\n",
			argv[0]);
		return 2;
	}
	return -1;
}

int daemon_conf(const char *prog, const char *path, enum log_level def,
		struct vas_conf **out)
{
	const char *level;
	int ret;

	log_init(prog, def, 0);
	ret = conf_load(path, out);
	if (ret) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(-ret));
		return ret;
	}
	/* [syslog] host: also log through syslog(3), which forwards it. */
	if (conf_get_str(*out, "syslog", "host", "")[0])
		log_init(prog, def, 1);
	level = conf_get(*out, "syslog", "loglevel");
	if (level)
		log_set_level(log_level_parse(level));
	return 0;
}
