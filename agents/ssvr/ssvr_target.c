/*
 * iSCSI target drivers: tgt (tgtadm, default) and IET (ietadm). Each is a
 * struct of list/create/remove; every command is an argv, never a shell.
 */
#include "ssvr_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/exec.h"
#include "vas/log.h"

#define ARGV_MAX 48

/* An argv under construction; words are borrowed or kept in bufs. */
struct argv_b {
	const char *v[ARGV_MAX + 1];
	int n;
	char bufs[8][512];
	int nbuf;
	int err;
};

static void arg(struct argv_b *a, const char *s)
{
	if (a->n == ARGV_MAX) {
		a->err = -E2BIG;
		return;
	}
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

static void argf(struct argv_b *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void argf(struct argv_b *a, const char *fmt, ...)
{
	va_list ap;
	int m;

	if (a->nbuf == 8) {
		a->err = -E2BIG;
		return;
	}
	va_start(ap, fmt);
	m = vsnprintf(a->bufs[a->nbuf], sizeof(a->bufs[0]), fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)m >= sizeof(a->bufs[0])) {
		a->err = -E2BIG;
		return;
	}
	arg(a, a->bufs[a->nbuf++]);
}

/* Appends the blank-separated words of a config string (kept in bufs). */
static void arg_words(struct argv_b *a, const char *s)
{
	char *p;

	if (a->nbuf == 8 ||
	    (size_t)snprintf(a->bufs[a->nbuf], sizeof(a->bufs[0]), "%s", s) >=
		sizeof(a->bufs[0])) {
		a->err = -E2BIG;
		return;
	}
	p = a->bufs[a->nbuf++];
	while (*p) {
		char *end;

		p += strspn(p, " \t");
		if (!*p)
			break;
		end = p + strcspn(p, " \t");
		if (*end)
			*end++ = '\0';
		arg(a, p);
		p = end;
	}
}

static int run_b(const struct ssvr_cfg *cfg, struct argv_b *a, char **out)
{
	if (a->err)
		return a->err;
	return ssvr_run(cfg, a->v, out);
}

static void tgt_base(const struct ssvr_cfg *cfg, struct argv_b *a,
		     const char *op, const char *mode)
{
	memset(a, 0, sizeof(*a));
	arg(a, cfg->tgtadm);
	arg(a, "-C");
	argf(a, "%ld", cfg->tgt_control_port);
	arg(a, "--lld");
	arg(a, "iscsi");
	arg(a, "--op");
	arg(a, op);
	arg(a, "--mode");
	arg(a, mode);
}

static int push_ent(struct target_ent **arr, int *n, int *cap, int tid,
		    const char *iqn)
{
	if (*n == *cap) {
		struct target_ent *na;

		*cap = *cap ? *cap * 2 : 16;
		na = realloc(*arr, (size_t)*cap * sizeof(**arr));
		if (!na)
			return -ENOMEM;
		*arr = na;
	}
	(*arr)[*n].tid = tid;
	snprintf((*arr)[*n].iqn, sizeof((*arr)[*n].iqn), "%s", iqn);
	(*n)++;
	return 0;
}

/*
 * Collects the (tid, iqn) pairs of a target listing whose lines match fmt
 * ("...%d...%239s"); other lines are ignored. Consumes text.
 */
static int parse_targets(char *text, const char *fmt, struct target_ent **out,
			 int *n)
{
	char *line = text;
	int cap = 0, ret = 0;

	*out = NULL;
	*n = 0;
	while (line && *line && !ret) {
		char *nl = strchr(line, '\n'), iqn[SSVR_IQN_MAX + 16];
		int tid;

		if (nl)
			*nl = '\0';
		if (sscanf(line, fmt, &tid, iqn) == 2)
			ret = push_ent(out, n, &cap, tid, iqn);
		line = nl ? nl + 1 : NULL;
	}
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

/* Lines "Target <tid>: <iqn>" of `tgtadm --op show --mode target`. */
static int tgt_list(const struct ssvr_cfg *cfg, struct target_ent **out, int *n)
{
	struct argv_b a;
	char *text = NULL;
	int ret;

	*out = NULL;
	*n = 0;
	tgt_base(cfg, &a, "show", "target");
	ret = run_b(cfg, &a, &text);
	if (!ret)
		ret = parse_targets(text, "Target %d: %239s", out, n);
	free(text);
	return ret;
}

static int tgt_remove(const struct ssvr_cfg *cfg, int tid)
{
	struct argv_b a;

	tgt_base(cfg, &a, "delete", "target");
	arg(&a, "--force");
	arg(&a, "--tid");
	argf(&a, "%d", tid);
	return run_b(cfg, &a, NULL);
}

static int tgt_bind(const struct ssvr_cfg *cfg, const char *op, int tid,
		    const char *addr)
{
	struct argv_b a;

	tgt_base(cfg, &a, op, "target");
	arg(&a, "--tid");
	argf(&a, "%d", tid);
	arg(&a, "--initiator-address");
	arg(&a, addr);
	return run_b(cfg, &a, NULL);
}

/*
 * The "ACL information:" entries of target tid in `--op show` output
 * (deeper-indented lines below that heading). Consumes text.
 */
static void tgt_parse_acl(char *text, int tid, struct acl_set *s)
{
	char *line, *save = NULL;
	bool ours = false, in_acl = false;
	int t;

	memset(s, 0, sizeof(*s));
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "Target %d:", &t) == 1) {
			ours = t == tid;
			in_acl = false;
		} else if (ours && strstr(line, "ACL information:")) {
			in_acl = true;
		} else if (in_acl && !strncmp(line, "        ", 8) &&
			   s->n < SSVR_ACL_MAX) {
			snprintf(s->addr[s->n++], sizeof(s->addr[0]), "%s",
				 line + strspn(line, " "));
		} else {
			in_acl = false;
		}
	}
}

