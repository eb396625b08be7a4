/* mode: l3 over one RX burst: L2/local check -> ACL -> LPM (ECMP) -> rewrite -> TX; slow path via the punt ring. */
#include <arpa/inet.h>

#include <rte_lpm.h>
#include <rte_lpm6.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "l3.h"
#include "worker.h"

#define PREFETCH_AHEAD 4

/*
 * A stage computes a verdict per packet (VPP's next[]) and the burst is
 * dispatched once, in arrival order, so every egress port and the punt ring
 * see packets in the order they came in, whatever their family or fate.
 */
enum act {
	ACT_ROUTE, /* IP, still going: ACL, then LPM */
	ACT_TX,    /* word holds the resolved next hop */
	ACT_PUNT,  /* why holds enum dp_punt */
	ACT_DROP,  /* why holds enum dp_drop */
};

struct burst {
	uint16_t n;
	struct rte_mbuf **pkts;
	struct dp_meta *meta[DP_BURST];
	/* the metadata lives here, hot in L1, not in each mbuf's private area
	 * (another cache line per packet); only punted packets carry it along */
	struct dp_meta store[DP_BURST];
	uint8_t act[DP_BURST];
	uint8_t why[DP_BURST];
	uint64_t word[DP_BURST];
	uint16_t n4, n6;             /* packets still routed, by family: */
	uint16_t v4[DP_BURST], v6[DP_BURST]; /* their indexes in the burst */
};

static inline void
set(struct burst *b, uint16_t i, enum act a, unsigned why)
{
	b->act[i] = (uint8_t)a;
	b->why[i] = (uint8_t)why;
}

static inline bool
is_nd(const struct dp_meta *meta)
{
	return meta->key.k6.proto == IPPROTO_ICMPV6 && meta->l4_off &&
	       meta->icmp_type >= 133 && meta->icmp_type <= 137;
}

/* L2 and local decisions; IP packets to route go on the family lists. */
static inline void
classify(struct burst *b, uint16_t i, const struct rte_ether_addr *mine)
{
	const struct dp_meta *meta = b->meta[i];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(b->pkts[i], const struct rte_ether_hdr *);

	if (unlikely(meta->flags & DP_META_VLAN))
		return set(b, i, ACT_DROP, DP_DROP_VLAN_UNKNOWN);
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, mine))) {
		bool ok = (meta->flags & DP_META_BCAST) ? meta->l3 == DP_L3_ARP
			: (meta->flags & DP_META_MCAST) ? meta->l3 == DP_L3_IPV6 && is_nd(meta)
			: false;
		if (!ok)
			return set(b, i, ACT_DROP, DP_DROP_NOT_OUR_MAC);
	}
	switch (meta->l3) {
	case DP_L3_ARP:
		return set(b, i, ACT_PUNT, DP_PUNT_LOCAL);
	case DP_L3_IPV4:
		set(b, i, ACT_ROUTE, 0);
		b->v4[b->n4++] = i;
		return;
	case DP_L3_IPV6:
		if (unlikely(meta->key.k6.dst[0] == 0xff))
			return is_nd(meta) ? set(b, i, ACT_PUNT, DP_PUNT_LOCAL)
					   : set(b, i, ACT_DROP, DP_DROP_LOCAL_UNHANDLED);
		set(b, i, ACT_ROUTE, 0);
		b->v6[b->n6++] = i;
		return;
	default:
		return set(b, i, ACT_DROP, DP_DROP_ETHERTYPE);
	}
}

/* ACL over one family's list; what it refuses is dropped and leaves the list. */
static void
acl_filter(struct dp_worker *w, const struct dp_tables *t, struct burst *b, uint16_t *idx, uint16_t *n,
	   uint8_t l3, uint64_t now)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_meta *meta[DP_BURST];
	uint8_t verdict[DP_BURST];
	uint16_t k = 0;

	if (*n == 0 || (t->acl == NULL && !t->acl_default_deny))
		return;
	if (t->acl == NULL) {
		for (uint16_t j = 0; j < *n; j++)
			set(b, idx[j], ACT_DROP, DP_DROP_ACL_DENY);
		*n = 0;
		return;
	}
	for (uint16_t j = 0; j < *n; j++) {
		pkts[j] = b->pkts[idx[j]];
		meta[j] = b->meta[idx[j]];
	}
	dp_acl_classify(t->acl, t->acl_worker[w->index], l3, pkts, meta, *n, verdict, now);
	for (uint16_t j = 0; j < *n; j++) {
		if (verdict[j])
			set(b, idx[j], ACT_DROP, verdict[j]);
		else
			idx[k++] = idx[j];
	}
	*n = k;
}

