/* Unit tests of dp_parse (every drop reason at its boundary, good frames field by field) and dp_ipv4_ttl_dec. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include <rte_mbuf_core.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "cksum.h"
#include "parse.h"
#include "worker.h"

/* ---- frames, built by hand (not with parse.c) ---- */

struct pkt {
	uint8_t b[2048];
	uint32_t len;
};

static const uint8_t mac_ucast[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
static const uint8_t mac_src[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define SRC4 IP4(192, 0, 2, 1)
#define DST4 IP4(198, 51, 100, 7)

static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef};

static void
put8(struct pkt *p, uint8_t v)
{
	p->b[p->len++] = v;
}

static void
put16(struct pkt *p, uint16_t v)
{
	put8(p, (uint8_t)(v >> 8));
	put8(p, (uint8_t)v);
}

static void
put32(struct pkt *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p, (uint16_t)v);
}

static void
putn(struct pkt *p, const uint8_t *v, uint32_t n)
{
	memcpy(p->b + p->len, v, n);
	p->len += n;
}

static void
zeros(struct pkt *p, uint32_t n)
{
	memset(p->b + p->len, 0, n);
	p->len += n;
}

static void
set16(struct pkt *p, uint32_t off, uint16_t v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* RFC 1071 Internet checksum over n (even) bytes. */
static uint16_t
inet_cksum(const uint8_t *b, uint32_t n)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i < n; i += 2)
		sum += get16(b + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Destination, source MAC; the caller puts the EtherType or tags. */
static void
eth(struct pkt *p, const uint8_t *dst)
{
	p->len = 0;
	putn(p, dst, 6);
	putn(p, mac_src, 6);
}

/* IPv4 header (ihl words, NOP options); returns its offset. ip4_done() fixes length and checksum. */
static uint32_t
ip4(struct pkt *p, uint8_t proto, uint32_t src, uint32_t dst, unsigned int ihl, uint16_t frag)
{
	uint32_t l3 = p->len;

	put8(p, (uint8_t)(0x40 | ihl));
	put8(p, 0);
	put16(p, 0);
	put16(p, 0x1234);
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put32(p, src);
	put32(p, dst);
	for (unsigned int i = 20; i < ihl * 4; i++)
		put8(p, 1);
	return l3;
}

static void
ip4_done(struct pkt *p, uint32_t l3)
{
	uint32_t hlen = (p->b[l3] & 0x0f) * 4u;

	if (hlen < 20)
		hlen = 20;
	set16(p, l3 + 2, (uint16_t)(p->len - l3));
	set16(p, l3 + 10, 0);
	set16(p, l3 + 10, inet_cksum(p->b + l3, hlen));
}

static uint32_t
ip6(struct pkt *p, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	uint32_t l3 = p->len;

	put32(p, 0x60012345); /* version 6, traffic class 0, a flow label */
	put16(p, 0);
	put8(p, nh);
	put8(p, 61);
	putn(p, src, 16);
	putn(p, dst, 16);
	return l3;
}

static void
ip6_done(struct pkt *p, uint32_t l3)
{
	set16(p, l3 + 4, (uint16_t)(p->len - l3 - 40));
}

/* HBH / Routing / DestOpt: (units + 1) * 8 bytes, Pad1 options. */
static void
ext(struct pkt *p, uint8_t nh, uint8_t units)
{
	put8(p, nh);
	put8(p, units);
	zeros(p, (units + 1u) * 8 - 2);
}

static void
frag6(struct pkt *p, uint8_t nh, uint16_t offset8, int more)
{
	put8(p, nh);
	put8(p, 0);
	put16(p, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put32(p, 0xcafe0001);
}

static void
tcp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, 1000);
	put32(p, 0);
	put8(p, 5 << 4);
	put8(p, 0x02); /* SYN */
	put16(p, 65535);
	put16(p, 0);
	put16(p, 0);
}

static void
udp(struct pkt *p, uint16_t sport, uint16_t dport, uint16_t payload)
{
	put16(p, sport);
	put16(p, dport);
	put16(p, (uint16_t)(8 + payload));
	put16(p, 0);
	zeros(p, payload);
}

static void
icmp(struct pkt *p, uint8_t type)
{
	put8(p, type);
	put8(p, 0);
	put16(p, 0);
	put32(p, 0x00010001);
}

/* ---- running dp_parse on an exactly sized heap copy (ASan sees any overread) ---- */

static const char *const drop_names[DP_DROP_MAX] = {
#define DROP_NAME(sym, name, help) name,
	DP_DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};

static const char *
rc_name(int rc)
{
	if (rc == 0)
		return "ok";
	if (rc > 0 && rc < DP_DROP_MAX)
		return drop_names[rc];
	return "?";
}

static int
parse_n(const struct pkt *p, uint32_t len, uint64_t ol, struct dp_meta *m)
{
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	if (buf == NULL)
		abort();
	memcpy(buf, p->b, len);
	rc = dp_parse(buf, len, ol, m);
	free(buf);
	return rc;
}

static int
check_rc(int got, int want, int line)
{
	if (got != want)
		fprintf(stderr, "\n  test_parse.c:%d: dp_parse returned %s (%d), want %s (%d)\n", line,
			rc_name(got), got, rc_name(want), want);
	return got == want;
}

/* Parse the first len bytes of p and expect rc. */
#define EXPECT_N(p, len, ol, m, want) CU_ASSERT(check_rc(parse_n((p), (len), (ol), (m)), (want), __LINE__))
#define EXPECT(p, m, want) EXPECT_N((p), (p)->len, 0, (m), (want))

/* ---- Ethernet, VLAN, ARP ---- */

static void
test_eth(void)
{
	struct pkt p;
	struct dp_meta m;

	eth(&p, mac_ucast);
	put16(&p, 0x88b5); /* local experimental: not parsed */
	for (uint32_t n = 0; n < 14; n++)
		EXPECT_N(&p, n, 0, &m, DP_DROP_ETH_TRUNCATED);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_OTHER);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.flags, 0);

	eth(&p, mac_bcast);
	put16(&p, 0x88b5);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_BCAST);

	eth(&p, mac_mcast);
	put16(&p, 0x88b5);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_MCAST);

	/* group bit set, all others ff: multicast, not broadcast */
	eth(&p, mac_bcast);
	p.b[5] = 0xfe;
	put16(&p, 0x88b5);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_MCAST);

	/* ff..ff in the source MAC means nothing */
	eth(&p, mac_ucast);
	memset(p.b + 6, 0xff, 6);
	put16(&p, 0x88b5);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, 0);
}

