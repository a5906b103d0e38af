/* Configuration of vas_sm (sm.md 10.1, 10.3). */
#include "sm.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sm_parse_extentsize(const char *text, struct sm_config *cfg)
{
	char buf[256], *save = NULL, *tok;
	int i;

	snprintf(buf, sizeof(buf), "%s", text);
	cfg->n_extentsize = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *end;
		long v = strtol(tok, &end, 10);

		while (*end == ' ')
			end++;
		if (*end || v <= 0 || v > 1048576 ||
		    cfg->n_extentsize >= SM_MAX_EXTENTSIZES)
			return -EINVAL;
		cfg->extentsize[cfg->n_extentsize++] = v;
	}
	if (!cfg->n_extentsize)
		return -EINVAL;
	cfg->unit = cfg->carve = cfg->extentsize[0];
	for (i = 0; i < cfg->n_extentsize; i++) {
		if (cfg->extentsize[i] < cfg->unit)
			cfg->unit = cfg->extentsize[i];
		if (cfg->extentsize[i] > cfg->carve)
			cfg->carve = cfg->extentsize[i];
	}
	/* Every size a multiple of the unit: the split can never fail (M39). */
	for (i = 0; i < cfg->n_extentsize; i++)
		if (cfg->extentsize[i] % cfg->unit)
			return -EINVAL;
	return 0;
}

static int get_int(const struct vas_conf *conf, const char *sec,
		   const char *key, long def, long min, long max, int *out)
{
	long v;
	int ret = conf_get_long(conf, sec, key, def, min, max, &v);

	if (!ret)
		*out = (int)v;
	return ret;
}

/* Access lists (SECURITY.md): admin_peers empty means this host. */
static int load_peers(const struct vas_conf *conf, struct sm_config *cfg)
{
	const char *admin =
	    conf_get_str(conf, "storage_manager", "admin_peers", "");
	const char *agents;
	int ret;

	ret = *admin ? peer_acl_add_list(&cfg->admin_peers, admin,
					 "[storage_manager] admin_peers")
		     : peer_acl_add_local(&cfg->admin_peers);
	/*
	 * Agents reach the manager from their management addresses, not
	 * the data addresses they register: by default any host on a
	 * network this host is directly on.
	 */
	agents = conf_get_str(conf, "storage_manager", "agent_peers", "");
	if (!ret)
		ret = *agents
			  ? peer_acl_add_list(&cfg->agent_peers, agents,
					      "[storage_manager] agent_peers")
			  : peer_acl_add_local_nets(&cfg->agent_peers);
	return ret;
}

