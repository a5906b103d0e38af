/*
 * How an operation that failed is published: ERROR with its cause, for
 * getEventStatus (ops.c, grow.c).
 */
#include "ops.h"

#include <stdio.h>
#include <string.h>

#include "vas/log.h"
#include "vas/proto.h"

void op_publish_error(struct op *op, int code, const char *what, int ret,
		      int rolled_back)
{
	char msg[256];
	const char *cause = hx_last_error();

	snprintf(msg, sizeof(msg), "%s: %s", what,
		 cause[0] ? cause : strerror(-ret));
	log_err("event %lld: %s", (long long)op->eventid, msg);
	event_table_set_msg(op->h->events, op->eventid, EV_ERROR, code, msg,
			    rolled_back);
}
