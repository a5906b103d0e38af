/* Attach, detach and resync workers; the mirror progress hook. */
#include "ops.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph.h"
#include "mdstat.h"
#include "virt.h"
#include "vas/log.h"
#include "vas/proto.h"

struct resync_state {
	atomic_int refs;
	atomic_int worker_running; /* W14: PROGRESS until the worker ends */
	atomic_int worker_failed;
	struct hsvr *h;
	int32_t mirrorid;
	int32_t dextid;
	/* Written by the worker before worker_running drops to 0: an old
	 * leg left built, told with DONE (getEventStatus detail). */
	char note[256];
};

void op_free(struct op *op)
{
	if (!op)
		return;
	lvs_clear(&op->lv);
	lvs_clear(&op->add);
	lvs_clear(&op->remove);
	if (op->rs)
		resync_state_put(op->rs);
	free(op);
}

struct resync_state *resync_state_new(struct hsvr *h, int32_t mirrorid,
				      int32_t dextid, int worker)
{
	struct resync_state *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return NULL;
	atomic_init(&rs->refs, 1);
	atomic_init(&rs->worker_running, worker);
	atomic_init(&rs->worker_failed, 0);
	rs->h = h;
	rs->mirrorid = mirrorid;
	rs->dextid = dextid;
	return rs;
}

void resync_state_get(struct resync_state *rs)
{
	atomic_fetch_add(&rs->refs, 1);
}

void resync_state_put(void *arg)
{
	struct resync_state *rs = arg;

	if (rs && atomic_fetch_sub(&rs->refs, 1) == 1)
		free(rs);
}

/* sysfs where the kernel has it (hsvr.md 7.10), else /proc/mdstat. */
static int member_state(struct hsvr *h, const struct md_array *a,
			const struct md_member *m)
{
	char path[PATH_MAX], *flags = NULL;
	int state;

	if (snprintf(path, sizeof(path), "%s/sys/block/%s/md/dev-%s/state",
		     h->hx->root, a->kname, m->kname) >= (int)sizeof(path) ||
	    hx_read_file(path, &flags))
		return md_member_state(a, m);
	state = md_state_of_flags(flags);
	free(flags);
	return state;
}

