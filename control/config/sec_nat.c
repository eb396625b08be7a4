/* Config section nat: SNAT pools and DNAT port forwards, IPv4 only (the data path: dataplane/nat.c, ct_stage.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static struct nat_side *
side_of(struct ctx *c, const struct hp_nat_rule *r)
{
	return &c->nat[r - c->cfg->nat];
}

/* An IPv4 address that may be a NAT address (not a martian); key names it in messages. */
static int
want_v4(struct ctx *c, const char *key, struct cfg_node val, const char *s, struct hp_addr *out)
{
	struct hp_prefix host;

	if (hp_parse_addr(s, 0, out))
		return cfg_fail(c, val, "key '%s': bad address '%s': expected an IPv4 address", key,
				cfg_quote(c, s));
	if (out->family != AF_INET)
		return cfg_fail(c, val, "key '%s': %s is IPv6: NAT is IPv4 only", key, cfg_quote(c, s));
	host = (struct hp_prefix){.family = AF_INET, .len = 32};
	memcpy(host.addr, out->addr, 4);
	if (hp_martian_of(&host) >= 0)
		return cfg_fail(c, val, "key '%s': %s is never forwarded (a reserved address)", key,
				cfg_quote(c, s));
	return 0;
}

static int
nat_type(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "snat or dnat", &s)))
		return rc;
	if (!strcmp(s, "snat"))
		r->type = HP_NAT_SNAT;
	else if (!strcmp(s, "dnat"))
		r->type = HP_NAT_DNAT;
	else
		return cfg_fail(c, val, "key 'type': expected snat or dnat, got '%s'", cfg_quote(c, s));
	c->ntmp.type_line = cfg_line(val);
	return 0;
}

static int
nat_port(struct ctx *c, struct hp_nat_rule *r, const char *key, struct cfg_node val)
{
	struct nat_side *ns = side_of(c, r);
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port name", &s)))
		return rc;
	ns->port = s;
	ns->port_line = cfg_line(val);
	return 0;
}

static int
nat_out(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ntmp.has_out = true;
	c->ntmp.out_line = cfg_line(val);
	return nat_port(c, obj, key, val);
}

static int
nat_in(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ntmp.has_in = true;
	c->ntmp.in_line = cfg_line(val);
	return nat_port(c, obj, key, val);
}

static int
nat_src(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	int rc;

	if ((rc = cfg_want_net(c, key, val, &r->src)))
		return rc;
	if (r->src.family != AF_INET)
		return cfg_fail(c, val, "key 'src': %s is IPv6: NAT is IPv4 only",
				cfg_prefix_text(c, &r->src));
	c->ntmp.has_src = true;
	c->ntmp.src_line = cfg_line(val);
	return 0;
}

/* One pool address of snat's to: (distinct within the rule). */
static int
pool_add(struct ctx *c, struct hp_nat_rule *r, struct cfg_node e)
{
	struct hp_addr a;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, "to", e, "an IPv4 address", &s)) || (rc = want_v4(c, "to", e, s, &a)))
		return rc;
	for (unsigned i = 0; i < r->n_to; i++)
		if (!memcmp(r->to[i].addr, a.addr, 4))
			return cfg_fail(c, e, "key 'to': %s listed twice", cfg_ip_text(c, &a));
	if (r->n_to >= HP_MAX_NAT_POOL)
		return cfg_fail(c, e, "key 'to': more than %u addresses in one pool", HP_MAX_NAT_POOL);
	r->to[r->n_to++] = a;
	return 0;
}

