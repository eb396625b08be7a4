/* Frames built by hand for hp_xdp's tests and benchmark, each with how many bytes of it the program must see. */
#ifndef HP_TEST_XDP_FRAMES_H
#define HP_TEST_XDP_FRAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "hp_xdp.h"

#define FRAME_MAX 2048

/*
 * A frame and "need": the end of the last header hp_xdp requires. Cut anywhere before
 * need, the frame is malformed; cut at or after it, it keeps its verdict. Every builder
 * below moves need to its end unless "optional" is set (the parts hp_xdp does not parse:
 * a third VLAN tag, what follows a non-first fragment or a too-long chain, payload).
 */
struct frame {
	uint8_t b[FRAME_MAX];
	uint32_t len;
	uint32_t need;
	bool optional;
};

static const uint8_t frame_dmac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t frame_smac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define FRAME_SRC4 IP4(192, 0, 2, 1)
#define FRAME_DST4 IP4(198, 51, 100, 7)

static const uint8_t frame_src6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t frame_dst6[16] = {0x20, 0x01, 0x0d, 0xb8, [12] = 0xde, 0xad, 0xbe, 0xef};

static inline void
put8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}

static inline void
put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}

static inline void
put32(struct frame *f, uint32_t v)
{
	put16(f, (uint16_t)(v >> 16));
	put16(f, (uint16_t)v);
}

static inline void
putn(struct frame *f, const void *v, uint32_t n)
{
	memcpy(f->b + f->len, v, n);
	f->len += n;
}

static inline void
put0(struct frame *f, uint32_t n)
{
	memset(f->b + f->len, 0, n);
	f->len += n;
}

