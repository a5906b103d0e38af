/* CHAP accounts of the targets (db_chap.h). */
#include "db_chap.h"
#include "db_priv.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void chap_user(char *buf, size_t len, int32_t pdskid)
{
	snprintf(buf, len, "vas-%08x", (unsigned)pdskid);
}

static void fill_chap(const PGresult *r, int i, void *elem)
{
	struct sm_chap *c = elem;

	c->pdskid = (int32_t)db_l(r, i, 0);
	chap_user(c->user, sizeof(c->user), c->pdskid);
	snprintf(c->secret, sizeof(c->secret), "%s", db_s(r, i, 1));
}

int db_chap_of_server(struct db_tx *tx, int32_t ssvrid, struct sm_chap **out,
		      int *n)
{
	return db_rows(tx, (void **)out, n, sizeof(**out), fill_chap,
		       "SELECT pdskid, chap_secret FROM pdsklst WHERE "
		       "ssvrid = $1 ORDER BY pdskid",
		       "d", ssvrid);
}

static void chap_rows_free(struct sm_chap *rows, int n)
{
	if (rows)
		explicit_bzero(rows, sizeof(*rows) * (size_t)n);
	free(rows);
}

/* The DEXTs of the tree that a head logs in for. */
struct dexts {
	struct vas_lvolstruct **node;
	int n, cap;
};

static int collect(struct vas_lvolstruct *t, struct dexts *d)
{
	int i, ret = 0;

	if (t->lvoltype == LVOLTYPE_DEXT && t->n_paths > 0 && t->pdskid > 0) {
		if (d->n == d->cap) {
			struct vas_lvolstruct **nn;

			d->cap = d->cap ? d->cap * 2 : 16;
			nn = realloc(d->node, sizeof(*nn) * (size_t)d->cap);
			if (!nn)
				return -ENOMEM;
			d->node = nn;
		}
		d->node[d->n++] = t;
	}
	for (i = 0; !ret && i < t->n_components; i++)
		ret = collect(&t->components[i], d);
	for (i = 0; !ret && i < t->n_assoc; i++)
		ret = collect(&t->assoc[i], d);
	return ret;
}

static int64_t node_pdskid(const void *elem)
{
	return (*(struct vas_lvolstruct *const *)elem)->pdskid;
}

int db_chap_fill(struct db_tx *tx, struct vas_lvolstruct *tree)
{
	struct sm_chap *rows = NULL;
	struct dexts d = {0};
	char *ids = NULL;
	int ret, n = 0, i, j;

	ret = collect(tree, &d);
	if (ret || !d.n)
		goto out;
	ids = db_array(d.node, sizeof(d.node[0]), d.n, node_pdskid);
	ret = ids ? db_rows(tx, (void **)&rows, &n, sizeof(*rows), fill_chap,
			    "SELECT pdskid, chap_secret FROM pdsklst WHERE "
			    "pdskid = ANY($1::int[])",
			    "s", ids)
		  : -ENOMEM;
	for (i = 0; !ret && i < d.n; i++) {
		for (j = 0; j < n && rows[j].pdskid != d.node[i]->pdskid; j++)
			;
		ret = j < n ? lvs_set_chap(d.node[i], rows[j].user,
					   rows[j].secret)
			    : -ENOENT;
	}
out:
	chap_rows_free(rows, n);
	free(ids);
	free(d.node);
	return ret;
}

int db_chap_fill_one(struct db_tx *tx, int32_t pdskid, struct vas_lvolstruct *n)
{
	struct sm_chap c;
	int ret = db_row(tx, &c, fill_chap,
			 "SELECT pdskid, chap_secret FROM pdsklst WHERE "
			 "pdskid = $1",
			 "d", pdskid);

	if (!ret)
		ret = lvs_set_chap(n, c.user, c.secret);
	explicit_bzero(&c, sizeof(c));
	return ret;
}