static void
test_vlan(void)
{
	struct pkt p;
	struct dp_meta m;

	/* 802.1Q: 18 bytes needed */
	eth(&p, mac_ucast);
	put16(&p, 0x8100);
	put16(&p, 0x2064); /* PCP 1, VID 100 */
	put16(&p, 0x88b5);
	for (uint32_t n = 14; n < 18; n++)
		EXPECT_N(&p, n, 0, &m, DP_DROP_VLAN_TRUNCATED);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_VLAN);
	CU_ASSERT_EQUAL(m.vlan_tci, 0x2064);
	CU_ASSERT_EQUAL(m.l3_off, 18);
	CU_ASSERT_EQUAL(m.l3, DP_L3_OTHER);

	/* QinQ: S-tag then C-tag, 22 bytes needed, outer TCI reported */
	eth(&p, mac_bcast);
	put16(&p, 0x88a8);
	put16(&p, 0x0123);
	put16(&p, 0x8100);
	put16(&p, 0x0456);
	put16(&p, 0x88b5);
	for (uint32_t n = 14; n < 22; n++)
		EXPECT_N(&p, n, 0, &m, DP_DROP_VLAN_TRUNCATED);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_VLAN | DP_META_BCAST);
	CU_ASSERT_EQUAL(m.vlan_tci, 0x0123);
	CU_ASSERT_EQUAL(m.l3_off, 22);

	/* a third tag is not parsed: l3 other */
	eth(&p, mac_ucast);
	put16(&p, 0x88a8);
	put16(&p, 0x0123);
	put16(&p, 0x8100);
	put16(&p, 0x0456);
	put16(&p, 0x8100);
	put16(&p, 0x0789);
	put16(&p, 0x0800);
	zeros(&p, 20);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_OTHER);
	CU_ASSERT_EQUAL(m.vlan_tci, 0x0123);
}

static void
arp(struct pkt *p, uint16_t htype, uint16_t ptype, uint8_t hlen, uint8_t plen)
{
	put16(p, 0x0806);
	put16(p, htype);
	put16(p, ptype);
	put8(p, hlen);
	put8(p, plen);
	put16(p, 1); /* request */
	putn(p, mac_src, 6);
	put32(p, SRC4);
	zeros(p, 6);
	put32(p, DST4);
}

static void
test_arp(void)
{
	struct pkt p;
	struct dp_meta m;

	eth(&p, mac_bcast);
	arp(&p, 1, 0x0800, 6, 4);
	CU_ASSERT_EQUAL(p.len, 14 + 28);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_ARP);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.flags, DP_META_BCAST);
	for (uint32_t n = 14; n < 14 + 28; n++)
		EXPECT_N(&p, n, 0, &m, DP_DROP_ARP_MALFORMED);
	/* padded to the Ethernet minimum: fine */
	zeros(&p, 18);
	EXPECT(&p, &m, 0);

	eth(&p, mac_bcast);
	arp(&p, 6, 0x0800, 6, 4);
	EXPECT(&p, &m, DP_DROP_ARP_MALFORMED);
	eth(&p, mac_bcast);
	arp(&p, 1, 0x86dd, 6, 4);
	EXPECT(&p, &m, DP_DROP_ARP_MALFORMED);
	eth(&p, mac_bcast);
	arp(&p, 1, 0x0800, 8, 4);
	EXPECT(&p, &m, DP_DROP_ARP_MALFORMED);
	eth(&p, mac_bcast);
	arp(&p, 1, 0x0800, 6, 16);
	EXPECT(&p, &m, DP_DROP_ARP_MALFORMED);

	/* behind a VLAN tag */
	eth(&p, mac_ucast);
	put16(&p, 0x8100);
	put16(&p, 7);
	arp(&p, 1, 0x0800, 6, 4);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_ARP);
	CU_ASSERT_EQUAL(m.l3_off, 18);
	EXPECT_N(&p, p.len - 1, 0, &m, DP_DROP_ARP_MALFORMED);
}

/* ---- IPv4 ---- */

/* Ethernet + IPv4 (proto 47, no L4 parsing) + 'payload' zero bytes. */
static uint32_t
eth_ip4(struct pkt *p, unsigned int ihl, uint32_t payload)
{
	uint32_t l3;

	eth(p, mac_ucast);
	put16(p, 0x0800);
	l3 = ip4(p, 47, SRC4, DST4, ihl, 0);
	zeros(p, payload);
	ip4_done(p, l3);
	return l3;
}

static void
test_ipv4_header(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* 20 bytes: the smallest good header */
	l3 = eth_ip4(&p, 5, 0);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_IPV4);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.l3_len, 20);
	CU_ASSERT_EQUAL(m.l4_off, 0);
	for (uint32_t n = 14; n < 34; n++)
		EXPECT_N(&p, n, 0, &m, DP_DROP_IPV4_TRUNCATED);

	/* version */
	p.b[l3] = 0x65;
	EXPECT(&p, &m, DP_DROP_IPV4_VERSION);
	p.b[l3] = 0x45;
	EXPECT(&p, &m, 0);

	/* IHL 4 (and 0) */
	l3 = eth_ip4(&p, 4, 8);
	EXPECT(&p, &m, DP_DROP_IPV4_IHL);
	p.b[l3] = 0x40;
	EXPECT(&p, &m, DP_DROP_IPV4_IHL);

	/* IHL 15 (60 bytes): good with all of it, IHL with one byte short */
	l3 = eth_ip4(&p, 15, 0);
	CU_ASSERT_EQUAL(p.len, 14 + 60);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3_len, 60);
	EXPECT_N(&p, p.len - 1, 0, &m, DP_DROP_IPV4_IHL);
	/* and the checksum covers the options */
	p.b[l3 + 59] ^= 0x40;
	EXPECT(&p, &m, DP_DROP_IPV4_CHECKSUM);

	/* total length: 19 < IHL*4, and one more than the frame holds */
	l3 = eth_ip4(&p, 5, 10);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3_len, 30);
	set16(&p, l3 + 2, 19);
	set16(&p, l3 + 10, 0);
	set16(&p, l3 + 10, inet_cksum(p.b + l3, 20));
	EXPECT(&p, &m, DP_DROP_IPV4_LENGTH);
	ip4_done(&p, l3);
	EXPECT_N(&p, p.len - 1, 0, &m, DP_DROP_IPV4_LENGTH);
	/* total length 23 with IHL 6 (24 bytes) */
	l3 = eth_ip4(&p, 6, 0);
	set16(&p, l3 + 2, 23);
	set16(&p, l3 + 10, 0);
	set16(&p, l3 + 10, inet_cksum(p.b + l3, 24));
	EXPECT(&p, &m, DP_DROP_IPV4_LENGTH);

	/* Ethernet padding after total length: fine, l3_len is the datagram's */
	l3 = eth_ip4(&p, 5, 6);
	zeros(&p, 60 - p.len);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3_len, 26);
	CU_ASSERT_EQUAL(p.len, 60);
}

