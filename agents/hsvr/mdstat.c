/* /proc/mdstat parser: arrays, members with roles and flags, status. */
#include "mdstat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_member(struct md_array *a, const char *tok)
{
	const char *br = strchr(tok, '[');
	struct md_member *m;
	size_t n;

	if (!br || a->nmem == MDSTAT_MAX_MEMBERS)
		return;
	n = (size_t)(br - tok);
	if (!n || n >= sizeof(m->kname))
		return;
	m = &a->mem[a->nmem];
	memset(m, 0, sizeof(*m));
	memcpy(m->kname, tok, n);
	m->role = atoi(br + 1);
	m->faulty = strstr(br, "(F)") != NULL;
	m->spare = strstr(br, "(S)") != NULL;
	a->nmem++;
}

/* "md0 : active raid1 dm-3[1] dm-2[0](F)" */
static int parse_head(char *line, struct md_array *a)
{
	char *save = NULL, *tok;
	int i = 0;

	memset(a, 0, sizeof(*a));
	for (tok = strtok_r(line, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save), i++) {
		if (i == 0 && snprintf(a->kname, sizeof(a->kname), "%s", tok) >=
				  (int)sizeof(a->kname))
			return -EINVAL;
		if (i == 1 && strcmp(tok, ":"))
			return -EINVAL;
		if (i >= 2 && strchr(tok, '['))
			parse_member(a, tok);
	}
	return i >= 2 ? 0 : -EINVAL;
}

/* "      123 blocks [2/1] [U_]" (also "super 1.2 [2/1] [U_]") */
static void parse_status(const char *line, struct md_array *a)
{
	const char *p = strrchr(line, '[');
	const char *q;
	int raid, up;
	size_t n;

	q = strstr(line, "/");
	while (q && q > line && q[-1] >= '0' && q[-1] <= '9')
		q--;
	if (q && sscanf(q, "%d/%d]", &raid, &up) == 2)
		a->raid_disks = raid;
	if (!p || !strchr(p, ']'))
		return;
	n = (size_t)(strchr(p, ']') - p - 1);
	if (n > MDSTAT_MAX_MEMBERS || strspn(p + 1, "U_") != n)
		return;
	memcpy(a->status, p + 1, n);
	a->status[n] = '\0';
}

int mdstat_parse(const char *text, struct md_array *arr, int max, int *n)
{
	char *copy = strdup(text), *line, *save = NULL;
	struct md_array *cur = NULL;
	int found = 0, personalities = 0;

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "Personalities", 13)) {
			personalities = 1;
			continue;
		}
		if (!strncmp(line, "md", 2) && strstr(line, " : ")) {
			cur = NULL;
			if (found < max && !parse_head(line, &arr[found]))
				cur = &arr[found++];
			continue;
		}
		if (!cur)
			continue;
		if (strstr(line, "blocks") && strchr(line, '/'))
			parse_status(line, cur);
		else if (strstr(line, "recovery =") || strstr(line, "resync ="))
			cur->recovering = 1;
	}
	free(copy);
	*n = found;
	return personalities ? 0 : -EINVAL;
}

enum md_member_state md_member_state(const struct md_array *a,
				     const struct md_member *m)
{
	if (m->faulty)
		return MD_FAULTY;
	if (m->spare)
		return MD_REBUILDING;
	if (m->role >= 0 && m->role < (int)strlen(a->status) &&
	    a->status[m->role] == 'U')
		return MD_IN_SYNC;
	return MD_REBUILDING;
}

static int has_flag(const char *flags, const char *want)
{
	size_t n = strlen(want);
	const char *p;

	for (p = flags; (p = strstr(p, want)); p += n)
		if ((p == flags || p[-1] == ',') &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == '\n' ||
		     p[n] == ' '))
			return 1;
	return 0;
}

enum md_member_state md_state_of_flags(const char *flags)
{
	if (has_flag(flags, "faulty"))
		return MD_FAULTY;
	if (has_flag(flags, "in_sync"))
		return MD_IN_SYNC;
	return MD_REBUILDING;
}
