/* Address lists for access control (include/vas/peer_acl.h). */
#include "vas/peer_acl.h"
#include "vas/conf.h"
#include "vas/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_net(struct peer_acl *acl, uint32_t addr, uint32_t mask)
{
	int i;

	for (i = 0; i < acl->n; i++)
		if (acl->net[i].addr == (addr & mask) &&
		    acl->net[i].mask == mask)
			return 0;
	if (acl->n == PEER_ACL_MAX)
		return -ENOSPC;
	acl->net[acl->n].addr = addr & mask;
	acl->net[acl->n].mask = mask;
	acl->n++;
	return 0;
}

int peer_acl_add_addr(struct peer_acl *acl, const char *dotted)
{
	struct in_addr in;

	if (inet_pton(AF_INET, dotted, &in) != 1)
		return -EINVAL;
	return add_net(acl, ntohl(in.s_addr), UINT32_MAX);
}

/* Every IPv4 address a host name resolves to. */
static int add_name(struct peer_acl *acl, const char *name)
{
	struct addrinfo hints = {.ai_family = AF_INET,
				 .ai_socktype = SOCK_STREAM};
	struct addrinfo *res, *ai;
	int ret = 0;

	if (getaddrinfo(name, NULL, &hints, &res))
		return -EINVAL;
	for (ai = res; ai && !ret; ai = ai->ai_next) {
		const struct sockaddr_in *sin = (void *)ai->ai_addr;

		ret = add_net(acl, ntohl(sin->sin_addr.s_addr), UINT32_MAX);
	}
	freeaddrinfo(res);
	return ret;
}

static int add_entry(struct peer_acl *acl, char *entry)
{
	char *slash = strchr(entry, '/');
	struct in_addr in;
	char *end;
	long bits;

	if (!strcmp(entry, "any")) {
		acl->any = true;
		return 0;
	}
	if (!slash)
		return inet_pton(AF_INET, entry, &in) == 1
			   ? add_net(acl, ntohl(in.s_addr), UINT32_MAX)
			   : add_name(acl, entry);
	*slash = '\0';
	bits = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || bits < 0 || bits > 32 ||
	    inet_pton(AF_INET, entry, &in) != 1)
		return -EINVAL;
	return add_net(acl, ntohl(in.s_addr),
		       bits ? UINT32_MAX << (32 - bits) : 0);
}

int peer_acl_add_list(struct peer_acl *acl, const char *list, const char *what)
{
	char *copy = strdup(list ? list : ""), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", \t", &save); tok && !ret;
	     tok = strtok_r(NULL, ", \t", &save)) {
		char shown[128];

		snprintf(shown, sizeof(shown), "%s", tok);
		ret = add_entry(acl, tok);
		if (ret == -EINVAL)
			log_err("%s: '%s' is neither an IPv4 network nor a "
				"known host",
				what, shown);
		else if (ret)
			log_err("%s: more than %d entries", what, PEER_ACL_MAX);
	}
	free(copy);
	return ret;
}

/* This host's IPv4 addresses, or (nets) the networks they are on. */
static int add_interfaces(struct peer_acl *acl, bool nets)
{
	struct ifaddrs *ifs, *i;
	int ret = 0;

	if (getifaddrs(&ifs))
		return -errno;
	for (i = ifs; i && !ret; i = i->ifa_next) {
		const struct sockaddr_in *sin = (void *)i->ifa_addr;
		const struct sockaddr_in *mask = (void *)i->ifa_netmask;

		if (!sin || sin->sin_family != AF_INET)
			continue;
		ret = add_net(acl, ntohl(sin->sin_addr.s_addr),
			      nets && mask ? ntohl(mask->sin_addr.s_addr)
					   : UINT32_MAX);
	}
	freeifaddrs(ifs);
	return ret;
}

int peer_acl_add_local(struct peer_acl *acl)
{
	return add_interfaces(acl, false);
}

int peer_acl_add_local_nets(struct peer_acl *acl)
{
	return add_interfaces(acl, true);
}

int peer_acl_managers(struct peer_acl *acl, const struct vas_conf *conf,
		      const char *section)
{
	const char *own = conf_get_str(conf, section, "allowed_peers", "");
	const char *managers =
	    conf_get_str(conf, "storage_manager", "host_list", "");
	char what[96];

	snprintf(what, sizeof(what), "[%s] allowed_peers", section);
	if (*own)
		return peer_acl_add_list(acl, own, what);
	if (*managers)
		return peer_acl_add_list(acl, managers,
					 "[storage_manager] host_list");
	return peer_acl_add_local(acl);
}

bool peer_acl_ipv4(const struct sockaddr_storage *peer, uint32_t *out)
{
	const struct sockaddr_in *sin = (const void *)peer;

	if (!peer || peer->ss_family != AF_INET)
		return false;
	*out = ntohl(sin->sin_addr.s_addr);
	return true;
}

bool peer_acl_match(const struct peer_acl *acl,
		    const struct sockaddr_storage *peer)
{
	uint32_t a;
	int i;

	if (acl->any)
		return true;
	if (!peer_acl_ipv4(peer, &a))
		return false;
	for (i = 0; i < acl->n; i++)
		if ((a & acl->net[i].mask) == acl->net[i].addr)
			return true;
	return false;
}
