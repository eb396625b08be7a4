/* Config section routes: prefix, via (ECMP) or action: drop, optional port. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "model.h"

static unsigned
route_idx(struct ctx *c, const struct hp_route_conf *r)
{
	return (unsigned)(r - c->cfg->routes);
}

static int
route_prefix(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_route_conf *r = obj;
	int rc;

	if ((rc = cfg_want_net(c, key, val, &r->prefix)))
		return rc;
	c->rt[route_idx(c, r)].prefix_line = cfg_line(val);
	return 0;
}

static int
want_nexthop(struct ctx *c, const char *key, struct cfg_node v, struct hp_route_conf *r)
{
	struct hp_addr *a = &r->via[r->n_via];
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, v, "a next-hop address", &s)))
		return rc;
	if (hp_parse_addr(s, 0, a))
		return cfg_fail(c, v,
				"key 'via': bad next hop '%s': expected an IPv4 or IPv6 address such as "
				"10.0.1.2 (no prefix length)",
				cfg_quote(c, s));
	for (unsigned k = 0; k < r->n_via; k++)
		if (a->family == r->via[k].family && !memcmp(a->addr, r->via[k].addr, 16))
			return cfg_fail(c, v, "key 'via': next hop %s is listed twice (first at line %u)",
					cfg_ip_text(c, a), c->rtmp.via_line[k]);
	c->rtmp.via_line[r->n_via++] = cfg_line(v);
	return 0;
}

static int
route_via(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_route_conf *r = obj;
	int rc;

	if (cfg_node_kind(val) == CFG_SCALAR)
		return want_nexthop(c, key, val, r);
	if (cfg_node_kind(val) != CFG_SEQ)
		return cfg_fail(c, val,
				"key 'via': expected a next-hop address or a sequence of 1 to %d (found %s)",
				HP_MAX_ECMP, cfg_kind(val));
	if (cfg_seq_len(val) == 0 || cfg_seq_len(val) > HP_MAX_ECMP)
		return cfg_fail(c, val, "key 'via': expected 1 to %d next-hop addresses (found %u)",
				HP_MAX_ECMP, cfg_seq_len(val));
	for (unsigned it = 0; it < cfg_seq_len(val); it++)
		if ((rc = want_nexthop(c, key, cfg_seq_at(val, it), r)))
			return rc;
	return 0;
}

static int
route_action(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_route_conf *r = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "forward or drop", &s)))
		return rc;
	if (!strcmp(s, "forward"))
		r->action = HP_ROUTE_FORWARD;
	else if (!strcmp(s, "drop"))
		r->action = HP_ROUTE_DROP;
	else
		return cfg_fail(c, val, "key 'action': expected forward or drop, got '%s'", cfg_quote(c, s));
	c->rtmp.has_action = true;
	c->rtmp.action_line = cfg_line(val);
	return 0;
}

static int
route_port(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct route_side *rs = &c->rt[route_idx(c, obj)];
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port name", &s)))
		return rc;
	rs->port = s;
	rs->port_line = cfg_line(val);
	return 0;
}

static const struct key_def route_keys[] = {
	{"prefix", route_prefix, true},
	{"via", route_via, false},
	{"action", route_action, false},
	{"port", route_port, false},
};

/* What needs the whole entry: via xor drop, next hops of the prefix's family. */
static int
check_route(struct ctx *c, const struct hp_route_conf *r, struct cfg_node v)
{
	const struct route_side *rs = &c->rt[route_idx(c, r)];

	if (c->rtmp.has_action && r->action == HP_ROUTE_DROP) {
		if (r->n_via)
			return cfg_fail_at(c, c->rtmp.action_line,
					   "key 'action': route %s has both via and action: drop (expected "
					   "one of them)",
					   cfg_prefix_text(c, &r->prefix));
		if (rs->port)
			return cfg_fail_at(c, rs->port_line,
					   "key 'port': route %s drops: a port needs via: NEXT_HOP",
					   cfg_prefix_text(c, &r->prefix));
		return 0;
	}
	if (!r->n_via)
		return cfg_fail(c, v,
				"missing key 'via' in route %s (expected via: NEXT_HOP, or action: drop)",
				cfg_prefix_text(c, &r->prefix));
	for (unsigned k = 0; k < r->n_via; k++)
		if (r->via[k].family != r->prefix.family)
			return cfg_fail_at(c, c->rtmp.via_line[k],
					   "key 'via': next hop %s is %s but prefix %s is %s",
					   cfg_ip_text(c, &r->via[k]), cfg_family_name(r->via[k].family),
					   cfg_prefix_text(c, &r->prefix), cfg_family_name(r->prefix.family));
	return 0;
}