int mirror_members(struct hsvr *h, int32_t mirrorid, int32_t *dextids,
		   int *states, int max, int *n)
{
	struct md_array *arr;
	char kname[32], *text = NULL;
	int i, k, na = 0, ret;

	*n = 0;
	ret = md_kname(h, mirrorid, kname, sizeof(kname));
	if (ret)
		return ret;
	arr = calloc(MDSTAT_MAX_ARRAYS, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	ret = hx_mdstat(h->hx, &text);
	if (!ret)
		ret = mdstat_parse(text, arr, MDSTAT_MAX_ARRAYS, &na);
	for (i = 0; !ret && i < na; i++) {
		if (strcmp(arr[i].kname, kname))
			continue;
		for (k = 0; k < arr[i].nmem && *n < max; k++) {
			dextids[*n] = dext_of_kname(h, arr[i].mem[k].kname);
			states[*n] = member_state(h, &arr[i], &arr[i].mem[k]);
			(*n)++;
		}
		break;
	}
	if (!ret && i == na)
		ret = -ENOENT;
	free(text);
	free(arr);
	return ret;
}

void resync_hook(struct event_table *t, int64_t eventid, void *arg)
{
	struct resync_state *rs = arg;
	int32_t ids[MDSTAT_MAX_MEMBERS];
	int states[MDSTAT_MAX_MEMBERS], n, i, ret;

	if (atomic_load(&rs->worker_running))
		return;
	if (atomic_load(&rs->worker_failed)) {
		event_table_set(t, eventid, EV_ERROR, VAS_EINTERNAL);
		return;
	}
	ret = mirror_members(rs->h, rs->mirrorid, ids, states,
			     MDSTAT_MAX_MEMBERS, &n);
	if (ret == -ENOENT) {
		event_table_set(t, eventid, EV_ERROR, ENOENT);
		return;
	}
	if (ret) {
		log_err("mirror %08x: reading member states: %s",
			(uint32_t)rs->mirrorid, strerror(-ret));
		event_table_set(t, eventid, EV_ERROR, VAS_EINTERNAL);
		return;
	}
	for (i = 0; i < n && ids[i] != rs->dextid; i++)
		;
	if (i == n)
		event_table_set(t, eventid, EV_ERROR, ENOENT);
	else if (states[i] == MD_IN_SYNC)
		event_table_set_msg(t, eventid, EV_DONE, 0,
				    rs->note[0] ? rs->note : NULL, 0);
	else if (states[i] == MD_FAULTY) /* W15 */
		event_table_set(t, eventid, EV_ERROR, VAS_EINTERNAL);
}

/* The device users open: the volume's snapshot-origin or snapshot. */
static int top_device(struct hsvr *h, const struct vas_lvolstruct *lv,
		      char *name, size_t nlen, char *dev, size_t dlen)
{
	const struct vas_lvolstruct *top;
	int ret;

	if (lv->lvoltype != LVOLTYPE_LVOL || lv->n_components != 1)
		return -EINVAL;
	top = &lv->components[0];
	if (top->lvoltype == LVOLTYPE_SNAPSHOT)
		ret = name_snapshot(name, nlen, top->lvolid);
	else
		ret = name_origin(name, nlen, top->lvolid);
	return ret ? ret : path_mapper(dev, dlen, h->hx->root, name);
}

static int top_in_use(struct hsvr *h, const struct vas_lvolstruct *lv,
		      const char *mounts, int *busy)
{
	const char *paths[2 + 8];
	char name[64], dev[PATH_MAX], labels[8][PATH_MAX];
	int i, np = 0, opens = 0, ret;

	ret = top_device(h, lv, name, sizeof(name), dev, sizeof(dev));
	if (ret || !dev_exists(dev))
		return ret;
	ret = dm_open_count(h, name, &opens);
	if (ret)
		return ret;
	paths[np++] = dev;
	for (i = 0; i < lv->n_labels && i < 8; i++) {
		if (snprintf(labels[i], sizeof(labels[i]), "%s/%s", h->vas_dir,
			     lv->labels[i]) >= (int)sizeof(labels[i]))
			return -ENAMETOOLONG;
		paths[np++] = labels[i];
	}
	for (i = 0; i < np && mounts; i++) {
		char pat[PATH_MAX + 2];

		snprintf(pat, sizeof(pat), "%s ", paths[i]);
		if (strstr(mounts, pat))
			*busy = 1;
	}
	if (opens > 0)
		*busy = 1;
	if (!*busy && h->libvirt_uri[0])
		ret = virt_paths_in_use(h->libvirt_uri, paths, np, busy);
	for (i = 0; !ret && !*busy && i < lv->n_assoc; i++)
		ret = top_in_use(h, &lv->assoc[i], mounts, busy);
	return ret;
}

int lvol_in_use(struct hsvr *h, const struct vas_lvolstruct *lv, int *busy)
{
	char *mounts = NULL;
	int ret;

	*busy = 0;
	ret = hx_mounts(h->hx, &mounts);
	if (ret)
		return ret;
	ret = top_in_use(h, lv, mounts, busy);
	free(mounts);
	return ret;
}

/*
 * The result of a failed operation: its step's errno when nothing was
 * left behind (the manager may then forget the attachment), else 500.
 */
static int failure_code(int ret, int left_behind)
{
	if (left_behind || ret >= 0 || -ret >= 256)
		return VAS_EINTERNAL;
	return -ret;
}

static void run_attach(struct op *op)
{
	struct hgraph g;
	int ret, left = 0;

	hx_clear_error();
	ret = graph_build(op->h, &op->lv, &g);
	if (!ret) {
		ret = graph_attach(op->h, &g);
		left = g.rollback_failed;
		graph_free(&g);
	}
	if (!ret) {
		event_table_set(op->h->events, op->eventid, EV_DONE, 0);
		return;
	}
	op_publish_error(op, failure_code(ret, left),
			 left ? "attach failed, not all rolled back"
			      : "attach failed, rolled back",
			 ret, !left);
}

static void run_detach(struct op *op)
{
	char name[64], dev[PATH_MAX];
	struct hgraph g;
	int busy = 0, ret, result = 0;

	hx_clear_error();
	/* W6: all or nothing at the top: nothing is torn down if in use. */
	ret = lvol_in_use(op->h, &op->lv, &busy);
	if (!ret && busy) {
		log_info("detach lvol-%08x: in use", (uint32_t)op->lv.lvolid);
		result = EBUSY;
	} else if (!ret) {
		ret = graph_build(op->h, &op->lv, &g);
		if (!ret) {
			ret = graph_detach(op->h, &g);
			graph_free(&g);
		}
	}
	if (ret) {
		result = VAS_EINTERNAL;
		/* Opened since the check: busy only while the top is whole. */
		if (ret == -EBUSY &&
		    !top_device(op->h, &op->lv, name, sizeof(name), dev,
				sizeof(dev)) &&
		    dev_exists(dev))
			result = EBUSY;
		op_publish_error(op, result, "detach failed", ret, 0);
		return;
	}
	if (result)
		hx_set_error("in use (open, mounted or in a VM)");
	event_table_set_msg(op->h->events, op->eventid,
			    result ? EV_ERROR : EV_DONE, result,
			    result ? hx_last_error() : NULL, 0);
}

static int md_manage(struct hsvr *h, const char *md, const char *opname,
		     const char *dev)
{
	struct cmdline c;

	cmd_md_manage(&c, md, opname, dev);
	return hx_run(h->hx, &c, NULL);
}

/*
 * The old leg after the new one went in: torn down, or - the resync still
 * succeeded - what was left is noted for the manager (with DONE).
 */
static void teardown_old(struct op *op)
{
	struct hsvr *h = op->h;
	int ret;

	hx_clear_error();
	ret = leg_teardown(h, &op->remove);
	if (!ret)
		return;
	snprintf(op->rs->note, sizeof(op->rs->note),
		 "old extent dext-%08x of mirr-%08x not torn down: %s",
		 (uint32_t)op->remove.lvolid, (uint32_t)op->mirrorid,
		 hx_last_error()[0] ? hx_last_error() : strerror(-ret));
	log_err("event %lld: %s", (long long)op->eventid, op->rs->note);
	retire_later(op, h->leftover_gap_ms);
}

/* hsvr.md 9: fail/remove the old leg, build and add the new one. */
static int resync(struct op *op)
{
	struct hsvr *h = op->h;
	char md[PATH_MAX], name[32], old[PATH_MAX] = "";
	struct hgraph add;
	int ret, i;

	ret = path_mirror(md, sizeof(md), h->md_dir, op->mirrorid);
	if (ret)
		return ret;
	if (op->remove.lvolid) {
		ret = name_dext(name, sizeof(name), op->remove.ssvrid,
				op->remove.lvolid);
		if (!ret)
			ret = path_mapper(old, sizeof(old), h->hx->root, name);
		if (ret)
			return ret;
		if (dev_exists(old)) {
			/* Already failed or removed is fine (9). */
			(void)md_manage(h, md, "--fail", old);
			(void)md_manage(h, md, "--remove", old);
		}
	}
	ret = graph_build_dext(h, &op->add, &add);
	if (ret)
		return ret;
	ret = graph_attach(h, &add);
	if (!ret) {
		for (i = 0; i < add.n && add.nodes[i]->kind != HN_DEXT; i++)
			;
		ret = md_manage(h, md, "--add", add.nodes[i]->path);
		if (ret) {
			/* Roll the new extent back (compensation of 9). */
			(void)graph_detach(h, &add); /* logged */
		}
	}
	graph_free(&add);
	/* W17: the old leg, still built, goes back into the array. */
	if (ret && op->remove.lvolid && op->remove.lvolid != op->add.lvolid &&
	    dev_exists(old) && md_manage(h, md, "--add", old))
		log_err("mirror %08x: old extent %08x not re-added",
			(uint32_t)op->mirrorid, (uint32_t)op->remove.lvolid);
	if (ret || !op->remove.lvolid || op->remove.lvolid == op->add.lvolid)
		return ret;
	teardown_old(op);
	return 0;
}

static void run_resync(struct op *op)
{
	int ret;

	hx_clear_error();
	ret = resync(op);
	if (ret) {
		atomic_store(&op->rs->worker_failed, 1);
		op_publish_error(op, VAS_EINTERNAL, "replaceMirrorDisk failed",
				 ret, 0);
	}
	atomic_store(&op->rs->worker_running, 0);
}

void op_run(void *job)
{
	struct op *op = job;

	op_wait_turn(op);
	switch (op->kind) {
	case OP_ATTACH:
		run_attach(op);
		break;
	case OP_DETACH:
		run_detach(op);
		break;
	case OP_RESYNC:
		run_resync(op);
		break;
	case OP_GROW:
		run_grow(op);
		break;
	case OP_RETIRE:
		run_retire(op);
		break;
	}
	op_forget(op);
	op_free(op);
}
