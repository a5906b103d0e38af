/*
 * The reply encoder against xmlrpc-c's serializer: the same value must
 * come out byte for byte the same, streamed or walked from a value tree.
 */
#include "vas/rpc_writer.h"

#include "check_run.h"

#include <stdlib.h>
#include <string.h>

/* xmlrpc-c's methodResponse for v, NUL-terminated; caller frees. */
static char *serialized(xmlrpc_value *v)
{
	xmlrpc_env env;
	xmlrpc_mem_block *mb;
	char *doc;
	size_t n;

	xmlrpc_env_init(&env);
	mb = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	xmlrpc_serialize_response(&env, mb, v);
	ck_assert(!env.fault_occurred);
	n = XMLRPC_MEMBLOCK_SIZE(char, mb);
	doc = calloc(1, n + 1);
	ck_assert_ptr_nonnull(doc);
	memcpy(doc, XMLRPC_MEMBLOCK_CONTENTS(char, mb), n);
	XMLRPC_MEMBLOCK_FREE(char, mb);
	xmlrpc_env_clean(&env);
	return doc;
}

/* Our methodResponse for what w holds; caller frees. */
static char *written(struct rpc_writer *w)
{
	char *doc = NULL;
	size_t n = 0;

	ck_assert_int_eq(rpc_writer_response(w, &doc, &n), 0);
	ck_assert_uint_eq(strlen(doc), n);
	rpc_writer_free(w);
	return doc;
}

static void same_as_xmlrpc_c(xmlrpc_value *v)
{
	struct rpc_writer w;
	char *theirs = serialized(v), *ours;

	rpc_writer_init(&w);
	rpc_w_value(&w, v);
	ours = written(&w);
	ck_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
}

static xmlrpc_value *build(const char *format, ...)
{
	xmlrpc_env env;
	xmlrpc_value *v;
	const char *tail = NULL;
	va_list ap;

	xmlrpc_env_init(&env);
	va_start(ap, format);
	xmlrpc_build_value_va(&env, format, ap, &v, &tail);
	va_end(ap);
	ck_assert(!env.fault_occurred);
	xmlrpc_env_clean(&env);
	return v;
}

START_TEST(scalars_match)
{
	xmlrpc_value *v[] = {
	    build("i", 0),
	    build("i", -2147483647 - 1),
	    build("I", (xmlrpc_int64)1 << 40),
	    build("b", 1),
	    build("b", 0),
	    build("s", ""),
	    build("s", "plain"),
	    build("s", "<tag> & \"quotes\" 'single'\r\nline\ttab"),
	    build("s", "utf-8: \xc3\xa9\xe2\x82\xac"),
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		same_as_xmlrpc_c(v[i]);
		xmlrpc_DECREF(v[i]);
	}
}
END_TEST

START_TEST(containers_match)
{
	xmlrpc_value *v[] = {
	    build("()"),
	    build("{}"),
	    build("(i)"),
	    build("({s:i,s:(ss),s:b}{s:i,s:(),s:b})", "hsvrid", 1, "ip_data",
		  "127.0.0.1", "127.0.0.2", "fault", 1, "hsvrid", 2, "ip_data",
		  "fault", 0),
	    build("{s:{s:{s:(i(i))}}}", "a", "b<&>", "c", 1, 2),
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		same_as_xmlrpc_c(v[i]);
		xmlrpc_DECREF(v[i]);
	}
}
END_TEST

/* The listing path streams; it must equal the value it stands for. */
START_TEST(streaming_matches_the_value)
{
	xmlrpc_value *v = build("({s:i,s:s,s:({s:i}),s:b,s:()})", "lvolid", 7,
				"lvolname", "a&b", "associated_to", "lvolid", 3,
				"fault", 1, "associated_from");
	struct rpc_writer w;
	char *theirs = serialized(v), *ours;

	rpc_writer_init(&w);
	rpc_w_array_begin(&w);
	rpc_w_struct_begin(&w);
	rpc_w_int(&w, "lvolid", 7);
	rpc_w_str(&w, "lvolname", "a&b");
	rpc_w_member(&w, "associated_to");
	rpc_w_array_begin(&w);
	rpc_w_struct_begin(&w);
	rpc_w_int(&w, "lvolid", 3);
	rpc_w_struct_end(&w);
	rpc_w_array_end(&w);
	rpc_w_member_end(&w);
	rpc_w_bool(&w, "fault", true);
	rpc_w_member(&w, "associated_from");
	rpc_w_array_begin(&w);
	rpc_w_array_end(&w);
	rpc_w_member_end(&w);
	rpc_w_struct_end(&w);
	rpc_w_array_end(&w);
	ours = written(&w);
	ck_assert_str_eq(ours, theirs);
	free(ours);
	free(theirs);
	xmlrpc_DECREF(v);
}
END_TEST

START_TEST(faults_match)
{
	xmlrpc_env env, fault;
	xmlrpc_mem_block *mb;
	char *ours = NULL;
	size_t n = 0;

	xmlrpc_env_init(&env);
	xmlrpc_env_init(&fault);
	xmlrpc_env_set_fault(&fault, 22, "EINVAL <&>");
	mb = XMLRPC_MEMBLOCK_NEW(char, &env, 0);
	xmlrpc_serialize_fault(&env, mb, &fault);
	ck_assert(!env.fault_occurred);
	ck_assert_int_eq(rpc_writer_fault(22, "EINVAL <&>", &ours, &n), 0);
	ck_assert_uint_eq(n, XMLRPC_MEMBLOCK_SIZE(char, mb));
	ck_assert(!memcmp(ours, XMLRPC_MEMBLOCK_CONTENTS(char, mb), n));
	free(ours);
	XMLRPC_MEMBLOCK_FREE(char, mb);
	xmlrpc_env_clean(&fault);
	xmlrpc_env_clean(&env);
}
END_TEST

/* Unbalanced nesting is a bug in the handler: no document at all. */
START_TEST(unbalanced_is_refused)
{
	struct rpc_writer w;
	char *doc = NULL;
	size_t n = 0;

	rpc_writer_init(&w);
	rpc_w_array_begin(&w);
	ck_assert_int_ne(rpc_writer_response(&w, &doc, &n), 0);
	rpc_w_struct_end(&w);
	ck_assert(rpc_writer_failed(&w));
	rpc_writer_free(&w);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    scalars_match, containers_match,	  streaming_matches_the_value,
	    faults_match,  unbalanced_is_refused, NULL};

	return check_run("rpc_writer", tests, NULL, NULL);
}
