/* Config sections lb (the L4 load balancer's VIPs and their backends) and lb_conf (its flow table, Maglev size, outer sources). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "config_int.h"
#include "model_lb.h"

#define LB_HEALTH_INTERVAL_DEFAULT 1000
#define LB_HEALTH_TIMEOUT_DEFAULT 500
#define LB_HEALTH_RISE_DEFAULT 2
#define LB_HEALTH_FALL_DEFAULT 3
/* the primes a message suggests for table_size (65537 = 2^16 + 1; the others the largest below a power of 2) */
#define LB_TABLE_SIZES "65537, 131071, 262139, 524287 or 1048573"

static struct lb_side *
side_of(struct ctx *c, const struct hp_lb_vip *v)
{
	return &c->lb[v - c->cfg->lb];
}

/* An address that may be a VIP or a backend: IPv4 or IPv6, not reserved. */
static int
want_ip(struct ctx *c, const char *key, struct cfg_node val, struct hp_addr *out)
{
	struct hp_prefix host;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "an IP address", &s)))
		return rc;
	if (hp_parse_addr(s, 0, out))
		return cfg_fail(c, val,
				"key '%s': bad address '%s': expected an IPv4 or IPv6 address such as "
				"192.0.2.10 or 2001:db8::10 (no prefix length)",
				key, cfg_quote(c, s));
	host = (struct hp_prefix){.family = out->family, .len = (uint8_t)hp_family_bits(out->family)};
	memcpy(host.addr, out->addr, sizeof(host.addr));
	if (hp_martian_of(&host) >= 0)
		return cfg_fail(c, val, "key '%s': %s is never forwarded (a reserved address)", key,
				cfg_quote(c, s));
	return 0;
}

/* ---- lb: one VIP ---- */

static int
lb_vip(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;

	side_of(c, v)->vip_line = cfg_line(val);
	return want_ip(c, key, val, &v->vip);
}

static int
lb_proto(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "tcp or udp", &s)))
		return rc;
	if (!strcmp(s, "tcp"))
		v->proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		v->proto = IPPROTO_UDP;
	else
		return cfg_fail(c, val, "key 'proto': expected tcp or udp, got '%s'", cfg_quote(c, s));
	return 0;
}

static int
want_port(struct ctx *c, const char *key, struct cfg_node val, uint16_t *out)
{
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, 1, 65535, &v)))
		return rc;
	*out = (uint16_t)v;
	return 0;
}

static int
lb_port(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;

	side_of(c, v)->port_line = cfg_line(val);
	return want_port(c, key, val, &v->port);
}

static int
lb_encap(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "ipip or gue", &s)))
		return rc;
	if (!strcmp(s, "ipip"))
		v->encap = HP_LB_IPIP;
	else if (!strcmp(s, "gue"))
		v->encap = HP_LB_GUE;
	else
		return cfg_fail(c, val, "key 'encap': expected ipip or gue, got '%s'", cfg_quote(c, s));
	side_of(c, v)->encap_line = cfg_line(val);
	return 0;
}

static int
lb_gue_port(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;

	c->ltmp.has_gue_port = true;
	side_of(c, v)->gue_port_line = cfg_line(val);
	return want_port(c, key, val, &v->gue_port);
}

static int
lb_flags(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;
	int rc;

	if ((rc = cfg_want_seq(c, key, val)))
		return rc;
	for (unsigned i = 0; i < cfg_seq_len(val); i++) {
		struct cfg_node e = cfg_seq_at(val, i);
		const char *s;

		if ((rc = cfg_want_scalar(c, key, e, "no_src_port", &s)))
			return rc;
		if (strcmp(s, "no_src_port"))
			return cfg_fail(c, e, "key 'flags': unknown flag '%s': expected no_src_port",
					cfg_quote(c, s));
		if (v->flags & HP_LB_NO_SRC_PORT)
			return cfg_fail(c, e, "key 'flags': 'no_src_port' listed twice");
		v->flags |= HP_LB_NO_SRC_PORT;
	}
	return 0;
}

/* ---- lb: a VIP's health: ---- */

