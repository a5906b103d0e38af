/*
 * The Prometheus text exposition format (version 0.0.4): a growing text
 * buffer, metric families with HELP and TYPE, samples with escaped label
 * values, and cumulative histograms.
 */
#ifndef VAS_PROM_H
#define VAS_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_buf {
	char *text; /* NUL-terminated; the caller frees */
	size_t len;
	size_t cap;
	bool failed; /* out of memory: text is incomplete */
};

/* "# HELP name help" and "# TYPE name type" (counter, gauge, histogram). */
void prom_family(struct prom_buf *b, const char *name, const char *type,
		 const char *help);
/*
 * One sample: name{k1="v1",...} value. labels: NULL, or k, v pairs ended
 * by NULL; values are escaped (\\, \", \n).
 */
void prom_sample(struct prom_buf *b, const char *name,
		 const char *const *labels, double value);

/* A histogram with fixed upper bounds (seconds), updated by the owner. */
#define PROM_MAX_BUCKETS 16
struct prom_hist {
	uint64_t bucket[PROM_MAX_BUCKETS + 1]; /* per bound, then +Inf */
	uint64_t count;
	double sum;
};
void prom_hist_observe(struct prom_hist *h, const double *bounds, int n,
		       double value);
/*
 * name_bucket{labels...,le="b"} (cumulative), name_sum, name_count.
 * labels as for prom_sample (at most 4 pairs).
 */
void prom_hist_write(struct prom_buf *b, const char *name,
		     const char *const *labels, const struct prom_hist *h,
		     const double *bounds, int n);

#endif
