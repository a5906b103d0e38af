/*
 * sm_methods[] as a table: for every method, a call built from its spec
 * reaches the handler; every member given a value of the wrong kind, out
 * of range or too long, and every required member left out, is refused
 * with EINVAL before the handler runs; a missing or wrong ver is EPROTO.
 * Handlers are replaced by a probe, so no database is needed: what is
 * tested is the table and the validator it drives.
 */
#include "api.h"
#include "vas/log.h"
#include "vas/proto.h"

#include "check_run.h"
#include "rpc_call.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_METHODS 64

static struct rpc_method probe[MAX_METHODS];
static int reached;

static int reach(struct rpc_request *req)
{
	(void)req;
	reached++;
	return 0;
}

/* sm_methods[] with every handler replaced by reach(); -1 if too long. */
static int probe_table(void)
{
	int i;

	for (i = 0; sm_methods[i].name; i++) {
		if (i == MAX_METHODS - 1)
			return -1;
		probe[i] = sm_methods[i];
		probe[i].handler = reach;
	}
	probe[i] = sm_methods[i];
	return 0;
}

/* A call document being written. */
struct call {
	char *xml;
	size_t len;
	size_t cap;
};

static void add(struct call *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add(struct call *c, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(c->xml ? c->xml + c->len : NULL,
			      c->xml ? c->cap - c->len : 0, fmt, ap);
		va_end(ap);
		ck_assert_int_ge(n, 0);
		if (c->xml && (size_t)n < c->cap - c->len)
			break;
		c->cap = (c->cap + (size_t)n + 1) * 2;
		c->xml = realloc(c->xml, c->cap);
		ck_assert_ptr_nonnull(c->xml);
	}
	c->len += (size_t)n;
}

/* A value the spec accepts. */
static void good_value(struct call *c, const struct rpc_param_spec *p)
{
	int64_t in = p->min > 1 ? p->min : (p->max >= 1 ? 1 : p->min);
	int i;

	switch (p->type) {
	case RPC_T_INT:
	case RPC_T_INT_OR_DEC:
		add(c, "<int>%lld</int>", (long long)in);
		break;
	case RPC_T_DECSTR:
		add(c, "<string>%lld</string>", (long long)in);
		break;
	case RPC_T_STRING:
		add(c, "<string>a</string>");
		break;
	case RPC_T_ARRAY:
		add(c, "<array><data>");
		for (i = 0; i < (p->min > 1 ? p->min : 1) && i < p->max; i++)
			add(c, p->elem == RPC_T_STRING
				   ? "<value><string>127.0.0.1</string></value>"
				   : "<value><int>1</int></value>");
		add(c, "</data></array>");
		break;
	case RPC_T_BOOL:
		add(c, "<boolean>1</boolean>");
		break;
	case RPC_T_STRUCT:
		add(c, "<struct></struct>");
		break;
	}
}