static int
h_check(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_health *h = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "tcp or http", &s)))
		return rc;
	if (!strcmp(s, "tcp"))
		h->check = HP_LB_CHECK_TCP;
	else if (!strcmp(s, "http"))
		h->check = HP_LB_CHECK_HTTP;
	else
		return cfg_fail(c, val, "key 'check': expected tcp or http, got '%s'", cfg_quote(c, s));
	return 0;
}

static int
h_port(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ltmp.has_hport = true;
	return want_port(c, key, val, &((struct hp_lb_health *)obj)->port);
}

static int
h_path(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_health *h = obj;
	const char *s;
	size_t n;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "an HTTP path such as /healthz", &s)))
		return rc;
	n = strlen(s);
	if (s[0] != '/' || n >= sizeof(h->path))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			goto bad;
	memcpy(h->path, s, n + 1);
	c->ltmp.has_path = true;
	c->ltmp.path_line = cfg_line(val);
	return 0;
bad:
	return cfg_fail(c, val,
			"key 'path': expected a path that starts with '/', of printable ASCII without "
			"spaces and under %zu bytes, got '%s'",
			sizeof(h->path), cfg_quote(c, s));
}

static int
want_u32(struct ctx *c, const char *key, struct cfg_node val, unsigned min, unsigned max, uint32_t *out)
{
	unsigned long long v;
	int rc;

	if ((rc = cfg_want_uint(c, key, val, min, max, &v)))
		return rc;
	*out = (uint32_t)v;
	return 0;
}

static int
h_interval(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_u32(c, key, val, 100, 60000, &((struct hp_lb_health *)obj)->interval_ms);
}

static int
h_timeout(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	c->ltmp.has_timeout = true;
	c->ltmp.timeout_line = cfg_line(val);
	return want_u32(c, key, val, 10, 60000, &((struct hp_lb_health *)obj)->timeout_ms);
}

static int
h_count(struct ctx *c, const char *key, struct cfg_node val, uint8_t *out)
{
	uint32_t v;
	int rc;

	if ((rc = want_u32(c, key, val, 1, 10, &v)))
		return rc;
	*out = (uint8_t)v;
	return 0;
}

static int
h_rise(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return h_count(c, key, val, &((struct hp_lb_health *)obj)->rise);
}

static int
h_fall(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return h_count(c, key, val, &((struct hp_lb_health *)obj)->fall);
}

static const struct key_def health_keys[] = {
	{"check", h_check, true},         {"port", h_port, false},
	{"path", h_path, false},          {"interval_ms", h_interval, false},
	{"timeout_ms", h_timeout, false}, {"rise", h_rise, false},
	{"fall", h_fall, false},
};

/* The mapping, then what depends on several keys (the port's default needs the VIP's: check_vip). */
static int
lb_health(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_health *h = &((struct hp_lb_vip *)obj)->health;
	int rc;

	*h = (struct hp_lb_health){.interval_ms = LB_HEALTH_INTERVAL_DEFAULT,
				   .rise = LB_HEALTH_RISE_DEFAULT,
				   .fall = LB_HEALTH_FALL_DEFAULT};
	c->ltmp.has_health = true;
	c->ltmp.health_line = cfg_line(val);
	if ((rc = cfg_walk_mapping(c, val, key, "in lb health", health_keys, CFG_N(health_keys), h)))
		return rc;
	if (c->ltmp.has_path && h->check != HP_LB_CHECK_HTTP)
		return cfg_fail_at(c, c->ltmp.path_line, "key 'path': only with check: http");
	if (h->check == HP_LB_CHECK_HTTP && !c->ltmp.has_path)
		memcpy(h->path, "/", 2);
	if (!c->ltmp.has_timeout)
		h->timeout_ms = h->interval_ms < LB_HEALTH_TIMEOUT_DEFAULT ? h->interval_ms
									   : LB_HEALTH_TIMEOUT_DEFAULT;
	else if (h->timeout_ms > h->interval_ms)
		return cfg_fail_at(c, c->ltmp.timeout_line,
				   "key 'timeout_ms': %u is longer than interval_ms %u (a check ends before "
				   "the next one starts)",
				   h->timeout_ms, h->interval_ms);
	return 0;
}

/* ---- lb: a VIP's backends: ---- */

