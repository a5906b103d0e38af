/* The pass that refuses what the XML parser must never see. */
#include "vas/rpc.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int guard(const char *xml)
{
	const char *why;

	return rpc_xml_guard(xml, strlen(xml), RPC_MAX_XML_DEPTH, &why);
}

/* n nested <v> elements around inner. */
static char *nested(int n, const char *inner)
{
	size_t len = (size_t)n * 7 + strlen(inner) + 1;
	char *s = calloc(1, len), *p = s;
	int i;

	for (i = 0; i < n; i++)
		p += sprintf(p, "<v>");
	p += sprintf(p, "%s", inner);
	for (i = 0; i < n; i++)
		p += sprintf(p, "</v>");
	return s;
}

START_TEST(depth)
{
	char *ok = nested(RPC_MAX_XML_DEPTH, "<e/><f a='/>'/>");
	char *deep = nested(RPC_MAX_XML_DEPTH + 1, "");
	char *hidden =
	    nested(RPC_MAX_XML_DEPTH, "<!-- <a><a> --><![CDATA[<b>]]>");

	ck_assert_int_eq(guard(ok), 0);
	ck_assert_int_eq(guard(deep), -EINVAL);
	ck_assert_int_eq(guard(hidden), 0);
	/* A '>' inside a quoted attribute does not end the tag. */
	ck_assert_int_eq(guard("<a b='>'><c/></a>"), 0);
	free(ok);
	free(deep);
	free(hidden);
}
END_TEST

START_TEST(declarations_and_encodings)
{
	const char utf16[] = "\xff\xfe<\0a\0>\0";
	const char nul[] = "<a>\0</a>";
	const char *why = NULL;

	ck_assert_int_eq(guard("<?xml version='1.0'?><!DOCTYPE a><a/>"),
			 -EINVAL);
	ck_assert_int_eq(guard("<a><!ENTITY b 'c'></a>"), -EINVAL);
	ck_assert_int_eq(guard("<?xml version='1.0'?><!-- c --><a/>"), 0);
	ck_assert_int_eq(rpc_xml_guard(utf16, sizeof(utf16) - 1, 100, &why),
			 -EINVAL);
	ck_assert_int_eq(rpc_xml_guard(nul, sizeof(nul) - 1, 100, &why),
			 -EINVAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_int_eq(guard(""), 0);
}
END_TEST

START_TEST(i8_content)
{
	ck_assert_int_eq(guard("<i8>5</i8>"), 0);
	ck_assert_int_eq(guard("<i8> -9223372036854775808</i8>"), 0);
	ck_assert_int_eq(guard("<i8 >+9223372036854775807</i8>"), 0);
	ck_assert_int_eq(guard("<i8/>"), 0);
	ck_assert_int_eq(guard("<i88>x</i88>"), 0);
	ck_assert_int_eq(guard("<i8>9223372036854775808</i8>"), -EINVAL);
	ck_assert_int_eq(guard("<i8>-9223372036854775809</i8>"), -EINVAL);
	ck_assert_int_eq(guard("<i8>5x</i8>"), -EINVAL);
	ck_assert_int_eq(guard("<i8>5 </i8>"), -EINVAL);
	ck_assert_int_eq(guard("<i8>&#53;</i8>"), -EINVAL);
	ck_assert_int_eq(guard("<i8></i8>"), -EINVAL);
	ck_assert_int_eq(guard("<ex:i8>-</ex:i8>"), -EINVAL);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    depth,
	    declarations_and_encodings,
	    i8_content,
	    NULL,
	};

	return check_run("rpc_xmlguard", tests, NULL, NULL);
}
