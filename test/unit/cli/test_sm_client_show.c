/* showLogicalVolume through the client library: the tree, bad replies. */
#include "client_fixture.h"
#include "vas/lvolstruct_rpc.h"
#include "vas/proto.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* A child of parent with 1 GiB and an empty lvolspec. */
static struct vas_lvolstruct *child(struct vas_lvolstruct *parent, int32_t id,
				    int type)
{
	struct vas_lvolstruct *n = lvs_add_component(parent);

	ck_assert_ptr_nonnull(n);
	n->lvolid = id;
	n->lvoltype = type;
	n->capacity = 1;
	n->has_components = 1;
	n->n_paths = -1;
	return n;
}

static int r_tree(struct rpc_request *req)
{
	struct vas_lvolstruct root, *mir, *dext;

	memset(&root, 0, sizeof(root));
	root.lvolid = 0x26c;
	root.lvoltype = LVOLTYPE_LVOL;
	root.capacity = 1;
	snprintf(root.lvolname, sizeof(root.lvolname), "bar");
	root.redundancy = 2;
	snprintf(root.ctime, sizeof(root.ctime), "2026-11-22T23:27:38");
	root.has_components = 1;
	root.n_paths = -1;
	lvs_add_label(&root, "bar");
	lvs_add_label(&root, "lvol-0000026c");
	mir = child(child(child(&root, 0x26d, LVOLTYPE_SNAPSHOT_ORIGIN), 0x26e,
			  LVOLTYPE_LINEAR),
		    0x26f, LVOLTYPE_MIRROR);
	dext = child(mir, 7, LVOLTYPE_DEXT);
	dext->mirror_status = MIRROR_ALLOCATED;
	dext->pdskid = 1;
	dext->offset = 5;
	dext->ssvrid = 1;
	dext->n_paths = 0;
	lvs_add_path(dext, "/dev/disk/by-path/x");
	req->result = lvs_encode(req->env, &root);
	lvs_clear(&root);
	return req->result ? 0 : -ENOMEM;
}

START_TEST(test_show)
{
	struct vas_lvolstruct *t = NULL;
	struct vas_lvol_ref bar = {0, "bar"};

	fake_sm_set_reply(fake, r_tree);
	ck_assert_int_eq(vas_show_lvol(cl, bar, &t), 0);
	ck_assert_str_eq(fake_sm_last_params(fake), "lvolname=s:bar,ver=i:5");
	ck_assert_int_eq(t->lvolid, 0x26c);
	ck_assert_str_eq(t->lvolname, "bar");
	ck_assert_int_eq(t->n_components, 1);
	ck_assert_int_eq(t->components[0].components[0].lvoltype,
			 LVOLTYPE_LINEAR);
	lvs_free(t);
	t = NULL;
	fake_sm_set_reply(fake, r_lvols);
	ck_assert_int_eq(vas_show_lvol(cl, bar, &t), -EPROTO);
	ck_assert_ptr_null(t);
	fake_sm_set_reply(fake, g_int);
	ck_assert_int_eq(vas_show_lvol(cl, bar, &t), -EPROTO);
	ck_assert_ptr_null(t);
}
END_TEST

Suite *show_suite(void)
{
	Suite *s = suite_create("sm_client_show");
	TCase *tc = tcase_create("fake manager");

	tcase_add_checked_fixture(tc, client_setup, client_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_show);
	suite_add_tcase(s, tc);
	return s;
}
