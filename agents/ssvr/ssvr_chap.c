/*
 * CHAP on the targets (SECURITY.md "CHAP"). The manager generates one
 * secret per disk and, with [storage_manager] iscsi_chap = on, gives this
 * agent its targets' accounts (getTargetSecrets). They are kept in
 * <state_dir>/chap (0600) for exports made meanwhile, also by the
 * reporter, and bound to the targets as tgt accounts: a login must then
 * prove the secret besides coming from an allowed address. It fails
 * closed: with CHAP on, a target whose secret is not known yet admits no
 * address at all. A manager without the call (3.0) means CHAP off; one
 * that does not answer leaves everything as it was. Secrets are never
 * logged (ssvr_run masks --password).
 */
#include "ssvr_devlist.h"
#include "ssvr_priv.h"
#include "vas/client.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHAP_FILE     "chap"
#define CHAP_MAX      4096
#define CHAP_FILE_MAX (CHAP_MAX * 160 + 16)

void chap_set_free(struct chap_set *s)
{
	vas_chap_free(s->e, s->n);
	memset(s, 0, sizeof(*s));
}

const struct vas_chap *chap_find(const struct chap_set *s, uint32_t pdskid)
{
	int i;

	for (i = 0; i < s->n; i++)
		if ((uint32_t)s->e[i].pdskid == pdskid)
			return &s->e[i];
	return NULL;
}

bool chap_closed(const struct chap_set *s, uint32_t pdskid)
{
	return s->on && !chap_find(s, pdskid);
}

/* First line "on" or "off", then "<pdskid hex> <user> <secret>" lines. */
int chap_load(const struct ssvr_cfg *cfg, struct chap_set *s)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ssvr_path(path, sizeof(path), cfg, CHAP_FILE);
	if (ret)
		return ret;
	text = malloc(CHAP_FILE_MAX);
	if (!text)
		return -ENOMEM;
	ret = ssvr_read_file(path, text, CHAP_FILE_MAX);
	if (!ret && !(s->e = calloc(CHAP_MAX, sizeof(*s->e))))
		ret = -ENOMEM;
	for (line = ret ? NULL : strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct vas_chap *c = &s->e[s->n];
		unsigned id;

		if (!strcmp(line, "on"))
			s->on = true;
		else if (s->n < CHAP_MAX &&
			 sscanf(line, "%8x %64s %64s", &id, c->user,
				c->secret) == 3 &&
			 lvs_chap_word(c->user) && lvs_chap_word(c->secret)) {
			c->pdskid = (int32_t)id;
			s->n++;
		}
	}
	explicit_bzero(text, CHAP_FILE_MAX);
	free(text);
	if (ret)
		chap_set_free(s);
	return ret == -ENOENT ? 0 : ret;
}

int chap_save(const struct ssvr_cfg *cfg, const struct chap_set *s)
{
	char path[PATH_MAX], *text;
	size_t len, max = (size_t)s->n * 160 + 16;
	int i, ret;

	ret = ssvr_path(path, sizeof(path), cfg, CHAP_FILE);
	if (ret)
		return ret;
	text = malloc(max);
	if (!text)
		return -ENOMEM;
	len = (size_t)snprintf(text, max, "%s\n", s->on ? "on" : "off");
	for (i = 0; i < s->n; i++)
		len += (size_t)snprintf(text + len, max - len, "%08x %s %s\n",
					(unsigned)s->e[i].pdskid, s->e[i].user,
					s->e[i].secret);
	ret = ssvr_write_atomic(path, text, len);
	explicit_bzero(text, max);
	free(text);
	return ret;
}

static bool same_account(const struct vas_chap *a, const struct vas_chap *b)
{
	return a && b && !strcmp(a->user, b->user) &&
	       !strcmp(a->secret, b->secret);
}

bool chap_same(const struct chap_set *a, const struct chap_set *b)
{
	int i;

	if (a->on != b->on || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (!same_account(&a->e[i],
				  chap_find(b, (uint32_t)a->e[i].pdskid)))
			return false;
	return true;
}

/* The manager's view; -errno when it cannot say (nothing changes then). */
int chap_fetch(const struct ssvr_cfg *cfg, struct chap_set *s)
{
	char file[PATH_MAX];
	struct vas_client *c = NULL;
	int32_t ssvrid = 0;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ssvr_path(file, sizeof(file), cfg, "ssvrid");
	if (!ret)
		ret = ssvrid_read(file, &ssvrid);
	if (ret)
		return ret; /* not registered yet: no disk of ours is known */
	ret = vas_client_from_conf(cfg->conf, (int)cfg->rpc_timeout_ms, &c);
	if (!ret)
		ret = vas_target_secrets(c, ssvrid, &s->on, &s->e, &s->n);
	vas_client_free(c);
	if (ret == -VAS_ENOMETHOD) {
		s->on = false; /* a manager without CHAP */
		ret = 0;
	}
	if (ret == -EPROTO)
		log_warn("getTargetSecrets: malformed reply: CHAP unchanged");
	return ret;
}

/*
 * Accounts whose secret changed (a disk id reused after the manager's
 * database was made anew) are deleted, so the next apply makes them anew.
 */
void chap_drop_changed(const struct ssvr_cfg *cfg, const struct chap_set *was,
		       const struct chap_set *now)
{
	int i;

	for (i = 0; i < was->n; i++) {
		const struct vas_chap *n =
		    chap_find(now, (uint32_t)was->e[i].pdskid);

		if (!same_account(&was->e[i], n))
			tgt_account_delete(cfg, was->e[i].user);
	}
}
