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
	/* byte loads: the struct is packed, the header may sit at any address */
	uint16_t old = (uint16_t)(ip->time_to_live << 8 | ip->next_proto_id);
	uint32_t sum;

	ip->time_to_live--;
	uint16_t new = (uint16_t)(ip->time_to_live << 8 | ip->next_proto_id);
	sum = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum);
	sum += (uint16_t)~old;
	sum += new;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->hdr_checksum = rte_cpu_to_be_16((uint16_t)~sum);
}

#endif
