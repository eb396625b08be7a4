/* The running configuration's operations: routes, static neighbours, ACL rules, policers, nat rules, xdp sets (lb: model_lb.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/socket.h>

#include "model.h"

/* Room for n elements of size sz in *arr, whose capacity is *cap (0: exactly *have). */
static int
grow(void **arr, unsigned *cap, unsigned have, unsigned n, size_t sz)
{
	unsigned c = *cap ? *cap : have;
	void *a;

	if (n <= c && *arr != NULL)
		return 0;
	c = c < 16 ? 16 : c;
	while (c < n)
		c *= 2;
	if ((a = realloc(*arr, (size_t)c * sz)) == NULL)
		return -ENOMEM;
	*arr = a;
	*cap = c;
	return 0;
}

static bool
same_prefix(const struct hp_prefix *a, const struct hp_prefix *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

static bool
same_addr(const struct hp_addr *a, const struct hp_addr *b)
{
	return a->family == b->family && memcmp(a->addr, b->addr, 16) == 0;
}

/* ---- the route index: prefix -> position in cfg->routes (linear probing) ---- */

/* A slot: the prefix's hash (high 32 bits) and its route index + 1 (low 32; 0 = empty). The
 * hash is compared first, so a probe reads cfg->routes only for the one it finds. */
struct hp_route_index {
	uint32_t mask; /* slots - 1 */
	uint64_t *slot;
};

#define SLOT(hash, i) ((uint64_t)(hash) << 32 | (uint32_t)((i) + 1))
#define SLOT_ROUTE(v) ((uint32_t)(v)-1)
#define SLOT_HASH(v) ((uint32_t)((v) >> 32))

static uint32_t
prefix_hash(const struct hp_prefix *p)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)p->len << 8 ^ (uint64_t)p->family;

	for (unsigned i = 0; i < (p->family == AF_INET ? 4u : 16u); i++)
		h = (h ^ p->addr[i]) * 1099511628211ull;
	/* FNV's low bits are nearly linear in the last byte: mix them (splitmix64's finalizer) */
	h = (h ^ h >> 30) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ h >> 27) * 0x94d049bb133111ebull;
	return (uint32_t)(h ^ h >> 31);
}

/* The slot holding p, or the empty slot where it would go. */
static uint32_t
index_slot(const struct hp_route_table *t, const struct hp_prefix *p)
{
	const struct hp_route_index *x = t->index;
	uint32_t h = prefix_hash(p), s = h & x->mask;

	while (x->slot[s] != 0 &&
	       (SLOT_HASH(x->slot[s]) != h || !same_prefix(&t->routes[SLOT_ROUTE(x->slot[s])].prefix, p)))
		s = (s + 1) & x->mask;
	return s;
}

/* (Re)build the index with room for n routes at half load. */
static int
index_build(struct hp_route_table *t, unsigned n)
{
	struct hp_route_index *x = t->index;
	uint32_t size = 64;

	while (size < 2 * (uint64_t)n)
		size *= 2;
	if (x == NULL) {
		if ((x = calloc(1, sizeof(*x))) == NULL)
			return -ENOMEM;
		t->index = x;
	} else if (x->mask + 1 >= size) {
		return 0;
	}
	free(x->slot);
	if ((x->slot = calloc(size, sizeof(*x->slot))) == NULL) {
		free(x);
		t->index = NULL;
		return -ENOMEM;
	}
	x->mask = size - 1;
	for (uint32_t i = 0; i < t->n; i++)
		x->slot[index_slot(t, &t->routes[i].prefix)] = SLOT(prefix_hash(&t->routes[i].prefix), i);
	return 0;
}

/* Empty slot s and close the gap (backward shift: no tombstones). */
static void
index_remove(struct hp_route_index *x, uint32_t s)
{
	uint32_t next = s;

	x->slot[s] = 0;
	for (;;) {
		uint32_t home;

		next = (next + 1) & x->mask;
		if (x->slot[next] == 0)
			return;
		home = SLOT_HASH(x->slot[next]) & x->mask;
		/* the entry at next may move to s when s lies cyclically in [home, next) */
		if (((next - home) & x->mask) >= ((next - s) & x->mask)) {
			x->slot[s] = x->slot[next];
			x->slot[next] = 0;
			s = next;
		}
	}
}