/* to: [ADDR, ...] or ADDR (snat's pool), or "ADDR:PORT" (dnat's target); the type decides later. */
static int
nat_to(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	unsigned long long port;
	const char *s, *colon;
	char addr[64];
	int rc;

	side_of(c, r)->to_line = cfg_line(val);
	if (cfg_node_kind(val) == CFG_SEQ) {
		if (cfg_seq_len(val) == 0)
			return cfg_fail(c, val, "key 'to': expected at least one address");
		for (unsigned i = 0; i < cfg_seq_len(val); i++)
			if ((rc = pool_add(c, r, cfg_seq_at(val, i))))
				return rc;
		c->ntmp.to = NAT_TO_LIST;
		return 0;
	}
	if ((rc = cfg_want_scalar(c, key, val, "a list of addresses (snat) or \"ADDR:PORT\" (dnat)", &s)))
		return rc;
	colon = strchr(s, ':');
	if (!colon || s[0] == '[' || strchr(colon + 1, ':')) {
		c->ntmp.to = NAT_TO_ADDR; /* one address, or IPv6 (refused by want_v4) */
		return pool_add(c, r, val);
	}
	if ((size_t)(colon - s) >= sizeof(addr))
		return cfg_fail(c, val, "key 'to': bad target '%s': expected \"ADDR:PORT\"", cfg_quote(c, s));
	memcpy(addr, s, (size_t)(colon - s));
	addr[colon - s] = '\0';
	if ((rc = want_v4(c, key, val, addr, &r->to_addr)))
		return rc;
	if (!hp_parse_dec(colon + 1, 65535, &port) || port == 0)
		return cfg_fail(c, val,
				"key 'to': bad port in '%s': expected \"ADDR:PORT\" with a port 1..65535",
				cfg_quote(c, s));
	r->to_port = (uint16_t)port;
	c->ntmp.to = NAT_TO_ADDR_PORT;
	return 0;
}

/* ports: "A-B" (1 <= A <= B <= 65535): the source ports snat hands out. */
static int
nat_ports(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	unsigned long long a, b;
	const char *s, *dash;
	char first[8];
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port range A-B", &s)))
		return rc;
	dash = strchr(s, '-');
	if (!dash || (size_t)(dash - s) >= sizeof(first))
		goto bad;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (!hp_parse_dec(first, 65535, &a) || !hp_parse_dec(dash + 1, 65535, &b) || a == 0 || a > b)
		goto bad;
	r->port_lo = (uint16_t)a;
	r->port_hi = (uint16_t)b;
	c->ntmp.has_ports = true;
	c->ntmp.ports_line = cfg_line(val);
	return 0;
bad:
	return cfg_fail(
		c, val,
		"key 'ports': expected a range A-B with 1 <= A <= B <= 65535 such as \"1024-65535\", got '%s'",
		cfg_quote(c, s));
}

static int
nat_dst(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "an IPv4 address", &s)) ||
	    (rc = want_v4(c, key, val, s, &r->dst)))
		return rc;
	c->ntmp.has_dst = true;
	c->ntmp.dst_line = side_of(c, r)->dst_line = cfg_line(val);
	return 0;
}

static int
nat_proto(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "tcp or udp", &s)))
		return rc;
	if (!strcmp(s, "tcp") || !strcmp(s, "6"))
		r->proto = 6;
	else if (!strcmp(s, "udp") || !strcmp(s, "17"))
		r->proto = 17;
	else
		return cfg_fail(c, val, "key 'proto': expected tcp or udp, got '%s'", cfg_quote(c, s));
	c->ntmp.has_proto = true;
	c->ntmp.proto_line = cfg_line(val);
	return 0;
}

static int
nat_dport(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_nat_rule *r = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, 1, 65535, &v)))
		return rc;
	r->dport = (uint16_t)v;
	c->ntmp.has_dport = true;
	c->ntmp.dport_line = side_of(c, r)->dport_line = cfg_line(val);
	return 0;
}

static const struct key_def nat_keys[] = {
	{"type", nat_type, true}, {"out", nat_out, false},     {"in", nat_in, false},
	{"src", nat_src, false},  {"to", nat_to, true},        {"ports", nat_ports, false},
	{"dst", nat_dst, false},  {"proto", nat_proto, false}, {"dport", nat_dport, false},
};

