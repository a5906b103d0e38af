/*
 * Which queued rebuilds start (resync.c's plan, chosen outside the
 * mutation lock): one per mirror, the mirrors with the fewest in-sync
 * legs first, and among equals the head with the fewest rebuilds
 * (running and chosen) first, so the heads' links fill evenly.
 * O(n log n + chosen x heads): a failure queues a thousand at once.
 */
#include "resync_plan.h"

#include <stdlib.h>
#include <string.h>

struct cand {
	struct resync_row row;
	int order; /* position in the pick (insync, then add) */
};

static int by_mirror(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->row.mirrorid != y->row.mirrorid)
		return x->row.mirrorid < y->row.mirrorid ? -1 : 1;
	return x->order - y->order;
}

static int by_level_head(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->row.insync != y->row.insync)
		return x->row.insync < y->row.insync ? -1 : 1;
	if (x->row.hsvrid != y->row.hsvrid)
		return x->row.hsvrid < y->row.hsvrid ? -1 : 1;
	return x->order - y->order;
}

/* One head's candidates of a level: c[next..end) not yet chosen. */
struct head_run {
	int next;
	int end;
	int load;
};

/*
 * c sorted by level and head: the runs of level c[from..to), each head's
 * load its running rebuilds and those of chosen[0..n_chosen).
 */
static int head_runs(const struct cand *c, int from, int to,
		     const struct resync_row *chosen, int n_chosen,
		     struct head_run *runs, int (*load)(void *, int32_t),
		     void *ctx)
{
	int k = 0, i, j;

	for (i = from; i < to; i++) {
		if (i == from || c[i].row.hsvrid != c[i - 1].row.hsvrid) {
			runs[k].next = i;
			runs[k].load = load(ctx, c[i].row.hsvrid);
			for (j = 0; j < n_chosen; j++)
				runs[k].load +=
				    chosen[j].hsvrid == c[i].row.hsvrid;
			k++;
		}
		runs[k - 1].end = i + 1;
	}
	return k;
}

/* The least loaded head with candidates left; ties: the earliest picked. */
static int least_loaded(const struct cand *c, const struct head_run *runs,
			int k)
{
	int best = -1, i;

	for (i = 0; i < k; i++) {
		if (runs[i].next == runs[i].end)
			continue;
		if (best < 0 || runs[i].load < runs[best].load ||
		    (runs[i].load == runs[best].load &&
		     c[runs[i].next].order < c[runs[best].next].order))
			best = i;
	}
	return best;
}

int resync_plan_choose(struct resync_row *rows, int n, int room,
		       int (*load)(void *ctx, int32_t hsvrid), void *ctx)
{
	struct cand *c = calloc((size_t)n + 1, sizeof(*c));
	struct head_run *runs = calloc((size_t)n + 1, sizeof(*runs));
	int kept = 0, chosen = 0, from = 0, i;

	if (!c || !runs) {
		free(c);
		free(runs);
		return -1;
	}
	for (i = 0; i < n; i++) {
		c[i].row = rows[i];
		c[i].order = i;
	}
	/* One per mirror: its first in the pick's order. */
	qsort(c, (size_t)n, sizeof(*c), by_mirror);
	for (i = 0; i < n; i++)
		if (!kept || c[i].row.mirrorid != c[kept - 1].row.mirrorid)
			c[kept++] = c[i];
	qsort(c, (size_t)kept, sizeof(*c), by_level_head);
	while (from < kept && chosen < room) {
		int to = from, k, h;

		while (to < kept && c[to].row.insync == c[from].row.insync)
			to++;
		k = head_runs(c, from, to, rows, chosen, runs, load, ctx);
		while (chosen < room && (h = least_loaded(c, runs, k)) >= 0) {
			rows[chosen++] = c[runs[h].next++].row;
			runs[h].load++;
		}
		from = to;
	}
	free(c);
	free(runs);
	return chosen;
}
