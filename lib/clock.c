/* Monotonic time, sleeps and deadline waits. */
#include "vas/clock.h"

#include <errno.h>
#include <time.h>

int64_t vas_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void vas_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int vas_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int ret = pthread_condattr_init(&attr);

	if (ret)
		return -ret;
	ret = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (!ret)
		ret = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -ret;
}

int vas_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock,
			int64_t deadline_ms)
{
	struct timespec until = {(time_t)(deadline_ms / 1000),
				 (long)(deadline_ms % 1000) * 1000000L};

	return pthread_cond_timedwait(cond, lock, &until);
}
