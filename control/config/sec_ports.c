/* Config section ports: name, device (devargs as EAL reads them), queues, MAC, addresses, mode, peer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static bool
is_hex_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (hp_hex_digit(s[i]) < 0)
			return false;
	return true;
}

static unsigned
hex_at(const char *s, size_t n)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++)
		v = v << 4 | (unsigned)hp_hex_digit(s[i]);
	return v;
}

/* DDDD:BB:DD.F or BB:DD.F (name is n bytes); canonical "dddd:bb:dd.f" into out. */
static bool
pci_name(const char *s, size_t n, char *out, size_t outlen)
{
	unsigned dom = 0, bus, dev, fn;

	if (n == 12) {
		if (!is_hex_n(s, 4) || s[4] != ':')
			return false;
		dom = hex_at(s, 4);
		s += 5;
		n -= 5;
	}
	if (n != 7 || !is_hex_n(s, 2) || s[2] != ':' || !is_hex_n(s + 3, 2) || s[5] != '.' ||
	    !is_hex_n(s + 6, 1))
		return false;
	bus = hex_at(s, 2);
	dev = hex_at(s + 3, 2);
	fn = hex_at(s + 6, 1);
	if (dev > 0x1f || fn > 7)
		return false;
	snprintf(out, outlen, "%04x:%02x:%02x.%x", dom, bus, dev, fn);
	return true;
}

/* net_<driver><id>: lowercase letters, digits and '_' after "net_", a letter first. */
static bool
vdev_name(const char *s, size_t n)
{
	if (n <= 4 || strncmp(s, "net_", 4) || !(s[4] >= 'a' && s[4] <= 'z'))
		return false;
	for (size_t i = 4; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

/*
 * Check a devargs string; on success the canonical device name goes to devname.
 * Returns NULL or what is wrong. Arguments are ",key=value" with a key of
 * [A-Za-z0-9_-] and a non-empty value, where "[...]" may hold commas (rte_kvargs lists).
 */
static const char *
check_devargs(const char *s, char *devname, size_t devlen)
{
	const char *comma = strchr(s, ',');
	size_t n = comma ? (size_t)(comma - s) : strlen(s);

	for (const char *p = s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return "only printable ASCII without blanks is allowed";
	if (pci_name(s, n, devname, devlen)) {
		/* canonical name already written */
	} else if (vdev_name(s, n)) {
		memcpy(devname, s, n);
		devname[n] = '\0';
	} else {
		return "expected a PCI address such as 0000:3b:00.0 or a vdev name such as "
		       "net_pcap0 (net_ then lowercase letters, digits, '_')";
	}
	while (comma) {
		const char *k = comma + 1, *p = k;
		int depth = 0;

		while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		       *p == '_' || *p == '-')
			p++;
		if (p == k)
			return *p == '=' ? "empty key in a ,key=value argument"
					 : "expected ,key=value arguments after the device name";
		if (*p != '=')
			return "expected ,key=value arguments after the device name (missing '=')";
		k = ++p;
		for (; *p && (depth || *p != ','); p++) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && --depth < 0)
				return "unbalanced ']' in a value";
		}
		if (depth)
			return "unbalanced '[' in a value";
		if (p == k)
			return "empty value in a ,key=value argument";
		comma = *p == ',' ? p : NULL;
	}
	return NULL;
}

static unsigned
port_idx(struct ctx *c, const struct hp_port_conf *p)
{
	return (unsigned)(p - c->cfg->ports);
}

static int
port_name(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	unsigned me = port_idx(c, p);
	const char *s;
	size_t n;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port name", &s)))
		return rc;
	n = strlen(s);
	if (!cfg_name_ok(s))
		return cfg_fail(c, val, "key 'name': bad port name '%s': expected 1 to %d of A-Z a-z 0-9 _ -",
				cfg_quote(c, s), HP_NAME_MAX - 1);
	for (unsigned i = 0; i < me; i++)
		if (!strcmp(c->cfg->ports[i].name, s))
			return cfg_fail(c, val, "duplicate port name '%s' (first at line %u)", s,
					c->port[i].name_line);
	memcpy(p->name, s, n + 1);
	c->port[me].name_line = cfg_line(val);
	return 0;
}

