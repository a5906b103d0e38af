/*
 * A TCP connect with its own deadline. curl (through xmlrpc-c, which has no
 * connect timeout) waits the whole call timeout for a host that drops SYNs
 * (powered off, cable pulled); with several managers to choose from, such
 * a host should cost seconds, not the call timeout, before the next one.
 */
#include "vas/rpc_client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family,
			ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
			ai->ai_protocol);
	struct pollfd p;
	socklen_t len = sizeof(int);
	int err = 0, n;

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
		close(fd);
		return 0;
	}
	if (errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	p.fd = fd;
	p.events = POLLOUT;
	do
		n = poll(&p, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		err = -ETIMEDOUT;
	else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len))
		err = -errno;
	else
		err = -err;
	close(fd);
	return err;
}

int rpc_probe(const char *host, int port, int timeout_ms)
{
	struct addrinfo hints, *res = NULL, *ai;
	char service[8];
	int ret;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &res))
		return -EHOSTUNREACH;
	ret = -EHOSTUNREACH;
	for (ai = res; ai && ret; ai = ai->ai_next)
		ret = connect_one(ai, timeout_ms);
	freeaddrinfo(res);
	return ret;
}
