/* Config section neighbors: static ARP/ND entries (ip, mac, port). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

static unsigned
nb_idx(struct ctx *c, const struct hp_neighbor_conf *nb)
{
	return (unsigned)(nb - c->cfg->neighbors);
}

static int
nb_ip(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_neighbor_conf *nb = obj;
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "an IP address", &s)))
		return rc;
	if (hp_parse_addr(s, 0, &nb->ip))
		return cfg_fail(c, val,
				"key 'ip': bad address '%s': expected an IPv4 or IPv6 address such as "
				"10.0.1.2 or 2001:db8::2 (no prefix length)",
				cfg_quote(c, s));
	c->nb[nb_idx(c, nb)].ip_line = cfg_line(val);
	return 0;
}

static int
nb_mac(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	return cfg_want_mac(c, key, val, ((struct hp_neighbor_conf *)obj)->mac);
}

static int
nb_port(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct nb_side *ns = &c->nb[nb_idx(c, obj)];
	const char *s;
	int rc;

	if ((rc = cfg_want_scalar(c, key, val, "a port name", &s)))
		return rc;
	ns->port = s;
	ns->port_line = cfg_line(val);
	return 0;
}

static const struct key_def neighbor_keys[] = {
	{"ip", nb_ip, true},
	{"mac", nb_mac, true},
	{"port", nb_port, true},
};

/* One neighbour from the socket may leave port out when an l3 port's subnet holds ip. */
static const struct key_def neighbor_entry_keys[] = {
	{"ip", nb_ip, true},
	{"mac", nb_mac, true},
	{"port", nb_port, false},
};

/* Entry v into the next slot of cfg->neighbors (its port is resolved later). */
static int
read_neighbor(struct ctx *c, const char *key, struct cfg_node v, const struct key_def *keys, size_t n_keys)
{
	struct hp_neighbor_conf *nb = &c->cfg->neighbors[c->cfg->n_neighbors];
	int rc;

	if ((rc = cfg_want_entry(c, key, v, "neighbor")))
		return rc;
	nb->line = cfg_line(v);
	return cfg_walk_mapping(c, v, NULL, "in neighbor", keys, n_keys, nb);
}

int
cfg_parse_neighbors(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;
	void *arr = NULL, *side = NULL;
	int rc;

	rc = cfg_want_entries(c, key, val, HP_MAX_NEIGHBORS, "neighbors", sizeof(*cfg->neighbors), &arr,
			      sizeof(*c->nb), &side);
	cfg->neighbors = arr;
	c->nb = side;
	if (rc)
		return rc;
	for (unsigned it = 0; it < cfg_seq_len(val); it++) {
		if ((rc = read_neighbor(c, key, cfg_seq_at(val, it), neighbor_keys, CFG_N(neighbor_keys))))
			return rc;
		cfg->n_neighbors++;
	}
	return 0;
}

static bool
same_neighbor(const void *arr, uint32_t a, uint32_t b)
{
	const struct hp_neighbor_conf *x = &((const struct hp_neighbor_conf *)arr)[a];
	const struct hp_neighbor_conf *y = &((const struct hp_neighbor_conf *)arr)[b];

	return x->port == y->port && x->ip.family == y->ip.family && !memcmp(x->ip.addr, y->ip.addr, 16);
}

int
cfg_resolve_neighbors(struct ctx *c)
{
	struct hp_config *cfg = c->cfg;
	struct dup_table seen = {NULL, 0};
	int rc = 0;

	if (!cfg->n_neighbors)
		return 0;
	if ((rc = cfg_dup_init(c, &seen, cfg->n_neighbors, cfg->neighbors[0].line)))
		return rc;
	for (unsigned i = 0; i < cfg->n_neighbors; i++) {
		struct hp_neighbor_conf *nb = &cfg->neighbors[i];
		int port = -1;
		uint32_t first;

		if ((rc = cfg_resolve_l3_port(c, c->nb[i].port, c->nb[i].port_line, "neighbors", &port)))
			break;
		nb->port = (uint16_t)port;
		first = cfg_dup_insert(&seen, cfg_hash_addr(nb->ip.family, nb->port, nb->ip.addr),
				       cfg->neighbors, same_neighbor, i);
		if (first != UINT32_MAX) {
			rc = cfg_fail_at(
				c, c->nb[i].ip_line, "duplicate neighbor %s on port %s (first at line %u)",
				cfg_ip_text(c, &nb->ip), cfg->ports[port].name, c->nb[first].ip_line);
			break;
		}
	}
	free(seen.slot);
	return rc;
}

