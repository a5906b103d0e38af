/*
 * Who may call: a short list of IPv4 networks ("a.b.c.d" or "a.b.c.d/n")
 * and host names (resolved once, when the list is parsed). Used by the
 * manager (admin_peers, agent_peers) and by the agents (their managers).
 */
#ifndef VAS_PEER_ACL_H
#define VAS_PEER_ACL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define PEER_ACL_MAX 64

struct peer_acl {
	int n;
	bool any; /* "any": everybody (explicit opt-out) */
	struct {
		uint32_t addr; /* host order */
		uint32_t mask;
	} net[PEER_ACL_MAX];
};

/*
 * Adds the comma- or space-separated entries of list ("any" opens the
 * list). Returns 0 or -EINVAL (logged, naming what) for an entry that is
 * neither an IPv4 network nor a name that resolves, -ENOSPC when full.
 */
int peer_acl_add_list(struct peer_acl *acl, const char *list, const char *what);
/* Adds every IPv4 address of this host's interfaces (loopback too). */
int peer_acl_add_local(struct peer_acl *acl);
/* Adds the IPv4 networks this host's interfaces are directly on. */
int peer_acl_add_local_nets(struct peer_acl *acl);
/* Adds one dotted quad; -EINVAL when it is not one. */
int peer_acl_add_addr(struct peer_acl *acl, const char *dotted);
struct vas_conf;
/*
 * The callers an agent accepts: [section] allowed_peers when set, else
 * the managers in [storage_manager] host_list, else this host.
 */
int peer_acl_managers(struct peer_acl *acl, const struct vas_conf *conf,
		      const char *section);
bool peer_acl_match(const struct peer_acl *acl,
		    const struct sockaddr_storage *peer);
/* The peer's IPv4 address in host order; false for other families. */
bool peer_acl_ipv4(const struct sockaddr_storage *peer, uint32_t *out);

#endif
