/* Fixtures of the CLI layout suites: captured output, expected lines, trees. */
#ifndef VAS_TEST_CLI_FIXTURES_H
#define VAS_TEST_CLI_FIXTURES_H

#include "vas/lvolstruct.h"
#include "vas/proto.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Captures what fn writes. */
struct buf {
	char *data;
	size_t len;
	FILE *f;
};

static inline void buf_open(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->f = open_memstream(&b->data, &b->len);
	ck_assert_ptr_nonnull(b->f);
}

static inline const char *buf_close(struct buf *b)
{
	fclose(b->f);
	return b->data;
}

/*
 * Checks out line by line: line i must be lines[i] padded with spaces to
 * widths[i] (the column widths of cli.md section 4).
 */
static inline void expect_padded(const char *out, const char *const *lines,
				 const int *widths, int n)
{
	char want[256];
	int i;

	for (i = 0; i < n; i++) {
		const char *nl = strchr(out, '\n');

		ck_assert_ptr_nonnull(nl);
		snprintf(want, sizeof(want), "%-*s", widths[i], lines[i]);
		ck_assert_int_eq((int)(nl - out), (int)strlen(want));
		ck_assert(!strncmp(out, want, strlen(want)));
		out = nl + 1;
	}
	ck_assert_str_eq(out, "");
}

/* LVOL -> SNAPSHOT-ORIGIN -> LINEAR -> mirrors of the given legs. */
static inline void build_tree(struct vas_lvolstruct *root, int mirrors,
			      int legs, int spare_at)
{
	struct vas_lvolstruct *so, *lin;
	int i, j;

	memset(root, 0, sizeof(*root));
	root->lvolid = 0x26c;
	snprintf(root->lvolname, sizeof(root->lvolname), "bar");
	so = lvs_add_component(root);
	so->lvolid = 0x26d;
	so->lvoltype = LVOLTYPE_SNAPSHOT_ORIGIN;
	lin = lvs_add_component(so);
	lin->lvolid = 0x26e;
	lin->lvoltype = LVOLTYPE_LINEAR;
	lin->capacity = mirrors * 2;
	for (i = 0; i < mirrors; i++) {
		struct vas_lvolstruct *m = lvs_add_component(lin);

		m->lvolid = 0x270 + i;
		m->lvoltype = LVOLTYPE_MIRROR;
		m->capacity = 2;
		for (j = 0; j < legs; j++) {
			struct vas_lvolstruct *d = lvs_add_component(m);

			d->lvolid = 0x10 * i + j;
			d->lvoltype = LVOLTYPE_DEXT;
			d->pdskid = j + 1;
			d->ssvrid = j + 1;
			d->offset = i * 2;
			d->mirror_status = i * legs + j == spare_at
					       ? MIRROR_SPARE
					       : MIRROR_INSYNC;
		}
	}
}

#endif
