/* Agent event table: a mutex-protected list; agents hold few events. */
#include "vas/event_table.h"
#include "vas/proto.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

struct event {
	int64_t id;
	int status;
	int result;
	char msg[256]; /* why an ERROR happened, "" if untold */
	int flags;     /* the caller's, with msg */
	event_hook hook;
	void *hook_arg;
	void (*free_arg)(void *);
	struct event *next;
};

struct event_table {
	pthread_mutex_t lock;
	struct event *head;
	int count;
};

int event_table_new(struct event_table **out)
{
	struct event_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	pthread_mutex_init(&t->lock, NULL);
	*out = t;
	return 0;
}

static void event_free(struct event *e)
{
	if (e->free_arg)
		e->free_arg(e->hook_arg);
	free(e);
}

void event_table_free(struct event_table *t)
{
	struct event *e, *next;

	if (!t)
		return;
	for (e = t->head; e; e = next) {
		next = e->next;
		event_free(e);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static struct event **find(struct event_table *t, int64_t id)
{
	struct event **pp;

	for (pp = &t->head; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id)
			return pp;
	return NULL;
}

int event_table_add(struct event_table *t, int64_t eventid, int status,
		    event_hook hook, void *hook_arg, void (*free_arg)(void *))
{
	struct event *e;
	int ret = 1;

	pthread_mutex_lock(&t->lock);
	if (find(t, eventid)) {
		ret = 0;
		goto out;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		ret = -ENOMEM;
		goto out;
	}
	e->id = eventid;
	e->status = status;
	e->hook = hook;
	e->hook_arg = hook_arg;
	e->free_arg = free_arg;
	hook_arg = NULL;
	e->next = t->head;
	t->head = e;
	t->count++;
out:
	pthread_mutex_unlock(&t->lock);
	if (ret <= 0 && hook_arg && free_arg)
		free_arg(hook_arg);
	return ret;
}

int event_table_set(struct event_table *t, int64_t eventid, int status,
		    int result)
{
	return event_table_set_msg(t, eventid, status, result, NULL, 0);
}

int event_table_set_msg(struct event_table *t, int64_t eventid, int status,
			int result, const char *msg, int flags)
{
	struct event **pp;
	int ret = -ENOENT;

	pthread_mutex_lock(&t->lock);
	pp = find(t, eventid);
	if (pp) {
		(*pp)->status = status;
		(*pp)->result = result;
		snprintf((*pp)->msg, sizeof((*pp)->msg), "%s", msg ? msg : "");
		(*pp)->flags = flags;
		ret = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return ret;
}

int event_table_delete(struct event_table *t, int64_t eventid)
{
	struct event **pp, *e = NULL;

	pthread_mutex_lock(&t->lock);
	pp = find(t, eventid);
	if (pp) {
		e = *pp;
		*pp = e->next;
		t->count--;
	}
	pthread_mutex_unlock(&t->lock);
	if (!e)
		return -ENOENT;
	event_free(e);
	return 0;
}

bool event_table_exists(struct event_table *t, int64_t eventid)
{
	bool found;

	pthread_mutex_lock(&t->lock);
	found = find(t, eventid) != NULL;
	pthread_mutex_unlock(&t->lock);
	return found;
}

void event_table_read(struct event_table *t, int64_t eventid, int *status,
		      int *result)
{
	event_table_read_msg(t, eventid, status, result, NULL, 0, NULL);
}

void event_table_read_msg(struct event_table *t, int64_t eventid, int *status,
			  int *result, char *msg, size_t len, int *flags)
{
	struct event **pp, *gone = NULL;
	event_hook hook = NULL;
	void *arg = NULL;

	pthread_mutex_lock(&t->lock);
	pp = find(t, eventid);
	if (pp && (*pp)->status == EV_PROGRESS && (*pp)->hook) {
		hook = (*pp)->hook;
		arg = (*pp)->hook_arg;
	}
	pthread_mutex_unlock(&t->lock);
	/* The hook may do I/O: never under the table lock. */
	if (hook)
		hook(t, eventid, arg);

	pthread_mutex_lock(&t->lock);
	pp = find(t, eventid);
	*status = EV_NONE;
	*result = 0;
	if (len)
		msg[0] = '\0';
	if (flags)
		*flags = 0;
	if (pp) {
		if (flags)
			*flags = (*pp)->flags;
		*status = (*pp)->status;
		*result = (*pp)->result;
		if (len)
			snprintf(msg, len, "%s", (*pp)->msg);
		if (*status == EV_DONE || *status == EV_ERROR) {
			gone = *pp;
			*pp = gone->next;
			t->count--;
		}
	}
	pthread_mutex_unlock(&t->lock);
	if (gone)
		event_free(gone);
}

int event_table_count(struct event_table *t)
{
	int n;

	pthread_mutex_lock(&t->lock);
	n = t->count;
	pthread_mutex_unlock(&t->lock);
	return n;
}