/* Verdict of one routed packet, given its LPM result (group index, or -1 for a miss). */
static inline void
route_one(const struct dp_fib *fib, struct burst *b, uint16_t i, int32_t group)
{
	struct dp_meta *meta = b->meta[i];
	const struct dp_group *g;
	uint32_t nh;
	uint64_t word;

	if (group < 0)
		return set(b, i, ACT_PUNT, DP_PUNT_NOROUTE);
	g = &fib->groups[group];
	switch (g->type) {
	case DP_GROUP_LOCAL:
		return set(b, i, ACT_PUNT, DP_PUNT_LOCAL);
	case DP_GROUP_DROP:
		return set(b, i, ACT_DROP, DP_DROP_BLACKHOLE);
	default:
		break;
	}
	if (meta->ttl <= 1)
		return set(b, i, ACT_PUNT, DP_PUNT_TTL);
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
			return set(b, i, ACT_PUNT, DP_PUNT_RESOLVE);
		}
	}
	word = __atomic_load_n(&fib->nh[nh], __ATOMIC_ACQUIRE);
	meta->out_port = (uint8_t)dp_nh_port(word);
	if (unlikely(!(word & DP_NH_RESOLVED))) {
		meta->nh = nh;
		return set(b, i, ACT_PUNT, DP_PUNT_RESOLVE);
	}
	b->word[i] = word;
	set(b, i, ACT_TX, 0);
}

static void
route4(const struct dp_fib *fib, struct burst *b)
{
	uint32_t ips[DP_BURST], hops[DP_BURST];

	if (b->n4 == 0)
		return;
	for (uint16_t j = 0; j < b->n4; j++)
		ips[j] = rte_be_to_cpu_32(b->meta[b->v4[j]]->key.k4.dst);
	rte_lpm_lookup_bulk(fib->lpm4, ips, hops, b->n4);
	for (uint16_t j = 0; j < b->n4; j++)
		route_one(fib, b, b->v4[j],
			  (hops[j] & RTE_LPM_LOOKUP_SUCCESS) ? (int32_t)(hops[j] & 0x00ffffff) : -1);
}

static void
route6(const struct dp_fib *fib, struct burst *b)
{
	uint8_t ips[DP_BURST][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t hops[DP_BURST];

	if (b->n6 == 0)
		return;
	for (uint16_t j = 0; j < b->n6; j++)
		memcpy(ips[j], b->meta[b->v6[j]]->key.k6.dst, 16);
	rte_lpm6_lookup_bulk_func(fib->lpm6, ips, hops, b->n6);
	for (uint16_t j = 0; j < b->n6; j++)
		route_one(fib, b, b->v6[j], hops[j]);
}

/* Act on every verdict in arrival order. */
static void
dispatch(struct dp_worker *w, const struct dp_fib *fib, struct burst *b, uint64_t arrival)
{
	struct rte_mbuf *drop[DP_BURST], *punt[DP_BURST];
	uint16_t n_drop = 0, n_punt = 0;
	unsigned sent = 0;

	for (uint16_t i = 0; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];

		switch (b->act[i]) {
		case ACT_TX:
			dp_l3_rewrite(m, b->meta[i], b->word[i], &fib->port_mac[b->meta[i]->out_port]);
			dp_tx_enqueue(w, b->meta[i]->out_port, m, arrival);
			break;
		case ACT_PUNT:
			b->meta[i]->punt = b->why[i];
			*dp_meta_of(m) = *b->meta[i];
			punt[n_punt++] = m;
			break;
		default:
			w->drops[b->why[i]]++;
			drop[n_drop++] = m;
			break;
		}
	}
	if (n_punt) {
		sent = rte_ring_mp_enqueue_burst(w->punt, (void **)punt, n_punt, NULL);
		for (unsigned k = 0; k < sent; k++) {
			unsigned why = dp_meta_of(punt[k])->punt;
			w->punted[why]++;
			/* for the data path these end here; the control thread answers them */
			if (why == DP_PUNT_TTL)
				w->drops[DP_DROP_TTL_EXPIRED]++;
			else if (why == DP_PUNT_NOROUTE)
				w->drops[DP_DROP_NO_ROUTE]++;
		}
		for (unsigned k = sent; k < n_punt; k++) {
			w->drops[DP_DROP_PUNT_FULL]++;
			drop[n_drop++] = punt[k];
		}
	}
	if (n_drop)
		rte_pktmbuf_free_bulk(drop, n_drop);
}

void
dp_l3_burst(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq,
	    struct rte_mbuf **pkts, uint16_t n, uint64_t arrival)
{
	const struct dp_fib *fib = t->fib;
	const struct rte_ether_addr *mine = &fib->port_mac[rxq->port];
	struct burst b;

	b.n = n;
	b.pkts = pkts;
	b.n4 = b.n6 = 0;
	for (uint16_t i = 0; i < n && i < PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct dp_meta *meta = &b.store[i];
		int why;

		if (i + PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
		b.meta[i] = meta;
		why = dp_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), m->ol_flags, meta);
		if (unlikely(why != 0)) {
			set(&b, i, ACT_DROP, (unsigned)why);
			continue;
		}
		meta->in_port = (uint8_t)rxq->port;
		classify(&b, i, mine);
	}
	acl_filter(w, t, &b, b.v4, &b.n4, DP_L3_IPV4, arrival);
	acl_filter(w, t, &b, b.v6, &b.n6, DP_L3_IPV6, arrival);
	route4(fib, &b);
	route6(fib, &b);
	dispatch(w, fib, &b, arrival);
}
