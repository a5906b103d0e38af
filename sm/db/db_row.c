/* A query whose answer is one row: turned into one record, or one id. */
#include "db_priv.h"

#include <errno.h>

int db_row(struct db_tx *tx, void *row,
	   void (*fill)(const PGresult *, int, void *), const char *sql,
	   const char *fmt, ...)
{
	PGresult *r = NULL;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = db_vq(tx, &r, sql, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = PQntuples(r) ? 0 : -ENOENT;
	if (!ret)
		fill(r, 0, row);
	PQclear(r);
	return ret;
}

int db_row_answer(struct db_tx *tx, int ticket, void *row,
		  void (*fill)(const PGresult *, int, void *))
{
	PGresult *r = NULL;
	int ret = db_answer(tx, ticket, &r);

	if (ret)
		return ret;
	ret = PQntuples(r) ? 0 : -ENOENT;
	if (!ret)
		fill(r, 0, row);
	PQclear(r);
	return ret;
}

void db_fill_int(const PGresult *r, int i, void *out)
{
	*(int *)out = (int)db_l(r, i, 0);
}

int db_id(struct db_tx *tx, int32_t *id, const char *sql, const char *fmt, ...)
{
	PGresult *r = NULL;
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = db_vq(tx, &r, sql, fmt, ap);
	va_end(ap);
	if (ret)
		return ret;
	ret = PQntuples(r) && !PQgetisnull(r, 0, 0) ? 0 : -ENOENT;
	if (!ret)
		*id = (int32_t)db_l(r, 0, 0);
	PQclear(r);
	return ret;
}
