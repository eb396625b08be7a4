/* Checksums: RFC 1624 incremental update of the IPv4 header checksum on TTL decrement. */
#ifndef DP_CKSUM_H
#define DP_CKSUM_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

/*
 * Decrements ip->time_to_live (caller checked it is > 1) and updates the
 * checksum: HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3) with m the 16-bit word
 * holding TTL and protocol. Only the TTL (high) byte of m drops by one, so
 * HC' = HC + 0x0100 in one's complement arithmetic, and one's complement
 * sums are byte-order independent: add 0x0100 in wire order and fold the
 * carry. A result of 0xffff (-0) becomes 0x0000, as a full recompute gives
 * (a header's sum is never 0, so its checksum is never 0xffff). The
 * technique of Linux's ip_decrease_ttl().
 */
static inline void
dp_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	uint32_t check = ip->hdr_checksum;

	check += RTE_BE16(0x0100);
	ip->hdr_checksum = (rte_be16_t)(check + (check >= 0xffff));
	ip->time_to_live--;
}

#endif