static int
port_device(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	struct port_side *ps = &c->port[port_idx(c, p)];
	const char *s, *why;
	size_t n;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a devargs string", &s)))
		return rc;
	n = strlen(s);
	if (n == 0 || n >= HP_DEVARGS_MAX)
		return cfg_fail(c, val, "key 'device': bad devargs: expected 1 to %d bytes",
				HP_DEVARGS_MAX - 1);
	why = check_devargs(s, ps->devname, sizeof(ps->devname));
	if (why)
		return cfg_fail(c, val, "key 'device': bad devargs '%s': %s", cfg_quote(c, s), why);
	for (unsigned i = 0; i < port_idx(c, p); i++)
		if (!strcmp(c->port[i].devname, ps->devname))
			return cfg_fail(c, val, "duplicate device '%s' (first used by port '%s' at line %u)",
					cfg_quote(c, ps->devname), c->cfg->ports[i].name,
					c->port[i].device_line);
	memcpy(p->device, s, n + 1);
	ps->device_line = cfg_line(val);
	return 0;
}

static int
port_queues(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, 1, HP_MAX_QUEUES, &v)))
		return rc;
	p->queues = (uint16_t)v;
	return 0;
}

static int
want_desc(struct ctx *c, const char *key, struct cfg_node val, uint16_t *out)
{
	unsigned long long v;

	if (cfg_want_uint(c, key, val, CFG_DESC_MIN, CFG_DESC_MAX, &v) || (v & (v - 1)))
		return cfg_fail(c, val, "key '%s': expected a power of two between %u and %u", key,
				CFG_DESC_MIN, CFG_DESC_MAX);
	*out = (uint16_t)v;
	return 0;
}

static int
port_rx_desc(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_desc(c, key, val, &((struct hp_port_conf *)obj)->rx_desc);
}

static int
port_tx_desc(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_desc(c, key, val, &((struct hp_port_conf *)obj)->tx_desc);
}

static int
port_mtu(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	unsigned long long v;
	int rc;

	/* 1280: IPv6's minimum (RFC 8200 5), which every ICMP error we build fits */
	if ((rc = cfg_want_uint(c, key, val, HP_MIN_MTU, HP_MAX_MTU, &v)))
		return rc;
	((struct hp_port_conf *)obj)->mtu = (uint16_t)v;
	return 0;
}

static int
port_mac(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	int rc;

	if ((rc = cfg_want_mac(c, key, val, p->mac)))
		return rc;
	p->has_mac = true;
	return 0;
}

static int
want_prefixes(struct ctx *c, const char *key, struct cfg_node val, int family, struct hp_prefix *out,
	      unsigned *n_out)
{
	const char *expect = family == AF_INET ? "an IPv4 address with a prefix length, such as "
						 "10.0.0.1/24 (length 0..32)"
					       : "an IPv6 address with a prefix length, such as "
						 "2001:db8::1/64 (length 0..128)";
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) > HP_MAX_ADDRS)
		return cfg_fail(c, val, "key '%s': at most %d addresses", key, HP_MAX_ADDRS);
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		const char *s;

		if ((rc = cfg_want_scalar(c, key, v, expect, &s)))
			return rc;
		if (hp_parse_prefix(s, family, &out[*n_out]))
			return cfg_fail(c, v, "key '%s': bad address '%s': expected %s", key, cfg_quote(c, s),
					expect);
		(*n_out)++;
	}
	return 0;
}

static int
port_ipv4(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;

	return want_prefixes(c, key, val, AF_INET, p->ipv4, &p->n_ipv4);
}

static int
port_ipv6(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;

	return want_prefixes(c, key, val, AF_INET6, p->ipv6, &p->n_ipv6);
}

static int
port_mode(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "l3 or xconnect", &s)))
		return rc;
	if (!strcmp(s, "l3"))
		p->mode = HP_MODE_L3;
	else if (!strcmp(s, "xconnect"))
		p->mode = HP_MODE_XCONNECT;
	else
		return cfg_fail(c, val, "key 'mode': expected l3 or xconnect, got '%s'", cfg_quote(c, s));
	return 0;
}

