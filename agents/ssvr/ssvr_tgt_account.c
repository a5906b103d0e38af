/*
 * tgt accounts (SECURITY.md "CHAP"): one per target, user "vas-<pdskid>",
 * bound to that target only. Incoming only: the heads do not check the
 * target (no mutual CHAP).
 */
#include "ssvr_priv.h"
#include "vas/client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* tgtadm -C <port> --lld iscsi --mode account --op <op> [more...] */
static int account_cmd(const struct ssvr_cfg *cfg, const char *op,
		       const char *const *more, char **out)
{
	const char *argv[16] = {cfg->tgtadm, "-C",    NULL,
				"--lld",     "iscsi", "--mode",
				"account",   "--op",  op};
	char ctl[24];
	int n = 9;

	snprintf(ctl, sizeof(ctl), "%ld", cfg->tgt_control_port);
	argv[2] = ctl;
	while (more && *more && n < 15)
		argv[n++] = *more++;
	argv[n] = NULL;
	return ssvr_run(cfg, argv, out);
}

/*
 * Whether user is an entry of the list below heading in text: the lines
 * indented deeper than the heading (4 spaces in "Account list:", 8 below
 * a target's "Account information:"); tid < 0: not within a target.
 */
static bool listed(const char *text, const char *heading, int tid,
		   const char *user)
{
	const char *p = text, *eol;
	bool ours = tid < 0;
	size_t ul = strlen(user), depth = 0, ind;
	int t;

	for (; *p; p = *eol ? eol + 1 : eol) {
		eol = p + strcspn(p, "\n");
		ind = strspn(p, " ");
		if (sscanf(p, "Target %d:", &t) == 1) {
			ours = t == tid;
			depth = 0;
		} else if (ours &&
			   !strncmp(p + ind, heading, strlen(heading))) {
			depth = ind + 1;
		} else if (depth && ind >= depth) {
			if ((size_t)(eol - p - ind) == ul &&
			    !strncmp(p + ind, user, ul))
				return true;
		} else {
			depth = 0;
		}
	}
	return false;
}

int tgt_account_delete(const struct ssvr_cfg *cfg, const char *user)
{
	const char *more[] = {"--user", user, NULL};
	char *list = NULL;
	int ret = account_cmd(cfg, "show", NULL, &list);

	/* Deleting unbinds it from every target (tgt 1.0.85). */
	if (!ret && listed(list, "Account list:", -1, user))
		ret = account_cmd(cfg, "delete", more, NULL);
	free(list);
	return ret;
}

/*
 * Target tid lets in exactly want's account (NULL: none of ours). An
 * account already bound is taken as right: chap_refresh deletes those
 * whose secret changed. Others of ours ("vas-") bound there are deleted.
 */
int tgt_chap(const struct ssvr_cfg *cfg, int tid, const struct vas_chap *want)
{
	const char *show[] = {cfg->tgtadm, "-C",   NULL,     "--lld",  "iscsi",
			      "--op",	   "show", "--mode", "target", NULL};
	char ctl[24], tids[24], *text = NULL, *p, *eol;
	bool in = false, ours = false;
	int ret, t;

	snprintf(ctl, sizeof(ctl), "%ld", cfg->tgt_control_port);
	snprintf(tids, sizeof(tids), "%d", tid);
	show[2] = ctl;
	ret = ssvr_run(cfg, show, &text);
	/* Unbinding: ours bound to tid that are not want's. */
	for (p = text; !ret && p && *p; p = *eol ? eol + 1 : eol) {
		char user[80];

		eol = p + strcspn(p, "\n");
		if (sscanf(p, "Target %d:", &t) == 1) {
			ours = t == tid;
			in = false;
		} else if (ours && !strncmp(p + strspn(p, " "),
					    "Account information:", 20)) {
			in = true;
		} else if (in && !strncmp(p, "        ", 8)) {
			if (sscanf(p, " %79s", user) == 1 &&
			    !strncmp(user, "vas-", 4) &&
			    (!want || strcmp(user, want->user)))
				ret = tgt_account_delete(cfg, user);
		} else {
			in = false;
		}
	}
	if (!ret && want &&
	    !listed(text, "Account information:", tid, want->user)) {
		const char *add[] = {"--user", want->user, "--password",
				     want->secret, NULL};
		const char *bind[] = {"--tid", tids, "--user", want->user,
				      NULL};

		/* Made anew: one left by an earlier run may differ. */
		ret = tgt_account_delete(cfg, want->user);
		if (!ret)
			ret = account_cmd(cfg, "new", add, NULL);
		if (!ret)
			ret = account_cmd(cfg, "bind", bind, NULL);
	}
	free(text);
	return ret;
}
