/* Head and storage servers and their data addresses. */
#ifndef VAS_SM_DB_SERVERS_H
#define VAS_SM_DB_SERVERS_H

#include <stdint.h>

#include "db.h"
#include "records.h"

/* Id of the server of this kind owning ip, 0 if none. */
int db_ip_owner(struct db_tx *tx, enum srv_kind kind, const char *ip,
		int32_t *id);
/* Priority of a server (locked for update); -ENOENT if unknown. */
int db_server_priority(struct db_tx *tx, enum srv_kind kind, int32_t id,
		       int *priority);
int db_server_insert(struct db_tx *tx, enum srv_kind kind, int32_t id,
		     int priority);
int db_server_set_priority(struct db_tx *tx, enum srv_kind kind, int32_t id,
			   int priority);
/* Adds ip to the server's list (a row may carry both kinds). */
int db_ip_add(struct db_tx *tx, enum srv_kind kind, const char *ip, int32_t id);
/* Deletes the server row and its side of its ipdata rows. */
int db_server_delete(struct db_tx *tx, enum srv_kind kind, int32_t id);
/* Servers in id order (one when id > 0: -ENOENT if unknown). */
int db_server_list(struct db_tx *tx, enum srv_kind kind, int32_t id,
		   struct sm_server **rows, int *n);
/* The same, only storage servers of pool poolid when it is > 0. */
int db_server_list_in(struct db_tx *tx, enum srv_kind kind, int32_t id,
		      int32_t poolid, struct sm_server **rows, int *n);
/*
 * Live (HIGH/LOW) servers of a kind with their addresses, in id order,
 * in one statement: what the health poll asks, without the list's
 * space and rebuild counts.
 */
int db_servers_live(struct db_tx *tx, enum srv_kind kind,
		    struct sm_server **rows, int *n);
/* Data addresses in registration order. */
int db_server_ips(struct db_tx *tx, enum srv_kind kind, int32_t id,
		  struct sm_server *row);
/* Priorities of every server of a kind: from -> to (shutdownAll). */
int db_servers_set_all(struct db_tx *tx, enum srv_kind kind, int to);

#endif
