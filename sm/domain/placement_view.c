/* Leg placement's view of the disks (placement_view.h). */
#include "placement_view.h"
#include "alloc.h"
#include "db_alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct placement_view {
	pthread_mutex_t lock;
	struct alloc_pool pool; /* every usable disk, by (ssvrid, pdskid) */
	char epoch[96];		/* "" until the first read */
	char xmin[24];
	uint64_t rows_read;
};

static pthread_mutex_t create_lock = PTHREAD_MUTEX_INITIALIZER;

static struct placement_view *view_of(struct sm *sm)
{
	struct placement_view *v;

	pthread_mutex_lock(&create_lock);
	v = sm->placement;
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (v) {
			pthread_mutex_init(&v->lock, NULL);
			strcpy(v->xmin, "0");
			sm->placement = v;
		}
	}
	pthread_mutex_unlock(&create_lock);
	return v;
}

int placement_view_ask(struct sm *sm, struct db_tx *tx, int32_t poolid,
		       int *ticket)
{
	struct placement_view *v = view_of(sm);
	char epoch[sizeof(v->epoch)], xmin[sizeof(v->xmin)];

	if (!v)
		return -ENOMEM;
	pthread_mutex_lock(&v->lock);
	memcpy(epoch, v->epoch, sizeof(epoch));
	memcpy(xmin, v->xmin, sizeof(xmin));
	pthread_mutex_unlock(&v->lock);
	return db_alloc_view_ask(tx, poolid, epoch, xmin, ticket);
}

static int by_disk(const void *a, const void *b)
{
	const struct alloc_disk *x = a, *y = b;

	if (x->ssvrid != y->ssvrid)
		return x->ssvrid < y->ssvrid ? -1 : 1;
	return x->pdskid < y->pdskid ? -1 : x->pdskid > y->pdskid;
}

/* The changed rows into the view; false when one is a disk it lacks. */
static bool merge(struct placement_view *v, const struct alloc_pool *rows)
{
	int i;

	for (i = 0; i < rows->n; i++) {
		const struct alloc_disk *r = &rows->disk[i];
		struct alloc_disk *d = bsearch(
		    r, v->pool.disk, (size_t)v->pool.n, sizeof(*r), by_disk);

		if (!d)
			return false;
		if (d->poolid != r->poolid || d->domain != r->domain)
			alloc_index_free(&v->pool); /* rebuilt when asked */
		*d = *r;
		alloc_index_update(&v->pool, (int)(d - v->pool.disk));
	}
	return true;
}

static void replace(struct placement_view *v, struct alloc_view_read *rd)
{
	alloc_pool_free(&v->pool);
	v->pool = rd->rows;
	rd->rows.disk = NULL;
	rd->rows.n = 0;
}

/* The view as of tx's snapshot, under v->lock; rd is consumed. */
static int refresh(struct placement_view *v, struct db_tx *tx,
		   struct alloc_view_read *rd)
{
	int ret = 0, ticket;

	/*
	 * A read from before the view's last one (creates read before the
	 * lock, in parallel) would take rows back: the view is newer.
	 */
	if (!strcmp(rd->epoch, v->epoch) &&
	    strtoull(rd->xmin, NULL, 10) < strtoull(v->xmin, NULL, 10)) {
		alloc_pool_free(&rd->rows);
		return 0;
	}
	if (strcmp(rd->epoch, v->epoch))
		replace(v, rd);
	else if (!merge(v, &rd->rows)) {
		/* A disk came without a new epoch: read every disk. */
		alloc_pool_free(&rd->rows);
		ret = db_alloc_view_ask(tx, 0, "", "0", &ticket);
		if (!ret)
			ret = db_alloc_view_answer(tx, ticket, rd);
		if (ret) {
			v->epoch[0] = '\0';
			return ret;
		}
		replace(v, rd);
	}
	alloc_pool_free(&rd->rows);
	memcpy(v->epoch, rd->epoch, sizeof(v->epoch));
	memcpy(v->xmin, rd->xmin, sizeof(v->xmin));
	return 0;
}

int placement_view_answer(struct sm *sm, struct db_tx *tx, int ticket,
			  int32_t *storage, struct alloc_pool *pool)
{
	struct placement_view *v = sm->placement;
	struct alloc_view_read rd = {0};
	int ret = db_alloc_view_answer(tx, ticket, &rd);

	if (ret)
		return ret;
	pthread_mutex_lock(&v->lock);
	v->rows_read += (uint64_t)rd.rows.n;
	ret = refresh(v, tx, &rd);
	*storage = rd.storage;
	if (!ret && !*storage) /* no pool up the tree holds a disk */
		ret = -ENOSPC;
	if (!ret && alloc_index_build(&v->pool, *storage))
		alloc_index_free(&v->pool); /* no memory: full passes */
	if (!ret)
		ret = alloc_pool_copy(pool, &v->pool, *storage);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int placement_view_copy(struct sm *sm, struct db_tx *tx,
			struct alloc_pool *pool)
{
	struct placement_view *v;
	struct alloc_view_read rd = {0};
	int ret, ticket;

	/* Pool 0 asks no pool's storage: the caller has its legs' own. */
	ret = placement_view_ask(sm, tx, 0, &ticket);
	if (!ret)
		ret = db_alloc_view_answer(tx, ticket, &rd);
	if (ret) {
		alloc_pool_free(&rd.rows);
		return ret;
	}
	v = sm->placement;
	pthread_mutex_lock(&v->lock);
	v->rows_read += (uint64_t)rd.rows.n;
	ret = refresh(v, tx, &rd);
	if (!ret && pool)
		ret = alloc_pool_copy(pool, &v->pool, 0);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

int placement_view_check(struct sm *sm, struct db_tx *tx)
{
	struct placement_view *v = view_of(sm);
	struct alloc_view_read rd = {0}, full = {0};
	int ret, ticket, differ = 0, i;

	if (!v)
		return -ENOMEM;
	ret = placement_view_ask(sm, tx, 0, &ticket);
	if (!ret)
		ret = db_alloc_view_answer(tx, ticket, &rd);
	if (!ret)
		ret = db_alloc_view_ask(tx, 0, "", "0", &ticket);
	if (!ret)
		ret = db_alloc_view_answer(tx, ticket, &full);
	pthread_mutex_lock(&v->lock);
	if (!ret)
		ret = refresh(v, tx, &rd);
	if (!ret) {
		differ = abs(v->pool.n - full.rows.n);
		for (i = 0; i < v->pool.n && i < full.rows.n; i++)
			differ += !!memcmp(&v->pool.disk[i], &full.rows.disk[i],
					   sizeof(full.rows.disk[i]));
	}
	pthread_mutex_unlock(&v->lock);
	alloc_pool_free(&rd.rows);
	alloc_pool_free(&full.rows);
	return ret ? ret : differ;
}

uint64_t placement_view_rows_read(struct sm *sm)
{
	struct placement_view *v = view_of(sm);
	uint64_t n = 0;

	if (v) {
		pthread_mutex_lock(&v->lock);
		n = v->rows_read;
		pthread_mutex_unlock(&v->lock);
	}
	return n;
}

void placement_view_free(struct sm *sm)
{
	struct placement_view *v = sm->placement;

	if (!v)
		return;
	alloc_pool_free(&v->pool);
	pthread_mutex_destroy(&v->lock);
	free(v);
	sm->placement = NULL;
}
