/* Stage 2: parse Ethernet/802.1Q/IPv4/IPv6(+ext)/TCP/UDP/ICMP into per-mbuf metadata. */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_branch_prediction.h>
#include <rte_mbuf_core.h>
#include <rte_vect.h>

/*
 * ACL keys: the 5-tuple laid out for rte_acl (first field one byte, then
 * 4-byte groups). Addresses and ports in network byte order, as on the wire.
 * ct_state is the connection tracker's verdict on the packet, one HP_CT_*
 * bit (conf.h), set by the conntrack stage before the ACL; 0 where the
 * tracker does not run (everything that fills a key leaves it 0, like pad).
 */
struct dp_acl_key4 {
	uint8_t proto;
	uint8_t ct_state; /* one HP_CT_* bit (the conntrack stage's), 0 when nothing tracks */
	uint8_t pad[2];
	uint32_t src;
	uint32_t dst;
	uint16_t sport; /* 0 unless DP_META_L4PORTS */
	uint16_t dport;
};

struct dp_acl_key6 {
	uint8_t proto;
	uint8_t ct_state;
	uint8_t pad[2];
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
};

enum dp_l3 {
	DP_L3_OTHER = 0, /* an EtherType we do not parse (xconnect forwards it anyway) */
	DP_L3_ARP,
	DP_L3_IPV4,
	DP_L3_IPV6,
};

#define DP_META_L4PORTS 0x01    /* key.sport/dport hold TCP/UDP/SCTP ports */
#define DP_META_FRAG 0x02       /* a fragment (v4 MF/offset, v6 fragment header) */
#define DP_META_LATER_FRAG 0x04 /* not the first fragment: no L4 header */
#define DP_META_BCAST 0x08      /* destination MAC ff:ff:ff:ff:ff:ff */
#define DP_META_MCAST 0x10      /* destination MAC multicast (not broadcast) */
#define DP_META_VLAN 0x20       /* an 802.1Q (or QinQ) tag was present */

/* Per packet in the l3 stage's burst scratch; a punted packet carries a copy
 * in its mbuf's private area (see dp_meta_of()). */
struct dp_meta {
	union {
		struct dp_acl_key4 k4;
		struct dp_acl_key6 k6;
	} key;
	uint16_t l3_off;   /* IP (or ARP) header offset from the frame start */
	uint16_t l4_off;   /* L4 header offset (after IPv6 extension headers); 0 if none */
	uint16_t l3_len;   /* IPv4 total length / 40 + IPv6 payload length */
	uint16_t vlan_tci; /* outer tag, when DP_META_VLAN */
	uint8_t l3;        /* enum dp_l3 */
	uint8_t flags;     /* DP_META_* */
	uint8_t ttl;       /* TTL / hop limit */
	uint8_t icmp_type; /* with ICMP / ICMPv6 */
	/* set by later stages */
	uint8_t in_port;  /* config index of the ingress port */
	uint8_t out_port; /* config index of the egress port */
	uint8_t punt;     /* enum dp_punt, why the control thread gets it */
	uint8_t encap;    /* bytes of outer headers lb.c's stage put in front, 0 none (and for a packet
			   * fast_burst_lb encapsulated but left to the general path: never too big) */
	uint32_t nh;      /* next-hop index (punt for resolution) */
};

/*
 * Parse one frame of len bytes (the first segment holds the headers;
 * anything not in it counts as truncated). ol_flags are the mbuf's RX flags:
 * RTE_MBUF_F_RX_IP_CKSUM_GOOD skips the IPv4 checksum check, _BAD fails it.
 * Fills meta (every field up to in_port) and returns 0, or a DP_DROP_*
 * reason (worker.h) for a malformed frame. Never reads past frame + len.
 */
int dp_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags, struct dp_meta *meta);

/* Most IPv6 extension headers dp_parse() walks before giving up (DP_DROP_IPV6_EXT_HDR). */
#define DP_IPV6_MAX_EXT 8

#ifdef RTE_ARCH_X86
/*
 * Bytes 0-15 of frame f against a template, one SSE compare: 0-5 our MAC
 * (mac48), 6-11 anything, 8-15 as a little-endian word: (word & mask_hi)
 * == hi (byte 12 is bit 32). Returns the byte-wise result (all ones = match).
 */
