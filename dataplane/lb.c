/*
 * The load balancer's table-set part and its stage (lb.h). A VIP is found by (address, protocol,
 * port) in a small open-addressed table, behind a bitmap of VIP addresses that lets every other
 * packet pass with one bit test. A fragment carries no port (or only its first does): fragments
 * are matched by (address, protocol) alone and hashed without ports, so every fragment of a
 * datagram reaches one backend; an address with more than one VIP of the protocol cannot place
 * them and drops them (lb_fragment).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "ct_hash.h"
#include "lb.h"
#include "lb_encap.h"
#include "lb_flow.h"
#include "maglev.h"
#include "stage.h"
#include "worker_state.h"

#define LB_FILTER_BITS 4096u  /* the VIP address bitmap */
#define LB_KEY_FRAG 0x02      /* lb_vkey.kind: the (address, protocol) key of fragments */
#define LB_VIP_AMBIGUOUS (-2) /* a fragment key of an address with several VIPs of the protocol */

struct lb_vkey {
	uint8_t addr[16];
	uint16_t port;
	uint8_t proto;
	uint8_t kind; /* bit 0: IPv6; LB_KEY_FRAG */
	uint32_t zero;
};

struct lb_vslot {
	struct lb_vkey key;
	int32_t vip; /* index; -1 empty; LB_VIP_AMBIGUOUS */
};

struct lb_backend {
	uint8_t addr[16];
	uint8_t v6;
	uint8_t admin;  /* enum dp_lb_admin */
	uint8_t health; /* enum dp_lb_health */
	uint8_t keeps;  /* not down: keeps its flows (up or draining) */
	uint32_t id;
	uint32_t weight;
	uint32_t counter; /* its counters' index in a worker's block */
	uint32_t share;   /* ring entries it holds */
};

struct lb_vip {
	uint8_t addr[16];
	uint8_t v6, proto, encap, flags;
	uint16_t port, gue_port;
	struct hp_lb_health health;
	uint32_t m;     /* ring entries */
	uint32_t *ring; /* backend slots, MAGLEV_NONE: none usable */
	unsigned n;
	struct lb_backend *be;
	uint32_t *by_id;   /* slots in the order of their backends' ids */
	uint32_t *by_addr; /* slots in the order of their backends' addresses (IPv4 first) */
	uint32_t counter;
};

struct dp_lb {
	uint64_t filter[LB_FILTER_BITS / 64];
	uint64_t any_port[LB_FILTER_BITS / 64]; /* the addresses with a VIP of every port (port 0) */
	uint64_t one_port[LB_FILTER_BITS / 64]; /* the addresses with a VIP of one port */
	uint32_t key_mask;
	struct lb_vslot *keys;
	unsigned n_vips;
	struct lb_vip *vips;
	struct lb_src4 src4; /* the outer sources over IPv4, prepared */
	uint8_t src6[16];
	uint8_t src6_len;
	unsigned n_workers;
	struct lb_flow_table *flows[HP_MAX_WORKERS];
	unsigned n_counters;             /* VIPs, then every VIP's backends */
	size_t block;                    /* counters a worker's block holds (a whole number of cache lines) */
	struct dp_lb_counters *counters; /* n_workers blocks */
	struct dp_lb_counters *base;     /* n_counters: what the sets before this one counted */
	uint32_t next_id;
};

/* ---- lookups ---- */

static inline uint32_t
addr_bit(const uint8_t *a, bool v6)
{
	uint32_t w[4] = {0, 0, 0, 0};

	memcpy(w, a, v6 ? 16 : 4);
	return ((w[0] ^ w[1] ^ w[2] ^ w[3]) * 0x9e3779b1u) >> (32 - 12);
}

static inline bool
filter_has(const struct dp_lb *lb, const uint8_t *a, bool v6)
{
	uint32_t bit = addr_bit(a, v6);

	return lb->filter[bit / 64] >> (bit % 64) & 1;
}

static inline void
vkey_make(struct lb_vkey *k, const uint8_t *a, bool v6, uint8_t proto, uint16_t port, uint8_t kind)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, a, v6 ? 16 : 4);
	k->port = port;
	k->proto = proto;
	k->kind = (uint8_t)(kind | (v6 ? 1 : 0));
}

static inline uint32_t
vkey_hash(const struct lb_vkey *k)
{
	uint64_t w[3];

	RTE_BUILD_BUG_ON(sizeof(*k) != sizeof(w));
	memcpy(w, k, sizeof(w));
	return rte_hash_crc_8byte(w[2], rte_hash_crc_8byte(w[1], rte_hash_crc_8byte(w[0], CT_HASH_SEED)));
}

static inline bool
vkey_eq(const struct lb_vkey *a, const struct lb_vkey *b)
{
	uint64_t x[3], y[3];

	memcpy(x, a, sizeof(x));
	memcpy(y, b, sizeof(y));
	return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
}

