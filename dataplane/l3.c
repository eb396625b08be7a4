/* mode: l3 over one RX burst: L2/local check -> stages (ACL) -> LPM (ECMP) -> rewrite -> TX; slow path via the punt ring. */
#include <arpa/inet.h>

#include <rte_lpm6.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "ct_stage.h"
#include "l3.h"
#include "l3_fast.h"
#include "l3_vec.h"
#include "lb.h"
#include "tables.h"
#include "tx.h"
#include "worker_state.h"

bool dp_l3_fast = true;

static inline bool
is_nd(const struct dp_meta *meta)
{
	return meta->key.k6.proto == IPPROTO_ICMPV6 && meta->l4_off && meta->icmp_type >= 133 &&
	       meta->icmp_type <= 137;
}

/* Link-local multicast a routing daemon on the host interface wants (OSPF, VRRP, RIP, PIM,
 * MLD...): IPv4 224.0.0.0/24, IPv6 ff02::/16. */
static inline bool
host_mcast(const struct dp_meta *meta)
{
	const uint8_t *d4 = (const uint8_t *)&meta->key.k4.dst;

	if (meta->l3 == DP_L3_IPV4)
		return d4[0] == 224 && d4[1] == 0 && d4[2] == 0;
	return meta->l3 == DP_L3_IPV6 && meta->key.k6.dst[0] == 0xff && (meta->key.k6.dst[1] & 0x0f) == 0x02;
}

/* L2 and local decisions; IP packets to route go on the family lists. host: the port
 * has a host interface (multicast for it is punted, not dropped). */
static inline void
classify(struct dp_burst *b, uint16_t i, const struct rte_ether_addr *mine, bool host)
{
	const struct dp_meta *meta = &b->meta[i];
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(b->pkts[i], const struct rte_ether_hdr *);

	if (unlikely(meta->flags & DP_META_VLAN))
		return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_VLAN_UNKNOWN);
	if (unlikely(!rte_is_same_ether_addr(&eth->dst_addr, mine))) {
		bool ok = (meta->flags & DP_META_BCAST)   ? meta->l3 == DP_L3_ARP
			  : (meta->flags & DP_META_MCAST) ? meta->l3 == DP_L3_IPV6 && is_nd(meta)
							  : false;
		if (!ok) {
			if (host && (meta->flags & DP_META_MCAST) && host_mcast(meta))
				return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_LOCAL);
			return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_NOT_OUR_MAC);
		}
	}
	switch (meta->l3) {
	case DP_L3_ARP:
		return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_LOCAL);
	case DP_L3_IPV4:
		dp_burst_set(b, i, DP_ACT_ROUTE, 0);
		b->dst4[b->n4] = rte_be_to_cpu_32(meta->key.k4.dst);
		b->v4[b->n4++] = i;
		return;
	case DP_L3_IPV6:
		if (unlikely(meta->key.k6.dst[0] == 0xff))
			return is_nd(meta) || (host && host_mcast(meta))
				       ? dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_LOCAL)
				       : dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_LOCAL_UNHANDLED);
		/* unicast NS/NA (NUD probes, solicited answers): link-scope, never routed, and the
		 * neighbour table's business before any ACL (acl_default deny must not cut IPv6's ARP) */
		if (unlikely(is_nd(meta)))
			return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_LOCAL);
		dp_burst_set(b, i, DP_ACT_ROUTE, 0);
		b->v6[b->n6++] = i;
		return;
	default:
		return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_ETHERTYPE);
	}
}

/* Metadata for the plain IPv4 packets of the v4 list, which had none yet. */
static void
fill_fast(struct dp_burst *b, uint8_t in_port)
{
	for (uint16_t j = 0; j < b->n4; j++) {
		uint16_t i = b->v4[j];

		if (b->act[i] == DP_ACT_ROUTE_FAST) {
			dp_fast4_fill(rte_pktmbuf_mtod(b->pkts[i], const uint8_t *), &b->meta[i]);
			b->meta[i].in_port = in_port;
			b->meta[i].encap = 0;
			b->act[i] = DP_ACT_ROUTE;
		}
	}
}

