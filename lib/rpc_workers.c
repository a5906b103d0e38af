/*
 * The worker threads and their queue. A call whose body is complete is
 * suspended in libmicrohttpd and queued; a worker runs it, stores the
 * reply and resumes the connection, whose event thread then sends it.
 * The queue holds at most one call per open connection, so it is bounded
 * by max_open. A call whose client has gone meanwhile is not run.
 */
#include "rpc_server_priv.h"
#include "vas/log.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

static struct rpc_call *dequeue(struct rpc_server *srv)
{
	struct rpc_call *call = srv->queue.head;

	if (call) {
		srv->queue.head = call->next;
		if (!srv->queue.head)
			srv->queue.tail = NULL;
		call->next = NULL;
	}
	return call;
}

/*
 * Whether the client has closed the connection while its call waited: a
 * client that gave up (a timeout, the end of a benchmark) would otherwise
 * keep its connection, and its place under max_per_peer, until served.
 */
static bool client_gone(const struct rpc_call *call)
{
	char b;
	ssize_t n;

	if (!call->conn || call->conn->fd < 0)
		return false;
	n = recv(call->conn->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			  errno != EINTR);
}

static void *worker_main(void *arg)
{
	struct rpc_server *srv = arg;
	struct rpc_call *call;

	for (;;) {
		pthread_mutex_lock(&srv->queue.lock);
		while (!srv->queue.head && !srv->queue.stopping)
			pthread_cond_wait(&srv->queue.ready, &srv->queue.lock);
		call = srv->queue.stopping ? NULL : dequeue(srv);
		pthread_mutex_unlock(&srv->queue.lock);
		if (!call)
			return NULL;
		if (client_gone(call))
			call->stage = RPC_CALL_DROP; /* not run: nobody waits */
		else
			srv->queue.run(srv, call);
		/* The event thread may free the call from here on. */
		MHD_resume_connection(call->mhd);
	}
}

/* Under queue.lock. */
static void enqueue(struct rpc_server *srv, struct rpc_call *call)
{
	if (srv->queue.tail)
		srv->queue.tail->next = call;
	else
		srv->queue.head = call;
	srv->queue.tail = call;
	pthread_cond_signal(&srv->queue.ready);
}

bool rpc_workers_submit(struct rpc_server *srv, struct rpc_call *call)
{
	pthread_mutex_lock(&srv->queue.lock);
	if (srv->queue.stopping) {
		pthread_mutex_unlock(&srv->queue.lock);
		return false;
	}
	/* Suspended first: a worker may resume it as soon as it is queued. */
	MHD_suspend_connection(call->mhd);
	call->stage = RPC_CALL_QUEUED;
	call->complete_us = rpc_now_us();
	enqueue(srv, call);
	pthread_mutex_unlock(&srv->queue.lock);
	return true;
}

bool rpc_workers_queue(struct rpc_server *srv, struct rpc_call *call)
{
	bool open;

	pthread_mutex_lock(&srv->queue.lock);
	open = !srv->queue.stopping;
	if (open)
		enqueue(srv, call);
	pthread_mutex_unlock(&srv->queue.lock);
	return open;
}

int rpc_workers_start(struct rpc_server *srv,
		      void (*run)(struct rpc_server *srv,
				  struct rpc_call *call))
{
	int i;

	srv->queue.run = run;
	srv->queue.stopping = false;
	srv->queue.threads =
	    calloc((size_t)srv->opts.workers, sizeof(*srv->queue.threads));
	if (!srv->queue.threads)
		return -ENOMEM;
	for (i = 0; i < srv->opts.workers; i++) {
		if (pthread_create(&srv->queue.threads[i], NULL, worker_main,
				   srv)) {
			log_err("cannot start worker %d of %d", i + 1,
				srv->opts.workers);
			break;
		}
		srv->queue.n_threads++;
	}
	return srv->queue.n_threads ? 0 : -EAGAIN;
}

void rpc_workers_stop(struct rpc_server *srv)
{
	struct rpc_call *call;
	int i;

	pthread_mutex_lock(&srv->queue.lock);
	srv->queue.stopping = true;
	pthread_cond_broadcast(&srv->queue.ready);
	pthread_mutex_unlock(&srv->queue.lock);
	for (i = 0; i < srv->queue.n_threads; i++)
		pthread_join(srv->queue.threads[i], NULL);
	free(srv->queue.threads);
	srv->queue.threads = NULL;
	srv->queue.n_threads = 0;
	/*
	 * Calls nobody took are closed without a reply: MHD must not stop
	 * with a connection still suspended.
	 */
	while ((call = dequeue(srv))) {
		call->stage = RPC_CALL_DROP;
		MHD_resume_connection(call->mhd);
	}
}