static bool
same_route(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_prefix *x = &((const struct hp_route_conf *)arr)[a].prefix;
	const struct hp_prefix *y = &((const struct hp_route_conf *)arr)[b].prefix;

	return x->family == y->family && x->len == y->len && !memcmp(x->addr, y->addr, 16);
}

/* Entry v into the next slot of cfg->routes, checked on its own (its port is resolved later). */
static int
read_route(struct ctx *c, const char *key, struct cfg_node v)
{
	struct hp_route_conf *r = &c->cfg->routes[c->cfg->n_routes];
	int rc;

	if ((rc = cfg_want_entry(c, key, v, "route")))
		return rc;
	r->port = -1;
	r->line = cfg_line(v);
	r->origin = HP_ORIGIN_CONFIG;
	memset(&c->rtmp, 0, sizeof(c->rtmp));
	rc = cfg_walk_mapping(c, v, NULL, "in route", route_keys, CFG_N(route_keys), r);
	return rc ? rc : check_route(c, r, v);
}

int
cfg_parse_routes(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	struct dup_table seen = {NULL, 0};
	void *arr = NULL, *side = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_ROUTES, "routes", sizeof(*cfg->routes), &arr,
			      sizeof(*c->rt), &side);
	cfg->routes = arr;
	c->rt = side;
	if (rc || (rc = cfg_dup_init(c, &seen, cfg_seq_len(val), cfg_line(val))))
		return rc;
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		struct hp_route_conf *r = &cfg->routes[cfg->n_routes];
		uint32_t first;

		if ((rc = read_route(c, key, cfg_seq_at(val, it))))
			break;
		first = cfg_dup_insert(&seen, cfg_hash_addr(r->prefix.family, r->prefix.len, r->prefix.addr),
				       cfg->routes, same_route, cfg->n_routes);
		if (first != UINT32_MAX) {
			rc = cfg_fail_at(c, c->rt[cfg->n_routes].prefix_line,
					 "duplicate route %s (first at line %u)",
					 cfg_prefix_text(c, &r->prefix), c->rt[first].prefix_line);
			break;
		}
		cfg->n_routes++;
	}
	free(seen.slot);
	return rc;
}

/* Ports named by port:, then what the model asks of every route (model.h), whether it
 * comes from a file or the socket: next hops on a connected subnet, not a port's own prefix. */
int
cfg_resolve_routes(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	int rc;

	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (c->rt[i].port && (rc = cfg_resolve_l3_port(c, c->rt[i].port, c->rt[i].port_line, "routes",
							       &cfg->routes[i].port)))
			return rc;
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		char msg[256];

		if (hp_model_route_check(cfg, &cfg->routes[i], msg, sizeof(msg)) < 0)
			return cfg_fail_at(c, cfg->routes[i].line, "route: %s", msg);
	}
	return 0;
}

int
cfg_entry_route(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	int rc;

	memset(out, 0, sizeof(struct hp_route_conf));
	cfg->routes = out;
	cfg->n_routes = 0;
	if ((rc = cfg_side_one(c, sizeof(*c->rt), (void **)&c->rt)) || (rc = read_route(c, "routes", v)))
		return rc;
	cfg->n_routes = 1;
	return cfg_resolve_routes(c);
}
