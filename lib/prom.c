/* Prometheus text exposition format writer (vas/prom.h). */
#include "vas/prom.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(struct prom_buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *g;

		while (cap < b->len + n + 1)
			cap *= 2;
		g = realloc(b->text, cap);
		if (!g) {
			b->failed = true;
			return;
		}
		b->text = g;
		b->cap = cap;
	}
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = 0;
}

static void puts_(struct prom_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void putf(struct prom_buf *b,
						       const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->failed = true;
	else
		put(b, tmp, (size_t)n);
}

/* HELP text escapes \ and newline; label values also ". */
static void escaped(struct prom_buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(b, "\\\\");
		else if (*s == '\n')
			puts_(b, "\\n");
		else if (quote && *s == '"')
			puts_(b, "\\\"");
		else
			put(b, s, 1);
	}
}

void prom_family(struct prom_buf *b, const char *name, const char *type,
		 const char *help)
{
	puts_(b, "# HELP ");
	puts_(b, name);
	puts_(b, " ");
	escaped(b, help, false);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	puts_(b, " ");
	puts_(b, type);
	puts_(b, "\n");
}

static void value(struct prom_buf *b, double v)
{
	if (isnan(v))
		puts_(b, "NaN");
	else if (isinf(v))
		puts_(b, v > 0 ? "+Inf" : "-Inf");
	else if (v == floor(v) && fabs(v) < 1e15)
		putf(b, "%.0f", v);
	else
		putf(b, "%.9g", v);
}

static void labels_and_value(struct prom_buf *b, const char *const *labels,
			     const char *le, double v)
{
	bool any = false;
	int i;

	for (i = 0; labels && labels[i] && labels[i + 1]; i += 2) {
		puts_(b, any ? "," : "{");
		puts_(b, labels[i]);
		puts_(b, "=\"");
		escaped(b, labels[i + 1], true);
		puts_(b, "\"");
		any = true;
	}
	if (le) {
		puts_(b, any ? ",le=\"" : "{le=\"");
		puts_(b, le);
		puts_(b, "\"");
		any = true;
	}
	puts_(b, any ? "} " : " ");
	value(b, v);
	puts_(b, "\n");
}

void prom_sample(struct prom_buf *b, const char *name,
		 const char *const *labels, double v)
{
	puts_(b, name);
	labels_and_value(b, labels, NULL, v);
}

void prom_hist_observe(struct prom_hist *h, const double *bounds, int n,
		       double v)
{
	int i;

	for (i = 0; i < n && i < PROM_MAX_BUCKETS && v > bounds[i]; i++)
		;
	h->bucket[i]++;
	h->count++;
	h->sum += v;
}

void prom_hist_write(struct prom_buf *b, const char *name,
		     const char *const *labels, const struct prom_hist *h,
		     const double *bounds, int n)
{
	char metric[128], le[32];
	uint64_t cum = 0;
	int i;

	if (n > PROM_MAX_BUCKETS)
		n = PROM_MAX_BUCKETS;
	snprintf(metric, sizeof(metric), "%s_bucket", name);
	for (i = 0; i <= n; i++) {
		cum += h->bucket[i];
		if (i < n)
			snprintf(le, sizeof(le), "%g", bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		puts_(b, metric);
		labels_and_value(b, labels, le, (double)cum);
	}
	snprintf(metric, sizeof(metric), "%s_sum", name);
	prom_sample(b, metric, labels, h->sum);
	snprintf(metric, sizeof(metric), "%s_count", name);
	prom_sample(b, metric, labels, (double)h->count);
}