static void
test_ipv4_checksum(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* a textbook header (RFC 1071 examples, Wikipedia): checksum 0xb861 */
	static const uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
					0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};

	eth(&p, mac_ucast);
	put16(&p, 0x0800);
	putn(&p, hdr, 20);
	udp(&p, 53, 33000, 0x73 - 28);
	CU_ASSERT_EQUAL(inet_cksum(hdr, 20), 0);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.key.k4.proto, 17);
	CU_ASSERT_EQUAL(m.flags, DP_META_L4PORTS); /* DF alone is not a fragment */

	l3 = eth_ip4(&p, 5, 0);
	EXPECT(&p, &m, 0);
	p.b[l3 + 11] ^= 1;
	EXPECT(&p, &m, DP_DROP_IPV4_CHECKSUM);
	EXPECT_N(&p, p.len, RTE_MBUF_F_RX_IP_CKSUM_UNKNOWN, &m, DP_DROP_IPV4_CHECKSUM);
	/* the NIC said good: not checked again */
	EXPECT_N(&p, p.len, RTE_MBUF_F_RX_IP_CKSUM_GOOD, &m, 0);
	/* NONE: the field in the data is not valid, but the NIC verified the header */
	EXPECT_N(&p, p.len, RTE_MBUF_F_RX_IP_CKSUM_NONE, &m, 0);
	p.b[l3 + 11] ^= 1;
	/* the NIC said bad: dropped even though it is right */
	EXPECT_N(&p, p.len, RTE_MBUF_F_RX_IP_CKSUM_BAD, &m, DP_DROP_IPV4_CHECKSUM);
	/* other ol_flags bits do not matter */
	EXPECT_N(&p, p.len, RTE_MBUF_F_RX_L4_CKSUM_BAD | RTE_MBUF_F_RX_VLAN, &m, 0);
	/* a checksum field of 0xffff (-0) where 0x0000 is computed is equally right */
	for (uint16_t id = 0;; id++) {
		set16(&p, l3 + 4, id);
		ip4_done(&p, l3);
		if (get16(p.b + l3 + 10) == 0)
			break;
	}
	EXPECT(&p, &m, 0);
	set16(&p, l3 + 10, 0xffff);
	EXPECT(&p, &m, 0);
}

static void
test_ipv4_martian(void)
{
	static const struct {
		uint32_t src;
		int rc;
	} cases[] = {
		{IP4(224, 0, 0, 1), DP_DROP_IPV4_MARTIAN},
		{IP4(239, 255, 255, 255), DP_DROP_IPV4_MARTIAN},
		{IP4(255, 255, 255, 255), DP_DROP_IPV4_MARTIAN},
		{IP4(127, 0, 0, 1), DP_DROP_IPV4_MARTIAN},
		{IP4(127, 255, 255, 254), DP_DROP_IPV4_MARTIAN},
		{IP4(223, 255, 255, 255), 0},
		{IP4(240, 0, 0, 1), 0},
		{IP4(255, 255, 255, 254), 0},
		{IP4(126, 255, 255, 255), 0},
		{IP4(128, 0, 0, 0), 0},
		{IP4(10, 1, 2, 3), 0},
	};
	struct pkt p;
	struct dp_meta m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t l3;

		eth(&p, mac_ucast);
		put16(&p, 0x0800);
		l3 = ip4(&p, 47, cases[i].src, DST4, 5, 0);
		ip4_done(&p, l3);
		EXPECT(&p, &m, cases[i].rc);
	}
	/* multicast and broadcast destinations are not martians */
	eth(&p, mac_mcast);
	put16(&p, 0x0800);
	ip4_done(&p, ip4(&p, 47, SRC4, IP4(224, 0, 0, 5), 5, 0));
	EXPECT(&p, &m, 0);
	eth(&p, mac_bcast);
	put16(&p, 0x0800);
	ip4_done(&p, ip4(&p, 47, SRC4, IP4(255, 255, 255, 255), 5, 0));
	EXPECT(&p, &m, 0);
}

static void
test_ipv4_fragments(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* first fragment (MF, offset 0): L4 parsed */
	eth(&p, mac_ucast);
	put16(&p, 0x0800);
	l3 = ip4(&p, 17, SRC4, DST4, 5, 0x2000);
	udp(&p, 1111, 2222, 8);
	ip4_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_FRAG | DP_META_L4PORTS);
	CU_ASSERT_EQUAL(m.l4_off, 34);
	CU_ASSERT_EQUAL(m.key.k4.sport, htons(1111));
	CU_ASSERT_EQUAL(m.key.k4.dport, htons(2222));

	/* first fragment too short for its L4 header */
	eth(&p, mac_ucast);
	put16(&p, 0x0800);
	l3 = ip4(&p, 17, SRC4, DST4, 5, 0x2000);
	zeros(&p, 7);
	ip4_done(&p, l3);
	EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);

	/* later fragments (offset != 0, with and without MF): no L4, even if it looks like UDP */
	for (int more = 0; more < 2; more++) {
		eth(&p, mac_ucast);
		put16(&p, 0x0800);
		l3 = ip4(&p, 17, SRC4, DST4, 5, (uint16_t)((more ? 0x2000 : 0) | 185));
		udp(&p, 1111, 2222, 8);
		ip4_done(&p, l3);
		EXPECT(&p, &m, 0);
		CU_ASSERT_EQUAL(m.flags, DP_META_FRAG | DP_META_LATER_FRAG);
		CU_ASSERT_EQUAL(m.l4_off, 0);
		CU_ASSERT_EQUAL(m.key.k4.sport, 0);
		CU_ASSERT_EQUAL(m.key.k4.proto, 17);
	}
	/* a later fragment of 3 bytes: fine */
	eth(&p, mac_ucast);
	put16(&p, 0x0800);
	l3 = ip4(&p, 6, SRC4, DST4, 5, 1);
	zeros(&p, 3);
	ip4_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_FRAG | DP_META_LATER_FRAG);
	/* DF (and the reserved bit) are not fragment bits */
	eth(&p, mac_ucast);
	put16(&p, 0x0800);
	l3 = ip4(&p, 47, SRC4, DST4, 5, 0xc000);
	ip4_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, 0);
}

/* Ethernet + IPv4 (ihl) + proto with l4len bytes of L4; the first bytes are ports 0x1234/0x5678 or ICMP type 8. */
static void
eth_ip4_l4(struct pkt *p, uint8_t proto, uint32_t l4len)
{
	const uint8_t start[4] = {proto == 1 ? 8 : 0x12, 0x34, 0x56, 0x78};
	uint32_t l3;

	eth(p, mac_ucast);
	put16(p, 0x0800);
	l3 = ip4(p, proto, SRC4, DST4, 5, 0);
	putn(p, start, l4len < 4 ? l4len : 4);
	if (l4len > 4)
		zeros(p, l4len - 4);
	ip4_done(p, l3);
}