static inline __m128i
dp_l2_cmp(const uint8_t *f, uint64_t mac48, uint64_t hi, uint64_t mask_hi)
{
	const __m128i t = _mm_set_epi64x((long long)hi, (long long)mac48);
	const __m128i m = _mm_set_epi64x((long long)mask_hi, 0x0000ffffffffffffll);

	return _mm_cmpeq_epi8(_mm_and_si128(_mm_loadu_si128((const __m128i *)f), m), t);
}
#endif

/* Shortest frame dp_fast4_ok() takes: Ethernet + IPv4 without options + UDP. */
#define DP_FAST4_MIN_LEN (14 + 20 + 8)

/* The fast checks' tables (parse.c): the shortest L4 header of a protocol the fast path
 * takes (UDP 8, TCP 20, any other 0x10000: never), and the first bytes of an IPv4 source
 * it leaves to dp_parse and the routing (0/8, 127/8, 224/4 and up). */
extern const uint32_t dp_fast_min_l4[256];
extern const uint8_t dp_fast4_src_bad[256];

/*
 * Bytes 0-31 of a frame dp_fast4_ok() takes, tested at once: our MAC (mac48: the port's MAC in
 * the low 48 bits, in memory order), EtherType IPv4, version 4 and IHL 5; no MF, fragment offset
 * 0; TTL > 1; a source whose first byte is not 0 (0/8: the routing's), 127 or 224 and up
 * (loopback, multicast, class E, broadcast: dp_parse decides). f has 32 bytes.
 */
static inline bool
dp_fast4_hdr_ok(const uint8_t *f, uint64_t mac48)
{
#if defined(RTE_ARCH_X86) && defined(__AVX2__)
	/* the same tests as below on the 32 bytes at once (the fast path's x8 copy, l3_vec_x8.c) */
	const __m256i m = _mm256_set_epi64x(0, 0x0000ff3f00000000ll, 0x00ffffff00000000ll,
					    0x0000ffffffffffffll);
	const __m256i t = _mm256_set_epi64x(0, 0, 0x0045000800000000ll, (long long)mac48);
	const __m256i lo = _mm256_set_epi64x(0x0000000000010000ll, 0x0002000000000000ll, 0, 0);
	const __m256i hi = _mm256_set_epi64x((long long)0xffffffffffdfffffull, -1ll, -1ll, -1ll);
	const __m256i lb = _mm256_set_epi64x(0x00000000007f0000ll, 0, 0, 0);
	const __m256i sel = _mm256_set_epi64x(0x0000000000ff0000ll, 0, 0, 0);
	__m256i v = _mm256_loadu_si256((const __m256i *)f);
	__m256i b = _mm256_or_si256(_mm256_xor_si256(_mm256_and_si256(v, m), t),
				    _mm256_or_si256(_mm256_subs_epu8(lo, v), _mm256_subs_epu8(v, hi)));

	b = _mm256_or_si256(b, _mm256_and_si256(_mm256_cmpeq_epi8(v, lb), sel));
	return _mm256_testz_si256(b, b);
#elif defined(RTE_ARCH_X86)
	/* bytes 0-15: MAC, EtherType, version/IHL (not the source MAC, not the TOS) */
	const __m128i m0 = _mm_set_epi64x(0x00ffffff00000000ll, 0x0000ffffffffffffll);
	const __m128i t0 = _mm_set_epi64x(0x0045000800000000ll, (long long)mac48);
	/* bytes 16-31: fragment bits (20-21) zero; TTL (22) >= 2, source byte (26) in 1..0xdf, not 127 */
	const __m128i frag = _mm_set_epi64x(0, 0x0000ff3f00000000ll);
	const __m128i lo = _mm_set_epi64x(0x0000000000010000ll, 0x0002000000000000ll);
	const __m128i hi = _mm_set_epi64x((long long)0xffffffffffdfffffull, -1ll);
	const __m128i lb = _mm_set_epi64x(0x00000000007f0000ll, 0);
	const __m128i sel = _mm_set_epi64x(0x0000000000ff0000ll, 0);
	__m128i v0 = _mm_loadu_si128((const __m128i *)f), v1 = _mm_loadu_si128((const __m128i *)(f + 16));
	/* nonzero bytes where a test fails */
	__m128i b = _mm_or_si128(_mm_xor_si128(_mm_and_si128(v0, m0), t0), _mm_and_si128(v1, frag));

	b = _mm_or_si128(b, _mm_or_si128(_mm_subs_epu8(lo, v1), _mm_subs_epu8(v1, hi)));
	b = _mm_or_si128(b, _mm_and_si128(_mm_cmpeq_epi8(v1, lb), sel));
	return _mm_testz_si128(b, b);
#else
	uint64_t dmac;
	uint16_t type, frag;

	memcpy(&dmac, f, sizeof(dmac));
	memcpy(&type, f + 12, sizeof(type));
	memcpy(&frag, f + 20, sizeof(frag));
	return !(((dmac ^ mac48) << 16) | (uint16_t)(type ^ RTE_BE16(0x0800)) | (uint8_t)(f[14] ^ 0x45) |
		 (frag & RTE_BE16(0x3fff))) &&
	       f[22] > 1 && !dp_fast4_src_bad[f[26]];
#endif
}