/*
 * The connections of target tid whose address is not in want, from the
 * "I_T nexus information:" part of `--op show`: "I_T nexus: <sid>",
 * "Connection: <cid>", "IP Address: <addr>". Consumes text.
 */
struct conn_ref {
	int sid, cid;
};

static bool in_set(const struct acl_set *s, const char *addr);

static int tgt_stale_conns(char *text, int tid, const struct acl_set *want,
			   struct conn_ref *out, int max)
{
	char *line, *save = NULL, addr[64];
	bool ours = false;
	int t, sid = -1, cid = -1, n = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *p = line + strspn(line, " ");

		if (sscanf(line, "Target %d:", &t) == 1)
			ours = t == tid;
		else if (!ours)
			continue;
		else if (sscanf(p, "I_T nexus: %d", &sid) == 1)
			cid = -1;
		else if (sscanf(p, "Connection: %d", &cid) == 1)
			;
		else if (sscanf(p, "IP Address: %63s", addr) == 1 && sid >= 0 &&
			 cid >= 0 && !in_set(want, addr) &&
			 !in_set(want, "ALL") && n < max)
			out[n++] = (struct conn_ref){sid, cid};
	}
	return n;
}

static bool in_set(const struct acl_set *s, const char *addr)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->addr[i], addr))
			return true;
	return false;
}

static int tgt_acl(const struct ssvr_cfg *cfg, int tid,
		   const struct acl_set *want)
{
	struct acl_set *have = malloc(sizeof(*have));
	struct conn_ref stale[64];
	struct argv_b a;
	char *text = NULL, *copy = NULL;
	int i, ret, n_stale = 0;

	if (!have)
		return -ENOMEM;
	tgt_base(cfg, &a, "show", "target");
	ret = run_b(cfg, &a, &text);
	if (!ret && !(copy = strdup(text)))
		ret = -ENOMEM;
	if (!ret) {
		tgt_parse_acl(text, tid, have);
		n_stale = tgt_stale_conns(copy, tid, want, stale, 64);
	}
	free(text);
	free(copy);
	/* Bind first: a head in both sets never loses its access. */
	for (i = 0; !ret && i < want->n; i++)
		if (!in_set(have, want->addr[i]))
			ret = tgt_bind(cfg, "bind", tid, want->addr[i]);
	for (i = 0; !ret && i < have->n; i++)
		if (!in_set(want, have->addr[i]))
			ret = tgt_bind(cfg, "unbind", tid, have->addr[i]);
	/* The ACL holds at login only: a dropped head's sessions are cut. */
	for (i = 0; !ret && i < n_stale; i++) {
		log_warn("tid %d: cutting session %d connection %d of an "
			 "initiator no longer allowed",
			 tid, stale[i].sid, stale[i].cid);
		tgt_base(cfg, &a, "delete", "conn");
		arg(&a, "--tid");
		argf(&a, "%d", tid);
		arg(&a, "--sid");
		argf(&a, "%d", stale[i].sid);
		arg(&a, "--cid");
		argf(&a, "%d", stale[i].cid);
		ret = run_b(cfg, &a, NULL);
	}
	free(have);
	return ret;
}

