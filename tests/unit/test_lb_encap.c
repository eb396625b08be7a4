/*
 * Unit tests of the load balancer's encapsulations (dataplane/lb_encap.c): lb_encap_write byte for
 * byte against scapy (lb_encap_vectors.h: IPIP, IP6IP6, 4in6, GUE over IPv4 and IPv6), checksums
 * recomputed here on random packets, the refusals (6in4, too long, too short), no read outside the
 * inner packet (guard pages), the outer sources (lb_encap_src) and GUE's source ports. Pure: no EAL.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "cksum_test.h"
#include "lb_encap.h"
#include "lb_encap_vectors.h"

#define NVEC (sizeof(lb_vectors) / sizeof(lb_vectors[0]))
#define MAX_INNER 65535u
#define POISON 0xa5

static uint8_t big[LB_ENCAP_MAX_OVERHEAD + MAX_INNER]; /* outer + the longest inner */
static uint8_t big_inner[MAX_INNER];

/* ---- reference checksums: network-order words, no shortcut ---- */

/* An IPv4 header whose checksum is right sums to 0xffff, checksum included. */
static bool
ip4_cksum_ok(const uint8_t *ip)
{
	return fold16(raw_sum(ip, 20, 0)) == 0xffff;
}

/* The UDP checksum over IPv6 of the whole datagram at udp (its length field says how long), recomputed. */
static bool
udp6_cksum_ok(const uint8_t *ip6, const uint8_t *udp)
{
	unsigned len = get16(udp + 4);
	uint32_t s = raw_sum(ip6 + 8, 32, 0) + len + 17;

	if (get16(udp + 6) == 0)
		return false; /* mandatory over IPv6 */
	return fold16(raw_sum(udp, len, s)) == 0xffff;
}

/* ---- helpers ---- */

static const uint8_t *
osrc(bool v6)
{
	return v6 ? lb_vec_src6 : lb_vec_src4;
}

static const uint8_t *
odst(bool v6)
{
	return v6 ? lb_vec_dst6 : lb_vec_dst4;
}

static bool
all_poison(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != POISON)
			return false;
	return true;
}

/* memcmp that names the vector and the first differing byte. */
static bool
same_bytes(const char *what, const uint8_t *got, const uint8_t *want, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			fprintf(stderr, "\n  %s: byte %zu is 0x%02x, scapy 0x%02x\n", what, i, got[i],
				want[i]);
			return false;
		}
	return true;
}

/* ---- against scapy ---- */

static void
check_vector(const struct lb_vector *v, enum lb_encap e, bool ov6, bool in_place)
{
	unsigned oh = lb_encap_overhead(e, ov6), n;
	const uint8_t *want = v->want[e == LB_ENCAP_GUE][ov6];
	size_t want_len = v->want_len[e == LB_ENCAP_GUE][ov6];
	const uint8_t *inner = v->inner;
	char what[96];

	snprintf(what, sizeof(what), "%s %s over IPv%d%s", v->name, e == LB_ENCAP_GUE ? "GUE" : "IPIP",
		 ov6 ? 6 : 4, in_place ? " (in place)" : "");
	memset(big, POISON, LB_ENCAP_MAX_OVERHEAD + v->inner_len + 64);
	memcpy(big + oh, v->inner, v->inner_len);
	if (in_place)
		inner = big + oh;
	n = lb_encap_write(big, e, ov6, osrc(ov6), odst(ov6), v->sport, LB_VEC_GUE_DPORT, inner, v->inner_len,
			   v->inner_v6, v->flow_hash);
	if (want == NULL) {
		CU_ASSERT_EQUAL(n, 0);
		CU_ASSERT_TRUE(all_poison(big, oh)); /* nothing written */
		return;
	}
	CU_ASSERT_EQUAL_FATAL(n, oh);
	CU_ASSERT_EQUAL_FATAL(want_len, oh + v->inner_len);
	CU_ASSERT_TRUE(same_bytes(what, big, want, want_len));
	CU_ASSERT_TRUE(all_poison(big + want_len, 64)); /* nothing past the packet */
}