/* The keys of the other type are refused, those of this one required. */
static int
check_nat(struct ctx *c, struct hp_nat_rule *r)
{
	const struct nat_tmp *t = &c->ntmp;

	if (r->type == HP_NAT_SNAT) {
		unsigned bad = t->has_in      ? t->in_line
			       : t->has_dst   ? t->dst_line
			       : t->has_proto ? t->proto_line
					      : t->dport_line;
		const char *k = t->has_in ? "in" : t->has_dst ? "dst" : t->has_proto ? "proto" : "dport";

		if (t->has_in || t->has_dst || t->has_proto || t->has_dport)
			return cfg_fail_at(c, bad,
					   "key '%s': not a snat key (snat takes out, src, to, ports)", k);
		if (!t->has_out)
			return cfg_fail_at(c, r->line,
					   "snat rule: missing key 'out' (the port it leaves by)");
		if (!t->has_src)
			return cfg_fail_at(c, r->line, "snat rule: missing key 'src' (the inside prefix)");
		if (t->to == NAT_TO_ADDR_PORT)
			return cfg_fail_at(c, side_of(c, r)->to_line,
					   "key 'to': a snat pool is a list of addresses (ports: gives the "
					   "ports)");
		if (!t->has_ports) {
			r->port_lo = HP_NAT_PORT_LO_DEFAULT;
			r->port_hi = HP_NAT_PORT_HI_DEFAULT;
		}
		return 0;
	}
	if (t->has_out || t->has_src || t->has_ports)
		return cfg_fail_at(c,
				   t->has_out   ? t->out_line
				   : t->has_src ? t->src_line
						: t->ports_line,
				   "key '%s': not a dnat key (dnat takes in, dst, proto, dport, to)",
				   t->has_out   ? "out"
				   : t->has_src ? "src"
						: "ports");
	if (!t->has_in || !t->has_dst || !t->has_proto || !t->has_dport)
		return cfg_fail_at(c, r->line, "dnat rule: missing key '%s'",
				   !t->has_in      ? "in"
				   : !t->has_dst   ? "dst"
				   : !t->has_proto ? "proto"
						   : "dport");
	if (t->to != NAT_TO_ADDR_PORT)
		return cfg_fail_at(c, side_of(c, r)->to_line,
				   "key 'to': a dnat target is one \"ADDR:PORT\" (such as \"10.0.0.5:80\")");
	r->n_to = 0;
	return 0;
}

int
cfg_parse_nat(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_NAT_RULES, "rules", sizeof(*cfg->nat), &arr,
			      sizeof(*c->nat), &side);
	cfg->nat = arr;
	c->nat = side;
	if (rc)
		return rc;
	for (unsigned i = 0; i < cfg_seq_len(val); i++) {
		struct cfg_node v = cfg_seq_at(val, i);
		struct hp_nat_rule *r = &cfg->nat[i];

		if ((rc = cfg_want_entry(c, key, v, "rule")))
			return rc;
		r->port = -1;
		r->line = cfg_line(v);
		memset(&c->ntmp, 0, sizeof(c->ntmp));
		if ((rc = cfg_walk_mapping(c, v, NULL, "in nat rule", nat_keys, CFG_N(nat_keys), r)) ||
		    (rc = check_nat(c, r)))
			return rc;
		cfg->n_nat++;
	}
	return 0;
}

/* How a message names rule i: by its line in the file, or by its index (added over the socket). */
static const char *
rule_where(const struct hp_config *cfg, unsigned i, char *buf, size_t len)
{
	if (cfg->nat[i].line)
		snprintf(buf, len, "at line %u", cfg->nat[i].line);
	else
		snprintf(buf, len, "%u (nat.show numbers them)", i);
	return buf;
}

struct pool_addr {
	uint32_t addr; /* host order */
	unsigned rule;
};

static int
cmp_pool_addr(const void *a, const void *b)
{
	const struct pool_addr *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return x->rule < y->rule ? -1 : x->rule > y->rule;
}

/* No address in two snat pools: sorted, a repeat is two rules' (one rule's were refused). */
static int
check_pools(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	struct pool_addr *all;
	size_t n = 0;
	int rc = 0;

	for (unsigned i = 0; i < cfg->n_nat; i++)
		n += cfg->nat[i].n_to;
	if (n < 2)
		return 0;
	if (!(all = malloc(n * sizeof(*all))))
		return cfg_oom(c, cfg->nat[0].line);
	n = 0;
	for (unsigned i = 0; i < cfg->n_nat; i++)
		for (unsigned k = 0; k < cfg->nat[i].n_to; k++) {
			const uint8_t *b = cfg->nat[i].to[k].addr;

			all[n++] = (struct pool_addr){(uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3],
						      i};
		}
	qsort(all, n, sizeof(*all), cmp_pool_addr);
	for (size_t k = 1; k < n && !rc; k++)
		if (all[k].addr == all[k - 1].addr) {
			struct hp_addr a = {.family = AF_INET};

			for (int j = 0; j < 4; j++)
				a.addr[j] = (uint8_t)(all[k].addr >> (24 - 8 * j));
			char where[48];

			rc = cfg_fail_at(c, c->nat[all[k].rule].to_line,
					 "key 'to': %s is in the pool of the snat rule %s too (pools may not "
					 "overlap)",
					 cfg_ip_text(c, &a),
					 rule_where(cfg, all[k - 1].rule, where, sizeof(where)));
		}
	free(all);
	return rc;
}

