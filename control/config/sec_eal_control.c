/* Config sections eal:, control: (socket, metrics, stall_threshold_us) and mbufs: of the top level. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

int
cfg_parse_eal(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	int rc;

	(void)key;
	if ((rc = cfg_want_seq(c, "eal", val)))
		return rc;
	cfg->eal_line = cfg_line(val);
	if (cfg_seq_len(val) > HP_MAX_EAL_ARGS - 1)
		return cfg_fail(c, val, "key 'eal': at most %d arguments", HP_MAX_EAL_ARGS - 1);
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		const char *s;

		if ((rc = cfg_want_scalar(c, "eal", v, "a string", &s)))
			return rc;
		if (!*s || strlen(s) > CFG_EAL_ARG_MAX)
			return cfg_fail(c, v, "key 'eal': expected a non-empty argument of at most %d bytes",
					CFG_EAL_ARG_MAX);
		cfg->eal_args[cfg->n_eal_args] = strdup(s);
		if (!cfg->eal_args[cfg->n_eal_args]) {
			cfg_fail(c, v, "out of memory");
			return -ENOMEM;
		}
		cfg->n_eal_args++;
	}
	return 0;
}

static int
parse_socket(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "an absolute path", &s)))
		return rc;
	if (s[0] != '/')
		return cfg_fail(c, val, "key 'socket': expected an absolute path (starting with /), got '%s'",
				cfg_quote(c, s));
	if (strlen(s) >= HP_PATH_MAX)
		return cfg_fail(c, val, "key 'socket': path too long (at most %d bytes)", HP_PATH_MAX - 1);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return cfg_fail(c, val, "key 'socket': control character in the path");
	memcpy(cfg->control_socket, s, strlen(s) + 1);
	return 0;
}

static bool
hostname_ok(const char *h, size_t n)
{
	size_t label = 0;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = h[i];

		if (ch == '.') {
			if (label == 0 || h[i - 1] == '-')
				return false;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '-'))
			return false;
		if ((label == 0 && ch == '-') || ++label > 63)
			return false;
	}
	return label > 0 && h[n - 1] != '-';
}

/* "host:port"; NULL or what is wrong. */
static const char *
check_hostport(const char *s, size_t max)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	unsigned long long port;
	size_t n;

	if (strlen(s) >= max)
		return "too long";
	if (!colon)
		return "missing :PORT";
	if (!hp_parse_dec(colon + 1, 65535, &port) || port < 1)
		return "port must be an integer between 1 and 65535";
	n = (size_t)(colon - s);
	if (n == 0)
		return "missing host";
	if (s[0] == '[') {
		if (n < 3 || s[n - 1] != ']')
			return "expected [IPv6]:PORT";
		memcpy(host, s + 1, n - 2);
		host[n - 2] = '\0';
		unsigned char a[16];
		if (inet_pton(AF_INET6, host, a) != 1)
			return "bad IPv6 address";
		return NULL;
	}
	memcpy(host, s, n);
	host[n] = '\0';
	if (memchr(host, ':', n))
		return "an IPv6 host must be in brackets, as [::1]:9469";
	if (strspn(host, "0123456789.") == n) {
		unsigned char a[4];
		if (inet_pton(AF_INET, host, a) != 1)
			return "bad IPv4 address";
		return NULL;
	}
	if (!hostname_ok(host, n))
		return "bad host name";
	return NULL;
}

static int
parse_metrics(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	const char *s, *why;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "HOST:PORT", &s)))
		return rc;
	why = check_hostport(s, sizeof(cfg->metrics));
	if (why)
		return cfg_fail(c, val,
				"key 'metrics': bad address '%s': %s (expected HOST:PORT such as "
				"127.0.0.1:9469, [::1]:9469 or localhost:9469)",
				cfg_quote(c, s), why);
	memcpy(cfg->metrics, s, strlen(s) + 1);
	return 0;
}

/* How long a worker's poll-loop iteration may take before it counts as a stall (dataplane: lib/stall.h). */
static int
parse_stall_threshold(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, CFG_STALL_US_MIN, CFG_STALL_US_MAX, &v)))
		return rc;
	cfg->stall_threshold_us = (uint32_t)v;
	return 0;
}

static const struct key_def control_keys[] = {
	{"socket", parse_socket, false},
	{"metrics", parse_metrics, false},
	{"stall_threshold_us", parse_stall_threshold, false},
};

int
cfg_parse_control(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return cfg_walk_mapping(c, val, key, "in control", control_keys, CFG_N(control_keys), obj);
}

int
cfg_parse_mbufs(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, CFG_MBUFS_MIN, CFG_MBUFS_MAX, &v)))
		return rc;
	cfg->mbufs = (uint32_t)v;
	return 0;
}
