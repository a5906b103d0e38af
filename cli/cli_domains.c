/*
 * What lvol_show says of failure domains (issue 16): nothing at all while
 * no storage server is in one.
 */
#include "cli_priv.h"

#include <string.h>

const char *cli_domain_of(const struct cli_domains *d, int32_t ssvrid)
{
	int i;

	for (i = 0; d && i < d->n; i++)
		if (d->ssvrs[i].ssvrid == ssvrid)
			return d->ssvrs[i].domain[0] ? d->ssvrs[i].domain
						     : NULL;
	return NULL;
}

bool cli_domains_named(const struct cli_domains *d)
{
	int i;

	for (i = 0; d && i < d->n; i++)
		if (d->ssvrs[i].domain[0])
			return true;
	return false;
}

/* Do legs a and b share a failure domain? A server in none is its own. */
static bool same_domain(const struct cli_domains *dom, int32_t a, int32_t b)
{
	const char *da = cli_domain_of(dom, a), *db = cli_domain_of(dom, b);

	if (da && db)
		return !strcmp(da, db);
	return !da && !db && a == b;
}

int cli_mirror_domains(const struct vas_lvolstruct *mirror,
		       const struct cli_domains *dom)
{
	int i, j, n = 0;

	for (i = 0; i < mirror->n_components; i++) {
		for (j = 0; j < i; j++)
			if (same_domain(dom, mirror->components[i].ssvrid,
					mirror->components[j].ssvrid))
				break;
		n += j == i;
	}
	return n;
}

void cli_print_domain_summary(FILE *f, const struct vas_lvolstruct *root,
			      const struct cli_domains *dom)
{
	const struct vas_lvolstruct *lin;
	int i, j, k, spread = 0, named = 0;

	if (!cli_domains_named(dom) || root->n_components != 1 ||
	    root->components[0].n_components != 1)
		return;
	lin = &root->components[0].components[0];
	fputs("domains:", f);
	/* Each named domain once, in server id order. */
	for (i = 0; i < dom->n; i++) {
		int legs = 0;

		if (!dom->ssvrs[i].domain[0])
			continue;
		for (j = 0; j < i; j++)
			if (!strcmp(dom->ssvrs[j].domain, dom->ssvrs[i].domain))
				break;
		if (j < i)
			continue;
		for (j = 0; j < lin->n_components; j++)
			for (k = 0; k < lin->components[j].n_components; k++) {
				const char *d = cli_domain_of(
				    dom,
				    lin->components[j].components[k].ssvrid);

				legs += d && !strcmp(d, dom->ssvrs[i].domain);
			}
		if (legs)
			fprintf(f, "%s %s %d", named++ ? "," : "",
				dom->ssvrs[i].domain, legs);
	}
	for (j = 0; j < lin->n_components; j++)
		spread += cli_mirror_domains(&lin->components[j], dom) ==
			  lin->components[j].n_components;
	fprintf(f,
		"; mirrors with every copy in a domain of its own: %d of "
		"%d\n",
		spread, lin->n_components);
}
