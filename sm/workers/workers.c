/*
 * Starting and stopping the leader's background work in its order: the
 * shred and resync schedulers, fencing, health polling, resuming attach/detach
 * operations. The calling thread's leadership epoch (db_fence.h) goes
 * with every thread they start.
 */
#include "workers.h"
#include "attach_driver.h"
#include "fencing.h"
#include "health.h"
#include "jobs.h"
#include "resync.h"
#include "shred.h"
#include "worker_loop.h"
#include "vas/log.h"

int workers_start(struct sm *sm)
{
	int ret = shred_sched_start(sm);

	if (!ret)
		ret = resync_start(sm);
	if (!ret)
		ret = fencing_start(sm);
	if (!ret)
		ret = health_start(sm);
	if (!ret)
		ret = attach_driver_adopt_start(sm);
	if (ret) {
		log_err("cannot start the schedulers");
		workers_stop(sm, 0);
		return ret;
	}
	return 0;
}

bool workers_stop(struct sm *sm, int wait_ms)
{
	health_stop(sm);
	fencing_stop(sm);
	/* Each may wake the other while it stops: halt both, then free. */
	jobs_halt(sm->resync);
	jobs_halt(sm->shred);
	sm->hooks.wake_shred = sm->hooks.wake_resync = NULL;
	jobs_free(sm->resync);
	jobs_free(sm->shred);
	sm->resync = sm->shred = NULL;
	return attach_driver_adopt_stop(sm, wait_ms);
}