static inline void
set16(struct frame *f, uint32_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

/* A header just written: required unless the frame is past what hp_xdp parses. */
static inline void
required(struct frame *f)
{
	if (!f->optional)
		f->need = f->len;
}

/* Ethernet with the given tag TPIDs (0x8100 or 0x88a8) in order, then type. */
static inline void
frame_eth(struct frame *f, const uint16_t *tpids, unsigned int ntags, uint16_t type)
{
	memset(f, 0, sizeof(*f));
	putn(f, frame_dmac, 6);
	putn(f, frame_smac, 6);
	put16(f, ntags ? tpids[0] : type);
	required(f);
	for (unsigned int i = 0; i < ntags; i++) {
		/* hp_xdp walks HP_XDP_MAX_VLAN tags: one more is not its business */
		if (i == HP_XDP_MAX_VLAN)
			f->optional = true;
		put16(f, (uint16_t)(100 + i)); /* TCI: VLAN 100, 101, ... */
		put16(f, i + 1 < ntags ? tpids[i + 1] : type);
		required(f);
	}
}

static inline void
frame_eth_plain(struct frame *f, uint16_t type)
{
	frame_eth(f, NULL, 0, type);
}

static inline uint16_t
frame_cksum(const uint8_t *b, uint32_t n)
{
	uint32_t sum = 0;

	for (uint32_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* IPv4 header with opt_words 32-bit words of NOP options, frag_off as on the wire; returns its offset. */
static inline uint32_t
frame_ip4(struct frame *f, uint8_t proto, uint32_t src, unsigned int opt_words, uint16_t frag_off)
{
	uint32_t l3 = f->len;

	put8(f, (uint8_t)(0x40 | (5 + opt_words)));
	put8(f, 0);
	put16(f, 0); /* total length: frame_ip4_done */
	put16(f, 0x1234);
	put16(f, frag_off);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0);
	put32(f, src);
	put32(f, FRAME_DST4);
	for (unsigned int i = 0; i < opt_words * 4; i++)
		put8(f, 1);
	required(f);
	if (frag_off & 0x1fff)
		f->optional = true; /* a non-first fragment: no L4 header to look at */
	return l3;
}

/* Total length and header checksum, once the payload is there. */
static inline void
frame_ip4_done(struct frame *f, uint32_t l3)
{
	uint32_t hlen = (f->b[l3] & 0x0fu) * 4;

	set16(f, l3 + 2, (uint16_t)(f->len - l3));
	set16(f, l3 + 10, 0);
	set16(f, l3 + 10, frame_cksum(f->b + l3, hlen));
}

static inline uint32_t
frame_ip6(struct frame *f, uint8_t nexthdr, const uint8_t *src)
{
	uint32_t l3 = f->len;

	put32(f, 0x60012345); /* version 6, a flow label */
	put16(f, 0);
	put8(f, nexthdr);
	put8(f, 64);
	putn(f, src, 16);
	putn(f, frame_dst6, 16);
	required(f);
	return l3;
}

static inline void
frame_ip6_done(struct frame *f, uint32_t l3)
{
	set16(f, l3 + 4, (uint16_t)(f->len - l3 - 40));
}

/* Hop-by-hop, routing or destination options: (units + 1) * 8 bytes. */
static inline void
frame_ip6_opt(struct frame *f, uint8_t next, uint8_t units)
{
	put8(f, next);
	put8(f, units);
	put0(f, (units + 1u) * 8 - 2);
	required(f);
}

/* AH: (units + 2) * 4 bytes. */
static inline void
frame_ip6_ah(struct frame *f, uint8_t next, uint8_t units)
{
	put8(f, next);
	put8(f, units);
	put0(f, (units + 2u) * 4 - 2);
	required(f);
}

/* Fragment header at offset8 (8-byte units), M flag more. Past a non-first one, nothing is required. */
static inline void
frame_ip6_frag(struct frame *f, uint8_t next, uint16_t offset8, bool more)
{
	put8(f, next);
	put8(f, 0);
	put16(f, (uint16_t)(offset8 << 3 | (more ? 1 : 0)));
	put32(f, 0xcafe0001);
	required(f);
	if (offset8 != 0)
		f->optional = true;
}

/* TCP with opt_words 32-bit words of NOP options. */
static inline void
frame_tcp(struct frame *f, uint16_t sport, uint16_t dport, unsigned int opt_words)
{
	put16(f, sport);
	put16(f, dport);
	put32(f, 1000);
	put32(f, 0);
	put8(f, (uint8_t)((5 + opt_words) << 4));
	put8(f, 0x02); /* SYN */
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	for (unsigned int i = 0; i < opt_words * 4; i++)
		put8(f, 1);
	required(f);
}

static inline void
frame_udp(struct frame *f, uint16_t sport, uint16_t dport, uint16_t payload)
{
	put16(f, sport);
	put16(f, dport);
	put16(f, (uint16_t)(8 + payload));
	put16(f, 0);
	required(f);
	for (uint16_t i = 0; i < payload; i++)
		put8(f, (uint8_t)i);
}

/* ICMP or ICMPv6: type, code, checksum, 4 bytes of the message, then payload. */
static inline void
frame_icmp(struct frame *f, uint8_t type, uint16_t payload)
{
	put8(f, type);
	put8(f, 0);
	put16(f, 0);
	put32(f, 0x00010001);
	required(f);
	for (uint16_t i = 0; i < payload; i++)
		put8(f, (uint8_t)i);
}

/* Ethernet/IPv4 ARP request body (28 bytes). */
static inline void
frame_arp(struct frame *f)
{
	put16(f, 1);      /* Ethernet */
	put16(f, 0x0800); /* IPv4 */
	put8(f, 6);
	put8(f, 4);
	put16(f, 1); /* request */
	putn(f, frame_smac, 6);
	put32(f, FRAME_SRC4);
	put0(f, 6);
	put32(f, FRAME_DST4);
	required(f);
}

/* Bytes nobody parses (padding, payload). */
static inline void
frame_payload(struct frame *f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(f, (uint8_t)(0xa0 + i));
}

#endif