static void
test_l4(void)
{
	static const struct {
		uint8_t proto;
		uint32_t need;
		int ports;
	} cases[] = {{6, 20, 1}, {17, 8, 1}, {132, 12, 1}, {1, 4, 0}};
	struct pkt p;
	struct dp_meta m;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		eth_ip4_l4(&p, cases[i].proto, cases[i].need);
		EXPECT(&p, &m, 0);
		CU_ASSERT_EQUAL(m.l4_off, 34);
		CU_ASSERT_EQUAL(m.key.k4.proto, cases[i].proto);
		if (cases[i].ports) {
			CU_ASSERT_EQUAL(m.flags, DP_META_L4PORTS);
			CU_ASSERT_EQUAL(m.key.k4.sport, htons(0x1234));
			CU_ASSERT_EQUAL(m.key.k4.dport, htons(0x5678));
			CU_ASSERT_EQUAL(m.icmp_type, 0);
		} else {
			CU_ASSERT_EQUAL(m.flags, 0);
			CU_ASSERT_EQUAL(m.icmp_type, 8);
			CU_ASSERT_EQUAL(m.key.k4.sport, 0);
		}
		/* one byte short, by the IP length... */
		eth_ip4_l4(&p, cases[i].proto, cases[i].need - 1);
		EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
		/* ...even with the bytes present as Ethernet padding */
		zeros(&p, 64);
		EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
	}
	/* ICMPv6 over IPv4 is not ICMP: no L4 parsing */
	eth_ip4_l4(&p, 58, 4);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l4_off, 0);
	CU_ASSERT_EQUAL(m.icmp_type, 0);
}

static void
test_ipv4_good(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* IPv4 with 12 bytes of options, TCP, padding is not involved */
	eth(&p, mac_ucast);
	put16(&p, 0x0800);
	l3 = ip4(&p, 6, SRC4, DST4, 8, 0);
	p.b[l3 + 8] = 17; /* TTL */
	tcp(&p, 40000, 443);
	zeros(&p, 5);
	ip4_done(&p, l3);
	memset(&m, 0xa5, sizeof(m));
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_IPV4);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.l3_len, 32 + 20 + 5);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 32);
	CU_ASSERT_EQUAL(m.flags, DP_META_L4PORTS);
	CU_ASSERT_EQUAL(m.ttl, 17);
	CU_ASSERT_EQUAL(m.vlan_tci, 0);
	CU_ASSERT_EQUAL(m.icmp_type, 0);
	CU_ASSERT_EQUAL(m.key.k4.proto, 6);
	CU_ASSERT_EQUAL(m.key.k4.ct_state | m.key.k4.pad[0] | m.key.k4.pad[1], 0);
	CU_ASSERT_EQUAL(m.key.k4.src, htonl(SRC4));
	CU_ASSERT_EQUAL(m.key.k4.dst, htonl(DST4));
	CU_ASSERT_EQUAL(m.key.k4.sport, htons(40000));
	CU_ASSERT_EQUAL(m.key.k4.dport, htons(443));
	/* the rest of the key union is zeroed, fields from in_port on are not touched */
	for (size_t i = sizeof(struct dp_acl_key4); i < sizeof(m.key); i++)
		CU_ASSERT_EQUAL(((const uint8_t *)&m.key)[i], 0);
	CU_ASSERT_EQUAL(m.in_port, 0xa5);
	CU_ASSERT_EQUAL(m.out_port, 0xa5);
	CU_ASSERT_EQUAL(m.punt, 0xa5);
	CU_ASSERT_EQUAL(m.nh, 0xa5a5a5a5);

	/* VLAN + IPv4 + UDP, padded to 64 bytes after total length */
	eth(&p, mac_mcast);
	put16(&p, 0x8100);
	put16(&p, 0xe00a);
	put16(&p, 0x0800);
	l3 = ip4(&p, 17, SRC4, IP4(224, 0, 0, 251), 5, 0);
	udp(&p, 5353, 5353, 2);
	ip4_done(&p, l3);
	zeros(&p, 64 - p.len);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_VLAN | DP_META_MCAST | DP_META_L4PORTS);
	CU_ASSERT_EQUAL(m.vlan_tci, 0xe00a);
	CU_ASSERT_EQUAL(m.l3_off, 18);
	CU_ASSERT_EQUAL(m.l3_len, 30);
	CU_ASSERT_EQUAL(m.l4_off, 38);
	CU_ASSERT_EQUAL(m.ttl, 64);
	CU_ASSERT_EQUAL(m.key.k4.dst, htonl(IP4(224, 0, 0, 251)));
	CU_ASSERT_EQUAL(m.key.k4.sport, htons(5353));
	CU_ASSERT_EQUAL(m.key.k4.dport, htons(5353));

	/* ICMP echo behind QinQ */
	eth(&p, mac_ucast);
	put16(&p, 0x88a8);
	put16(&p, 0x0064);
	put16(&p, 0x8100);
	put16(&p, 0x00c8);
	put16(&p, 0x0800);
	l3 = ip4(&p, 1, SRC4, DST4, 5, 0);
	icmp(&p, 8);
	ip4_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3_off, 22);
	CU_ASSERT_EQUAL(m.l4_off, 42);
	CU_ASSERT_EQUAL(m.icmp_type, 8);
	CU_ASSERT_EQUAL(m.vlan_tci, 0x0064);
	CU_ASSERT_EQUAL(m.flags, DP_META_VLAN);
	for (uint32_t n = l3; n < p.len; n++)
		CU_ASSERT(parse_n(&p, n, 0, &m) != 0);
}

/* ---- IPv6 ---- */

