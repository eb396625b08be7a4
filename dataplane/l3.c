/* mode: l3 over one RX burst: L2/local check -> ACL -> LPM (ECMP) -> rewrite -> TX; slow path via the punt ring. */
#include <arpa/inet.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "l3.h"
#include "worker.h"

#define PREFETCH_AHEAD 4

/* Per-burst scratch: verdict lists of one family. */
struct fam {
	uint16_t n;
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_meta *meta[DP_BURST];
};

struct burst {
	uint16_t n_drop, n_punt;
	struct rte_mbuf *drop[DP_BURST];
	struct rte_mbuf *punt[DP_BURST];
	uint8_t drop_why[DP_BURST];
	struct fam v4, v6;
};

static inline void
drop(struct burst *b, struct rte_mbuf *m, unsigned why)
{
	b->drop_why[b->n_drop] = (uint8_t)why;
	b->drop[b->n_drop++] = m;
}

static inline void
punt(struct burst *b, struct rte_mbuf *m, struct dp_meta *meta, unsigned why)
{
	meta->punt = (uint8_t)why;
	b->punt[b->n_punt++] = m;
}

static inline bool
is_nd(const struct dp_meta *meta)
{
	return meta->key.k6.proto == IPPROTO_ICMPV6 && meta->l4_off &&
	       meta->icmp_type >= 133 && meta->icmp_type <= 137;
}

/* L2 and local decisions; IP packets to forward or deliver go to the family lists. */
static inline void
classify(struct burst *b, const struct rte_ether_addr *mine, struct rte_mbuf *m, struct dp_meta *meta)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (unlikely(meta->flags & DP_META_VLAN))
		return drop(b, m, DP_DROP_VLAN_UNKNOWN);
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, mine))) {
		bool ok = (meta->flags & DP_META_BCAST) ? meta->l3 == DP_L3_ARP
			: (meta->flags & DP_META_MCAST) ? meta->l3 == DP_L3_IPV6 && is_nd(meta)
			: false;
		if (!ok)
			return drop(b, m, DP_DROP_NOT_OUR_MAC);
	}
	switch (meta->l3) {
	case DP_L3_ARP:
		return punt(b, m, meta, DP_PUNT_LOCAL);
	case DP_L3_IPV4:
		b->v4.meta[b->v4.n] = meta;
		b->v4.pkts[b->v4.n++] = m;
		return;
	case DP_L3_IPV6:
		if (unlikely(meta->key.k6.dst[0] == 0xff)) {
			if (is_nd(meta))
				return punt(b, m, meta, DP_PUNT_LOCAL);
			return drop(b, m, DP_DROP_LOCAL_UNHANDLED);
		}
		b->v6.meta[b->v6.n] = meta;
		b->v6.pkts[b->v6.n++] = m;
		return;
	default:
		return drop(b, m, DP_DROP_ETHERTYPE);
	}
}

/* Drop what the ACL refused; keep the rest in order. */
static void
acl_filter(struct dp_worker *w, const struct dp_tables *t, struct burst *b, struct fam *f, uint8_t l3,
	   uint64_t now)
{
	uint8_t verdict[DP_BURST];
	uint16_t k = 0;

	if (f->n == 0)
		return;
	if (t->acl == NULL) {
		if (!t->acl_default_deny)
			return;
		for (uint16_t i = 0; i < f->n; i++)
			drop(b, f->pkts[i], DP_DROP_ACL_DENY);
		f->n = 0;
		return;
	}
	dp_acl_classify(t->acl, t->acl_worker[w->index], l3, f->pkts, f->meta, f->n, verdict, now);
	for (uint16_t i = 0; i < f->n; i++) {
		if (verdict[i]) {
			drop(b, f->pkts[i], verdict[i]);
			continue;
		}
		f->pkts[k] = f->pkts[i];
		f->meta[k++] = f->meta[i];
	}
	f->n = k;
}

/* One routed packet, given its LPM result (group index, or -1 for a miss). */
static inline void
route_one(struct dp_worker *w, const struct dp_fib *fib, struct burst *b, struct rte_mbuf *m,
	  struct dp_meta *meta, int32_t group, uint64_t arrival)
{
	const struct dp_group *g;
	uint32_t nh;
	uint64_t word;

