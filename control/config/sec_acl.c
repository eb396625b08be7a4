/* Config sections acl_default: and acl: (5-tuple rules, optionally a connection state:, with permit,
 * deny, count or police NAME). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

int
cfg_parse_acl_default(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "permit or deny", &s)))
		return rc;
	if (!strcmp(s, "permit"))
		cfg->acl_default_deny = false;
	else if (!strcmp(s, "deny"))
		cfg->acl_default_deny = true;
	else
		return cfg_fail(c, val, "key 'acl_default': expected permit or deny, got '%s'",
				cfg_quote(c, s));
	return 0;
}

static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"icmpv6", 58}, {"sctp", 132}, {"gre", 47}, {"esp", 50},
};

static const char *
proto_text(struct ctx *c, uint8_t num)
{
	char *out = c->quote[c->qi++ % 4];

	for (size_t i = 0; i < CFG_N(protos); i++)
		if (protos[i].num == num)
			return protos[i].name;
	snprintf(out, CFG_QUOTE_MAX, "%u", num);
	return out;
}

static unsigned
acl_idx(struct ctx *c, const struct hp_acl_rule *a)
{
	return (unsigned)(a - c->cfg->acl);
}

static int
acl_priority(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, 0, CFG_PRIO_MAX, &v)))
		return rc;
	a->priority = (uint32_t)v;
	return 0;
}

static int
acl_src(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = cfg_want_net(c, key, val, &a->src)))
		return rc;
	a->has_src = true;
	return 0;
}

static int
acl_dst(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = cfg_want_net(c, key, val, &a->dst)))
		return rc;
	a->has_dst = true;
	c->atmp.dst_line = cfg_line(val);
	return 0;
}

static int
acl_proto(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	unsigned long long v;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a protocol name or number", &s)))
		return rc;
	for (size_t i = 0; i < CFG_N(protos); i++)
		if (!strcmp(s, protos[i].name)) {
			v = protos[i].num;
			goto found;
		}
	if (!hp_parse_dec(s, 255, &v))
		return cfg_fail(c, val,
				"key 'proto': expected tcp, udp, icmp, icmpv6, sctp, gre, esp or a protocol "
				"number 0..255, got '%s'",
				cfg_quote(c, s));
found:
	a->has_proto = true;
	a->proto = (uint8_t)v;
	c->atmp.proto_line = cfg_line(val);
	return 0;
}

/* "N" or "A-B" (A <= B), a string or an integer. */
static int
want_port_range(struct ctx *c, const char *key, struct cfg_node val, uint16_t *lo, uint16_t *hi)
{
	unsigned long long a, b;
	const char *s, *dash;
	char first[8];
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port or a range A-B", &s)))
		return rc;
	dash = strchr(s, '-');
	if (!dash) {
		if (!hp_parse_dec(s, 65535, &a))
			goto bad;
		b = a;
	} else {
		if ((size_t)(dash - s) >= sizeof(first))
			goto bad;
		memcpy(first, s, (size_t)(dash - s));
		first[dash - s] = '\0';
		if (!hp_parse_dec(first, 65535, &a) || !hp_parse_dec(dash + 1, 65535, &b))
			goto bad;
		if (a > b)
			return cfg_fail(c, val, "key '%s': range %s is backwards (expected A-B with A <= B)",
					key, cfg_quote(c, s));
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
bad:
	return cfg_fail(c, val,
			"key '%s': expected a port 0..65535 or a range A-B such as \"5000-5010\", got '%s'",
			key, cfg_quote(c, s));
}

static int
acl_sport(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = want_port_range(c, key, val, &a->sport_lo, &a->sport_hi)))
		return rc;
	c->atmp.has_sport = true;
	c->atmp.sport_line = cfg_line(val);
	return 0;
}

static int
acl_dport(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	int rc;

	if ((rc = want_port_range(c, key, val, &a->dport_lo, &a->dport_hi)))
		return rc;
	c->atmp.has_dport = true;
	c->atmp.dport_line = cfg_line(val);
	return 0;
}

