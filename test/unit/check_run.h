/* The one runner of the unit suites (Check): every test main() ends here. */
#ifndef VAS_CHECK_RUN_H
#define VAS_CHECK_RUN_H

#include <check.h>
#include <stdbool.h>
#include <stdlib.h>

/*
 * Runs the n suites in order and frees them: EXIT_SUCCESS or EXIT_FAILURE.
 * fork: each test in a child of its own (Check's default); false keeps
 * them in this process.
 */
static inline int check_run_suites(Suite *const *s, int n, bool fork)
{
	SRunner *sr = srunner_create(s[0]);
	int failed, i;

	for (i = 1; i < n; i++)
		srunner_add_suite(sr, s[i]);
	if (!fork)
		srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

static inline int check_run_suite(Suite *s, bool fork)
{
	return check_run_suites(&s, 1, fork);
}

/* A suite of one case: tests[] (NULL-terminated), optional fixture. */
static inline Suite *check_suite(const char *name, const TTest *const *tests,
				 void (*setup)(void), void (*teardown)(void))
{
	Suite *s = suite_create(name);
	TCase *tc = tcase_create("core");

	if (setup || teardown)
		tcase_add_checked_fixture(tc, setup, teardown);
	/*
	 * Check's 4 s default is a speed test on a loaded machine (the domain
	 * suites talk to a real PostgreSQL): this only catches hangs.
	 */
	tcase_set_timeout(tc, 60);
	for (; *tests; tests++)
		tcase_add_test(tc, *tests);
	suite_add_tcase(s, tc);
	return s;
}

/* Builds and runs that suite. */
static inline int check_run(const char *name, const TTest *const *tests,
			    void (*setup)(void), void (*teardown)(void))
{
	return check_run_suite(check_suite(name, tests, setup, teardown), true);
}

#endif
