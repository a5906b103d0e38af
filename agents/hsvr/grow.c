/*
 * extendLogicalVolume {ver, eventid, lvolstruct} (issue 16; ours, an
 * addition to hsvr.md 3): a volume attached here, whose tree the manager
 * has grown, gets the mirrors it does not have yet (their extents were
 * zeroed before the manager handed them out), then a longer LINEAR table
 * and a longer SNAPSHOT-ORIGIN table - each suspended, loaded, resumed,
 * the top suspended first - and the libvirt domains using it are told the
 * new size. Data stays where it was: the linear rule of hsvr.md 7.4 maps
 * every old sector to the same place. Snapshots keep their size (the
 * kernel copies nothing beyond a snapshot's end). A re-sent request finds
 * what is done and goes on. A failure before the new table is live tears
 * down the new mirrors: ERROR, rolled back.
 */
#include "graph.h"
#include "ops.h"
#include "virt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/log.h"
#include "vas/proto.h"

#define SECTORS_PER_GIB 2097152LL

struct grow {
	struct hsvr *h;
	const struct vas_lvolstruct *so, *lin;
	char so_name[64], lin_name[64];
	char so_path[PATH_MAX], lin_path[PATH_MAX];
	struct hgraph *built; /* mirrors built by this operation */
	int n_built;
};

/* LVOL -> SNAPSHOT-ORIGIN -> LINEAR -> MIRRORs, attached here. */
static int grow_open(struct hsvr *h, const struct vas_lvolstruct *lv,
		     struct grow *g)
{
	int ret, i;

	memset(g, 0, sizeof(*g));
	g->h = h;
	if (lv->lvoltype != LVOLTYPE_LVOL || lv->n_components != 1 ||
	    lv->components[0].lvoltype != LVOLTYPE_SNAPSHOT_ORIGIN ||
	    lv->components[0].n_components != 1 ||
	    lv->components[0].components[0].lvoltype != LVOLTYPE_LINEAR)
		return -EINVAL;
	g->so = &lv->components[0];
	g->lin = &g->so->components[0];
	for (i = 0; i < g->lin->n_components; i++)
		if (g->lin->components[i].lvoltype != LVOLTYPE_MIRROR)
			return -EINVAL;
	ret = name_origin(g->so_name, sizeof(g->so_name), g->so->lvolid);
	if (!ret)
		ret = name_linear(g->lin_name, sizeof(g->lin_name),
				  g->lin->lvolid);
	if (!ret)
		ret = path_mapper(g->so_path, sizeof(g->so_path), h->hx->root,
				  g->so_name);
	if (!ret)
		ret = path_mapper(g->lin_path, sizeof(g->lin_path), h->hx->root,
				  g->lin_name);
	if (!ret && (!dev_exists(g->so_path) || !dev_exists(g->lin_path)))
		ret = -ENOENT; /* not attached here */
	if (!ret) {
		g->built =
		    calloc((size_t)g->lin->n_components + 1, sizeof(*g->built));
		ret = g->built ? 0 : -ENOMEM;
	}
	return ret;
}

/* The mirrors of the tree this host does not have: built, in order. */
static int build_new_mirrors(struct grow *g)
{
	char md[PATH_MAX];
	int i, ret = 0;

	for (i = 0; i < g->lin->n_components && !ret; i++) {
		const struct vas_lvolstruct *m = &g->lin->components[i];
		struct hgraph *part = &g->built[g->n_built];

		ret = path_mirror(md, sizeof(md), g->h->md_dir, m->lvolid);
		if (ret || dev_exists(md))
			continue;
		ret = graph_build_mirror(g->h, m, part);
		if (!ret)
			ret = graph_attach(g->h, part); /* rolls itself back */
		if (!ret)
			g->n_built++;
		else if (part->nodes)
			graph_free(part);
	}
	return ret;
}

/* Tears down what build_new_mirrors() built; 1 when all of it went. */
static int unbuild(struct grow *g)
{
	int all = 1;

	while (g->n_built > 0) {
		struct hgraph *part = &g->built[--g->n_built];

		if (graph_detach(g->h, part)) /* logged */
			all = 0;
		graph_free(part);
	}
	return all;
}

static void grow_close(struct grow *g)
{
	int i;

	for (i = 0; i < g->n_built; i++)
		graph_free(&g->built[i]);
	free(g->built);
}