static void
test_vectors(void)
{
	CU_ASSERT_TRUE_FATAL(NVEC >= 6);
	for (size_t i = 0; i < NVEC; i++) {
		CU_ASSERT_EQUAL(lb_gue_sport(lb_vectors[i].flow_hash), lb_vectors[i].sport);
		for (int e = LB_ENCAP_IPIP; e <= LB_ENCAP_GUE; e++)
			for (int ov6 = 0; ov6 < 2; ov6++) {
				check_vector(&lb_vectors[i], (enum lb_encap)e, ov6, false);
				check_vector(&lb_vectors[i], (enum lb_encap)e, ov6, true);
			}
	}
}

/* The vectors' checksums are themselves right (scapy's, recomputed here), 0xffff for a computed 0. */
static void
test_vector_checksums(void)
{
	bool ffff = false;

	for (size_t i = 0; i < NVEC; i++) {
		const struct lb_vector *v = &lb_vectors[i];

		for (int g = 0; g < 2; g++) {
			if (v->want[g][0] != NULL)
				CU_ASSERT_TRUE(ip4_cksum_ok(v->want[g][0]));
			if (g == 1) {
				CU_ASSERT_EQUAL(get16(v->want[g][0] + 26), 0);
				CU_ASSERT_TRUE(udp6_cksum_ok(v->want[g][1], v->want[g][1] + 40));
				ffff |= get16(v->want[g][1] + 46) == 0xffff;
			}
		}
	}
	CU_ASSERT_TRUE(ffff); /* the vector whose sum comes to 0 is there */
}

/* ---- random packets: the fields and the checksums recomputed here ---- */

static void
test_random(void)
{
	uint8_t src6[16], dst6[16], src4[4], dst4[4];

	rng_seed(16);
	for (int k = 0; k < 4000; k++) {
		bool iv6 = rng_next() & 1, ov6 = rng_next() & 1;
		/* IPv6 in IPv4 by GUE only (no 6in4) */
		enum lb_encap e = (rng_next() & 1) || (iv6 && !ov6) ? LB_ENCAP_GUE : LB_ENCAP_IPIP;
		unsigned min = iv6 ? 40 : 20, len = min + (unsigned)(rng_next() % (k < 3900 ? 1500 : 20000));
		unsigned oh = lb_encap_overhead(e, ov6), n;
		uint32_t h = (uint32_t)rng_next();
		uint16_t sport = lb_gue_sport(h), dport = (uint16_t)rng_next();
		uint8_t *ip = big, *in = big + oh, tc;

		for (int i = 0; i < 16; i++) {
			src6[i] = (uint8_t)rng_next();
			dst6[i] = (uint8_t)rng_next();
		}
		memcpy(src4, src6, 4);
		memcpy(dst4, dst6, 4);
		for (unsigned i = 0; i < len; i++)
			in[i] = (uint8_t)rng_next();
		in[0] = (uint8_t)((iv6 ? 0x60 : 0x45) | (in[0] & (iv6 ? 0x0f : 0)));
		tc = iv6 ? (uint8_t)(in[0] << 4 | in[1] >> 4) : in[1];
		n = lb_encap_write(big, e, ov6, ov6 ? src6 : src4, ov6 ? dst6 : dst4, sport, dport, in,
				   (uint16_t)len, iv6, h);
		CU_ASSERT_EQUAL_FATAL(n, oh);
		if (ov6) {
			CU_ASSERT_EQUAL(ip[0] >> 4, 6);
			CU_ASSERT_EQUAL((uint8_t)(ip[0] << 4 | ip[1] >> 4), tc);
			CU_ASSERT_EQUAL(((uint32_t)(ip[1] & 0x0f) << 16 | get16(ip + 2)), h & 0xfffff);
			CU_ASSERT_EQUAL(get16(ip + 4), len + oh - 40);
			CU_ASSERT_EQUAL(ip[6], e == LB_ENCAP_GUE ? 17 : iv6 ? 41 : 4);
			CU_ASSERT_EQUAL(ip[7], 64);
			CU_ASSERT_EQUAL(memcmp(ip + 8, src6, 16), 0);
			CU_ASSERT_EQUAL(memcmp(ip + 24, dst6, 16), 0);
		} else {
			CU_ASSERT_EQUAL(ip[0], 0x45);
			CU_ASSERT_EQUAL(ip[1], tc);
			CU_ASSERT_EQUAL(get16(ip + 2), len + oh);
			CU_ASSERT_EQUAL(get16(ip + 4), 0);
			CU_ASSERT_EQUAL(get16(ip + 6), (iv6 || (in[6] & 0x40)) ? 0x4000 : 0);
			CU_ASSERT_EQUAL(ip[8], 64);
			CU_ASSERT_EQUAL(ip[9], e == LB_ENCAP_GUE ? 17 : 4);
			CU_ASSERT_EQUAL(memcmp(ip + 12, src4, 4), 0);
			CU_ASSERT_EQUAL(memcmp(ip + 16, dst4, 4), 0);
			CU_ASSERT_TRUE(ip4_cksum_ok(ip));
		}
		if (e == LB_ENCAP_GUE) {
			const uint8_t *udp = ip + (ov6 ? 40 : 20);

			CU_ASSERT_EQUAL(get16(udp), sport);
			CU_ASSERT_EQUAL(get16(udp + 2), dport);
			CU_ASSERT_EQUAL(get16(udp + 4), len + 8);
			if (ov6) {
				CU_ASSERT_TRUE(udp6_cksum_ok(ip, udp));
			} else {
				CU_ASSERT_EQUAL(get16(udp + 6), 0);
			}
		}
	}
}