int sm_config_load(const struct vas_conf *conf, struct sm_config *cfg)
{
	const char *S = "storage_manager";
	long bytes;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->listen_address, sizeof(cfg->listen_address), "%s",
		 conf_get_str(conf, S, "listen_address", "0.0.0.0"));
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s",
		 conf_get_str(conf, S, "state_dir", "/var/lib/vas"));
	snprintf(cfg->dsn, sizeof(cfg->dsn), "%s",
		 conf_get_str(conf, S, "dsn", ""));
	snprintf(
	    cfg->pg_bindir, sizeof(cfg->pg_bindir), "%s",
	    conf_get_str(conf, S, "pg_bindir", "/usr/lib/postgresql/15/bin"));
	snprintf(cfg->pg_user, sizeof(cfg->pg_user), "%s",
		 conf_get_str(conf, S, "pg_user", "postgres"));
	snprintf(
	    cfg->iqn_prefix, sizeof(cfg->iqn_prefix), "%s",
	    conf_get_str(conf, "iscsi", "iqn_prefix", "2000-11.jp.co.valinux"));
	{
		const char *chap = conf_get_str(conf, S, "iscsi_chap", "off");

		cfg->iscsi_chap = !strcmp(chap, "on");
		if (!cfg->iscsi_chap && strcmp(chap, "off")) {
			log_err("[storage_manager] iscsi_chap: on or off");
			return -EINVAL;
		}
	}
	if (sm_parse_extentsize(conf_get_str(conf, S, "extentsize", "10"),
				cfg)) {
		log_err("[storage_manager] extentsize: need positive sizes, "
			"each a multiple of the smallest");
		return -EINVAL;
	}
	ret |= get_int(conf, S, "port", VAS_PORT_SM, 0, 65535, &cfg->port);
	ret |= get_int(conf, S, "max_resync_tasks", 16, 1, 1024,
		       &cfg->max_resync_tasks);
	/*
	 * Every disk zeroes one extent at a time, all disks at once (M8,
	 * M57): no cluster-wide cap unless set; per server, the agent's
	 * shredder threads (the same key sizes its pool).
	 */
	ret |= get_int(conf, S, "max_shred_tasks", 0, 0, 1 << 20,
		       &cfg->max_shred_tasks);
	ret |= get_int(conf, S, "shredder_count", 20, 0, 1 << 20,
		       &cfg->shredder_count);
	/*
	 * Shred and resync ends and starts recorded per transaction: every
	 * API write waits for one (~0.1 ms a row), never for a whole pass.
	 */
	ret |= get_int(conf, S, "job_batch", 64, 1, 1 << 20, &cfg->job_batch);
	/*
	 * How long a shred transaction waits at most for the manager's other
	 * mutations to end first (jobs_settle.c give_way): longer favours
	 * API writes over new disks' shredding.
	 */
	ret |= get_int(conf, S, "shred_give_way_ms", 500, 0, 600000,
		       &cfg->shred_give_way_ms);
	ret |= get_int(conf, S, "resync_give_way_ms", 500, 0, 600000,
		       &cfg->resync_give_way_ms);
	ret |= get_int(conf, "hsvr_agent", "port", VAS_PORT_HSVR, 1, 65535,
		       &cfg->hsvr_port);
	ret |= get_int(conf, "ssvr_agent", "port", VAS_PORT_SSVR, 1, 65535,
		       &cfg->ssvr_port);
	ret |= get_int(conf, S, "max_connections", 64, 1, 4096,
		       &cfg->max_connections);
	ret |= conf_get_long(conf, S, "max_request_bytes", 1 << 20, 4096,
			     64L << 20, &bytes);
	cfg->max_request_bytes = (size_t)bytes;
	ret |= get_int(conf, S, "request_timeout", 10, 1, 3600,
		       &cfg->request_timeout_s);
	ret |=
	    get_int(conf, S, "idle_timeout", 30, 1, 3600, &cfg->idle_timeout_s);
	ret |= get_int(conf, S, "max_open_connections", 1024, 1, 65536,
		       &cfg->max_open_connections);
	ret |= get_int(conf, S, "max_connections_per_peer", 256, 1, 65536,
		       &cfg->max_connections_per_peer);
	ret |=
	    get_int(conf, S, "op_timeout", 600, 0, 86400, &cfg->op_timeout_s);
	ret |= get_int(conf, S, "agent_timeout_ms", 30000, 100, 600000,
		       &cfg->agent_timeout_ms);
	ret |= get_int(conf, S, "attach_poll_ms", 3000, 10, 60000,
		       &cfg->attach_poll_ms);
	ret |= get_int(conf, S, "shred_poll_ms", 1000, 10, 600000,
		       &cfg->shred_poll_ms);
	ret |= get_int(conf, S, "sched_period_ms", 30000, 10, 600000,
		       &cfg->sched_period_ms);
	ret |= get_int(conf, S, "resync_poll_ms", 10000, 10, 600000,
		       &cfg->resync_poll_ms);
	ret |= get_int(conf, S, "server_check_interval", 30, 0, 86400,
		       &cfg->server_check_interval_s);
	ret |= get_int(conf, S, "health_timeout_ms", 5000, 10, 600000,
		       &cfg->health_timeout_ms);
	ret |= get_int(conf, S, "health_retry_ms", 10000, 0, 600000,
		       &cfg->health_retry_ms);
	ret |= load_peers(conf, cfg);
	ret |= get_int(conf, S, "leader_lease_ms", 4000, 400, 600000,
		       &cfg->leader_lease_ms);
	ret |= get_int(conf, S, "db_tcp_timeout_ms", 10000, 0, 3600000,
		       &cfg->db_tcp_timeout_ms);
	return ret ? -EINVAL : 0;
}
