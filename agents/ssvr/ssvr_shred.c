/*
 * Shredder: a fixed pool of shredder_count threads zeroing disk extents.
 * Jobs are persisted in <state_dir>/shred/<eventid> with their progress,
 * so a restarted agent resumes them. Events are keyed by eventid and the
 * full request; a re-send is idempotent, a different job under a live
 * eventid is refused, a stale finished one is replaced (ssvr.md 17 R1).
 *
 * Lock order: shredder lock, then the event table's lock.
 */
#include "ssvr_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vas/event_table.h"
#include "vas/log.h"
#include "vas/proto.h"

#define DONE_KEEP_MAX 4096
#define BAD_MAX	      256

struct shred_job {
	struct shred_req r;
	int64_t done_vb;
	bool running;
	struct shred_job *next;
};

struct shredder {
	const struct ssvr_cfg *cfg;
	struct event_table *events;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct shred_job *jobs; /* queued and running, FIFO */
	int njobs;
	struct shred_job *done; /* finished, DONE event not read yet */
	int ndone;
	atomic_bool stop;
	pthread_t *threads;
	int nthreads;
};

static bool same_req(const struct shred_req *a, const struct shred_req *b)
{
	return a->eventid == b->eventid && a->dextid == b->dextid &&
	       a->pdskid == b->pdskid && a->offset_vb == b->offset_vb &&
	       a->capacity_vb == b->capacity_vb;
}

static int job_path(const struct shredder *s, int64_t eventid, char *buf,
		    size_t len)
{
	return ssvr_path(buf, len, s->cfg, "shred/%08" PRIx64, eventid);
}

static int job_persist(const struct shredder *s, const struct shred_job *j)
{
	char path[PATH_MAX], data[160];
	int n, ret;

	ret = job_path(s, j->r.eventid, path, sizeof(path));
	if (ret)
		return ret;
	n = snprintf(data, sizeof(data),
		     "%" PRId64 " %" PRId64 " %" PRIu32 " %" PRId64 " %" PRId64
		     " %" PRId64 "\n",
		     j->r.eventid, j->r.dextid, j->r.pdskid, j->r.offset_vb,
		     j->r.capacity_vb, j->done_vb);
	return ssvr_write_atomic(path, data, (size_t)n);
}

static void job_unpersist(const struct shredder *s, int64_t eventid)
{
	char path[PATH_MAX];

	if (job_path(s, eventid, path, sizeof(path)) == 0 && unlink(path) &&
	    errno != ENOENT)
		log_err("%s: %s", path, strerror(errno));
}

static struct shred_job **find_in(struct shred_job **pp, int64_t eventid)
{
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->r.eventid == eventid)
			return pp;
	return NULL;
}

/* Appends j to the queue; caller holds the lock. */
static void enqueue_locked(struct shredder *s, struct shred_job *j)
{
	struct shred_job **pp = &s->jobs;

	while (*pp)
		pp = &(*pp)->next;
	j->next = NULL;
	*pp = j;
	s->njobs++;
	pthread_cond_signal(&s->cond);
}

/* Forgets finished jobs whose DONE event was read; caller holds lock. */
static void prune_done_locked(struct shredder *s)
{
	struct shred_job **pp = &s->done;

	while (*pp) {
		struct shred_job *j = *pp;

		if (!event_table_exists(s->events, j->r.eventid)) {
			*pp = j->next;
			s->ndone--;
			free(j);
		} else {
			pp = &j->next;
		}
	}
}

static bool fields_match(const struct shred_req *have,
			 const struct shred_req *asked)
{
	return (asked->dextid < 0 || asked->dextid == have->dextid) &&
	       (asked->offset_vb < 0 || asked->offset_vb == have->offset_vb) &&
	       (asked->capacity_vb < 0 ||
		asked->capacity_vb == have->capacity_vb) &&
	       (!asked->pdskid || asked->pdskid == have->pdskid);
}