static struct lb_vslot *
vslot(const struct dp_lb *lb, const struct lb_vkey *k)
{
	for (uint32_t s = vkey_hash(k) & lb->key_mask;; s = (s + 1) & lb->key_mask) {
		struct lb_vslot *e = &lb->keys[s];

		if (e->vip == -1 || vkey_eq(&e->key, k))
			return e;
	}
}

static inline int32_t
vip_lookup(const struct dp_lb *lb, const uint8_t *a, bool v6, uint8_t proto, uint16_t port, uint8_t kind)
{
	struct lb_vkey k;

	vkey_make(&k, a, v6, proto, port, kind);
	return vslot(lb, &k)->vip;
}

/* The VIP of (address, proto, port): that port's first, else the address's VIP of every port
 * (-1: neither). Each looked up only where its filter says one may be. */
static inline int32_t
vip_of_port(const struct dp_lb *lb, const uint8_t *a, bool v6, uint8_t proto, uint16_t port)
{
	uint32_t bit = addr_bit(a, v6);
	int32_t v = -1;

	if (lb->one_port[bit / 64] >> (bit % 64) & 1)
		v = vip_lookup(lb, a, v6, proto, port, 0);
	if (v < 0 && (lb->any_port[bit / 64] >> (bit % 64) & 1))
		v = vip_lookup(lb, a, v6, proto, 0, 0);
	return v;
}

/* ---- building ---- */

/* Backends in address order: IPv4 before IPv6, then the address's bytes. */
static int
addr_order(const struct lb_backend *be, const uint8_t *addr, bool v6)
{
	if (be->v6 != v6)
		return be->v6 ? 1 : -1;
	return memcmp(be->addr, addr, v6 ? 16 : 4);
}

static int
cmp_addr(const void *a, const void *b, void *arg)
{
	const struct lb_backend *be = arg, *y = &be[*(const uint32_t *)b];

	return addr_order(&be[*(const uint32_t *)a], y->addr, y->v6);
}

/* v's backend of addr (its slot; -1: none), by binary search: rebuilding a VIP of thousands of
 * backends matches each one to the running set's in log time. */
