/*
 * Shared by the suites of sm/domain (test_domain.c, test_pools.c): a fresh
 * schema on a throw-away PostgreSQL before every test, fake workers that
 * record what the domain asks of them, and helpers that build clusters.
 */
#ifndef VAS_TEST_DOMAIN_HARNESS_H
#define VAS_TEST_DOMAIN_HARNESS_H

#include "attach.h"
#include "servers.h"
#include "sm.h"
#include "volumes.h"

#include "check_run.h"

#include <stdbool.h>
#include <stdint.h>

extern struct sm sm;
/* What the fake workers saw, and what the fake head agent answers. */
extern int woken_shred, woken_resync, driven;
extern enum attach_kind driven_kind;
extern int32_t driven_target;
extern struct agent_result answer;
extern bool leave_in_flight; /* the "manager" dies before recording */

/* One statement in a transaction of its own; must succeed. */
void sql(const char *q);
/* A query answering one integer. */
int64_t sql_int(const char *q);
int32_t server(enum srv_kind kind, const char *ip);
/* n more storage servers with one zeroed disk of 10 extents (100 vb). */
void storage(int n);
struct vol_ref named(const char *name);
/* The storage servers and extents of every leg, mirror by mirror. */
int legs(const char *name, int32_t *ssvr, int32_t *dext, int max);
/* The volume as listed; free l with vol_list_free(). */
struct sm_volume_entry entry(const char *name, struct sm_volume_list *l);

/* Starts PostgreSQL, runs the suite `name`, stops it: the exit status. */
int domain_harness_run(const char *name, const TTest *const *tests);

#endif