static int tgt_create(const struct ssvr_cfg *cfg, int tid, const char *iqn,
		      const char *backing, uint32_t pdskid)
{
	struct acl_set *acl = malloc(sizeof(*acl));
	struct chap_set chap = {0};
	struct argv_b a;
	int i, ret;

	if (!acl)
		return -ENOMEM;
	ret = acl_wanted(cfg, acl);
	if (!ret)
		ret = chap_load(cfg, &chap);
	if (!ret) {
		tgt_base(cfg, &a, "new", "target");
		arg(&a, "--tid");
		argf(&a, "%d", tid);
		arg(&a, "--targetname");
		arg(&a, iqn);
		ret = run_b(cfg, &a, NULL);
	}
	/* The account before any address: no login without the secret. */
	if (!ret && chap.on)
		ret = tgt_chap(cfg, tid, chap_find(&chap, pdskid));
	/* No address at all: nobody logs in until heads are known. */
	for (i = 0; !ret && !chap_closed(&chap, pdskid) && i < acl->n; i++)
		ret = tgt_bind(cfg, "bind", tid, acl->addr[i]);
	chap_set_free(&chap);
	free(acl);
	if (ret)
		return ret;
	tgt_base(cfg, &a, "new", "logicalunit");
	arg(&a, "--tid");
	argf(&a, "%d", tid);
	arg(&a, "--lun");
	arg(&a, "1");
	arg(&a, "--backing-store");
	arg(&a, backing);
	arg_words(&a, cfg->tgtadm_params_lun);
	ret = run_b(cfg, &a, NULL);
	if (ret)
		return ret;
	tgt_base(cfg, &a, "update", "logicalunit");
	arg(&a, "--tid");
	argf(&a, "%d", tid);
	arg(&a, "--lun");
	arg(&a, "1");
	arg(&a, "--params");
	argf(&a, "scsi_id=%08x,scsi_sn=%08x", pdskid, pdskid);
	return run_b(cfg, &a, NULL);
}

#define IET_VOLUME_MAX (4 * 1024 * 1024)

/* /proc/net/iet/volume: "tid:<n> name:<iqn>" lines. */
static int iet_list(const struct ssvr_cfg *cfg, struct target_ent **out, int *n)
{
	char *text = malloc(IET_VOLUME_MAX);
	int ret;

	*out = NULL;
	*n = 0;
	if (!text)
		return -ENOMEM;
	ret = ssvr_read_file(cfg->iet_volume_file, text, IET_VOLUME_MAX);
	if (!ret)
		ret = parse_targets(text, "tid:%d name:%239s", out, n);
	free(text);
	return ret;
}

static void iet_base(const struct ssvr_cfg *cfg, struct argv_b *a,
		     const char *op, int tid)
{
	memset(a, 0, sizeof(*a));
	arg(a, cfg->ietadm);
	arg(a, "--op");
	arg(a, op);
	argf(a, "--tid=%d", tid);
}

static int iet_remove(const struct ssvr_cfg *cfg, int tid)
{
	struct argv_b a;

	iet_base(cfg, &a, "delete", tid);
	return run_b(cfg, &a, NULL);
}

static int iet_create(const struct ssvr_cfg *cfg, int tid, const char *iqn,
		      const char *backing, uint32_t pdskid)
{
	struct argv_b a;
	int ret;

	iet_base(cfg, &a, "new", tid);
	arg(&a, "--params");
	argf(&a, "Name=%s", iqn);
	ret = run_b(cfg, &a, NULL);
	if (ret)
		return ret;
	iet_base(cfg, &a, "update", tid);
	argf(&a, "--params=%s", cfg->ietadm_params_tid);
	ret = run_b(cfg, &a, NULL);
	if (ret)
		return ret;
	iet_base(cfg, &a, "new", tid);
	arg(&a, "--lun=1");
	arg(&a, "--params");
	argf(&a, "Path=%s,ScsiId=%08x,ScsiSN=%08x,%s", backing, pdskid, pdskid,
	     cfg->ietadm_params_lun);
	return run_b(cfg, &a, NULL);
}

static const struct target_driver drivers[] = {
    [SSVR_TARGET_TGT] = {"tgt", tgt_list, tgt_create, tgt_remove, tgt_acl,
			 tgt_chap, 1048575},
    /* IET: initiator ACLs and accounts are its own files (ietd.conf). */
    [SSVR_TARGET_IET] = {"iet", iet_list, iet_create, iet_remove, NULL, NULL,
			 255},
};

const struct target_driver *target_driver_get(const struct ssvr_cfg *cfg)
{
	return &drivers[cfg->target_type];
}