/*
 * A source that may reach us but is never forwarded (RFC 1812 5.3.7, RFC
 * 4291 2.5.2, 2.5.6): IPv4 0/8 (a DHCP client's 0.0.0.0 is local business),
 * IPv6 :: and link-local. Multicast and loopback sources dp_parse() dropped.
 * The drop reason, or 0.
 */
static inline unsigned
src_not_forwarded(const struct dp_meta *meta)
{
	static const uint8_t zero[16];
	const uint8_t *s;

	if (meta->l3 == DP_L3_IPV4)
		return ((const uint8_t *)&meta->key.k4.src)[0] == 0 ? DP_DROP_IPV4_SRC_THIS_NET : 0;
	s = meta->key.k6.src;
	if (s[0] == 0xfe && (s[1] & 0xc0) == 0x80)
		return DP_DROP_IPV6_SRC_LINK_LOCAL;
	return s[0] == 0 && memcmp(s, zero, 16) == 0 ? DP_DROP_IPV6_SRC_UNSPEC : 0;
}

/* Is packet i's frame longer than its egress port (meta's out_port) sends? */
static inline bool
too_big(const struct dp_fib *fib, const struct dp_burst *b, uint16_t i)
{
	return b->pkts[i]->pkt_len > fib->frame_max[b->meta[i].out_port];
}

/* The next hop of host dst on connected port (a GLEAN group), DP_NO_NH when it has none yet: most
 * of a scan of the subnet stops at an empty slot, most known hosts at their slot's hint
 * (DP_GLEAN_SLOTS); the hash answers the rest. */
static inline uint32_t
glean_nh(const struct dp_fib *fib, unsigned port, const uint8_t *dst, int l3)
{
	uint32_t nh = __atomic_load_n(&fib->glean_hint[dp_glean_slot(port, dst, l3)], __ATOMIC_ACQUIRE);

	if (nh == DP_NO_NH)
		return DP_NO_NH;
	if (nh != DP_GLEAN_MANY && dp_glean_is(fib, nh, port, dst, l3))
		return nh;
	return dp_fib_neigh_lookup(fib, port, dst, l3);
}

