/*
 * XML-RPC value writer. The layout is xmlrpc-c's: CRLF after an opening
 * array or struct, after each array element and after each member; the
 * test in test/unit/test_rpc_writer.c holds it against xmlrpc-c itself.
 */
#include "vas/rpc_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CRLF "\r\n"

void rpc_writer_init(struct rpc_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void rpc_writer_free(struct rpc_writer *w)
{
	free(w->buf);
	rpc_writer_init(w);
}

bool rpc_writer_failed(const struct rpc_writer *w)
{
	return w->failed;
}

static void put(struct rpc_writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 4096;
		char *b;

		while (cap < w->len + n + 1)
			cap *= 2;
		b = realloc(w->buf, cap);
		if (!b) {
			w->failed = true;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct rpc_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* As xmlrpc-c escapes text: the markup characters and CR. */
static void put_escaped(struct rpc_writer *w, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '<'    ? "&lt;"
				  : *s == '>'  ? "&gt;"
				  : *s == '&'  ? "&amp;"
				  : *s == '\r' ? "&#x0d;"
					       : NULL;

		if (!rep)
			continue;
		put(w, run, (size_t)(s - run));
		puts_(w, rep);
		run = s + 1;
	}
	put(w, run, (size_t)(s - run));
}

/* A value is complete: an array element ends with CRLF. */
static void value_done(struct rpc_writer *w)
{
	if (w->depth > 0 && w->in_array[w->depth - 1])
		puts_(w, CRLF);
}

static void open_container(struct rpc_writer *w, bool array)
{
	if (w->depth >= RPC_WRITER_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->in_array[w->depth++] = array;
	puts_(w, array ? "<value><array><data>" CRLF : "<value><struct>" CRLF);
}

static void close_container(struct rpc_writer *w, bool array)
{
	if (w->depth <= 0 || w->in_array[w->depth - 1] != array) {
		w->failed = true; /* a caller's nesting bug */
		return;
	}
	w->depth--;
	puts_(w, array ? "</data></array></value>" : "</struct></value>");
	value_done(w);
}

void rpc_w_array_begin(struct rpc_writer *w)
{
	open_container(w, true);
}

void rpc_w_array_end(struct rpc_writer *w)
{
	close_container(w, true);
}

void rpc_w_struct_begin(struct rpc_writer *w)
{
	open_container(w, false);
}

void rpc_w_struct_end(struct rpc_writer *w)
{
	close_container(w, false);
}

void rpc_w_int_value(struct rpc_writer *w, int64_t v)
{
	char num[48];

	snprintf(num, sizeof(num), "<value><i4>%" PRId64 "</i4></value>", v);
	puts_(w, num);
	value_done(w);
}

static void i8_value(struct rpc_writer *w, int64_t v)
{
	char num[48];

	snprintf(num, sizeof(num), "<value><i8>%" PRId64 "</i8></value>", v);
	puts_(w, num);
	value_done(w);
}

void rpc_w_str_value(struct rpc_writer *w, const char *v)
{
	puts_(w, "<value><string>");
	put_escaped(w, v);
	puts_(w, "</string></value>");
	value_done(w);
}

void rpc_w_bool_value(struct rpc_writer *w, bool v)
{
	puts_(w, v ? "<value><boolean>1</boolean></value>"
		   : "<value><boolean>0</boolean></value>");
	value_done(w);
}

void rpc_w_member(struct rpc_writer *w, const char *name)
{
	puts_(w, "<member><name>");
	put_escaped(w, name);
	puts_(w, "</name>" CRLF);
}

void rpc_w_member_end(struct rpc_writer *w)
{
	puts_(w, "</member>" CRLF);
}

void rpc_w_int(struct rpc_writer *w, const char *name, int64_t v)
{
	rpc_w_member(w, name);
	rpc_w_int_value(w, v);
	rpc_w_member_end(w);
}

void rpc_w_str(struct rpc_writer *w, const char *name, const char *v)
{
	rpc_w_member(w, name);
	rpc_w_str_value(w, v);
	rpc_w_member_end(w);
}

void rpc_w_bool(struct rpc_writer *w, const char *name, bool v)
{
	rpc_w_member(w, name);
	rpc_w_bool_value(w, v);
	rpc_w_member_end(w);
}

static void write_array(struct rpc_writer *w, xmlrpc_env *env, xmlrpc_value *v)
{
	int i, n = xmlrpc_array_size(env, v);

	rpc_w_array_begin(w);
	for (i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *e = NULL;

		xmlrpc_array_read_item(env, v, i, &e);
		if (e) {
			rpc_w_value(w, e);
			xmlrpc_DECREF(e);
		}
	}
	rpc_w_array_end(w);
}

static void write_struct(struct rpc_writer *w, xmlrpc_env *env, xmlrpc_value *v)
{
	int i, n = xmlrpc_struct_size(env, v);

	rpc_w_struct_begin(w);
	for (i = 0; i < n && !env->fault_occurred; i++) {
		xmlrpc_value *key = NULL, *val = NULL;
		const char *name = NULL;

		xmlrpc_struct_read_member(env, v, (unsigned)i, &key, &val);
		if (key)
			xmlrpc_read_string(env, key, &name);
		if (name && val) {
			rpc_w_member(w, name);
			rpc_w_value(w, val);
			rpc_w_member_end(w);
		}
		free((void *)name);
		if (key)
			xmlrpc_DECREF(key);
		if (val)
			xmlrpc_DECREF(val);
	}
	rpc_w_struct_end(w);
}

void rpc_w_value(struct rpc_writer *w, xmlrpc_value *v)
{
	xmlrpc_env env;

	if (w->failed)
		return;
	if (!v) {
		w->failed = true;
		return;
	}
	xmlrpc_env_init(&env);
	switch (xmlrpc_value_type(v)) {
	case XMLRPC_TYPE_INT: {
		int i = 0;

		xmlrpc_read_int(&env, v, &i);
		rpc_w_int_value(w, i);
		break;
	}
	case XMLRPC_TYPE_I8: {
		xmlrpc_int64 i = 0;

		xmlrpc_read_i8(&env, v, &i);
		i8_value(w, i);
		break;
	}
	case XMLRPC_TYPE_BOOL: {
		xmlrpc_bool b = 0;

		xmlrpc_read_bool(&env, v, &b);
		rpc_w_bool_value(w, b);
		break;
	}
	case XMLRPC_TYPE_STRING: {
		const char *s = NULL;

		xmlrpc_read_string(&env, v, &s);
		if (s)
			rpc_w_str_value(w, s);
		free((void *)s);
		break;
	}
	case XMLRPC_TYPE_ARRAY:
		write_array(w, &env, v);
		break;
	case XMLRPC_TYPE_STRUCT:
		write_struct(w, &env, v);
		break;
	default: /* no reply of ours carries doubles, dates or bytes */
		w->failed = true;
		break;
	}
	if (env.fault_occurred)
		w->failed = true;
	xmlrpc_env_clean(&env);
}

#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" CRLF

/* head, the written value, tail: one heap document. */
static int document(struct rpc_writer *w, const char *head, const char *tail,
		    char **doc, size_t *len)
{
	size_t h = strlen(head), t = strlen(tail);

	if (w->failed || w->depth)
		return -ENOMEM;
	*doc = malloc(h + w->len + t + 1);
	if (!*doc)
		return -ENOMEM;
	memcpy(*doc, head, h);
	memcpy(*doc + h, w->buf, w->len);
	memcpy(*doc + h + w->len, tail, t + 1);
	*len = h + w->len + t;
	return 0;
}

int rpc_writer_response(struct rpc_writer *w, char **doc, size_t *len)
{
	return document(
	    w, XML_DECL "<methodResponse>" CRLF "<params>" CRLF "<param>",
	    "</param>" CRLF "</params>" CRLF "</methodResponse>" CRLF, doc,
	    len);
}

int rpc_writer_fault(int code, const char *string, char **doc, size_t *len)
{
	struct rpc_writer w;
	int ret;

	rpc_writer_init(&w);
	rpc_w_struct_begin(&w);
	rpc_w_int(&w, "faultCode", code);
	rpc_w_str(&w, "faultString", string);
	rpc_w_struct_end(&w);
	ret = document(&w, XML_DECL "<methodResponse>" CRLF "<fault>" CRLF,
		       CRLF "</fault>" CRLF "</methodResponse>" CRLF, doc, len);
	rpc_writer_free(&w);
	return ret;
}
