/* Stage 2: dp_parse(), bound-checked header parsing of one frame into struct dp_meta. */

/*
 * Every header is checked against the bytes left before it is read, with
 * memcpy loads (fields sit at any alignment). Choices the header leaves open:
 * - RX_IP_CKSUM_NONE (field not valid, header verified by the NIC) skips
 *   the check like _GOOD; only _UNKNOWN makes us sum the header.
 * - A third VLAN tag, or an S-tag followed by another S-tag, is DP_L3_OTHER.
 * - For DP_L3_OTHER, l3_off still says where the payload starts.
 * - l4_off is set only for TCP, UDP, SCTP, ICMP (v4) and ICMPv6 (v6).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf_core.h>

#include "parse.h"
#include "reasons.h"

const uint32_t dp_fast_min_l4[256] = {
	[0 ... 5] = 0x10000, [6] = 20, [7 ... 16] = 0x10000, [17] = 8, [18 ... 255] = 0x10000};
const uint8_t dp_fast4_src_bad[256] = {[0] = 1, [127] = 1, [0xe0 ... 0xff] = 1};

#define ETH_HLEN 14
#define VLAN_TAG_LEN 4
#define ARP_LEN 28 /* Ethernet/IPv4 ARP */
#define IPV4_MIN_HLEN 20
#define IPV6_HLEN 40
#define IPV6_EXT_MIN 8 /* every extension header is at least 8 bytes */

#define ETHER_TYPE_IPV4 0x0800
#define ETHER_TYPE_ARP 0x0806
#define ETHER_TYPE_VLAN 0x8100
#define ETHER_TYPE_QINQ 0x88a8
#define ETHER_TYPE_IPV6 0x86dd

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_SCTP 132
#define PROTO_ICMPV6 58
#define V6_HOPOPTS 0
#define V6_ROUTING 43
#define V6_FRAGMENT 44
#define V6_AH 51
#define V6_DSTOPTS 60

#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff
#define IPV6_OFFMASK 0xfff8

/* Fields may sit at any alignment: memcpy loads (one mov on x86), host-order result. */
static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

/*
 * One's-complement sum of the header in 32-bit steps (hlen is a multiple of
 * 4, at most 60: no overflow of the 64-bit accumulator). The sum is
 * byte-order independent, and a correct header sums to 0xffff either way.
 */
static inline int
ipv4_cksum_ok(const uint8_t *ip, uint32_t hlen)
{
	uint64_t sum = 0;
	uint32_t w[5];

	/* the common 20-byte header unrolled; options in a loop */
	memcpy(w, ip, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	for (uint32_t i = IPV4_MIN_HLEN; i < hlen; i += 4) {
		memcpy(w, ip + i, sizeof(w[0]));
		sum += w[0];
	}
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

static inline int
ipv4_martian(const uint8_t *src)
{
	return (src[0] & 0xf0) == 0xe0 || src[0] == 127 ||
	       (src[0] == 0xff && src[1] == 0xff && src[2] == 0xff && src[3] == 0xff);
}

static inline int
ipv6_martian(const uint8_t *src)
{
	static const uint8_t loopback[16] = {[15] = 1};

	return src[0] == 0xff || memcmp(src, loopback, sizeof(loopback)) == 0;
}

/*
 * The L4 header at frame[off], which must fit before l3_end (the IP
 * datagram's end, not the frame's: Ethernet padding is not L4 data).
 */
static inline int
parse_l4(const uint8_t *frame, uint32_t off, uint32_t l3_end, uint8_t proto, int v6, uint16_t *sport,
	 uint16_t *dport, struct dp_meta *meta)
{
	uint32_t need;

	switch (proto) {
	case PROTO_TCP:
		need = 20;
		break;
	case PROTO_UDP:
		need = 8;
		break;
	case PROTO_SCTP:
		need = 12;
		break;
	case PROTO_ICMP:
		if (v6)
			return 0;
		need = 4;
		break;
	case PROTO_ICMPV6:
		if (!v6)
			return 0;
		need = 4;
		break;
	default:
		return 0; /* no L4 header we look into */
	}
	/* off <= l3_end: the callers checked the IP and extension headers fit */
	if (l3_end - off < need)
		return DP_DROP_L4_TRUNCATED;
	meta->l4_off = (uint16_t)off;
	if (need == 4) {
		meta->icmp_type = frame[off];
	} else {
		/* TCP, UDP and SCTP alike start with the source and destination port */
		memcpy(sport, frame + off, 2);
		memcpy(dport, frame + off + 2, 2);
		meta->flags |= DP_META_L4PORTS;
	}
	return 0;
}

static inline int
parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t off, uint64_t ol_flags, struct dp_meta *meta)
{
	const uint8_t *ip = frame + off;
	uint32_t avail = len - off;
	uint32_t hlen, tot;
	uint16_t frag;

	meta->l3 = DP_L3_IPV4;
	if (avail < IPV4_MIN_HLEN)
		return DP_DROP_IPV4_TRUNCATED;
	if (ip[0] >> 4 != 4)
		return DP_DROP_IPV4_VERSION;
	hlen = (uint32_t)(ip[0] & 0x0f) * 4;
	if (hlen < IPV4_MIN_HLEN || hlen > avail)
		return DP_DROP_IPV4_IHL;
	tot = rd16(ip + 2);
	if (tot < hlen || tot > avail)
		return DP_DROP_IPV4_LENGTH;

	/* GOOD, or NONE (field not valid, but the NIC verified the header): trust it */
	uint64_t ck = ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN) {
		if (unlikely(!ipv4_cksum_ok(ip, hlen)))
			return DP_DROP_IPV4_CHECKSUM;
	} else if (unlikely(ck == RTE_MBUF_F_RX_IP_CKSUM_BAD)) {
		return DP_DROP_IPV4_CHECKSUM;
	}
	if (ipv4_martian(ip + 12))
		return DP_DROP_IPV4_MARTIAN;

	meta->l3_len = (uint16_t)tot;
	meta->ttl = ip[8];
	meta->key.k4.proto = ip[9];
	memcpy(&meta->key.k4.src, ip + 12, 4);
	memcpy(&meta->key.k4.dst, ip + 16, 4);

	frag = rd16(ip + 6);
	if (frag & (IPV4_MF | IPV4_OFFMASK)) {
		meta->flags |= DP_META_FRAG;
		if (frag & IPV4_OFFMASK) {
			meta->flags |= DP_META_LATER_FRAG;
			return 0;
		}
	}
	return parse_l4(frame, off + hlen, off + tot, ip[9], 0, &meta->key.k4.sport, &meta->key.k4.dport,
			meta);
}

