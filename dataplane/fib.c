/* Building the forwarding tables from config: LPM4/LPM6 with RCU, route groups, next hops, neighbour hash. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "fib.h"
#include "reasons.h"

/* The drop reason of each built-in martian destination (enum hp_martian). */
static const uint8_t martian_why[HP_N_MARTIAN] = {
	[HP_MARTIAN_V4_THIS_NET] = DP_DROP_IPV4_DST_THIS_NET,
	[HP_MARTIAN_V4_LOOPBACK] = DP_DROP_IPV4_DST_LOOPBACK,
	[HP_MARTIAN_V4_MULTICAST] = DP_DROP_IPV4_DST_MULTICAST,
	[HP_MARTIAN_V4_RESERVED] = DP_DROP_IPV4_DST_RESERVED,
	[HP_MARTIAN_V4_BROADCAST] = DP_DROP_IPV4_DST_BROADCAST,
	[HP_MARTIAN_V6_UNSPEC] = DP_DROP_IPV6_DST_UNSPEC,
	[HP_MARTIAN_V6_LOOPBACK] = DP_DROP_IPV6_DST_LOOPBACK,
	[HP_MARTIAN_V6_LINK_LOCAL] = DP_DROP_IPV6_DST_LINK_LOCAL,
};

#define FIB_TBL8_MIN 4096u
#define FIB_ROUTES_HEADROOM 65536       /* IPv6 rules added live */
#define FIB_ROUTES_HEADROOM4 (1u << 20) /* IPv4: dp_lpm4 takes memory (~400 bytes a rule) as rules come */

static unsigned fib_seq; /* unique DPDK object names per build */

static struct dp_fib *
fail(struct dp_fib *fib, char *err, size_t errlen, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	dp_fib_free(fib);
	errno = e;
	return NULL;
}

void
dp_fib_free(struct dp_fib *fib)
{
	if (fib == NULL)
		return;
	dp_lpm4_free(fib->lpm4);
	rte_lpm6_free(fib->lpm6);
	rte_hash_free(fib->neigh);
	rte_free(fib->groups);
	rte_free(fib->nh);
	rte_free(fib->nh_used);
	rte_free(fib->glean_hint);
	free(fib->glean_count);
	free(fib->nh_addr);
	free(fib->nh_pin);
	free(fib->nh_free);
	free(fib->nh_pend);
	free(fib->gi);
	rte_free(fib);
}

static void
neigh_key(struct dp_neigh_key *k, unsigned port, const uint8_t *addr, int family)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
	k->port = (uint16_t)port;
	k->family = family == AF_INET ? 4 : 6;
}

uint32_t
dp_fib_neigh_lookup(const struct dp_fib *fib, unsigned port, const uint8_t *addr, int l3)
{
	struct dp_neigh_key k;
	void *data;

	neigh_key(&k, port, addr, l3 == DP_L3_IPV4 ? AF_INET : AF_INET6);
	if (rte_hash_lookup_data(fib->neigh, &k, &data) < 0)
		return DP_NO_NH;
	return (uint32_t)(uintptr_t)data;
}

/* nh (in the hash) counts in its glean slot (worth a lookup) or stops counting; the slot's hint
 * follows (DP_GLEAN_SLOTS). */
static void
glean_count(struct dp_fib *fib, uint32_t nh, int delta)
{
	const struct hp_addr *a = &fib->nh_addr[nh];
	uint32_t slot = dp_glean_slot(dp_nh_port(fib->nh[nh]), a->addr,
				      a->family == AF_INET ? DP_L3_IPV4 : DP_L3_IPV6);
	uint16_t was = fib->glean_count[slot], c = (uint16_t)(was + delta);

	fib->glean_count[slot] = c;
	__atomic_store_n(&fib->glean_hint[slot],
			 c == 0     ? DP_NO_NH
			 : was == 0 ? nh
				    : DP_GLEAN_MANY,
			 __ATOMIC_RELEASE);
}

/* A freed next hop waits for the workers to pass a quiescent state. */
struct dp_nh_pending {
	uint32_t nh;
	uint64_t token;
};

