/* Starting and stopping the background workers in their order. */
#include "workers.h"
#include "attach_driver.h"
#include "health.h"
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
	worker_loop_stop(sm->resync);
	worker_loop_stop(sm->shred);
	sm->health = sm->resync = sm->shred = NULL;
	sm->hooks.wake_shred = sm->hooks.wake_resync = NULL;
	return attach_driver_stop(sm, wait_ms);
}