int
cfg_entry_neighbor(struct ctx *c, struct cfg_node v, void *out)
{
	struct hp_config *cfg = c->cfg;
	int rc;

	memset(out, 0, sizeof(struct hp_neighbor_conf));
	cfg->neighbors = out;
	cfg->n_neighbors = 0;
	if ((rc = cfg_side_one(c, sizeof(*c->nb), (void **)&c->nb)) ||
	    (rc = read_neighbor(c, "neighbors", v, neighbor_entry_keys, CFG_N(neighbor_entry_keys))))
		return rc;
	cfg->n_neighbors = 1;
	if (c->nb[0].port)
		return cfg_resolve_neighbors(c);
	if ((rc = hp_config_via_port(cfg, &cfg->neighbors[0].ip)) < 0)
		return cfg_fail_at(c, c->nb[0].ip_line,
				   "key 'ip': %s is in no l3 port's subnet: give \"port\"",
				   cfg_ip_text(c, &cfg->neighbors[0].ip));
	cfg->neighbors[0].port = (uint16_t)rc;
	return 0;
}

/* ---- neighbor_config: the neighbour table's limits and timers ---- */

#define NEIGH_KEY(field, min, max)                                                            \
	static int nc_##field(struct ctx *c, void *obj, const char *key, struct cfg_node val) \
	{                                                                                     \
		unsigned long long v;                                                         \
		int rc = cfg_want_uint(c, key, val, min, max, &v);                            \
		if (rc == 0)                                                                  \
			((struct hp_neigh_conf *)obj)->field = (uint32_t)v;                   \
		return rc;                                                                    \
	}
NEIGH_KEY(max_per_port, 16, 32768)
NEIGH_KEY(hold_per_neighbor, 1, 256)
NEIGH_KEY(hold_total_pct, 1, 50)
NEIGH_KEY(solicit_pps, 1, 1000000)
NEIGH_KEY(solicit_per_target_ms, 100, 60000)
NEIGH_KEY(reachable_ms, 1000, 3600000)
NEIGH_KEY(delay_ms, 100, 60000)
NEIGH_KEY(probes, 1, 16)
#undef NEIGH_KEY

static const struct key_def neigh_config_keys[] = {
	{"max_per_port", nc_max_per_port, false},
	{"hold_per_neighbor", nc_hold_per_neighbor, false},
	{"hold_total_pct", nc_hold_total_pct, false},
	{"solicit_pps", nc_solicit_pps, false},
	{"solicit_per_target_ms", nc_solicit_per_target_ms, false},
	{"reachable_ms", nc_reachable_ms, false},
	{"delay_ms", nc_delay_ms, false},
	{"probes", nc_probes, false},
};

void
cfg_neigh_defaults(struct hp_neigh_conf *n)
{
	*n = (struct hp_neigh_conf){
		.max_per_port = HP_DEFAULT_NEIGH_MAX_PER_PORT,
		.hold_per_neighbor = HP_DEFAULT_NEIGH_HOLD,
		.hold_total_pct = HP_DEFAULT_NEIGH_HOLD_PCT,
		.solicit_pps = HP_DEFAULT_NEIGH_SOLICIT_PPS,
		.solicit_per_target_ms = HP_DEFAULT_NEIGH_SOLICIT_MS,
		.reachable_ms = HP_DEFAULT_NEIGH_REACHABLE_MS,
		.delay_ms = HP_DEFAULT_NEIGH_DELAY_MS,
		.probes = HP_DEFAULT_NEIGH_PROBES,
	};
}

int
cfg_parse_neighbor_config(struct ctx *c, void *obj, const char *key, struct cfg_node val)
{
	struct hp_config *cfg = obj;

	cfg->neigh.line = cfg_line(val);
	return cfg_walk_mapping(c, val, key, "in neighbor_config", neigh_config_keys,
				CFG_N(neigh_config_keys), &cfg->neigh);
}
