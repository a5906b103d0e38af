/* Compact XML-RPC value writer with escaping. */
#include "vas/rpc_writer.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void put_escaped(struct rpc_writer *w, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = *s == '<'   ? "&lt;"
				  : *s == '>' ? "&gt;"
				  : *s == '&' ? "&amp;"
					      : NULL;

		if (!rep)
			continue;
		put(w, run, (size_t)(s - run));
		puts_(w, rep);
		run = s + 1;
	}
	put(w, run, (size_t)(s - run));
}

void rpc_w_array_begin(struct rpc_writer *w)
{
	puts_(w, "<value><array><data>");
}

void rpc_w_array_end(struct rpc_writer *w)
{
	puts_(w, "</data></array></value>");
}

void rpc_w_struct_begin(struct rpc_writer *w)
{
	puts_(w, "<value><struct>");
}

void rpc_w_struct_end(struct rpc_writer *w)
{
	puts_(w, "</struct></value>");
}

void rpc_w_member(struct rpc_writer *w, const char *name)
{
	puts_(w, "<member><name>");
	put_escaped(w, name);
	puts_(w, "</name>");
}

void rpc_w_member_end(struct rpc_writer *w)
{
	puts_(w, "</member>");
}

void rpc_w_int(struct rpc_writer *w, const char *name, int64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRId64, v);
	rpc_w_member(w, name);
	puts_(w, "<value><i4>");
	puts_(w, num);
	puts_(w, "</i4></value>");
	rpc_w_member_end(w);
}

void rpc_w_str(struct rpc_writer *w, const char *name, const char *v)
{
	rpc_w_member(w, name);
	puts_(w, "<value><string>");
	put_escaped(w, v);
	puts_(w, "</string></value>");
	rpc_w_member_end(w);
}

void rpc_w_bool(struct rpc_writer *w, const char *name, bool v)
{
	rpc_w_member(w, name);
	puts_(w, v ? "<value><boolean>1</boolean></value>"
		   : "<value><boolean>0</boolean></value>");
	rpc_w_member_end(w);
}

int rpc_writer_response(struct rpc_writer *w, char **doc, size_t *len)
{
	static const char head[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
				   "\r\n<methodResponse><params><param>";
	static const char tail[] = "</param></params></methodResponse>\r\n";
	size_t n;

	if (w->failed)
		return -ENOMEM;
	n = sizeof(head) - 1 + w->len + sizeof(tail) - 1;
	*doc = malloc(n + 1);
	if (!*doc)
		return -ENOMEM;
	memcpy(*doc, head, sizeof(head) - 1);
	memcpy(*doc + sizeof(head) - 1, w->buf, w->len);
	memcpy(*doc + sizeof(head) - 1 + w->len, tail, sizeof(tail));
	*len = n;
	return 0;
}