/* ---- a route table: the array and its index ---- */

struct hp_route_conf *
hp_route_table_find(struct hp_route_table *t, const struct hp_prefix *p)
{
	uint32_t s;

	if (t->n == 0 || index_build(t, t->n) < 0)
		return NULL;
	s = index_slot(t, p);
	return t->index->slot[s] ? &t->routes[SLOT_ROUTE(t->index->slot[s])] : NULL;
}

int
hp_route_table_put(struct hp_route_table *t, const struct hp_route_conf *r, unsigned max,
		   struct hp_route_conf *old, bool *replaced)
{
	struct hp_route_index *x;
	uint32_t s, i;

	if (replaced != NULL)
		*replaced = false;
	if (index_build(t, t->n + 1) < 0)
		return -ENOMEM;
	x = t->index;
	s = index_slot(t, &r->prefix);
	if (x->slot[s] != 0) {
		i = SLOT_ROUTE(x->slot[s]);
		if (old != NULL)
			*old = t->routes[i];
		if (replaced != NULL)
			*replaced = true;
		t->routes[i] = *r;
		return (int)i;
	}
	if (t->n >= max)
		return -ENOSPC;
	if (grow((void **)&t->routes, &t->cap, t->n, t->n + 1, sizeof(*r)) < 0)
		return -ENOMEM;
	i = t->n++;
	t->routes[i] = *r;
	x->slot[s] = SLOT(prefix_hash(&r->prefix), i);
	return (int)i;
}

int
hp_route_table_del(struct hp_route_table *t, const struct hp_prefix *p, struct hp_route_conf *old)
{
	struct hp_route_index *x;
	uint32_t s, i, last;

	if (hp_route_table_find(t, p) == NULL)
		return -ENOENT;
	x = t->index;
	s = index_slot(t, p);
	i = SLOT_ROUTE(x->slot[s]);
	if (old != NULL)
		*old = t->routes[i];
	index_remove(x, s);
	last = --t->n;
	if (i != last) {
		/* the last route moves into the hole; its slot follows */
		s = index_slot(t, &t->routes[last].prefix);
		t->routes[i] = t->routes[last];
		x->slot[s] = SLOT(SLOT_HASH(x->slot[s]), i);
	}
	return (int)i;
}

void
hp_route_table_clear(struct hp_route_table *t)
{
	t->n = 0;
	if (t->index != NULL)
		memset(t->index->slot, 0, ((size_t)t->index->mask + 1) * sizeof(*t->index->slot));
}

void
hp_route_table_free(struct hp_route_table *t)
{
	if (t->index != NULL)
		free(t->index->slot);
	free(t->index);
	free(t->routes);
	*t = (struct hp_route_table){0};
}

/* cfg's routes as a table, and back: the model's route operations are the table's */
static struct hp_route_table
routes_of(struct hp_config *cfg)
{
	return (struct hp_route_table){cfg->routes, cfg->n_routes, cfg->routes_cap, cfg->route_index};
}

static void
routes_back(struct hp_config *cfg, const struct hp_route_table *t)
{
	cfg->routes = t->routes, cfg->n_routes = t->n, cfg->routes_cap = t->cap;
	cfg->route_index = t->index;
}

/* ---- routes ---- */

/* Is p one of cfg's l3 ports' subnets or addresses (which the FIB owns)? */
static bool
connected_prefix(const struct hp_config *cfg, const struct hp_prefix *p)
{
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];

		for (unsigned k = 0; k < pc->n_ipv4 + pc->n_ipv6; k++) {
			struct hp_prefix a = k < pc->n_ipv4 ? pc->ipv4[k] : pc->ipv6[k - pc->n_ipv4], net;
			unsigned host = a.family == AF_INET ? 32 : 128;

			if (a.family != p->family)
				continue;
			hp_prefix_clear_host_bits(&a, &net);
			if ((p->len == a.len && memcmp(p->addr, net.addr, 16) == 0) ||
			    (p->len == host && memcmp(p->addr, a.addr, host / 8) == 0))
				return true;
		}
	}
	return false;
}

