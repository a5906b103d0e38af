/* In-process fake storage manager for client tests: canned replies. */
#ifndef VAS_TEST_FAKE_SM_H
#define VAS_TEST_FAKE_SM_H

#include "vas/rpc.h"

/*
 * A reply producer: builds req->result (or sets a fault and returns -1,
 * or returns a negative errno). Chosen per method by the test.
 */
typedef int (*fake_reply_fn)(struct rpc_request *req);

struct fake_sm;

/* Starts a server on addr:port (port 0 = ephemeral) in a thread. */
int fake_sm_start(const char *addr, int port, struct fake_sm **out);
int fake_sm_port(const struct fake_sm *f);
void fake_sm_stop(struct fake_sm *f);

/* Every method answers through fn (NULL = int 0). */
void fake_sm_set_reply(struct fake_sm *f, fake_reply_fn fn);
/* Calls received so far, last method name and its struct as text. */
int fake_sm_calls(const struct fake_sm *f);
const char *fake_sm_last_method(const struct fake_sm *f);
/* "key=type:value,..." sorted by key, e.g. "lvolid=i:5,ver=i:5". */
const char *fake_sm_last_params(const struct fake_sm *f);

#endif