static int
b_ip(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_backend *b = obj;

	b->line = cfg_line(val);
	return want_ip(c, key, val, &b->ip);
}

static int
b_weight(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_u32(c, key, val, 0, HP_LB_WEIGHT_MAX, &((struct hp_lb_backend *)obj)->weight);
}

static const struct key_def backend_keys[] = {
	{"ip", b_ip, true},
	{"weight", b_weight, false},
};

static bool
same_backend(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_lb_backend *x = &((const struct hp_lb_backend *)arr)[a];
	const struct hp_lb_backend *y = &((const struct hp_lb_backend *)arr)[b];

	return x->ip.family == y->ip.family && !memcmp(x->ip.addr, y->ip.addr, sizeof(x->ip.addr));
}

static int
lb_backends(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_vip *v = obj;
	struct dup_table seen = {NULL, 0};
	void *arr = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_LB_BACKENDS, "backends", sizeof(*v->backends), &arr, 0,
			      NULL);
	v->backends = arr; /* the VIP is counted: hp_config_free() releases it */
	if (rc)
		return rc;
	if (cfg_seq_len(val) == 0)
		return cfg_fail(c, val, "key 'backends': expected at least one backend");
	if ((rc = cfg_dup_init(c, &seen, cfg_seq_len(val), cfg_line(val))))
		return rc;
	for (unsigned i = 0; i < cfg_seq_len(val); i++) {
		struct cfg_node e = cfg_seq_at(val, i);
		struct hp_lb_backend *b = &v->backends[i];
		uint32_t first;

		if ((rc = cfg_want_entry(c, key, e, "backend")))
			break;
		b->weight = HP_LB_WEIGHT_DEFAULT;
		if ((rc = cfg_walk_mapping(c, e, NULL, "in lb backend", backend_keys, CFG_N(backend_keys),
					   b)))
			break;
		first = cfg_dup_insert(&seen, cfg_hash_addr(b->ip.family, 0, b->ip.addr), v->backends,
				       same_backend, i);
		if (first != UINT32_MAX) {
			if (v->backends[first].line)
				rc = cfg_fail_at(c, b->line,
						 "key 'ip': backend %s listed twice (first at line %u)",
						 cfg_ip_text(c, &b->ip), v->backends[first].line);
			else
				rc = cfg_fail_at(c, b->line, "key 'ip': backend %s listed twice",
						 cfg_ip_text(c, &b->ip));
			break;
		}
		v->n_backends++;
	}
	free(seen.slot);
	return rc;
}

static const struct key_def vip_keys[] = {
	{"vip", lb_vip, true},        {"proto", lb_proto, true},        {"port", lb_port, false},
	{"encap", lb_encap, false},   {"gue_port", lb_gue_port, false}, {"flags", lb_flags, false},
	{"health", lb_health, false}, {"backends", lb_backends, true},
};

/* What depends on several keys of the VIP: gue_port with GUE only (default 6080), the health port. */
static int
check_vip(struct ctx *c, struct hp_lb_vip *v)
{
	const struct lb_tmp *t = &c->ltmp;

	if (t->has_gue_port && v->encap != HP_LB_GUE)
		return cfg_fail_at(c, side_of(c, v)->gue_port_line,
				   "key 'gue_port': only with encap: gue (this VIP's encap is ipip)");
	if (v->encap == HP_LB_GUE && !t->has_gue_port)
		v->gue_port = HP_LB_GUE_PORT_DEFAULT;
	if (t->has_health && !t->has_hport) {
		if (v->port == 0)
			return cfg_fail_at(
				c, t->health_line,
				"key 'health': missing key 'port' (the VIP has none: every port is "
				"balanced, say which one to check)");
		v->health.port = v->port;
	}
	return 0;
}

