/*
 * One request of the typed client: built as the single struct parameter
 * {ver: 5, ...} and sent by sm_client.c; the method calls in sm_calls.c
 * build theirs with it. Inside lib/ only.
 */
#ifndef VAS_SM_REQUEST_H
#define VAS_SM_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <xmlrpc-c/base.h>

#include "vas/client.h"

/* The env records the first failure (ENOMEM), reported when sent. */
struct sm_req {
	xmlrpc_env env;
	xmlrpc_value *st;
	/*
	 * A read: asked again of the next manager when the answer was lost
	 * (sm_client.c). A change never is: it may have been carried out.
	 */
	bool repeatable;
};

void sm_req_init(struct sm_req *r);
/* Takes ownership of v. */
void sm_req_set(struct sm_req *r, const char *key, xmlrpc_value *v);
void sm_req_int(struct sm_req *r, const char *key, int v);
void sm_req_str(struct sm_req *r, const char *key, const char *v);
void sm_req_bool(struct sm_req *r, const char *key, bool v);
/* prefix + "lvolid" or prefix + "lvolname"; -EINVAL when v names none. */
int sm_req_ref(struct sm_req *r, const char *prefix, struct vas_lvol_ref v);
void sm_req_done(struct sm_req *r);

/* Calls method with the built request and frees it. */
int sm_req_send(struct vas_client *c, struct sm_req *r, const char *method,
		xmlrpc_value **result);
/* A call whose reply is an int; *out may be NULL. */
int sm_req_send_int(struct vas_client *c, struct sm_req *r, const char *method,
		    int64_t *out);
/* A call whose reply is a new resource id (1 .. 0x7fffffff). */
int sm_req_send_id(struct vas_client *c, struct sm_req *r, const char *method,
		   int32_t *id);

#endif
