/*
 * Failed-leg monitor (hsvr.md 11, W19): a periodic /proc/mdstat scan; a
 * member newly marked faulty is reported once with notifyFailure(LVOL,
 * dextid). Path failures are left to multipath.
 */
#ifndef HSVR_MONITOR_H
#define HSVR_MONITOR_H

#include "hsvr.h"

struct monitor;

/* Notifier: 0 when the manager took the report. */
typedef int (*monitor_notify)(void *ctx, int32_t dextid);

int monitor_start(struct hsvr *h, long interval_ms, monitor_notify fn,
		  void *ctx, struct monitor **out);
void monitor_stop(struct monitor *m);
/* One scan (also used by tests): reports new faulty legs. */
int monitor_scan(struct monitor *m);

#endif
