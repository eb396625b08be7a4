/* Config section xdp: interfaces under hotpath's XDP program (mode, pass classes, block lists). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

bool
hp_ifname_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HP_IFNAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (const char *p = s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f || *p == '/' || *p == ':')
			return false;
	return true;
}

bool
hp_af_xdp_iface(const char *device, char *iface, size_t len)
{
	const char *p;
	size_t n;

	if (strncmp(device, "net_af_xdp", 10) != 0)
		return false;
	for (p = strchr(device, ','); p; p = strchr(p + 1, ','))
		if (!strncmp(p + 1, "iface=", 6))
			break;
	if (!p)
		return false;
	p += 7;
	n = strcspn(p, ",");
	if (n == 0 || n >= len)
		return false;
	memcpy(iface, p, n);
	iface[n] = '\0';
	return true;
}

static const struct {
	const char *name;
	enum hp_xdp_class_kind kind;
} xdp_class_names[] = {
	{"arp", HP_XDP_CLASS_ARP},      {"nd", HP_XDP_CLASS_ND},   {"icmp", HP_XDP_CLASS_ICMP},
	{"icmpv6", HP_XDP_CLASS_ICMP6}, {"tcp", HP_XDP_CLASS_TCP}, {"udp", HP_XDP_CLASS_UDP},
};

static bool
port_num(const char *s, size_t n, uint16_t *out)
{
	char digits[8];
	unsigned long long v;

	if (n == 0 || n >= sizeof(digits))
		return false;
	memcpy(digits, s, n);
	digits[n] = '\0';
	if (!hp_parse_dec(digits, 65535, &v) || v == 0)
		return false;
	*out = (uint16_t)v;
	return true;
}

/*
 * "tcp/PORT[-PORT]" is a destination port (also spelt "tcp/dport/..."), "tcp/sport/PORT[-PORT]"
 * a source port: the other end of a session the host opened (BGP's tcp/179 both ways is
 * [tcp/179, tcp/sport/179]). Likewise udp.
 */
int
hp_parse_xdp_class(const char *s, struct hp_xdp_class *c)
{
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < CFG_N(xdp_class_names); i++) {
		if (strlen(xdp_class_names[i].name) != n || strncmp(xdp_class_names[i].name, s, n))
			continue;
		c->kind = xdp_class_names[i].kind;
		if (c->kind != HP_XDP_CLASS_TCP && c->kind != HP_XDP_CLASS_UDP)
			return slash ? -EINVAL : 0;
		if (!slash)
			return -EINVAL; /* a port is required: all of TCP is not a host class */
		const char *lo = slash + 1, *dash;

		if (!strncmp(lo, "sport/", 6)) {
			c->sport = true;
			lo += 6;
		} else if (!strncmp(lo, "dport/", 6)) {
			lo += 6;
		}
		dash = strchr(lo, '-');
		if (!port_num(lo, dash ? (size_t)(dash - lo) : strlen(lo), &c->port_lo))
			return -EINVAL;
		c->port_hi = c->port_lo;
		if (dash && (!port_num(dash + 1, strlen(dash + 1), &c->port_hi) || c->port_hi < c->port_lo))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

void
hp_xdp_class_text(const struct hp_xdp_class *c, char *buf, size_t len)
{
	const char *name = "?", *dir;

	for (size_t i = 0; i < CFG_N(xdp_class_names); i++)
		if (xdp_class_names[i].kind == c->kind)
			name = xdp_class_names[i].name;
	dir = c->sport ? "sport/" : "";
	if (c->kind != HP_XDP_CLASS_TCP && c->kind != HP_XDP_CLASS_UDP)
		snprintf(buf, len, "%s", name);
	else if (c->port_lo == c->port_hi)
		snprintf(buf, len, "%s/%s%u", name, dir, c->port_lo);
	else
		snprintf(buf, len, "%s/%s%u-%u", name, dir, c->port_lo, c->port_hi);
}

bool
hp_xdp_class_equal(const struct hp_xdp_class *a, const struct hp_xdp_class *b)
{
	return a->kind == b->kind && a->port_lo == b->port_lo && a->port_hi == b->port_hi &&
	       a->sport == b->sport;
}

static int
xdp_iface(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_xdp_conf *x = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "an interface name", &s)))
		return rc;
	if (!hp_ifname_ok(s))
		return cfg_fail(c, val,
				"key 'iface': bad interface name '%s': expected 1 to %d printable "
				"characters without '/', ':' or blanks",
				cfg_quote(c, s), HP_IFNAME_MAX - 1);
	for (struct hp_xdp_conf *o = c->cfg->xdp; o < x; o++)
		if (!strcmp(o->iface, s))
			return cfg_fail(c, val, "interface %s has two xdp entries (first at line %u)", s,
					o->line);
	memcpy(x->iface, s, strlen(s) + 1);
	return 0;
}

static int
xdp_mode(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_xdp_conf *x = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "native or generic", &s)))
		return rc;
	if (!strcmp(s, "native"))
		x->mode = HP_XDP_NATIVE;
	else if (!strcmp(s, "generic"))
		x->mode = HP_XDP_GENERIC;
	else
		return cfg_fail(c, val, "key 'mode': expected native or generic, got '%s'", cfg_quote(c, s));
	x->has_mode = true;
	return 0;
}

