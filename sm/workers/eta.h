/*
 * When to ask an agent whether a job finished: at the moment it is
 * expected to end, from its size and the speed measured on the same
 * resource (the disk a shred zeroes, the link a rebuild crosses), then
 * every few hundred milliseconds. Speeds are learned from the jobs that
 * end; a resource never measured borrows the average of the others. While
 * nothing at all is measured, a few jobs probe and the others wait for
 * their result instead of each probing on its own.
 * Not thread-safe: the caller serialises calls on one table.
 */
#ifndef VAS_SM_ETA_H
#define VAS_SM_ETA_H

#include <stdbool.h>
#include <stdint.h>

struct eta_table;

/* The polling plan of one running job (times in seconds, monotonic). */
struct eta_poll {
	double sent;	     /* request accepted by the agent */
	double expect;	     /* expected duration */
	double next;	     /* when to ask next */
	double last_running; /* elapsed at the last PROGRESS answer, or -1 */
	bool own;	     /* expect comes from this resource's own speed */
	bool borrowed;	     /* else from the measured average of others */
	int64_t units;	     /* the job's size in vb times its share */
	int share;	     /* jobs on its resource when it was sent */
	bool probe;	     /* probing for the first measured speed */
};

struct eta_table *eta_new(void);
void eta_free(struct eta_table *t);

/* Seconds since an arbitrary start, monotonic. */
double eta_now(void);

/*
 * Plans the first poll of a job of vb sent at now on resource key, which
 * share jobs use at once (a link carrying two rebuilds: 2).
 */
void eta_begin(struct eta_table *t, struct eta_poll *p, int64_t key, int64_t vb,
	       int share, double now);
/* The agent said PROGRESS at now: plan the next poll. */
void eta_running(struct eta_poll *p, double now, double max_gap);
/*
 * The agent said DONE at now, with share jobs on its resource (itself
 * included; 0: as when it was sent): learn the resource's speed, counting
 * the larger share as what the job went at. Returns true
 * when the average over all resources moved enough that plans borrowed
 * from it should be redone (eta_replan).
 */
bool eta_done(struct eta_table *t, const struct eta_poll *p, int64_t key,
	      int share, double now, double max_gap);
/* Redoes a plan that borrowed the average (p->own false). */
void eta_replan(struct eta_table *t, struct eta_poll *p, int64_t key,
		double now);
/* The job ended without DONE: it measured nothing. */
void eta_forget(struct eta_table *t, struct eta_poll *p);
/* A speed measured before (kept over a restart): key's own from now on. */
void eta_learn(struct eta_table *t, int64_t key, double s_per_vb);
/*
 * key's measured speed when it moved by more than a tenth since the last
 * one handed out (or eta_learn), which it becomes; else 0. What is worth
 * keeping, without writing every measurement.
 */
double eta_to_keep(struct eta_table *t, int64_t key);

#endif