/* The linear table over every mirror, by the rule of hsvr.md 7.4. */
static int linear_table(struct grow *g, char **table)
{
	int n = g->lin->n_components, i, ret = 0;
	char(*paths)[PATH_MAX] = calloc((size_t)n + 1, sizeof(*paths));
	const char **pp = calloc((size_t)n + 1, sizeof(*pp));
	int64_t *sizes = calloc((size_t)n + 1, sizeof(*sizes));
	size_t tlen = (size_t)n * (PATH_MAX + 64) + 1;

	*table = calloc(1, tlen);
	if (!paths || !pp || !sizes || !*table)
		ret = -ENOMEM;
	for (i = 0; i < n && !ret; i++) {
		ret = path_mirror(paths[i], sizeof(paths[i]), g->h->md_dir,
				  g->lin->components[i].lvolid);
		pp[i] = paths[i];
		if (!ret)
			ret = dev_size(g->h, paths[i], &sizes[i]);
	}
	if (!ret)
		ret =
		    table_linear(*table, tlen, g->lin->capacity, pp, sizes, n);
	free(paths);
	free(pp);
	free(sizes);
	if (ret) {
		free(*table);
		*table = NULL;
	}
	return ret;
}

static int dm_state(struct hsvr *h, const char *name, int suspend)
{
	struct cmdline c;

	if (suspend)
		cmd_dm_suspend(&c, name);
	else
		cmd_dm_resume(&c, name);
	return hx_run(h->hx, &c, NULL);
}

/*
 * Makes the device `name` at `path` long_sectors long with table; the
 * device above it (top, may be NULL) is suspended first and resumed last.
 * *live: the new table is in use (nothing can be rolled back then).
 */
static int reload(struct grow *g, const char *name, const char *path,
		  const char *top, const char *table, int64_t sectors,
		  int *live)
{
	int64_t cur = 0;
	int ret;

	ret = dev_size(g->h, path, &cur);
	if (ret || cur == sectors)
		return ret; /* done already (a re-sent request) */
	if (top)
		ret = dm_state(g->h, top, 1);
	if (!ret)
		ret = dm_state(g->h, name, 1);
	if (!ret)
		ret = dm_load(g->h, name, table);
	/* A failed load leaves the old table live: resume it as it was. */
	if (dm_state(g->h, name, 0) && !ret)
		ret = -EIO;
	if (top && dm_state(g->h, top, 0) && !ret)
		ret = -EIO;
	if (!ret)
		ret = dev_size(g->h, path, &cur);
	if (!ret && cur != sectors)
		ret = -EIO;
	if (!ret)
		*live = 1;
	return ret;
}

/* The domains using the volume learn its size (through virt.c). */
static void tell_libvirt(struct grow *g, const struct vas_lvolstruct *lv,
			 int64_t sectors)
{
	const char *paths[1 + 8];
	char labels[8][PATH_MAX];
	int i, n = 0, told = 0;

	if (!g->h->libvirt_uri[0])
		return;
	paths[n++] = g->so_path;
	for (i = 0; i < lv->n_labels && i < 8; i++)
		if (snprintf(labels[i], sizeof(labels[i]), "%s/%s",
			     g->h->vas_dir,
			     lv->labels[i]) < (int)sizeof(labels[i]))
			paths[n++] = labels[i];
	if (virt_resize(g->h->libvirt_uri, paths, n,
			(unsigned long long)sectors * 512, &told))
		log_warn("lvol-%08x grown, but not every libvirt domain "
			 "using it was told",
			 (uint32_t)lv->lvolid);
}

void run_grow(struct op *op)
{
	int64_t sectors;
	char *table = NULL, origin[PATH_MAX + 128];
	struct grow g;
	int ret, live = 0, all;

	hx_clear_error();
	ret = grow_open(op->h, &op->lv, &g);
	if (ret) {
		op_publish_error(op, -ret < 256 ? -ret : VAS_EINTERNAL,
				 "extend: not an origin attached here", ret, 1);
		grow_close(&g);
		return;
	}
	sectors = g.lin->capacity * SECTORS_PER_GIB;
	ret = build_new_mirrors(&g);
	if (!ret)
		ret = linear_table(&g, &table);
	if (!ret)
		ret = reload(&g, g.lin_name, g.lin_path, g.so_name, table,
			     sectors, &live);
	if (!ret)
		ret = table_origin(origin, sizeof(origin), g.so->capacity,
				   g.lin_path);
	if (!ret)
		ret = reload(&g, g.so_name, g.so_path, NULL, origin, sectors,
			     &live);
	free(table);
	if (ret && !live) {
		all = unbuild(&g);
		op_publish_error(
		    op, all && -ret > 0 && -ret < 256 ? -ret : VAS_EINTERNAL,
		    all ? "extend failed, rolled back"
			: "extend failed, not all rolled back",
		    ret, all);
	} else if (ret) {
		op_publish_error(op, VAS_EINTERNAL,
				 "extend failed after the new table was live",
				 ret, 0);
	} else {
		tell_libvirt(&g, &op->lv, sectors);
		log_info("event %lld: lvol-%08x is %lld GiB",
			 (long long)op->eventid, (uint32_t)op->lv.lvolid,
			 (long long)g.lin->capacity);
		event_table_set(op->h->events, op->eventid, EV_DONE, 0);
	}
	grow_close(&g);
}
