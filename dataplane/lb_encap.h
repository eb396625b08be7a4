/*
 * The load balancer's encapsulations, for direct server return: the client's IP packet goes
 * to the backend inside an outer IP header (IPIP: IPv4 in IPv4, protocol 4; IP6IP6: IPv6 in
 * IPv6, next header 41; 4in6: IPv4 in IPv6, next header 4; 6in4 is not offered) or inside
 * outer IP + UDP to the GUE port (GUE variant 1, RFC draft-ietf-intarea-gue: the UDP payload
 * is the inner IP packet itself, as Katran sends it and Linux's `fou ... gue` takes it). The
 * outer source is chosen per flow from a configured prefix so that the backends' RSS spreads
 * the flows over their queues. Pure: no DPDK.
 */
#ifndef DP_LB_ENCAP_H
#define DP_LB_ENCAP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>

enum lb_encap {
	LB_ENCAP_IPIP, /* IPIP, IP6IP6 or 4in6, by the families */
	LB_ENCAP_GUE,  /* outer IP + UDP (GUE variant 1) */
};

#define LB_ENCAP_MAX_OVERHEAD (40 + 8)

/* Bytes the encapsulation puts in front of the inner packet: 20 (IPv4 outer) or 40 (IPv6
 * outer), plus 8 with GUE. */
static inline unsigned
lb_encap_overhead(enum lb_encap e, bool outer_v6)
{
	return (outer_v6 ? 40u : 20u) + (e == LB_ENCAP_GUE ? 8u : 0u);
}

/*
 * Writes the outer headers into out[0 .. lb_encap_overhead(e, outer_v6) - 1], which the
 * inner IP packet inner[0 .. inner_len - 1] directly follows (inner may be out + overhead:
 * it is only read, for the IPv6 UDP checksum and the inner header's fields).
 *  outer IPv4: version 4, IHL 5, DSCP/ECN copied from the inner header, total length, id 0,
 *    DF copied from an inner IPv4 header (set for an inner IPv6 packet, which only GUE
 *    carries over IPv4), TTL 64, protocol 4 (IPIP) or 17 (GUE), header checksum;
 *  outer IPv6: traffic class copied from the inner header, flow label flow_hash & 0xfffff,
 *    payload length, next header 4 / 41 (IPIP) or 17 (GUE), hop limit 64;
 *  GUE: UDP source port sport, destination port dport (both host order), length; checksum 0
 *    over IPv4 (RFC 768 allows it), the full checksum over IPv6 (RFC 8200 requires one; a
 *    computed 0 is sent as 0xffff).
 * src, dst: the outer addresses, 4 or 16 bytes by outer_v6, network order.
 * inner_v6 says the inner family; the inner bytes are not checked against it. Nothing before
 * inner or past inner[inner_len - 1] is read: an inner IPv4 header's bytes 1 and 6 (TOS, DF),
 * an inner IPv6 header's bytes 0 and 1 (traffic class), and with GUE over IPv6 all of inner.
 * Returns the overhead written, or 0 (nothing written) when inner_len is below the minimal
 * header of the inner family (20 or 40), when the outer IPv4 total length or the outer IPv6
 * payload length would be over 65535, or when IPIP is asked to carry an IPv6 packet in IPv4
 * (6in4, protocol 41, is not offered; GUE, whose receiver reads the inner version, carries it).
 */
unsigned lb_encap_write(uint8_t *out, enum lb_encap e, bool outer_v6, const uint8_t *src, const uint8_t *dst,
			uint16_t sport, uint16_t dport, const uint8_t *inner, uint16_t inner_len,
			bool inner_v6, uint32_t flow_hash);

