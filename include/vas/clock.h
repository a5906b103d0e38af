/*
 * One clock for deadlines, sleeps and timed waits: CLOCK_MONOTONIC, which
 * an administrator setting the date cannot move.
 */
#ifndef VAS_CLOCK_H
#define VAS_CLOCK_H

#include <pthread.h>
#include <stdint.h>

/* Milliseconds since an arbitrary start; only differences mean anything. */
int64_t vas_now_ms(void);
/* Sleeps ms milliseconds, resuming after signals. */
void vas_sleep_ms(long ms);
/* A condition variable whose timed waits use the monotonic clock. */
int vas_cond_init(pthread_cond_t *cond);
/*
 * Waits on cond (lock held) until signalled or vas_now_ms() reaches
 * deadline_ms; 0 or ETIMEDOUT. Spurious wake-ups return 0: callers
 * re-check their condition in a loop.
 */
int vas_cond_wait_until(pthread_cond_t *cond, pthread_mutex_t *lock,
			int64_t deadline_ms);

#endif
