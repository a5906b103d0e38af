/* Unit tests of the dependency graph built from an lvolstruct (5.2-5.4). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "vas/proto.h"
#include "check_run.h"

static struct hsvr h;

static struct vas_lvolstruct *child(struct vas_lvolstruct *p, int32_t id,
				    int type, int64_t cap)
{
	struct vas_lvolstruct *c = lvs_add_component(p);

	ck_assert_ptr_nonnull(c);
	c->lvolid = id;
	c->lvoltype = type;
	c->capacity = cap;
	c->n_paths = -1;
	return c;
}

static void add_dext(struct vas_lvolstruct *m, int32_t id, int32_t ssvr,
		     int32_t pdsk)
{
	struct vas_lvolstruct *d = child(m, id, LVOLTYPE_DEXT, 10);
	char path[256];

	d->ssvrid = ssvr;
	d->pdskid = pdsk;
	d->mirror_status = MIRROR_ALLOCATED;
	snprintf(path, sizeof(path),
		 "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-iqn.x:%08x-lun-1",
		 (unsigned)pdsk);
	ck_assert_int_eq(lvs_add_path(d, path), 0);
}

/* hsvr.md 5.4: db1, two mirrors of two extents. */
static void make_db1(struct vas_lvolstruct *lv)
{
	struct vas_lvolstruct *so, *lin, *m;

	memset(lv, 0, sizeof(*lv));
	lv->lvolid = 0x10;
	lv->lvoltype = LVOLTYPE_LVOL;
	lv->capacity = 20;
	lv->n_paths = -1;
	snprintf(lv->lvolname, sizeof(lv->lvolname), "db1");
	ck_assert_int_eq(lvs_add_label(lv, "db1"), 0);
	ck_assert_int_eq(lvs_add_label(lv, "lvol-00000010"), 0);
	so = child(lv, 0x11, LVOLTYPE_SNAPSHOT_ORIGIN, 20);
	lin = child(so, 0x12, LVOLTYPE_LINEAR, 20);
	m = child(lin, 0x13, LVOLTYPE_MIRROR, 10);
	add_dext(m, 0x14, 1, 5);
	add_dext(m, 0x15, 2, 7);
	/* lin may have moved: child() reallocates the array */
	m = child(&so->components[0], 0x16, LVOLTYPE_MIRROR, 10);
	add_dext(m, 0x17, 1, 5);
	add_dext(m, 0x18, 3, 9);
}

static int pos(const struct hgraph *g, const int *order, const char *label)
{
	int i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->nodes[order[i]]->label, label))
			return i;
	ck_abort_msg("no node %s", label);
	return -1;
}

START_TEST(attach_order)
{
	struct vas_lvolstruct lv;
	struct hgraph g;
	int *order;

	make_db1(&lv);
	ck_assert_int_eq(graph_build(&h, &lv, &g), 0);
	/* 4 iscsi + 4 dext + 2 mirror + linear + SO + lvol + noop + 2 labels */
	ck_assert_int_eq(g.n, 16);
	ck_assert_int_eq(graph_order(&g, &order), 0);
	ck_assert_int_lt(pos(&g, order, "iscsi:00000005"),
			 pos(&g, order, "dext:00000014"));
	ck_assert_int_lt(pos(&g, order, "dext:00000015"),
			 pos(&g, order, "mirror:00000013"));
	ck_assert_int_lt(pos(&g, order, "mirror:00000016"),
			 pos(&g, order, "linear:00000012"));
	ck_assert_int_lt(pos(&g, order, "linear:00000012"),
			 pos(&g, order, "snapshot-origin:00000011"));
	ck_assert_int_lt(pos(&g, order, "lvol:00000010"),
			 pos(&g, order, "noop_before_labels"));
	ck_assert_int_eq(pos(&g, order, "symlink:db1"), 14);
	ck_assert_int_eq(pos(&g, order, "symlink:lvol-00000010"), 15);
	ck_assert_str_eq(g.nodes[order[14]]->link, "/tmp/vas/db1");
	/* the mirror's components are its DEXT nodes, in order */
	ck_assert_int_eq(
	    g.nodes[order[pos(&g, order, "mirror:00000013")]]->ncomp, 2);
	free(order);
	graph_free(&g);
	lvs_clear(&lv);
}
END_TEST