/* Entry node into the next slot of cfg->lb, checked on its own (the other VIPs and the ports: resolve_vip). */
static int
read_vip(struct ctx *c, const char *key, struct cfg_node node)
{
	struct hp_config *cfg = c->cfg;
	struct hp_lb_vip *v = &cfg->lb[cfg->n_lb];
	int rc;

	if ((rc = cfg_want_entry(c, key, node, "VIP")))
		return rc;
	v->line = cfg_line(node);
	v->encap = HP_LB_IPIP;
	cfg->n_lb++; /* counted first: hp_config_free() releases its backends */
	memset(&c->ltmp, 0, sizeof(c->ltmp));
	if ((rc = cfg_walk_mapping(c, node, NULL, "in lb VIP", vip_keys, CFG_N(vip_keys), v)))
		return rc;
	return check_vip(c, v);
}

int
cfg_parse_lb(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_LB_VIPS, "VIPs", sizeof(*cfg->lb), &arr, sizeof(*c->lb),
			      &side);
	cfg->lb = arr;
	c->lb = side;
	if (rc)
		return rc;
	for (unsigned i = 0; i < cfg_seq_len(val); i++)
		if ((rc = read_vip(c, key, cfg_seq_at(val, i))))
			return rc;
	return 0;
}

/*
 * VIP i against the ports, routes and VIPs 0..i-1 (the model's checks, model_lb.h), each refusal at
 * the line of the key it is about: vip:, a backend's ip:, or the port: / gue_port: (encap:) of a
 * GUE port in use.
 */
static int
resolve_vip(struct ctx *c, unsigned i)
{
	struct hp_config *cfg = c->cfg;
	const struct hp_lb_vip *v = &cfg->lb[i];
	const struct lb_side *s = &c->lb[i];
	char msg[HP_ERR_MAX];
	bool as_gue;
	int rc;

	if (hp_model_lb_vip_check(cfg, v, msg, sizeof(msg)))
		return cfg_fail_at(c, s->vip_line, "lb: %s", msg);
	for (unsigned k = 0; k < v->n_backends; k++)
		if (hp_model_lb_backend_check(cfg, v, &v->backends[k], msg, sizeof(msg)))
			return cfg_fail_at(c, v->backends[k].line, "lb: %s", msg);
	if (hp_model_lb_vip_clash(cfg, i, v, msg, sizeof(msg)))
		return cfg_fail_at(c, s->vip_line, "lb: %s", msg);
	rc = hp_model_lb_gue_check(cfg, i, v, &as_gue, msg, sizeof(msg));
	if (rc == -ENOMEM)
		return cfg_oom(c, v->line);
	if (rc)
		return cfg_fail_at(c,
				   !as_gue            ? s->port_line
				   : s->gue_port_line ? s->gue_port_line
						      : s->encap_line,
				   "lb: %s", msg);
	return 0;
}

int
cfg_resolve_lb(struct ctx *c)
{
	int rc;

	for (unsigned i = 0; i < c->cfg->n_lb; i++)
		if ((rc = resolve_vip(c, i)))
			return rc;
	return 0;
}

/*
 * One VIP sent over the socket (lb.add), checked as the file's are: read into out, then checked
 * against the running VIPs (c->cfg, a scratch copy: its lb array is replaced here by the running
 * VIPs, shared, plus this one, and freed). out's backends are the caller's to free.
 */
int
cfg_entry_lb(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	const struct hp_lb_vip *running = cfg->lb;
	unsigned n = cfg->n_lb;
	struct hp_lb_vip *all;
	int rc;

	memset(out, 0, sizeof(struct hp_lb_vip));
	if (n >= HP_MAX_LB_VIPS)
		return cfg_fail_at(c, 0, "too many VIPs (at most %u)", HP_MAX_LB_VIPS);
	all = calloc(n + 1, sizeof(*all));
	c->lb = calloc(n + 1, sizeof(*c->lb));
	if (!all || !c->lb) {
		free(all);
		return cfg_oom(c, 0);
	}
	if (n > 0)
		memcpy(all, running, n * sizeof(*all));
	cfg->lb = all;
	cfg->n_lb = n;
	if ((rc = read_vip(c, "lb", v)) == 0 && (rc = resolve_vip(c, n)) == 0)
		memcpy(out, &all[n], sizeof(all[n]));
	else
		free(all[n].backends);
	cfg->lb = NULL;
	cfg->n_lb = 0;
	free(all);
	return rc;
}

/* ---- lb_conf: ---- */

