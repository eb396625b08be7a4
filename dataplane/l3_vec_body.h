/*
 * The l3 fast paths' group code, for one group width: l3_vec.c includes it for x4 (the
 * baseline, SSE4.2), l3_vec_x8.c for x8 (built with -mavx2: only its two entry points use
 * AVX2, and only where dp_l3_vec_best() found it). Both define VEC_W and VEC(name).
 *
 * A group's W frames are checked first (dp_fast4_ok: the header in one SIMD test), then its W
 * lookups issued together, independent of each other (AVX2: one gather from tbl24), its next-hop
 * words read, and only then its frames rewritten and queued; the next group's headers are
 * prefetched while this one runs, and the loop's bookkeeping is a group's, not a packet's. A
 * group with anything else in it (another family, a frame
 * dp_parse must see, no route, ECMP, an unresolved neighbour, a frame too long) goes through the
 * scalar step (fast_one, the reference loop's body), which stops where the reference stops: the
 * two handle the same packets, and the fuzz targets compare them burst for burst.
 */
#include <rte_vect.h>

#include "l3_fast.h"

#define W_MAX 8

/* Each packet of a group, unrolled: the group's loads and tests become straight-line code. */
#define GROUP_FOR(k) _Pragma("GCC unroll 8") for (unsigned k = 0; k < W; k++)

/*
 * A group of plain IPv4 frames (dp_fast4_ok) routed to one resolved next hop each: true with
 * their frames and words, as W fast_route() calls give; false at the first that is not (the
 * next hops of those before it touched, nothing else done). The W checks first, then the W
 * lookups, whose loads are independent of each other: x8 gathers its tbl24 entries in one go.
 */
static __rte_always_inline bool
group_route4(const struct fast_fib *ff, struct rte_mbuf *const *pkts, const unsigned W, uint64_t mac48,
	     uint8_t **f, uint64_t *words)
{
	GROUP_FOR(k) {
		f[k] = rte_pktmbuf_mtod(pkts[k], uint8_t *);
		if (unlikely(!dp_fast4_ok(f[k], rte_pktmbuf_data_len(pkts[k]), pkts[k]->ol_flags, mac48)))
			return false;
	}
#ifdef __AVX2__
	if (W == 8) {
		const __m256i bswap = _mm256_set_epi8(12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3,
						      12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3);
		uint32_t ip[W_MAX], e[W_MAX];
		__m256i v;

		/* the destinations put together in registers: eight 4-byte stores read back as one
		 * 32-byte load would stall on store forwarding */
		GROUP_FOR(k)
			memcpy(&ip[k], f[k] + 30, 4);
		v = _mm256_shuffle_epi8(_mm256_set_epi32((int)ip[7], (int)ip[6], (int)ip[5], (int)ip[4],
							 (int)ip[3], (int)ip[2], (int)ip[1], (int)ip[0]),
					bswap);
		_mm256_storeu_si256((__m256i *)e, _mm256_i32gather_epi32((const int *)ff->lpm->tbl24,
									 _mm256_srli_epi32(v, 8), 4));
		_mm256_storeu_si256((__m256i *)ip, v);
		GROUP_FOR(k) {
			uint32_t x = e[k];

			if (unlikely(x & DP_LPM4_EXT))
				x = __atomic_load_n(
					&ff->lpm->tbl8[(x & DP_LPM4_NH_MASK) << 8 | (ip[k] & 0xff)],
					__ATOMIC_RELAXED);
			if (unlikely(!(x & DP_LPM4_LOOKUP_SUCCESS)) ||
			    unlikely(!fast_group(ff, x & DP_LPM4_NH_MASK, pkts[k]->pkt_len, &words[k])))
				return false;
		}
		return true;
	}
#endif
	GROUP_FOR(k)
		if (unlikely(!fast_route(ff, f[k], pkts[k]->pkt_len, &words[k])))
			return false;
	return true;
}

/* The same for a group of plain IPv6 frames (dp_fast6_ok): rte_lpm6's bulk lookup over the group. */
static __rte_always_inline bool
group_route6(const struct fast_fib *ff, struct rte_mbuf *const *pkts, const unsigned W, uint64_t mac48,
	     uint8_t **f, uint64_t *words)
{
	uint8_t ips[W_MAX][RTE_LPM6_IPV6_ADDR_SIZE];
	int32_t hop[W_MAX];

	GROUP_FOR(k) {
		f[k] = rte_pktmbuf_mtod(pkts[k], uint8_t *);
		if (!dp_fast6_ok(f[k], rte_pktmbuf_data_len(pkts[k]), mac48))
			return false;
		memcpy(ips[k], f[k] + 38, RTE_LPM6_IPV6_ADDR_SIZE);
	}
	rte_lpm6_lookup_bulk_func(ff->lpm6, ips, hop, W);
	GROUP_FOR(k)
		if (unlikely(hop[k] < 0) ||
		    unlikely(!fast_group(ff, (uint32_t)hop[k], pkts[k]->pkt_len, &words[k])))
			return false;
	return true;
}