/* UDP or TCP with its header inside the datagram, the datagram inside the frame of len bytes. */
static inline bool
dp_fast4_len_ok(const uint8_t *f, uint32_t len)
{
	uint16_t t16;
	uint32_t tot;

	memcpy(&t16, f + 16, sizeof(t16));
	tot = rte_be_to_cpu_16(t16);
	return tot <= len - 14 && tot >= 20 + dp_fast_min_l4[f[23]];
}

/*
 * A good header checksum, or one the NIC verified (ol_flags: the mbuf's; a port's do not change,
 * so the branch is always predicted). The header's one's complement sum is 0xffff iff the plain
 * sum of its 16-bit words is a non-zero multiple of 0xffff (non-zero: the first byte is 0x45).
 * 2^16 = 1 mod 0xffff, so 2^64 is too: two 64-bit words added with the carry wrapped around,
 * and the last 32 bits, keep the sum's residue; the compiler tests "% 0xffff" with a multiply.
 */
static inline bool
dp_fast4_cksum_ok(const uint8_t *f, uint64_t ol_flags)
{
	uint64_t ck = ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint64_t q0, q1, s;
	uint32_t d;

	if (unlikely(ck != RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN))
		return ck != RTE_MBUF_F_RX_IP_CKSUM_BAD;
	memcpy(&q0, f + 14, sizeof(q0));
	memcpy(&q1, f + 22, sizeof(q1));
	memcpy(&d, f + 30, sizeof(d));
	s = q0 + q1;
	s += s < q0;
	s += d;
	s += s < d;
	return s % 0xffff == 0;
}

/*
 * The l3 pipeline's common case, tested in one pass with few branches: an
 * untagged frame to our MAC carrying an IPv4 datagram without options, not a fragment,
 * UDP or TCP with its whole header inside the datagram, a source that is
 * not multicast/class E/broadcast/loopback/0/8, a good checksum (or one the NIC
 * verified) and TTL > 1. True only where dp_parse() returns 0 and the L2
 * check passes the packet on to the ACL and LPM as IPv4; false for anything
 * else or anything it is unsure of, and then dp_parse() decides
 * (tests/unit/test_parse.c checks both ways).
 */
static inline bool
dp_fast4_ok(const uint8_t *f, uint32_t len, uint64_t ol_flags, uint64_t mac48)
{
	return likely(len >= DP_FAST4_MIN_LEN) && dp_fast4_hdr_ok(f, mac48) && dp_fast4_len_ok(f, len) &&
	       dp_fast4_cksum_ok(f, ol_flags);
}

/* Shortest frame dp_fast6_ok() takes: Ethernet + IPv6 + UDP. */
#define DP_FAST6_MIN_LEN (14 + 40 + 8)

/*
 * Bytes 0-15 of a frame dp_fast6_ok() takes (our MAC, EtherType IPv6, version 6), then hop limit
 * > 1, UDP or TCP with room for its header, within the frame of len bytes; a source multicast or
 * in ::/8 (::1, ::) or a destination multicast (dp_parse and the local check decide), a source
 * link-local (fe80::/10: the routing) are not taken. len >= DP_FAST6_MIN_LEN.
 */