static int
backend_by_addr(const struct lb_vip *v, const uint8_t *addr, bool v6)
{
	unsigned lo = 0, hi = v->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		int c = addr_order(&v->be[v->by_addr[mid]], addr, v6);

		if (c == 0)
			return (int)v->by_addr[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int
cmp_id(const void *a, const void *b, void *arg)
{
	const struct lb_backend *be = arg;
	uint32_t x = be[*(const uint32_t *)a].id, y = be[*(const uint32_t *)b].id;

	return x < y ? -1 : x > y;
}

/* v's ring from its usable backends (admin up, health not down, weight > 0). */
static int
refill(struct lb_vip *v)
{
	struct maglev_backend *mb = calloc(v->n ? v->n : 1, sizeof(*mb));
	int rc;

	if (mb == NULL)
		return -ENOMEM;
	for (unsigned s = 0; s < v->n; s++) {
		const struct lb_backend *be = &v->be[s];

		memcpy(mb[s].key, be->addr, be->v6 ? 16 : 4);
		mb[s].weight = be->admin == DP_LB_ADMIN_UP && be->health != DP_LB_HEALTH_DOWN ? be->weight
											      : 0;
		v->be[s].keeps = be->admin != DP_LB_ADMIN_DOWN && be->health != DP_LB_HEALTH_DOWN;
		v->be[s].share = 0;
	}
	rc = maglev_build(mb, v->n, v->m, v->ring);
	free(mb);
	if (rc < 0)
		return rc;
	for (uint32_t e = 0; e < v->m; e++)
		if (v->ring[e] != MAGLEV_NONE)
			v->be[v->ring[e]].share++;
	return 0;
}

static int
build_vip(struct dp_lb *lb, struct lb_vip *v, const struct hp_lb_vip *c, const struct dp_lb *prev, uint32_t m,
	  int socket)
{
	const struct lb_vip *pv = NULL;

	memcpy(v->addr, c->vip.addr, 16);
	v->v6 = c->vip.family == AF_INET6;
	v->proto = c->proto;
	v->port = c->port;
	v->encap = c->encap == HP_LB_GUE ? LB_ENCAP_GUE : LB_ENCAP_IPIP;
	v->gue_port = c->gue_port;
	v->flags = c->flags;
	v->health = c->health;
	v->m = m;
	v->n = c->n_backends;
	v->ring = rte_malloc_socket("lb_ring", (size_t)m * sizeof(*v->ring), RTE_CACHE_LINE_SIZE, socket);
	v->be = rte_zmalloc_socket("lb_backends", (v->n ? v->n : 1) * sizeof(*v->be), RTE_CACHE_LINE_SIZE,
				   socket);
	v->by_id = rte_malloc_socket("lb_by_id", (v->n ? v->n : 1) * sizeof(*v->by_id), 0, socket);
	v->by_addr = rte_malloc_socket("lb_by_addr", (v->n ? v->n : 1) * sizeof(*v->by_addr), 0, socket);
	if (v->ring == NULL || v->be == NULL || v->by_id == NULL || v->by_addr == NULL)
		return -ENOMEM;
	if (prev != NULL) {
		int32_t p = vip_lookup(prev, c->vip.addr, v->v6, v->proto, v->port, 0);

		pv = p >= 0 ? &prev->vips[p] : NULL;
	}
	for (unsigned s = 0; s < v->n; s++) {
		struct lb_backend *be = &v->be[s];
		int ps;

		be->v6 = c->backends[s].ip.family == AF_INET6;
		memcpy(be->addr, c->backends[s].ip.addr, 16);
		be->weight = c->backends[s].weight;
		be->admin = DP_LB_ADMIN_UP;
		be->health = DP_LB_HEALTH_UNKNOWN;
		ps = pv != NULL ? backend_by_addr(pv, be->addr, be->v6) : -1;
		if (ps >= 0) {
			be->id = pv->be[ps].id;
			be->admin = pv->be[ps].admin;
			be->health = pv->be[ps].health;
		} else {
			be->id = lb->next_id++;
		}
		v->by_id[s] = v->by_addr[s] = s;
	}
	qsort_r(v->by_id, v->n, sizeof(*v->by_id), cmp_id, v->be);
	qsort_r(v->by_addr, v->n, sizeof(*v->by_addr), cmp_addr, v->be);
	return refill(v);
}

static int
add_key(struct dp_lb *lb, const struct lb_vip *v, unsigned idx, uint8_t kind, uint16_t port)
{
	struct lb_vkey k;
	struct lb_vslot *e;
	uint32_t bit;

	vkey_make(&k, v->addr, v->v6, v->proto, port, kind);
	e = vslot(lb, &k);
	if (e->vip == -1) {
		e->key = k;
		e->vip = (int32_t)idx;
	} else if (kind & LB_KEY_FRAG) {
		e->vip = LB_VIP_AMBIGUOUS;
	} else {
		return -EEXIST; /* the configuration's checks refuse it first */
	}
	bit = addr_bit(v->addr, v->v6);
	lb->filter[bit / 64] |= 1ull << (bit % 64);
	if (!(kind & LB_KEY_FRAG))
		(port == 0 ? lb->any_port : lb->one_port)[bit / 64] |= 1ull << (bit % 64);
	return 0;
}

struct dp_lb *
dp_lb_build(const struct hp_config *cfg, const struct dp_lb *prev, unsigned n_workers,
	    struct lb_flow_table *const *flows, int socket, char *err, size_t errlen)
{
	unsigned n = cfg->n_lb, n_keys = 2 * n, slots = 4, c = 0;
	uint32_t m = cfg->lb_conf.table_size ? cfg->lb_conf.table_size : HP_LB_TABLE_SIZE_DEFAULT;
	struct dp_lb *lb = rte_zmalloc_socket("dp_lb", sizeof(*lb), RTE_CACHE_LINE_SIZE, socket);

	if (lb == NULL)
		goto nomem;
	while (slots < 2 * n_keys)
		slots <<= 1;
	lb->key_mask = slots - 1;
	lb->keys = rte_malloc_socket("lb_keys", slots * sizeof(*lb->keys), RTE_CACHE_LINE_SIZE, socket);
	lb->vips = rte_zmalloc_socket("lb_vips", (n ? n : 1) * sizeof(*lb->vips), RTE_CACHE_LINE_SIZE,
				      socket);
	if (lb->keys == NULL || lb->vips == NULL)
		goto nomem;
	for (unsigned s = 0; s < slots; s++)
		lb->keys[s].vip = -1;
	lb->n_vips = n;
	lb->next_id = prev != NULL ? prev->next_id : 1;
	lb_encap_src4_prep(cfg->lb_conf.src4.addr, cfg->lb_conf.src4.len, &lb->src4);
	memcpy(lb->src6, cfg->lb_conf.src6.addr, 16);
	lb->src6_len = cfg->lb_conf.src6.len;
	lb->n_workers = n_workers;
	for (unsigned w = 0; w < n_workers && w < HP_MAX_WORKERS; w++)
		lb->flows[w] = flows[w];
	for (unsigned v = 0; v < n; v++) {
		int rc = build_vip(lb, &lb->vips[v], &cfg->lb[v], prev, m, socket);

		if (rc == -ENOMEM)
			goto nomem;
		if (rc < 0 || (rc = add_key(lb, &lb->vips[v], v, 0, lb->vips[v].port)) < 0 ||
		    (rc = add_key(lb, &lb->vips[v], v, LB_KEY_FRAG, 0)) < 0) {
			snprintf(err, errlen, "%s:%u: lb: VIP %u cannot be built (%s)", cfg->file,
				 cfg->lb[v].line, v, strerror(-rc));
			dp_lb_free(lb);
			return NULL;
		}
		lb->vips[v].counter = c++;
	}
	for (unsigned v = 0; v < n; v++)
		for (unsigned s = 0; s < lb->vips[v].n; s++)
			lb->vips[v].be[s].counter = c++;
	lb->n_counters = c;
	lb->block = RTE_ALIGN_CEIL(c ? c : 1, RTE_CACHE_LINE_SIZE / 8);
	lb->counters = rte_zmalloc_socket("lb_counters",
					  lb->block * (n_workers ? n_workers : 1) * sizeof(*lb->counters),
					  RTE_CACHE_LINE_SIZE, socket);
	lb->base = rte_zmalloc_socket("lb_base", (c ? c : 1) * sizeof(*lb->base), 0, socket);
	if (lb->counters == NULL || lb->base == NULL)
		goto nomem;
	return lb;
nomem:
	snprintf(err, errlen, "lb: out of memory for %u VIPs of %u ring entries", n, m);
	dp_lb_free(lb);
	return NULL;
}

void
dp_lb_free(struct dp_lb *lb)
{
	if (lb == NULL)
		return;
	for (unsigned v = 0; lb->vips != NULL && v < lb->n_vips; v++) {
		rte_free(lb->vips[v].ring);
		rte_free(lb->vips[v].be);
		rte_free(lb->vips[v].by_id);
		rte_free(lb->vips[v].by_addr);
	}
	rte_free(lb->vips);
	rte_free(lb->keys);
	rte_free(lb->counters);
	rte_free(lb->base);
	rte_free(lb);
}

static void
add_counters(struct dp_lb_counters *to, const struct dp_lb_counters *c)
{
	to->packets += c->packets;
	to->bytes += c->bytes;
	to->flows += c->flows;
	to->moved += c->moved;
	to->no_backend += c->no_backend;
}

/* The sum of counter i over the workers and the base. */
static struct dp_lb_counters
sum_counters(const struct dp_lb *lb, uint32_t i)
{
	struct dp_lb_counters s = lb->base[i];

	for (unsigned w = 0; w < lb->n_workers; w++)
		add_counters(&s, &lb->counters[w * lb->block + i]);
	return s;
}

void
dp_lb_carry(struct dp_lb *lb, const struct dp_lb *old)
{
	if (lb == NULL || old == NULL)
		return;
	for (unsigned p = 0; p < old->n_vips; p++) {
		const struct lb_vip *ov = &old->vips[p];
		int32_t v = vip_lookup(lb, ov->addr, ov->v6, ov->proto, ov->port, 0);

		if (v < 0)
			continue;
		{
			struct dp_lb_counters s = sum_counters(old, ov->counter);

			add_counters(&lb->base[lb->vips[v].counter], &s);
		}
		for (unsigned s = 0; s < ov->n; s++) {
			int ns = backend_by_addr(&lb->vips[v], ov->be[s].addr, ov->be[s].v6);

			if (ns >= 0) {
				struct dp_lb_counters x = sum_counters(old, ov->be[s].counter);

				add_counters(&lb->base[lb->vips[v].be[ns].counter], &x);
			}
		}
	}
}

int
dp_lb_vip_find(const struct dp_lb *lb, const struct hp_addr *vip, uint8_t proto, uint16_t port)
{
	int32_t v;

	if (lb == NULL || (vip->family != AF_INET && vip->family != AF_INET6))
		return -1;
	v = vip_lookup(lb, vip->addr, vip->family == AF_INET6, proto, port, 0);
	return v >= 0 ? v : -1;
}

int
dp_lb_backend_find(const struct dp_lb *lb, unsigned v, const struct hp_addr *ip)
{
	if (lb == NULL || v >= lb->n_vips)
		return -1;
	return backend_by_addr(&lb->vips[v], ip->addr, ip->family == AF_INET6);
}

int
dp_lb_set_admin(struct dp_lb *lb, unsigned v, unsigned slot, enum dp_lb_admin st)
{
	if (v >= lb->n_vips || slot >= lb->vips[v].n || st > DP_LB_ADMIN_DRAIN)
		return -EINVAL;
	lb->vips[v].be[slot].admin = (uint8_t)st;
	return refill(&lb->vips[v]);
}

int
dp_lb_set_health(struct dp_lb *lb, unsigned v, unsigned slot, enum dp_lb_health st)
{
	if (v >= lb->n_vips || slot >= lb->vips[v].n || st > DP_LB_HEALTH_DOWN)
		return -EINVAL;
	lb->vips[v].be[slot].health = (uint8_t)st;
	return refill(&lb->vips[v]);
}

enum dp_lb_health
dp_lb_get_health(const struct dp_lb *lb, unsigned v, unsigned slot)
{
	if (lb == NULL || v >= lb->n_vips || slot >= lb->vips[v].n)
		return DP_LB_HEALTH_UNKNOWN;
	return (enum dp_lb_health)lb->vips[v].be[slot].health;
}

/* ---- the stage ---- */

/* The slot of the backend of id in v, or -1 (it left the VIP). */
static int
slot_of_id(const struct lb_vip *v, uint32_t id)
{
	unsigned lo = 0, hi = v->n;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		uint32_t x = v->be[v->by_id[mid]].id;

		if (x == id)
			return (int)v->by_id[mid];
		if (x < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* The backend slot of flow k (hash h) of VIP vi: its flow entry's if that backend still keeps
 * flows, else the ring's (recorded). -1: no backend. */
static int
pick(const struct dp_lb *lb, struct lb_flow_table *ft, struct dp_lb_counters *cnt, unsigned vi,
     const struct ct_key *k, uint32_t h, uint64_t now)
{
	const struct lb_vip *v = &lb->vips[vi];
	struct lb_flow_val val;
	bool known = lb_flow_lookup(ft, k, h, now, &val);
	uint32_t e;
	int s;

	if (known) {
		s = val.slot < v->n && v->be[val.slot].id == val.backend_id ? (int)val.slot
									    : slot_of_id(v, val.backend_id);
		if (s >= 0 && v->be[s].keeps)
			return s;
	}
	e = v->ring[h % v->m];
	if (e == MAGLEV_NONE) {
		cnt[v->counter].no_backend++;
		return -1;
	}
	val.backend_id = v->be[e].id;
	val.vip = (uint16_t)vi;
	val.slot = (uint16_t)e;
	if (known) {
		lb_flow_update(ft, k, h, now, &val);
		cnt[v->counter].moved++;
	} else {
		lb_flow_insert(ft, k, h, now, &val);
		cnt[v->counter].flows++;
		cnt[v->be[e].counter].flows++;
	}
	return (int)e;
}

/* The outer headers of VIP v's encapsulation to backend be in front of m's IP packet (at l3,
 * ip_len bytes, family inner_v6), the outer source written to src. false: it cannot be (chained
 * mbufs, no headroom, too long: the packet is dropped). */
static bool
encap_frame(const struct dp_lb *lb, const struct lb_vip *v, const struct lb_backend *be, struct rte_mbuf *m,
	    unsigned l3, uint16_t ip_len, bool inner_v6, uint32_t h, uint8_t *src)
{
	const unsigned ov = lb_encap_overhead(v->encap, be->v6);
	uint32_t len = rte_pktmbuf_data_len(m);
	uint8_t *f;

	if (m->nb_segs != 1 || l3 + ip_len > len)
		return false;
	if (len > l3 + ip_len) /* Ethernet padding is not the datagram's */
		rte_pktmbuf_trim(m, (uint16_t)(len - l3 - ip_len));
	f = (uint8_t *)rte_pktmbuf_prepend(m, (uint16_t)ov);
	if (f == NULL)
		return false;
	if (likely(l3 == RTE_ETHER_HDR_LEN && ov >= RTE_ETHER_HDR_LEN))
		memcpy(f, f + ov, RTE_ETHER_HDR_LEN); /* the common case, apart: no call */
	else
		memmove(f, f + ov, l3);
	if (!be->v6) {
		uint32_t s4 = lb_encap_src4(&lb->src4, h);
		const uint8_t *in = f + l3 + ov;

		memcpy(src, &s4, 4);
		if (likely(!inner_v6 && ip_len >= 20 && ip_len <= UINT16_MAX - ov)) {
			/* IPIP or GUE, IPv4 in IPv4, inline: lb_encap_write without a call */
			lb_encap_v4(f + l3, v->encap == LB_ENCAP_GUE, in[1], (in[6] & 0x40) != 0, s4,
				    be->addr, lb_gue_sport(h), v->gue_port, ip_len);
			return true;
		}
	} else {
		lb_encap_src(lb->src6, lb->src6_len, true, h, src);
	}
	if (lb_encap_write(f + l3, v->encap, be->v6, src, be->addr, lb_gue_sport(h), v->gue_port, f + l3 + ov,
			   ip_len, inner_v6, h) == 0)
		return false;
	if (be->v6 != inner_v6) {
		uint16_t type = rte_cpu_to_be_16(be->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);

		memcpy(f + l3 - 2, &type, 2);
	}
	return true;
}

/* Packet i to VIP vi, backend be: encapsulated (encap_frame), the metadata the LPM and the
 * rewrite read set to the outer header. false: it cannot be (the packet is dropped). */
static bool
encap(const struct dp_lb *lb, const struct lb_vip *v, const struct lb_backend *be, struct rte_mbuf *m,
      struct dp_meta *meta, uint32_t h)
{
	const bool inner_v6 = meta->l3 == DP_L3_IPV6;
	const unsigned l3 = meta->l3_off, ov = lb_encap_overhead(v->encap, be->v6);
	uint8_t src[16];

	if (!encap_frame(lb, v, be, m, l3, meta->l3_len, inner_v6, h, src))
		return false;
	meta->l3 = be->v6 ? DP_L3_IPV6 : DP_L3_IPV4;
	meta->l3_len = (uint16_t)(meta->l3_len + ov);
	meta->ttl = 64;
	meta->flags = (uint8_t)((meta->flags & ~(DP_META_FRAG | DP_META_LATER_FRAG | DP_META_L4PORTS)) |
				(v->encap == LB_ENCAP_GUE ? DP_META_L4PORTS : 0));
	meta->l4_off = (uint16_t)(v->encap == LB_ENCAP_GUE ? l3 + (be->v6 ? 40 : 20) : 0);
	meta->encap = (uint8_t)ov;
	if (be->v6) {
		struct dp_acl_key6 *k = &meta->key.k6;

		k->proto = v->encap == LB_ENCAP_GUE ? IPPROTO_UDP : (inner_v6 ? IPPROTO_IPV6 : IPPROTO_IPIP);
		memcpy(k->src, src, 16);
		memcpy(k->dst, be->addr, 16);
		k->sport = v->encap == LB_ENCAP_GUE ? rte_cpu_to_be_16(lb_gue_sport(h)) : 0;
		k->dport = v->encap == LB_ENCAP_GUE ? rte_cpu_to_be_16(v->gue_port) : 0;
	} else {
		struct dp_acl_key4 *k = &meta->key.k4;

		k->proto = v->encap == LB_ENCAP_GUE ? IPPROTO_UDP : IPPROTO_IPIP;
		memcpy(&k->src, src, 4);
		memcpy(&k->dst, be->addr, 4);
		k->sport = v->encap == LB_ENCAP_GUE ? rte_cpu_to_be_16(lb_gue_sport(h)) : 0;
		k->dport = v->encap == LB_ENCAP_GUE ? rte_cpu_to_be_16(v->gue_port) : 0;
	}
	return true;
}

/* The VIP of packet i (-1: none; LB_VIP_AMBIGUOUS: a fragment no VIP can take), its flow key. */
static int32_t
classify(const struct dp_lb *lb, const struct dp_meta *meta, struct ct_key *k)
{
	const bool v6 = meta->l3 == DP_L3_IPV6;
	const uint8_t *dst = v6 ? meta->key.k6.dst : (const uint8_t *)&meta->key.k4.dst;
	const uint8_t *src = v6 ? meta->key.k6.src : (const uint8_t *)&meta->key.k4.src;
	uint8_t proto = v6 ? meta->key.k6.proto : meta->key.k4.proto;
	uint16_t sport = v6 ? meta->key.k6.sport : meta->key.k4.sport;
	uint16_t dport = v6 ? meta->key.k6.dport : meta->key.k4.dport;
	int32_t v;

	if (!filter_has(lb, dst, v6) || (proto != IPPROTO_TCP && proto != IPPROTO_UDP))
		return -1;
	if (meta->flags & DP_META_FRAG) {
		v = vip_lookup(lb, dst, v6, proto, 0, LB_KEY_FRAG);
		sport = dport = 0;
	} else {
		v = vip_of_port(lb, dst, v6, proto, rte_be_to_cpu_16(dport));
		if (v >= 0 && (lb->vips[v].flags & HP_LB_NO_SRC_PORT))
			sport = 0;
	}
	if (v < 0 && v != LB_VIP_AMBIGUOUS)
		return -1;
	memset(k, 0, sizeof(*k));
	memcpy(k->src, src, v6 ? 16 : 4);
	memcpy(k->dst, dst, v6 ? 16 : 4);
	k->sport = sport;
	k->dport = dport;
	k->proto = proto;
	k->v6 = v6;
	return v;
}

/* One family list: VIP packets leave it for a verdict or for the outer family's list. */
static void
stage_list(const struct dp_lb *lb, struct dp_worker *w, struct dp_burst *b, bool v6_list, uint64_t now)
{
	struct lb_flow_table *ft = lb->flows[w->index];
	struct dp_lb_counters *cnt = &lb->counters[w->index * lb->block];
	uint16_t *list = v6_list ? b->v6 : b->v4;
	uint16_t n = v6_list ? b->n6 : b->n4, kept = 0;

	for (uint16_t j = 0; j < n; j++) {
		uint16_t i = list[j];
		struct dp_meta *meta = &b->meta[i];
		struct rte_mbuf *m = b->pkts[i];
		uint32_t bytes = m->pkt_len, h;
		const struct lb_backend *be;
		struct ct_key k;
		int32_t vi;
		int s;

		vi = classify(lb, meta, &k);
		if (vi == -1) {
			if (!v6_list)
				b->dst4[kept] = b->dst4[j];
			list[kept++] = i;
			continue;
		}
		if (vi == LB_VIP_AMBIGUOUS) {
			dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_LB_FRAGMENT);
			continue;
		}
		h = ct_key_hash_inline(&k);
		if ((s = pick(lb, ft, cnt, (unsigned)vi, &k, h, now)) < 0) {
			dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_LB_NO_BACKEND);
			continue;
		}
		be = &lb->vips[vi].be[s];
		if (!encap(lb, &lb->vips[vi], be, m, meta, h)) {
			dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_LB_ENCAP);
			continue;
		}
		cnt[lb->vips[vi].counter].packets++;
		cnt[lb->vips[vi].counter].bytes += bytes;
		cnt[be->counter].packets++;
		cnt[be->counter].bytes += bytes;
		b->act[i] = DP_ACT_ROUTE;
		if (be->v6 == v6_list) {
			if (!v6_list) {
				uint32_t d;

				memcpy(&d, be->addr, 4);
				b->dst4[kept] = rte_be_to_cpu_32(d);
			}
			list[kept++] = i;
		} else { /* 4in6: on to the IPv6 list (IPv4 backends of IPv6 VIPs are refused) */
			b->v6[b->n6++] = i;
		}
	}
	if (v6_list)
		b->n6 = kept; /* before the IPv4 list's pass appends to it */
	else
		b->n4 = kept;
}

/* ---- the fast path's part (l3.c fast_burst_lb) ---- */

/* The VIP of plain IPv4 frame f (dp_fast4_ok: TCP or UDP, whole header, not a fragment) and its
 * flow key; -1: none. */
static inline int32_t
fast_classify(const struct dp_lb *lb, const uint8_t *f, struct ct_key *k)
{
	uint16_t dport;
	int32_t v;

	if (!filter_has(lb, f + 30, false))
		return -1;
	memcpy(&dport, f + 36, 2);
	v = vip_of_port(lb, f + 30, false, f[23], rte_be_to_cpu_16(dport));
	if (v < 0)
		return -1;
	memset(k, 0, sizeof(*k));
	memcpy(k->src, f + 26, 4);
	memcpy(k->dst, f + 30, 4);
	if (!(lb->vips[v].flags & HP_LB_NO_SRC_PORT))
		memcpy(&k->sport, f + 34, 2);
	k->dport = dport;
	k->proto = f[23];
	return v;
}

uint16_t
dp_lb_fast(const struct dp_lb *lb, struct dp_worker *w, struct rte_mbuf **pkts, uint16_t n,
	   uint32_t frame_min, uint64_t now)
{
	struct lb_flow_table *ft = lb->flows[w->index];
	struct dp_lb_counters *cnt = &lb->counters[w->index * lb->block];
	struct ct_key keys[DP_BURST];
	uint32_t hash[DP_BURST];
	int32_t vip[DP_BURST];
	uint16_t i;

	/* every key hashed and its bucket prefetched, then every entry, before the first lookup: the
	 * misses of a burst overlap (a table of 1 M flows is not in cache) */
	for (i = 0; i < n; i++) {
		vip[i] = fast_classify(lb, rte_pktmbuf_mtod(pkts[i], const uint8_t *), &keys[i]);
		if (vip[i] >= 0) {
			hash[i] = ct_key_hash_inline(&keys[i]);
			lb_flow_prefetch(ft, hash[i]);
		}
	}
	for (i = 0; i < n; i++)
		if (vip[i] >= 0)
			lb_flow_prefetch_entry(ft, hash[i]);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct lb_vip *v;
		const struct lb_backend *be;
		uint32_t bytes = m->pkt_len;
		uint16_t tot;
		uint8_t src[16];
		int s;

		if (vip[i] < 0)
			continue;
		v = &lb->vips[vip[i]];
		/* the general stage decides what the fast path does not: no backend at all, a frame that may
		 * be too big for its port once encapsulated, an IPv6 backend (4in6) */
		if (unlikely(v->ring[0] == MAGLEV_NONE || bytes + LB_ENCAP_MAX_OVERHEAD > frame_min))
			break;
		s = pick(lb, ft, cnt, (unsigned)vip[i], &keys[i], hash[i], now);
		be = &v->be[s];
		memcpy(&tot, rte_pktmbuf_mtod(m, const uint8_t *) + 16, 2);
		if (unlikely(be->v6 || !encap_frame(lb, v, be, m, RTE_ETHER_HDR_LEN, rte_be_to_cpu_16(tot),
						    false, hash[i], src)))
			break; /* its flow is recorded: the general stage finds the same backend */
		cnt[v->counter].packets++;
		cnt[v->counter].bytes += bytes;
		cnt[be->counter].packets++;
		cnt[be->counter].bytes += bytes;
	}
	return i;
}