/* ---- refusals and limits ---- */

static unsigned
write_big(enum lb_encap e, bool ov6, bool iv6, unsigned len)
{
	memset(big, POISON, LB_ENCAP_MAX_OVERHEAD);
	return lb_encap_write(big, e, ov6, osrc(ov6), odst(ov6), 50000, 6080, big_inner, (uint16_t)len, iv6,
			      7);
}

static void
test_refusals(void)
{
	memset(big_inner, 0, sizeof(big_inner));
	big_inner[0] = 0x45;

	/* 6in4: IPIP does not offer it, GUE over IPv4 carries IPv6 */
	big_inner[0] = 0x60;
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_IPIP, false, true, 100), 0);
	CU_ASSERT_TRUE(all_poison(big, LB_ENCAP_MAX_OVERHEAD));
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_GUE, false, true, 100), 28);
	CU_ASSERT_EQUAL(get16(big + 6), 0x4000); /* DF */

	/* too short for the inner family's header: refused before a byte of it is read */
	big_inner[0] = 0x45;
	for (int e = LB_ENCAP_IPIP; e <= LB_ENCAP_GUE; e++)
		for (int ov6 = 0; ov6 < 2; ov6++) {
			CU_ASSERT_EQUAL(write_big((enum lb_encap)e, ov6, false, 0), 0);
			CU_ASSERT_EQUAL(write_big((enum lb_encap)e, ov6, false, 19), 0);
			CU_ASSERT_TRUE(all_poison(big, LB_ENCAP_MAX_OVERHEAD));
			CU_ASSERT_EQUAL(write_big((enum lb_encap)e, ov6, false, 20),
					lb_encap_overhead(e, ov6));
			CU_ASSERT_EQUAL(write_big((enum lb_encap)e, true, true, 39), 0);
			CU_ASSERT_TRUE(all_poison(big, LB_ENCAP_MAX_OVERHEAD));
			CU_ASSERT_EQUAL(write_big((enum lb_encap)e, true, true, 40),
					lb_encap_overhead(e, true));
		}

	/* too long: an IPv4 total length or an IPv6 payload length over 65535 */
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_IPIP, false, false, 65515), 20);
	CU_ASSERT_EQUAL(get16(big + 2), 65535);
	CU_ASSERT_TRUE(ip4_cksum_ok(big));
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_IPIP, false, false, 65516), 0);
	CU_ASSERT_TRUE(all_poison(big, LB_ENCAP_MAX_OVERHEAD));
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_GUE, false, false, 65507), 28);
	CU_ASSERT_EQUAL(get16(big + 2), 65535);
	CU_ASSERT_EQUAL(get16(big + 24), 65515);
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_GUE, false, false, 65508), 0);
	CU_ASSERT_TRUE(all_poison(big, LB_ENCAP_MAX_OVERHEAD));
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_IPIP, true, false, 65535), 40); /* payload 65535: the most */
	CU_ASSERT_EQUAL(get16(big + 4), 65535);
	big_inner[0] = 0x60;
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_IPIP, true, true, 65535), 40);
	CU_ASSERT_EQUAL(get16(big + 4), 65535);

	/* GUE over IPv6: the UDP length and payload length 65535; the checksum over all of it */
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_GUE, true, true, 65527), 48);
	CU_ASSERT_EQUAL(get16(big + 4), 65535);
	CU_ASSERT_EQUAL(get16(big + 44), 65535);
	memcpy(big + 48, big_inner, 65527);
	CU_ASSERT_TRUE(udp6_cksum_ok(big, big + 40));
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_GUE, true, true, 65528), 0);
	CU_ASSERT_TRUE(all_poison(big, LB_ENCAP_MAX_OVERHEAD));
	CU_ASSERT_EQUAL(write_big(LB_ENCAP_GUE, true, false, 65528), 0);
}

