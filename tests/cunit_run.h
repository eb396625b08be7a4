/* The CUnit run every unit test's main() shares: one suite from a table of tests, verbose, an exit code. */
#ifndef HP_CUNIT_RUN_H
#define HP_CUNIT_RUN_H

#include <stddef.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

struct hp_cunit_test {
	const char *name;
	CU_TestFunc fn;
};

/*
 * Registers tests[0..n) in one suite, runs it verbosely and cleans the registry up.
 * Returns 0 when all n tests ran and passed; 1 on a failed assertion, a failed test, or a test
 * that never ran (CUnit's "inactive" tests and a failed suite setup count as neither passed nor
 * failed, so fewer than n run is a failure too); 2 when CUnit could not register (nothing ran).
 */
static inline int
hp_cunit_run(const char *suite, const struct hp_cunit_test *tests, size_t n)
{
	CU_pSuite s;
	int failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	s = CU_add_suite(suite, NULL, NULL);
	for (size_t i = 0; s != NULL && i < n; i++)
		if (CU_add_test(s, tests[i].name, tests[i].fn) == NULL)
			s = NULL;
	if (s == NULL) {
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	/* before CU_cleanup_registry, which clears these counts */
	failed = CU_get_number_of_failures() != 0 || CU_get_number_of_tests_failed() != 0 ||
		 (size_t)CU_get_number_of_tests_run() != n;
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

/* hp_cunit_run over a whole array of struct hp_cunit_test (an array, not a pointer). */
#define HP_CUNIT_RUN(suite, array) hp_cunit_run((suite), (array), sizeof(array) / sizeof((array)[0]))

#endif
