/*
 * Agent-side event table (ssvr.md 4, hsvr.md 3.1): eventid -> status and
 * result, read-once for DONE/ERROR, optional progress hook. Thread-safe.
 */
#ifndef VAS_EVENT_TABLE_H
#define VAS_EVENT_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_table;

/*
 * Hook run by event_table_read() on a PROGRESS event, without the table
 * lock held; it may call event_table_set(). arg is owned by the table once
 * added (freed with free_arg, may be NULL).
 */
typedef void (*event_hook)(struct event_table *t, int64_t eventid, void *arg);

int event_table_new(struct event_table **out);
void event_table_free(struct event_table *t);

/*
 * Adds eventid as PROGRESS unless it exists. Returns 1 if added, 0 if it
 * already existed (idempotent re-send), -ENOMEM.
 */
int event_table_add(struct event_table *t, int64_t eventid, int status,
		    event_hook hook, void *hook_arg, void (*free_arg)(void *));
/* Sets status/result of an existing event; -ENOENT if absent. */
int event_table_set(struct event_table *t, int64_t eventid, int status,
		    int result);
/* The same with the reason of an ERROR (copied, may be NULL) and flags. */
int event_table_set_msg(struct event_table *t, int64_t eventid, int status,
			int result, const char *msg, int flags);
/* Removes an event; -ENOENT if absent. */
int event_table_delete(struct event_table *t, int64_t eventid);
bool event_table_exists(struct event_table *t, int64_t eventid);
/*
 * getEventStatus semantics: unknown -> NONE/0; DONE or ERROR are returned
 * and deleted; PROGRESS with a hook runs the hook first.
 */
void event_table_read(struct event_table *t, int64_t eventid, int *status,
		      int *result);
/* The same, also the event's reason into msg (len may be 0), its flags. */
void event_table_read_msg(struct event_table *t, int64_t eventid, int *status,
			  int *result, char *msg, size_t len, int *flags);
/* Number of events held (for limits and tests). */
int event_table_count(struct event_table *t);

#endif
