/*
 * The classic human layouts of the list and show commands, byte for byte
 * as cli.md section 4 gives them (trailing padding included).
 */
#include "cli_priv.h"
#include "vas/proto.h"
#include "vas/units.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const prio_names[] = {
    [PRIO_HIGH] = "HIGH",	  [PRIO_LOW] = "LOW",
    [PRIO_EVACUATE] = "EVACUATE", [PRIO_OFFLINE] = "OFFLINE",
    [PRIO_FAULTY] = "FAULTY",	  [PRIO_HALT] = "HALT",
};

static const char *const sync_names[] = {
    [MIRROR_ALLOCATED] = "ALLOCATED", [MIRROR_INSYNC] = "INSYNC",
    [MIRROR_SPARE] = "SPARE",	      [MIRROR_FAULTY] = "FAULTY",
    [MIRROR_NEEDSHRED] = "ALLOCATED",
};

/* A name from table, or the number itself for a value it does not know. */
static const char *enum_name(const char *const *table, int n, int v, char *buf,
			     size_t len)
{
	if (v >= 0 && v < n && table[v])
		return table[v];
	snprintf(buf, len, "%d", v);
	return buf;
}

const char *cli_prio_name(int prio, char *buf, size_t len)
{
	return enum_name(prio_names,
			 (int)(sizeof(prio_names) / sizeof(*prio_names)), prio,
			 buf, len);
}

const char *cli_sync_name(int status, char *buf, size_t len)
{
	return enum_name(sync_names,
			 (int)(sizeof(sync_names) / sizeof(*sync_names)),
			 status, buf, len);
}

int cli_use_pct(int64_t capacity, int64_t available)
{
	if (capacity <= 0)
		return 0;
	return (int)((capacity - available) * 100 / capacity);
}

static void id_cell(char *buf, size_t len, const char *prefix, int32_t id)
{
	ids_format(buf, len, prefix, (uint32_t)id);
}

/* --- lvol_list: L14 L12 R12 R8 L14 L12 L19 --- */

static const char lvol_row[] = "%-14s %-12s %12s %8s %-14s %-12s %-19s";

/* -P (issue 16): the line ends with the placement cells, else as 3.0's. */
static void end_row(FILE *f, bool placement, const char *pool,
		    const char *domain)
{
	if (placement && domain)
		fprintf(f, " %-12s %s", pool, *domain ? domain : "-");
	else if (placement)
		fprintf(f, " %s", pool);
	fputc('\n', f);
}

static void hsvr_cell(char *buf, size_t len, const struct vas_lvol_info *l)
{
	char mark = ' ';

	if (l->hsvrid == 0) {
		snprintf(buf, len, " ---");
		return;
	}
	if (l->bind_status == ATTACH_ERROR)
		mark = '*';
	else if (l->bind_event == ATTACH_BINDING)
		mark = '+';
	else if (l->bind_event == ATTACH_UNBINDING)
		mark = '-';
	snprintf(buf, len, "%chsvr-%08" PRIx32, mark, (uint32_t)l->hsvrid);
}

void cli_print_lvols(FILE *f, const struct vas_lvol_info *l, int n, bool header,
		     bool placement)
{
	char id[24], red[16], cap[32], hs[24];
	int i, j;

	if (header) {
		fprintf(f, lvol_row, "lvolid", "lvolname", "redundancy",
			"capacity", " hsvrid", "failure", "ctime");
		end_row(f, placement, "pool", NULL);
	}
	for (i = 0; i < n; i++) {
		id_cell(id, sizeof(id), "lvol-", l[i].lvolid);
		snprintf(red, sizeof(red), "%d", l[i].redundancy);
		snprintf(cap, sizeof(cap), "%" PRId64 " GB", l[i].capacity);
		hsvr_cell(hs, sizeof(hs), &l[i]);
		fprintf(f, lvol_row, id, l[i].lvolname, red, cap, hs,
			l[i].fault ? "yes" : "---", l[i].ctime);
		end_row(f, placement, l[i].pool, NULL);
		for (j = 0; j < l[i].n_assoc_to; j++)
			fprintf(f, "\tsnapshot of lvol-%08" PRIx32 "\n",
				(uint32_t)l[i].assoc_to[j]);
		for (j = 0; j < l[i].n_assoc_from; j++)
			fprintf(f, "\tsnapshot-origin of lvol-%08" PRIx32 "\n",
				(uint32_t)l[i].assoc_from[j]);
	}
}

/* --- hsvr_list: L14 L9 R5 --- */