bool shredder_matches(struct shredder *s, const struct shred_req *r)
{
	struct shred_job **pp;
	bool ok = true;

	if (!s)
		return true;
	pthread_mutex_lock(&s->lock);
	pp = find_in(&s->jobs, r->eventid);
	if (!pp)
		pp = find_in(&s->done, r->eventid);
	if (pp)
		ok = fields_match(&(*pp)->r, r);
	pthread_mutex_unlock(&s->lock);
	return ok;
}

int shredder_submit(struct shredder *s, const struct shred_req *r)
{
	struct shred_job **pp, *j;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	pp = find_in(&s->jobs, r->eventid);
	if (pp) {
		ret = same_req(&(*pp)->r, r) ? 0 : -EBUSY;
		goto out;
	}
	prune_done_locked(s);
	pp = find_in(&s->done, r->eventid);
	if (pp) {
		if (same_req(&(*pp)->r, r))
			goto out; /* re-send after completion: read DONE */
		log_warn("event %" PRId64 ": stale finished shred replaced",
			 r->eventid);
		j = *pp;
		*pp = j->next;
		s->ndone--;
		free(j);
		event_table_delete(s->events, r->eventid);
	}
	if (s->njobs >= s->cfg->shred_queue_max) {
		ret = -EAGAIN;
		goto out;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		ret = -ENOMEM;
		goto out;
	}
	j->r = *r;
	ret = job_persist(s, j);
	if (!ret) {
		ret = event_table_add(s->events, r->eventid, EV_PROGRESS, NULL,
				      NULL, NULL);
		ret = ret < 0 ? ret : 0;
	}
	if (ret) {
		job_unpersist(s, r->eventid);
		free(j);
		goto out;
	}
	enqueue_locked(s, j);
	log_info("event %" PRId64 ": shred pdsk-%08x dext-%08x offset %" PRId64
		 " vb capacity %" PRId64 " vb queued",
		 r->eventid, r->pdskid, (uint32_t)r->dextid, r->offset_vb,
		 r->capacity_vb);
out:
	pthread_mutex_unlock(&s->lock);
	return ret;
}

bool shredder_busy(struct shredder *s, uint32_t pdskid, uint64_t off,
		   uint64_t len)
{
	struct shred_job *j;
	bool busy = false;

	pthread_mutex_lock(&s->lock);
	for (j = s->jobs; j && !busy; j = j->next) {
		uint64_t a = (uint64_t)j->r.offset_vb * SSVR_VB_BYTES;
		uint64_t b = a + (uint64_t)j->r.capacity_vb * SSVR_VB_BYTES;

		busy = j->r.pdskid == pdskid && off < b && off + len > a;
	}
	pthread_mutex_unlock(&s->lock);
	return busy;
}

/* JOB_DISK: the disk itself failed; reported as notifyFailure(PDSK). */
enum job_end { JOB_DONE, JOB_FAILED, JOB_DISK, JOB_STOPPED };

/*
 * Opens the job's disk. *disk_err is set when the failure is the device's
 * (vanished, offline, shrunk), not a missing record or link of ours.
 */
