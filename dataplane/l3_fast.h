/* The l3 fast paths' parts: the FIB as their loops read it, the route of a plain frame, TX. */
#ifndef DP_L3_FAST_H
#define DP_L3_FAST_H

#include <rte_lpm6.h>
#include <rte_prefetch.h>

#include "fib.h"
#include "l3_rewrite.h"
#include "tx.h"
#include "worker_state.h"

/* The FIB as the fast loops read it: the rewrites store through uint8_t
 * pointers, which may alias anything, so these live in locals. */
struct fast_fib {
	const struct dp_lpm4 *lpm;
	struct rte_lpm6 *lpm6;
	const struct dp_group *groups;
	const uint64_t *nh;
	uint8_t *used;
	const uint32_t *frame_max;
	uint32_t frame_min;
};

#define FAST_FIB(fib)                                                                                 \
	{                                                                                             \
		(fib)->lpm4, (fib)->lpm6, (fib)->groups, (fib)->nh, (fib)->nh_used, (fib)->frame_max, \
			(fib)->frame_min                                                              \
	}

/* The word of next hop nh when it is resolved and its port takes a frame of len bytes. */
static inline bool
fast_nh(const struct fast_fib *ff, uint32_t nh, uint32_t len, uint64_t *word)
{
	*word = __atomic_load_n(&ff->nh[nh], __ATOMIC_ACQUIRE);
	if (unlikely(!(*word & DP_NH_RESOLVED)))
		return false;
	/* every port takes a frame of frame_min bytes: one compare for the common size */
	if (unlikely(len > ff->frame_min) && len > ff->frame_max[dp_nh_port(*word)])
		return false;
	dp_nh_touch(ff->used, nh);
	return true;
}

/* The next-hop word of LPM result (group) hop when it is one resolved next
 * hop whose port takes a frame of len bytes. */
static inline bool
fast_group(const struct fast_fib *ff, uint32_t hop, uint32_t len, uint64_t *word)
{
	const struct dp_group *g = &ff->groups[hop];

	if (unlikely(g->type != DP_GROUP_FORWARD || g->n != 1))
		return false;
	return fast_nh(ff, g->nh[0], len, word);
}

#define PREFETCH_AHEAD 4

/* The loops work on packet i: its header is in flight for PREFETCH_AHEAD
 * packets' time (dp_l3_burst prefetched the first ones). */
static inline void
prefetch_ahead(struct rte_mbuf **pkts, uint16_t i, uint16_t n)
{
	if (likely(i + PREFETCH_AHEAD < n))
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PREFETCH_AHEAD], void *));
}

/* The same as fast_route() for a plain IPv6 frame (dp_fast6_ok). */
static inline bool
fast_route6(const struct fast_fib *ff, const uint8_t *f, uint32_t len, uint64_t *word)
{
	uint32_t hop;

	return rte_lpm6_lookup(ff->lpm6, f + 38, &hop) == 0 && fast_group(ff, hop, len, word);
}

/* The next-hop word of a plain IPv4 frame f whose route is one resolved
 * next hop; false for anything else (no route, ECMP, local, blackhole,
 * unresolved), which the general stages decide. No side effect. */
static inline bool
fast_route(const struct fast_fib *ff, const uint8_t *f, uint32_t len, uint64_t *word)
{
	uint32_t dst, hop;

	memcpy(&dst, f + 30, sizeof(dst));
	if (unlikely(dp_lpm4_lookup(ff->lpm, rte_be_to_cpu_32(dst), &hop) != 0))
		return false;
	return fast_group(ff, hop, len, word);
}

/* Queue the first n packets for TX on out[i], in one go when one port takes them all. */
static inline void
fast_send(struct dp_worker *w, struct rte_mbuf **pkts, const uint8_t *out, uint16_t n, bool mixed,
	  uint64_t arrival, uint64_t bytes)
{
	if (likely(n > 0 && !mixed))
		dp_tx_enqueue_burst(w, out[0], pkts, n, arrival, bytes);
	else
		for (uint16_t k = 0; k < n; k++)
			dp_tx_enqueue(w, out[k], pkts[k], arrival);
}

/* One packet of fast_burst_acl's route loop: a plain IPv4 frame routed to one resolved next hop,
 * its word and ACL key; false for anything else. */
static __rte_always_inline bool
fast_route4_one(const struct fast_fib *ff, struct rte_mbuf *m, uint64_t mac48, uint64_t *word,
		struct dp_acl_key4 *key)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	if (unlikely(!dp_fast4_ok(f, rte_pktmbuf_data_len(m), m->ol_flags, mac48)) ||
	    unlikely(!fast_route(ff, f, m->pkt_len, word)))
		return false;
	dp_fast4_key(f, key);
	return true;
}

/*
 * One packet of the plain fast path: a plain IPv4 or IPv6 frame (dp_fast4_ok, dp_fast6_ok)
 * whose route is one resolved next hop is rewritten for it, its egress port in *out. False for
 * anything else, the frame untouched: the general stages decide.
 */
static __rte_always_inline bool
fast_one(const struct fast_fib *ff, const struct rte_ether_addr *port_mac, struct rte_mbuf *m, uint64_t mac48,
	 uint8_t *out)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t word;
	uint16_t type;

	/* the EtherType picks the family's test (the frame's buffer has 14 bytes whatever its length) */
	memcpy(&type, f + 12, sizeof(type));
	if (likely(type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		if (unlikely(!dp_fast4_ok(f, rte_pktmbuf_data_len(m), m->ol_flags, mac48)) ||
		    unlikely(!fast_route(ff, f, m->pkt_len, &word)))
			return false;
		*out = (uint8_t)dp_nh_port(word);
		dp_l3_rewrite4(f, word, &port_mac[*out]);
		return true;
	}
	if (!dp_fast6_ok(f, rte_pktmbuf_data_len(m), mac48) ||
	    unlikely(!fast_route6(ff, f, m->pkt_len, &word)))
		return false;
	*out = (uint8_t)dp_nh_port(word);
	dp_l3_rewrite6(f, word, &port_mac[*out]);
	return true;
}

#endif
