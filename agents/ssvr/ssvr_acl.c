/*
 * Which initiators the targets accept (SECURITY.md). initiator_address set:
 * exactly those ("ALL" = anyone, 3.0's default). Empty: the head servers
 * registered with the manager, asked every initiator_refresh_interval
 * seconds; the set is saved so that exports made meanwhile (also by the
 * reporter) get it, and it fails closed: before the manager ever answered
 * no initiator may log in, and while it does not answer the last set stays.
 * Each pass also follows the targets' CHAP accounts (ssvr_chap.c), in
 * either mode.
 */
#include "ssvr_priv.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Fenced initiators (fenceInitiators, SECURITY.md "Fencing"): the manager
 * failed a head and waits for this agent to refuse it before attaching its
 * volumes elsewhere. The manager marks the head failed before it asks, so
 * only an answer to listHeadServers asked before the fence arrived may
 * still name the head: an entry is kept out of those and forgotten after
 * the first answer asked after it. One lock orders fences and refreshes.
 */
struct fenced_ent {
	char addr[16];
	uint64_t gen; /* fence_gen when it arrived */
};

static pthread_mutex_t acl_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t fence_gen;
static struct fenced_ent fenced[SSVR_ACL_MAX];
static int n_fenced;

static void acl_remove(struct acl_set *s, const char *addr)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->addr[i], addr)) {
			memmove(s->addr[i], s->addr[i + 1],
				sizeof(s->addr[0]) * (size_t)(s->n - i - 1));
			s->n--;
			return;
		}
}

/* Under acl_lock: forgets what an answer asked at gen knows; filters s. */
static void fenced_apply(struct acl_set *s, uint64_t asked_at)
{
	int i, kept = 0;

	for (i = 0; i < n_fenced; i++) {
		if (fenced[i].gen <= asked_at)
			continue;
		acl_remove(s, fenced[i].addr);
		fenced[kept++] = fenced[i];
	}
	n_fenced = kept;
}

/*
 * The data addresses of every registered head server that is not failed:
 * a head the manager gave up on (OFFLINE, FAULTY) loses its access and its
 * sessions (ssvr_target.c) at the next pass.
 */
static int fetch(const struct ssvr_cfg *cfg, struct acl_set *s)
{
	struct vas_hsvr_info *heads = NULL;
	struct vas_client *c = NULL;
	int n = 0, i, j, ret;

	memset(s, 0, sizeof(*s));
	ret = vas_client_from_conf(cfg->conf, (int)cfg->rpc_timeout_ms, &c);
	if (!ret)
		ret = vas_list_hsvrs(c, 0, &heads, &n);
	vas_client_free(c);
	for (i = 0; !ret && i < n; i++)
		for (j = 0;
		     heads[i].priority != PRIO_OFFLINE &&
		     heads[i].priority != PRIO_FAULTY && j < heads[i].n_ip;
		     j++)
			acl_add(s, heads[i].ip_data[j]);
	free(heads);
	acl_sort(s);
	return ret;
}

static bool same(const struct acl_set *a, const struct acl_set *b)
{
	int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->addr[i], b->addr[i]))
			return false;
	return true;
}

static int chap_fetch_logged(const struct ssvr_cfg *cfg, struct chap_set *now);

int acl_refresh(const struct ssvr_cfg *cfg, bool force)
{
	struct acl_set *now = malloc(sizeof(*now)), *was = malloc(sizeof(*was));
	struct chap_set chap;
	int ret = now && was ? 0 : -ENOMEM;
	uint64_t asked_at;

	/* Asked outside the lock (a fence must not wait for the manager);
	 * applied with the saved initiator set, ordered with fences. */
	if (!chap_fetch_logged(cfg, &chap)) {
		pthread_mutex_lock(&acl_lock);
		(void)chap_apply(cfg, &chap);
		pthread_mutex_unlock(&acl_lock);
	}
	chap_set_free(&chap);
	if (!ret && cfg->n_initiators)
		goto out; /* fixed by configuration */
	pthread_mutex_lock(&acl_lock);
	asked_at = fence_gen;
	pthread_mutex_unlock(&acl_lock);
	if (!ret)
		ret = fetch(cfg, now);
	if (ret) {
		log_debug("head servers not known now (%s): ACLs unchanged",
			  strerror(-ret));
		goto out;
	}
	pthread_mutex_lock(&acl_lock);
	fenced_apply(now, asked_at);
	ret = acl_load(cfg, was);
	if (!ret && (force || !same(now, was))) {
		log_info("targets accept %d head server address(es)", now->n);
		ret = acl_save(cfg, now);
		if (!ret)
			ret = export_apply_acl(cfg, now);
	}
	pthread_mutex_unlock(&acl_lock);
out:
	free(now);
	free(was);
	return ret;
}