/* Bad value number k of the member into c; 0 when there is no such k. */
static int bad_value(struct call *c, const struct rpc_param_spec *p, int k)
{
	int i;

	if (k == 0) { /* the wrong kind altogether */
		add(c, p->type == RPC_T_STRING || p->type == RPC_T_DECSTR
			   ? "<struct></struct>"
			   : "<string>x</string>");
		return 1;
	}
	switch (p->type) {
	case RPC_T_INT:
	case RPC_T_INT_OR_DEC:
	case RPC_T_DECSTR:
		if (k == 1) {
			add(c,
			    p->type == RPC_T_DECSTR ? "<string>%lld</string>"
						    : "<i8>%lld</i8>",
			    (long long)p->max + 1);
			return 1;
		}
		if (k == 2) {
			add(c,
			    p->type == RPC_T_DECSTR ? "<string>%lld</string>"
						    : "<i8>%lld</i8>",
			    (long long)p->min - 1);
			return 1;
		}
		if (k == 3 && p->type != RPC_T_INT) {
			add(c, "<string>12x</string>");
			return 1;
		}
		return 0;
	case RPC_T_STRING:
		if (k == 1) { /* one byte too long */
			add(c, "<string>");
			for (i = 0; i <= p->max; i++)
				add(c, "n");
			add(c, "</string>");
			return 1;
		}
		return 0;
	case RPC_T_ARRAY:
		if (k == 1) { /* one element too many */
			add(c, "<array><data>");
			for (i = 0; i <= p->max; i++)
				add(c, "<value><int>1</int></value>");
			add(c, "</data></array>");
			return 1;
		}
		if (k == 2) { /* an element of the wrong kind */
			add(c, p->elem == RPC_T_STRING
				   ? "<array><data><value><int>1</int></value>"
				     "</data></array>"
				   : "<array><data><value><string>x</string>"
				     "</value></data></array>");
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

/*
 * The call of method m with ver and every member of its spec good, except
 * member `bad` (index) given bad value k, or left out when k < 0.
 * Returns 0 when bad value k does not exist.
 */
static int build(struct call *c, const struct rpc_method *m, const char *ver,
		 int bad, int k)
{
	const struct rpc_param_spec *p;
	int i;

	c->len = 0;
	add(c,
	    "<?xml version='1.0'?><methodCall><methodName>%s</methodName>"
	    "<params><param><value><struct>",
	    m->name);
	if (ver)
		add(c, "<member><name>ver</name><value>%s</value></member>",
		    ver);
	for (i = 0, p = m->spec; p && p->name; p++, i++) {
		if (i == bad && k < 0)
			continue;
		add(c, "<member><name>%s</name><value>", p->name);
		if (i != bad)
			good_value(c, p);
		else if (!bad_value(c, p, k))
			return 0;
		add(c, "</value></member>");
	}
	add(c, "</struct></value></param></params></methodCall>");
	return 1;
}

/* Runs one call; the fault code, 0 for a result. */
static int fault_of(const struct call *c)
{
	return rpc_call_table(probe, c->xml, c->len, NULL);
}

/* vas_api.txt, version 5 (sm.md 3): every one stays. */
static const char *const v5_methods[] = {
    "registerHeadServer",   "registerStorageServer",
    "registerPhysicalDisk", "deletePhysicalDisk",
    "deleteHeadServer",	    "deleteStorageServer",
    "createLogicalVolume",  "createSnapshot",
    "deleteLogicalVolume",  "attachLogicalVolume",
    "detachLogicalVolume",  "listHeadServers",
    "listStorageServers",   "listPhysicalDisks",
    "listEvents",	    "listLogicalVolumes",
    "showLogicalVolume",    "notifyFailure",
    "notifyBadBlocks",	    "shutdownAll"};
/* The additions of issue 16. */
static const char *const added_methods[] = {
    "createPool",	   "deletePool",      "listPools",
    "setPoolQuota",	   "setStoragePool",  "setFailureDomain",
    "extendLogicalVolume", "getTargetSecrets"};

static bool in_table(const char *name)
{
	int i;

	for (i = 0; sm_methods[i].name; i++)
		if (!strcmp(sm_methods[i].name, name))
			return true;
	return false;
}

START_TEST(the_table_is_the_api)
{
	size_t k;
	int n = 0, i, j;

	for (i = 0; sm_methods[i].name; i++, n++) {
		ck_assert_ptr_nonnull(sm_methods[i].handler);
		ck_assert_msg(sm_methods[i].spec, "%s: no spec",
			      sm_methods[i].name);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(sm_methods[i].name,
					 sm_methods[j].name);
	}
	for (k = 0; k < sizeof(v5_methods) / sizeof(v5_methods[0]); k++)
		ck_assert_msg(in_table(v5_methods[k]), "%s missing",
			      v5_methods[k]);
	for (k = 0; k < sizeof(added_methods) / sizeof(added_methods[0]); k++)
		ck_assert_msg(in_table(added_methods[k]), "%s missing",
			      added_methods[k]);
	ck_assert_int_eq(n,
			 sizeof(v5_methods) / sizeof(v5_methods[0]) +
			     sizeof(added_methods) / sizeof(added_methods[0]));
}
END_TEST

START_TEST(a_good_call_reaches_every_handler)
{
	struct call c = {0};
	int i;

	for (i = 0; probe[i].name; i++) {
		reached = 0;
		ck_assert(build(&c, &probe[i], "<int>5</int>", -1, 0));
		ck_assert_msg(fault_of(&c) == 0, "%s: %s", probe[i].name,
			      c.xml);
		ck_assert_int_eq(reached, 1);
	}
	free(c.xml);
}
END_TEST

START_TEST(every_bad_member_is_einval)
{
	const struct rpc_param_spec *p;
	struct call c = {0};
	int i, m, k, tried = 0;

	for (i = 0; probe[i].name; i++)
		for (m = 0, p = probe[i].spec; p->name; p++, m++) {
			/* RPC_LATE: the handler checks it after its lookups
			 * (3.0's order), so a bad value does reach it. */
			for (k = 0; !(p->flags & RPC_LATE) &&
				    build(&c, &probe[i], "<int>5</int>", m, k);
			     k++, tried++) {
				reached = 0;
				ck_assert_msg(fault_of(&c) == EINVAL,
					      "%s.%s bad value %d accepted: %s",
					      probe[i].name, p->name, k, c.xml);
				ck_assert_int_eq(reached, 0);
			}
			if (!(p->flags & RPC_REQUIRED))
				continue;
			ck_assert(build(&c, &probe[i], "<int>5</int>", m, -1));
			ck_assert_msg(fault_of(&c) == EINVAL,
				      "%s without %s accepted", probe[i].name,
				      p->name);
		}
	ck_assert_int_gt(tried, 40);
	free(c.xml);
}
END_TEST

START_TEST(ver_must_be_5)
{
	static const char *const bad[] = {NULL, "<int>4</int>",
					  "<string>5</string>", "<i8>6</i8>"};
	struct call c = {0};
	size_t v;
	int i;

	for (i = 0; probe[i].name; i++)
		for (v = 0; v < sizeof(bad) / sizeof(bad[0]); v++) {
			reached = 0;
			ck_assert(build(&c, &probe[i], bad[v], -1, 0));
			ck_assert_int_eq(fault_of(&c), EPROTO);
			ck_assert_int_eq(reached, 0);
		}
	free(c.xml);
}
END_TEST

/* system.listMethods: exactly the table and the three system names. */
START_TEST(introspection_lists_the_table)
{
	static const char call[] =
	    "<?xml version='1.0'?><methodCall><methodName>system.listMethods"
	    "</methodName><params></params></methodCall>";
	xmlrpc_mem_block *out =
	    rpc_process(sm_methods, NULL, call, sizeof(call) - 1, "t");
	xmlrpc_value *res = NULL;
	const char *fs = NULL;
	int code = 0, n, i, j, listed = 0;
	xmlrpc_env env;

	xmlrpc_env_init(&env);
	xmlrpc_parse_response2(&env, XMLRPC_MEMBLOCK_CONTENTS(char, out),
			       XMLRPC_MEMBLOCK_SIZE(char, out), &res, &code,
			       &fs);
	ck_assert(!env.fault_occurred && !code && res);
	n = xmlrpc_array_size(&env, res);
	for (i = 0; i < n; i++) {
		xmlrpc_value *e = NULL;
		const char *name = NULL;

		xmlrpc_array_read_item(&env, res, i, &e);
		xmlrpc_read_string(&env, e, &name);
		ck_assert(!env.fault_occurred);
		for (j = 0;
		     sm_methods[j].name && strcmp(sm_methods[j].name, name);
		     j++)
			;
		if (sm_methods[j].name)
			listed++;
		else
			ck_assert_msg(!strncmp(name, "system.", 7),
				      "%s is listed but not in the table",
				      name);
		free((void *)name);
		xmlrpc_DECREF(e);
	}
	for (j = 0; sm_methods[j].name; j++)
		;
	ck_assert_int_eq(listed, j);
	ck_assert_int_eq(n, j + 3);
	xmlrpc_DECREF(res);
	xmlrpc_env_clean(&env);
	XMLRPC_MEMBLOCK_FREE(char, out);
}
END_TEST

START_TEST(unknown_methods_are_fault_1)
{
	static const char *const names[] = {"noSuchMethod", "_dispatch",
					    "helloWorld", "notifyShredFinished",
					    "connect_db"};
	struct rpc_method m = {NULL, reach, NULL, 0, NULL};
	struct call c = {0};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		m.name = names[i];
		reached = 0;
		ck_assert(build(&c, &m, "<int>5</int>", -1, 0));
		ck_assert_int_eq(fault_of(&c), VAS_ENOMETHOD);
		ck_assert_int_eq(reached, 0);
	}
	free(c.xml);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {the_table_is_the_api,
				      a_good_call_reaches_every_handler,
				      every_bad_member_is_einval,
				      ver_must_be_5,
				      introspection_lists_the_table,
				      unknown_methods_are_fault_1,
				      NULL};

	log_init("test_sm_methods", LOG_LVL_ERR, 0);
	if (probe_table())
		return EXIT_FAILURE;
	return check_run("sm_methods", tests, NULL, NULL);
}
