/* Units, rounding, COW sizes, name rules and id formats. */
#include "vas/units.h"

#include "check_run.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(round_up)
{
	ck_assert_int_eq(units_round_up(1, 10), 10);
	ck_assert_int_eq(units_round_up(10, 10), 10);
	ck_assert_int_eq(units_round_up(11, 10), 20);
	ck_assert_int_eq(units_round_up(1048570, 10), 1048570);
	ck_assert_int_eq(units_round_up(1048571, 10), 1048580);
	ck_assert_int_eq(units_round_up(25, 1), 25);
}
END_TEST

START_TEST(cow_size)
{
	/* sm.md 5.2 table */
	ck_assert_int_eq(units_cow_gib(10, 10), 20);
	ck_assert_int_eq(units_cow_gib(10, 1), 11);
	ck_assert_int_eq(units_cow_gib(100, 10), 110);
	ck_assert_int_eq(units_cow_gib(1024, 10), 1030);
	ck_assert_int_eq(units_cow_gib(1024, 1), 1026);
	ck_assert_int_eq(units_cow_gib(1048570, 10), 1049600);
	ck_assert_int_eq(units_cow_gib(1048570, 1), 1049594);
	ck_assert_int_eq(units_cow_gib(1, 1), 2);
}
END_TEST

START_TEST(disk_carving)
{
	int64_t vb, rest;

	units_disk_vb(20992001, &vb, &rest);
	ck_assert_int_eq(vb, 10);
	ck_assert_int_eq(rest, 1);
	units_disk_vb(4198400, &vb, &rest);
	ck_assert_int_eq(vb, 1);
	ck_assert_int_eq(rest, 2099200);
	units_disk_vb(2099200, &vb, &rest);
	ck_assert_int_eq(vb, 0);
	ck_assert_int_eq(rest, 2099200);
	units_disk_vb(3907029168LL, &vb, &rest);
	ck_assert_int_eq(vb, 1861);
	units_disk_vb(5, &vb, &rest);
	ck_assert_int_eq(vb, 0);
	ck_assert_int_eq(rest, 5);
}
END_TEST

START_TEST(lvolnames)
{
	static const char *const good[] = {"a",	     "lvol-",	"lvol-.",
					   "lvol-g", "lvol-1g", "Lvol-1",
					   "...",    "..x",	"A_b-c.9"};
	static const char *const bad[] = {
	    "",		".",	    "..",     "a b",
	    "lvol-abc", "lvol-ABC", "lvol-_", "lvol-00000001",
	    "a/b",	"x\xc3\xa9"};
	char longname[80];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++)
		ck_assert_msg(names_check_lvolname(good[i]) == 0, "%s",
			      good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(names_check_lvolname(bad[i]) != 0, "%s", bad[i]);
	memset(longname, 'x', 64);
	longname[64] = '\0';
	ck_assert_int_eq(names_check_lvolname(longname), 0);
	longname[64] = 'x';
	longname[65] = '\0';
	ck_assert_int_ne(names_check_lvolname(longname), 0);
}
END_TEST

START_TEST(ipv4)
{
	ck_assert(names_valid_ipv4("10.0.0.1"));
	ck_assert(names_valid_ipv4("127.0.0.11"));
	ck_assert(!names_valid_ipv4("10.0.0"));
	ck_assert(!names_valid_ipv4("999.1.1.1"));
	ck_assert(!names_valid_ipv4("1.2.3.4\n"));
	ck_assert(!names_valid_ipv4(" 1.2.3.4"));
	ck_assert(!names_valid_ipv4("::1"));
}
END_TEST

START_TEST(ids)
{
	char buf[32];
	int64_t id;

	ids_format(buf, sizeof(buf), "lvol-", 0x94e);
	ck_assert_str_eq(buf, "lvol-0000094e");
	ck_assert_int_eq(ids_parse("lvol-0000094e", "lvol-", &id), 0);
	ck_assert_int_eq(id, 0x94e);
	ck_assert_int_eq(ids_parse("0000094E", "lvol-", &id), 0);
	ck_assert_int_eq(id, 0x94e);
	ck_assert_int_ne(ids_parse("lvol-94e", "lvol-", &id), 0);
	ck_assert_int_ne(ids_parse("0000094g", "lvol-", &id), 0);
	ck_assert_int_ne(ids_parse("LVOL-0000094e", "lvol-", &id), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
	    round_up, cow_size, disk_carving, lvolnames, ipv4, ids, NULL,
	};

	return check_run("units", tests, NULL, NULL);
}
