/* Builds the device dependency graph and walks it (hsvr.md 5-6). */
#include "graph.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/log.h"
#include "vas/proto.h"

/* Labels collected while building one top-level tree (5.3). */
struct side {
	int *idx;
	int n;
};

static int add_node(struct hgraph *g, enum hnode_kind kind,
		    const struct vas_lvolstruct *lv, const char *label)
{
	struct hnode *n;

	if (g->n == g->cap) {
		int cap = g->cap ? g->cap * 2 : 32;
		struct hnode **nn =
		    realloc(g->nodes, sizeof(*nn) * (size_t)cap);

		if (!nn)
			return -ENOMEM;
		g->nodes = nn;
		g->cap = cap;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->kind = kind;
	n->lv = lv;
	snprintf(n->label, sizeof(n->label), "%s", label);
	g->nodes[g->n] = n;
	return g->n++;
}

static int add_edge(struct hgraph *g, int before, int after)
{
	if (g->ne == g->cap_e) {
		int cap = g->cap_e ? g->cap_e * 2 : 64;
		int(*ne)[2] = realloc(g->edges, sizeof(*ne) * (size_t)cap);

		if (!ne)
			return -ENOMEM;
		g->edges = ne;
		g->cap_e = cap;
	}
	g->edges[g->ne][0] = before;
	g->edges[g->ne][1] = after;
	g->ne++;
	return 0;
}

static int add_comp(struct hnode *n, struct hnode *c)
{
	struct hnode **nc =
	    realloc(n->comp, sizeof(*nc) * (size_t)(n->ncomp + 1));

	if (!nc)
		return -ENOMEM;
	n->comp = nc;
	n->comp[n->ncomp++] = c;
	return 0;
}

/* link(): child is a component of parent and is built before it. */
static int link_nodes(struct hgraph *g, int parent, int child)
{
	int ret = add_comp(g->nodes[parent], g->nodes[child]);

	return ret ? ret : add_edge(g, child, parent);
}

static int build_top(struct hsvr *h, const struct vas_lvolstruct *lv,
		     struct hgraph *g, int depth);

static int build(struct hsvr *h, const struct vas_lvolstruct *lv,
		 struct hgraph *g, struct side *s, int depth);

static int build_labels(struct hsvr *h, const struct vas_lvolstruct *lv,
			struct hgraph *g, struct side *s, int n)
{
	int i, ret;

	for (i = 0; i < lv->n_labels; i++) {
		char label[96];
		int l, *ni;

		if (!lv->labels[i][0] || strchr(lv->labels[i], '/') ||
		    !strcmp(lv->labels[i], ".") || !strcmp(lv->labels[i], ".."))
			return -EINVAL;
		snprintf(label, sizeof(label), "symlink:%s", lv->labels[i]);
		l = add_node(g, HN_LABEL, lv, label);
		if (l < 0)
			return l;
		if (snprintf(g->nodes[l]->link, sizeof(g->nodes[l]->link),
			     "%s/%s", h->vas_dir,
			     lv->labels[i]) >= (int)sizeof(g->nodes[l]->link))
			return -ENAMETOOLONG;
		ret = add_comp(g->nodes[l], g->nodes[n]);
		if (ret)
			return ret;
		ni = realloc(s->idx, sizeof(*ni) * (size_t)(s->n + 1));
		if (!ni)
			return -ENOMEM;
		s->idx = ni;
		s->idx[s->n++] = l;
	}
	return 0;
}

static int build_with_labels(struct hsvr *h, const struct vas_lvolstruct *lv,
			     struct hgraph *g, struct side *s, int depth)
{
	int n = build(h, lv, g, s, depth), ret;

	if (n < 0)
		return n;
	ret = build_labels(h, lv, g, s, n);
	return ret ? ret : n;
}

static const struct {
	int lvoltype;
	enum hnode_kind kind;
	const char *prefix;
} kinds[] = {
    {LVOLTYPE_LVOL, HN_LVOL, "lvol"},
    {LVOLTYPE_LINEAR, HN_LINEAR, "linear"},
    {LVOLTYPE_MIRROR, HN_MIRROR, "mirror"},
    {LVOLTYPE_DEXT, HN_DEXT, "dext"},
    {LVOLTYPE_SNAPSHOT_ORIGIN, HN_ORIGIN, "snapshot-origin"},
    {LVOLTYPE_SNAPSHOT, HN_SNAPSHOT, "snapshot"},
};

/* Every iscsi_path is a by-path name, and all lead to one disk. */
static int dext_paths_valid(const struct vas_lvolstruct *lv)
{
	char portal[64], iqn[224], first[224] = "";
	int i;

	for (i = 0; i < lv->n_paths; i++) {
		if (iscsi_path_parse(lv->iscsi_path[i], portal, sizeof(portal),
				     iqn, sizeof(iqn)))
			return 0;
		if (!i)
			memcpy(first, iqn, sizeof(first));
		else if (strcmp(first, iqn))
			return 0;
	}
	return lv->n_paths > 0;
}

static int build_extras(struct hsvr *h, const struct vas_lvolstruct *lv,
			struct hgraph *g, int n, int depth)
{
	char label[96];
	int i, a, b, ret = 0;

	switch (g->nodes[n]->kind) {
	case HN_DEXT:
		if (!dext_paths_valid(lv))
			return -EINVAL;
		snprintf(label, sizeof(label), "iscsi:%08x",
			 (uint32_t)lv->pdskid);
		a = add_node(g, HN_ISCSI, lv, label);
		return a < 0 ? a : link_nodes(g, n, a);
	case HN_SNAPSHOT:
		/* W7: suspend the origin only once the COW store exists. */
		if (g->nodes[n]->ncomp != 1 || !lv->origin_lvolid)
			return -EINVAL;
		snprintf(label, sizeof(label), "suspend %08x",
			 (uint32_t)lv->origin_lvolid);
		a = add_node(g, HN_SUSPEND, lv, label);
		snprintf(label, sizeof(label), "resume %08x",
			 (uint32_t)lv->origin_lvolid);
		b = add_node(g, HN_RESUME, lv, label);
		if (a < 0 || b < 0)
			return -ENOMEM;
		g->nodes[a]->origin_id = lv->origin_lvolid;
		g->nodes[b]->origin_id = lv->origin_lvolid;
		for (i = 0; i < g->n - 2 && !ret; i++)
			if (g->nodes[i] == g->nodes[n]->comp[0])
				ret = add_edge(g, i, a);
		if (!ret)
			ret = add_edge(g, a, n);
		return ret ? ret : add_edge(g, n, b);
	case HN_LVOL:
		for (i = 0; i < lv->n_assoc && !ret; i++) {
			int first = g->n, last, m;

			last = build_top(h, &lv->assoc[i], g, depth + 1);
			if (last < 0)
				return last;
			for (m = first; m < g->n && !ret; m++)
				ret = add_edge(g, n, m);
		}
		return ret;
	case HN_ORIGIN:
	case HN_LINEAR:
	case HN_MIRROR:
		return g->nodes[n]->ncomp ? 0 : -EINVAL;
	default:
		return 0;
	}
}

static int build(struct hsvr *h, const struct vas_lvolstruct *lv,
		 struct hgraph *g, struct side *s, int depth)
{
	int *child = NULL, i, n = -EINVAL, ret = 0;
	char label[96];
	size_t k;

	if (depth > 16)
		return -EINVAL;
	if (lv->n_components) {
		child = calloc((size_t)lv->n_components, sizeof(*child));
		if (!child)
			return -ENOMEM;
	}
	for (i = 0; i < lv->n_components && !ret; i++) {
		child[i] =
		    build_with_labels(h, &lv->components[i], g, s, depth + 1);
		if (child[i] < 0)
			ret = child[i];
	}
	if (ret)
		goto out;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (kinds[k].lvoltype == lv->lvoltype)
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0])) {
		log_err("unknown lvoltype %d of %08x", lv->lvoltype,
			(uint32_t)lv->lvolid);
		n = -EINVAL;
		goto out;
	}
	snprintf(label, sizeof(label), "%s:%08x", kinds[k].prefix,
		 (uint32_t)lv->lvolid);
	n = add_node(g, kinds[k].kind, lv, label);
	for (i = 0; n >= 0 && i < lv->n_components && !ret; i++)
		ret = link_nodes(g, n, child[i]);
	if (n >= 0 && !ret)
		ret = build_extras(h, lv, g, n, depth);
	if (ret)
		n = ret;