static uint32_t
neigh_find_or_add(struct dp_fib *fib, unsigned port, const struct hp_addr *addr, bool pin)
{
	static const uint8_t zero[6];
	struct dp_neigh_key k;
	void *data;
	uint32_t nh;
	bool reused = false;

	neigh_key(&k, port, addr->addr, addr->family);
	if (rte_hash_lookup_data(fib->neigh, &k, &data) >= 0) {
		nh = (uint32_t)(uintptr_t)data;
		fib->nh_pin[nh] |= pin;
		return nh;
	}
	if (fib->n_free > 0) {
		nh = fib->nh_free[--fib->n_free];
		reused = true;
	} else if (fib->n_nh < DP_MAX_NH) {
		nh = fib->n_nh++;
	} else {
		return DP_NO_NH;
	}
	fib->nh_addr[nh] = *addr;
	fib->nh_pin[nh] = pin;
	fib->nh_used[nh] = 0;
	__atomic_store_n(&fib->nh[nh], dp_nh_word(zero, port, false), __ATOMIC_RELEASE);
	if (rte_hash_add_key_data(fib->neigh, &k, (void *)(uintptr_t)nh) < 0) {
		fib->nh_addr[nh].family = 0;
		if (reused)
			fib->nh_free[fib->n_free++] = nh;
		else
			fib->n_nh--;
		return DP_NO_NH;
	}
	glean_count(fib, nh, 1);
	return nh;
}

uint32_t
dp_fib_neigh_get(struct dp_fib *fib, unsigned port, const struct hp_addr *addr)
{
	return neigh_find_or_add(fib, port, addr, true);
}

uint32_t
dp_fib_neigh_add(struct dp_fib *fib, unsigned port, const struct hp_addr *addr)
{
	return neigh_find_or_add(fib, port, addr, false);
}

int
dp_fib_neigh_free(struct dp_fib *fib, uint32_t nh)
{
	struct dp_neigh_key k;
	int32_t pos;

	if (nh >= fib->n_nh || fib->nh_addr[nh].family == 0)
		return -ENOENT;
	if (fib->nh_pin[nh])
		return -EBUSY;
	if (!(fib->nh[nh] & DP_NH_NOPUNT))
		glean_count(fib, nh, -1);
	neigh_key(&k, dp_nh_port(fib->nh[nh]), fib->nh_addr[nh].addr, fib->nh_addr[nh].family);
	/* with RCU the hash frees the key's slot after a grace period itself */
	if ((pos = rte_hash_del_key(fib->neigh, &k)) >= 0 && fib->qsv == NULL)
		rte_hash_free_key_with_position(fib->neigh, pos);
	static const uint8_t zero[6];
	/* a worker that looked it up before the delete sees it unresolved: it punts by address */
	__atomic_store_n(&fib->nh[nh], dp_nh_word(zero, dp_nh_port(fib->nh[nh]), false), __ATOMIC_RELEASE);
	fib->nh_addr[nh].family = 0;
	if (fib->qsv == NULL) {
		fib->nh_free[fib->n_free++] = nh;
		return 0;
	}
	struct dp_nh_pending *p = &fib->nh_pend[(fib->pend_head + fib->pend_n++) % DP_MAX_NH];
	p->nh = nh;
	p->token = rte_rcu_qsbr_start(fib->qsv);
	return 0;
}

void
dp_fib_nh_reclaim(struct dp_fib *fib)
{
	while (fib->pend_n > 0) {
		const struct dp_nh_pending *p = &fib->nh_pend[fib->pend_head];

		/* tokens grow: the first one not yet safe ends the walk */
		if (rte_rcu_qsbr_check(fib->qsv, p->token, false) != 1)
			break;
		fib->nh_free[fib->n_free++] = p->nh;
		fib->pend_head = (fib->pend_head + 1) % DP_MAX_NH;
		fib->pend_n--;
	}
}

