/* EAL for test programs: no hugepages, no shared files, an own --file-prefix; nothing left behind at exit. */
#ifndef HP_EAL_TEST_H
#define HP_EAL_TEST_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>

static char hp_test_runtime_dir[PATH_MAX];

/* EAL creates its runtime directory even with --no-shconf; ours runs after its own atexit handlers. */
static void
hp_test_remove_runtime_dir(void)
{
	if (hp_test_runtime_dir[0] != '\0')
		rmdir(hp_test_runtime_dir);
}

/* rte_eal_init failed: a skip (-1) when not root, else the test fails here (exit 1). */
static inline int
hp_test_eal_failed(const char *name)
{
	if (geteuid() != 0) {
		printf("SKIP: %s: rte_eal_init failed as uid %u: %s\n", name, (unsigned)geteuid(),
		       rte_strerror(rte_errno));
		return -1;
	}
	printf("FAIL: %s: rte_eal_init failed as root: %s\n", name, rte_strerror(rte_errno));
	exit(1);
}

/*
 * 0, or -1 after printing "SKIP: ..." (the caller then exits 77: skipped, never passed) when
 * EAL cannot start for want of privilege: not root. As root EAL must start (--no-huge needs
 * nothing more): a failure there is the test's failure, never a skip.
 */
static inline int
hp_test_eal_init(const char *name)
{
	static char prefix[64];
	char *args[] = {(char *)name,  "-l",       "0",
			"--no-huge",   "-m",       "512",
			"--no-shconf", "--no-pci", "--no-telemetry",
			"--log-level", "*:error",  "--file-prefix",
			prefix,        NULL};
	int rc;

	snprintf(prefix, sizeof(prefix), "hp-test-%s-%d", name, getpid());
	atexit(hp_test_remove_runtime_dir);
	rc = rte_eal_init((int)(sizeof(args) / sizeof(args[0])) - 1, args);
	snprintf(hp_test_runtime_dir, sizeof(hp_test_runtime_dir), "%s", rte_eal_get_runtime_dir());
	if (rc < 0)
		return hp_test_eal_failed(name);
	return 0;
}

#endif