out:
	free(child);
	return ret ? ret : n;
}

/* A complete tree: its nodes, a no-op barrier, then its labels (5.3). */
static int build_top(struct hsvr *h, const struct vas_lvolstruct *lv,
		     struct hgraph *g, int depth)
{
	struct side s = {NULL, 0};
	int first = g->n, n, z, i, ret = 0;

	n = build_with_labels(h, lv, g, &s, depth);
	if (n < 0) {
		ret = n;
		goto out;
	}
	z = add_node(g, HN_NOOP, lv, "noop_before_labels");
	if (z < 0) {
		ret = z;
		goto out;
	}
	for (i = first; i < z && !ret; i++)
		if (g->nodes[i]->kind != HN_LABEL)
			ret = add_edge(g, i, z);
	for (i = 0; i < s.n && !ret; i++)
		ret = add_edge(g, z, s.idx[i]);
out:
	free(s.idx);
	return ret ? ret : n;
}

int graph_build(struct hsvr *h, const struct vas_lvolstruct *root,
		struct hgraph *g)
{
	int ret;

	memset(g, 0, sizeof(*g));
	ret = build_top(h, root, g, 0);
	if (ret < 0) {
		graph_free(g);
		return ret;
	}
	return 0;
}

/* A part of a tree (a DEXT, a MIRROR) with what it stands on, no labels. */
static int build_part(struct hsvr *h, const struct vas_lvolstruct *lv,
		      int lvoltype, struct hgraph *g)
{
	struct side s = {NULL, 0};
	int ret;

	memset(g, 0, sizeof(*g));
	if (lv->lvoltype != lvoltype)
		return -EINVAL;
	ret = build(h, lv, g, &s, 0);
	free(s.idx);
	if (ret < 0) {
		graph_free(g);
		return ret;
	}
	return 0;
}

