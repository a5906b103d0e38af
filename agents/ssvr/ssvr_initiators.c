/*
 * The initiator set a target is bound to (ssvr_acl.c keeps it current):
 * <state_dir>/initiators, one address a line, or initiator_address.
 */
#include "ssvr_priv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACL_FILE     "initiators"
#define ACL_FILE_MAX (SSVR_ACL_MAX * 17 + 1)

static int cmp_addr(const void *a, const void *b)
{
	return strcmp(a, b);
}

void acl_add(struct acl_set *s, const char *addr)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->addr[i], addr))
			return;
	if (s->n == SSVR_ACL_MAX || strlen(addr) >= sizeof(s->addr[0]))
		return;
	snprintf(s->addr[s->n++], sizeof(s->addr[0]), "%s", addr);
}

void acl_sort(struct acl_set *s)
{
	qsort(s->addr, (size_t)s->n, sizeof(s->addr[0]), cmp_addr);
}

int acl_load(const struct ssvr_cfg *cfg, struct acl_set *s)
{
	char path[PATH_MAX], *text, *line, *save = NULL;
	int ret;

	memset(s, 0, sizeof(*s));
	ret = ssvr_path(path, sizeof(path), cfg, ACL_FILE);
	if (ret)
		return ret;
	text = malloc(ACL_FILE_MAX);
	if (!text)
		return -ENOMEM;
	ret = ssvr_read_file(path, text, ACL_FILE_MAX);
	if (!ret)
		for (line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			acl_add(s, line);
	free(text);
	acl_sort(s);
	return ret == -ENOENT ? 0 : ret;
}

int acl_save(const struct ssvr_cfg *cfg, const struct acl_set *s)
{
	char path[PATH_MAX], text[ACL_FILE_MAX];
	size_t len = 0;
	int i, ret;

	ret = ssvr_path(path, sizeof(path), cfg, ACL_FILE);
	if (ret)
		return ret;
	text[0] = '\0';
	for (i = 0; i < s->n; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n",
					s->addr[i]);
	return ssvr_write_atomic(path, text, len);
}

int acl_wanted(const struct ssvr_cfg *cfg, struct acl_set *s)
{
	int i;

	if (!cfg->n_initiators)
		return acl_load(cfg, s);
	memset(s, 0, sizeof(*s));
	for (i = 0; i < cfg->n_initiators; i++)
		acl_add(s, cfg->initiators[i]);
	return 0;
}
