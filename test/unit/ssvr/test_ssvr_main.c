/* Runs every storage-server unit suite. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "ssvr_test.h"
#include "vas/exec.h"
#include "vas/log.h"

void ssvr_env_init(struct ssvr_env *e, const char *const *extra)
{
	char tmpl[] = "/tmp/vas-ssvr-unit-XXXXXX";

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(e->dir, sizeof(e->dir), "%s", tmpl);
	ck_assert_int_eq(conf_new_empty(&e->conf), 0);
	conf_set(e->conf, "ssvr_agent", "state_dir", e->dir);
	conf_set(e->conf, "iscsi", "iqn_prefix", "2000-11.test");
	conf_set(e->conf, "storage_manager", "shredder_count", "2");
	conf_set(e->conf, "storage_manager", "host_list", "127.0.0.1");
	conf_set(e->conf, "storage_manager", "port", "1");
	for (; extra && extra[0]; extra += 3)
		conf_set(e->conf, extra[0], extra[1], extra[2]);
	ck_assert_int_eq(ssvr_cfg_load(e->conf, &e->cfg), 0);
}

void ssvr_env_fini(struct ssvr_env *e)
{
	const char *const argv[] = {"rm", "-rf", e->dir, NULL};
	struct exec_result res;

	conf_free(e->conf);
	if (vas_exec(argv, 10000, NULL, &res) == 0)
		exec_result_free(&res);
}

void ssvr_env_file(struct ssvr_env *e, const char *name, uint64_t size,
		   int byte, char *path, size_t len)
{
	char buf[65536];
	FILE *f;

	snprintf(path, len, "%s/%s", e->dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memset(buf, byte, sizeof(buf));
	for (; size >= sizeof(buf); size -= sizeof(buf))
		ck_assert_uint_eq(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
	ck_assert_uint_eq(fwrite(buf, 1, size, f), size);
	fclose(f);
}

struct shred_req ssvr_req(int64_t eventid, int64_t dextid, uint32_t pdskid,
			  int64_t offset_vb, int64_t capacity_vb)
{
	struct shred_req r = {eventid, dextid, pdskid, offset_vb, capacity_vb};

	return r;
}

int main(void)
{
	Suite *const suites[] = {ssvr_state_suite(), ssvr_zero_suite(),
				 ssvr_shred_suite(), ssvr_target_suite(),
				 ssvr_patrol_suite()};

	log_init("test_ssvr", LOG_LVL_WARN, 0);
	return check_run_suites(suites, 5, true);
}