/* Is p the /32 broadcast address of an l3 port's IPv4 subnet (/30 and wider), which the FIB drops? */
static bool
subnet_broadcast(const struct hp_config *cfg, const struct hp_prefix *p)
{
	if (p->family != AF_INET || p->len != 32)
		return false;
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];

		for (unsigned k = 0; pc->mode == HP_MODE_L3 && k < pc->n_ipv4; k++) {
			uint32_t a, b;

			if (pc->ipv4[k].len > 30)
				continue;
			memcpy(&a, pc->ipv4[k].addr, 4);
			memcpy(&b, p->addr, 4);
			if ((ntohl(a) | ~0u >> pc->ipv4[k].len) == ntohl(b))
				return true;
		}
	}
	return false;
}

int
hp_model_route_check(const struct hp_config *cfg, const struct hp_route_conf *r, char *err, size_t errlen)
{
	char abuf[HP_ADDR_STRLEN], msg[HP_HOST_BITS_MSG_MAX], pbuf[HP_PREFIX_STRLEN];
	int m;

	if (r->prefix.family != AF_INET && r->prefix.family != AF_INET6)
		return hp_errf(err, errlen, -EINVAL, "no prefix");
	if (hp_prefix_host_bits(&r->prefix, NULL, msg, sizeof(msg)))
		return hp_errf(err, errlen, -EINVAL, "%s", msg);
	if (r->action == HP_ROUTE_DROP) {
		if (r->n_via > 0)
			return hp_errf(err, errlen, -EINVAL, "both via and action: drop");
		if (r->port >= 0)
			return hp_errf(err, errlen, -EINVAL,
				       "a drop route has no port (a port needs via: NEXT_HOP)");
	} else if (r->n_via == 0 || r->n_via > HP_MAX_ECMP) {
		return hp_errf(err, errlen, -EINVAL, "expected 1 to %d next hops", HP_MAX_ECMP);
	}
	if (r->port >= (int)cfg->n_ports || (r->port >= 0 && cfg->ports[r->port].mode != HP_MODE_L3))
		return hp_errf(err, errlen, -EINVAL, "its port is not an l3 port");
	/* the next hop's text is made for a refusal only: a million routes pass here on a load */
	for (unsigned k = 0; k < r->n_via; k++) {
		if (r->via[k].family != r->prefix.family)
			return hp_errf(err, errlen, -EINVAL, "next hop %s is not of the prefix's family",
				       hp_addr_format(&r->via[k], abuf, sizeof(abuf)));
		for (unsigned j = 0; j < k; j++)
			if (same_addr(&r->via[j], &r->via[k]))
				return hp_errf(err, errlen, -EINVAL, "next hop %s is listed twice",
					       hp_addr_format(&r->via[k], abuf, sizeof(abuf)));
		if (r->port < 0 && hp_config_via_port(cfg, &r->via[k]) < 0)
			return hp_errf(
				err, errlen, -EINVAL,
				"via %s is in no l3 port's subnet (add the subnet to a port's ipv4/ipv6, or "
				"give port:)",
				hp_addr_format(&r->via[k], abuf, sizeof(abuf)));
	}
	if (connected_prefix(cfg, &r->prefix))
		return hp_errf(err, errlen, -EINVAL, "a port's subnet or address: not a route to change");
	if ((m = hp_martian_of(&r->prefix)) >= 0)
		return hp_errf(err, errlen, -EINVAL,
			       "inside the built-in %s, which is never forwarded (RFC 1812 5.3.7, RFC 4291)",
			       hp_prefix_format(&hp_martian_prefix[m], pbuf, sizeof(pbuf)));
	if (subnet_broadcast(cfg, &r->prefix))
		return hp_errf(
			err, errlen, -EINVAL,
			"the broadcast address of a port's subnet: a directed broadcast is never forwarded");
	return 0;
}

