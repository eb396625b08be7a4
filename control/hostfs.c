/* Reading a host's /proc and /sys under a root prefix (a fake tree in tests), and the kernel's
 * CPU list and mask formats: the plumbing of hostcheck.c. No DPDK. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addr.h"
#include "hostfs.h"

bool
ctl_cpuset_has(const ctl_cpuset s, unsigned c)
{
	return c < DP_MAX_CPUS && (s[c / 64] >> (c % 64)) & 1;
}

void
ctl_cpuset_add(ctl_cpuset s, unsigned c)
{
	if (c < DP_MAX_CPUS)
		s[c / 64] |= 1ull << (c % 64);
}

bool
ctl_cpuset_empty(const ctl_cpuset s)
{
	for (unsigned w = 0; w < DP_CPU_WORDS; w++)
		if (s[w])
			return false;
	return true;
}

/* "0-3,5" (also "", "(null)" and trailing junk from a kernel file: empty or the valid prefix) */
void
ctl_cpulist_parse(const char *s, ctl_cpuset out)
{
	memset(out, 0, sizeof(ctl_cpuset));
	while (*s != '\0') {
		char *end;
		unsigned long a, b;

		if (*s < '0' || *s > '9')
			return;
		a = strtoul(s, &end, 10);
		b = a;
		s = end;
		if (*s == '-') {
			b = strtoul(s + 1, &end, 10);
			s = end;
		}
		for (unsigned long c = a; c <= b && c < DP_MAX_CPUS; c++)
			ctl_cpuset_add(out, (unsigned)c);
		if (*s != ',')
			return;
		s++;
	}
}

/* "ff,ffffffff": hex words, the last one CPUs 0-31 */
void
ctl_cpumask_parse(const char *s, ctl_cpuset out)
{
	size_t n = strlen(s);
	unsigned bit = 0;

	memset(out, 0, sizeof(ctl_cpuset));
	for (size_t i = n; i-- > 0;) {
		char c = s[i];
		unsigned v;
		int d;

		if ((d = hp_hex_digit(c)) < 0)
			continue; /* the ',' between 32-bit words */
		v = (unsigned)d;
		for (unsigned k = 0; k < 4; k++)
			if (v & (1u << k))
				ctl_cpuset_add(out, bit + k);
		bit += 4;
	}
}

/* "1-3,7" */
void
ctl_cpulist_format(const ctl_cpuset s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned c = 0; c < DP_MAX_CPUS && off < len; c++) {
		unsigned e = c;

		if (!ctl_cpuset_has(s, c))
			continue;
		while (e + 1 < DP_MAX_CPUS && ctl_cpuset_has(s, e + 1))
			e++;
		if (e > c)
			off += (size_t)snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", c, e);
		else
			off += (size_t)snprintf(buf + off, len - off, "%s%u", off ? "," : "", c);
		c = e;
	}
}

/* The mask in /sys/devices/virtual/workqueue/cpumask's format: hex, 32-bit groups, commas */
void
ctl_cpumask_format(const ctl_cpuset s, char *buf, size_t len)
{
	int top = -1;
	size_t off = 0;

	for (int g = DP_MAX_CPUS / 32 - 1; g >= 0 && top < 0; g--)
		if ((uint32_t)(s[g / 2] >> (32 * (g % 2))) != 0)
			top = g;
	if (top < 0)
		top = 0;
	buf[0] = '\0';
	for (int g = top; g >= 0 && off < len; g--)
		off += (size_t)snprintf(buf + off, len - off, g == top ? "%x" : ",%08x",
					(uint32_t)(s[g / 2] >> (32 * (g % 2))));
}

static int
hc_path(const char *root, char *path, size_t len, const char *fmt, va_list ap)
{
	size_t off;
	int n;

	n = snprintf(path, len, "%s", root);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	off = (size_t)n;
	while (off > 0 && path[off - 1] == '/')
		path[--off] = '\0';
	n = vsnprintf(path + off, len - off, fmt, ap);
	if (n < 0 || (size_t)n >= len - off)
		return -ENAMETOOLONG;
	return 0;
}

/* The file's first len-1 bytes, trailing white space cut: its length, or -errno. */
static int
hc_vread(const char *root, char *buf, size_t len, const char *fmt, va_list ap)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, rc;

	buf[0] = '\0';
	if ((rc = hc_path(root, path, sizeof(path), fmt, ap)) < 0)
		return rc;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return rc;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return (int)n;
}

int
ctl_hostfs_read(const char *root, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hc_vread(root, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

bool
ctl_hostfs_exists(const char *root, const char *fmt, ...)
{
	char path[PATH_MAX];
	struct stat st;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hc_path(root, path, sizeof(path), fmt, ap);
	va_end(ap);
	return rc == 0 && stat(path, &st) == 0;
}

DIR *
ctl_hostfs_opendir(const char *root, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hc_path(root, path, sizeof(path), fmt, ap);
	va_end(ap);
	return rc == 0 ? opendir(path) : NULL;
}

/* A number file: true and *v if it reads as one. */
bool
ctl_hostfs_long(const char *root, long *v, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	char *end;
	int rc;

	va_start(ap, fmt);
	rc = hc_vread(root, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rc <= 0)
		return false;
	errno = 0;
	*v = strtol(buf, &end, 10);
	return errno == 0 && end != buf;
}

/* The value of NAME=VALUE on the kernel command line (before a "--"), or NULL; a bare NAME gives "". */
const char *
ctl_cmdline_value(const char *cmdline, const char *name, char *val, size_t len)
{
	size_t n = strlen(name);
	const char *s = cmdline, *found = NULL;

	while (*s != '\0') {
		size_t tl;

		while (*s == ' ')
			s++;
		tl = strcspn(s, " ");
		if (tl == 0)
			break;
		if (tl == 2 && !strncmp(s, "--", 2))
			break;
		if (tl >= n && !strncmp(s, name, n) && (tl == n || s[n] == '=')) {
			size_t vl = tl > n ? tl - n - 1 : 0;
			if (vl >= len)
				vl = len - 1;
			memcpy(val, s + n + (tl > n), vl);
			val[vl] = '\0';
			found = val; /* the last one wins, as in the kernel */
		}
		s += tl;
	}
	return found;
}

/* isolcpus=[flags,]LIST: the CPU ranges among the comma-separated words */
void
ctl_isolcpus_parse(const char *v, ctl_cpuset out)
{
	char list[512];
	size_t off = 0;

	list[0] = '\0';
	while (*v != '\0') {
		size_t n = strcspn(v, ",");
		if (n > 0 && v[0] >= '0' && v[0] <= '9' && off + n + 2 < sizeof(list))
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%.*s", off ? "," : "",
						(int)n, v);
		v += n;
		if (*v == ',')
			v++;
	}
	ctl_cpulist_parse(list, out);
}