static void
test_ipv6_header(void)
{
	static const uint8_t mcast[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t loop[16] = {[15] = 1};
	static const uint8_t two[16] = {[15] = 2};
	static const uint8_t unspec[16] = {0};
	static const uint8_t ll[16] = {0xfe, 0x80, [15] = 1};
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	eth(&p, mac_ucast);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 59, src6, dst6);
	zeros(&p, 1);
	ip6_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_IPV6);
	CU_ASSERT_EQUAL(m.l3_off, 14);
	CU_ASSERT_EQUAL(m.l3_len, 41);
	CU_ASSERT_EQUAL(m.key.k6.proto, 59);
	CU_ASSERT_EQUAL(m.l4_off, 0);
	CU_ASSERT_EQUAL(m.ttl, 61);
	CU_ASSERT(memcmp(m.key.k6.src, src6, 16) == 0);
	CU_ASSERT(memcmp(m.key.k6.dst, dst6, 16) == 0);
	for (uint32_t n = 14; n < 54; n++)
		EXPECT_N(&p, n, 0, &m, DP_DROP_IPV6_TRUNCATED);
	/* payload length one beyond the frame */
	EXPECT_N(&p, p.len - 1, 0, &m, DP_DROP_IPV6_LENGTH);
	/* payload length 0: a jumbogram */
	set16(&p, l3 + 4, 0);
	EXPECT(&p, &m, DP_DROP_IPV6_LENGTH);
	set16(&p, l3 + 4, 1);
	/* version */
	p.b[l3] = 0x40;
	EXPECT(&p, &m, DP_DROP_IPV6_VERSION);
	p.b[l3] = 0x60;
	/* padding after the payload */
	zeros(&p, 20);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3_len, 41);

	/* martian sources; multicast destinations are fine */
	memcpy(p.b + l3 + 8, mcast, 16);
	EXPECT(&p, &m, DP_DROP_IPV6_MARTIAN);
	memcpy(p.b + l3 + 8, loop, 16);
	EXPECT(&p, &m, DP_DROP_IPV6_MARTIAN);
	memcpy(p.b + l3 + 8, two, 16);
	EXPECT(&p, &m, 0);
	memcpy(p.b + l3 + 8, unspec, 16);
	EXPECT(&p, &m, 0);
	memcpy(p.b + l3 + 8, ll, 16);
	EXPECT(&p, &m, 0);
	memcpy(p.b + l3 + 24, mcast, 16);
	EXPECT(&p, &m, 0);
}

static void
test_ipv6_ext(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* HBH + Routing + DestOpt + TCP */
	eth(&p, mac_ucast);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 0, src6, dst6);
	ext(&p, 43, 0);
	ext(&p, 60, 1);
	ext(&p, 6, 2);
	tcp(&p, 51000, 22);
	ip6_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3_len, 40 + 8 + 16 + 24 + 20);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 48);
	CU_ASSERT_EQUAL(m.key.k6.proto, 6);
	CU_ASSERT_EQUAL(m.flags, DP_META_L4PORTS);
	CU_ASSERT_EQUAL(m.key.k6.sport, htons(51000));
	CU_ASSERT_EQUAL(m.key.k6.dport, htons(22));
	/* TCP one byte short; then the last ext header cut short */
	set16(&p, l3 + 4, (uint16_t)(get16(p.b + l3 + 4) - 1));
	EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
	set16(&p, l3 + 4, 8 + 16 + 24 - 1);
	EXPECT(&p, &m, DP_DROP_IPV6_EXT_HDR);
	/* fewer than 8 bytes left for the next header */
	set16(&p, l3 + 4, 8 + 16 + 7);
	EXPECT(&p, &m, DP_DROP_IPV6_EXT_HDR);
	set16(&p, l3 + 4, 8 + 16 + 8);
	EXPECT(&p, &m, DP_DROP_IPV6_EXT_HDR); /* 8 of its 24 bytes */

	/* DP_IPV6_MAX_EXT headers are fine, one more is not */
	for (unsigned int n = DP_IPV6_MAX_EXT; n <= DP_IPV6_MAX_EXT + 1; n++) {
		eth(&p, mac_ucast);
		put16(&p, 0x86dd);
		l3 = ip6(&p, 60, src6, dst6);
		for (unsigned int i = 0; i < n; i++)
			ext(&p, i + 1 < n ? 60 : 17, 0);
		udp(&p, 7, 9, 0);
		ip6_done(&p, l3);
		if (n == DP_IPV6_MAX_EXT) {
			EXPECT(&p, &m, 0);
			CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 8 * n);
			CU_ASSERT_EQUAL(m.key.k6.dport, htons(9));
		} else {
			EXPECT(&p, &m, DP_DROP_IPV6_EXT_HDR);
		}
	}

	/* AH: (len + 2) * 4 bytes */
	eth(&p, mac_ucast);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 51, src6, dst6);
	put8(&p, 58);
	put8(&p, 4); /* 24 bytes: 12 of ICV */
	zeros(&p, 22);
	icmp(&p, 128);
	ip6_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 24);
	CU_ASSERT_EQUAL(m.key.k6.proto, 58);
	CU_ASSERT_EQUAL(m.icmp_type, 128);
	CU_ASSERT_EQUAL(m.flags, 0);
	p.b[l3 + 41] = 5; /* 28 bytes: 4 left, just an ICMPv6 header */
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 40 + 28);
	p.b[l3 + 41] = 6; /* 32 bytes: nothing left for ICMPv6 */
	EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
	p.b[l3 + 41] = 7; /* 36 bytes: beyond the payload */
	EXPECT(&p, &m, DP_DROP_IPV6_EXT_HDR);

	/* ESP, No Next Header, unknown: stop, proto is that value, no L4 */
	static const uint8_t stops[] = {50, 59, 47, 1 /* ICMPv4 in IPv6 */};
	for (size_t i = 0; i < sizeof(stops); i++) {
		eth(&p, mac_ucast);
		put16(&p, 0x86dd);
		l3 = ip6(&p, 0, src6, dst6);
		ext(&p, stops[i], 0);
		put32(&p, 0x11112222);
		zeros(&p, 16);
		ip6_done(&p, l3);
		EXPECT(&p, &m, 0);
		CU_ASSERT_EQUAL(m.key.k6.proto, stops[i]);
		CU_ASSERT_EQUAL(m.l4_off, 0);
		CU_ASSERT_EQUAL(m.flags, 0);
		CU_ASSERT_EQUAL(m.icmp_type, 0);
		CU_ASSERT_EQUAL(m.key.k6.sport, 0);
	}
}

