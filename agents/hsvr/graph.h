/*
 * The dependency graph of a volume's device stack (hsvr.md 5-6), built
 * once from an lvolstruct in attach orientation (a component before the
 * node that consumes it, labels after everything). Attach walks it
 * forwards running each node's do, rolling back in reverse on failure;
 * detach walks it backwards running undo, labels last.
 */
#ifndef HSVR_GRAPH_H
#define HSVR_GRAPH_H

#include "hsvr.h"

enum hnode_kind {
	HN_ISCSI,
	HN_DEXT,
	HN_MIRROR,
	HN_LINEAR,
	HN_ORIGIN,
	HN_SNAPSHOT,
	HN_SUSPEND, /* do: suspend the origin; undo: resume it */
	HN_RESUME,  /* do: resume the origin; undo: suspend it */
	HN_LVOL,
	HN_LABEL,
	HN_NOOP,
};

struct hnode {
	enum hnode_kind kind;
	char label[96];			 /* for logs */
	char path[PATH_MAX];		 /* device, set by do */
	const struct vas_lvolstruct *lv; /* borrowed from the request */
	int32_t origin_id;		 /* SUSPEND/RESUME */
	char link[PATH_MAX];		 /* LABEL: the link path */
	struct hnode **comp;		 /* components, in order */
	int ncomp;
	int done; /* do ran (attach) / undo ran */
};

struct hgraph {
	struct hnode **nodes;
	int n, cap;
	int (*edges)[2]; /* {before, after} node indexes */
	int ne, cap_e;
	int rollback_failed; /* graph_attach: some undo failed, parts left */
};

/* Builds the graph of an LVOL (or SNAPSHOT-only) tree. 0 or -errno. */
int graph_build(struct hsvr *h, const struct vas_lvolstruct *root,
		struct hgraph *g);
/* DEXT + iSCSI nodes of one extent, no labels (replaceMirrorDisk). */
int graph_build_dext(struct hsvr *h, const struct vas_lvolstruct *dext,
		     struct hgraph *g);
/* A MIRROR with its DEXT and iSCSI nodes, no labels (extendLogicalVolume). */
int graph_build_mirror(struct hsvr *h, const struct vas_lvolstruct *mirror,
		       struct hgraph *g);
void graph_free(struct hgraph *g);
/* Node indexes in execution order (forward). Caller frees. */
int graph_order(const struct hgraph *g, int **order);

/* Forward walk running do; rolls back what it built on failure. */
int graph_attach(struct hsvr *h, struct hgraph *g);
/* Backward walk running undo, labels last; no rollback (resumes origins). */
int graph_detach(struct hsvr *h, struct hgraph *g);

/* nodes.c */
int node_do(struct hsvr *h, struct hnode *n);
int node_undo(struct hsvr *h, struct hnode *n);
/* node_iscsi.c: login + multipath map / flush + logout of one DEXT's disk */
int iscsi_node_do(struct hsvr *h, struct hnode *n);
int iscsi_node_undo(struct hsvr *h, struct hnode *n);
/* user's share of iqn's session given up, by name (the start-up sweep). */
int iscsi_release(struct hsvr *h, const char *iqn, const char *user);

#endif
