/* lvolstruct tree: construction and freeing. */
#include "vas/lvolstruct.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lvs_clear(struct vas_lvolstruct *n)
{
	int i;

	if (!n)
		return;
	for (i = 0; i < n->n_paths; i++)
		free(n->iscsi_path[i]);
	free(n->chap_user);
	if (n->chap_secret)
		explicit_bzero(n->chap_secret, strlen(n->chap_secret));
	free(n->chap_secret);
	for (i = 0; i < n->n_labels; i++)
		free(n->labels[i]);
	free(n->labels);
	for (i = 0; i < n->n_components; i++)
		lvs_clear(&n->components[i]);
	free(n->components);
	for (i = 0; i < n->n_assoc; i++)
		lvs_clear(&n->assoc[i]);
	free(n->assoc);
	memset(n, 0, sizeof(*n));
}

void lvs_free(struct vas_lvolstruct *n)
{
	lvs_clear(n);
	free(n);
}

int lvs_add_label(struct vas_lvolstruct *n, const char *label)
{
	char **l = realloc(n->labels, sizeof(*l) * (size_t)(n->n_labels + 1));

	if (!l)
		return -ENOMEM;
	n->labels = l;
	l[n->n_labels] = strdup(label);
	if (!l[n->n_labels])
		return -ENOMEM;
	n->n_labels++;
	return 0;
}

int lvs_add_path(struct vas_lvolstruct *n, const char *path)
{
	if (n->n_paths < 0)
		n->n_paths = 0;
	if (n->n_paths >= LVS_MAX_PATHS)
		return -EINVAL;
	n->iscsi_path[n->n_paths] = strdup(path);
	if (!n->iscsi_path[n->n_paths])
		return -ENOMEM;
	n->n_paths++;
	return 0;
}

bool lvs_chap_word(const char *s)
{
	size_t len = strlen(s);

	return len >= 1 && len <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._:-") == len;
}

int lvs_set_chap(struct vas_lvolstruct *n, const char *user, const char *secret)
{
	char *u, *p;

	if (!lvs_chap_word(user) || !lvs_chap_word(secret))
		return -EINVAL;
	u = strdup(user);
	p = strdup(secret);
	if (!u || !p) {
		free(u);
		free(p);
		return -ENOMEM;
	}
	free(n->chap_user);
	free(n->chap_secret);
	n->chap_user = u;
	n->chap_secret = p;
	return 0;
}

static struct vas_lvolstruct *grow(struct vas_lvolstruct **arr, int *count)
{
	struct vas_lvolstruct *a;

	a = realloc(*arr, sizeof(*a) * (size_t)(*count + 1));
	if (!a)
		return NULL;
	*arr = a;
	memset(&a[*count], 0, sizeof(*a));
	a[*count].has_components = 1;
	return &a[(*count)++];
}

struct vas_lvolstruct *lvs_add_component(struct vas_lvolstruct *n)
{
	return grow(&n->components, &n->n_components);
}

struct vas_lvolstruct *lvs_add_assoc(struct vas_lvolstruct *n)
{
	return grow(&n->assoc, &n->n_assoc);
}

/* --- encoding --- */
