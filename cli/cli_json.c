/* --json output: one JSON document per command, the API's member names. */
#include "cli_priv.h"
#include "vas/proto.h"

#include <inttypes.h>

void cli_json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	for (; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
			break;
		}
	}
	fputc('"', f);
}

/* Member writers: first member of an object gets no comma. */
static void key(FILE *f, bool *first, const char *k)
{
	fprintf(f, "%s", *first ? "" : ", ");
	*first = false;
	cli_json_string(f, k);
	fputs(": ", f);
}

static void kint(FILE *f, bool *first, const char *k, int64_t v)
{
	key(f, first, k);
	fprintf(f, "%" PRId64, v);
}

static void kstr(FILE *f, bool *first, const char *k, const char *v)
{
	key(f, first, k);
	cli_json_string(f, v);
}

/* Members there only when listed with placement (issue 16). */
static void kplace(FILE *f, bool *first, const char *pool, const char *domain)
{
	if (!pool[0])
		return;
	kstr(f, first, "pool", pool);
	if (domain)
		kstr(f, first, "domain", domain);
}

static void kips(FILE *f, bool *first, const char (*ips)[16], int n)
{
	int i;

	key(f, first, "ip_data");
	fputc('[', f);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		cli_json_string(f, ips[i]);
	}
	fputc(']', f);
}

static void kassoc(FILE *f, bool *first, const char *k, const int32_t *ids,
		   int n)
{
	int i;

	key(f, first, k);
	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f,
			"%s{\"lvolid\": %" PRId32 ", \"type\": \"snapshot\"}",
			i ? ", " : "", ids[i]);
	fputc(']', f);
}

/* Arrays of rows: "[\n  {...},\n  {...}\n]\n". */
static void row_open(FILE *f, int i)
{
	fputs(i ? ",\n  {" : "[\n  {", f);
}

static void rows_close(FILE *f, int n)
{
	fputs(n ? "\n]\n" : "[]\n", f);
}

void cli_json_lvols(FILE *f, const struct vas_lvol_info *l, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		bool first = true;

		row_open(f, i);
		kint(f, &first, "hsvrid", l[i].hsvrid);
		kint(f, &first, "lvolid", l[i].lvolid);
		kstr(f, &first, "lvolname", l[i].lvolname);
		kint(f, &first, "redundancy", l[i].redundancy);
		kint(f, &first, "capacity", l[i].capacity);
		kassoc(f, &first, "associated_to", l[i].assoc_to,
		       l[i].n_assoc_to);
		kassoc(f, &first, "associated_from", l[i].assoc_from,
		       l[i].n_assoc_from);
		key(f, &first, "fault");
		fputs(l[i].fault ? "true" : "false", f);
		kint(f, &first, "bind_status", l[i].bind_status);
		kint(f, &first, "bind_event", l[i].bind_event);
		kstr(f, &first, "ctime", l[i].ctime);
		kplace(f, &first, l[i].pool, NULL);
		fputc('}', f);
	}
	rows_close(f, n);
}

void cli_json_hsvrs(FILE *f, const void *rows, int n)
{
	const struct vas_hsvr_info *h = rows;
	int i;

	for (i = 0; i < n; i++) {
		bool first = true;

		row_open(f, i);
		kint(f, &first, "hsvrid", h[i].hsvrid);
		kint(f, &first, "priority", h[i].priority);
		kips(f, &first, h[i].ip_data, h[i].n_ip);
		kint(f, &first, "resync", h[i].resync);
		fputc('}', f);
	}
	rows_close(f, n);
}

void cli_json_ssvrs(FILE *f, const void *rows, int n)
{
	const struct vas_ssvr_info *s = rows;
	int i;

	for (i = 0; i < n; i++) {
		bool first = true;

		row_open(f, i);
		kint(f, &first, "ssvrid", s[i].ssvrid);
		kint(f, &first, "priority", s[i].priority);
		kips(f, &first, s[i].ip_data, s[i].n_ip);
		kint(f, &first, "resync", s[i].resync);
		kint(f, &first, "available", s[i].available);
		kint(f, &first, "capacity", s[i].capacity);
		kplace(f, &first, s[i].pool, s[i].domain);
		fputc('}', f);
	}
	rows_close(f, n);
}

void cli_json_pdsks(FILE *f, const void *rows, int n)
{
	const struct vas_pdsk_info *p = rows;
	int i;

	for (i = 0; i < n; i++) {
		bool first = true;

		row_open(f, i);
		kint(f, &first, "ssvrid", p[i].ssvrid);
		kint(f, &first, "pdskid", p[i].pdskid);
		kint(f, &first, "priority", p[i].priority);
		kstr(f, &first, "local_path", p[i].local_path);
		kint(f, &first, "resync", p[i].resync);
		kint(f, &first, "capacity", p[i].capacity);
		kint(f, &first, "available", p[i].available);
		if (p[i].srp_name[0])
			kstr(f, &first, "srp_name", p[i].srp_name);
		kplace(f, &first, p[i].pool, p[i].domain);
		fputc('}', f);
	}
	rows_close(f, n);
}

