/*
 * hsvr_reporter: registers this head server with the storage manager
 * (hsvr.md 12.1) and keeps its id in <state_dir>/hsvrid. On EEXIST it
 * reports its own failure, then registers again; while no manager
 * answers it backs off. It never halts the host (README improvement 8).
 */
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_args.h"
#include "hsvr.h"
#include "hx.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"
#include "vas/rpc_client.h"
#include "vas/units.h"

#define SEC "hsvr_agent"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

struct ips {
	char ip[VAS_MAX_IPS][16];
	const char *ptr[VAS_MAX_IPS];
	int n;
};

static int add_ip(struct ips *l, const char *s, size_t len)
{
	if (l->n == VAS_MAX_IPS || len >= sizeof(l->ip[0]))
		return -EINVAL;
	memcpy(l->ip[l->n], s, len);
	l->ip[l->n][len] = '\0';
	if (!names_valid_ipv4(l->ip[l->n]))
		return -EINVAL;
	l->ptr[l->n] = l->ip[l->n];
	l->n++;
	return 0;
}

/* [hsvr_agent] ip_data (comma list), else <hostname>-data1..N. */
static int data_ips(const struct vas_conf *conf, struct ips *l)
{
	const char *list = conf_get_str(conf, SEC, "ip_data", ""), *p, *comma;
	char host[256];
	int i, ret = 0;

	memset(l, 0, sizeof(*l));
	if (list[0]) {
		for (p = list; !ret && *p; p = *comma ? comma + 1 : comma) {
			comma = strchrnul(p, ',');
			while (*p == ' ')
				p++;
			ret = add_ip(l, p, (size_t)(comma - p));
		}
		if (ret)
			log_err("[%s] ip_data: bad address list '%s'", SEC,
				list);
		return ret;
	}
	if (gethostname(host, sizeof(host)))
		return -errno;
	host[sizeof(host) - 1] = '\0';
	for (i = 1; i <= VAS_MAX_IPS; i++) {
		struct addrinfo hints = {0}, *res = NULL;
		char name[300], ip[16];

		hints.ai_family = AF_INET;
		snprintf(name, sizeof(name), "%s-data%d", host, i);
		if (getaddrinfo(name, NULL, &hints, &res))
			break;
		inet_ntop(AF_INET,
			  &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip,
			  sizeof(ip));
		freeaddrinfo(res);
		ret = add_ip(l, ip, strlen(ip));
		if (ret)
			return ret;
	}
	if (!l->n) {
		log_err("%s-data1 does not resolve and no [%s] ip_data", host,
			SEC);
		return -ENOENT;
	}
	return 0;
}

static int id_file(const struct vas_conf *conf, char *buf, size_t len)
{
	const char *state =
	    conf_get_str(conf, SEC, "state_dir", "/var/lib/vas/hsvr");
	int n = snprintf(buf, len, "%s/hsvrid", state);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return hx_mkdirs(state);
}

/* The id kept from an earlier registration, 0 if none. */
static int32_t read_id(const char *path)
{
	char *text = NULL;
	int64_t id = 0;

	if (hx_read_file(path, &text))
		return 0;
	text[strcspn(text, "\n")] = '\0';
	if (ids_parse(text, "hsvr-", &id))
		log_warn("%s: ignoring '%s'", path, text);
	free(text);
	return (int32_t)id;
}

static void sleep_s(long s)
{
	long i;

	for (i = 0; i < s * 10 && !stopping; i++) {
		struct timespec ts = {0, 100000000L};

		nanosleep(&ts, NULL);
	}
}

/* Number of volume labels in the label directory (attached volumes). */
static int live_volumes(const struct vas_conf *conf)
{
	char dir[PATH_MAX];
	struct dirent *e;
	DIR *dh;
	int n = 0;

	if (hsvr_conf_vas_dir(conf, dir, sizeof(dir)))
		return 0;
	dh = opendir(dir);
	if (!dh)
		return 0;
	while ((e = readdir(dh)))
		n += e->d_name[0] != '.';
	closedir(dh);
	return n;
}

/* 0 registered, 1 stopped by a signal, else -errno. */
static int register_loop(const struct vas_conf *conf, struct vas_client *c,
			 const struct ips *l, const char *path, long retry_s)
{
	int32_t known = read_id(path), id = 0;
	int eexist_in_row = 0;
	char text[32];
	int ret;

	while (!stopping) {
		ret = vas_register_hsvr(c, l->ptr, l->n, &id);
		if (!ret)
			break;
		if (ret == -EHOSTDOWN || ret == -ETIMEDOUT) {
			log_warn("registerHeadServer: no manager answered; "
				 "retrying in %ld s",
				 retry_s);
			sleep_s(retry_s);
			continue;
		}
		if (ret != -EEXIST) {
			log_err("registerHeadServer: %s: %s", l->ptr[0],
				strerror(-ret));
			return ret;
		}
		if (!known) {
			log_err("registerHeadServer: %s: File exists",
				l->ptr[0]);
			return ret;
		}
		/*
		 * W20: the manager still has us and volumes are attached
		 * here: a notifyFailure would make it forget them while
		 * their devices are live. Keep the registration as it is.
		 */
		if (live_volumes(conf)) {
			log_warn("hsvr-%08x is still registered and has "
				 "attached volumes: registration kept",
				 (uint32_t)known);
			return 0;
		}
		/* W21: a stale id must not make a tight loop. */
		if (eexist_in_row++)
			sleep_s(retry_s);
		ret = vas_notify_failure(c, TARGET_HSVR, known);
		if (ret == -EHOSTDOWN || ret == -ETIMEDOUT) {
			sleep_s(retry_s);
			continue;
		}
		if (ret) {
			log_err("notifyFailure HSVR hsvr-%08x: %s",
				(uint32_t)known, strerror(-ret));
			return ret;
		}
		log_info("notifyFailure HSVR hsvr-%08x was called",
			 (uint32_t)known);
	}
	if (stopping)
		return 1;
	snprintf(text, sizeof(text), "hsvr-%08x\n", (uint32_t)id);
	ret = hx_write_file(path, text);
	if (ret)
		log_err("%s: %s", path, strerror(-ret));
	else
		log_info("registered as hsvr-%08x", (uint32_t)id);
	return ret;
}

int main(int argc, char **argv)
{
	struct vas_client *c = NULL;
	struct vas_conf *conf = NULL;
	const char *config;
	char path[PATH_MAX];
	long retry_s = 60, timeout_ms = 30000;
	struct ips ips;
	int ret;

	ret = daemon_args(argc, argv, &config);
	if (ret >= 0)
		return ret;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (daemon_conf("hsvr_reporter", config, LOG_LVL_INFO, &conf))
		return 1;
	rpc_client_global_init();
	ret =
	    conf_get_long(conf, SEC, "register_retry_s", 60, 1, 3600, &retry_s);
	if (!ret)
		ret = conf_get_long(conf, SEC, "rpc_timeout_ms", 30000, 100,
				    600000, &timeout_ms);
	if (!ret)
		ret = data_ips(conf, &ips);
	if (!ret)
		ret = id_file(conf, path, sizeof(path));
	if (!ret)
		ret = vas_client_from_conf(conf, (int)timeout_ms, &c);
	if (!ret)
		ret = register_loop(conf, c, &ips, path, retry_s);
	vas_client_free(c);
	conf_free(conf);
	rpc_client_global_cleanup();
	return ret < 0 ? 1 : 0;
}