static int
port_host(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "tap or none", &s)))
		return rc;
	if (!strcmp(s, "tap"))
		p->host = HP_HOST_TAP;
	else if (!strcmp(s, "none"))
		p->host = HP_HOST_NONE;
	else
		return cfg_fail(c, val, "key 'host': expected tap or none, got '%s'", cfg_quote(c, s));
	return 0;
}

static int
port_peer(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_port_conf *p = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port name", &s)))
		return rc;
	c->port[port_idx(c, p)].peer = s;
	p->peer_line = cfg_line(val);
	return 0;
}

static const struct key_def port_keys[] = {
	{"name", port_name, true},        {"device", port_device, true},    {"queues", port_queues, false},
	{"rx_desc", port_rx_desc, false}, {"tx_desc", port_tx_desc, false}, {"mac", port_mac, false},
	{"ipv4", port_ipv4, false},       {"ipv6", port_ipv6, false},       {"mode", port_mode, false},
	{"peer", port_peer, false},       {"mtu", port_mtu, false},         {"host", port_host, false},
};

int
cfg_parse_ports(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	if (cfg_seq_len(val) == 0)
		return cfg_fail(c, val, "key 'ports': expected at least one port");
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct cfg_node v = cfg_seq_at(val, it);
		struct hp_port_conf *p;

		if (cfg->n_ports == HP_MAX_PORTS)
			return cfg_fail(c, v, "key 'ports': too many ports (at most %d)", HP_MAX_PORTS);
		if (cfg_node_kind(v) != CFG_MAP)
			return cfg_fail(c, v, "key 'ports': expected each port to be a mapping (found %s)",
					cfg_kind(v));
		p = &cfg->ports[cfg->n_ports];
		memset(p, 0, sizeof(*p));
		p->queues = 1;
		p->rx_desc = HP_DEFAULT_RX_DESC;
		p->tx_desc = HP_DEFAULT_TX_DESC;
		p->mtu = HP_DEFAULT_MTU;
		p->mode = HP_MODE_L3;
		p->peer = -1;
		p->line = cfg_line(v);
		rc = cfg_walk_mapping(c, v, NULL, "in port", port_keys, CFG_N(port_keys), p);
		if (rc)
			return rc;
		if (p->mode == HP_MODE_XCONNECT && !c->port[cfg->n_ports].peer)
			return cfg_fail(c, v, "port '%s': mode xconnect needs a peer (add peer: PORT)",
					p->name);
		if (p->mode == HP_MODE_L3 && c->port[cfg->n_ports].peer)
			return cfg_fail_at(c, p->peer_line,
					   "key 'peer': only valid with mode: xconnect (port '%s' is l3)",
					   p->name);
		if (p->host == HP_HOST_TAP && p->mode != HP_MODE_L3)
			return cfg_fail(
				c, v,
				"port '%s': host: tap needs mode: l3 (an xconnect port has no addresses)",
				p->name);
		if (p->host == HP_HOST_TAP &&
		    (!strncmp(p->device, "net_af_xdp", 10) || !strncmp(p->device, "eth_af_xdp", 10)))
			return cfg_fail(
				c, v,
				"port '%s': host: tap on a net_af_xdp device: the kernel keeps that "
				"interface already; list what it must get in xdp: pass classes instead",
				p->name);
		if (p->host == HP_HOST_TAP && strlen(p->name) > HP_HOST_PORT_NAME_MAX)
			return cfg_fail(
				c, v,
				"port '%s': host: tap names its interface " HP_HOST_PREFIX
				"%s, longer than an interface name (a port name of at most %d characters)",
				p->name, p->name, HP_HOST_PORT_NAME_MAX);
		cfg->n_ports++;
	}
	return 0;
}

/* Peers may name ports listed after them. */
int
cfg_resolve_ports(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const char *peer = c->port[i].peer;

		if (!peer)
			continue;
		cfg->ports[i].peer = hp_config_port_index(cfg, peer);
		if (cfg->ports[i].peer < 0)
			return cfg_fail_at(c, cfg->ports[i].peer_line,
					   "key 'peer': unknown peer '%s' (no port by that name)",
					   cfg_quote(c, peer));
	}
	return 0;
}
