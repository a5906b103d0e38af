/* Rules for head servers, storage servers and disks (sm.md 3.1-3.6). */
#ifndef VAS_SM_SERVERS_H
#define VAS_SM_SERVERS_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"
#include "sm.h"

/*
 * Where a storage server goes at registration (issue 16): pool NULL =
 * 'default' for a new server, unchanged for a returning one; domain NULL
 * = none / unchanged, "" = none.
 */
struct srv_placement {
	const char *pool;
	const char *domain;
};

/* pl NULL: no placement given (the only choice for head servers). */
int srv_register(struct sm *sm, enum srv_kind kind, const char *const *ips,
		 int n, const struct srv_placement *pl, int32_t *id);
int srv_delete(struct sm *sm, enum srv_kind kind, int32_t id);
/* pool NULL = of every pool. Caller frees *rows. */
int srv_list(struct sm *sm, enum srv_kind kind, int32_t id, const char *pool,
	     struct sm_server **rows, int *n);

/* Whether ip is a data address of a registered server (either kind). */
bool srv_ip_registered(struct sm *sm, const char *ip);
/*
 * The CHAP accounts of storage server ssvrid's targets, for its agent
 * calling from peer: -EACCES when peer is another server's address (a
 * head's, another storage server's) and not one of ssvrid's own (a host
 * may be both); -ENOENT for an unknown server. Free the rows
 * with srv_secrets_free().
 */
int srv_target_secrets(struct sm *sm, int32_t ssvrid, const char *peer,
		       struct sm_chap **rows, int *n);
/* Zeroes and frees them. */
void srv_secrets_free(struct sm_chap *rows, int n);

/*
 * capacity: decimal string of 512-byte sectors. pool NULL: the disk is in
 * its server's pool (a returning disk keeps what it had).
 */
int pdsk_register(struct sm *sm, int32_t ssvrid, const char *path,
		  const char *capacity, const char *pool, int32_t *pdskid);
int pdsk_delete(struct sm *sm, int32_t pdskid);
int pdsk_list(struct sm *sm, int32_t ssvrid, const char *pool,
	      struct sm_disk **rows, int *n);

/* shutdownAll: EBUSY while anything is attached. */
int sm_shutdown_all(struct sm *sm);

#endif