static int open_disk(struct shredder *s, const struct shred_req *r, int *fd,
		     uint64_t *size, bool *disk_err)
{
	struct ssvr_disk d;
	char link[PATH_MAX];
	struct stat st;
	int ret;

	*disk_err = false;
	ret = ssvr_disk_load(s->cfg, r->pdskid, &d);
	if (!ret)
		ret = ssvr_disk_link(s->cfg, r->pdskid, link, sizeof(link));
	if (!ret && lstat(link, &st))
		ret = -errno;
	if (ret)
		return ret;
	/* No O_CREAT: a vanished device must not become a new file. */
	*fd = zero_open_direct(link, O_WRONLY);
	ret = *fd < 0 ? *fd : zero_size_fd(*fd, size);
	if (!ret &&
	    (uint64_t)(r->offset_vb + r->capacity_vb) * SSVR_VB_BYTES > *size)
		ret = -ERANGE;
	if (ret) {
		*disk_err = disk_failed_err(ret);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	return ret;
}

/* Zeroes the job vb by vb; medium errors collect bad vb numbers. */
static enum job_end run_job(struct shredder *s, struct shred_job *j)
{
	const struct shred_req *r = &j->r;
	int32_t bad[BAD_MAX];
	int nbad = 0, fd = -1, ret;
	bool disk_err;
	uint64_t size;

	ret = open_disk(s, r, &fd, &size, &disk_err);
	if (ret) {
		log_err("event %" PRId64 ": pdsk-%08x: %s", r->eventid,
			r->pdskid, strerror(-ret));
		return disk_err ? JOB_DISK : JOB_FAILED;
	}
	while (j->done_vb < r->capacity_vb) {
		int64_t vb = r->offset_vb + j->done_vb;

		if (atomic_load(&s->stop)) {
			close(fd);
			return JOB_STOPPED;
		}
		ret = zero_range(fd, (uint64_t)vb * SSVR_VB_BYTES,
				 SSVR_VB_BYTES, s->cfg->shred_method, &s->stop);
		if (ret == -EINTR) {
			close(fd);
			return JOB_STOPPED;
		}
		if (ret == -EIO && nbad < BAD_MAX) {
			bad[nbad++] = (int32_t)vb;
		} else if (ret) {
			log_err("event %" PRId64 ": pdsk-%08x vb %" PRId64
				": %s",
				r->eventid, r->pdskid, vb, strerror(-ret));
			close(fd);
			return disk_failed_err(ret) ? JOB_DISK : JOB_FAILED;
		}
		j->done_vb++;
		if (j->done_vb < r->capacity_vb)
			job_persist(s, j); /* progress only; logged inside */
	}
	/* Not one vb could be written and nothing reads: the disk is dead. */
	if (nbad && nbad == r->capacity_vb && disk_dead(fd, size)) {
		close(fd);
		return JOB_DISK;
	}
	close(fd);
	if (nbad && notify_badblocks(s->cfg, r->pdskid, bad, nbad, &s->stop))
		return atomic_load(&s->stop) ? JOB_STOPPED : JOB_FAILED;
	return JOB_DONE;
}

static void finish_job(struct shredder *s, struct shred_job *j,
		       enum job_end end)
{
	struct shred_job **pp;

	/*
	 * A failed disk is the manager's to retire (3.0: notifyFailure PDSK):
	 * re-queueing the same shred would fail forever.
	 */
	if (end == JOB_DISK) {
		log_err("event %" PRId64 ": pdsk-%08x failed under the shred",
			j->r.eventid, j->r.pdskid);
		if (notify_disk_failed(s->cfg, j->r.pdskid, &s->stop) &&
		    atomic_load(&s->stop))
			end = JOB_STOPPED; /* the report comes after restart */
		else
			end = JOB_FAILED;
	}

	pthread_mutex_lock(&s->lock);
	j->running = false;
	if (end == JOB_STOPPED) {
		pthread_mutex_unlock(&s->lock);
		return;
	}
	pp = find_in(&s->jobs, j->r.eventid);
	*pp = j->next;
	s->njobs--;
	job_unpersist(s, j->r.eventid);
	if (end == JOB_FAILED) {
		/* The manager reads NONE and re-queues the shred. */
		event_table_delete(s->events, j->r.eventid);
		free(j);
	} else {
		event_table_set(s->events, j->r.eventid, EV_DONE, 0);
		log_debug("shred done %" PRId64 " %" PRId64, j->r.eventid,
			  j->r.dextid);
		if (s->ndone == DONE_KEEP_MAX) {
			struct shred_job *old = s->done;

			/* Expire the oldest unread result (R1). */
			s->done = old->next;
			s->ndone--;
			event_table_delete(s->events, old->r.eventid);
			free(old);
		}
		j->next = s->done;
		s->done = j;
		s->ndone++;
	}
	pthread_mutex_unlock(&s->lock);
}

static void *worker(void *arg)
{
	struct shredder *s = arg;

	for (;;) {
		struct shred_job *j = NULL;

		pthread_mutex_lock(&s->lock);
		while (!atomic_load(&s->stop)) {
			for (j = s->jobs; j && j->running; j = j->next)
				;
			if (j)
				break;
			pthread_cond_wait(&s->cond, &s->lock);
		}
		if (j)
			j->running = true;
		pthread_mutex_unlock(&s->lock);
		if (!j)
			return NULL;
		finish_job(s, j, run_job(s, j));
	}
}

static int load_job(struct shredder *s, const char *name)
{
	char path[PATH_MAX], buf[256];
	struct shred_job *j;
	int ret;

	ret = ssvr_path(path, sizeof(path), s->cfg, "shred/%s", name);
	if (!ret)
		ret = ssvr_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	if (sscanf(buf,
		   "%" SCNd64 " %" SCNd64 " %" SCNu32 " %" SCNd64 " %" SCNd64
		   " %" SCNd64,
		   &j->r.eventid, &j->r.dextid, &j->r.pdskid, &j->r.offset_vb,
		   &j->r.capacity_vb, &j->done_vb) != 6 ||
	    j->done_vb < 0 || j->done_vb > j->r.capacity_vb ||
	    j->r.capacity_vb < 1) {
		log_err("%s: malformed shred record, dropped", path);
		unlink(path);
		free(j);
		return -EINVAL;
	}
	pthread_mutex_lock(&s->lock);
	if (find_in(&s->jobs, j->r.eventid) ||
	    event_table_add(s->events, j->r.eventid, EV_PROGRESS, NULL, NULL,
			    NULL) != 1) {
		pthread_mutex_unlock(&s->lock);
		free(j);
		return 0;
	}
	enqueue_locked(s, j);
	pthread_mutex_unlock(&s->lock);
	log_info("event %" PRId64 ": resuming shred of pdsk-%08x at vb %" PRId64
		 " of %" PRId64,
		 j->r.eventid, j->r.pdskid, j->done_vb, j->r.capacity_vb);
	return 0;
}

int shredder_resume(struct shredder *s)
{
	char dir[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret;

	ret = ssvr_path(dir, sizeof(dir), s->cfg, "shred");
	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '.'))
			continue;
		ret = load_job(s, de->d_name);
		if (ret == -ENOMEM)
			break;
		ret = 0;
	}
	closedir(d);
	return ret;
}

