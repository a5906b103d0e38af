/* Internals of sm/db/: query helper shared by the db_*.c files. */
#ifndef VAS_DB_PRIV_H
#define VAS_DB_PRIV_H

#include <libpq-fe.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

struct db_migration {
	const char *name;
	const char *sql;
};
extern const struct db_migration db_migrations[];

struct db_tx {
	struct db *db;
	PGconn *conn;
	int slot;
	int failed;
};

/*
 * Runs one parameterised statement. fmt has one letter per parameter:
 * 'd' int, 'l' int64_t, 's' string (NULL = SQL NULL). *res (optional)
 * receives the result, which the caller PQclear()s. Returns 0 or a
 * negative errno (see db.h).
 */
int db_q(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	 ...);
int db_vq(struct db_tx *tx, PGresult **res, const char *sql, const char *fmt,
	  va_list ap);
/*
 * Runs a query and turns every result row into one element (elem_size
 * bytes) of a calloc'd array via fill(result, row, element). The caller
 * frees *rows.
 */
int db_rows(struct db_tx *tx, void **rows, int *n, size_t elem_size,
	    void (*fill)(const PGresult *, int, void *), const char *sql,
	    const char *fmt, ...);
/* The first row into *row via fill(); -ENOENT when there is none. */
int db_row(struct db_tx *tx, void *row,
	   void (*fill)(const PGresult *, int, void *), const char *sql,
	   const char *fmt, ...);
/* The same for a result already at hand. */
int db_rows_from(const PGresult *r, void **rows, int *n, size_t elem_size,
		 void (*fill)(const PGresult *, int, void *));
/*
 * The array literal "{v0,v1,...}" of get(element) over n elements stride
 * bytes apart, for batch statements ($1::int[]). Caller frees; NULL when
 * out of memory.
 */
char *db_array(const void *base, size_t stride, int n,
	       int64_t (*get)(const void *elem));
/*
 * Keeps, in order, the rows (stride bytes apart) whose key is among the
 * values of column 0 of r (a batch statement's RETURNING); *n updated.
 */
void db_keep_returned(const PGresult *r, void *rows, size_t stride, int *n,
		      int64_t (*key)(const void *row));
/* Column helpers on a result row. */
int64_t db_l(const PGresult *r, int row, int col);
const char *db_s(const PGresult *r, int row, int col);

#endif
