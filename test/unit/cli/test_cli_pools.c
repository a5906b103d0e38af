/*
 * The CLI layouts of issue 16: pool_list, the placement columns (-P), and
 * lvol_show with failure domains - 3.0's bytes wherever nothing asks for
 * more.
 */
#include "cli_priv.h"
#include "vas/log.h"

#include "check_run.h"
#include "cli_fixtures.h"

#include <stdlib.h>

static struct vas_pool_info pool(int32_t id, const char *name, int32_t parent,
				 int64_t quota, int64_t used)
{
	struct vas_pool_info p;

	memset(&p, 0, sizeof(p));
	p.poolid = id;
	snprintf(p.pool, sizeof(p.pool), "%s", name);
	p.parent = parent;
	p.quota = quota;
	p.used = used;
	p.capacity = 300;
	p.available = 180;
	p.volumes = (int)id;
	return p;
}

START_TEST(test_pool_list_layout)
{
	struct vas_pool_info p[2] = {pool(1, "default", 0, 0, 60),
				     pool(2, "tenant", 1, 100, 30)};
	struct buf b;

	buf_open(&b);
	cli_print_pools(b.f, p, 2, p, 2, true);
	ck_assert_str_eq(buf_close(&b),
			 "poolid         pool         parent            quota  "
			 "     used   capacity  available  use% volumes\n"
			 "pool-00000001  default      ---                 ---  "
			 "    60 GB     300 GB     180 GB   40%       1\n"
			 "pool-00000002  tenant       default          100 GB  "
			 "    30 GB     300 GB     180 GB   40%       2\n");
	free(b.data);
	/* one row: its parent is named from the whole list */
	buf_open(&b);
	cli_print_pools(b.f, &p[1], 1, p, 2, false);
	ck_assert_str_eq(buf_close(&b),
			 "pool-00000002  tenant       default          100 GB  "
			 "    30 GB     300 GB     180 GB   40%       2\n");
	free(b.data);
	buf_open(&b);
	cli_json_pools(b.f, p, 1);
	ck_assert_str_eq(
	    buf_close(&b),
	    "[\n  {\"poolid\": 1, \"pool\": \"default\", \"parent\": "
	    "0, \"quota\": 0, \"capacity\": 300, \"used\": 60, "
	    "\"available\": 180, \"volumes\": 1}\n]\n");
	free(b.data);
}
END_TEST

START_TEST(test_placement_columns)
{
	struct vas_ssvr_info s;
	struct vas_lvol_info l;
	struct buf b;

	memset(&s, 0, sizeof(s));
	s.ssvrid = 2;
	s.priority = PRIO_HIGH;
	s.capacity = 100;
	snprintf(s.pool, sizeof(s.pool), "fast");
	buf_open(&b);
	cli_print_ssvrs(b.f, &s, 1, false, true);
	ck_assert_str_eq(buf_close(&b),
			 "ssvr-00000002  HIGH          0     100 "
			 "GB       0 GB  100% fast         -\n");
	free(b.data);
	snprintf(s.domain, sizeof(s.domain), "rack-7");
	buf_open(&b);
	cli_json_ssvrs(b.f, &s, 1);
	ck_assert_str_eq(
	    buf_close(&b),
	    "[\n  {\"ssvrid\": 2, \"priority\": 1, \"ip_data\": [], "
	    "\"resync\": 0, \"available\": 0, \"capacity\": 100, "
	    "\"pool\": \"fast\", \"domain\": \"rack-7\"}\n]\n");
	free(b.data);
	/* not asked for: the members stay away */
	s.pool[0] = 0;
	buf_open(&b);
	cli_json_ssvrs(b.f, &s, 1);
	ck_assert_ptr_null(strstr(buf_close(&b), "pool"));
	free(b.data);
	memset(&l, 0, sizeof(l));
	l.lvolid = 7;
	snprintf(l.lvolname, sizeof(l.lvolname), "v");
	snprintf(l.ctime, sizeof(l.ctime), "2026-11-22T23:27:38");
	snprintf(l.pool, sizeof(l.pool), "tenant");
	buf_open(&b);
	cli_print_lvols(b.f, &l, 1, true, true);
	ck_assert_str_eq(buf_close(&b),
			 "lvolid         lvolname       redundancy capacity  "
			 "hsvrid        failure      ctime               pool\n"
			 "lvol-00000007  v                       0     0 GB  "
			 "---           ---          2026-11-22T23:27:38 "
			 "tenant\n");
	free(b.data);
}
END_TEST

START_TEST(test_lvol_show_domains)
{
	struct vas_ssvr_info s[3];
	struct cli_domains dom = {s, 3};
	struct vas_lvolstruct root;
	struct buf plain, none, with;
	const char *out;

	memset(s, 0, sizeof(s));
	s[0].ssvrid = 1;
	s[1].ssvrid = 2;
	s[2].ssvrid = 3;
	build_tree(&root, 2, 2, -1);
	buf_open(&plain);
	ck_assert_int_eq(cli_print_lvol_show(plain.f, &root, NULL), 0);
	/* servers in no domain: 3.0's bytes */
	buf_open(&none);
	ck_assert_int_eq(cli_print_lvol_show(none.f, &root, &dom), 0);
	ck_assert_str_eq(buf_close(&none), buf_close(&plain));
	free(none.data);
	free(plain.data);
	snprintf(s[0].domain, sizeof(s[0].domain), "rack-1");
	snprintf(s[1].domain, sizeof(s[1].domain), "rack-1");
	buf_open(&with);
	ck_assert_int_eq(cli_print_lvol_show(with.f, &root, &dom), 0);
	out = buf_close(&with);
	ck_assert_ptr_nonnull(strstr(out, "ssvr-00000001  INSYNC rack-1\n"));
	ck_assert_ptr_nonnull(strstr(out, "2 GB |" /* mirror row */));
	ck_assert_ptr_nonnull(strstr(out, "sync  domain\n"));
	ck_assert_ptr_nonnull(strstr(out, "      1 domain\n"));
	free(with.data);
	/* a server in none is a domain of its own */
	s[1].domain[0] = 0;
	buf_open(&with);
	ck_assert_int_eq(cli_print_lvol_show(with.f, &root, &dom), 0);
	out = buf_close(&with);
	ck_assert_ptr_nonnull(strstr(out, "      2 domains\n"));
	ck_assert_ptr_nonnull(strstr(out, "ssvr-00000002  INSYNC -\n"));
	free(with.data);
	buf_open(&with);
	cli_print_domain_summary(with.f, &root, &dom);
	ck_assert_str_eq(buf_close(&with),
			 "domains: rack-1 2; mirrors with every copy in a "
			 "domain of its own: 2 of 2\n");
	free(with.data);
	lvs_clear(&root);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    test_pool_list_layout,
	    test_placement_columns,
	    test_lvol_show_domains,
	    NULL,
	};

	log_init("test_cli_pools", LOG_LVL_ERR, 0);
	return check_run("cli_pools", tests, NULL, NULL);
}