void
dp_lb_stage(const struct dp_lb *lb, struct dp_worker *w, struct dp_burst *b, uint64_t now)
{
	/* IPv6 first: the IPv4 list's 4in6 packets join the IPv6 list after it */
	stage_list(lb, w, b, true, now);
	stage_list(lb, w, b, false, now);
}

/* ---- show and stats ---- */

const char *
dp_lb_admin_name(enum dp_lb_admin st)
{
	return st == DP_LB_ADMIN_DOWN ? "down" : st == DP_LB_ADMIN_DRAIN ? "drain" : "up";
}

const char *
dp_lb_health_name(enum dp_lb_health st)
{
	return st == DP_LB_HEALTH_UP ? "up" : st == DP_LB_HEALTH_DOWN ? "down" : "unknown";
}

static json_t *
counters_json(const struct dp_lb_counters *c, bool vip)
{
	json_t *o = json_pack("{s:I, s:I, s:I}", "packets", (json_int_t)c->packets, "bytes",
			      (json_int_t)c->bytes, vip ? "flows" : "new_flows", (json_int_t)c->flows);

	if (vip) {
		json_object_set_new(o, "moved", json_integer((json_int_t)c->moved));
		json_object_set_new(o, "no_backend", json_integer((json_int_t)c->no_backend));
	}
	return o;
}

