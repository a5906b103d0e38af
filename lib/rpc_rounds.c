/*
 * Calls answered from kept replies, without a worker each (issue 13: the
 * hand-off of every call to a worker and back cost the list calls more
 * than the look at the database's state). One thread takes all the calls
 * waiting, reads the state token once - in a round that starts after
 * each of them arrived, as rpc_cache_call() does - and resumes every call
 * whose kept reply still stands; the others are queued for the workers,
 * which run them (and keep their new replies).
 */
#include "rpc_server_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <stdlib.h>

/* Under rounds.lock: every waiting call, in arrival order. */
static struct rpc_call *take_all(struct rpc_server *srv)
{
	struct rpc_call *calls = srv->rounds.head;

	srv->rounds.head = srv->rounds.tail = NULL;
	return calls;
}

static void drop(struct rpc_call *call)
{
	call->stage = RPC_CALL_DROP;
	MHD_resume_connection(call->mhd);
}

/* One call after the round's token: its kept reply, else a worker. */
static void answer(struct rpc_server *srv, struct rpc_call *call,
		   const char *token)
{
	struct rpc_served o = {0};
	int64_t start = rpc_now_us();
	xmlrpc_mem_block *doc;

	doc = rpc_cache_kept(srv->cache, call->body ? call->body : "",
			     call->len, token, &o.method);
	if (!doc) {
		/* Changed since (or unreadable): the call runs as any other. */
		if (!rpc_workers_queue(srv, call))
			drop(call);
		return;
	}
	srv->rounds.answered(srv, call, doc, &o, start);
	/* The event thread may free the call from here on. */
	MHD_resume_connection(call->mhd);
}

static void *rounds_main(void *arg)
{
	struct rpc_server *srv = arg;
	struct rpc_call *calls, *next;
	char *token;

	for (;;) {
		pthread_mutex_lock(&srv->rounds.lock);
		while (!srv->rounds.head && !srv->rounds.stopping)
			pthread_cond_wait(&srv->rounds.ready,
					  &srv->rounds.lock);
		calls = srv->rounds.stopping ? NULL : take_all(srv);
		pthread_mutex_unlock(&srv->rounds.lock);
		if (!calls)
			return NULL;
		/* All of them arrived before this round starts. */
		token = rpc_cache_fresh_token(srv->cache);
		for (; calls; calls = next) {
			next = calls->next;
			calls->next = NULL;
			answer(srv, calls, token);
		}
		free(token);
	}
}

bool rpc_rounds_submit(struct rpc_server *srv, struct rpc_call *call)
{
	pthread_mutex_lock(&srv->rounds.lock);
	if (srv->rounds.stopping) {
		pthread_mutex_unlock(&srv->rounds.lock);
		return false;
	}
	/* Suspended first: the round may resume it as soon as it is queued. */
	MHD_suspend_connection(call->mhd);
	call->stage = RPC_CALL_QUEUED;
	call->complete_us = rpc_now_us();
	if (srv->rounds.tail)
		srv->rounds.tail->next = call;
	else
		srv->rounds.head = call;
	srv->rounds.tail = call;
	pthread_cond_signal(&srv->rounds.ready);
	pthread_mutex_unlock(&srv->rounds.lock);
	return true;
}

int rpc_rounds_start(struct rpc_server *srv,
		     void (*answered)(struct rpc_server *srv,
				      struct rpc_call *call,
				      xmlrpc_mem_block *doc,
				      struct rpc_served *o, int64_t start))
{
	srv->rounds.answered = answered;
	srv->rounds.stopping = false;
	if (!srv->cache)
		return 0; /* nothing is kept: every call goes to a worker */
	if (pthread_create(&srv->rounds.thread, NULL, rounds_main, srv)) {
		log_err("cannot start the thread of kept replies");
		return -EAGAIN;
	}
	srv->rounds.started = true;
	return 0;
}

void rpc_rounds_stop(struct rpc_server *srv)
{
	struct rpc_call *call, *next;

	pthread_mutex_lock(&srv->rounds.lock);
	srv->rounds.stopping = true;
	pthread_cond_broadcast(&srv->rounds.ready);
	pthread_mutex_unlock(&srv->rounds.lock);
	if (srv->rounds.started)
		pthread_join(srv->rounds.thread, NULL);
	srv->rounds.started = false;
	/* MHD must not stop with a connection still suspended. */
	for (call = take_all(srv); call; call = next) {
		next = call->next;
		call->next = NULL;
		drop(call);
	}
}
