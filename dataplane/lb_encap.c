/* The load balancer's encapsulations (lb_encap.h): the outer headers and the outer source per flow. Pure: no DPDK. */
#include <stddef.h>
#include <string.h>

#include <arpa/inet.h>

#include "lb_encap.h"
#include "nat_rw.h" /* fold, wr16 */

#define ENC_HOPS 64 /* outer TTL / hop limit */
#define ENC_PROTO_IPIP 4
#define ENC_PROTO_IPV6 41
#define ENC_PROTO_UDP 17
#define ENC_MAX_LEN 65535u

/* A 16-bit field in network order, whatever the host's. */
static inline void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * One's complement sum of p[0 .. len - 1] (starting at an even offset of what is checksummed),
 * added to s. Native-order loads: the sum is byte-order independent (RFC 1071 2.B), so the
 * folded result is stored back with a native-order store. 32-bit loads into 64 bits: 2^16 = 1
 * modulo 0xffff, so the fold gives the 16-bit words' sum, and 64 KiB cannot overflow.
 */
static uint64_t
sum_bytes(const uint8_t *p, size_t len, uint64_t s)
{
	uint32_t w;
	uint16_t h;

	for (; len >= 4; p += 4, len -= 4) {
		memcpy(&w, p, 4);
		s += w;
	}
	if (len >= 2) {
		memcpy(&h, p, 2);
		s += h;
		p += 2;
		len -= 2;
	}
	if (len != 0) {
		const uint8_t last[2] = {p[0], 0}; /* an odd tail is padded with a zero byte */

		memcpy(&h, last, 2);
		s += h;
	}
	return s;
}

/* The checksum of a sum: folded to 16 bits and complemented. */
static uint16_t
cks_of(uint64_t s)
{
	s = (s & 0xffffffffu) + (s >> 32);
	s = (s & 0xffffffffu) + (s >> 32);
	return (uint16_t)~fold((uint32_t)s);
}

unsigned
lb_encap_write(uint8_t *out, enum lb_encap e, bool outer_v6, const uint8_t *src, const uint8_t *dst,
	       uint16_t sport, uint16_t dport, const uint8_t *inner, uint16_t inner_len, bool inner_v6,
	       uint32_t flow_hash)
{
	bool gue = e == LB_ENCAP_GUE;
	unsigned oh = lb_encap_overhead(e, outer_v6);
	uint32_t total = oh + inner_len, fl = flow_hash & 0xfffffu;
	uint8_t tc;

	if (inner_len < (inner_v6 ? 40u : 20u))
		return 0; /* not even the inner header: its fields would be read past its end */
	if (inner_v6 && !outer_v6 && !gue)
		return 0; /* 6in4 */
	if (total - (outer_v6 ? 40u : 0u) > ENC_MAX_LEN)
		return 0;

	/* DSCP and ECN: the IPv4 TOS byte, or the IPv6 traffic class across bytes 0 and 1 */
	tc = inner_v6 ? (uint8_t)(inner[0] << 4 | inner[1] >> 4) : inner[1];
	if (!outer_v6) {
		/* an IPv6 packet has no DF: it is never fragmented on the way, so neither is its tunnel */
		uint32_t s4;

		memcpy(&s4, src, 4);
		lb_encap_v4(out, gue, tc, inner_v6 || (inner[6] & 0x40) != 0, s4, dst, sport, dport,
			    inner_len);
		return oh;
	}
	out[0] = (uint8_t)(0x60 | tc >> 4);
	out[1] = (uint8_t)(tc << 4 | fl >> 16);
	put16(out + 2, fl);
	put16(out + 4, total - 40);
	out[6] = gue ? ENC_PROTO_UDP : inner_v6 ? ENC_PROTO_IPV6 : ENC_PROTO_IPIP;
	out[7] = ENC_HOPS;
	memcpy(out + 8, src, 16);
	memcpy(out + 24, dst, 16);
	if (gue) {
		/* the UDP checksum, over the pseudo-header (RFC 8200 8.1: the addresses, the upper-layer
		 * length, next header), the UDP header and the inner packet */
		uint32_t ulen = 8u + inner_len;
		const uint8_t ph[8] = {0, 0, (uint8_t)(ulen >> 8), (uint8_t)ulen, 0, 0, 0, ENC_PROTO_UDP};
		uint8_t *udp = out + 40;
		uint64_t s;
		uint16_t ck;

		put16(udp, sport);
		put16(udp + 2, dport);
		put16(udp + 4, ulen);
		put16(udp + 6, 0);
		s = sum_bytes(out + 8, 32, 0);
		s = sum_bytes(ph, sizeof(ph), s);
		s = sum_bytes(udp, 8, s);
		s = sum_bytes(inner, inner_len, s);
		ck = cks_of(s);
		wr16(udp + 6, ck == 0 ? 0xffff : ck); /* 0 would mean none (RFC 768) */
	}
	return oh;
}

void
lb_encap_src4_prep(const uint8_t *prefix, unsigned plen, struct lb_src4 *s)
{
	unsigned hb;
	uint32_t p;

	if (plen > 32)
		plen = 32;
	hb = 32 - plen;
	memcpy(&p, prefix, 4);
	s->net = ntohl(p) & (plen == 0 ? 0 : ~0u << hb);
	s->d = hb >= 2 ? (uint32_t)((1ull << hb) - 2) : 0;
	s->m = s->d != 0 ? UINT64_MAX / s->d + 1 : 0;
	s->mask = hb == 1 ? 1u : 0u;
}

void
lb_encap_src(const uint8_t *prefix, unsigned plen, bool v6, uint32_t hash, uint8_t *out)
{
	unsigned alen = v6 ? 16u : 4u, bits = alen * 8, hb;
	uint64_t host;

	if (plen > bits)
		plen = bits;
	if (!v6) {
		struct lb_src4 s;
		uint32_t a;

		lb_encap_src4_prep(prefix, plen, &s);
		a = lb_encap_src4(&s, hash);
		memcpy(out, &a, 4);
		return;
	}
	for (unsigned i = 0; i < alen; i++) {
		unsigned keep = plen <= i * 8 ? 0 : plen - i * 8 >= 8 ? 8 : plen - i * 8;

		out[i] = prefix[i] & (uint8_t)(0xff00u >> keep);
	}
	hb = bits - plen;
	if (hb > 32)
		hb = 32; /* the low 32 bits take the hash; those above stay 0 */
	if (hb == 0)
		return;
	host = hash & ((1ull << hb) - 1); /* no broadcast in IPv6: every host */
	for (unsigned i = 0; i < 4; i++)
		out[alen - 1 - i] |= (uint8_t)(host >> (8 * i));
}