static const char *
addr_text(const uint8_t *a, bool v6, char *buf, size_t len)
{
	struct hp_addr x = {.family = v6 ? AF_INET6 : AF_INET};

	memcpy(x.addr, a, v6 ? 16 : 4);
	return hp_addr_format(&x, buf, len);
}

static json_t *
backend_json(const struct dp_lb *lb, const struct lb_backend *be, bool stats)
{
	char a[HP_ADDR_STRLEN];
	const char *state = !be->keeps ? "down" : be->share == 0 ? "drain" : "up";
	json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I}", "ip",
			      addr_text(be->addr, be->v6, a, sizeof(a)), "weight", (json_int_t)be->weight,
			      "state", state, "admin", dp_lb_admin_name((enum dp_lb_admin)be->admin),
			      "health", dp_lb_health_name((enum dp_lb_health)be->health), "ring_entries",
			      (json_int_t)be->share, "id", (json_int_t)be->id);

	if (stats) {
		struct dp_lb_counters c = sum_counters(lb, be->counter);

		json_object_set_new(o, "stats", counters_json(&c, false));
	}
	return o;
}

static json_t *
vip_json(const struct dp_lb *lb, const struct lb_vip *v, bool stats)
{
	char a[HP_ADDR_STRLEN];
	json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "vip", addr_text(v->addr, v->v6, a, sizeof(a)), "proto",
			      v->proto == IPPROTO_TCP ? "tcp" : "udp", "encap",
			      v->encap == LB_ENCAP_GUE ? "gue" : "ipip", "table_size", (json_int_t)v->m);
	json_t *be = json_array();

	if (v->port != 0)
		json_object_set_new(o, "port", json_integer(v->port));
	if (v->encap == LB_ENCAP_GUE)
		json_object_set_new(o, "gue_port", json_integer(v->gue_port));
	if (v->flags & HP_LB_NO_SRC_PORT)
		json_object_set_new(o, "flags", json_pack("[s]", "no_src_port"));
	for (unsigned s = 0; s < v->n; s++)
		json_array_append_new(be, backend_json(lb, &v->be[s], stats));
	json_object_set_new(o, "backends", be);
	if (stats) {
		struct dp_lb_counters c = sum_counters(lb, v->counter);

		json_object_set_new(o, "stats", counters_json(&c, true));
	}
	return o;
}