static void print_inets(FILE *f, const char (*ips)[16], int n)
{
	int i;

	for (i = 0; i < n; i++)
		fprintf(f, "\tinet %s\n", ips[i]);
}

void cli_print_hsvrs(FILE *f, const void *rows, int n, bool header,
		     bool placement)
{
	const struct vas_hsvr_info *h = rows;
	char id[24], prio[16];
	int i;

	(void)placement; /* head servers are in no pool */
	if (header)
		fprintf(f, "%-14s %-9s %5s\n", "hsvrid", "priority", "resync");
	for (i = 0; i < n; i++) {
		id_cell(id, sizeof(id), "hsvr-", h[i].hsvrid);
		fprintf(f, "%-14s %-9s %5d\n", id,
			cli_prio_name(h[i].priority, prio, sizeof(prio)),
			h[i].resync);
		print_inets(f, h[i].ip_data, h[i].n_ip);
	}
}

/* --- ssvr_list / pdsk_list --- */

static void print_total(FILE *f, int64_t total, int64_t avail)
{
	char t[40], a[40], u[24];

	snprintf(t, sizeof(t), "total %" PRId64 " GB", total);
	snprintf(a, sizeof(a), "available %" PRId64 " GB", avail);
	snprintf(u, sizeof(u), "use%% %d%%", cli_use_pct(total, avail));
	fprintf(f, "%-14s %-14s %-14s\n", t, a, u);
}

/* The capacity, available and use% cells shared by both lists. */
struct space_cells {
	char cap[40];
	char avail[40];
	char use[16];
};

static void space_cells(struct space_cells *c, int64_t cap, int64_t avail)
{
	snprintf(c->cap, sizeof(c->cap), "%3" PRId64 " GB", cap);
	snprintf(c->avail, sizeof(c->avail), "%" PRId64 " GB", avail);
	snprintf(c->use, sizeof(c->use), "%d%%", cli_use_pct(cap, avail));
}

static const char ssvr_row[] = "%-14s %-9s %5s %10s %10s %5s";

void cli_print_ssvrs(FILE *f, const void *rows, int n, bool header,
		     bool placement)
{
	const struct vas_ssvr_info *s = rows;
	int64_t total = 0, avail = 0;
	char id[24], prio[16], resync[16];
	struct space_cells c;
	int i;

	for (i = 0; i < n; i++) {
		total += s[i].capacity;
		avail += s[i].available;
	}
	if (header) {
		print_total(f, total, avail);
		fprintf(f, ssvr_row, "ssvrid", "priority", "resync", "capacity",
			"available", "use%");
		end_row(f, placement, "pool", "domain");
	}
	for (i = 0; i < n; i++) {
		id_cell(id, sizeof(id), "ssvr-", s[i].ssvrid);
		snprintf(resync, sizeof(resync), "%d", s[i].resync);
		space_cells(&c, s[i].capacity, s[i].available);
		fprintf(f, ssvr_row, id,
			cli_prio_name(s[i].priority, prio, sizeof(prio)),
			resync, c.cap, c.avail, c.use);
		end_row(f, placement, s[i].pool, s[i].domain);
		print_inets(f, s[i].ip_data, s[i].n_ip);
	}
}

static const char pdsk_row[] = "%-14s %-14s %-9s%6s %10s %10s %5s %-40s %-18s";

void cli_print_pdsks(FILE *f, const void *rows, int n, bool header,
		     bool placement)
{
	const struct vas_pdsk_info *p = rows;
	char id[24], sid[24], prio[16], resync[16];
	int64_t total = 0, avail = 0;
	struct space_cells c;
	int i;

	for (i = 0; i < n; i++) {
		total += p[i].capacity;
		avail += p[i].available;
	}
	if (header) {
		print_total(f, total, avail);
		fprintf(f, pdsk_row, "pdskid", "ssvrid", "priority", "resync",
			"capacity", "available", "use%", "local_path",
			"srp_name");
		end_row(f, placement, "pool", "domain");
	}
	for (i = 0; i < n; i++) {
		id_cell(id, sizeof(id), "pdsk-", p[i].pdskid);
		id_cell(sid, sizeof(sid), "ssvr-", p[i].ssvrid);
		snprintf(resync, sizeof(resync), "%d", p[i].resync);
		space_cells(&c, p[i].capacity, p[i].available);
		fprintf(f, pdsk_row, id, sid,
			cli_prio_name(p[i].priority, prio, sizeof(prio)),
			resync, c.cap, c.avail, c.use, p[i].local_path,
			p[i].srp_name);
		end_row(f, placement, p[i].pool, p[i].domain);
	}
}

