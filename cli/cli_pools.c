/* pool_list's table (issue 16). */
#include "cli_priv.h"
#include "vas/units.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* --- pool_list: L14 L12 L12 R10 R10 R10 R10 R5 R7 --- */

static const char pool_row[] =
    "%-14s %-12s %-12s %10s %10s %10s %10s %5s %7s\n";

static const char *name_of(const struct vas_pool_info *p, int n, int32_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (p[i].poolid == id)
			return p[i].pool;
	return "---";
}

void cli_print_pools(FILE *f, const struct vas_pool_info *p, int n,
		     const struct vas_pool_info *all, int n_all, bool header)
{
	char id[24], quota[32], used[32], cap[32], avail[32], use[16], vols[16];
	int i;

	if (header)
		fprintf(f, pool_row, "poolid", "pool", "parent", "quota",
			"used", "capacity", "available", "use%", "volumes");
	for (i = 0; i < n; i++) {
		ids_format(id, sizeof(id), "pool-", (uint32_t)p[i].poolid);
		if (p[i].quota)
			snprintf(quota, sizeof(quota), "%" PRId64 " GB",
				 p[i].quota);
		else
			snprintf(quota, sizeof(quota), "---");
		snprintf(used, sizeof(used), "%" PRId64 " GB", p[i].used);
		snprintf(cap, sizeof(cap), "%3" PRId64 " GB", p[i].capacity);
		snprintf(avail, sizeof(avail), "%" PRId64 " GB",
			 p[i].available);
		snprintf(use, sizeof(use), "%d%%",
			 cli_use_pct(p[i].capacity, p[i].available));
		snprintf(vols, sizeof(vols), "%d", p[i].volumes);
		fprintf(f, pool_row, id, p[i].pool,
			p[i].parent ? name_of(all, n_all, p[i].parent) : "---",
			quota, used, cap, avail, use, vols);
	}
}