static bool
is_prime(uint32_t n)
{
	if (n < 2)
		return false;
	for (uint32_t d = 2; d <= n / d; d++)
		if (n % d == 0)
			return false;
	return true;
}

static int
lc_flows(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_u32(c, key, val, HP_LB_FLOWS_MIN, HP_LB_FLOWS_MAX, &((struct hp_lb_conf *)obj)->flows);
}

static int
lc_flow_timeout(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_u32(c, key, val, 1, HP_LB_FLOW_TIMEOUT_MAX, &((struct hp_lb_conf *)obj)->flow_timeout);
}

/* A prime, at least HP_LB_TABLE_SIZE_DEFAULT: Maglev's table must be prime (each backend's
 * permutation visits every entry) and large next to the backends (an even spread). A number
 * that is neither is named for not being a prime (65536: a power of 2 looks right, and is not). */
static int
lc_table_size(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	unsigned long long v = 0;
	const char *s;
	size_t len;

	s = cfg_node_kind(val) == CFG_SCALAR ? cfg_text(val, &len) : NULL;
	if (!s || strlen(s) != len || !hp_parse_dec(s, HP_LB_TABLE_SIZE_MAX, &v))
		return cfg_fail(c, val, "key '%s': expected a prime between %u and %u (%s)", key,
				HP_LB_TABLE_SIZE_DEFAULT, HP_LB_TABLE_SIZE_MAX, LB_TABLE_SIZES);
	if (!is_prime((uint32_t)v))
		return cfg_fail(
			c, val,
			"key '%s': %llu is not a prime: Maglev needs a prime of at least %u entries (%s)",
			key, v, HP_LB_TABLE_SIZE_DEFAULT, LB_TABLE_SIZES);
	if (v < HP_LB_TABLE_SIZE_DEFAULT)
		return cfg_fail(
			c, val,
			"key '%s': %llu is too small: Maglev needs a prime of at least %u entries (%s)", key,
			v, HP_LB_TABLE_SIZE_DEFAULT, LB_TABLE_SIZES);
	((struct hp_lb_conf *)obj)->table_size = (uint32_t)v;
	return 0;
}

/* An outer source prefix: of family, length min..max, no host bits. */
static int
want_src(struct ctx *c, const char *key, struct cfg_node val, int family, unsigned min, struct hp_prefix *out)
{
	struct hp_prefix p;
	int rc;

	if ((rc = cfg_want_net(c, key, val, &p)))
		return rc;
	if (p.family != family || p.len < min)
		return cfg_fail(c, val,
				"key '%s': expected an %s prefix of length %u to %u (the outer source "
				"addresses), got %s",
				key, cfg_family_name(family), min, hp_family_bits(family),
				cfg_prefix_text(c, &p));
	*out = p;
	return 0;
}

static int
lc_src4(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_src(c, key, val, AF_INET, 8, &((struct hp_lb_conf *)obj)->src4);
}

static int
lc_src6(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return want_src(c, key, val, AF_INET6, 16, &((struct hp_lb_conf *)obj)->src6);
}

static const struct key_def lb_conf_keys[] = {
	{"flows", lc_flows, false},
	{"flow_timeout", lc_flow_timeout, false},
	{"table_size", lc_table_size, false},
	{"src4", lc_src4, false},
	{"src6", lc_src6, false},
};

void
cfg_lb_conf_defaults(struct hp_lb_conf *l)
{
	*l = (struct hp_lb_conf){.flows = HP_LB_FLOWS_DEFAULT,
				 .flow_timeout = HP_LB_FLOW_TIMEOUT_DEFAULT,
				 .table_size = HP_LB_TABLE_SIZE_DEFAULT};
	hp_parse_prefix(HP_LB_SRC4_DEFAULT, AF_INET, &l->src4);
	hp_parse_prefix(HP_LB_SRC6_DEFAULT, AF_INET6, &l->src6);
}

int
cfg_parse_lb_conf(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_lb_conf *l = &((struct hp_config *)obj)->lb_conf;

	cfg_lb_conf_defaults(l);
	l->enabled = true;
	l->line = cfg_line(val);
	return cfg_walk_mapping(c, val, key, "in lb_conf", lb_conf_keys, CFG_N(lb_conf_keys), l);
}