/* --- lvol_show --- */

/* The LINEAR node below LVOL -> SNAPSHOT-ORIGIN|SNAPSHOT, or NULL. */
static const struct vas_lvolstruct *
find_linear(const struct vas_lvolstruct *root)
{
	const struct vas_lvolstruct *top, *lin;

	if (root->lvoltype != LVOLTYPE_LVOL || root->n_components != 1)
		return NULL;
	top = &root->components[0];
	if ((top->lvoltype != LVOLTYPE_SNAPSHOT_ORIGIN &&
	     top->lvoltype != LVOLTYPE_SNAPSHOT) ||
	    top->n_components != 1)
		return NULL;
	lin = &top->components[0];
	return lin->lvoltype == LVOLTYPE_LINEAR ? lin : NULL;
}

static int check_mirrors(const struct vas_lvolstruct *lin)
{
	int i, j;

	for (i = 0; i < lin->n_components; i++) {
		const struct vas_lvolstruct *m = &lin->components[i];

		if (m->lvoltype != LVOLTYPE_MIRROR)
			return -EPROTO;
		for (j = 0; j < m->n_components; j++)
			if (m->components[j].lvoltype != LVOLTYPE_DEXT)
				return -EPROTO;
	}
	return 0;
}

static void print_show_head(FILE *f, const struct vas_lvolstruct *root,
			    const struct vas_lvolstruct *lin)
{
	int r = lin->n_components ? lin->components[0].n_components : 0;

	fprintf(f,
		"lvolid: lvol-%08" PRIx32 " lvol_name: %s capacity: %" PRId64
		" GB redundancy: %d\n",
		(uint32_t)root->lvolid, root->lvolname, lin->capacity, r);
}

static const char show_row[] = "%-14s %8s %8s | %-14s %-14s %8s %-14s %-5s";

/* With domains named, a last cell (issue 16); 3.0's line otherwise. */
static void end_show(FILE *f, bool domains, const char *cell)
{
	if (domains)
		fprintf(f, " %s", cell);
	fputc('\n', f);
}

int cli_print_lvol_show(FILE *f, const struct vas_lvolstruct *root,
			const struct cli_domains *dom)
{
	const struct vas_lvolstruct *lin = find_linear(root);
	char mid[24], off[32], cap[32], did[24], pid[24], sid[24], st[16];
	bool domains = dom && cli_domains_named(dom);
	int64_t offset = 0;
	char spread[32] = "";
	int i, j;

	if (!lin || check_mirrors(lin))
		return -EPROTO;
	print_show_head(f, root, lin);
	fprintf(f, show_row, "mirror", "offset", "capacity", "disk-extent",
		"physical-disk", "offset", "server", "sync");
	end_show(f, domains, "domain");
	for (i = 0; i < lin->n_components; i++) {
		const struct vas_lvolstruct *m = &lin->components[i];

		id_cell(mid, sizeof(mid), "mirr-", m->lvolid);
		snprintf(off, sizeof(off), "%" PRId64 " GB", offset);
		snprintf(cap, sizeof(cap), "%" PRId64 " GB", m->capacity);
		fprintf(f, show_row, mid, off, cap, "", "", "", "", "");
		if (domains) {
			int k = cli_mirror_domains(m, dom);

			snprintf(spread, sizeof(spread), "%d domain%s", k,
				 k == 1 ? "" : "s");
		}
		end_show(f, domains, spread);
		offset += m->capacity;
		for (j = 0; j < m->n_components; j++) {
			const struct vas_lvolstruct *d = &m->components[j];

			id_cell(did, sizeof(did), "dext-", d->lvolid);
			id_cell(pid, sizeof(pid), "pdsk-", d->pdskid);
			id_cell(sid, sizeof(sid), "ssvr-", d->ssvrid);
			snprintf(off, sizeof(off), "%" PRId64 " GB", d->offset);
			fprintf(
			    f, show_row, "", "", "", did, pid, off, sid,
			    cli_sync_name(d->mirror_status, st, sizeof(st)));
			if (domains) {
				const char *name =
				    cli_domain_of(dom, d->ssvrid);

				end_show(f, true, name ? name : "-");
			} else {
				fputc('\n', f);
			}
		}
	}
	return 0;
}

/* --- lvol_show --summary --- */

