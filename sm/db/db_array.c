/* Batch statements: array literals ("{1,2,3}") and their RETURNING rows. */
#include "db_priv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *db_array(const void *base, size_t stride, int n,
	       int64_t (*get)(const void *elem))
{
	size_t cap = (size_t)n * 21 + 3, len = 0;
	char *s = malloc(cap);
	int i;

	if (!s)
		return NULL;
	s[len++] = '{';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(
		    s + len, cap - len, "%s%" PRId64, i ? "," : "",
		    get((const char *)base + (size_t)i * stride));
	s[len++] = '}';
	s[len] = 0;
	return s;
}

void db_keep_returned(const PGresult *r, void *rows, size_t stride, int *n,
		      int64_t (*key)(const void *row))
{
	int i, j = 0, k;

	for (i = 0; i < *n; i++) {
		char *row = (char *)rows + (size_t)i * stride;

		for (k = 0; k < PQntuples(r); k++)
			if (db_l(r, k, 0) == key(row))
				break;
		if (k == PQntuples(r))
			continue;
		if (j != i)
			memcpy((char *)rows + (size_t)j * stride, row, stride);
		j++;
	}
	*n = j;
}
