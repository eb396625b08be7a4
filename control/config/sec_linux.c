/* Config section linux: the kernel routing table and route protocols the mirror takes (control/linux.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static int
linux_table(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_linux_conf *l = obj;
	unsigned long long v;
	const char *s;
	size_t len;

	if (cfg_node_kind(val) == CFG_SCALAR) {
		s = cfg_text(val, &len);
		if (strlen(s) == len) {
			if (!strcmp(s, "main") || !strcmp(s, "local") || !strcmp(s, "default")) {
				l->table = s[0] == 'm'   ? HP_RT_TABLE_MAIN
					   : s[0] == 'l' ? HP_RT_TABLE_LOCAL
							 : HP_RT_TABLE_DEFAULT;
				return 0;
			}
			if (hp_parse_dec(s, UINT32_MAX, &v) && v >= 1) {
				l->table = (uint32_t)v;
				return 0;
			}
		}
		return cfg_fail(c, val,
				"key '%s': bad table '%s': expected main, local, default or a number "
				"between 1 and 4294967295",
				key, cfg_quote(c, s));
	}
	return cfg_fail(c, val, "key '%s': expected main, local, default or a table number (found %s)", key,
			cfg_kind(val));
}

static int
linux_protocols(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_linux_conf *l = obj;
	unsigned long long v;
	const char *s;
	size_t len;
	int rc, p;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) == 0)
		return cfg_fail(c, val,
				"key '%s': expected at least one protocol (leave the key out to "
				"take every protocol)",
				key);
	memset(l->protocols, 0, sizeof(l->protocols));
	for (unsigned i = 0; i < cfg_seq_len(val); i++) {
		struct cfg_node e = cfg_seq_at(val, i);

		if (cfg_node_kind(e) != CFG_SCALAR)
			return cfg_fail(
				c, e, "key '%s': expected each protocol to be a name or a number (found %s)",
				key, cfg_kind(e));
		s = cfg_text(e, &len);
		p = strlen(s) == len ? hp_rtprot_number(s) : -1;
		if (p < 0 && strlen(s) == len && hp_parse_dec(s, 255, &v))
			p = (int)v;
		if (p < 0)
			return cfg_fail(c, e,
					"key '%s': unknown protocol '%s': expected a number 0..255 or a name "
					"of /etc/iproute2/rt_protos (kernel, boot, static, zebra, bird, bgp, "
					"ospf, ...)",
					key, cfg_quote(c, s));
		if (p == HP_RTPROT_HOTPATH)
			return cfg_fail(
				c, e, "key '%s': protocol %d is hotpath's own: its routes are never mirrored",
				key, p);
		if (hp_linux_proto_taken(l, (unsigned)p))
			return cfg_fail(c, e, "key '%s': protocol '%s' listed twice%s", key, cfg_quote(c, s),
					p == HP_RTPROT_STATIC || p == HP_RTPROT_FRR_STATIC
						? " (static is 4 and FRR's 196)"
						: "");
		l->protocols[(p & 255) / 64] |= 1ull << (p % 64); /* p <= 255: the mask says so to GCC */
		if (p == HP_RTPROT_STATIC && strcmp(s, "static") == 0) {
			if (hp_linux_proto_taken(l, HP_RTPROT_FRR_STATIC))
				return cfg_fail(
					c, e,
					"key '%s': protocol 'static' (4 and FRR's 196): 196 listed twice",
					key);
			l->protocols[HP_RTPROT_FRR_STATIC / 64] |= 1ull << (HP_RTPROT_FRR_STATIC % 64);
		}
	}
	l->has_protocols = true;
	return 0;
}

static int
linux_ipv6_routes(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_linux_conf *l = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, HP_LINUX_IPV6_ROUTES_MIN, HP_LINUX_IPV6_ROUTES_MAX, &v)))
		return rc;
	l->ipv6_routes = (uint32_t)v;
	return 0;
}

static const struct key_def linux_keys[] = {
	{"table", linux_table, false},
	{"protocols", linux_protocols, false},
	{"ipv6_routes", linux_ipv6_routes, false},
};

void
cfg_linux_all_protocols(struct hp_linux_conf *l)
{
	memset(l->protocols, 0xff, sizeof(l->protocols));
	l->protocols[HP_RTPROT_HOTPATH / 64] &= ~(1ull << (HP_RTPROT_HOTPATH % 64));
}

int
cfg_parse_linux(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	struct hp_linux_conf *l = &cfg->linux_rt;

	*l = (struct hp_linux_conf){.enabled = true,
				    .table = HP_RT_TABLE_MAIN,
				    .ipv6_routes = HP_LINUX_IPV6_ROUTES_DEFAULT,
				    .line = cfg_line(val)};
	cfg_linux_all_protocols(l);
	return cfg_walk_mapping(c, val, key, "in linux", linux_keys, CFG_N(linux_keys), l);
}
