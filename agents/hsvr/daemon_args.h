/* Command line and configuration start-up shared by the head-server programs.
 */
#ifndef HSVR_DAEMON_ARGS_H
#define HSVR_DAEMON_ARGS_H

#include "vas/conf.h"
#include "vas/log.h"

/*
 * Parses [--config FILE] [--help]. Returns -1 to go on (*config set),
 * else the exit code (0 after --help, 2 for a usage error).
 */
int daemon_args(int argc, char **argv, const char **config);
/*
 * log_init(prog), loads path (an error is printed), applies
 * [syslog] loglevel. 0 or -errno.
 */
int daemon_conf(const char *prog, const char *path, enum log_level def,
		struct vas_conf **out);

#endif