int acl_fence(const struct ssvr_cfg *cfg, char (*addrs)[16], int n)
{
	struct acl_set *s;
	int i, j, ret;

	if (cfg->n_initiators)
		return -EOPNOTSUPP; /* initiator_address: the admin's list */
	s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_lock(&acl_lock);
	fence_gen++;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n_fenced && strcmp(fenced[j].addr, addrs[i]);
		     j++)
			;
		if (j == SSVR_ACL_MAX)
			break;
		memcpy(fenced[j].addr, addrs[i], sizeof(fenced[j].addr));
		fenced[j].gen = fence_gen;
		n_fenced += j == n_fenced;
	}
	ret = i < n ? -ENOSPC : acl_load(cfg, s);
	if (!ret) {
		fenced_apply(s, 0);
		ret = acl_save(cfg, s);
	}
	/* Also when the saved set did not name them: cuts their sessions. */
	if (!ret)
		ret = export_apply_acl(cfg, s);
	pthread_mutex_unlock(&acl_lock);
	free(s);
	return ret;
}

struct acl_keeper {
	const struct ssvr_cfg *cfg;
	bool applied;
	atomic_bool stop;
	pthread_t thr;
};

static void *keeper_main(void *arg)
{
	struct acl_keeper *k = arg;

	while (ssvr_sleep(&k->stop, k->cfg->initiator_refresh_s * 1000))
		/* Until one answer was applied, even one the file agrees
		 * with: targets made before may carry another set. */
		k->applied |= !acl_refresh(k->cfg, !k->applied);
	return NULL;
}

int acl_keeper_start(const struct ssvr_cfg *cfg, struct acl_keeper **out)
{
	struct acl_keeper *k;
	int ret;

	*out = NULL;
	if (cfg->n_initiators) {
		/* Targets made under another setting get the admin's list. */
		struct acl_set *fixed = malloc(sizeof(*fixed));

		ret = fixed ? acl_wanted(cfg, fixed) : -ENOMEM;
		if (!ret)
			ret = export_apply_acl(cfg, fixed);
		free(fixed);
		if (ret)
			log_warn("initiator_address not applied to every "
				 "target: %s",
				 strerror(-ret));
		/* The keeper below still follows the CHAP accounts. */
	}
	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->cfg = cfg;
	/* Before the agent serves: its targets are right from the start. */
	k->applied = !acl_refresh(cfg, true);
	ret = -pthread_create(&k->thr, NULL, keeper_main, k);
	if (ret) {
		free(k);
		return ret;
	}
	*out = k;
	return 0;
}

void acl_keeper_stop(struct acl_keeper *k)
{
	if (!k)
		return;
	atomic_store(&k->stop, true);
	pthread_join(k->thr, NULL);
	free(k);
}

/*
 * CHAP accounts (ssvr_chap.c): the manager's answer, when it differs from
 * the saved one, is saved and applied to every target with the saved
 * initiator set, all under the export lock (the reporter does the same).
 */
int chap_apply(const struct ssvr_cfg *cfg, const struct chap_set *now)
{
	struct chap_set was;
	int fd, ret;

	fd = export_lock(cfg);
	ret = fd < 0 ? fd : chap_load(cfg, &was);
	if (ret) {
		export_unlock(fd);
		return ret;
	}
	if (!chap_same(now, &was)) {
		log_info("CHAP %s: %d target account(s)",
			 now->on ? "on" : "off", now->n);
		if (cfg->target_type == SSVR_TARGET_TGT)
			chap_drop_changed(cfg, &was, now);
		else if (now->on)
			log_warn("target_type iet: CHAP accounts are not set "
				 "here (IET's own ietd.conf)");
		ret = chap_save(cfg, now);
		if (!ret)
			ret = export_apply_wanted_locked(cfg);
	}
	chap_set_free(&was);
	export_unlock(fd);
	return ret;
}

static int chap_fetch_logged(const struct ssvr_cfg *cfg, struct chap_set *now)
{
	int ret = chap_fetch(cfg, now);

	if (ret)
		log_debug("CHAP accounts not known now (%s): unchanged",
			  strerror(-ret));
	return ret;
}

int chap_refresh(const struct ssvr_cfg *cfg)
{
	struct chap_set now;
	int ret = chap_fetch_logged(cfg, &now);

	if (!ret)
		ret = chap_apply(cfg, &now);
	chap_set_free(&now);
	return ret == -ENOENT ? 0 : ret;
}