/*
 * The outer source of a flow: prefix (4 or 16 bytes, network order; its bits past plen are
 * ignored) of length plen (above 32 / 128 taken as 32 / 128), its host bits taken from hash.
 * Up to 32 host bits, all of them come from hash; an IPv6 prefix with more host bits keeps the
 * ones above the low 32 at zero and takes the low 32 from hash. An IPv4 prefix shorter than /31
 * avoids its all-zeros (network) and all-ones (broadcast) hosts: the host is
 * 1 + hash % (2^hostbits - 2), deterministic and spread over every other host. /31 and /32
 * (RFC 3021) and IPv6 (no broadcast) take the hash bits as they are; plen 32 / 128 gives the
 * prefix itself. out: 4 or 16 bytes.
 */
void lb_encap_src(const uint8_t *prefix, unsigned plen, bool v6, uint32_t hash, uint8_t *out);

/*
 * An IPv4 prefix's outer sources prepared once (lb_encap_src4_prep), then taken per packet
 * without a division (lb_encap_src4): the same address as lb_encap_src for every hash. The
 * remainder hash % d comes from a precomputed 64-bit reciprocal m = 2^64 / d rounded up
 * (Lemire, Kaser, Kurz, "Faster Remainder by Direct Computation", 2019: exact for every
 * 32-bit hash and divisor).
 */
struct lb_src4 {
	uint32_t net;  /* the prefix, host order, its host bits clear */
	uint32_t d;    /* hosts to choose among: 2^hostbits - 2 (0: none to choose, mask below) */
	uint64_t m;    /* UINT64_MAX / d + 1 */
	uint32_t mask; /* with d == 0: the hash's bits taken as they are (/31: 1; /32: 0) */
};

void lb_encap_src4_prep(const uint8_t *prefix, unsigned plen, struct lb_src4 *s);

/* The outer source of a flow, network order (as lb_encap_src writes it). */
static inline uint32_t
lb_encap_src4(const struct lb_src4 *s, uint32_t hash)
{
	uint32_t host = hash & s->mask;

	if (s->d != 0)
		host = 1 + (uint32_t)(((unsigned __int128)(s->m * hash) * s->d) >> 64);
	return htonl(s->net | host);
}

/*
 * lb_encap_write's outer headers over IPv4, for an inner packet of inner_len bytes (20 or more,
 * and 65535 - 28 at most: the caller checks): the IPv4 header (tos, DF, protocol 4 or with gue
 * 17, src and dst in network order) and with gue the UDP header (sport, dport host order,
 * checksum 0). Inline: the load balancer's fast path writes it per packet.
 */
static inline void
lb_encap_v4(uint8_t *out, bool gue, uint8_t tos, bool df, uint32_t src, const uint8_t *dst, uint16_t sport,
	    uint16_t dport, uint32_t inner_len)
{
	uint32_t w[5], u[2];
	uint64_t sum;
	uint16_t ck;

	/* id 0, as Katran: any id will do with DF (RFC 6864); without DF, fragments of two tunnel
	 * packets could meet at the backend, the price of keeping no counter */
	w[0] = htonl(0x45000000u | (uint32_t)tos << 16 | (inner_len + (gue ? 28u : 20u)));
	w[1] = htonl(df ? 0x4000u : 0u);
	w[2] = htonl(64u << 24 | (gue ? 17u : 4u) << 16); /* TTL 64, checksum 0 for now */
	w[3] = src;
	memcpy(&w[4], dst, 4);
	/* one's complement sum of native words: byte-order independent (RFC 1071 2.B) */
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	sum = (sum & 0xffffu) + (sum >> 16);
	ck = (uint16_t)~sum;
	memcpy(out, w, 20);
	memcpy(out + 10, &ck, 2);
	if (gue) {
		u[0] = htonl((uint32_t)sport << 16 | dport);
		u[1] = htonl((8u + inner_len) << 16); /* checksum 0 over IPv4 (RFC 768) */
		memcpy(out + 20, u, 8);
	}
}

/* GUE's UDP source port for a flow: in 49152..65535, from hash (the backends' RSS hashes it). */
static inline uint16_t
lb_gue_sport(uint32_t hash)
{
	return (uint16_t)(49152u + (hash >> 18) % 16384u);
}

#endif
