/* Expected job durations from measured speeds, and the polls they imply. */
#include "eta.h"

#include <stdlib.h>
#include <time.h>

/* Before anything was measured: 1 s per vb (about 1 GB/s), a fast guess. */
#define GUESS_S_PER_VB 1.0
#define MIN_GAP_S      0.05
#define FIRST_PROBE_S  0.25 /* the first look when nothing was measured */
/*
 * While nothing is measured, this many jobs probe at growing gaps; the
 * others wait for the first speed (then all are replanned), or at most
 * PARK_S. 1 200 new disks starting at once cost ~40 polls each otherwise.
 */
#define PROBES 32
#define PARK_S 60.0
/*
 * A job planned from the measured average of other resources is asked as
 * closely as a measured one until this much past its expected end: new
 * disks of one kind run at about one speed.
 */
#define BORROWED_CLOSE 1.25

struct eta_table {
	int64_t *keys; /* 0 = empty slot */
	double *s_per_vb;
	double *kept; /* the speed last handed out to keep, or 0 */
	size_t cap;
	size_t n;
	double sum;	    /* of s_per_vb over the measured resources */
	double planned_avg; /* the average the last replan used */
	int probing;	    /* running jobs with probe set */
};

double eta_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct eta_table *eta_new(void)
{
	return calloc(1, sizeof(struct eta_table));
}

void eta_free(struct eta_table *t)
{
	if (!t)
		return;
	free(t->keys);
	free(t->s_per_vb);
	free(t->kept);
	free(t);
}

static size_t slot_of(const struct eta_table *t, int64_t key)
{
	size_t i = (size_t)((uint64_t)key * 0x9e3779b97f4a7c15ull >> 20);

	for (i &= t->cap - 1; t->keys[i] && t->keys[i] != key;
	     i = (i + 1) & (t->cap - 1))
		;
	return i;
}

static double *lookup(const struct eta_table *t, int64_t key)
{
	size_t i;

	if (!t->cap || !key)
		return NULL;
	i = slot_of(t, key);
	return t->keys[i] ? &t->s_per_vb[i] : NULL;
}

static bool grow(struct eta_table *t)
{
	struct eta_table big = {0};
	size_t i;

	big.cap = t->cap ? t->cap * 2 : 256;
	big.keys = calloc(big.cap, sizeof(*big.keys));
	big.s_per_vb = calloc(big.cap, sizeof(*big.s_per_vb));
	big.kept = calloc(big.cap, sizeof(*big.kept));
	if (!big.keys || !big.s_per_vb || !big.kept) {
		free(big.keys);
		free(big.s_per_vb);
		free(big.kept);
		return false;
	}
	for (i = 0; i < t->cap; i++)
		if (t->keys[i]) {
			size_t j = slot_of(&big, t->keys[i]);

			big.keys[j] = t->keys[i];
			big.s_per_vb[j] = t->s_per_vb[i];
			big.kept[j] = t->kept[i];
		}
	free(t->keys);
	free(t->s_per_vb);
	free(t->kept);
	t->keys = big.keys;
	t->s_per_vb = big.s_per_vb;
	t->kept = big.kept;
	t->cap = big.cap;
	return true;
}

static double average(const struct eta_table *t)
{
	return t->n ? t->sum / (double)t->n : GUESS_S_PER_VB;
}

static double gap_of(double expect, double max_gap)
{
	double g = expect / 20;

	if (g > max_gap)
		g = max_gap;
	return g < MIN_GAP_S ? MIN_GAP_S : g;
}

void eta_begin(struct eta_table *t, struct eta_poll *p, int64_t key, int64_t vb,
	       int share, double now)
{
	const double *own = lookup(t, key);

	p->sent = now;
	p->own = own != NULL;
	p->borrowed = !own && t->n > 0;
	p->share = share > 1 ? share : 1;
	p->units = (vb > 0 ? vb : 1) * p->share;
	p->expect = (double)p->units * (own ? *own : average(t));
	p->last_running = -1;
	p->probe = false;
	/*
	 * A shared link may not be what bounds it (the target disk may be
	 * slower than its share): first look when it would end alone.
	 */
	if (own)
		p->next = now + p->expect / p->share;
	else if (t->n)
		p->next = now + p->expect / 2; /* this one may be faster */
	else if (t->probing < PROBES) {
		p->probe = true;
		t->probing++;
		p->next = now + (p->expect < FIRST_PROBE_S ? p->expect
							   : FIRST_PROBE_S);
	} else {
		p->next = now + (p->expect > PARK_S ? p->expect : PARK_S);
	}
}

