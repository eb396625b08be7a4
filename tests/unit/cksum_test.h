/* Reference Internet checksums for the unit tests that recompute a packet's (test_lb_encap.c,
 * test_nat.c): network-order 16-bit words summed byte by byte, no shortcut. */
#ifndef HP_CKSUM_TEST_H
#define HP_CKSUM_TEST_H

#include <stddef.h>
#include <stdint.h>

/* s plus the one's complement sum of p's len bytes as big-endian words (an odd last byte padded), unfolded. */
static inline uint32_t
raw_sum(const uint8_t *p, size_t len, uint32_t s)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	return s;
}

/* s's carries folded into 16 bits. */
static inline uint16_t
fold16(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The big-endian 16-bit word at p. */
static inline uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#endif