static void
test_overheads(void)
{
	CU_ASSERT_EQUAL(lb_encap_overhead(LB_ENCAP_IPIP, false), 20);
	CU_ASSERT_EQUAL(lb_encap_overhead(LB_ENCAP_IPIP, true), 40);
	CU_ASSERT_EQUAL(lb_encap_overhead(LB_ENCAP_GUE, false), 28);
	CU_ASSERT_EQUAL(lb_encap_overhead(LB_ENCAP_GUE, true), 48);
	CU_ASSERT_EQUAL(LB_ENCAP_MAX_OVERHEAD, lb_encap_overhead(LB_ENCAP_GUE, true));
}

/* ---- no read outside inner[0 .. inner_len - 1]: guard pages on both sides ---- */

static void
test_no_overread(void)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), data = 2 * pg;
	uint8_t *map = mmap(NULL, data + 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *lo, *hi, out[LB_ENCAP_MAX_OVERHEAD];
	static const unsigned lens[] = {0, 1, 19, 20, 21, 39, 40, 41, 99, 1500, 4095};

	CU_ASSERT_FATAL(map != MAP_FAILED);
	CU_ASSERT_EQUAL_FATAL(mprotect(map, pg, PROT_NONE), 0);
	CU_ASSERT_EQUAL_FATAL(mprotect(map + pg + data, pg, PROT_NONE), 0);
	lo = map + pg;        /* the first readable byte */
	hi = map + pg + data; /* one past the last */
	memset(lo, 0, data);
	/* a read past the end or before the start faults: the test binary dies, the run fails */
	for (int iv6 = 0; iv6 < 2; iv6++)
		for (int e = LB_ENCAP_IPIP; e <= LB_ENCAP_GUE; e++)
			for (int ov6 = 0; ov6 < 2; ov6++)
				for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
					unsigned len = lens[i], min = iv6 ? 40 : 20, n;
					bool ok = len >= min && (ov6 || !iv6 || e == LB_ENCAP_GUE);

					if (len > 0) {
						lo[0] = iv6 ? 0x60 : 0x45;
						(hi - len)[0] = lo[0];
					}
					n = lb_encap_write(out, (enum lb_encap)e, ov6, osrc(ov6), odst(ov6),
							   50000, 6080, hi - len, (uint16_t)len, iv6, 1);
					CU_ASSERT_EQUAL(n, ok ? lb_encap_overhead((enum lb_encap)e, ov6) : 0);
					n = lb_encap_write(out, (enum lb_encap)e, ov6, osrc(ov6), odst(ov6),
							   50000, 6080, lo, (uint16_t)len, iv6, 1);
					CU_ASSERT_EQUAL(n, ok ? lb_encap_overhead((enum lb_encap)e, ov6) : 0);
				}
	munmap(map, data + 2 * pg);
}

/* ---- outer sources ---- */

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
src4(uint32_t prefix, unsigned plen, uint32_t hash, uint32_t *got)
{
	uint8_t p[4] = {(uint8_t)(prefix >> 24), (uint8_t)(prefix >> 16), (uint8_t)(prefix >> 8),
			(uint8_t)prefix};
	uint8_t o[4];

	lb_encap_src(p, plen, false, hash, o);
	*got = be32(o);
}

static const uint32_t edge_hashes[] = {0,          1,          2,          252,        253,       254,
				       255,        256,        65533,      65534,      65535,     65536,
				       0x7fffffff, 0x80000000, 0xfffffffd, 0xfffffffe, 0xffffffff};

