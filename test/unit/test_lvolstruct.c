/* lvolstruct: wire encoding, decoding and hostile input. */
#include "vas/lvolstruct_rpc.h"
#include "vas/proto.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sample(struct vas_lvolstruct *root)
{
	struct vas_lvolstruct *so, *lin, *mir, *leg;
	int i;

	memset(root, 0, sizeof(*root));
	root->has_components = 1;
	root->lvolid = 7;
	root->lvoltype = LVOLTYPE_LVOL;
	root->capacity = 10;
	root->n_paths = -1;
	strcpy(root->lvolname, "a");
	root->redundancy = 3;
	strcpy(root->ctime, "2026-11-23T20:00:00");
	lvs_add_label(root, "a");
	lvs_add_label(root, "lvol-00000007");
	so = lvs_add_component(root);
	so->lvolid = 8;
	so->lvoltype = LVOLTYPE_SNAPSHOT_ORIGIN;
	so->capacity = 10;
	so->n_paths = -1;
	lin = lvs_add_component(so);
	lin->lvolid = 9;
	lin->lvoltype = LVOLTYPE_LINEAR;
	lin->capacity = 10;
	lin->n_paths = -1;
	mir = lvs_add_component(lin);
	mir->lvolid = 10;
	mir->lvoltype = LVOLTYPE_MIRROR;
	mir->capacity = 10;
	mir->n_paths = -1;
	for (i = 0; i < 3; i++) {
		leg = lvs_add_component(mir);
		leg->lvolid = 2 + 2 * i;
		leg->lvoltype = LVOLTYPE_DEXT;
		leg->capacity = 10;
		leg->mirror_status = MIRROR_ALLOCATED;
		leg->pdskid = i + 1;
		leg->ssvrid = i + 1;
		leg->offset = 0;
		lvs_add_path(leg, "/dev/disk/by-path/ip-127.0.0.11:3260-iscsi-"
				  "iqn.x:00000001-lun-1");
	}
}

START_TEST(roundtrip)
{
	struct vas_lvolstruct a, b;
	xmlrpc_value *v;
	xmlrpc_env env;

	sample(&a);
	xmlrpc_env_init(&env);
	v = lvs_encode(&env, &a);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(xmlrpc_struct_size(&env, v), 7);
	ck_assert_int_eq(lvs_decode(v, &b), 0);
	ck_assert_int_eq(b.lvolid, 7);
	ck_assert_str_eq(b.lvolname, "a");
	ck_assert_int_eq(b.n_labels, 2);
	ck_assert_str_eq(b.labels[1], "lvol-00000007");
	ck_assert_int_eq(
	    b.components[0].components[0].components[0].n_components, 3);
	ck_assert_int_eq(
	    b.components[0].components[0].components[0].components[2].ssvrid,
	    3);
	lvs_clear(&a);
	lvs_clear(&b);
	xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);
}
END_TEST

static int decode_text(const char *xml)
{
	struct vas_lvolstruct n;
	xmlrpc_value *v = NULL;
	xmlrpc_env env;
	int ret;

	xmlrpc_env_init(&env);
	xmlrpc_parse_value_xml(&env, xml, strlen(xml), &v);
	ck_assert(!env.fault_occurred);
	ret = lvs_decode(v, &n);
	if (!ret)
		lvs_clear(&n);
	xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);
	return ret;
}

#define M(k, v) "<member><name>" k "</name><value>" v "</value></member>"

START_TEST(hostile)
{
	ck_assert_int_ne(decode_text("<value><int>1</int></value>"), 0);
	ck_assert_int_ne(decode_text("<value><struct></struct></value>"), 0);
	/* unknown lvoltype */
	ck_assert_int_ne(
	    decode_text("<value><struct>" M("lvolid", "<int>1</int>") M(
		"lvoltype", "<int>5</int>") M("capacity", "<int>1</int>")
			    M("lvolspec", "<struct/>") "</struct></value>"),
	    0);
	/* DEXT with a string offset */
	ck_assert_int_ne(
	    decode_text(
		"<value><struct>" M("lvolid", "<int>1</int>") M(
		    "lvoltype", "<int>3</int>") M("capacity", "<int>1</int>")
		    M("lvolspec",
		      "<struct>" M("ssvrid", "<int>1</int>") M(
			  "offset", "<string>0</string>")
			  M("iscsi_path",
			    "<array><data/></array>") "</struct>") "</struct></"
								   "value>"),
	    0);
	/* an empty DEXT lvolspec means "nothing" (replaceMirrorDisk remove) */
	ck_assert_int_eq(
	    decode_text("<value><struct>" M("lvolid", "<int>0</int>") M(
		"lvoltype", "<int>3</int>") M("capacity", "<int>0</int>")
			    M("lvolspec", "<struct/>") "</struct></value>"),
	    0);
}
END_TEST

