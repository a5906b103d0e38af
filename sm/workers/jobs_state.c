/*
 * The job engine's shared state (jobs_priv.h): what the poller and the
 * settler both change, always with j->state held, and how each wakes the
 * other.
 */
#include "eta.h"
#include "jobs_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

int jobs_running_on_locked(const struct jobs *j, int32_t server)
{
	int n = 0, i;

	if (server_cache_load(&j->servers, server, &n))
		return n;
	for (i = 0; i < j->n_run; i++)
		n += j->ops->server(j->run[i].row) == server;
	return n;
}

void jobs_put_end(struct jobs *j, const struct job_end *end)
{
	if (j->n_ends == j->cap_ends) {
		int cap = j->cap_ends ? j->cap_ends * 2 : 256;
		struct job_end *g = realloc(j->ends, sizeof(*g) * (size_t)cap);

		if (!g) {
			/* Forget it: the row stays PROGRESS until the next
			 * settle requeues it; nothing is freed twice. */
			log_err("%s: out of memory, event %d dropped",
				j->ops->name, j->ops->eventid(end->row));
			j->unsure = true;
			free(end->row);
			return;
		}
		j->ends = g;
		j->cap_ends = cap;
	}
	j->ends[j->n_ends++] = *end;
}

void jobs_add_end(struct jobs *j, void *row, bool done, bool keep_id)
{
	struct job_end e = {
	    .row = row,
	    .done = done,
	    .keep_id = keep_id,
	    .delay_s = done ? 0 : worker_backoff_s(j->ops->attempts(row)),
	};

	jobs_put_end(j, &e);
}

int jobs_add_running(struct jobs *j, void *row, double now)
{
	struct job *job;

	if (j->n_run == j->cap_run) {
		int cap = j->cap_run ? j->cap_run * 2 : 256;
		struct job *g = realloc(j->run, sizeof(*g) * (size_t)cap);

		if (!g)
			return -ENOMEM;
		j->run = g;
		j->cap_run = cap;
	}
	job = &j->run[j->n_run++];
	job->row = row;
	/* Jobs sharing their server's link go as fast as their share. */
	eta_begin(j->eta, &job->poll, j->ops->eta_key(row),
		  j->ops->size_vb(row),
		  j->ops->share_server
		      ? jobs_running_on_locked(j, j->ops->server(row))
		      : 1,
		  now);
	return 0;
}

void jobs_wake_poller(struct jobs *j)
{
	pthread_mutex_lock(&j->lock);
	worker_loop_wake(j->poller);
	pthread_mutex_unlock(&j->lock);
}

void jobs_wake_settler(struct jobs *j)
{
	pthread_mutex_lock(&j->lock);
	worker_loop_wake(j->settler);
	pthread_mutex_unlock(&j->lock);
}

void jobs_next_pass_at(struct jobs *j, struct worker_loop *const *loop,
		       double next)
{
	pthread_mutex_lock(&j->lock);
	if (*loop)
		worker_loop_set_next(*loop,
				     (int)ceil((next - eta_now()) * 1000));
	pthread_mutex_unlock(&j->lock);
}