/* Verdict of one routed packet, given its LPM result (group index, or -1 for a miss). */
static inline void
route_one(const struct dp_fib *fib, struct dp_burst *b, uint16_t i, int32_t group)
{
	struct dp_meta *meta = &b->meta[i];
	const struct dp_group *g = NULL;
	unsigned why;
	uint32_t nh;
	uint64_t word;

	if (group >= 0) {
		g = &fib->groups[group];
		switch (g->type) {
		case DP_GROUP_LOCAL:
			return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_LOCAL);
		case DP_GROUP_DROP: /* a blackhole route or a martian destination */
			return dp_burst_set(b, i, DP_ACT_DROP, g->why);
		default:
			break;
		}
	}
	/* to be forwarded (or answered with an error) from here on */
	if (unlikely((why = src_not_forwarded(meta)) != 0))
		return dp_burst_set(b, i, DP_ACT_DROP, why);
	if (g == NULL)
		return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_NOROUTE);
	if (meta->ttl <= 1)
		return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_TTL);
	if (g->type == DP_GROUP_FORWARD) {
		uint32_t h = 0;
		if (g->n > 1)
			h = meta->l3 == DP_L3_IPV4 ? dp_flow_hash4(&meta->key.k4)
						   : dp_flow_hash6(&meta->key.k6);
		nh = g->nh[dp_ecmp_pick(h, g->n)];
	} else { /* GLEAN: the destination is on a connected subnet */
		const uint8_t *dst = meta->l3 == DP_L3_IPV4 ? (const uint8_t *)&meta->key.k4.dst
							    : meta->key.k6.dst;

		nh = glean_nh(fib, g->port, dst, meta->l3);
		if (nh == DP_NO_NH) {
			/* a scan of the subnet: the control thread would refuse it */
			if (unlikely(__atomic_load_n(&fib->glean_full[g->port], __ATOMIC_RELAXED)))
				return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_NEIGH_TABLE_FULL);
			meta->nh = DP_NO_NH;
			meta->out_port = g->port;
			return dp_burst_set(b, i, DP_ACT_PUNT,
					    too_big(fib, b, i) ? DP_PUNT_MTU : DP_PUNT_RESOLVE);
		}
	}
	word = __atomic_load_n(&fib->nh[nh], __ATOMIC_ACQUIRE);
	meta->out_port = (uint8_t)dp_nh_port(word);
	meta->nh = nh;
	/* larger than the egress MTU: the slow path fragments it or says so (ICMP), resolved or not */
	if (unlikely(too_big(fib, b, i)))
		return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_MTU);
	if (unlikely(!(word & DP_NH_RESOLVED))) {
		if (word & DP_NH_NOPUNT)
			return dp_burst_set(b, i, DP_ACT_DROP, DP_DROP_NEIGH_QUEUE_FULL);
		return dp_burst_set(b, i, DP_ACT_PUNT, DP_PUNT_RESOLVE);
	}
	dp_nh_touch(fib->nh_used, nh);
	b->word[i] = word;
	dp_burst_set(b, i, DP_ACT_TX, 0);
}

/*
 * IPv4 LPM over the v4 list. The common outcome (one resolved next hop, and
 * TTL > 1) is decided here; anything else gets its metadata and route_one().
 */
static void
route4(const struct dp_fib *fib, struct dp_burst *b, const uint32_t *hops, uint8_t in_port)
{
	const struct fast_fib ff = FAST_FIB(fib);

	for (uint16_t j = 0; j < b->n4; j++) {
		uint16_t i = b->v4[j];
		bool fast = b->act[i] == DP_ACT_ROUTE_FAST;
		int32_t group = -1;
		uint64_t word;

		if (likely(hops[j] & DP_LPM4_LOOKUP_SUCCESS)) {
			group = (int32_t)(hops[j] & DP_LPM4_NH_MASK);
			/* a packet dp_fast4_ok() did not take: TTL and source (0/8) are checked here */
			if (likely((fast || (b->meta[i].ttl > 1 &&
					     ((const uint8_t *)&b->meta[i].key.k4.src)[0] != 0)) &&
				   fast_group(&ff, (uint32_t)group, b->pkts[i]->pkt_len, &word))) {
				b->word[i] = word;
				b->act[i] = fast ? DP_ACT_TX_FAST : DP_ACT_TX;
				continue;
			}
		}
		if (fast) {
			dp_fast4_fill(rte_pktmbuf_mtod(b->pkts[i], const uint8_t *), &b->meta[i]);
			b->meta[i].in_port = in_port;
			b->meta[i].encap = 0;
		}
		route_one(fib, b, i, group);
	}
}