json_t *
dp_lb_vip_json(const struct dp_lb *lb, unsigned vi)
{
	return lb != NULL && vi < lb->n_vips ? vip_json(lb, &lb->vips[vi], false) : NULL;
}

json_t *
dp_lb_json(const struct dp_lb *lb, bool stats, uint64_t now)
{
	json_t *vips = json_array(), *o = json_object();

	for (unsigned v = 0; lb != NULL && v < lb->n_vips; v++)
		json_array_append_new(vips, vip_json(lb, &lb->vips[v], stats));
	json_object_set_new(o, "vips", vips);
	if (stats && lb != NULL) {
		json_t *ws = json_array();

		for (unsigned w = 0; w < lb->n_workers; w++) {
			const struct lb_flow_table *ft = lb->flows[w];
			const struct lb_flow_stats *st = lb_flow_stats(ft);

			json_array_append_new(
				ws, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "size",
					      (json_int_t)lb_flow_size(ft), "count",
					      (json_int_t)lb_flow_count(ft, now), "hits",
					      (json_int_t)st->hits, "misses", (json_int_t)st->misses,
					      "inserts", (json_int_t)st->inserts, "evictions",
					      (json_int_t)st->evictions, "updates", (json_int_t)st->updates));
		}
		json_object_set_new(o, "flow_tables", ws);
	}
	return o;
}
