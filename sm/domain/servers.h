/* Rules for head servers, storage servers and disks (sm.md 3.1-3.6). */
#ifndef VAS_SM_SERVERS_H
#define VAS_SM_SERVERS_H

#include <stdbool.h>
#include <stdint.h>

#include "records.h"
#include "sm.h"

int srv_register(struct sm *sm, enum srv_kind kind, const char *const *ips,
		 int n, int32_t *id);
int srv_delete(struct sm *sm, enum srv_kind kind, int32_t id);
/* Caller frees *rows. */
int srv_list(struct sm *sm, enum srv_kind kind, int32_t id,
	     struct sm_server **rows, int *n);

/* Whether ip is a data address of a registered server (either kind). */
bool srv_ip_registered(struct sm *sm, const char *ip);

/* capacity: decimal string of 512-byte sectors. */
int pdsk_register(struct sm *sm, int32_t ssvrid, const char *path,
		  const char *capacity, int32_t *pdskid);
int pdsk_delete(struct sm *sm, int32_t pdskid);
int pdsk_list(struct sm *sm, int32_t ssvrid, struct sm_disk **rows, int *n);

/* shutdownAll: EBUSY while anything is attached. */
int sm_shutdown_all(struct sm *sm);

#endif
