/* The l3 fast paths over groups of packets: x4 (SSE4.2) and x8 (AVX2), chosen at start. */
#ifndef DP_L3_VEC_H
#define DP_L3_VEC_H

#include <stdint.h>

#include <rte_mbuf.h>

struct dp_worker;
struct dp_fib;
struct dp_acl_key4;

/*
 * Packets a group takes: 1 = the scalar loops (the reference), 4 = SSE4.2, 8 = AVX2. Read by
 * the workers on every burst, set before they start (dp_l3_vec_select) or by the fuzz targets,
 * which run every width on the same bursts and compare.
 */
extern unsigned dp_l3_vec_width;

/*
 * The widest group this machine and EAL allow: 8 where rte_vect_get_max_simd_bitwidth() is at
 * least 256 and the CPU has AVX2, 4 where it is at least 128 (every x86-64 DPDK runs on has
 * SSE4.2), else 1. EAL's --force-max-simd-bitwidth=64 / 128 chooses a narrower one.
 */
unsigned dp_l3_vec_best(void);

/* "avx2 x8", "sse4.2 x4" or "scalar". */
const char *dp_l3_vec_name(unsigned width);

/* hotpathd --fast-path: "auto" (0: dp_l3_vec_best), "x8", "x4" or "scalar" (1). 0 or -1. */
int dp_l3_vec_parse(const char *s, unsigned *width);

/*
 * fast_burst (l3.c) over groups: the same packets handled, in the same order, with the same
 * bytes, rewrites and TX. A group every frame of which is plain IPv4 (or every frame plain IPv6)
 * routed to one resolved next hop is checked, looked up and rewritten as one; any other group
 * goes one packet at a time as the scalar loop does, up to the first packet it cannot take.
 */
uint16_t dp_l3_fast_x4(struct dp_worker *w, const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n,
		       uint64_t mac48, uint64_t arrival, uint64_t *bytes);
uint16_t dp_l3_fast_x8(struct dp_worker *w, const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n,
		       uint64_t mac48, uint64_t arrival, uint64_t *bytes);

/*
 * fast_burst_acl's first loop over groups of 4 (the x4 copy serves x8 too): the leading plain
 * IPv4 frames routed to one resolved next hop, their words and ACL keys. Returns how many;
 * touches their next hops, nothing else.
 */
uint16_t dp_l3_route4_x4(const struct dp_fib *fib, struct rte_mbuf **pkts, uint16_t n, uint64_t mac48,
			 uint64_t *words, struct dp_acl_key4 *keys);

#endif