/* Rule i: its port by name (l3), a dnat target that is routed, no dnat rule twice (against rules 0..i-1). */
static int
resolve_rule(struct ctx *c, unsigned i)
{
	struct hp_config *cfg = c->cfg;
	struct hp_nat_rule *r = &cfg->nat[i];
	const struct nat_side *ns = &c->nat[i];
	const char *k = r->type == HP_NAT_SNAT ? "out" : "in";
	int p = hp_config_port_index(cfg, ns->port);

	if (p < 0)
		return cfg_fail_at(c, ns->port_line, "key '%s': unknown port '%s' (no port by that name)", k,
				   cfg_quote(c, ns->port));
	if (cfg->ports[p].mode != HP_MODE_L3)
		return cfg_fail_at(c, ns->port_line,
				   "key '%s': port '%s' is mode xconnect: nat needs an l3 port", k,
				   cfg->ports[p].name);
	r->port = p;
	if (r->type == HP_NAT_DNAT && !hp_config_reachable(cfg, &r->to_addr))
		return cfg_fail_at(
			c, ns->to_line,
			"key 'to': %s is outside every connected subnet and route (the target must be "
			"reachable)",
			cfg_ip_text(c, &r->to_addr));
	for (unsigned k2 = 0; k2 < i; k2++) {
		const struct hp_nat_rule *o = &cfg->nat[k2];
		char where[48];

		if (r->type == HP_NAT_DNAT && o->type == HP_NAT_DNAT && o->port == r->port &&
		    o->proto == r->proto && o->dport == r->dport && !memcmp(o->dst.addr, r->dst.addr, 4))
			return cfg_fail_at(c, ns->dport_line,
					   "key 'dport': a dnat rule for %s %s/%u on port %s is %s already",
					   cfg_ip_text(c, &r->dst), r->proto == 6 ? "tcp" : "udp", r->dport,
					   cfg->ports[p].name, rule_where(cfg, k2, where, sizeof(where)));
	}
	return 0;
}

/* Ports by name (l3), pools that share no address, dnat targets that are routed, no dnat twice. */
int
cfg_resolve_nat(struct ctx *c)
{
	int rc;

	for (unsigned i = 0; i < c->cfg->n_nat; i++)
		if ((rc = resolve_rule(c, i)))
			return rc;
	return check_pools(c);
}

/*
 * One rule sent over the socket (nat.add), checked as the file's rules are: read into out, then
 * resolved and checked against the running rules (c->cfg, a scratch copy: its nat array is
 * replaced here by the running rules plus this one, and freed).
 */
int
cfg_entry_nat(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	const struct hp_nat_rule *running = cfg->nat;
	unsigned n = cfg->n_nat;
	struct hp_nat_rule *all;
	int rc;

	memset(out, 0, sizeof(struct hp_nat_rule));
	if (n >= HP_MAX_NAT_RULES)
		return cfg_fail_at(c, 0, "too many rules (at most %u)", HP_MAX_NAT_RULES);
	all = calloc(n + 1, sizeof(*all));
	c->nat = calloc(n + 1, sizeof(*c->nat));
	if (!all || !c->nat) {
		free(all);
		return cfg_oom(c, 0);
	}
	if (n > 0)
		memcpy(all, running, n * sizeof(*all));
	for (unsigned i = 0; i < n; i++)
		c->nat[i].port = cfg->ports[all[i].port].name;
	cfg->nat = all;
	cfg->n_nat = n;
	if ((rc = cfg_want_entry(c, "nat", v, "rule")))
		goto out;
	all[n].port = -1;
	memset(&c->ntmp, 0, sizeof(c->ntmp));
	if ((rc = cfg_walk_mapping(c, v, NULL, "in nat rule", nat_keys, CFG_N(nat_keys), &all[n])) ||
	    (rc = check_nat(c, &all[n])))
		goto out;
	cfg->n_nat = n + 1;
	if ((rc = resolve_rule(c, n)) || (rc = check_pools(c)))
		goto out;
	memcpy(out, &all[n], sizeof(all[n]));
out:
	cfg->nat = NULL;
	cfg->n_nat = 0;
	free(all);
	return rc;
}