const struct hp_route_conf *
hp_model_route_find(struct hp_config *cfg, const struct hp_prefix *p)
{
	struct hp_route_table t = routes_of(cfg);
	const struct hp_route_conf *r = hp_route_table_find(&t, p);

	routes_back(cfg, &t);
	return r;
}

int
hp_model_route_set(struct hp_config *cfg, const struct hp_route_conf *r, struct hp_route_conf *old,
		   bool *replaced, char *err, size_t errlen)
{
	struct hp_route_table t;
	int rc;

	if (replaced != NULL)
		*replaced = false;
	if ((rc = hp_model_route_check(cfg, r, err, errlen)) < 0)
		return rc;
	t = routes_of(cfg);
	rc = hp_route_table_put(&t, r, HP_MAX_ROUTES, old, replaced);
	routes_back(cfg, &t);
	if (rc == -ENOSPC)
		return hp_errf(err, errlen, rc, "more than %u routes", HP_MAX_ROUTES);
	if (rc < 0)
		return hp_errf(err, errlen, rc, "out of memory for routes");
	return 0;
}

int
hp_model_route_del(struct hp_config *cfg, const struct hp_prefix *p, struct hp_route_conf *old)
{
	struct hp_route_table t = routes_of(cfg);
	int rc = hp_route_table_del(&t, p, old);

	routes_back(cfg, &t);
	return rc < 0 ? rc : 0;
}

/* ---- static neighbours ---- */

static int
neigh_index(const struct hp_config *cfg, unsigned port, const struct hp_addr *ip)
{
	for (unsigned i = 0; i < cfg->n_neighbors; i++)
		if (cfg->neighbors[i].port == port && same_addr(&cfg->neighbors[i].ip, ip))
			return (int)i;
	return -1;
}

const struct hp_neighbor_conf *
hp_model_neigh_find(const struct hp_config *cfg, unsigned port, const struct hp_addr *ip)
{
	int i = neigh_index(cfg, port, ip);

	return i < 0 ? NULL : &cfg->neighbors[i];
}

int
hp_model_neigh_set(struct hp_config *cfg, const struct hp_neighbor_conf *nb, char *err, size_t errlen)
{
	char abuf[HP_ADDR_STRLEN];
	int i;

	if (nb->port >= cfg->n_ports || cfg->ports[nb->port].mode != HP_MODE_L3)
		return hp_errf(err, errlen, -EINVAL, "neighbour %s: not on an l3 port",
			       hp_addr_format(&nb->ip, abuf, sizeof(abuf)));
	if (nb->mac[0] & 1)
		return hp_errf(err, errlen, -EINVAL, "neighbour %s: a MAC must be unicast",
			       hp_addr_format(&nb->ip, abuf, sizeof(abuf)));
	if ((i = neigh_index(cfg, nb->port, &nb->ip)) >= 0) {
		cfg->neighbors[i] = *nb;
		return 0;
	}
	if (cfg->n_neighbors >= HP_MAX_NEIGHBORS)
		return hp_errf(err, errlen, -ENOSPC, "more than %u static neighbours", HP_MAX_NEIGHBORS);
	if (grow((void **)&cfg->neighbors, &cfg->neighbors_cap, cfg->n_neighbors, cfg->n_neighbors + 1,
		 sizeof(*nb)) < 0)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for neighbours");
	cfg->neighbors[cfg->n_neighbors++] = *nb;
	return 0;
}

int
hp_model_neigh_del(struct hp_config *cfg, unsigned port, const struct hp_addr *ip)
{
	int i = neigh_index(cfg, port, ip);

	if (i < 0)
		return -ENOENT;
	/* keep the others in order: config dump lists them as they were added */
	memmove(&cfg->neighbors[i], &cfg->neighbors[i + 1],
		(cfg->n_neighbors - (unsigned)i - 1) * sizeof(cfg->neighbors[0]));
	cfg->n_neighbors--;
	return 0;
}

