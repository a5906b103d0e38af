/* The one runner of the unit suites: one case, optional fixture. */
#ifndef VAS_CHECK_RUN_H
#define VAS_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

/* Adds each test of tests[] (NULL-terminated) to one case and runs it. */
static inline int check_run(const char *name, const TTest *const *tests,
			    void (*setup)(void), void (*teardown)(void))
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
