/* Shared fixture of the storage-server unit tests: a temporary state dir
 * and a configuration pointing at it. */
#ifndef VAS_SSVR_TEST_H
#define VAS_SSVR_TEST_H

#include <check.h>

#include "ssvr_priv.h"

struct ssvr_env {
	char dir[PATH_MAX];
	struct vas_conf *conf;
	struct ssvr_cfg cfg;
};

/* extra: NULL-terminated section, key, value triples. */
void ssvr_env_init(struct ssvr_env *e, const char *const *extra);
void ssvr_env_fini(struct ssvr_env *e);
/* A file of size bytes in the env dir filled with byte. */
void ssvr_env_file(struct ssvr_env *e, const char *name, uint64_t size,
		   int byte, char *path, size_t len);

/* A shred request (ids, offset and capacity in vb). */
struct shred_req ssvr_req(int64_t eventid, int64_t dextid, uint32_t pdskid,
			  int64_t offset_vb, int64_t capacity_vb);

Suite *ssvr_state_suite(void);
Suite *ssvr_zero_suite(void);
Suite *ssvr_shred_suite(void);
Suite *ssvr_target_suite(void);
Suite *ssvr_patrol_suite(void);

#endif
