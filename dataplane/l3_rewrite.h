/* The rewrite of a routed frame for its next hop: MACs, TTL / hop limit, the IPv4 checksum. */
#ifndef DP_L3_REWRITE_H
#define DP_L3_REWRITE_H

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "cksum.h"
#include "parse.h"

/*
 * The two MACs of a routed frame f: destination from the next-hop word
 * (its low 48 bits, in memory order: x86 is little-endian), source = the
 * egress port's, as one 8-byte and one 4-byte store.
 */
static inline void
dp_l3_write_macs(uint8_t *f, uint64_t nh_word, const struct rte_ether_addr *src)
{
	uint64_t w0;
	uint16_t s0;
	uint32_t s1;

	RTE_BUILD_BUG_ON(RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN);
	memcpy(&s0, src->addr_bytes, 2);
	memcpy(&s1, src->addr_bytes + 2, 4);
	w0 = (nh_word & 0xffffffffffffull) | (uint64_t)s0 << 48;
	memcpy(f, &w0, 8);
	memcpy(f + 8, &s1, 4);
}

/*
 * Rewrite a routed frame for its next hop: the MACs, TTL / hop limit - 1
 * (IPv4 checksum updated incrementally). Caller checked TTL > 1.
 */
static inline void
dp_l3_rewrite(struct rte_mbuf *m, const struct dp_meta *meta, uint64_t nh_word,
	      const struct rte_ether_addr *src)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

	dp_l3_write_macs(f, nh_word, src);
	if (meta->l3 == DP_L3_IPV4)
		dp_ipv4_ttl_dec((struct rte_ipv4_hdr *)(f + meta->l3_off));
	else
		((struct rte_ipv6_hdr *)(f + meta->l3_off))->hop_limits--;
}

/* The same for a plain IPv4 frame (dp_fast4_ok(): IPv4 at offset 14), f its first byte. */
static inline void
dp_l3_rewrite4(uint8_t *f, uint64_t nh_word, const struct rte_ether_addr *src)
{
	dp_l3_write_macs(f, nh_word, src);
	dp_ipv4_ttl_dec((struct rte_ipv4_hdr *)(f + 14));
}

/* The same for a plain IPv6 frame (dp_fast6_ok(): IPv6 at offset 14). */
static inline void
dp_l3_rewrite6(uint8_t *f, uint64_t nh_word, const struct rte_ether_addr *src)
{
	dp_l3_write_macs(f, nh_word, src);
	((struct rte_ipv6_hdr *)(f + 14))->hop_limits--;
}

#endif