static void json_node(FILE *f, const struct vas_lvolstruct *n);

static void json_nodes(FILE *f, const struct vas_lvolstruct *a, int n)
{
	int i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		json_node(f, &a[i]);
	}
	fputc(']', f);
}

static void json_spec(FILE *f, const struct vas_lvolstruct *n)
{
	bool first = true;
	int i;

	fputc('{', f);
	switch (n->lvoltype) {
	case LVOLTYPE_LVOL:
		kstr(f, &first, "lvolname", n->lvolname);
		kint(f, &first, "redundancy", n->redundancy);
		kstr(f, &first, "ctime", n->ctime);
		key(f, &first, "assoc");
		json_nodes(f, n->assoc, n->n_assoc);
		break;
	case LVOLTYPE_SNAPSHOT:
		if (n->origin_lvolid)
			kint(f, &first, "origin_lvolid", n->origin_lvolid);
		break;
	case LVOLTYPE_DEXT:
		if (n->n_paths < 0)
			break;
		kint(f, &first, "pdskid", n->pdskid);
		kint(f, &first, "offset", n->offset);
		kint(f, &first, "ssvrid", n->ssvrid);
		key(f, &first, "iscsi_path");
		fputc('[', f);
		for (i = 0; i < n->n_paths; i++) {
			fputs(i ? ", " : "", f);
			cli_json_string(f, n->iscsi_path[i]);
		}
		fputc(']', f);
		break;
	default:
		break;
	}
	fputc('}', f);
}

static void json_node(FILE *f, const struct vas_lvolstruct *n)
{
	bool first = true;
	int i;

	fputc('{', f);
	kint(f, &first, "lvolid", n->lvolid);
	kint(f, &first, "lvoltype", n->lvoltype);
	kint(f, &first, "capacity", n->capacity);
	kint(f, &first, "mirror_status", n->mirror_status);
	key(f, &first, "lvolspec");
	json_spec(f, n);
	key(f, &first, "labels");
	fputc('[', f);
	for (i = 0; i < n->n_labels; i++) {
		fputs(i ? ", " : "", f);
		cli_json_string(f, n->labels[i]);
	}
	fputc(']', f);
	key(f, &first, "components");
	json_nodes(f, n->components, n->n_components);
	fputc('}', f);
}

void cli_json_lvolstruct(FILE *f, const struct vas_lvolstruct *n)
{
	json_node(f, n);
	fputc('\n', f);
}

static void kcounts(FILE *f, bool *first, const char *k, const char *idkey,
		    const struct cli_count *c, int n)
{
	int i;

	key(f, first, k);
	fputc('[', f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s{\"%s\": %" PRId32 ", \"extents\": %d}",
			i ? ", " : "", idkey, c[i].id, c[i].extents);
	fputc(']', f);
}

void cli_json_lvol_summary(FILE *f, const struct cli_lvol_summary *s)
{
	bool first = true, f2 = true;

	fputc('{', f);
	kint(f, &first, "lvolid", s->lvolid);
	kstr(f, &first, "lvolname", s->lvolname);
	kint(f, &first, "capacity", s->capacity_gib);
	kint(f, &first, "redundancy", s->redundancy);
	kint(f, &first, "mirrors", s->mirrors);
	kint(f, &first, "mirrors_in_sync", s->mirrors_in_sync);
	kint(f, &first, "extents", s->extents);
	key(f, &first, "extents_by_status");
	fputc('{', f);
	kint(f, &f2, "ALLOCATED", s->by_status[MIRROR_ALLOCATED]);
	kint(f, &f2, "INSYNC", s->by_status[MIRROR_INSYNC]);
	kint(f, &f2, "SPARE", s->by_status[MIRROR_SPARE]);
	kint(f, &f2, "FAULTY", s->by_status[MIRROR_FAULTY]);
	kint(f, &f2, "unknown", s->by_status[0]);
	fputc('}', f);
	kcounts(f, &first, "servers", "ssvrid", s->ssvrs, s->n_ssvr);
	kcounts(f, &first, "disks", "pdskid", s->pdsks, s->n_pdsk);
	fputs("}\n", f);
}

void cli_json_pools(FILE *f, const struct vas_pool_info *p, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		bool first = true;

		row_open(f, i);
		kint(f, &first, "poolid", p[i].poolid);
		kstr(f, &first, "pool", p[i].pool);
		kint(f, &first, "parent", p[i].parent);
		kint(f, &first, "quota", p[i].quota);
		kint(f, &first, "capacity", p[i].capacity);
		kint(f, &first, "used", p[i].used);
		kint(f, &first, "available", p[i].available);
		kint(f, &first, "volumes", p[i].volumes);
		fputc('}', f);
	}
	rows_close(f, n);
}
