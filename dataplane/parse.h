/* Stage 2: parse Ethernet/802.1Q/IPv4/IPv6(+ext)/TCP/UDP/ICMP into per-mbuf metadata. */
#ifndef DP_PARSE_H
#define DP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

/*
 * ACL keys: the 5-tuple laid out for rte_acl (first field one byte, then
 * 4-byte groups). Addresses and ports in network byte order, as on the wire.
 */
struct dp_acl_key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src;
	uint32_t dst;
	uint16_t sport; /* 0 unless DP_META_L4PORTS */
	uint16_t dport;
};

struct dp_acl_key6 {
	uint8_t proto;
	uint8_t pad[3];
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

#define DP_META_L4PORTS 0x01 /* key.sport/dport hold TCP/UDP/SCTP ports */
#define DP_META_FRAG    0x02 /* a fragment (v4 MF/offset, v6 fragment header) */
#define DP_META_LATER_FRAG 0x04 /* not the first fragment: no L4 header */
#define DP_META_BCAST   0x08 /* destination MAC ff:ff:ff:ff:ff:ff */
#define DP_META_MCAST   0x10 /* destination MAC multicast (not broadcast) */
#define DP_META_VLAN    0x20 /* an 802.1Q (or QinQ) tag was present */

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
	uint8_t in_port;   /* config index of the ingress port */
	uint8_t out_port;  /* config index of the egress port */
	uint8_t punt;      /* enum dp_punt, why the control thread gets it */
	uint8_t pad;
	uint32_t nh;       /* next-hop index (punt for resolution) */
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

#endif