static int
acl_action(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	struct acl_side *as = &c->acl[acl_idx(c, a)];
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "permit, deny, count or police NAME", &s)))
		return rc;
	as->action_line = cfg_line(val);
	if (!strcmp(s, "permit")) {
		a->action = HP_ACL_PERMIT;
	} else if (!strcmp(s, "deny")) {
		a->action = HP_ACL_DENY;
	} else if (!strcmp(s, "count")) {
		a->action = HP_ACL_COUNT;
	} else if (!strncmp(s, "police", 6) && (s[6] == ' ' || s[6] == '\0')) {
		s += 6;
		s += strspn(s, " ");
		if (!*s)
			return cfg_fail(c, val, "key 'action': police needs a policer name (police NAME)");
		a->action = HP_ACL_POLICE;
		as->police = s;
	} else {
		return cfg_fail(c, val, "key 'action': expected permit, deny, count or police NAME, got '%s'",
				cfg_quote(c, s));
	}
	return 0;
}

/* One state name of state: into *bit (HP_CT_*), refused with the names it may be. */
static int
acl_state_name(struct ctx *c, struct cfg_node e, uint8_t have, uint8_t *bit)
{
	const char *s;
	size_t len;

	if (cfg_node_kind(e) != CFG_SCALAR)
		return cfg_fail(c, e,
				"key 'state': expected new, established, related or invalid, or a list of "
				"them (found %s)",
				cfg_kind(e));
	s = cfg_text(e, &len);
	for (unsigned b = HP_CT_NEW; b <= HP_CT_INVALID && strlen(s) == len; b <<= 1)
		if (!strcmp(s, hp_ct_state_name(b))) {
			if (have & b)
				return cfg_fail(c, e, "key 'state': '%s' listed twice", s);
			*bit = (uint8_t)b;
			return 0;
		}
	return cfg_fail(c, e,
			"key 'state': unknown state '%s': expected new, established, related or invalid",
			cfg_quote(c, s));
}

/* state: new | [established, related]: the connection states the rule matches (a bitmask). */
static int
acl_state(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_acl_rule *a = obj;
	uint8_t bit, have = 0;
	int rc;

	(void)key;
	if (cfg_node_kind(val) != CFG_SEQ) {
		if ((rc = acl_state_name(c, val, 0, &bit)))
			return rc;
		a->state = bit;
		return 0;
	}
	if (cfg_seq_len(val) == 0)
		return cfg_fail(c, val,
				"key 'state': expected at least one of new, established, related, invalid "
				"(leave the key out to match any state)");
	for (unsigned i = 0; i < cfg_seq_len(val); i++) {
		if ((rc = acl_state_name(c, cfg_seq_at(val, i), have, &bit)))
			return rc;
		have |= bit;
	}
	a->state = have;
	return 0;
}

static const struct key_def acl_keys[] = {
	{"priority", acl_priority, true}, {"src", acl_src, false},      {"dst", acl_dst, false},
	{"proto", acl_proto, false},      {"sport", acl_sport, false},  {"dport", acl_dport, false},
	{"state", acl_state, false},      {"action", acl_action, true},
};