static void
test_ipv6_fragments(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* first fragment: L4 parsed */
	eth(&p, mac_ucast);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 44, src6, dst6);
	frag6(&p, 17, 0, 1);
	udp(&p, 4000, 53, 8);
	ip6_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_FRAG | DP_META_L4PORTS);
	CU_ASSERT_EQUAL(m.l4_off, 14 + 48);
	CU_ASSERT_EQUAL(m.key.k6.proto, 17);
	CU_ASSERT_EQUAL(m.key.k6.sport, htons(4000));
	CU_ASSERT_EQUAL(m.key.k6.dport, htons(53));
	/* first fragment too short for UDP */
	set16(&p, l3 + 4, 8 + 7);
	EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
	/* fragment header itself cut */
	set16(&p, l3 + 4, 7);
	EXPECT(&p, &m, DP_DROP_IPV6_EXT_HDR);

	/* later fragments (with and without M): proto from the fragment header, no L4 */
	for (int more = 0; more < 2; more++) {
		eth(&p, mac_ucast);
		put16(&p, 0x86dd);
		l3 = ip6(&p, 0, src6, dst6);
		ext(&p, 44, 0);
		frag6(&p, 6, 1, more);
		zeros(&p, 3);
		ip6_done(&p, l3);
		EXPECT(&p, &m, 0);
		CU_ASSERT_EQUAL(m.flags, DP_META_FRAG | DP_META_LATER_FRAG);
		CU_ASSERT_EQUAL(m.key.k6.proto, 6);
		CU_ASSERT_EQUAL(m.l4_off, 0);
		CU_ASSERT_EQUAL(m.l3_len, 40 + 16 + 3);
	}

	/* atomic fragment (offset 0, no M): still a fragment header */
	eth(&p, mac_ucast);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 44, src6, dst6);
	frag6(&p, 58, 0, 0);
	icmp(&p, 129);
	ip6_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.flags, DP_META_FRAG);
	CU_ASSERT_EQUAL(m.icmp_type, 129);
	set16(&p, l3 + 4, 8 + 3);
	EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
}

static void
test_ipv6_good(void)
{
	struct pkt p;
	struct dp_meta m;
	uint32_t l3;

	/* QinQ + IPv6 + HBH + SCTP, padded */
	eth(&p, mac_bcast);
	put16(&p, 0x88a8);
	put16(&p, 0x3001);
	put16(&p, 0x8100);
	put16(&p, 0x0002);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 0, src6, dst6);
	ext(&p, 132, 0);
	put16(&p, 2905);
	put16(&p, 3868);
	zeros(&p, 8);
	ip6_done(&p, l3);
	zeros(&p, 4);
	memset(&m, 0xff, sizeof(m));
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.l3, DP_L3_IPV6);
	CU_ASSERT_EQUAL(m.flags, DP_META_VLAN | DP_META_BCAST | DP_META_L4PORTS);
	CU_ASSERT_EQUAL(m.vlan_tci, 0x3001);
	CU_ASSERT_EQUAL(m.l3_off, 22);
	CU_ASSERT_EQUAL(m.l3_len, 40 + 8 + 12);
	CU_ASSERT_EQUAL(m.l4_off, 22 + 48);
	CU_ASSERT_EQUAL(m.ttl, 61);
	CU_ASSERT_EQUAL(m.icmp_type, 0);
	CU_ASSERT_EQUAL(m.key.k6.proto, 132);
	CU_ASSERT_EQUAL(m.key.k6.ct_state | m.key.k6.pad[0] | m.key.k6.pad[1], 0);
	CU_ASSERT(memcmp(m.key.k6.src, src6, 16) == 0);
	CU_ASSERT(memcmp(m.key.k6.dst, dst6, 16) == 0);
	CU_ASSERT_EQUAL(m.key.k6.sport, htons(2905));
	CU_ASSERT_EQUAL(m.key.k6.dport, htons(3868));
	CU_ASSERT_EQUAL(m.in_port, 0xff);
	CU_ASSERT_EQUAL(m.nh, 0xffffffff);
	/* every cut of it is a drop, of the header it falls in */
	for (uint32_t n = 0; n < l3 + 40 + 8 + 12; n++) {
		int want = n < 14        ? DP_DROP_ETH_TRUNCATED
			   : n < 22      ? DP_DROP_VLAN_TRUNCATED
			   : n < l3 + 40 ? DP_DROP_IPV6_TRUNCATED
					 : DP_DROP_IPV6_LENGTH;

		EXPECT_N(&p, n, 0, &m, want);
	}

	/* ICMPv6 echo reply */
	eth(&p, mac_ucast);
	put16(&p, 0x86dd);
	l3 = ip6(&p, 58, src6, dst6);
	icmp(&p, 129);
	ip6_done(&p, l3);
	EXPECT(&p, &m, 0);
	CU_ASSERT_EQUAL(m.icmp_type, 129);
	CU_ASSERT_EQUAL(m.l4_off, 54);
	CU_ASSERT_EQUAL(m.flags, 0);
	set16(&p, l3 + 4, 3);
	EXPECT(&p, &m, DP_DROP_L4_TRUNCATED);
}

/* Frames past 64 KiB: an mbuf segment cannot hold them, and meta's offsets are 16 bits. */
static void
test_oversize(void)
{
	const uint32_t big = 70000;
	uint8_t *f = calloc(1, big);
	struct dp_meta m;
	uint16_t ck;

	if (f == NULL)
		abort();
	memcpy(f, mac_ucast, 6);
	f[12] = 0x08;
	f[14] = 0x45;
	f[22] = 64;
	f[23] = 47;
	f[26] = 192;
	f[29] = 1;
	/* total length 65535 needs 14 + 65535 bytes: beyond what a segment holds */
	f[16] = f[17] = 0xff;
	ck = inet_cksum(f + 14, 20);
	f[24] = (uint8_t)(ck >> 8);
	f[25] = (uint8_t)ck;
	CU_ASSERT(check_rc(dp_parse(f, big, 0, &m), DP_DROP_IPV4_LENGTH, __LINE__));
	/* 65521 fits exactly in 65535 bytes */
	f[16] = 0xff;
	f[17] = 0xf1;
	f[24] = f[25] = 0;
	ck = inet_cksum(f + 14, 20);
	f[24] = (uint8_t)(ck >> 8);
	f[25] = (uint8_t)ck;
	CU_ASSERT(check_rc(dp_parse(f, big, 0, &m), 0, __LINE__));
	CU_ASSERT_EQUAL(m.l3_len, 65521);
	CU_ASSERT(check_rc(dp_parse(f, UINT16_MAX, 0, &m), 0, __LINE__));
	CU_ASSERT(check_rc(dp_parse(f, UINT16_MAX - 1, 0, &m), DP_DROP_IPV4_LENGTH, __LINE__));

	/* IPv6 payload length 65535: 40 + 65535 would not fit l3_len */
	memset(f + 12, 0, 60);
	f[12] = 0x86;
	f[13] = 0xdd;
	f[14] = 0x60;
	f[18] = f[19] = 0xff;
	f[20] = 59;
	f[22 + 14] = 1; /* src ::100 */
	CU_ASSERT(check_rc(dp_parse(f, big, 0, &m), DP_DROP_IPV6_LENGTH, __LINE__));
	f[18] = 0xff;
	f[19] = 0xff - 40 - 14;
	CU_ASSERT(check_rc(dp_parse(f, big, 0, &m), 0, __LINE__));
	CU_ASSERT_EQUAL(m.l3_len, 65535 - 14);
	free(f);
}

/* ---- dp_ipv4_ttl_dec (cksum.h) against a full recomputation ---- */


