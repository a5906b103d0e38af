/* Periodic mdstat scan reporting newly failed mirror legs, de-duplicated. */
#include "monitor.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mdstat.h"
#include "ops.h"
#include "vas/log.h"

#define MON_MAX_REPORTED 1024

struct monitor {
	struct hsvr *h;
	long interval_ms;
	monitor_notify notify;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	int32_t reported[MON_MAX_REPORTED];
	int n_reported;
};

static int was_reported(const struct monitor *m, int32_t id)
{
	int i;

	for (i = 0; i < m->n_reported; i++)
		if (m->reported[i] == id)
			return 1;
	return 0;
}

int monitor_scan(struct monitor *m)
{
	int32_t faulty[MON_MAX_REPORTED];
	struct md_array *arr;
	char *text = NULL;
	int na = 0, nf = 0, i, k, ret;

	arr = calloc(MDSTAT_MAX_ARRAYS, sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	ret = hx_mdstat(m->h->hx, &text);
	if (!ret)
		ret = mdstat_parse(text, arr, MDSTAT_MAX_ARRAYS, &na);
	for (i = 0; !ret && i < na; i++)
		for (k = 0; k < arr[i].nmem && nf < MON_MAX_REPORTED; k++) {
			int32_t id;

			if (!arr[i].mem[k].faulty)
				continue;
			id = dext_of_kname(m->h, arr[i].mem[k].kname);
			if (id)
				faulty[nf++] = id;
		}
	free(text);
	free(arr);
	if (ret)
		return ret;
	/* Forget legs no longer faulty: a later failure is new. */
	for (i = 0; i < m->n_reported;) {
		for (k = 0; k < nf && faulty[k] != m->reported[i]; k++)
			;
		if (k == nf)
			m->reported[i] = m->reported[--m->n_reported];
		else
			i++;
	}
	for (k = 0; k < nf; k++) {
		if (was_reported(m, faulty[k]))
			continue;
		ret = m->notify(m->ctx, faulty[k]);
		if (ret) {
			log_err("notifyFailure LVOL %08x was called, but got "
				"an error: %s",
				(uint32_t)faulty[k], strerror(-ret));
			continue; /* retried at the next scan */
		}
		log_info("notifyFailure LVOL %08x was called",
			 (uint32_t)faulty[k]);
		m->reported[m->n_reported++] = faulty[k];
	}
	return 0;
}

static void *run(void *arg)
{
	struct monitor *m = arg;

	pthread_mutex_lock(&m->lock);
	while (!m->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += m->interval_ms / 1000;
		ts.tv_nsec += (m->interval_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&m->cond, &m->lock, &ts);
		if (m->stop)
			break;
		pthread_mutex_unlock(&m->lock);
		(void)monitor_scan(m); /* errors logged inside */
		op_retire_due(m->h);
		pthread_mutex_lock(&m->lock);
	}
	pthread_mutex_unlock(&m->lock);
	return NULL;
}

int monitor_start(struct hsvr *h, long interval_ms, monitor_notify fn,
		  void *ctx, struct monitor **out)
{
	struct monitor *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->h = h;
	m->interval_ms = interval_ms;
	m->notify = fn;
	m->ctx = ctx;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->cond, NULL);
	if (interval_ms > 0 && pthread_create(&m->thread, NULL, run, m)) {
		free(m);
		return -EAGAIN;
	}
	if (interval_ms <= 0)
		m->stop = 1; /* scans only on demand */
	*out = m;
	return 0;
}

void monitor_stop(struct monitor *m)
{
	int joined;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	joined = !m->stop;
	m->stop = 1;
	pthread_cond_signal(&m->cond);
	pthread_mutex_unlock(&m->lock);
	if (joined)
		pthread_join(m->thread, NULL);
	pthread_mutex_destroy(&m->lock);
	pthread_cond_destroy(&m->cond);
	free(m);
}