void eta_forget(struct eta_table *t, struct eta_poll *p)
{
	if (p->probe)
		t->probing--;
	p->probe = false;
}

void eta_running(struct eta_poll *p, double now, double max_gap)
{
	double elapsed = now - p->sent, g = gap_of(p->expect, max_gap);

	p->last_running = elapsed;
	/*
	 * Without a speed of its own, probe at doubling intervals up to the
	 * borrowed estimate; past it nothing is known of this resource:
	 * widen the gaps with the time taken so far (5 %), so a slow disk
	 * costs a few polls, not hundreds.
	 */
	if (!p->own && elapsed < p->expect) {
		p->next = p->sent +
			  (2 * elapsed < p->expect ? 2 * elapsed : p->expect);
		if (p->next < now + MIN_GAP_S)
			p->next = now + MIN_GAP_S;
		return;
	}
	/*
	 * A probe's end sets the plans of every job waiting for it: asked
	 * closer (1 % of the time taken), so they are not all late with it.
	 */
	if (!p->own && !(p->borrowed && elapsed < BORROWED_CLOSE * p->expect) &&
	    elapsed * (p->probe ? 0.01 : 0.05) > g)
		g = elapsed * (p->probe ? 0.01 : 0.05);
	p->next = now + g;
}

/* key's speed, made (0: not measured) when missing; NULL: no memory. */
static double *slot(struct eta_table *t, int64_t key)
{
	double *have = lookup(t, key);

	if (have)
		return have;
	if ((t->n + 1) * 2 > t->cap && !grow(t))
		return NULL;
	have = &t->s_per_vb[slot_of(t, key)];
	t->keys[have - t->s_per_vb] = key;
	t->kept[have - t->s_per_vb] = 0;
	t->n++;
	*have = 0;
	return have;
}

void eta_learn(struct eta_table *t, int64_t key, double s_per_vb)
{
	double *have = key && s_per_vb > 0 ? slot(t, key) : NULL;

	if (!have)
		return;
	t->sum += s_per_vb - *have;
	*have = s_per_vb;
	t->kept[have - t->s_per_vb] = s_per_vb;
}

double eta_to_keep(struct eta_table *t, int64_t key)
{
	double *have = lookup(t, key), *kept;

	if (!have || *have <= 0)
		return 0;
	kept = &t->kept[have - t->s_per_vb];
	if (*kept > 0 && *have < *kept * 1.1 && *have > *kept / 1.1)
		return 0;
	*kept = *have;
	return *have;
}

bool eta_done(struct eta_table *t, const struct eta_poll *p, int64_t key,
	      int share, double now, double max_gap)
{
	double e = now - p->sent, d, *have, avg;
	/*
	 * Jobs that started on the resource after this one slowed it down
	 * as well: a rebuild sent first onto a link that then carries a
	 * hundred went at a hundredth of it, not at the whole link.
	 */
	int s = share > p->share ? share : p->share;
	int64_t vb = p->units / p->share * s;

	if (p->probe)
		t->probing--;
	if (vb <= 0 || !key)
		return false;
	if (p->last_running >= 0) {
		d = (p->last_running + e) / 2; /* it ended in between */
	} else {
		/*
		 * Done at the first look: it may have ended long before. Aim
		 * the next one earlier, so the estimate cannot creep upwards.
		 */
		double back = gap_of(p->expect, max_gap);

		if (e * 0.03 > back)
			back = e * 0.03;
		d = e - back;
	}
	if (d < 0.001)
		d = 0.001;
	/* Ended about when it would have alone: the share did not slow it. */
	if (s > 1 && d < 1.2 * p->expect / p->share)
		vb /= s;
	have = slot(t, key);
	if (!have)
		return false;
	t->sum += d / (double)vb - *have;
	*have = d / (double)vb;
	avg = average(t);
	if (t->planned_avg > 0 && avg < t->planned_avg * 1.2 &&
	    avg > t->planned_avg / 1.2)
		return false;
	t->planned_avg = avg;
	return true;
}

void eta_replan(struct eta_table *t, struct eta_poll *p, int64_t key,
		double now)
{
	double sent = p->sent, last = p->last_running;

	if (p->own)
		return;
	eta_forget(t, p);
	eta_begin(t, p, key, p->units / p->share, p->share, sent);
	p->last_running = last;
	if (p->next < now)
		p->next = now;
}
