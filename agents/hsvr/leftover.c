/*
 * Legs a replaceMirrorDisk let go of but could not tear down (hsvr.md 9:
 * "not torn down", e.g. the multipath map still held by a half-built
 * map), waiting for their next try (retire.c). The manager is told with DONE
 * and never names the leg again, so without them only the next start-up
 * sweep would log the session out: until then the host keeps a session
 * to a target that may be gone.
 */
#include "hsvr.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vas/clock.h"

/* A try costs two dmsetup calls: a map let go goes within a minute. */
#define LEFTOVER_MAX_GAP_MS (60L * 1000)

struct leftover {
	struct vas_lvolstruct leg;
	int32_t mirrorid;
	int64_t due_ms;
	long gap_ms;
};

int leftover_add(struct hsvr *h, struct vas_lvolstruct *leg, int32_t mirrorid,
		 long gap_ms)
{
	struct leftover *l;
	int ret = 0;

	if (gap_ms < 1)
		gap_ms = 1;
	if (gap_ms > LEFTOVER_MAX_GAP_MS)
		gap_ms = LEFTOVER_MAX_GAP_MS;
	pthread_mutex_lock(&h->leftover_lock);
	l = realloc(h->leftovers, sizeof(*l) * (size_t)(h->n_leftovers + 1));
	if (l) {
		h->leftovers = l;
		l = &h->leftovers[h->n_leftovers++];
		l->leg = *leg; /* owned from here on */
		memset(leg, 0, sizeof(*leg));
		l->mirrorid = mirrorid;
		l->gap_ms = gap_ms;
		l->due_ms = vas_now_ms() + gap_ms;
	} else {
		ret = -ENOMEM;
	}
	pthread_mutex_unlock(&h->leftover_lock);
	return ret;
}

int leftover_take_due(struct hsvr *h, struct vas_lvolstruct *leg,
		      int32_t *mirrorid, long *gap_ms)
{
	struct leftover out;
	int64_t now = vas_now_ms();
	int i, found = 0;

	pthread_mutex_lock(&h->leftover_lock);
	for (i = 0; i < h->n_leftovers && h->leftovers[i].due_ms > now; i++)
		;
	if (i < h->n_leftovers) {
		out = h->leftovers[i];
		h->leftovers[i] = h->leftovers[--h->n_leftovers];
		*leg = out.leg;
		*mirrorid = out.mirrorid;
		*gap_ms = out.gap_ms;
		found = 1;
	}
	pthread_mutex_unlock(&h->leftover_lock);
	return found;
}

void leftover_clear(struct hsvr *h)
{
	int i;

	for (i = 0; i < h->n_leftovers; i++)
		lvs_clear(&h->leftovers[i].leg);
	free(h->leftovers);
	h->leftovers = NULL;
	h->n_leftovers = 0;
}