/* ---- ACL rules ---- */

int
hp_model_acl_add(struct hp_config *cfg, const struct hp_acl_rule *rule, char *err, size_t errlen)
{
	if (rule->action == HP_ACL_POLICE &&
	    (rule->policer < 0 || (unsigned)rule->policer >= cfg->n_policers))
		return hp_errf(err, errlen, -EINVAL, "ACL rule: no policer %d", rule->policer);
	if (cfg->n_acl >= HP_MAX_ACL_RULES)
		return hp_errf(err, errlen, -ENOSPC, "more than %u ACL rules", HP_MAX_ACL_RULES);
	if (hp_model_acl_insert(cfg, cfg->n_acl, rule) < 0)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for ACL rules");
	return 0;
}

int
hp_model_acl_insert(struct hp_config *cfg, unsigned idx, const struct hp_acl_rule *rule)
{
	if (idx > cfg->n_acl || cfg->n_acl >= HP_MAX_ACL_RULES)
		return -ENOSPC;
	if (grow((void **)&cfg->acl, &cfg->acl_cap, cfg->n_acl, cfg->n_acl + 1, sizeof(*rule)) < 0)
		return -ENOMEM;
	memmove(&cfg->acl[idx + 1], &cfg->acl[idx], (cfg->n_acl - idx) * sizeof(*rule));
	cfg->acl[idx] = *rule;
	cfg->n_acl++;
	return 0;
}

int
hp_model_acl_del(struct hp_config *cfg, unsigned idx, struct hp_acl_rule *old)
{
	if (idx >= cfg->n_acl)
		return -ENOENT;
	if (old != NULL)
		*old = cfg->acl[idx];
	memmove(&cfg->acl[idx], &cfg->acl[idx + 1], (cfg->n_acl - idx - 1) * sizeof(cfg->acl[0]));
	cfg->n_acl--;
	return 0;
}

/* ---- nat rules ---- */

int
hp_model_nat_add(struct hp_config *cfg, const struct hp_nat_rule *rule, char *err, size_t errlen)
{
	struct hp_nat_rule *a;

	if (cfg->n_nat >= HP_MAX_NAT_RULES)
		return hp_errf(err, errlen, -ENOSPC, "more than %u NAT rules", HP_MAX_NAT_RULES);
	/* no capacity is kept: a few rules, changed rarely */
	if ((a = realloc(cfg->nat, (cfg->n_nat + 1) * sizeof(*a))) == NULL)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for NAT rules");
	cfg->nat = a;
	cfg->nat[cfg->n_nat++] = *rule;
	return 0;
}

int
hp_model_nat_del(struct hp_config *cfg, unsigned idx, struct hp_nat_rule *old)
{
	if (idx >= cfg->n_nat)
		return -ENOENT;
	if (old != NULL)
		*old = cfg->nat[idx];
	memmove(&cfg->nat[idx], &cfg->nat[idx + 1], (cfg->n_nat - idx - 1) * sizeof(cfg->nat[0]));
	cfg->n_nat--;
	return 0;
}

static bool
same_pool(const struct hp_nat_rule *a, const struct hp_nat_rule *b)
{
	if (a->n_to != b->n_to)
		return false;
	for (unsigned i = 0; i < a->n_to; i++) {
		bool found = false;

		for (unsigned k = 0; k < b->n_to && !found; k++)
			found = memcmp(a->to[i].addr, b->to[k].addr, 4) == 0;
		if (!found)
			return false;
	}
	return true;
}

