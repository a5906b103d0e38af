/*
 * The election connection of a manager (issue 15): a connection of its
 * own, apart from the pool, on which it holds its instance lock (the
 * database's proof that the process lives) and, while it leads, the
 * leader lock; the lease row sm_leader (sql/005_leader.sql) says since
 * when, and which epoch fences its workers. Every call has a deadline: a
 * database that does not answer in time is a lost connection.
 */
#ifndef VAS_SM_DB_LEADER_H
#define VAS_SM_DB_LEADER_H

#include <stdbool.h>
#include <stdint.h>

/* Two-key advisory locks (NS, 0) = leader, (NS, instance) = a manager. */
#define DB_LOCK_NS     5652819
#define DB_LOCK_NS_SQL "5652819"

struct db_leader;

/* The lease as a standby sees it, and a holder's identity. */
struct db_lease {
	int64_t epoch;
	int32_t instance; /* of its holder; 0 = never held */
	char holder[128];
	char host_id[96]; /* its machine: boot id and pid namespace */
	int os_pid;
	int64_t os_start; /* its start time, so a reused pid is no match */
	int pid;	  /* backend of the holder's election connection */
	int64_t age_ms;	  /* since its last renewal, database clock */
	int lease_ms;	  /* the holder's own lease */
	int lock_pid;	  /* backend holding the leader lock; 0 = nobody */
};

/* The application name every connection of instance carries. */
#define DB_APPNAME_PREFIX "vas_sm:"
void db_leader_appname(int32_t instance, char *buf, int len);

/*
 * Nothing is connected yet; -ENOMEM. self: instance, holder, host_id,
 * os_pid and os_start of this manager.
 */
int db_leader_new(const char *dsn, const struct db_lease *self,
		  struct db_leader **out);
/* Closes the connection, which ends its locks; NULL is a no-op. */
void db_leader_free(struct db_leader *l);

/*
 * (Re)connects when needed and holds the instance lock: 0; -EAGAIN when
 * the database cannot be reached, -EEXIST while another session holds
 * our instance lock (our own old one the server has not noticed dead).
 */
int db_leader_connect(struct db_leader *l, int timeout_ms);
/* Whether the connection is up (it may still break at the next call). */
bool db_leader_connected(const struct db_leader *l);

/*
 * Tries the leader lock: *got true when this session holds it now; *cur
 * is the lease as it stood. Call only while not holding it.
 */
int db_leader_try(struct db_leader *l, int timeout_ms, bool *got,
		  struct db_lease *cur);
/*
 * With the lock held: starts a new leadership. *epoch is its epoch;
 * *wait_ms how long the previous holder's lease still runs (the time it
 * may still believe it leads); *prev who that was.
 */
int db_leader_take(struct db_leader *l, int lease_ms, int timeout_ms,
		   int64_t *epoch, int64_t *wait_ms, struct db_lease *prev);
/* Renews the lease of epoch: 0; -ESTALE when it is no longer ours. */
int db_leader_renew(struct db_leader *l, int64_t epoch, int timeout_ms);
/*
 * Gives the leadership up: the lock is released; with resign the lease
 * is also marked run out, so a successor need not wait for it.
 */
void db_leader_release(struct db_leader *l, int64_t epoch, bool resign,
		       int timeout_ms);
/*
 * Ends the sessions of a holder whose lease ran out while it kept the
 * lock (hung, or cut off without the server noticing): the lock
 * holder's backend and every session of its instance. *n = sessions.
 */
int db_leader_evict(struct db_leader *l, const struct db_lease *cur,
		    int timeout_ms, int *n);

/*
 * Whether shred work was queued or made startable since the last call, by
 * this manager or another (sql/013 notifies vas_shred_work; the election
 * connection listens from its connect on). Never waits.
 */
bool db_leader_shred_work(struct db_leader *l);

#endif