static int count_add(struct cli_count **arr, int *n, int32_t id)
{
	struct cli_count *grown;
	int i;

	for (i = 0; i < *n; i++) {
		if ((*arr)[i].id == id) {
			(*arr)[i].extents++;
			return 0;
		}
	}
	grown = realloc(*arr, sizeof(**arr) * (size_t)(*n + 1));
	if (!grown)
		return -ENOMEM;
	*arr = grown;
	grown[*n].id = id;
	grown[*n].extents = 1;
	(*n)++;
	return 0;
}

static int cmp_count(const void *a, const void *b)
{
	const struct cli_count *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static bool leg_healthy(int status)
{
	return status == MIRROR_ALLOCATED || status == MIRROR_INSYNC ||
	       status == MIRROR_NEEDSHRED;
}

int cli_lvol_summarize(const struct vas_lvolstruct *root,
		       struct cli_lvol_summary *s)
{
	const struct vas_lvolstruct *lin = find_linear(root);
	int i, j, ret = 0;

	memset(s, 0, sizeof(*s));
	if (!lin || check_mirrors(lin))
		return -EPROTO;
	s->lvolid = root->lvolid;
	s->lvolname = root->lvolname;
	s->capacity_gib = lin->capacity;
	s->redundancy = lin->n_components ? lin->components[0].n_components : 0;
	s->mirrors = lin->n_components;
	for (i = 0; i < lin->n_components && !ret; i++) {
		const struct vas_lvolstruct *m = &lin->components[i];
		bool healthy = true;

		for (j = 0; j < m->n_components && !ret; j++) {
			const struct vas_lvolstruct *d = &m->components[j];
			int st = d->mirror_status == MIRROR_NEEDSHRED
				     ? MIRROR_ALLOCATED
				     : d->mirror_status;

			s->extents++;
			s->by_status[st > 0 && st < CLI_MAX_SYNC ? st : 0]++;
			healthy = healthy && leg_healthy(st);
			ret = count_add(&s->ssvrs, &s->n_ssvr, d->ssvrid);
			if (!ret)
				ret =
				    count_add(&s->pdsks, &s->n_pdsk, d->pdskid);
		}
		if (healthy)
			s->mirrors_in_sync++;
	}
	if (ret) {
		cli_lvol_summary_free(s);
		return ret;
	}
	if (s->n_ssvr)
		qsort(s->ssvrs, (size_t)s->n_ssvr, sizeof(*s->ssvrs),
		      cmp_count);
	if (s->n_pdsk)
		qsort(s->pdsks, (size_t)s->n_pdsk, sizeof(*s->pdsks),
		      cmp_count);
	return 0;
}

void cli_lvol_summary_free(struct cli_lvol_summary *s)
{
	free(s->ssvrs);
	free(s->pdsks);
	s->ssvrs = NULL;
	s->pdsks = NULL;
	s->n_ssvr = 0;
	s->n_pdsk = 0;
}

static void print_counts(FILE *f, const char *label, const char *prefix,
			 const struct cli_count *c, int n)
{
	int i;

	fprintf(f, "%s: %d", label, n);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s%08" PRIx32 " %d", i ? ", " : " (", prefix,
			(uint32_t)c[i].id, c[i].extents);
	fprintf(f, "%s\n", n ? ")" : "");
}

void cli_print_lvol_summary(FILE *f, const struct cli_lvol_summary *s)
{
	int pct = s->mirrors ? s->mirrors_in_sync * 100 / s->mirrors : 100;

	fprintf(f,
		"lvolid: lvol-%08" PRIx32 " lvol_name: %s capacity: %" PRId64
		" GB redundancy: %d\n",
		(uint32_t)s->lvolid, s->lvolname, s->capacity_gib,
		s->redundancy);
	fprintf(f, "mirrors: %d\n", s->mirrors);
	fprintf(f,
		"extents: %d (ALLOCATED %d, INSYNC %d, SPARE %d, FAULTY %d, "
		"unknown %d)\n",
		s->extents, s->by_status[MIRROR_ALLOCATED],
		s->by_status[MIRROR_INSYNC], s->by_status[MIRROR_SPARE],
		s->by_status[MIRROR_FAULTY], s->by_status[0]);
	print_counts(f, "servers", "ssvr-", s->ssvrs, s->n_ssvr);
	print_counts(f, "disks", "pdsk-", s->pdsks, s->n_pdsk);
	fprintf(f, "resync: %d of %d mirrors in sync (%d%%), %d waiting\n",
		s->mirrors_in_sync, s->mirrors, pct,
		s->mirrors - s->mirrors_in_sync);
}