int
hp_model_nat_find(const struct hp_config *cfg, const struct hp_nat_rule *r)
{
	for (unsigned i = 0; i < cfg->n_nat; i++) {
		const struct hp_nat_rule *o = &cfg->nat[i];

		if (o->type != r->type || o->port != r->port)
			continue;
		if (r->type == HP_NAT_SNAT && o->src.len == r->src.len &&
		    !memcmp(o->src.addr, r->src.addr, 4) && o->port_lo == r->port_lo &&
		    o->port_hi == r->port_hi && same_pool(o, r))
			return (int)i;
		if (r->type == HP_NAT_DNAT && !memcmp(o->dst.addr, r->dst.addr, 4) && o->proto == r->proto &&
		    o->dport == r->dport && !memcmp(o->to_addr.addr, r->to_addr.addr, 4) &&
		    o->to_port == r->to_port)
			return (int)i;
	}
	return -1;
}

/* ---- policers ---- */

int
hp_model_policer_find(const struct hp_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_policers; i++)
		if (strcmp(cfg->policers[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
hp_model_policer_add(struct hp_config *cfg, const struct hp_policer_conf *p, char *err, size_t errlen)
{
	if (hp_model_policer_find(cfg, p->name) >= 0)
		return hp_errf(err, errlen, -EEXIST, "policer '%s' already exists", p->name);
	if (cfg->n_policers >= HP_MAX_POLICERS)
		return hp_errf(err, errlen, -ENOSPC, "more than %u policers", HP_MAX_POLICERS);
	if (grow((void **)&cfg->policers, &cfg->policers_cap, cfg->n_policers, cfg->n_policers + 1,
		 sizeof(*p)) < 0)
		return hp_errf(err, errlen, -ENOMEM, "out of memory for policers");
	cfg->policers[cfg->n_policers++] = *p;
	return 0;
}

int
hp_model_policer_del(struct hp_config *cfg, const char *name, char *err, size_t errlen)
{
	int idx = hp_model_policer_find(cfg, name);

	if (idx < 0)
		return hp_errf(err, errlen, -ENOENT, "no policer \"%.32s\"", name);
	for (unsigned i = 0; i < cfg->n_acl; i++)
		if (cfg->acl[i].action == HP_ACL_POLICE && cfg->acl[i].policer == idx)
			return hp_errf(err, errlen, -EBUSY, "policer \"%.32s\" is used by ACL rule %u", name,
				       i);
	memmove(&cfg->policers[idx], &cfg->policers[idx + 1],
		(cfg->n_policers - (unsigned)idx - 1) * sizeof(cfg->policers[0]));
	cfg->n_policers--;
	/* the rules name policers by index: those after the removed one move down */
	for (unsigned i = 0; i < cfg->n_acl; i++)
		if (cfg->acl[i].action == HP_ACL_POLICE && cfg->acl[i].policer > idx)
			cfg->acl[i].policer--;
	return 0;
}

/* ---- xdp ---- */

struct hp_xdp_conf *
hp_model_xdp_entry(struct hp_config *cfg, const char *iface, int *rc)
{
	struct hp_xdp_conf *x;

	for (unsigned i = 0; i < cfg->n_xdp; i++)
		if (strcmp(cfg->xdp[i].iface, iface) == 0)
			return &cfg->xdp[i];
	if (cfg->n_xdp >= HP_MAX_XDP || strlen(iface) >= sizeof(x->iface)) {
		*rc = -ENOSPC;
		return NULL;
	}
	x = &cfg->xdp[cfg->n_xdp++];
	memset(x, 0, sizeof(*x));
	snprintf(x->iface, sizeof(x->iface), "%s", iface);
	x->mode = HP_XDP_NATIVE;
	return x;
}

int
hp_model_xdp_block_add(struct hp_xdp_conf *x, const struct hp_prefix *p)
{
	for (unsigned i = 0; i < x->n_block; i++)
		if (same_prefix(&x->block[i], p))
			return -EEXIST;
	if (x->n_block >= HP_MAX_XDP_BLOCK)
		return -ENOSPC;
	if (grow((void **)&x->block, &x->block_cap, x->n_block, x->n_block + 1, sizeof(*p)) < 0)
		return -ENOMEM;
	x->block[x->n_block++] = *p;
	return 0;
}

int
hp_model_xdp_block_del(struct hp_xdp_conf *x, const struct hp_prefix *p)
{
	for (unsigned i = 0; i < x->n_block; i++) {
		if (!same_prefix(&x->block[i], p))
			continue;
		memmove(&x->block[i], &x->block[i + 1], (x->n_block - i - 1) * sizeof(*p));
		x->n_block--;
		return 0;
	}
	return -ENOENT;
}

int
hp_model_xdp_pass_add(struct hp_xdp_conf *x, const struct hp_xdp_class *c)
{
	for (unsigned i = 0; i < x->n_pass; i++)
		if (hp_xdp_class_equal(&x->pass[i], c))
			return -EEXIST;
	if (x->n_pass >= HP_MAX_XDP_PASS)
		return -ENOSPC;
	x->pass[x->n_pass++] = *c;
	return 0;
}

int
hp_model_xdp_pass_del(struct hp_xdp_conf *x, const struct hp_xdp_class *c)
{
	for (unsigned i = 0; i < x->n_pass; i++) {
		if (!hp_xdp_class_equal(&x->pass[i], c))
			continue;
		memmove(&x->pass[i], &x->pass[i + 1], (x->n_pass - i - 1) * sizeof(*c));
		x->n_pass--;
		return 0;
	}
	return -ENOENT;
}

/* ---- config.apply ---- */

#define TAKE(field, n_field)                \
	do {                                \
		free(cfg->field);           \
		cfg->field = nc->field;     \
		cfg->n_field = nc->n_field; \
		nc->field = NULL;           \
		nc->n_field = 0;            \
	} while (0)

void
hp_model_take_tables(struct hp_config *cfg, struct hp_config *nc)
{
	TAKE(neighbors, n_neighbors);
	TAKE(routes, n_routes);
	TAKE(acl, n_acl);
	TAKE(policers, n_policers);
	TAKE(nat, n_nat);
	cfg->routes_cap = nc->routes_cap, cfg->neighbors_cap = nc->neighbors_cap;
	cfg->acl_cap = nc->acl_cap, cfg->policers_cap = nc->policers_cap;
	cfg->acl_default_deny = nc->acl_default_deny;
	cfg->neigh = nc->neigh;         /* limits and timers: the neighbour table reads them as it goes */
	cfg->linux_rt = nc->linux_rt;   /* the mirror compares it with what it runs (ctl_linux_reconfigure) */
	cfg->conntrack = nc->conntrack; /* config.apply refused a change of its size */
	/* the VIPs, each with its backends (nc's arrays move: nothing is shared), and lb_conf */
	hp_model_lb_free(cfg);
	cfg->lb = nc->lb, cfg->n_lb = nc->n_lb;
	nc->lb = NULL, nc->n_lb = 0;
	cfg->lb_conf = nc->lb_conf;
	hp_model_free(cfg);
	cfg->route_index = nc->route_index;
	nc->route_index = NULL;
	/* the same interfaces (config.apply checked): each takes nc's sets, or none */
	for (unsigned i = 0; i < cfg->n_xdp; i++) {
		struct hp_xdp_conf *x = &cfg->xdp[i], *y = NULL;

		for (unsigned k = 0; k < nc->n_xdp && y == NULL; k++)
			if (strcmp(nc->xdp[k].iface, x->iface) == 0)
				y = &nc->xdp[k];
		free(x->block);
		x->block = NULL;
		x->n_block = x->block_cap = x->n_pass = 0;
		x->on_no_socket = HP_XDP_NOSOCK_DEFAULT;
		if (y == NULL)
			continue;
		x->block = y->block, x->n_block = y->n_block, x->block_cap = y->block_cap;
		y->block = NULL, y->n_block = y->block_cap = 0;
		x->n_pass = y->n_pass;
		memcpy(x->pass, y->pass, sizeof(x->pass));
		x->on_no_socket = y->on_no_socket;
	}
}

#undef TAKE

void
hp_model_free(struct hp_config *cfg)
{
	if (cfg->route_index != NULL)
		free(cfg->route_index->slot);
	free(cfg->route_index);
	cfg->route_index = NULL;
}