static void
route6(const struct dp_fib *fib, struct dp_burst *b)
{
	uint8_t ips[DP_BURST][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t hops[DP_BURST];

	if (b->n6 == 0)
		return;
	for (uint16_t j = 0; j < b->n6; j++)
		memcpy(ips[j], b->meta[b->v6[j]].key.k6.dst, 16);
	rte_lpm6_lookup_bulk_func(fib->lpm6, ips, hops, b->n6);
	for (uint16_t j = 0; j < b->n6; j++)
		route_one(fib, b, b->v6[j], hops[j]);
}

/* Act on every verdict from packet start on, in arrival order; the packets handed to the slow
 * path. */
static unsigned
dispatch(struct dp_worker *w, const struct dp_fib *fib, struct dp_burst *b, uint16_t start, uint64_t arrival)
{
	struct rte_mbuf *drop[DP_BURST], *punt[DP_BURST];
	uint16_t n_drop = 0, n_punt = 0;
	unsigned sent = 0;

	for (uint16_t i = start; i < b->n; i++) {
		struct rte_mbuf *m = b->pkts[i];

		unsigned port;

		switch (b->act[i]) {
		case DP_ACT_TX_FAST:
			port = dp_nh_port(b->word[i]);
			dp_l3_rewrite4(rte_pktmbuf_mtod(m, uint8_t *), b->word[i], &fib->port_mac[port]);
			dp_tx_enqueue(w, port, m, arrival);
			break;
		case DP_ACT_TX:
			port = dp_nh_port(b->word[i]);
			dp_l3_rewrite(m, &b->meta[i], b->word[i], &fib->port_mac[port]);
			dp_tx_enqueue(w, port, m, arrival);
			break;
		case DP_ACT_PUNT:
			b->meta[i].punt = b->why[i];
			*dp_meta_of(m) = b->meta[i];
			dp_priv_of(m)->arrival = arrival;
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
		if (sent && w->bell != NULL && dp_doorbell_ring(w->bell))
			w->doorbells++;
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
	return sent;
}

/* Anything but plain IPv4: parsed and checked in full. */
static __rte_always_inline void
full_pass(struct dp_burst *b, uint16_t i, uint8_t in_port, const struct rte_ether_addr *mine, bool host)
{
	struct rte_mbuf *m = b->pkts[i];
	struct dp_meta *meta = &b->meta[i];
	int why;

	meta->in_port = in_port;
	meta->encap = 0;
	why = dp_parse(rte_pktmbuf_mtod(m, const uint8_t *), rte_pktmbuf_data_len(m), m->ol_flags, meta);
	if (unlikely(why != 0))
		return dp_burst_set(b, i, DP_ACT_DROP, (unsigned)why);
	classify(b, i, mine, host);
}

/*
 * The common case without an ACL, in one pass: plain IPv4 or IPv6
 * (dp_fast4_ok, dp_fast6_ok) whose route is one resolved next hop is looked
 * up and rewritten at once.
 * Stops at the first packet that needs more; what it did is queued for TX.
 * Returns how many packets it handled (adding their bytes); the general
 * stages take the rest, in order. The scalar reference of the group paths (l3_vec.c).
 */
static inline uint16_t
fast_burst(struct dp_worker *w, const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n, uint64_t mac48,
	   uint64_t arrival, uint64_t *bytes)
{
	const struct fast_fib ff = FAST_FIB(fib);
	const struct rte_ether_addr *port_mac = fib->port_mac;
	uint8_t out[DP_BURST];
	uint64_t sum = 0;
	bool mixed = false;
	uint16_t i;

	for (i = 0; i < n; i++) {
		prefetch_ahead(pkts, i, n);
		if (unlikely(!fast_one(&ff, port_mac, pkts[i], mac48, &out[i])))
			break;
		if (unlikely(out[i] != out[0]))
			mixed = true;
		sum += pkts[i]->pkt_len;
	}
	*bytes += sum;
	fast_send(w, pkts, out, i, mixed, arrival, sum);
	return i;
}

/*
 * The same with an IPv4 ACL: route the leading plain IPv4 packets (no side
 * effect yet), then let the ACL's result cache pass the leading run it
 * knows to be permitted (dp_acl_permit_run4 counts their rule hits); only
 * those are rewritten and sent. The rest, from the first packet the cache
 * does not know, denies or polices, takes the general stages.
 */
static inline uint16_t
fast_burst_acl(struct dp_worker *w, const struct dp_tables *t, struct rte_mbuf **pkts, uint16_t n,
	       uint64_t mac48, uint64_t arrival, uint64_t *bytes)
{
	const struct dp_fib *fib = t->fib;
	const struct fast_fib ff = FAST_FIB(fib);
	struct dp_acl_key4 keys[DP_BURST];
	uint64_t words[DP_BURST];
	uint8_t out[DP_BURST];
	uint64_t sum = 0;
	bool mixed = false;
	uint16_t i, n_ok;

#ifdef RTE_ARCH_X86
	/* groups of 4 where x8 runs too: this loop's x8 copy measured 5 % slower than x4 with a 1k
	 * ACL (docs/BENCHMARKS.md, issue 17), and the ACL cache works a run at a time anyway */
	if (likely(dp_l3_vec_width >= 4))
		i = dp_l3_route4_x4(fib, pkts, n, mac48, words, keys);
	else
#endif
		for (i = 0; i < n; i++) {
			prefetch_ahead(pkts, i, n);
			if (unlikely(!fast_route4_one(&ff, pkts[i], mac48, &words[i], &keys[i])))
				break;
		}
	n_ok = i == 0 ? 0 : dp_acl_permit_run4(t->acl.compiled, t->acl.worker[w->index], keys, pkts, i);
	for (i = 0; i < n_ok; i++) {
		out[i] = (uint8_t)dp_nh_port(words[i]);
		if (unlikely(out[i] != out[0]))
			mixed = true;
		sum += pkts[i]->pkt_len;
		dp_l3_rewrite4(rte_pktmbuf_mtod(pkts[i], uint8_t *), words[i], &fib->port_mac[out[i]]);
	}
	*bytes += sum;
	fast_send(w, pkts, out, n_ok, mixed, arrival, sum);
	return n_ok;
}

/*
 * The route of destination dst (network order) when the fast paths can send there: fast_route's,
 * and a connected host (GLEAN) whose neighbour is resolved, as route_one finds it. No side effect
 * but dp_nh_touch.
 */
static inline bool
fast_route_dst(const struct dp_fib *fib, const struct fast_fib *ff, uint32_t dst, uint32_t len,
	       uint64_t *word)
{
	const struct dp_group *g;
	uint32_t hop, nh;

	if (unlikely(dp_lpm4_lookup(ff->lpm, rte_be_to_cpu_32(dst), &hop) != 0))
		return false;
	g = &ff->groups[hop];
	if (g->type != DP_GROUP_GLEAN)
		return fast_group(ff, hop, len, word);
	nh = glean_nh(fib, g->port, (const uint8_t *)&dst, DP_L3_IPV4);
	return nh != DP_NO_NH && fast_nh(ff, nh, len, word);
}

/*
 * The load balancer alone: the leading plain IPv4 packets, those to a VIP encapsulated to their
 * backend (dp_lb_fast), routed on their (outer) destination and rewritten. Stops where
 * dp_lb_fast or the route does; the general stages take the rest (a packet encapsulated here
 * but not routed is routed there as the IPIP/GUE packet it now is).
 */
static inline uint16_t
fast_burst_lb(struct dp_worker *w, const struct dp_tables *t, struct rte_mbuf **pkts, uint16_t n,
	      uint64_t mac48, uint64_t arrival, uint64_t *bytes)
{
	const struct fast_fib ff = FAST_FIB(t->fib);
	const struct rte_ether_addr *port_mac = t->fib->port_mac;
	uint32_t rx_len[DP_BURST];
	uint8_t out[DP_BURST];
	uint64_t sum = 0, rx = 0;
	bool mixed = false;
	uint16_t i, k;

	for (i = 0; i < n; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

		prefetch_ahead(pkts, i, n);
		if (unlikely(!dp_fast4_ok(f, rte_pktmbuf_data_len(pkts[i]), pkts[i]->ol_flags, mac48)))
			break;
		rx_len[i] = pkts[i]->pkt_len;
	}
	k = dp_lb_fast(t->lb, w, pkts, i, ff.frame_min, arrival);
	for (i = 0; i < k; i++) {
		struct rte_mbuf *m = pkts[i];
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
		uint64_t word;
		uint32_t dst;

		/* backends are often on a connected subnet: a resolved neighbour there goes too */
		memcpy(&dst, f + 30, sizeof(dst));
		if (unlikely(!fast_route_dst(t->fib, &ff, dst, m->pkt_len, &word)))
			break;
		out[i] = (uint8_t)dp_nh_port(word);
		dp_l3_rewrite4(f, word, &port_mac[out[i]]);
		if (unlikely(out[i] != out[0]))
			mixed = true;
		sum += m->pkt_len;
		rx += rx_len[i];
	}
	*bytes += rx;
	fast_send(w, pkts, out, i, mixed, arrival, sum);
	return i;
}

/*
 * Connection tracking (and NAT) with an ACL that permits every established packet, or none: the
 * leading plain IPv4 packets of established connections (dp_ct_fast_find) are routed on their
 * translated destination, then committed (state, timer, translation), counted on the ACL rule
 * that permits them, rewritten and sent. Four passes over the burst so that the bucket and entry
 * misses of one packet overlap the others'. The general stages take the rest, from the first
 * packet a step refuses, with what the passes learnt of them (cf, hint).
 */
static inline uint16_t
fast_burst_ct(struct dp_worker *w, const struct dp_tables *t, struct rte_mbuf **pkts, uint16_t n,
	      uint64_t mac48, uint64_t arrival, uint64_t *bytes, struct dp_ct_fast *cf,
	      struct dp_ct_hint *hint)
{
	const struct dp_fib *fib = t->fib;
	const struct fast_fib ff = FAST_FIB(fib);
	struct ct_table *tab = t->ct.table;
	uint16_t n_est = 0;
	uint64_t words[DP_BURST];
	uint8_t out[DP_BURST];
	uint64_t sum = 0;
	bool mixed = false;
	uint16_t i, n_key, n_ok;

	for (i = 0; i < n; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

		prefetch_ahead(pkts, i, n);
		if (unlikely(!dp_fast4_ok(f, rte_pktmbuf_data_len(pkts[i]), pkts[i]->ol_flags, mac48)))
			break;
		dp_ct_fast_key(tab, f, &cf[i]);
	}
	n_key = i;
	hint->pkt = cf;
	hint->n = n_key;
	/* every entry's lines at once: their misses overlap (a table of 1 M connections is not
	 * in cache) */
	for (i = 0; i < n_key; i++)
		ct_prefetch_entry(tab, cf[i].hash);
	for (i = 0; i < n_key; i++) {
		const uint8_t *f = rte_pktmbuf_mtod(pkts[i], const uint8_t *);

		if (!dp_ct_fast_find(tab, f, &cf[i], arrival, t->ct.any_state) ||
		    !fast_route_dst(fib, &ff, cf[i].dst, pkts[i]->pkt_len, &words[i]))
			break;
	}
	n_key = i;
	for (n_ok = 0; n_ok < n_key; n_ok++) {
		struct rte_mbuf *m = pkts[n_ok];

		if (unlikely(!dp_ct_fast_commit(tab, w, m, &cf[n_ok], arrival)))
			break;
		out[n_ok] = (uint8_t)dp_nh_port(words[n_ok]);
		if (unlikely(out[n_ok] != out[0]))
			mixed = true;
		sum += m->pkt_len;
		n_est += cf[n_ok].ct_state == HP_CT_ESTABLISHED;
		dp_l3_rewrite4(rte_pktmbuf_mtod(m, uint8_t *), words[n_ok], &fib->port_mac[out[n_ok]]);
	}
	w->ct_state[__builtin_ctz(HP_CT_ESTABLISHED)] += n_est;
	w->ct_state[__builtin_ctz(HP_CT_NEW)] += n_ok - n_est;
	w->ct_fast += n_ok;
	/* est_acl > 0: the rule that permits every established packet (any_state: no rule) */
	if (n_ok > 0 && t->ct.est_acl > 0)
		dp_acl_count(t->acl.worker[w->index], (uint32_t)t->ct.est_acl - 1, n_ok, sum);
	*bytes += sum;
	fast_send(w, pkts, out, n_ok, mixed, arrival, sum);
	return n_ok;
}

/*
 * Every packet from start on gets a verdict: plain IPv4 goes on the v4 list
 * without metadata, the rest takes the full pass; then the stages the
 * tables turn on (the ACL), LPM, dispatch. Returns the bytes of packets
 * start..n-1. timed (a constant): the nodes counted (dataplane/nodes.h).
 */
static __rte_always_inline uint64_t
general_impl(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq, struct rte_mbuf **pkts,
	     uint16_t n, uint16_t start, uint64_t mac48, uint64_t arrival, const struct dp_ct_hint *hint,
	     const bool timed)
{
	const struct dp_fib *fib = t->fib;
	const struct rte_ether_addr *mine = &fib->port_mac[rxq->port];
	const uint8_t in_port = (uint8_t)rxq->port;
	const bool host = fib->host_mcast[rxq->port];
	const bool fast = dp_l3_fast;
	uint32_t hops[DP_BURST];
	uint64_t bytes = 0;
	struct dp_burst b;
	struct dp_ct_burst cb; /* written and read only with DP_FEAT_CT */

	b.n = n;
	b.pkts = pkts;
	b.n4 = b.n6 = 0;
	for (uint16_t i = start; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		uint32_t dst;

		prefetch_ahead(pkts, i, n);
		bytes += m->pkt_len;
		if (!fast || !dp_fast4_ok(f, rte_pktmbuf_data_len(m), m->ol_flags, mac48)) {
			full_pass(&b, i, in_port, mine, host);
			continue;
		}
		memcpy(&dst, f + 30, sizeof(dst));
		b.act[i] = DP_ACT_ROUTE_FAST;
		b.dst4[b.n4] = rte_be_to_cpu_32(dst);
		b.v4[b.n4++] = i;
	}
	/* the stages a table set turns on, in order; each reads the keys (conntrack writes the
	 * state the ACL matches and the destination NAT gives the LPM) */
	if (t->features != 0)
		fill_fast(&b, in_port);
	if (timed)
		dp_node_mark(&w->prof, DP_NODE_PARSE, (unsigned)(n - start));
	if (t->features != 0) {
		if (t->features & DP_FEAT_CT) {
			unsigned k = (unsigned)(b.n4 + b.n6);

			dp_ct_pre(&t->ct, w, &b, &cb, arrival, hint);
			if (timed)
				dp_node_mark(&w->prof, DP_NODE_CT, k);
		}
		if (t->features & (DP_FEAT_ACL | DP_FEAT_ACL_DENY)) {
			unsigned k = (unsigned)(b.n4 + b.n6);

			dp_acl_stage(&t->acl, w->index, &b, arrival);
			if (timed)
				dp_node_mark(&w->prof, DP_NODE_ACL, k);
		}
		if (t->features & DP_FEAT_LB) {
			unsigned k = (unsigned)(b.n4 + b.n6);

			dp_lb_stage(t->lb, w, &b, arrival);
			if (timed)
				dp_node_mark(&w->prof, DP_NODE_LB, k);
		}
	}
	{
		unsigned k = (unsigned)(b.n4 + b.n6);

		if (b.n4 > 0)
			dp_lpm4_lookup_bulk(fib->lpm4, b.dst4, hops, b.n4);
		route4(fib, &b, hops, in_port);
		route6(fib, &b);
		if (timed)
			dp_node_mark(&w->prof, DP_NODE_ROUTE, k);
	}
	/* after routing: new connections (SNAT needs the egress port), source NAT */
	if (t->features & DP_FEAT_CT) {
		dp_ct_post(&t->ct, w, &b, &cb, arrival);
		if (timed)
			dp_node_mark(&w->prof, DP_NODE_CT_POST, (unsigned)(n - start));
	}
	{
		unsigned punted = dispatch(w, fib, &b, start, arrival);

		if (timed) {
			dp_node_mark(&w->prof, DP_NODE_DISPATCH, (unsigned)(n - start));
			dp_node_mark(&w->prof, DP_NODE_PUNT, punted);
		}
	}
	return bytes;
}

/* Out of line: the fast loops keep their registers. */
static __rte_noinline uint64_t
general_burst(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq,
	      struct rte_mbuf **pkts, uint16_t n, uint16_t start, uint64_t mac48, uint64_t arrival,
	      const struct dp_ct_hint *hint)
{
	return general_impl(w, t, rxq, pkts, n, start, mac48, arrival, hint, false);
}

static __rte_noinline uint64_t
general_burst_timed(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq,
		    struct rte_mbuf **pkts, uint16_t n, uint16_t start, uint64_t mac48, uint64_t arrival,
		    const struct dp_ct_hint *hint)
{
	return general_impl(w, t, rxq, pkts, n, start, mac48, arrival, hint, true);
}

uint64_t
dp_l3_burst(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq, struct rte_mbuf **pkts,
	    uint16_t n, uint64_t arrival)
{
	uint64_t mac48 = 0, bytes = 0;
	uint16_t start = 0;
	struct dp_ct_fast cf[DP_BURST]; /* fast_burst_ct's, for the general path */
	struct dp_ct_hint hint = {cf, 0};

	memcpy(&mac48, &t->fib->port_mac[rxq->port], RTE_ETHER_ADDR_LEN);
	/* headers are prefetched PREFETCH_AHEAD packets ahead of the loops (one bound: a
	 * loop testing both n and PREFETCH_AHEAD costs two compares a packet) */
	for (uint16_t i = 0, k = RTE_MIN(n, (uint16_t)PREFETCH_AHEAD); i < k; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	if (likely(dp_l3_fast)) {
		enum dp_l3_fast_path fp = t->fast_path;

		if (fp == DP_L3_FAST_CT)
			start = fast_burst_ct(w, t, pkts, n, mac48, arrival, &bytes, cf, &hint);
		else if (fp == DP_L3_FAST_LB)
			start = fast_burst_lb(w, t, pkts, n, mac48, arrival, &bytes);
		else if (fp == DP_L3_FAST_ACL)
			start = fast_burst_acl(w, t, pkts, n, mac48, arrival, &bytes);
#ifdef RTE_ARCH_X86
		else if (fp == DP_L3_FAST_PLAIN && likely(dp_l3_vec_width == 8))
			start = dp_l3_fast_x8(w, t->fib, pkts, n, mac48, arrival, &bytes);
		else if (fp == DP_L3_FAST_PLAIN && dp_l3_vec_width == 4)
			start = dp_l3_fast_x4(w, t->fib, pkts, n, mac48, arrival, &bytes);
#endif
		else if (fp == DP_L3_FAST_PLAIN)
			start = fast_burst(w, t->fib, pkts, n, mac48, arrival, &bytes);
		/* the worker counts its nodes (hpctl runtime): read here, not held across the loops */
		if (unlikely(w->prof.prof != 0))
			dp_node_mark(&w->prof, DP_NODE_FAST, start);
		if (likely(start == n))
			return bytes;
	}
	/* the general path has a timed copy, with its nodes counted; the fast paths, one node, have one */
	if (unlikely(w->prof.prof != 0))
		return bytes + general_burst_timed(w, t, rxq, pkts, n, start, mac48, arrival, &hint);
	return bytes + general_burst(w, t, rxq, pkts, n, start, mac48, arrival, &hint);
}