START_TEST(snapshot_in_assoc)
{
	struct vas_lvolstruct lv, *s, *snap, *lin, *m;
	struct hgraph g;
	int *order;

	make_db1(&lv);
	s = lvs_add_assoc(&lv);
	s->lvolid = 0x20;
	s->lvoltype = LVOLTYPE_LVOL;
	s->capacity = 20;
	s->n_paths = -1;
	ck_assert_int_eq(lvs_add_label(s, "s1"), 0);
	snap = child(s, 0x21, LVOLTYPE_SNAPSHOT, 20);
	snap->origin_lvolid = 0x11;
	lin = child(snap, 0x22, LVOLTYPE_LINEAR, 20);
	m = child(lin, 0x23, LVOLTYPE_MIRROR, 10);
	add_dext(m, 0x24, 1, 5);
	add_dext(m, 0x25, 2, 7);
	ck_assert_int_eq(graph_build(&h, &lv, &g), 0);
	ck_assert_int_eq(graph_order(&g, &order), 0);
	/* the origin exists before anything of the snapshot */
	ck_assert_int_lt(pos(&g, order, "lvol:00000010"),
			 pos(&g, order, "dext:00000024"));
	/* W7: suspend only after the COW store, right before the snapshot */
	ck_assert_int_lt(pos(&g, order, "linear:00000022"),
			 pos(&g, order, "suspend 00000011"));
	ck_assert_int_eq(pos(&g, order, "suspend 00000011") + 1,
			 pos(&g, order, "snapshot:00000021"));
	ck_assert_int_eq(pos(&g, order, "snapshot:00000021") + 1,
			 pos(&g, order, "resume 00000011"));
	ck_assert_int_lt(pos(&g, order, "symlink:s1"),
			 pos(&g, order, "symlink:db1"));
	free(order);
	graph_free(&g);
	lvs_clear(&lv);
}
END_TEST

START_TEST(bad_trees)
{
	struct vas_lvolstruct lv;
	struct hgraph g;

	make_db1(&lv);
	lv.components[0].components[0].components[0].lvoltype = 4;
	ck_assert_int_eq(graph_build(&h, &lv, &g), -22);
	lvs_clear(&lv);

	make_db1(&lv);
	free(lv.labels[0]);
	lv.labels[0] = strdup("../etc");
	ck_assert_int_eq(graph_build(&h, &lv, &g), -22);
	lvs_clear(&lv);

	/* a mirror without legs, a linear without mirrors */
	make_db1(&lv);
	lvs_clear(&lv.components[0].components[0].components[1]);
	lv.components[0].components[0].components[1].lvoltype = LVOLTYPE_MIRROR;
	ck_assert_int_eq(graph_build(&h, &lv, &g), -22);
	lvs_clear(&lv);

	/* two paths to different disks in one DEXT */
	make_db1(&lv);
	ck_assert_int_eq(
	    lvs_add_path(
		&lv.components[0].components[0].components[0].components[0],
		"/dev/disk/by-path/ip-127.0.0.2:3260-iscsi-"
		"iqn.x:00000099-lun-1"),
	    0);
	ck_assert_int_eq(graph_build(&h, &lv, &g), -22);
	lvs_clear(&lv);
}
END_TEST

START_TEST(dext_only)
{
	struct vas_lvolstruct d;
	struct hgraph g;
	int *order;

	memset(&d, 0, sizeof(d));
	d.lvolid = 0x30;
	d.lvoltype = LVOLTYPE_DEXT;
	d.capacity = 10;
	ck_assert_int_eq(
	    lvs_add_path(&d, "/dev/disk/by-path/ip-127.0.0.1:3260-iscsi-"
			     "iqn.x:00000003-lun-1"),
	    0);
	ck_assert_int_eq(graph_build_dext(&h, &d, &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_int_eq(graph_order(&g, &order), 0);
	ck_assert_int_eq(g.nodes[order[0]]->kind, HN_ISCSI);
	ck_assert_int_eq(g.nodes[order[1]]->kind, HN_DEXT);
	free(order);
	graph_free(&g);
	lvs_clear(&d);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    attach_order, snapshot_in_assoc, bad_trees, dext_only, NULL,
	};

	snprintf(h.vas_dir, sizeof(h.vas_dir), "/tmp/vas");
	return check_run("hsvr_graph", tests, NULL, NULL);
}
