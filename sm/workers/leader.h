/*
 * Leader election among the managers on one database (issue 15). Every
 * manager serves the API; exactly one, the leader, runs the background
 * work (workers.h). The leader holds an advisory lock on a connection of
 * its own and renews a lease every lease/4; it stops its workers by
 * itself once it cannot renew within 3/4 of the lease, and a successor
 * starts them only after the old lease has run out, so two leaders never
 * act at once. A standby that finds the lease run out while the lock is
 * still held (a hung leader, or one cut off without the server noticing)
 * ends that leader's sessions and takes over.
 */
#ifndef VAS_SM_LEADER_H
#define VAS_SM_LEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "sm.h"

/*
 * Starts campaigning on its own thread. dsn is the database's, holder
 * names this manager to people (host, port, pid).
 */
int leader_start(struct sm *sm, const char *dsn, const char *holder);
/*
 * At shutdown: stops the workers if this manager leads (waiting up to
 * wait_ms for resumed attach/detach operations) and hands the leadership
 * over without making the successor wait. False when some still run.
 */
bool leader_stop(struct sm *sm, int wait_ms);
/* Whether this manager runs the workers now, and for which epoch. */
bool leader_leading(const struct sm *sm, int64_t *epoch);

#endif
