/* NAT44's incremental rewrites, inline: nat.c and the conntrack fast path (ct_stage.c) share them. */
#ifndef DP_NAT_RW_H
#define DP_NAT_RW_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>


static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* One's complement sum of a 32-bit value's two 16-bit halves (any consistent byte order). */
static inline uint32_t
sum32(uint32_t v)
{
	return (v >> 16) + (v & 0xffff);
}

static inline uint16_t
fold(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/*
 * A checksum delta: d accumulates ~m + m' over every 16-bit word that changed (RFC 1624,
 * eqn. 3: HC' = ~(~HC + ~m + m')); cks_apply folds it into a checksum.
 */
static inline uint32_t
delta16(uint16_t old, uint16_t new)
{
	return (uint32_t)(uint16_t)~old + new;
}

static inline uint32_t
delta32(uint32_t old, uint32_t new)
{
	return sum32(~old) + sum32(new);
}

static inline uint16_t
cks_apply(uint16_t hc, uint32_t d)
{
	return (uint16_t)~fold((uint32_t)(uint16_t)~hc + fold(d));
}

/* UDP: 0 (no checksum) stays 0; a computed 0 is sent as 0xffff (RFC 768). */
static inline uint16_t
udp_apply(uint16_t hc, uint32_t d)
{
	uint16_t c;

	if (hc == 0)
		return 0;
	c = cks_apply(hc, d);
	return c == 0 ? 0xffff : c;
}

/* ICMPv4 queries carrying an identifier: echo, timestamp, information (RFC 792). */
static inline bool
icmp_query(uint8_t type)
{
	return type == 0 || type == 8 || type == 13 || type == 14 || type == 15 || type == 16;
}

static inline uint32_t
k4(const uint8_t a[16])
{
	uint32_t v;

	memcpy(&v, a, 4);
	return v;
}

/*
 * dp_nat_rewrite4 (nat.h) with the new tuple as values (addresses network order, ports and the
 * ICMP identifier network order): with src, the source address and port become nsrc, nsport;
 * with dst, the destination ones ndst, ndport. Checksums updated incrementally.
 */
static inline void
dp_nat_rewrite4_to(uint8_t *ip, uint8_t *l4, uint32_t l4len, uint32_t nsrc_v, uint16_t nsport,
		   uint32_t ndst_v, uint16_t ndport, bool src, bool dst)
{
	uint32_t osrc, odst, nsrc, ndst, dip = 0, dl4;
	uint8_t proto = ip[9];

	/* the old values as the packet has them (its bytes are what its checksums cover) */
	memcpy(&osrc, ip + 12, 4);
	memcpy(&odst, ip + 16, 4);
	nsrc = src ? nsrc_v : osrc;
	ndst = dst ? ndst_v : odst;
	if (nsrc != osrc) {
		dip += delta32(osrc, nsrc);
		memcpy(ip + 12, &nsrc, 4);
	}
	if (ndst != odst) {
		dip += delta32(odst, ndst);
		memcpy(ip + 16, &ndst, 4);
	}
	if (dip != 0)
		wr16(ip + 10, cks_apply(rd16(ip + 10), dip));
	if (l4 == NULL)
		return; /* a later fragment: no L4 header */
	dl4 = dip;      /* the pseudo-header's addresses */
	if (proto == 6 || proto == 17) {
		uint32_t ck = proto == 6 ? 16 : 6;

		if (l4len < 4)
			return;
		if (src && rd16(l4) != nsport) {
			dl4 += delta16(rd16(l4), nsport);
			wr16(l4, nsport);
		}
		if (dst && rd16(l4 + 2) != ndport) {
			dl4 += delta16(rd16(l4 + 2), ndport);
			wr16(l4 + 2, ndport);
		}
		if (dl4 == 0 || l4len < ck + 2)
			return;
		if (proto == 6)
			wr16(l4 + ck, cks_apply(rd16(l4 + ck), dl4));
		else
			wr16(l4 + ck, udp_apply(rd16(l4 + ck), dl4));
	} else if (proto == 1) {
		/* one identifier for both directions (ct_key's sport): either rewrite may change it;
		 * no pseudo-header in ICMPv4's checksum */
		if (l4len < 8 || !icmp_query(l4[0]) || !(src || dst) || rd16(l4 + 4) == nsport)
			return;
		wr16(l4 + 2, cks_apply(rd16(l4 + 2), delta16(rd16(l4 + 4), nsport)));
		wr16(l4 + 4, nsport);
	}
}

#endif
