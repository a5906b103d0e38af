/*
 * Device lists of the reporter (ssvr.md 5.2): register_device_list
 * ("pdsk,<path>", admin-written; blank lines and # comments allowed),
 * device_list ("pdsk-%08x,<path>") and the ssvrid file ("ssvr-%08x").
 */
#include "ssvr_devlist.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vas/log.h"
#include "vas/units.h"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int push(struct devlist *l, uint32_t id, const char *path)
{
	if (l->n == l->cap) {
		struct devlist_ent *na;
		int cap = l->cap ? l->cap * 2 : 8;

		na = realloc(l->ent, (size_t)cap * sizeof(*na));
		if (!na)
			return -ENOMEM;
		l->ent = na;
		l->cap = cap;
	}
	l->ent[l->n].pdskid = id;
	snprintf(l->ent[l->n].path, sizeof(l->ent[0].path), "%s", path);
	l->n++;
	return 0;
}

void devlist_free(struct devlist *l)
{
	free(l->ent);
	memset(l, 0, sizeof(*l));
}

int devlist_find(const struct devlist *l, const char *path)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->ent[i].path, path))
			return i;
	return -1;
}

int devlist_set(struct devlist *l, uint32_t id, const char *path)
{
	int i = devlist_find(l, path);

	if (i >= 0) {
		l->ent[i].pdskid = id;
		return 0;
	}
	return push(l, id, path);
}

void devlist_remove(struct devlist *l, int i)
{
	memmove(&l->ent[i], &l->ent[i + 1],
		(size_t)(l->n - i - 1) * sizeof(l->ent[0]));
	l->n--;
}

/*
 * Parses one list. registered: titles "pdsk-XXXXXXXX" carry the id;
 * otherwise only "pdsk" lines count. Malformed lines are logged, skipped.
 */
int devlist_read(const char *file, bool registered, struct devlist *l)
{
	char line[PATH_MAX + 32];
	int lineno = 0, ret = 0;
	FILE *f;

	memset(l, 0, sizeof(*l));
	f = fopen(file, "r");
	if (!f)
		return -errno;
	while (!ret && fgets(line, sizeof(line), f)) {
		char *s = trim(line), *comma, *path;
		int64_t id = 0;

		lineno++;
		if (!*s || *s == '#')
			continue;
		comma = strchr(s, ',');
		if (!comma) {
			log_warn("%s(%d): expected '<title>,<path>'", file,
				 lineno);
			continue;
		}
		*comma = '\0';
		path = trim(comma + 1);
		s = trim(s);
		if (registered ? ids_parse(s, "pdsk-", &id) != 0 || !id ||
				     strncmp(s, "pdsk-", 5)
			       : strcmp(s, "pdsk") != 0) {
			if (registered || strncmp(s, "pdsk", 4) == 0)
				log_warn("%s(%d): bad title '%s'", file, lineno,
					 s);
			continue;
		}
		if (path[0] != '/' || strchr(path, ',')) {
			log_warn("%s(%d): '%s' is not an absolute path", file,
				 lineno, path);
			continue;
		}
		if (devlist_find(l, path) >= 0) {
			log_warn("%s(%d): %s listed twice", file, lineno, path);
			continue;
		}
		ret = push(l, (uint32_t)id, path);
	}
	fclose(f);
	if (ret)
		devlist_free(l);
	return ret;
}

int devlist_write(const char *file, const struct devlist *l)
{
	size_t cap = (size_t)l->n * (PATH_MAX + 16) + 1, len = 0;
	char *data = malloc(cap);
	int i, ret;

	if (!data)
		return -ENOMEM;
	data[0] = '\0';
	for (i = 0; i < l->n; i++)
		if (l->ent[i].pdskid)
			len += (size_t)snprintf(
			    data + len, cap - len, "pdsk-%08x,%s\n",
			    l->ent[i].pdskid, l->ent[i].path);
	ret = ssvr_write_atomic(file, data, len);
	free(data);
	return ret;
}

int ssvrid_read(const char *file, int32_t *id)
{
	char buf[64];
	int64_t v;
	int ret;

	ret = ssvr_read_file(file, buf, sizeof(buf));
	if (ret)
		return ret;
	if (ids_parse(trim(buf), "ssvr-", &v) || !v || v > INT32_MAX) {
		log_err("%s: malformed", file);
		return -EINVAL;
	}
	*id = (int32_t)v;
	return 0;
}

int ssvrid_write(const char *file, int32_t id)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "ssvr-%08x\n", (uint32_t)id);

	return ssvr_write_atomic(file, buf, (size_t)n);
}