void
dp_fib_nh_nopunt(struct dp_fib *fib, uint32_t nh, bool on)
{
	uint64_t w = __atomic_load_n(&fib->nh[nh], __ATOMIC_RELAXED);

	if ((w & DP_NH_RESOLVED) || on == ((w & DP_NH_NOPUNT) != 0))
		return;
	__atomic_store_n(&fib->nh[nh], on ? w | DP_NH_NOPUNT : w & ~DP_NH_NOPUNT, __ATOMIC_RELEASE);
	glean_count(fib, nh, on ? -1 : 1);
}

void
dp_fib_nh_set(struct dp_fib *fib, uint32_t nh, const uint8_t *mac, bool resolved)
{
	uint64_t old = __atomic_load_n(&fib->nh[nh], __ATOMIC_RELAXED);
	static const uint8_t zero[6];

	if (old & DP_NH_NOPUNT) /* the new word has no NOPUNT: worth a lookup again */
		glean_count(fib, nh, 1);

	__atomic_store_n(&fib->nh[nh], dp_nh_word(mac ? mac : zero, dp_nh_port(old), resolved),
			 __ATOMIC_RELEASE);
}

static int
new_group(struct dp_fib *fib, const struct dp_group *g)
{
	if (fib->n_groups >= DP_MAX_GROUPS)
		return -ENOSPC;
	fib->groups[fib->n_groups] = *g;
	return (int)fib->n_groups++;
}

/* Find or make the FORWARD group for this next-hop set (routes share groups). */
struct group_index {
	uint32_t slots[2 * DP_MAX_GROUPS]; /* group + 1, 0 = empty */
};

static int
forward_group(struct dp_fib *fib, struct group_index *gi, const uint32_t *nh, unsigned n)
{
	uint32_t h = 2166136261u;
	struct dp_group g = {.type = DP_GROUP_FORWARD, .n = (uint8_t)n};

	for (unsigned i = 0; i < n; i++) {
		g.nh[i] = nh[i];
		h = (h ^ nh[i]) * 16777619u;
	}
	for (uint32_t s = h % (2 * DP_MAX_GROUPS);; s = (s + 1) % (2 * DP_MAX_GROUPS)) {
		uint32_t v = gi->slots[s];
		if (v == 0) {
			int idx = new_group(fib, &g);
			if (idx >= 0)
				gi->slots[s] = (uint32_t)idx + 1;
			return idx;
		}
		const struct dp_group *o = &fib->groups[v - 1];
		if (o->type == DP_GROUP_FORWARD && o->n == n &&
		    memcmp(o->nh, g.nh, n * sizeof(uint32_t)) == 0)
			return (int)v - 1;
	}
}

