/* A host's /proc and /sys read under a root prefix ("" for the real host, a fake tree in
 * tests), and the kernel's CPU list ("0-3,5") and mask ("ff,ffffffff") formats. */
#ifndef CTL_HOSTFS_H
#define CTL_HOSTFS_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcore_map.h"

typedef uint64_t ctl_cpuset[DP_CPU_WORDS]; /* bit c: CPU c, below DP_MAX_CPUS */

bool ctl_cpuset_has(const ctl_cpuset s, unsigned c);
void ctl_cpuset_add(ctl_cpuset s, unsigned c);
bool ctl_cpuset_empty(const ctl_cpuset s);
/* "0-3,5" into out; "", "(null)" or junk give the valid prefix (possibly empty). */
void ctl_cpulist_parse(const char *s, ctl_cpuset out);
/* "ff,ffffffff" (hex, the last group CPUs 0-31) into out. */
void ctl_cpumask_parse(const char *s, ctl_cpuset out);
/* isolcpus=[flags,]LIST: the CPU ranges among the comma-separated words. */
void ctl_isolcpus_parse(const char *v, ctl_cpuset out);
void ctl_cpulist_format(const ctl_cpuset s, char *buf, size_t len);
void ctl_cpumask_format(const ctl_cpuset s, char *buf, size_t len);

/* root + the formatted path: its first len-1 bytes, trailing white space cut; the length or -errno. */
int ctl_hostfs_read(const char *root, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The file holds a number: true and *v. */
bool ctl_hostfs_long(const char *root, long *v, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
bool ctl_hostfs_exists(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
DIR *ctl_hostfs_opendir(const char *root, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* NAME=VALUE on a kernel command line (words before a "--"; the last one wins) into val, and
 * val; a bare NAME gives ""; NULL when absent. */
const char *ctl_cmdline_value(const char *cmdline, const char *name, char *val, size_t len);

#endif