static inline int
parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t off, struct dp_meta *meta)
{
	const uint8_t *ip = frame + off;
	uint32_t avail = len - off;
	uint32_t end, pos, hl;
	uint8_t nh;

	meta->l3 = DP_L3_IPV6;
	if (avail < IPV6_HLEN)
		return DP_DROP_IPV6_TRUNCATED;
	if (ip[0] >> 4 != 6)
		return DP_DROP_IPV6_VERSION;
	end = IPV6_HLEN + rd16(ip + 4);
	/* payload length 0 is a jumbogram: not in a single segment */
	if (end == IPV6_HLEN || end > avail)
		return DP_DROP_IPV6_LENGTH;
	if (ipv6_martian(ip + 8))
		return DP_DROP_IPV6_MARTIAN;

	meta->l3_len = (uint16_t)end;
	meta->ttl = ip[7];
	memcpy(meta->key.k6.src, ip + 8, 16);
	memcpy(meta->key.k6.dst, ip + 24, 16);

	nh = ip[6];
	pos = IPV6_HLEN;
	for (unsigned int n = 0;; n++) {
		switch (nh) {
		case V6_HOPOPTS:
		case V6_ROUTING:
		case V6_DSTOPTS:
		case V6_AH:
		case V6_FRAGMENT:
			break;
		default:
			/* upper layer, ESP, No Next Header or unknown: stop here */
			meta->key.k6.proto = nh;
			return parse_l4(frame, off + pos, off + end, nh, 1, &meta->key.k6.sport,
					&meta->key.k6.dport, meta);
		}
		if (n == DP_IPV6_MAX_EXT || end - pos < IPV6_EXT_MIN)
			return DP_DROP_IPV6_EXT_HDR;
		if (nh == V6_FRAGMENT) {
			hl = IPV6_EXT_MIN;
			meta->flags |= DP_META_FRAG;
			if (rd16(ip + pos + 2) & IPV6_OFFMASK) {
				meta->flags |= DP_META_LATER_FRAG;
				meta->key.k6.proto = ip[pos];
				return 0;
			}
		} else if (nh == V6_AH) {
			hl = ((uint32_t)ip[pos + 1] + 2) * 4;
		} else {
			hl = ((uint32_t)ip[pos + 1] + 1) * 8;
		}
		if (hl > end - pos)
			return DP_DROP_IPV6_EXT_HDR;
		nh = ip[pos];
		pos += hl;
	}
}

int
dp_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags, struct dp_meta *meta)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint32_t off = ETH_HLEN - 2; /* the EtherType (or TPID) field */
	uint16_t type;

	memset(meta, 0, offsetof(struct dp_meta, in_port));
	/* An mbuf segment holds at most 64 KiB, and the offsets in meta are 16 bits. */
	if (len > UINT16_MAX)
		len = UINT16_MAX;
	if (len < ETH_HLEN)
		return DP_DROP_ETH_TRUNCATED;
	if (frame[0] & 0x01)
		meta->flags |= memcmp(frame, bcast, sizeof(bcast)) == 0 ? DP_META_BCAST : DP_META_MCAST;

	type = rd16(frame + off);
	/* 802.1Q, or QinQ (802.1ad S-tag, then a C-tag): at most two tags */
	if (type == ETHER_TYPE_VLAN || type == ETHER_TYPE_QINQ) {
		if (len < off + 2 + VLAN_TAG_LEN)
			return DP_DROP_VLAN_TRUNCATED;
		meta->flags |= DP_META_VLAN;
		meta->vlan_tci = rd16(frame + off + 2);
		off += VLAN_TAG_LEN;
		type = rd16(frame + off);
		if (type == ETHER_TYPE_VLAN) {
			if (len < off + 2 + VLAN_TAG_LEN)
				return DP_DROP_VLAN_TRUNCATED;
			off += VLAN_TAG_LEN;
			type = rd16(frame + off);
		}
	}
	off += 2;
	meta->l3_off = (uint16_t)off;

	switch (type) {
	case ETHER_TYPE_IPV4:
		return parse_ipv4(frame, len, off, ol_flags, meta);
	case ETHER_TYPE_IPV6:
		return parse_ipv6(frame, len, off, meta);
	case ETHER_TYPE_ARP:
		meta->l3 = DP_L3_ARP;
		if (len - off < ARP_LEN || rd16(frame + off) != 1 ||
		    rd16(frame + off + 2) != ETHER_TYPE_IPV4 || frame[off + 4] != 6 || frame[off + 5] != 4)
			return DP_DROP_ARP_MALFORMED;
		return 0;
	default:
		/* l3_off still says where the payload starts; the l3 stage drops it */
		meta->l3 = DP_L3_OTHER;
		return 0;
	}
}