/* Prefetch the headers of the group after the one at i (dp_l3_burst fetched the first). */
static __rte_always_inline void
group_prefetch(struct rte_mbuf **pkts, uint16_t i, uint16_t n, const unsigned W)
{
	if (likely(i + 2 * W <= n))
		GROUP_FOR(k)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + W + k], void *));
	else
		for (unsigned k = i + W; k < n; k++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[k], void *));
}

static inline uint16_t
fast_groups(struct dp_worker *w, const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n, uint64_t mac48,
	    uint64_t arrival, uint64_t *bytes)
{
	const unsigned W = VEC_W;
	const struct fast_fib ff = FAST_FIB(fib);
	const struct rte_ether_addr *port_mac = fib->port_mac;
	uint8_t out[RTE_ALIGN_CEIL(DP_BURST, 16)], *f[W_MAX];
	uint64_t words[W_MAX], sum = 0;
	uint32_t diff = 0;
	uint16_t i = 0;

	for (unsigned k = PREFETCH_AHEAD; k < W && k < n; k++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[k], void *));
	while (i + W <= n) {
		bool v4;

		group_prefetch(pkts, i, n, W);
		v4 = group_route4(&ff, pkts + i, W, mac48, f, words);
		if (likely(v4 || group_route6(&ff, pkts + i, W, mac48, f, words))) {
			GROUP_FOR(k) {
				uint8_t p = (uint8_t)dp_nh_port(words[k]);

				if (v4)
					dp_l3_rewrite4(f[k], words[k], &port_mac[p]);
				else
					dp_l3_rewrite6(f[k], words[k], &port_mac[p]);
				out[i + k] = p;
				sum += pkts[i + k]->pkt_len;
			}
			i += W;
			continue;
		}
		/* the group one by one: the first packet the fast path cannot take ends the run */
		for (uint16_t end = i + W; i < end; i++) {
			if (!fast_one(&ff, port_mac, pkts[i], mac48, &out[i]))
				goto done;
			sum += pkts[i]->pkt_len;
		}
	}
	for (; i < n; i++) {
		if (!fast_one(&ff, port_mac, pkts[i], mac48, &out[i]))
			break;
		sum += pkts[i]->pkt_len;
	}
done:
	/* one port for all? 16 ports compared at a time (out[] past i is masked off) */
	for (uint16_t k = 0; k < i; k += 16) {
		__m128i eq = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)&out[k]),
					    _mm_set1_epi8((char)out[0]));

		diff |= ~(uint32_t)_mm_movemask_epi8(eq) & (i - k >= 16 ? 0xffffu : (1u << (i - k)) - 1);
	}
	*bytes += sum;
	fast_send(w, pkts, out, i, diff != 0, arrival, sum);
	return i;
}

static inline uint16_t
route4_groups(const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n, uint64_t mac48, uint64_t *words,
	      struct dp_acl_key4 *keys)
{
	const unsigned W = VEC_W;
	const struct fast_fib ff = FAST_FIB(fib);
	uint8_t *f[W_MAX];
	uint16_t i = 0;

	for (unsigned k = PREFETCH_AHEAD; k < W && k < n; k++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[k], void *));
	while (i + W <= n) {
		group_prefetch(pkts, i, n, W);
		if (likely(group_route4(&ff, pkts + i, W, mac48, f, words + i))) {
			GROUP_FOR(k)
				dp_fast4_key(f[k], &keys[i + k]);
			i += W;
			continue;
		}
		for (uint16_t end = i + W; i < end; i++)
			if (!fast_route4_one(&ff, pkts[i], mac48, &words[i], &keys[i]))
				return i;
	}
	for (; i < n; i++)
		if (!fast_route4_one(&ff, pkts[i], mac48, &words[i], &keys[i]))
			break;
	return i;
}

uint16_t
VEC(dp_l3_fast)(struct dp_worker *w, const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n,
		uint64_t mac48, uint64_t arrival, uint64_t *bytes)
{
	return fast_groups(w, fib, pkts, n, mac48, arrival, bytes);
}

#if VEC_W == 4
uint16_t
VEC(dp_l3_route4)(const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n, uint64_t mac48,
		  uint64_t *words, struct dp_acl_key4 *keys)
{
	return route4_groups(fib, pkts, n, mac48, words, keys);
}
#endif
