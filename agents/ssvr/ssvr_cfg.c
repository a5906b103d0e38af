/* Storage-server configuration from vas.conf, validated at start-up. */
#include "ssvr_priv.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "vas/log.h"
#include "vas/proto.h"
#include "vas/units.h"

#define SEC "ssvr_agent"

int ssvr_split_list(const char *s, char *items, int max, size_t len)
{
	int n = 0;

	while (s && *s) {
		const char *end = strchr(s, ',');
		size_t l = end ? (size_t)(end - s) : strlen(s);

		while (l && isspace((unsigned char)*s)) {
			s++;
			l--;
		}
		while (l && isspace((unsigned char)s[l - 1]))
			l--;
		if (l) {
			if (n == max || l >= len)
				return -EINVAL;
			memcpy(items + (size_t)n * len, s, l);
			items[(size_t)n * len + l] = '\0';
			n++;
		}
		s = end ? end + 1 : NULL;
	}
	return n;
}

static int copy_str(char *dst, size_t len, const struct vas_conf *conf,
		    const char *sec, const char *key, const char *def)
{
	const char *v = conf_get_str(conf, sec, key, def);

	if ((size_t)snprintf(dst, len, "%s", v) >= len) {
		log_err("[%s] %s: value too long", sec, key);
		return -EINVAL;
	}
	return 0;
}

/* Characters allowed in an IQN (RFC 3720 subset), so argv stays sane. */
static bool valid_iqn_prefix(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".-:", *s))
			return false;
	return true;
}

/* A comma list option; ipv4 demands dotted quads. Count in *n. */
static int load_list(const struct vas_conf *conf, const char *key, char *items,
		     int max, size_t len, bool ipv4, int *n)
{
	int i;

	*n = ssvr_split_list(conf_get_str(conf, SEC, key, ""), items, max, len);
	if (*n < 0) {
		log_err("[" SEC "] %s: too many or too long", key);
		return -EINVAL;
	}
	for (i = 0; ipv4 && i < *n; i++)
		if (!names_valid_ipv4(items + (size_t)i * len)) {
			log_err("[" SEC "] %s: '%s' is not an IPv4 address",
				key, items + (size_t)i * len);
			return -EINVAL;
		}
	return 0;
}

static int load_lists(const struct vas_conf *conf, struct ssvr_cfg *cfg)
{
	int ret;

	ret = load_list(conf, "initiator_address", &cfg->initiators[0][0],
			SSVR_MAX_INITIATORS, sizeof(cfg->initiators[0]), false,
			&cfg->n_initiators);
	if (!ret)
		ret = peer_acl_managers(&cfg->callers, conf, SEC);
	if (!ret)
		ret = load_list(conf, "ip_data", &cfg->ip_data[0][0],
				SSVR_MAX_IPS, sizeof(cfg->ip_data[0]), true,
				&cfg->n_ip_data);
	return ret;
}

static int load_target(const struct vas_conf *conf, struct ssvr_cfg *cfg)
{
	const char *type = conf_get_str(conf, SEC, "target_type", "tgt");
	int ret = 0;

	if (!strcasecmp(type, "tgt")) {
		cfg->target_type = SSVR_TARGET_TGT;
	} else if (!strcasecmp(type, "iet")) {
		cfg->target_type = SSVR_TARGET_IET;
	} else {
		log_err("[" SEC "] target_type: '%s' (tgt or iet)", type);
		return -EINVAL;
	}
	ret |= copy_str(cfg->iqn_prefix, sizeof(cfg->iqn_prefix), conf, "iscsi",
			"iqn_prefix", "2000-11.jp.co.valinux");
	ret |= copy_str(cfg->tgtadm, sizeof(cfg->tgtadm), conf, SEC, "tgtadm",
			"tgtadm");
	ret |= copy_str(cfg->ietadm, sizeof(cfg->ietadm), conf, SEC, "ietadm",
			"ietadm");
	ret |= copy_str(cfg->iet_volume_file, sizeof(cfg->iet_volume_file),
			conf, SEC, "iet_volume_file", "/proc/net/iet/volume");
	ret |= copy_str(cfg->tgtadm_params_lun, sizeof(cfg->tgtadm_params_lun),
			conf, SEC, "tgtadm_params_lun", "--bstype=rdwr");
	ret |= copy_str(cfg->ietadm_params_lun, sizeof(cfg->ietadm_params_lun),
			conf, SEC, "ietadm_params_lun", "Type=blockio");
	ret |= copy_str(cfg->ietadm_params_tid, sizeof(cfg->ietadm_params_tid),
			conf, SEC, "ietadm_params_tid",
			"MaxRecvDataSegmentLength=65536,"
			"MaxXmitDataSegmentLength=65536,MaxBurstLength=65536,"
			"FirstBurstLength=8192,InitialR2T=No,Wthreads=128,"
			"QueuedCommands=32");
	ret |= copy_str(cfg->portal, sizeof(cfg->portal), conf, SEC,
			"tgt_portal", "");
	if (ret)
		return -EINVAL;
	if (!valid_iqn_prefix(cfg->iqn_prefix)) {
		log_err("[iscsi] iqn_prefix: '%s' is not a valid IQN part",
			cfg->iqn_prefix);
		return -EINVAL;
	}
	return 0;
}

