/* Servers kept in placement's rank for one leg size (alloc_order.h). */
#include "alloc_order.h"
#include "alloc.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

/* A server's rank (alloc.c's), with what the order keeps of it. */
struct ranked {
	struct alloc_score s;
	int32_t domain;
	int slot;
};

struct alloc_order {
	int32_t storage;
	int64_t c;
	int n; /* ranked servers: those with a disk that fits */
	struct ranked *r;
	int *first;   /* slot -> its first disk; first[slots] = pool->n */
	int *slot_of; /* disk -> slot */
	int *pos;     /* slot -> index in r, -1: nothing fits there */
};

static bool better(const struct ranked *a, const struct ranked *b)
{
	return alloc_score_better(&a->s, &b->s);
}

static int by_rank(const void *a, const void *b)
{
	return better(a, b) ? -1 : better(b, a) ? 1 : 0;
}

static void score(const struct alloc_order *o, const struct alloc_pool *pool,
		  int slot, struct ranked *s)
{
	s->slot = slot;
	s->domain = pool->disk[o->first[slot]].domain;
	alloc_score_server(pool, o->first[slot], o->first[slot + 1], o->c,
			   o->storage, &s->s);
}

void alloc_order_free(struct alloc_order *o)
{
	if (!o)
		return;
	free(o->r);
	free(o->first);
	free(o->slot_of);
	free(o->pos);
	free(o);
}

/* The disks of each server, and whether they share a failure domain. */
static int slots(struct alloc_order *o, const struct alloc_pool *pool)
{
	int i, slot = -1;

	for (i = 0; i < pool->n; i++) {
		const struct alloc_disk *d = &pool->disk[i];

		if (!i || d->ssvrid != pool->disk[i - 1].ssvrid)
			o->first[++slot] = i;
		else if (d->domain != pool->disk[i - 1].domain)
			return -EINVAL; /* one rank per server needs one */
		o->slot_of[i] = slot;
	}
	o->first[slot + 1] = pool->n;
	return slot + 1;
}

int alloc_order_build(const struct alloc_pool *pool, int32_t storage, int64_t c,
		      struct alloc_order **out)
{
	struct alloc_order *o = calloc(1, sizeof(*o));
	size_t n = (size_t)pool->n + 1;
	int n_slots = -ENOMEM, slot;

	*out = NULL;
	if (storage <= 0 || c <= 0) {
		free(o);
		return -EINVAL;
	}
	if (o) {
		o->storage = storage;
		o->c = c;
		o->r = calloc(n, sizeof(*o->r));
		o->first = calloc(n, sizeof(int));
		o->slot_of = calloc(n, sizeof(int));
		o->pos = calloc(n, sizeof(int));
		if (o->r && o->first && o->slot_of && o->pos)
			n_slots = slots(o, pool);
	}
	if (n_slots < 0) {
		alloc_order_free(o);
		return n_slots;
	}
	for (slot = 0; slot < n_slots; slot++) {
		score(o, pool, slot, &o->r[o->n]);
		o->n += o->r[o->n].s.count > 0;
	}
	qsort(o->r, (size_t)o->n, sizeof(*o->r), by_rank);
	for (slot = 0; slot < n_slots; slot++)
		o->pos[slot] = -1;
	for (slot = 0; slot < o->n; slot++)
		o->pos[o->r[slot].slot] = slot;
	*out = o;
	return 0;
}

int alloc_order_pick(const struct alloc_order *o, const struct alloc_legs *legs)
{
	int k;

	/* The best server on a domain none of the legs is in... */
	for (k = 0; k < o->n; k++)
		if (!alloc_listed(o->r[k].s.ssvrid, legs->ssvrid, legs->n) &&
		    !alloc_listed(o->r[k].domain, legs->domain, legs->n))
			return o->r[k].s.best;
	/* ...else on a server none of them is on (alloc_pick_leg). */
	for (k = 0; k < o->n; k++)
		if (!alloc_listed(o->r[k].s.ssvrid, legs->ssvrid, legs->n))
			return o->r[k].s.best;
	return -ENOSPC;
}

static void put(struct alloc_order *o, int k, const struct ranked *s)
{
	o->r[k] = *s;
	o->pos[s->slot] = k;
}

void alloc_order_took(struct alloc_order *o, const struct alloc_pool *pool,
		      int i)
{
	int slot = o->slot_of[i], k = o->pos[slot];
	struct ranked s;

	if (k < 0)
		return; /* nothing fitted there: a take adds nothing */
	score(o, pool, slot, &s);
	if (!s.s.count) { /* nothing fits any more: out of the order */
		for (o->n--; k < o->n; k++)
			put(o, k, &o->r[k + 1]);
		o->pos[slot] = -1;
		return;
	}
	/* Fewer disks fitting may raise the mean: either way. */
	for (; k > 0 && better(&s, &o->r[k - 1]); k--)
		put(o, k, &o->r[k - 1]);
	for (; k + 1 < o->n && better(&o->r[k + 1], &s); k++)
		put(o, k, &o->r[k + 1]);
	put(o, k, &s);
}
