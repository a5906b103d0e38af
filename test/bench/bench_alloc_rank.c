/*
 * The in-memory half of leg placement (sm/domain/alloc.c), timed alone:
 * alloc_pick_leg() over a snapshot of N servers x 12 disks, without and
 * with failure domains (racks of 10), the legs of 100 mirrors of 3 taken
 * as a volume would, by a full pass and through the index a create builds
 * (alloc_index_build). Prints the fastest of several runs per leg; the
 * other half, SQL per volume and per leg, is bench_alloc.py's.
 * Usage: bench_alloc_rank [servers...]   (default 25 100 400 1600)
 */
#include "alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DISKS_PER_SERVER 12
#define MIRRORS		 100
#define REDUNDANCY	 3
#define RUNS		 5

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void fill(struct alloc_pool *p, int servers, int domains)
{
	int s, d, i = 0;

	for (s = 1; s <= servers; s++)
		for (d = 0; d < DISKS_PER_SERVER; d++, i++) {
			struct alloc_disk *k = &p->disk[i];

			k->pdskid = i + 1;
			k->ssvrid = s;
			k->domain = domains ? -(1 + (s - 1) / 10) : s;
			k->poolid = 1;
			k->total_vb = 1861;
			k->free_vb = 1861 - (i * 37) % 900; /* not all equal */
			k->largest_vb = 10;
		}
	p->n = i;
}

/* ns per leg of one volume of MIRRORS mirrors, the fastest of RUNS. */
static double run(int servers, int domains, int indexed)
{
	struct alloc_pool p = {0};
	double best = 0;
	int r, m, l;

	p.disk = calloc((size_t)servers * DISKS_PER_SERVER, sizeof(*p.disk));
	if (!p.disk)
		exit(1);
	for (r = 0; r < RUNS; r++) {
		double t0;

		fill(&p, servers, domains);
		if (indexed && alloc_index_build(&p, 1))
			exit(1);
		t0 = now_ns();
		for (m = 0; m < MIRRORS; m++) {
			struct alloc_legs legs = {.storage = 1};

			for (l = 0; l < REDUNDANCY; l++) {
				int i = alloc_pick_leg(&p, 10, &legs);

				if (i < 0)
					exit(2);
				alloc_legs_add(&legs, &p.disk[i]);
				p.disk[i].free_vb -= 10;
			}
		}
		t0 = (now_ns() - t0) / (MIRRORS * REDUNDANCY);
		alloc_index_free(&p);
		if (!r || t0 < best)
			best = t0;
	}
	free(p.disk);
	return best;
}

int main(int argc, char **argv)
{
	static const int def[] = {25, 100, 400, 1600};
	int i, n = argc > 1 ? argc - 1 : 4;

	for (i = 0; i < n; i++) {
		int s = argc > 1 ? atoi(argv[i + 1]) : def[i];

		printf("%5d servers x %d disks: %8.1f us/leg without domains, "
		       "%8.1f us/leg with racks of 10; indexed (as a create "
		       "ranks): %6.2f, %6.2f us/leg\n",
		       s, DISKS_PER_SERVER, run(s, 0, 0) / 1000,
		       run(s, 1, 0) / 1000, run(s, 0, 1) / 1000,
		       run(s, 1, 1) / 1000);
	}
	return 0;
}
