/*
 * The harness of the domain suites: sm/domain against a real throw-away
 * PostgreSQL (the embedded cluster vas_sm would run), with the workers
 * replaced by hooks that record what the domain asks of them.
 */
#include "domain_harness.h"
#include "db_priv.h"
#include "pg_embedded.h"
#include "placement_view.h"
#include "vas/conf.h"
#include "vas/exec.h"
#include "vas/log.h"
#include "vas/proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sm sm;
static char dsn[1024];
static struct pg_embedded *pg;

/* What the fake workers saw, and what the fake head agent answers. */
int woken_shred, woken_resync, driven;
enum attach_kind driven_kind;
int32_t driven_target;
struct agent_result answer;
bool leave_in_flight;

static void wake_shred(struct sm *s)
{
	(void)s;
	woken_shred++;
}

static void wake_resync(struct sm *s)
{
	(void)s;
	woken_resync++;
}

static int run_attach(struct sm *s, struct attach_op *op)
{
	int ret = 0;

	driven++;
	driven_kind = op->kind;
	driven_target = op->target;
	ck_assert_int_gt(op->eventid, 0);
	ck_assert_int_gt(op->hsvr.n_ip, 0);
	if (!leave_in_flight)
		ret = attach_op_record(s, op, &answer);
	attach_op_free(op);
	return leave_in_flight ? -VAS_EINTERNAL
			       : (ret ? ret : attach_op_error(&answer));
}

void sql(const char *q)
{
	struct db_tx *tx = NULL;

	ck_assert_int_eq(db_begin(sm.db, true, &tx), 0);
	ck_assert_int_eq(db_end(tx, db_q(tx, NULL, q, NULL)), 0);
}

int64_t sql_int(const char *q)
{
	struct db_tx *tx = NULL;
	PGresult *r = NULL;
	int64_t v;

	ck_assert_int_eq(db_begin(sm.db, false, &tx), 0);
	ck_assert_int_eq(db_q(tx, &r, q, NULL), 0);
	ck_assert_int_eq(PQntuples(r), 1);
	v = db_l(r, 0, 0);
	PQclear(r);
	db_rollback(tx);
	return v;
}

/* A fresh schema and fresh hooks for every test. */
static void setup(void)
{
	ck_assert_int_eq(db_open(dsn, 4, &sm.db), 0);
	sql("DROP SCHEMA public CASCADE");
	sql("CREATE SCHEMA public");
	ck_assert_int_eq(db_migrate(sm.db), 0);
	sm.hooks =
	    (struct sm_hooks){wake_shred, wake_resync, run_attach, NULL, NULL};
	woken_shred = woken_resync = driven = 0;
	answer = (struct agent_result){AGENT_DONE, 0, "", 0};
	leave_in_flight = false;
}

static void teardown(void)
{
	placement_view_free(&sm);
	db_close(sm.db);
	sm.db = NULL;
}

int32_t server(enum srv_kind kind, const char *ip)
{
	int32_t id = 0;

	ck_assert_int_eq(srv_register(&sm, kind, &ip, 1, NULL, &id), 0);
	return id;
}

/* n more storage servers with one zeroed disk of 10 extents (100 vb). */
void storage(int n)
{
	static int made;
	char ip[32];
	int32_t s, d;
	int i;

	for (i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "127.0.1.%d", ++made);
		s = server(SRV_SSVR, ip);
		ck_assert_int_eq(
		    pdsk_register(&sm, s, "/dev/sdb", "209920001", NULL, &d),
		    0);
	}
	/* what the shred worker would do */
	sql("DELETE FROM shred");
	sql("UPDATE dskmap SET status = 2 WHERE status = 4");
}

struct vol_ref named(const char *name)
{
	return (struct vol_ref){0, name};
}

/* The storage servers of every leg of the volume, mirror by mirror. */
int legs(const char *name, int32_t *ssvr, int32_t *dext, int max)
{
	struct vas_lvolstruct tree;
	const struct vas_lvolstruct *lin;
	int n = 0, m, l;

	ck_assert_int_eq(vol_show(&sm, named(name), &tree), 0);
	lin = &tree.components[0].components[0];
	for (m = 0; m < lin->n_components; m++)
		for (l = 0; l < lin->components[m].n_components; l++) {
			ck_assert_int_lt(n, max);
			ssvr[n] = lin->components[m].components[l].ssvrid;
			dext[n] = lin->components[m].components[l].lvolid;
			n++;
		}
	lvs_clear(&tree);
	return n;
}

struct sm_volume_entry entry(const char *name, struct sm_volume_list *l)
{
	struct vol_ref r = named(name);

	ck_assert_int_eq(vol_list(&sm, &r, NULL, l), 0);
	ck_assert_int_eq(l->n, 1);
	return l->e[0];
}

int domain_harness_run(const char *name, const TTest *const *tests)
{
	char dir[] = "/tmp/vas-domain-XXXXXX";
	struct vas_conf *conf = NULL;
	int ret;

	log_init(name, LOG_LVL_ERR, 0);
	if (access("/usr/lib/postgresql/15/bin/initdb", X_OK)) {
		printf("SKIP: PostgreSQL 15 server binaries missing\n");
		return 77;
	}
	/* the postgres user must reach <dir>/pg */
	if (!mkdtemp(dir) || chmod(dir, 0755) || conf_new_empty(&conf) ||
	    sm_config_load(conf, &sm.cfg))
		return EXIT_FAILURE;
	conf_free(conf);
	snprintf(sm.cfg.state_dir, sizeof(sm.cfg.state_dir), "%s", dir);
	if (pg_embedded_start(&sm.cfg, dsn, sizeof(dsn), &pg)) {
		pg_embedded_stop(pg);
		return EXIT_FAILURE;
	}
	/* the schema is dropped before every test: no notices about that */
	strncat(dsn, " options='-c client_min_messages=warning'",
		sizeof(dsn) - strlen(dsn) - 1);
	ret = check_run(name, tests, setup, teardown);
	pg_embedded_stop(pg);
	{
		const char *const argv[] = {"rm", "-rf", dir, NULL};
		struct exec_result res;

		if (!vas_exec(argv, 60000, NULL, &res))
			exec_result_free(&res);
	}
	return ret;
}