/* A DEXT lvolspec whose chap members are the given member text. */
static int decode_chap(const char *members)
{
	char xml[2048];

	snprintf(xml, sizeof(xml),
		 "<value><struct>" M("lvolid", "<int>1</int>") M("lvoltype",
								 "<int>3</int>")
		     M("capacity",
		       "<int>1</int>") "<member><name>lvolspec</"
				       "name><value><struct>" M("ssvrid",
								"<int>1</int>")
					   M("offset", "<int>0</int>") M(
					       "pdskid", "<int>2</int>")
					       M("iscsi_path",
						 "<array><data><value>p</"
						 "value></data></"
						 "array>") "%s</struct></"
							   "value></member>"
							   "</struct></value>",
		 members);
	return decode_text(xml);
}

/* CHAP accounts (SECURITY.md "CHAP"): both or none, plain words only. */
START_TEST(chap_members)
{
	struct vas_lvolstruct a, b;
	struct vas_lvolstruct *leg;
	xmlrpc_value *v;
	xmlrpc_env env;

	sample(&a);
	leg = &a.components[0].components[0].components[0].components[1];
	ck_assert_int_eq(lvs_set_chap(leg, "vas-00000002", "AbC123xyZ0987654"),
			 0);
	ck_assert_int_eq(lvs_set_chap(leg, "vas 2", "x"), -EINVAL);
	xmlrpc_env_init(&env);
	v = lvs_encode(&env, &a);
	ck_assert_int_eq(lvs_decode(v, &b), 0);
	leg = &b.components[0].components[0].components[0].components[1];
	ck_assert_str_eq(leg->chap_user, "vas-00000002");
	ck_assert_str_eq(leg->chap_secret, "AbC123xyZ0987654");
	ck_assert_ptr_null(b.components[0]
			       .components[0]
			       .components[0]
			       .components[0]
			       .chap_secret);
	lvs_clear(&a);
	lvs_clear(&b);
	xmlrpc_DECREF(v);
	xmlrpc_env_clean(&env);

	ck_assert_int_eq(decode_chap(""), 0);
	ck_assert_int_eq(
	    decode_chap(M("chap_user", "vas-1") M("chap_secret", "s3cret")), 0);
	ck_assert_int_ne(decode_chap(M("chap_user", "vas-1")), 0);
	ck_assert_int_ne(decode_chap(M("chap_secret", "s3cret")), 0);
	ck_assert_int_ne(decode_chap(M("chap_user", "<int>1</int>")
					 M("chap_secret", "s3cret")),
			 0);
	ck_assert_int_ne(
	    decode_chap(M("chap_user", "vas-1") M("chap_secret", "a b")), 0);
	ck_assert_int_ne(decode_chap(M("chap_user", "vas-1")
					 M("chap_secret", "x\"$(reboot)")),
			 0);
	ck_assert_int_ne(
	    decode_chap(M("chap_user", "vas-1") M(
		"chap_secret",
		"0123456789012345678901234567890123456789012345678901234567"
		"890123456789")),
	    0);
}
END_TEST

START_TEST(depth_limited)
{
	char *xml = malloc(200000), *p = xml;
	int i;

	for (i = 0; i < 20; i++)
		p += sprintf(
		    p, "<value><struct>" M("lvolid", "<int>1</int>")
			   M("lvoltype", "<int>1</int>")
			       M("capacity", "<int>1</int>")
				   M("lvolspec",
				     "<struct/>") "<member><name>components</"
						  "name><value><array><data>");
	p += sprintf(p, "</data></array></value></member></struct></value>");
	for (i = 1; i < 20; i++)
		p += sprintf(
		    p, "</data></array></value></member></struct></value>");
	ck_assert_int_ne(decode_text(xml), 0);
	free(xml);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    roundtrip, hostile, chap_members, depth_limited, NULL,
	};

	return check_run("lvolstruct", tests, NULL, NULL);
}