	if (group < 0)
		return punt(b, m, meta, DP_PUNT_NOROUTE);
	g = &fib->groups[group];
	switch (g->type) {
	case DP_GROUP_LOCAL:
		return punt(b, m, meta, DP_PUNT_LOCAL);
	case DP_GROUP_DROP:
		return drop(b, m, DP_DROP_BLACKHOLE);
	default:
		break;
	}
	if (meta->ttl <= 1)
		return punt(b, m, meta, DP_PUNT_TTL);
	if (g->type == DP_GROUP_FORWARD) {
		uint32_t h = 0;
		if (g->n > 1)
			h = meta->l3 == DP_L3_IPV4 ? dp_flow_hash4(&meta->key.k4) : dp_flow_hash6(&meta->key.k6);
		nh = g->nh[dp_ecmp_pick(h, g->n)];
	} else { /* GLEAN: the destination is on a connected subnet */
		const uint8_t *dst = meta->l3 == DP_L3_IPV4 ? (const uint8_t *)&meta->key.k4.dst : meta->key.k6.dst;
		nh = dp_fib_neigh_lookup(fib, g->port, dst, meta->l3);
		if (nh == DP_NO_NH) {
			meta->nh = DP_NO_NH;
			meta->out_port = (uint8_t)g->port;
			return punt(b, m, meta, DP_PUNT_RESOLVE);
		}
	}
	word = __atomic_load_n(&fib->nh[nh], __ATOMIC_ACQUIRE);
	meta->out_port = (uint8_t)dp_nh_port(word);
	if (unlikely(!(word & DP_NH_RESOLVED))) {
		meta->nh = nh;
		return punt(b, m, meta, DP_PUNT_RESOLVE);
	}
	dp_l3_rewrite(m, meta, word, &fib->port_mac[meta->out_port]);
	dp_tx_enqueue(w, meta->out_port, m, arrival);
}

static void
route4(struct dp_worker *w, const struct dp_fib *fib, struct burst *b, uint64_t arrival)
{
	struct fam *f = &b->v4;
	uint32_t ips[DP_BURST], hops[DP_BURST];

	if (f->n == 0)
		return;
	for (uint16_t i = 0; i < f->n; i++)
		ips[i] = rte_be_to_cpu_32(f->meta[i]->key.k4.dst);
	rte_lpm_lookup_bulk(fib->lpm4, ips, hops, f->n);
	for (uint16_t i = 0; i < f->n; i++) {
		int32_t g = (hops[i] & RTE_LPM_LOOKUP_SUCCESS) ? (int32_t)(hops[i] & 0x00ffffff) : -1;
		route_one(w, fib, b, f->pkts[i], f->meta[i], g, arrival);
	}
}

static void
route6(struct dp_worker *w, const struct dp_fib *fib, struct burst *b, uint64_t arrival)
{
	struct fam *f = &b->v6;
	uint8_t ips[DP_BURST][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t hops[DP_BURST];

	if (f->n == 0)
		return;
	for (uint16_t i = 0; i < f->n; i++)
		memcpy(ips[i], f->meta[i]->key.k6.dst, 16);
	rte_lpm6_lookup_bulk_func(fib->lpm6, ips, hops, f->n);
	for (uint16_t i = 0; i < f->n; i++)
		route_one(w, fib, b, f->pkts[i], f->meta[i], hops[i], arrival);
}

static void
finish(struct dp_worker *w, struct burst *b)
{
	unsigned sent = 0;

	if (b->n_punt) {
		sent = rte_ring_mp_enqueue_burst(w->punt, (void **)b->punt, b->n_punt, NULL);
		for (unsigned i = 0; i < sent; i++) {
			unsigned why = dp_meta_of(b->punt[i])->punt;
			w->punted[why]++;
			/* for the data path these end here; the control thread answers them */
			if (why == DP_PUNT_TTL)
				w->drops[DP_DROP_TTL_EXPIRED]++;
			else if (why == DP_PUNT_NOROUTE)
				w->drops[DP_DROP_NO_ROUTE]++;
		}
		for (unsigned i = sent; i < b->n_punt; i++)
			drop(b, b->punt[i], DP_DROP_PUNT_FULL);
	}
	for (uint16_t i = 0; i < b->n_drop; i++)
		w->drops[b->drop_why[i]]++;
	if (b->n_drop)
		rte_pktmbuf_free_bulk(b->drop, b->n_drop);
}

void
dp_l3_burst(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq,
	    struct rte_mbuf **pkts, uint16_t n, uint64_t arrival)
{
	const struct dp_fib *fib = t->fib;
	const struct rte_ether_addr *mine = &fib->port_mac[rxq->port];
	struct burst b;

	b.n_drop = b.n_punt = 0;
	b.v4.n = b.v6.n = 0;
	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *meta = dp_meta_of(m);
		int why;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		why = dp_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), m->ol_flags, meta);
		if (unlikely(why != 0)) {
			drop(&b, m, (unsigned)why);
			continue;
		}
		meta->in_port = (uint8_t)rxq->port;
		classify(&b, mine, m, meta);
	}
	acl_filter(w, t, &b, &b.v4, DP_L3_IPV4, arrival);
	acl_filter(w, t, &b, &b.v6, DP_L3_IPV6, arrival);
	route4(w, fib, &b, arrival);
	route6(w, fib, &b, arrival);
	finish(w, &b);
}
