/* Starting and stopping the background workers in their order. */
#include "workers.h"
#include "attach_driver.h"
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
		ret = health_start(sm);
	if (ret) {
		log_err("cannot start the schedulers");
		workers_stop(sm, 0);
		return ret;
	}
	if (attach_driver_start(sm))
		log_err("could not resume every attach/detach in flight");
	return 0;
}

bool workers_stop(struct sm *sm, int wait_ms)
{
	worker_loop_stop(sm->health);
	/* Each may wake the other while it stops: halt both, then free. */
	jobs_halt(sm->resync);
	jobs_halt(sm->shred);
	sm->hooks.wake_shred = sm->hooks.wake_resync = NULL;
	jobs_free(sm->resync);
	jobs_free(sm->shred);
	sm->health = NULL;
	sm->resync = sm->shred = NULL;
	return attach_driver_stop(sm, wait_ms);
}