/* What needs the whole rule: one family, ICMP of that family, ports only with TCP/UDP/SCTP. */
static int
check_acl(struct ctx *c, struct hp_acl_rule *a)
{
	const struct acl_tmp *t = &c->atmp;
	bool l4 = a->has_proto && (a->proto == 6 || a->proto == 17 || a->proto == 132);

	if (a->has_src && a->has_dst && a->src.family != a->dst.family)
		return cfg_fail_at(c, t->dst_line,
				   "key 'dst': %s is %s but src %s is %s (a rule matches one family)",
				   cfg_prefix_text(c, &a->dst), cfg_family_name(a->dst.family),
				   cfg_prefix_text(c, &a->src), cfg_family_name(a->src.family));
	a->family = a->has_src ? a->src.family : a->has_dst ? a->dst.family : 0;
	if (a->has_proto && a->proto == 1 && a->family == AF_INET6)
		return cfg_fail_at(c, t->proto_line,
				   "key 'proto': icmp is IPv4 only but the rule's addresses are IPv6 (use "
				   "icmpv6)");
	if (a->has_proto && a->proto == 58 && a->family == AF_INET)
		return cfg_fail_at(c, t->proto_line,
				   "key 'proto': icmpv6 is IPv6 only but the rule's addresses are IPv4 (use "
				   "icmp)");
	for (int i = 0; i < 2; i++) {
		const char *k = i ? "dport" : "sport";

		if (!(i ? t->has_dport : t->has_sport) || l4)
			continue;
		if (a->has_proto)
			return cfg_fail_at(c, i ? t->dport_line : t->sport_line,
					   "key '%s': %s needs proto tcp, udp or sctp (proto is %s)", k, k,
					   proto_text(c, a->proto));
		return cfg_fail_at(c, i ? t->dport_line : t->sport_line,
				   "key '%s': %s needs proto tcp, udp or sctp (no proto given)", k, k);
	}
	return 0;
}

/* Rule v into the next slot of cfg->acl, checked on its own (its policer is resolved later). */
static int
read_acl_rule(struct ctx *c, const char *key, struct cfg_node v)
{
	struct hp_acl_rule *a = &c->cfg->acl[c->cfg->n_acl];
	int rc;

	if ((rc = cfg_want_entry(c, key, v, "rule")))
		return rc;
	a->sport_hi = a->dport_hi = 65535;
	a->policer = -1;
	a->line = cfg_line(v);
	memset(&c->atmp, 0, sizeof(c->atmp));
	rc = cfg_walk_mapping(c, v, NULL, "in acl rule", acl_keys, CFG_N(acl_keys), a);
	return rc ? rc : check_acl(c, a);
}

int
cfg_parse_acl(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_ACL_RULES, "rules", sizeof(*cfg->acl), &arr,
			      sizeof(*c->acl), &side);
	cfg->acl = arr;
	c->acl = side;
	if (rc)
		return rc;
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		if ((rc = read_acl_rule(c, key, cfg_seq_at(val, it))))
			return rc;
		cfg->n_acl++;
	}
	return 0;
}

struct name_idx {
	const char *name;
	unsigned idx;
};

static int
cmp_name_idx(const void *a, const void *b)
{
	return strcmp(((const struct name_idx *)a)->name, ((const struct name_idx *)b)->name);
}

/* "police NAME": policers may be listed after the rules that name them. */
int
cfg_resolve_acl(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	struct name_idx *byname = NULL;
	int rc = 0;

	for (unsigned i = 0; i < cfg->n_acl; i++) {
		struct name_idx key = {c->acl[i].police, 0}, *hit;

		if (!key.name)
			continue;
		if (!byname) {
			byname = calloc(cfg->n_policers ? cfg->n_policers : 1, sizeof(*byname));
			if (!byname)
				return cfg_oom(c, c->acl[i].action_line);
			for (unsigned k = 0; k < cfg->n_policers; k++)
				byname[k] = (struct name_idx){cfg->policers[k].name, k};
			qsort(byname, cfg->n_policers, sizeof(*byname), cmp_name_idx);
		}
		hit = cfg->n_policers ? bsearch(&key, byname, cfg->n_policers, sizeof(*byname), cmp_name_idx)
				      : NULL;
		if (!hit) {
			rc = cfg_fail_at(c, c->acl[i].action_line,
					 "key 'action': unknown policer '%s' (no policer by that name in "
					 "policers:)",
					 cfg_quote(c, c->acl[i].police));
			break;
		}
		cfg->acl[i].policer = (int)hit->idx;
	}
	free(byname);
	return rc;
}

int
cfg_entry_acl(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	int rc;

	memset(out, 0, sizeof(struct hp_acl_rule));
	cfg->acl = out;
	cfg->n_acl = 0;
	if ((rc = cfg_side_one(c, sizeof(*c->acl), (void **)&c->acl)) || (rc = read_acl_rule(c, "acl", v)))
		return rc;
	cfg->n_acl = 1;
	return cfg_resolve_acl(c);
}