static int
lpm_add(struct dp_fib *fib, const struct hp_prefix *p, uint32_t group)
{
	if (p->family == AF_INET) {
		uint32_t ip;
		memcpy(&ip, p->addr, 4);
		ip = ntohl(ip);
		if (p->len < 32)
			ip &= p->len ? ~0u << (32 - p->len) : 0;
		return dp_lpm4_add(fib->lpm4, ip, p->len, group);
	}
	uint8_t a[16];
	memcpy(a, p->addr, 16);
	for (unsigned b = p->len; b < 128; b++)
		a[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
	return rte_lpm6_add(fib->lpm6, a, p->len, group);
}

/* The group of route r: its next hops' FORWARD group, or the drop group. */
static int
route_group(struct dp_fib *fib, const struct hp_config *cfg, const struct hp_route_conf *r, char *err,
	    size_t errlen)
{
	uint32_t nhs[HP_MAX_ECMP];
	char pbuf[HP_PREFIX_STRLEN];

	if (r->action != HP_ROUTE_FORWARD)
		return fib->drop_group;
	for (unsigned k = 0; k < r->n_via; k++) {
		int port = r->port >= 0 ? r->port : hp_config_via_port(cfg, &r->via[k]);

		if (port < 0)
			return -EINVAL; /* dp_fib_route_check said which */
		if ((nhs[k] = dp_fib_neigh_get(fib, (unsigned)port, &r->via[k])) == DP_NO_NH) {
			snprintf(err, errlen, "more than %u next hops", DP_MAX_NH);
			return -ENOSPC;
		}
	}
	int g = forward_group(fib, fib->gi, nhs, r->n_via);
	if (g < 0)
		snprintf(err, errlen, "route %s: too many distinct next-hop sets (%u)",
			 hp_prefix_format(&r->prefix, pbuf, sizeof(pbuf)), DP_MAX_GROUPS);
	return g < 0 ? -ENOSPC : g;
}

int
dp_fib_route_add(struct dp_fib *fib, const struct hp_config *cfg, const struct hp_route_conf *r, char *err,
		 size_t errlen)
{
	char pbuf[HP_PREFIX_STRLEN];
	int g;

	if ((g = route_group(fib, cfg, r, err, errlen)) < 0)
		return g;
	/* a refused add leaves the LPM as it was (the route it would replace stays) */
	if (lpm_add(fib, &r->prefix, (uint32_t)g) < 0) {
		snprintf(err, errlen, "route %s: %s table full",
			 hp_prefix_format(&r->prefix, pbuf, sizeof(pbuf)),
			 r->prefix.family == AF_INET ? "IPv4 LPM" : "IPv6 LPM");
		return -ENOSPC;
	}
	return 0;
}

int
dp_fib_route_del(struct dp_fib *fib, const struct hp_prefix *p)
{
	if (p->family == AF_INET) {
		uint32_t ip;

		memcpy(&ip, p->addr, 4);
		return dp_lpm4_delete(fib->lpm4, ntohl(ip), p->len) < 0 ? -ENOENT : 0;
	}
	return rte_lpm6_delete(fib->lpm6, p->addr, p->len) < 0 ? -ENOENT : 0;
}

struct dp_fib *
dp_fib_build(const struct hp_config *cfg, const struct rte_ether_addr *port_macs, struct rte_rcu_qsbr *qsv,
	     int socket, char *err, size_t errlen)
{
	struct dp_fib *fib = rte_zmalloc_socket("hp_fib", sizeof(*fib), RTE_CACHE_LINE_SIZE, socket);
	unsigned seq = __atomic_fetch_add(&fib_seq, 1, __ATOMIC_RELAXED);
	unsigned n4 = HP_N_MARTIAN, n6 = HP_N_MARTIAN, deep4 = 1; /* the martians */
	struct group_index *gi = NULL;
	char name[RTE_MEMZONE_NAMESIZE], pbuf[HP_PREFIX_STRLEN];
	int local, bcast, rc;

	if (fib == NULL)
		return fail(NULL, err, errlen, ENOMEM, "fib: out of memory");
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct hp_prefix *p = &cfg->routes[i].prefix;
		if (p->family == AF_INET) {
			n4++;
			deep4 += p->len > 24;
		} else {
			n6++;
		}
	}
	for (unsigned i = 0; i < cfg->n_ports; i++) {
		n4 += 3 * cfg->ports[i].n_ipv4; /* subnet, address, broadcast */
		deep4 += 3 * cfg->ports[i].n_ipv4;
		n6 += 2 * cfg->ports[i].n_ipv6 + 2;
		fib->port_mac[i] = port_macs[i];
		fib->frame_max[i] = (uint32_t)(cfg->ports[i].mtu ? cfg->ports[i].mtu : 1500) + 14;
		fib->host_mcast[i] = cfg->ports[i].host == HP_HOST_TAP;
		fib->frame_min = i == 0 ? fib->frame_max[0] : RTE_MIN(fib->frame_min, fib->frame_max[i]);
		fib->l3_port[i] = cfg->ports[i].mode == HP_MODE_L3;
	}

	snprintf(name, sizeof(name), "hp_lpm4_%u", seq);
	uint32_t max4 = n4 + FIB_ROUTES_HEADROOM4, tbl8s4 = RTE_MAX(FIB_TBL8_MIN, deep4 + FIB_TBL8_MIN);
	if ((fib->lpm4 = dp_lpm4_create(name, socket, max4, tbl8s4)) == NULL)
		return fail(fib, err, errlen, rte_errno, "fib: IPv4 LPM of %u rules: %s", max4,
			    rte_strerror(rte_errno));
	snprintf(name, sizeof(name), "hp_lpm6_%u", seq);
	/* the kernel's table (linux:) can bring many more than a file: room for linux.ipv6_routes,
	 * 3 groups each (a /48 sharing nothing); without it ~1,600 BGP-like routes filled it */
	uint32_t linux6 = cfg->linux_rt.enabled ? cfg->linux_rt.ipv6_routes : 0;
	struct rte_lpm6_config c6 = {
		.max_rules = n6 + RTE_MAX((uint32_t)FIB_ROUTES_HEADROOM, linux6),
		.number_tbl8s = RTE_MAX(FIB_TBL8_MIN, n6 * 6 + FIB_TBL8_MIN) + 3 * linux6,
	};
	if ((fib->lpm6 = rte_lpm6_create(name, socket, &c6)) == NULL)
		return fail(fib, err, errlen, rte_errno, "fib: IPv6 LPM of %u rules: %s", c6.max_rules,
			    rte_strerror(rte_errno));
	snprintf(name, sizeof(name), "hp_neigh_%u", seq);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = DP_MAX_NH,
		.key_len = sizeof(struct dp_neigh_key),
		.hash_func = rte_hash_crc,
		.socket_id = socket,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};
	if ((fib->neigh = rte_hash_create(&hp)) == NULL)
		return fail(fib, err, errlen, rte_errno, "fib: neighbour hash: %s", rte_strerror(rte_errno));
	if (qsv != NULL) {
		struct rte_hash_rcu_config hr = {.v = qsv, .mode = RTE_HASH_QSBR_MODE_DQ};
		if ((rc = dp_lpm4_rcu_qsbr_add(fib->lpm4, qsv)) < 0)
			return fail(fib, err, errlen, -rc, "fib: RCU: %s", rte_strerror(-rc));
		if (rte_hash_rcu_qsbr_add(fib->neigh, &hr) < 0)
			return fail(fib, err, errlen, rte_errno, "fib: RCU: %s", rte_strerror(rte_errno));
	}
	fib->groups = rte_zmalloc_socket("hp_groups", DP_MAX_GROUPS * sizeof(struct dp_group), 0, socket);
	fib->nh = rte_zmalloc_socket("hp_nh", DP_MAX_NH * sizeof(uint64_t), RTE_CACHE_LINE_SIZE, socket);
	fib->nh_used = rte_zmalloc_socket("hp_nh_used", DP_MAX_NH, RTE_CACHE_LINE_SIZE, socket);
	fib->glean_hint = rte_malloc_socket("hp_glean", DP_GLEAN_SLOTS * sizeof(*fib->glean_hint),
					    RTE_CACHE_LINE_SIZE, socket);
	fib->glean_count = calloc(DP_GLEAN_SLOTS, sizeof(*fib->glean_count));
	fib->nh_addr = calloc(DP_MAX_NH, sizeof(*fib->nh_addr));
	fib->nh_pin = calloc(DP_MAX_NH, 1);
	fib->nh_free = calloc(DP_MAX_NH, sizeof(*fib->nh_free));
	fib->nh_pend = calloc(DP_MAX_NH, sizeof(*fib->nh_pend));
	fib->qsv = qsv;
	gi = fib->gi = calloc(1, sizeof(*gi));
	if (fib->groups == NULL || fib->nh == NULL || fib->nh_used == NULL || fib->glean_hint == NULL ||
	    fib->glean_count == NULL || fib->nh_addr == NULL || fib->nh_pin == NULL || fib->nh_free == NULL ||
	    fib->nh_pend == NULL || gi == NULL)
		return fail(fib, err, errlen, ENOMEM, "fib: out of memory for groups and next hops");
	for (uint32_t i = 0; i < DP_GLEAN_SLOTS; i++)
		fib->glean_hint[i] = DP_NO_NH;

	fib->drop_group = new_group(fib, &(struct dp_group){.type = DP_GROUP_DROP, .why = DP_DROP_BLACKHOLE});
	local = new_group(fib, &(struct dp_group){.type = DP_GROUP_LOCAL});
	bcast = new_group(fib, &(struct dp_group){.type = DP_GROUP_DROP, .why = DP_DROP_IPV4_DIRECTED_BCAST});
	/* the martians: routes cannot go inside them (hp_martian_of), so these stay */
	for (unsigned i = 0; i < HP_N_MARTIAN; i++) {
		int g = new_group(fib, &(struct dp_group){.type = DP_GROUP_DROP, .why = martian_why[i]});

		if (g < 0 || lpm_add(fib, &hp_martian_prefix[i], (uint32_t)g) < 0)
			return fail(fib, err, errlen, ENOSPC, "fib: LPM full");
	}

	/* static neighbours first: gateways resolve to them */
	for (unsigned i = 0; i < cfg->n_neighbors; i++) {
		const struct hp_neighbor_conf *nc = &cfg->neighbors[i];
		uint32_t nh = dp_fib_neigh_get(fib, nc->port, &nc->ip);
		if (nh == DP_NO_NH)
			return fail(fib, err, errlen, ENOSPC, "%s:%u: more than %u neighbours", cfg->file,
				    nc->line, DP_MAX_NH);
		dp_fib_nh_set(fib, nh, nc->mac, true);
	}

	/* configured routes, then connected subnets and our addresses over them */
	for (unsigned i = 0; i < cfg->n_routes; i++) {
		const struct hp_route_conf *r = &cfg->routes[i];
		char why[256];
		int g = route_group(fib, cfg, r, why, sizeof(why));

		if (g < 0)
			return fail(fib, err, errlen, -g, "%s:%u: %s", cfg->file, r->line, why);
		if ((rc = lpm_add(fib, &r->prefix, (uint32_t)g)) < 0)
			return fail(fib, err, errlen, ENOSPC, "%s:%u: route %s: LPM table full", cfg->file,
				    r->line, hp_prefix_format(&r->prefix, pbuf, sizeof(pbuf)));
	}

	for (unsigned i = 0; i < cfg->n_ports; i++) {
		const struct hp_port_conf *pc = &cfg->ports[i];
		struct hp_prefix ll;
		int glean;

		if (pc->mode != HP_MODE_L3)
			continue;
		glean = new_group(fib, &(struct dp_group){.type = DP_GROUP_GLEAN, .port = (uint8_t)i});
		if (glean < 0)
			return fail(fib, err, errlen, ENOSPC, "fib: too many groups");
		for (unsigned k = 0; k < pc->n_ipv4 + pc->n_ipv6; k++) {
			struct hp_prefix p = k < pc->n_ipv4 ? pc->ipv4[k] : pc->ipv6[k - pc->n_ipv4];
			unsigned host = p.family == AF_INET ? 32 : 128;

			rc = p.len < host ? lpm_add(fib, &p, (uint32_t)glean) : 0;
			if (rc == 0 && p.family == AF_INET && p.len <= 30) {
				/* the subnet's broadcast: a directed broadcast is not forwarded */
				struct hp_prefix b = p;
				uint32_t a;

				memcpy(&a, b.addr, 4);
				a |= htonl(~0u >> p.len);
				memcpy(b.addr, &a, 4);
				b.len = 32;
				rc = lpm_add(fib, &b, (uint32_t)bcast);
			}
			p.len = (uint8_t)host;
			if (rc == 0)
				rc = lpm_add(fib, &p, (uint32_t)local);
			if (rc < 0)
				return fail(fib, err, errlen, ENOSPC,
					    "%s:%u: port %s: address %s: LPM table full", cfg->file, pc->line,
					    pc->name, hp_prefix_format(&p, pbuf, sizeof(pbuf)));
		}
		/* link-local: ours is local; others' are never routed (the martian entry) */
		ll = (struct hp_prefix){.family = AF_INET6, .len = 128};
		hp_link_local(port_macs[i].addr_bytes, ll.addr);
		if (lpm_add(fib, &ll, (uint32_t)local) < 0)
			return fail(fib, err, errlen, ENOSPC, "fib: IPv6 LPM full");
	}
	return fib;
}