/* For an IPv4 prefix shorter than /31: inside, neither network nor broadcast, every other host reached. */
static void
check_v4_prefix(uint32_t prefix, unsigned plen)
{
	uint32_t mask = plen ? ~0u << (32 - plen) : 0, net = prefix & mask, hosts = ~mask;
	uint32_t got, again;
	uint8_t *seen = calloc(hosts + 1u, 1);

	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	for (size_t i = 0; i < sizeof(edge_hashes) / sizeof(edge_hashes[0]); i++) {
		src4(prefix, plen, edge_hashes[i], &got);
		CU_ASSERT_EQUAL(got & mask, net);
		CU_ASSERT_NOT_EQUAL(got & hosts, 0);
		CU_ASSERT_NOT_EQUAL(got & hosts, hosts);
	}
	rng_seed(plen);
	for (int k = 0; k < 20000; k++) {
		uint32_t h = (uint32_t)rng_next();

		src4(prefix, plen, h, &got);
		src4(prefix, plen, h, &again);
		CU_ASSERT_EQUAL(got, again); /* deterministic */
		CU_ASSERT_EQUAL(got & mask, net);
		CU_ASSERT_NOT_EQUAL(got & hosts, 0);
		CU_ASSERT_NOT_EQUAL(got & hosts, hosts);
	}
	/* hosts - 1 consecutive hashes give every usable host once */
	for (uint32_t h = 0; h < hosts - 1; h++) {
		src4(prefix, plen, 1000 + h, &got);
		seen[got & hosts]++;
	}
	for (uint32_t x = 1; x < hosts; x++)
		CU_ASSERT_EQUAL(seen[x], 1);
	free(seen);
}

static void
test_src4(void)
{
	uint32_t got;

	check_v4_prefix(0x0a010200, 24); /* 10.1.2.0/24 */
	check_v4_prefix(0x0a01024d, 24); /* 10.1.2.77/24: the host bits given are ignored */
	check_v4_prefix(0xc0a80104, 30); /* 192.168.1.4/30: hosts .5 and .6 */
	check_v4_prefix(0x0a140000, 16);

	/* /31 (RFC 3021): both addresses, by the hash's low bit */
	src4(0xc0a80106, 31, 0, &got);
	CU_ASSERT_EQUAL(got, 0xc0a80106);
	src4(0xc0a80106, 31, 3, &got);
	CU_ASSERT_EQUAL(got, 0xc0a80107);
	/* /32 and beyond: the prefix itself */
	for (size_t i = 0; i < sizeof(edge_hashes) / sizeof(edge_hashes[0]); i++) {
		src4(0xc0a80107, 32, edge_hashes[i], &got);
		CU_ASSERT_EQUAL(got, 0xc0a80107);
		src4(0xc0a80107, 40, edge_hashes[i], &got);
		CU_ASSERT_EQUAL(got, 0xc0a80107);
		/* /0: 32 host bits, never 0.0.0.0 or 255.255.255.255 */
		src4(0xc0a80107, 0, edge_hashes[i], &got);
		CU_ASSERT_NOT_EQUAL(got, 0);
		CU_ASSERT_NOT_EQUAL(got, 0xffffffff);
	}
}

/* The prepared sources (lb_encap_src4, without a division) against the definition, 1 + hash %
 * (2^hostbits - 2) below /31, for every prefix length, the edge hashes and random ones. */
static void
test_src4_prepared(void)
{
	const uint8_t p[4] = {0xac, 0x10, 0x35, 0x77}; /* 172.16.53.119: host bits ignored */

	rng_seed(4242);
	for (unsigned plen = 0; plen <= 33; plen++) {
		unsigned l = plen > 32 ? 32 : plen, hb = 32 - l;
		uint32_t mask = l == 0 ? 0 : ~0u << hb, net = 0xac103577u & mask;
		struct lb_src4 s;

		lb_encap_src4_prep(p, plen, &s);
		for (size_t i = 0; i < sizeof(edge_hashes) / sizeof(edge_hashes[0]) + 50000; i++) {
			uint32_t h = i < sizeof(edge_hashes) / sizeof(edge_hashes[0]) ? edge_hashes[i]
										      : (uint32_t)rng_next();
			uint32_t want = hb >= 2   ? net | (uint32_t)(1 + h % ((1ull << hb) - 2))
					: hb == 1 ? net | (h & 1)
						  : net;
			uint32_t got = lb_encap_src4(&s, h);

			if (be32((const uint8_t *)&got) != want) {
				CU_FAIL("lb_encap_src4 differs from 1 + hash % (2^hostbits - 2)");
				fprintf(stderr, "  /%u hash %#x: got %#x, want %#x\n", plen, h,
					be32((const uint8_t *)&got), want);
				return;
			}
		}
	}
}