static int
xdp_pass(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_xdp_conf *x = obj;
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) > HP_MAX_XDP_PASS)
		return cfg_fail(c, cfg_seq_at(val, HP_MAX_XDP_PASS),
				"key 'pass': too many classes (at most %u)", HP_MAX_XDP_PASS);
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		struct hp_xdp_class *cl = &x->pass[x->n_pass];
		const char *s;

		if ((rc = cfg_want_scalar(c, key, v, "a class", &s)))
			return rc;
		if (hp_parse_xdp_class(s, cl))
			return cfg_fail(c, v,
					"key 'pass': bad class '%s': expected arp, nd, icmp, icmpv6, "
					"tcp/PORT, udp/PORT (a destination port), tcp/sport/PORT, "
					"udp/sport/PORT (a source port) or a port range such as "
					"udp/5000-5010",
					cfg_quote(c, s));
		for (unsigned i = 0; i < x->n_pass; i++)
			if (hp_xdp_class_equal(&x->pass[i], cl))
				return cfg_fail(c, v, "key 'pass': class %s is listed twice",
						cfg_quote(c, s));
		x->n_pass++;
	}
	return 0;
}

static int
xdp_on_no_socket(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_xdp_conf *x = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "drop or pass", &s)))
		return rc;
	if (!strcmp(s, "drop"))
		x->on_no_socket = HP_XDP_NOSOCK_DROP;
	else if (!strcmp(s, "pass"))
		x->on_no_socket = HP_XDP_NOSOCK_PASS;
	else
		return cfg_fail(c, val, "key 'on_no_socket': expected drop or pass, got '%s'",
				cfg_quote(c, s));
	return 0;
}

static bool
same_prefix(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_prefix *p = arr;

	return p[a].family == p[b].family && p[a].len == p[b].len &&
	       !memcmp(p[a].addr, p[b].addr, sizeof(p[a].addr));
}

static int
xdp_block(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_xdp_conf *x = obj;
	struct dup_table dups = {0};
	void *arr = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_XDP_BLOCK, "prefixes", sizeof(*x->block), &arr, 0, NULL);
	x->block = arr;
	if (rc || (rc = cfg_dup_init(c, &dups, cfg_seq_len(val), cfg_line(val))))
		return rc;
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		struct hp_prefix *p = &x->block[x->n_block];
		uint32_t first;

		if ((rc = cfg_want_net(c, key, v, p)))
			break;
		first = cfg_dup_insert(&dups, cfg_hash_addr(p->family, p->len, p->addr), x->block,
				       same_prefix, x->n_block);
		if (first != UINT32_MAX) {
			rc = cfg_fail(c, v, "key 'block': prefix %s is listed twice", cfg_prefix_text(c, p));
			break;
		}
		x->n_block++;
	}
	free(dups.slot);
	return rc;
}

static const struct key_def xdp_keys[] = {
	{"iface", xdp_iface, true},
	{"mode", xdp_mode, false},
	{"pass", xdp_pass, false},
	{"block", xdp_block, false},
	{"on_no_socket", xdp_on_no_socket, false},
};

/* Entry v into the next slot of cfg->xdp. */
static int
read_xdp(struct ctx *c, const char *key, struct cfg_node v)
{
	struct hp_xdp_conf *x = &c->cfg->xdp[c->cfg->n_xdp];
	int rc;

	if ((rc = cfg_want_entry(c, key, v, "xdp interface")))
		return rc;
	x->line = cfg_line(v);
	c->cfg->n_xdp++; /* counted first: hp_config_free() releases its block list */
	return cfg_walk_mapping(c, v, NULL, "in xdp interface", xdp_keys, CFG_N(xdp_keys), x);
}

int
cfg_parse_xdp(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	int rc;

	(void)obj; /* read_xdp fills c->cfg */
	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) > HP_MAX_XDP)
		return cfg_fail(c, cfg_seq_at(val, HP_MAX_XDP), "key 'xdp': too many interfaces (at most %u)",
				HP_MAX_XDP);
	for (unsigned it = 0; it < cfg_seq_len(val); it++)
		if ((rc = read_xdp(c, key, cfg_seq_at(val, it))))
			return rc;
	return 0;
}

/* net_af_xdp ports use hotpath's program: one port per interface, none with its own program. */
int
cfg_resolve_xdp(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	char a[HP_IFNAME_MAX], b[HP_IFNAME_MAX];

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];

		if (!hp_af_xdp_iface(pc->device, a, sizeof(a)))
			continue;
		for (unsigned j = 0; j < i; j++)
			if (hp_af_xdp_iface(cfg->ports[j].device, b, sizeof(b)) && !strcmp(a, b))
				return cfg_fail_at(c, pc->line,
						   "ports %s and %s are both net_af_xdp on %s (one port per "
						   "interface: give it queue_count= and queues:)",
						   cfg->ports[j].name, pc->name, a);
		for (unsigned k = 0; k < cfg->n_xdp; k++) {
			const struct hp_xdp_conf *x = &cfg->xdp[k];

			if (strcmp(x->iface, a))
				continue;
			if (strstr(pc->device, ",xdp_prog="))
				return cfg_fail_at(
					c, x->line,
					"xdp: %s is port %s's, whose device names its own xdp_prog "
					"(drop xdp_prog= to use hotpath's program, or this entry)",
					a, pc->name);
			if (x->has_mode && x->mode == HP_XDP_GENERIC)
				return cfg_fail_at(c, x->line,
						   "xdp: %s is port %s's (net_af_xdp attaches the program in "
						   "the driver's mode): remove mode: generic",
						   a, pc->name);
		}
	}
	return 0;
}

/* An interface alone: read into the scratch config's first slot, checked against its ports. */
int
cfg_entry_xdp(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	int rc;

	memset(&cfg->xdp[0], 0, sizeof(cfg->xdp[0]));
	cfg->n_xdp = 0;
	if ((rc = read_xdp(c, "xdp", v)) || (rc = cfg_resolve_xdp(c))) {
		free(cfg->xdp[0].block);
		return rc;
	}
	memcpy(out, &cfg->xdp[0], sizeof(cfg->xdp[0]));
	return 0;
}
