/*
 * The fake manager and client every test_sm_client suite starts from
 * (test_sm_client.c), and the suites of other files.
 */
#ifndef VAS_TEST_CLIENT_FIXTURE_H
#define VAS_TEST_CLIENT_FIXTURE_H

#include "fake_sm.h"
#include "vas/client.h"

#include <check.h>

extern struct fake_sm *fake;
extern struct vas_client *cl;

void client_setup(void);
void client_teardown(void);

/* Canned replies used by more than one file. */
int r_hsvrs(struct rpc_request *req);
int r_fault_enoent(struct rpc_request *req);
int r_id(struct rpc_request *req);
int r_lvols(struct rpc_request *req);
int g_int(struct rpc_request *req);

/* test_sm_client_show.c: a volume's tree through showLogicalVolume. */
Suite *show_suite(void);

/* test_sm_client_failover.c: host_list failover, timeouts, config. */
Suite *failover_suite(void);

#endif