int shredder_new(const struct ssvr_cfg *cfg, struct event_table *events,
		 struct shredder **out)
{
	char dir[PATH_MAX];
	struct shredder *s;
	int i, ret;

	ret = ssvr_path(dir, sizeof(dir), cfg, "shred");
	if (!ret)
		ret = ssvr_mkdir_p(dir);
	if (ret) {
		log_err("%s: %s", dir, strerror(-ret));
		return ret;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	s->events = events;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	s->threads = calloc((size_t)cfg->shredder_count, sizeof(pthread_t));
	if (!s->threads) {
		shredder_free(s);
		return -ENOMEM;
	}
	for (i = 0; i < cfg->shredder_count; i++) {
		ret = -pthread_create(&s->threads[i], NULL, worker, s);
		if (ret) {
			shredder_free(s);
			return ret;
		}
		s->nthreads++;
	}
	*out = s;
	return 0;
}

static void free_list(struct shred_job *j)
{
	while (j) {
		struct shred_job *next = j->next;

		free(j);
		j = next;
	}
}

void shredder_request_stop(struct shredder *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->stop, true);
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void shredder_free(struct shredder *s)
{
	int i;

	if (!s)
		return;
	shredder_request_stop(s);
	for (i = 0; i < s->nthreads; i++)
		pthread_join(s->threads[i], NULL);
	free(s->threads);
	free_list(s->jobs);
	free_list(s->done);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