/* A random 20-byte header with the given TTL; checksum field zero. */
static void
rand_hdr(uint8_t *h, uint8_t ttl)
{
	uint64_t a = rng_next(), b = rng_next(), c = rng_next();

	h[0] = 0x45;
	h[1] = (uint8_t)a;
	h[2] = (uint8_t)(a >> 8);
	h[3] = (uint8_t)(a >> 16);
	h[4] = (uint8_t)(a >> 24);
	h[5] = (uint8_t)(a >> 32);
	h[6] = (uint8_t)(a >> 40);
	h[7] = (uint8_t)(a >> 48);
	h[8] = ttl;
	h[9] = (uint8_t)(a >> 56);
	h[10] = h[11] = 0;
	memcpy(h + 12, &b, 4);
	memcpy(h + 16, &c, 4);
}

/* Run dp_ipv4_ttl_dec on h (at any alignment) and compare with recomputing. */
static int
ttl_dec_ok(uint8_t *h)
{
	uint8_t want[20];
	uint16_t ck;

	memcpy(want, h, 20);
	want[8]--;
	want[10] = want[11] = 0;
	ck = inet_cksum(want, 20);
	want[10] = (uint8_t)(ck >> 8);
	want[11] = (uint8_t)ck;
	dp_ipv4_ttl_dec((struct rte_ipv4_hdr *)h);
	if (memcmp(h, want, 20) != 0) {
		fprintf(stderr, "\n  ttl %u: checksum %04x, recomputed %04x\n", want[8], get16(h + 10), ck);
		return 0;
	}
	return inet_cksum(h, 20) == 0;
}

