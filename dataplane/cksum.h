/* Checksums: RFC 1624 incremental update of the IPv4 header checksum on TTL decrement. */
#ifndef DP_CKSUM_H
#define DP_CKSUM_H

#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

/*
 * HC' = ~(~HC + ~m + m') (RFC 1624, eqn. 3) with m the 16-bit word holding
 * TTL and protocol. Decrements ip->time_to_live (caller checked it is > 1).
 */
static inline void
dp_ipv4_ttl_dec(struct rte_ipv4_hdr *ip)
{
	/*
	 * Only the TTL byte (the high byte of m) drops by one, so m' = m - 0x100
	 * and ~m + m' = 0xfeff whatever m was (TTL > 1: no borrow). One fold
	 * suffices: 0xffff + 0xfeff folds to at most 0xff00.
	 */
	/* one's complement sums are byte-order independent: add 0xfeff in wire order */
	uint32_t sum = (uint16_t)~ip->hdr_checksum + (uint32_t)RTE_BE16(0xfeff);

	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = (rte_be16_t)~sum;
	ip->time_to_live--;
}

#endif