static inline bool
dp_fast6_hdr_ok(const uint8_t *f, uint32_t len, uint64_t mac48)
{
	uint32_t plen;
	uint16_t p16;

#ifdef RTE_ARCH_X86
	if (_mm_movemask_epi8(dp_l2_cmp(f, mac48, 0x0060dd8600000000ll, 0x00f0ffff00000000ll)) != 0xffff)
		return false;
#else
	{
		uint64_t dmac;
		uint16_t type;

		memcpy(&dmac, f, sizeof(dmac));
		memcpy(&type, f + 12, sizeof(type));
		if (((dmac ^ mac48) << 16) | (uint16_t)(type ^ RTE_BE16(0x86dd)) | ((f[14] & 0xf0) ^ 0x60))
			return false;
	}
#endif
	memcpy(&p16, f + 18, sizeof(p16));
	plen = rte_be_to_cpu_16(p16);
	if (f[21] <= 1 || plen > len - 14 - 40 || plen < dp_fast_min_l4[f[20]])
		return false;
	return f[22] != 0xff && f[22] != 0 && !(f[22] == 0xfe && (f[23] & 0xc0) == 0x80) && f[38] != 0xff;
}

/*
 * The same for IPv6: an untagged frame to our MAC carrying IPv6 whose next
 * header is UDP or TCP (no extension header) with its whole header inside
 * the payload length, a source that is not multicast, link-local or in ::/8
 * (::1, ::), a destination that is not multicast, and hop limit > 1. True only where dp_parse()
 * returns 0 and the L2/local check passes the packet on as IPv6 to route
 * (tests/unit/test_parse.c checks both ways).
 */
static inline bool
dp_fast6_ok(const uint8_t *f, uint32_t len, uint64_t mac48)
{
	return likely(len >= DP_FAST6_MIN_LEN) && dp_fast6_hdr_ok(f, len, mac48);
}

/* The ACL key of a frame dp_fast4_ok() took. */
static inline void
dp_fast4_key(const uint8_t *f, struct dp_acl_key4 *key)
{
	uint32_t proto = f[23]; /* then ct_state 0 and two zero pad bytes */

	memcpy(key, &proto, 4);
	memcpy(&key->src, f + 26, 8);   /* source, destination */
	memcpy(&key->sport, f + 34, 4); /* source port, destination port */
}

/* Metadata of a frame dp_fast4_ok() took, exactly as dp_parse() fills it
 * (every field up to in_port; of the key union only k4). */
static inline void
dp_fast4_fill(const uint8_t *f, struct dp_meta *meta)
{
	uint16_t tot;

	memcpy(&tot, f + 16, sizeof(tot));
	dp_fast4_key(f, &meta->key.k4);
	meta->l3_off = 14;
	meta->l4_off = 14 + 20;
	meta->l3_len = rte_be_to_cpu_16(tot);
	meta->vlan_tci = 0;
	meta->l3 = DP_L3_IPV4;
	meta->flags = DP_META_L4PORTS;
	meta->ttl = f[22];
	meta->icmp_type = 0;
}

/* Metadata of a frame dp_fast6_ok() took, exactly as dp_parse() fills it
 * (every field up to in_port). */
static inline void
dp_fast6_fill(const uint8_t *f, struct dp_meta *meta)
{
	uint32_t proto = f[20]; /* then ct_state 0 and two zero pad bytes */
	uint16_t plen;

	memcpy(&plen, f + 18, sizeof(plen));
	memcpy(&meta->key.k6, &proto, 4);
	memcpy(meta->key.k6.src, f + 22, 32);   /* source, destination */
	memcpy(&meta->key.k6.sport, f + 54, 4); /* source port, destination port */
	meta->l3_off = 14;
	meta->l4_off = 14 + 40;
	meta->l3_len = (uint16_t)(40 + rte_be_to_cpu_16(plen));
	meta->vlan_tci = 0;
	meta->l3 = DP_L3_IPV6;
	meta->flags = DP_META_L4PORTS;
	meta->ttl = f[21];
	meta->icmp_type = 0;
}

#endif
