/* Logging: "LEVEL program[pid] func:line message" on stderr, copy to syslog. */
#include "vas/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static enum log_level cur_level = LOG_LVL_INFO;
static int syslog_on;
static const char *prog = "vas";

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void log_init(const char *program, enum log_level level, int use_syslog)
{
	const char *slash = strrchr(program, '/');

	prog = slash ? slash + 1 : program;
	cur_level = level;
	syslog_on = use_syslog;
	if (syslog_on)
		openlog(prog, LOG_PID, LOG_USER);
}

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

enum log_level log_level_parse(const char *s)
{
	if (!strcasecmp(s, "DEBUG"))
		return LOG_LVL_DEBUG;
	if (!strcasecmp(s, "WARN") || !strcasecmp(s, "WARNING"))
		return LOG_LVL_WARN;
	if (!strcasecmp(s, "ERROR") || !strcasecmp(s, "CRITICAL") ||
	    !strcasecmp(s, "FATAL"))
		return LOG_LVL_ERR;
	return LOG_LVL_INFO;
}

void log_write(enum log_level level, const char *func, int line,
	       const char *fmt, ...)
{
	static const int sys_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO,
				       LOG_DEBUG};
	char msg[2048];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;

	if (level > cur_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf per record keeps lines from different threads whole. */
	fprintf(stderr, "%s.%03ld %s %s[%d] %s:%d %s\n", stamp,
		ts.tv_nsec / 1000000, level_names[level], prog, (int)getpid(),
		func, line, msg);
	if (syslog_on)
		syslog(sys_prio[level], "%s %s", level_names[level], msg);
}