int graph_build_dext(struct hsvr *h, const struct vas_lvolstruct *dext,
		     struct hgraph *g)
{
	return build_part(h, dext, LVOLTYPE_DEXT, g);
}

int graph_build_mirror(struct hsvr *h, const struct vas_lvolstruct *mirror,
		       struct hgraph *g)
{
	return build_part(h, mirror, LVOLTYPE_MIRROR, g);
}

void graph_free(struct hgraph *g)
{
	int i;

	for (i = 0; i < g->n; i++) {
		free(g->nodes[i]->comp);
		free(g->nodes[i]);
	}
	free(g->nodes);
	free(g->edges);
	memset(g, 0, sizeof(*g));
}

/* Kahn's algorithm, lowest index first: deterministic command order. */
int graph_order(const struct hgraph *g, int **order)
{
	int *indeg = calloc((size_t)g->n + 1, sizeof(int));
	int *out = calloc((size_t)g->n + 1, sizeof(int));
	int i, k, placed = 0;

	if (!indeg || !out) {
		free(indeg);
		free(out);
		return -ENOMEM;
	}
	for (k = 0; k < g->ne; k++)
		indeg[g->edges[k][1]]++;
	while (placed < g->n) {
		for (i = 0; i < g->n && indeg[i] != 0; i++)
			;
		if (i == g->n)
			break; /* a cycle: a bug in build() */
		indeg[i] = -1;
		out[placed++] = i;
		for (k = 0; k < g->ne; k++)
			if (g->edges[k][0] == i)
				indeg[g->edges[k][1]]--;
	}
	free(indeg);
	if (placed < g->n) {
		free(out);
		return -EINVAL;
	}
	*order = out;
	return 0;
}

/* Runs one undo, logged; 0 or the node's error. */
static int undo_one(struct hsvr *h, struct hnode *n)
{
	int ret;

	log_debug("DAG: %s run (undo)", n->label);
	ret = node_undo(h, n);
	if (ret)
		log_err("DAG: %s fail (undo): %s", n->label, strerror(-ret));
	return ret;
}

int graph_attach(struct hsvr *h, struct hgraph *g)
{
	int *order = NULL, i, ret;

	ret = graph_order(g, &order);
	if (ret)
		return ret;
	for (i = 0; i < g->n && !ret; i++) {
		struct hnode *n = g->nodes[order[i]];

		log_debug("DAG: %s run", n->label);
		ret = node_do(h, n);
		if (ret)
			log_err("DAG: %s fail: %s", n->label, strerror(-ret));
		else
			n->done = 1;
	}
	/* Roll back in reverse; W4: keep going past a failing undo. */
	for (i = g->n - 1; ret && i >= 0; i--) {
		struct hnode *n = g->nodes[order[i]];

		if (n->done && undo_one(h, n)) /* logged; W4: go on */
			g->rollback_failed = 1;
		n->done = 0;
	}
	free(order);
	return ret;
}

int graph_detach(struct hsvr *h, struct hgraph *g)
{
	int *order = NULL, i, k, ret;

	ret = graph_order(g, &order);
	if (ret)
		return ret;
	/* Backwards, labels last (5.3): k = 0 devices, k = 1 labels. */
	for (k = 0; k < 2 && !ret; k++)
		for (i = g->n - 1; i >= 0 && !ret; i--) {
			struct hnode *n = g->nodes[order[i]];

			if ((n->kind == HN_LABEL) != k)
				continue;
			ret = undo_one(h, n);
			n->done = !ret;
		}
	/* W6: an origin suspended by this detach is always resumed. */
	for (i = 0; ret && i < g->n; i++) {
		struct hnode *r = g->nodes[i];

		if (r->kind != HN_RESUME || !r->done)
			continue;
		for (k = 0; k < g->n; k++)
			if (g->nodes[k]->kind == HN_SUSPEND &&
			    g->nodes[k]->lv == r->lv && !g->nodes[k]->done)
				g->nodes[k]->done = !undo_one(h, g->nodes[k]);
	}
	free(order);
	return ret;
}