static int load_shred_method(const struct vas_conf *conf, struct ssvr_cfg *cfg)
{
	const char *m = conf_get_str(conf, SEC, "shred_method", "auto");

	if (!strcasecmp(m, "auto")) {
		cfg->shred_method = ZERO_AUTO;
	} else if (!strcasecmp(m, "write")) {
		cfg->shred_method = ZERO_WRITE;
	} else {
		log_err("[" SEC "] shred_method: '%s' (auto or write)", m);
		return -EINVAL;
	}
	return 0;
}

struct long_opt {
	const char *sec, *key;
	long def, min, max;
	size_t off;
};

#define LOPT(sec, key, def, min, max, field)                                   \
	{                                                                      \
		sec, key, def, min, max, offsetof(struct ssvr_cfg, field)      \
	}

static const struct long_opt long_opts[] = {
    LOPT(SEC, "port", VAS_PORT_SSVR, 0, 65535, port),
    LOPT("storage_manager", "shredder_count", 20, 1, 256, shredder_count),
    LOPT(SEC, "shred_queue_max", 1024, 1, 65536, shred_queue_max),
    LOPT(SEC, "tgt_control_port", 0, 0, 65535, tgt_control_port),
    LOPT(SEC, "export_check_interval", 30, 0, 86400, export_check_s),
    LOPT(SEC, "initiator_refresh_interval", 5, 1, 86400, initiator_refresh_s),
    LOPT(SEC, "exec_timeout_ms", 60000, 100, 3600000, exec_timeout_ms),
    LOPT(SEC, "reporter_retry_max", 60, 1, 3600, retry_max_s),
    LOPT(SEC, "rpc_timeout_ms", 30000, 100, 600000, rpc_timeout_ms),
    LOPT(SEC, "patrol_bandwidth", 8, 0, 100000, patrol_bandwidth_mib),
    LOPT(SEC, "scrub_stripe_size", 16, 1, 1024, patrol_stripe_mib),
    LOPT(SEC, "scrub_first_sleep_time", 600, 0, 86400 * 7,
	 patrol_first_sleep_s),
    {NULL, NULL, 0, 0, 0, 0},
};

int ssvr_cfg_load(const struct vas_conf *conf, struct ssvr_cfg *cfg)
{
	const struct long_opt *o;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	cfg->conf = conf;
	for (o = long_opts; o->key; o++)
		ret |= conf_get_long(conf, o->sec, o->key, o->def, o->min,
				     o->max, (long *)((char *)cfg + o->off));
	ret |= copy_str(cfg->state_dir, sizeof(cfg->state_dir), conf, SEC,
			"state_dir", "/var/lib/vas");
	ret |= copy_str(cfg->listen_address, sizeof(cfg->listen_address), conf,
			SEC, "listen_address", "");
	if (ret)
		return -EINVAL;
	{
		char def[PATH_MAX + 32];

		snprintf(def, sizeof(def), "%s/register_device_list",
			 cfg->state_dir);
		ret = copy_str(cfg->register_device_list,
			       sizeof(cfg->register_device_list), conf, SEC,
			       "register_device_list", def);
	}
	if (!ret)
		ret = load_shred_method(conf, cfg);
	if (!ret)
		ret = load_target(conf, cfg);
	if (!ret)
		ret = load_lists(conf, cfg);
	if (!ret)
		ret = rpc_tls_from_conf(conf, &cfg->tls);
	return ret;
}

int ssvr_start(int argc, char **argv, struct vas_conf **conf,
	       struct ssvr_cfg **cfg)
{
	const char *config = VAS_CONF_DEFAULT;
	int i;

	*conf = NULL;
	*cfg = NULL;
	for (i = 1; i < argc; i++) {
		bool help = !strcmp(argv[i], "--help");

		if ((!strcmp(argv[i], "--config") || !strcmp(argv[i], "-c")) &&
		    i + 1 < argc) {
			config = argv[++i];
			continue;
		}
		fprintf(help ? stdout : stderr,
			"usage: %s [--config FILE] [--help]\n", argv[0]);
		return help ? -1 : 2;
	}
	umask(077);
	log_init(argv[0], LOG_LVL_INFO, 0);
	if (conf_load(config, conf)) {
		log_err("%s: cannot load configuration", config);
		return 1;
	}
	log_set_level(
	    log_level_parse(conf_get_str(*conf, "syslog", "loglevel", "INFO")));
	*cfg = calloc(1, sizeof(**cfg));
	if (!*cfg || ssvr_cfg_load(*conf, *cfg)) {
		log_err("%s: invalid configuration", config);
		free(*cfg);
		*cfg = NULL;
		conf_free(*conf);
		*conf = NULL;
		return 1;
	}
	log_info("starting: config %s, state %s", config, (*cfg)->state_dir);
	return 0;
}
