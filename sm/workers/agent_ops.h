/*
 * Calls to head and storage agents with address failover. No lock or
 * transaction is held while one runs.
 */
#ifndef VAS_SM_AGENT_OPS_H
#define VAS_SM_AGENT_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "records.h"
#include "sm.h"
#include "vas/rpc_client.h"

/* A server's data addresses, read in their own short transaction. */
int agent_server_load(struct sm *sm, enum srv_kind kind, int32_t id,
		      struct sm_server *srv);

/* One call with {ver:5, ...members}; the param struct is borrowed. */
int agent_call(const struct sm_config *cfg, const struct sm_server *srv,
	       int port, const char *method, xmlrpc_value *param,
	       xmlrpc_value **result, struct rpc_outcome *oc);
/* getEventStatus -> status/result; -EPROTO for a malformed answer. */
int agent_event_status(const struct sm_config *cfg, const struct sm_server *srv,
		       int port, int32_t eventid, int *status, int *result);
/*
 * getEventStatus of a shred, naming its extent: our storage agent answers
 * DONE only for a job on that extent (an old DONE under a wrapped id is
 * NONE), a 3.0 agent ignores the extra members.
 */
int agent_shred_status(const struct sm_config *cfg, const struct sm_server *srv,
		       int port, int32_t eventid, int32_t dextid,
		       int32_t pdskid, int64_t offset_vb, int64_t capacity_vb,
		       int *status, int *result);
/*
 * The same asking our head agent for the reason of an ERROR ("detail"):
 * into msg, and whether a failed attach left nothing (may be NULL).
 */
int agent_event_status_msg(const struct sm_config *cfg,
			   const struct sm_server *srv, int port,
			   int32_t eventid, int *status, int *result, char *msg,
			   size_t len, int *rolled_back);

/*
 * Sends a queued job's request (param borrowed) for event eventid. On
 * failure *may_hold says whether the agent may still hold the event (a
 * timeout or garbled answer) or surely not (a fault; nothing reached it).
 */
int agent_send_job(const struct sm_config *cfg, const struct sm_server *srv,
		   int port, const char *method, xmlrpc_value *param,
		   int32_t eventid, bool *may_hold);

/* Where a queued job stands on its agent (shred and resync alike). */
enum agent_poll {
	AGENT_POLL_RUNNING, /* PROGRESS */
	AGENT_POLL_DONE,    /* DONE, consumed by this read */
	AGENT_POLL_GONE,    /* NONE or ERROR: the agent holds no such event */
	AGENT_POLL_LOST,    /* no usable answer: the agent may still hold it */
};
/* An agent's event status (EV_*) as the job engine sees it. */
enum agent_poll agent_poll_of(int status);
/*
 * One getEventStatus for eventid on srv. Only DONE is success (M77); a
 * status outside the protocol counts as LOST, never as DONE. With len,
 * asks our head agent for its note too (into note; see
 * agent_event_status_msg), a storage agent never.
 */
enum agent_poll agent_poll_event(const struct sm_config *cfg,
				 const struct sm_server *srv, int port,
				 int32_t eventid, char *note, size_t len);

#endif