/* Set the id field so that the header's computed checksum is 0x0000 (its one's complement sum 0xffff). */
static void
force_cksum0(uint8_t *h)
{
	uint32_t sum = 0;

	h[4] = h[5] = h[10] = h[11] = 0;
	for (int i = 0; i < 20; i += 2)
		sum += get16(h + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	/* sum is in [1, 0xffff]: adding 0xffff - sum makes 0xffff without a carry */
	h[4] = (uint8_t)((0xffff - sum) >> 8);
	h[5] = (uint8_t)(0xffff - sum);
	CU_ASSERT_EQUAL(inet_cksum(h, 20), 0);
}

static void
test_ttl_dec(void)
{
	/* room for the header at every alignment */
	uint8_t buf[24 + 4];
	unsigned int zero_before = 0, zero_after = 0, bad = 0;

	rng_seed(0x5eed1624);
	for (int i = 0; i < 200000; i++) {
		uint8_t *h = buf + (i & 3);
		uint8_t ttl = (uint8_t)(2 + rng_next() % 254);
		uint16_t ck;

		if (i % 10 == 1)
			ttl = 2;
		else if (i % 10 == 2)
			ttl = 255;
		rand_hdr(h, ttl);
		switch (i % 5) {
		case 3: /* checksum 0x0000 before */
			force_cksum0(h);
			break;
		case 4: /* checksum 0x0000 after */
			h[8]--;
			force_cksum0(h);
			h[8]++;
			break;
		default:
			break;
		}
		ck = inet_cksum(h, 20);
		h[10] = (uint8_t)(ck >> 8);
		h[11] = (uint8_t)ck;
		if (ck == 0)
			zero_before++;
		if (!ttl_dec_ok(h))
			bad++;
		if (get16(h + 10) == 0)
			zero_after++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(zero_before > 1000);
	CU_ASSERT(zero_after > 1000);

	/* stored -0: 0xffff in the field where 0x0000 is computed; still valid after */
	for (int i = 0; i < 1000; i++) {
		uint8_t *h = buf + (i & 3);

		rand_hdr(h, (uint8_t)(2 + i % 254));
		force_cksum0(h);
		h[10] = h[11] = 0xff;
		CU_ASSERT_EQUAL(inet_cksum(h, 20), 0);
		CU_ASSERT(ttl_dec_ok(h));
	}
}

/* ---- dp_fast4_ok / dp_fast4_fill: the l3 fast path agrees with dp_parse ---- */

/*
 * What dp_fast4_ok must say, from dp_parse's own result: a frame to mac_ucast
 * that dp_parse passes as untagged IPv4 without options, TCP or UDP with
 * ports, not a fragment, TTL > 1, source below 224/4 and not 127/8 or 0/8
 * (a 0/8 source may reach us but is never forwarded: the routing decides).
 */
static bool
fast4_expected(const uint8_t *f, int rc, const struct dp_meta *m)
{
	return rc == 0 && memcmp(f, mac_ucast, 6) == 0 && m->l3 == DP_L3_IPV4 && m->l3_off == 14 &&
	       m->l4_off == 34 && m->flags == DP_META_L4PORTS &&
	       (m->key.k4.proto == 6 || m->key.k4.proto == 17) && m->ttl > 1 && f[26] < 0xe0 &&
	       f[26] != 127 && f[26] != 0;
}

static void
test_fast4(void)
{
	static const uint64_t ols[] = {0, RTE_MBUF_F_RX_IP_CKSUM_GOOD, RTE_MBUF_F_RX_IP_CKSUM_BAD,
				       RTE_MBUF_F_RX_IP_CKSUM_NONE};
	uint64_t mac48 = 0;
	unsigned n_fast = 0, n_full = 0, wrong = 0;
	struct pkt base[2], p;

	memcpy(&mac48, mac_ucast, 6);
	for (int k = 0; k < 2; k++) {
		uint32_t l3;

		eth(&base[k], mac_ucast);
		put16(&base[k], 0x0800);
		l3 = ip4(&base[k], k ? 6 : 17, SRC4, DST4, 5, 0);
		if (k)
			tcp(&base[k], 40000, 443);
		else
			udp(&base[k], 1024, 53, 18);
		ip4_done(&base[k], l3);
	}
	rng_seed(0xfa57);
	for (int i = 0; i < 400000; i++) {
		uint64_t ol = ols[i % 4 == 3 ? rng_next() % 4 : 0];
		struct dp_meta full, fast;
		bool ok;
		int rc;

		p = base[rng_next() & 1];
		/* 0..3 random bytes in the first 60; sometimes a fixed checksum; another length */
		for (unsigned nmut = (unsigned)(rng_next() % 4); nmut > 0; nmut--)
			p.b[rng_next() % 60] = (uint8_t)rng_next();
		if (rng_next() % 2) {
			uint8_t *h = p.b + 14;
			uint32_t sum = 0;

			h[10] = h[11] = 0;
			for (int j = 0; j < 20; j += 2)
				sum += (uint32_t)h[j] << 8 | h[j + 1];
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			h[10] = (uint8_t)(~sum >> 8);
			h[11] = (uint8_t)~sum;
		}
		if (rng_next() % 4 == 0)
			p.len = (uint32_t)(rng_next() % (p.len + 8));
		memset(&full, 0x5a, sizeof(full));
		memset(&fast, 0x5a, sizeof(fast));
		rc = dp_parse(p.b, p.len, ol, &full);
		ok = dp_fast4_ok(p.b, p.len, ol, mac48);
		if (ok != fast4_expected(p.b, rc, &full)) {
			if (wrong++ < 5)
				fprintf(stderr, "fast4: says %d, dp_parse rc %d (len %u)\n", ok, rc, p.len);
			continue;
		}
		if (!ok) {
			n_full++;
			continue;
		}
		n_fast++;
		dp_fast4_fill(p.b, &fast);
		/* every field dp_parse fills (of the key, k4), nothing from in_port on */
		CU_ASSERT(memcmp(&fast.key.k4, &full.key.k4, sizeof(fast.key.k4)) == 0);
		CU_ASSERT(memcmp(&fast.l3_off, &full.l3_off,
				 offsetof(struct dp_meta, in_port) - offsetof(struct dp_meta, l3_off)) == 0);
		CU_ASSERT(memcmp(&fast.in_port, &full.in_port,
				 sizeof(fast) - offsetof(struct dp_meta, in_port)) == 0);
	}
	CU_ASSERT_EQUAL(wrong, 0);
	/* both ways were taken often */
	CU_ASSERT(n_fast > 50000);
	CU_ASSERT(n_full > 50000);
}

/*
 * What dp_fast6_ok must say, from dp_parse's own result: a frame to mac_ucast
 * that dp_parse passes as untagged IPv6, UDP or TCP right after the fixed
 * header, hop limit > 1, to a destination that is not multicast, from a
 * source outside ::/8 (::, ::1) and fe80::/10 (the routing decides those).
 */
static bool
fast6_expected(const uint8_t *f, int rc, const struct dp_meta *m)
{
	const uint8_t *src = m->key.k6.src;

	return rc == 0 && memcmp(f, mac_ucast, 6) == 0 && m->l3 == DP_L3_IPV6 && m->l3_off == 14 &&
	       m->l4_off == 54 && m->flags == DP_META_L4PORTS &&
	       (m->key.k6.proto == 6 || m->key.k6.proto == 17) && m->ttl > 1 && m->key.k6.dst[0] != 0xff &&
	       src[0] != 0 && !(src[0] == 0xfe && (src[1] & 0xc0) == 0x80);
}

static void
test_fast6(void)
{
	uint64_t mac48 = 0;
	unsigned n_fast = 0, n_full = 0, wrong = 0;
	struct pkt base[4], p;

	memcpy(&mac48, mac_ucast, 6);
	for (int k = 0; k < 4; k++) {
		uint32_t l3;

		eth(&base[k], mac_ucast);
		put16(&base[k], 0x86dd);
		l3 = ip6(&base[k], k == 1 ? 6 : 17, src6, dst6);
		if (k == 1)
			tcp(&base[k], 40000, 443);
		else
			udp(&base[k], 1024, 53, 18);
		ip6_done(&base[k], l3);
	}
	/* the third: source ::1 unless mutated */
	memset(base[2].b + 22, 0, 16);
	base[2].b[37] = 1;
	/* the fourth: source link-local fe80::1 unless mutated */
	memset(base[3].b + 22, 0, 16);
	base[3].b[22] = 0xfe;
	base[3].b[23] = 0x80;
	base[3].b[37] = 1;
	rng_seed(0xfa56);
	for (int i = 0; i < 400000; i++) {
		struct dp_meta full, fast;
		bool ok;
		int rc;

		p = base[rng_next() % 4];
		/* 0..3 random bytes among the first 62, biased to the fields the test reads */
		for (unsigned nmut = (unsigned)(rng_next() % 4); nmut > 0; nmut--) {
			static const uint8_t hot[] = {0,  5,  12, 13, 14, 18, 19, 20,
						      21, 22, 23, 37, 38, 54, 58, 59};
			unsigned at = rng_next() % 2 ? hot[rng_next() % sizeof(hot)]
						     : (unsigned)(rng_next() % 62);

			p.b[at] = rng_next() % 3 ? (uint8_t)rng_next() : (uint8_t)(p.b[at] ^ 1);
		}
		if (rng_next() % 4 == 0)
			p.len = (uint32_t)(rng_next() % (p.len + 8));
		memset(&full, 0x5a, sizeof(full));
		memset(&fast, 0x5a, sizeof(fast));
		rc = dp_parse(p.b, p.len, 0, &full);
		ok = dp_fast6_ok(p.b, p.len, mac48);
		if (ok != fast6_expected(p.b, rc, &full)) {
			if (wrong++ < 5)
				fprintf(stderr, "fast6: says %d, dp_parse rc %d (len %u)\n", ok, rc, p.len);
			continue;
		}
		if (!ok) {
			n_full++;
			continue;
		}
		n_fast++;
		dp_fast6_fill(p.b, &fast);
		CU_ASSERT(memcmp(&fast, &full, offsetof(struct dp_meta, in_port)) == 0);
		CU_ASSERT(memcmp(&fast.in_port, &full.in_port,
				 sizeof(fast) - offsetof(struct dp_meta, in_port)) == 0);
	}
	CU_ASSERT_EQUAL(wrong, 0);
	CU_ASSERT(n_fast > 50000);
	CU_ASSERT(n_full > 50000);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"ethernet", test_eth},
		{"802.1Q and QinQ", test_vlan},
		{"ARP", test_arp},
		{"IPv4 header bounds", test_ipv4_header},
		{"IPv4 checksum and ol_flags", test_ipv4_checksum},
		{"IPv4 martians", test_ipv4_martian},
		{"IPv4 fragments", test_ipv4_fragments},
		{"L4 headers", test_l4},
		{"IPv4 good frames", test_ipv4_good},
		{"IPv6 header bounds", test_ipv6_header},
		{"IPv6 extension headers", test_ipv6_ext},
		{"IPv6 fragments", test_ipv6_fragments},
		{"IPv6 good frames", test_ipv6_good},
		{"frames past 64 KiB", test_oversize},
		{"dp_ipv4_ttl_dec vs recompute", test_ttl_dec},
		{"fast path agrees with dp_parse", test_fast4},
		{"IPv6 fast path agrees with dp_parse", test_fast6},
	};

#ifdef __AVX2__
	/* the build with -mavx2 (meson test parse_avx2): dp_fast4_ok's 256-bit header test, the one
	 * the fast path's x8 copy runs */
	if (!__builtin_cpu_supports("avx2")) {
		printf("parse_avx2: this CPU has no AVX2: skipped\n");
		return 77;
	}
#endif
	return HP_CUNIT_RUN("parse", tests);
}