static void
test_src6(void)
{
	static const uint8_t p[16] = {0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0x12, 0x34,
				      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	uint8_t o[16], o2[16];

	/* /128: the prefix itself */
	lb_encap_src(p, 128, true, 0xdeadbeef, o);
	CU_ASSERT_EQUAL(memcmp(o, p, 16), 0);
	/* /64: the prefix, then 32 zero bits, then the hash's 32 */
	lb_encap_src(p, 64, true, 0xdeadbeef, o);
	CU_ASSERT_EQUAL(memcmp(o, p, 8), 0);
	CU_ASSERT_EQUAL(be32(o + 8), 0);
	CU_ASSERT_EQUAL(be32(o + 12), 0xdeadbeef);
	lb_encap_src(p, 64, true, 0xdeadbeef, o2);
	CU_ASSERT_EQUAL(memcmp(o, o2, 16), 0);
	/* /100: 28 host bits, all from the hash */
	lb_encap_src(p, 100, true, 0xdeadbeef, o);
	CU_ASSERT_EQUAL(memcmp(o, p, 12), 0);
	CU_ASSERT_EQUAL(be32(o + 12), 0xf0000000u | 0x0eadbeefu);
	/* /120: the last byte from the hash, 0 and 255 included (no broadcast in IPv6) */
	lb_encap_src(p, 120, true, 0x100, o);
	CU_ASSERT_EQUAL(memcmp(o, p, 15), 0);
	CU_ASSERT_EQUAL(o[15], 0);
	lb_encap_src(p, 120, true, 0x1ff, o);
	CU_ASSERT_EQUAL(o[15], 0xff);
	/* /52: the bits between /52 and the low 32 are cleared */
	lb_encap_src(p, 52, true, 1, o);
	CU_ASSERT_EQUAL(memcmp(o, p, 6), 0);
	CU_ASSERT_EQUAL(o[6], 0x10);
	for (int i = 7; i < 15; i++)
		CU_ASSERT_EQUAL(o[i], 0);
	CU_ASSERT_EQUAL(o[15], 1);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* 1000 flows over a /16 (65534 hosts): fewer than 100 collide (about 8 expected). */
static void
test_src_spread(void)
{
	uint32_t a[1000];
	unsigned distinct = 1;

	rng_seed(1000);
	for (int i = 0; i < 1000; i++)
		src4(0x0a140000, 16, (uint32_t)rng_next(), &a[i]);
	qsort(a, 1000, sizeof(a[0]), cmp_u32);
	for (int i = 1; i < 1000; i++)
		distinct += a[i] != a[i - 1];
	CU_ASSERT_TRUE(distinct > 900);
}

static void
test_gue_sport(void)
{
	static uint8_t seen[16384];

	CU_ASSERT_EQUAL(lb_gue_sport(0), 49152);
	CU_ASSERT_EQUAL(lb_gue_sport(0xffffffff), 65535);
	rng_seed(5);
	for (int k = 0; k < 100000; k++) {
		uint16_t p = lb_gue_sport((uint32_t)rng_next());

		CU_ASSERT_TRUE(p >= 49152);
	}
	for (uint32_t k = 0; k < 16384; k++)
		seen[lb_gue_sport(k << 18 | (k & 0x3ffff)) - 49152]++;
	for (uint32_t k = 0; k < 16384; k++)
		CU_ASSERT_EQUAL(seen[k], 1);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"IPIP, IP6IP6, 4in6, GUE over IPv4 and IPv6: byte for byte as scapy", test_vectors},
		{"scapy's vectors: checksums recomputed", test_vector_checksums},
		{"random packets: fields and checksums recomputed", test_random},
		{"refusals: 6in4, too short, too long; the limits", test_refusals},
		{"overheads", test_overheads},
		{"no read outside the inner packet (guard pages)", test_no_overread},
		{"outer source IPv4: inside, no network or broadcast, every host, /31, /32", test_src4},
		{"outer source IPv4 prepared (no division): as 1 + hash % (2^hostbits - 2), /0 to /33",
		 test_src4_prepared},
		{"outer source IPv6: /128, /64, /100, /120, /52", test_src6},
		{"outer source: 1000 flows over a /16 spread", test_src_spread},
		{"GUE source port: 49152..65535, all of them", test_gue_sport},
	};

	return HP_CUNIT_RUN("lb_encap", tests);
}
