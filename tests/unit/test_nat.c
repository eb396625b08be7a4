/*
 * Unit tests of NAT44 (dataplane/nat.c): the rewrites' incremental checksums against full
 * recomputations on random packets, ICMP errors translated back (read again with ct_icmp_quote),
 * the pools' port maps (distinct pairs, exact exhaustion, release, two threads racing, rebuilds
 * keeping claims, a removed address's map freed), DNAT and SNAT rule matching. Pure: no EAL.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "cksum_test.h"
#include "ct_tcp.h"
#include "nat.h"

/* ---- reference checksums ---- */

/* The checksum a full computation writes (field zero while summing), host order. */
static uint16_t
full_cksum(const uint8_t *p, size_t len, size_t field, uint32_t init)
{
	uint8_t tmp[2048];

	memcpy(tmp, p, len);
	tmp[field] = tmp[field + 1] = 0;
	return (uint16_t)~fold16(raw_sum(tmp, len, init));
}

/* A one's complement sum over p (checksum field included) that verifies: 0xffff. */
static bool
sum_ok(const uint8_t *p, size_t len, uint32_t init)
{
	return fold16(raw_sum(p, len, init)) == 0xffff;
}

static uint32_t
pseudo(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	return raw_sum(ip + 12, 8, 0) + proto + l4len;
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
fill_ip_cksum(uint8_t *ip)
{
	set16(ip + 10, full_cksum(ip, (ip[0] & 15) * 4u, 10, 0));
}

/* ---- packets ---- */

/* An IPv4 packet at b: header (ihl 5..7 words), proto's header and payload; returns the IP
 * length. icmp_type: for proto 1. udp0: a UDP checksum of 0 (none). */
static uint32_t
make_pkt(uint8_t *b, uint8_t proto, uint8_t icmp_type, bool udp0, uint32_t paylen)
{
	uint32_t ihl = 20 + 4 * (uint32_t)(rng_next() % 3), l4h = proto == 6 ? 20 : 8,
		 tot = ihl + l4h + paylen;
	uint8_t *l4 = b + ihl;

	for (uint32_t i = 0; i < tot; i++)
		b[i] = (uint8_t)rng_next();
	b[0] = (uint8_t)(0x40 | ihl / 4);
	set16(b + 2, (uint16_t)tot);
	set16(b + 6, 0x4000);
	b[8] = 64;
	b[9] = proto;
	fill_ip_cksum(b);
	if (proto == 6) {
		l4[12] = 5 << 4;
		set16(l4 + 16, full_cksum(l4, tot - ihl, 16, pseudo(b, 6, tot - ihl)));
	} else if (proto == 17) {
		uint16_t c;

		set16(l4 + 4, (uint16_t)(tot - ihl));
		c = full_cksum(l4, tot - ihl, 6, pseudo(b, 17, tot - ihl));
		set16(l4 + 6, udp0 ? 0 : c == 0 ? 0xffff : c);
	} else {
		l4[0] = icmp_type;
		l4[1] = 0;
		set16(l4 + 2, full_cksum(l4, tot - ihl, 2, 0));
	}
	return tot;
}

static void
key_of(const uint8_t *ip, struct ct_key *k)
{
	const uint8_t *l4 = ip + (ip[0] & 15) * 4;

	memset(k, 0, sizeof(*k));
	memcpy(k->src, ip + 12, 4);
	memcpy(k->dst, ip + 16, 4);
	k->proto = ip[9];
	memcpy(&k->sport, ip[9] == 1 ? l4 + 4 : l4, 2);
	if (ip[9] != 1)
		memcpy(&k->dport, l4 + 2, 2);
}

static void
random_key(struct ct_key *k, uint8_t proto)
{
	uint32_t a = (uint32_t)rng_next(), d = (uint32_t)rng_next();

	memset(k, 0, sizeof(*k));
	memcpy(k->src, &a, 4);
	memcpy(k->dst, &d, 4);
	k->proto = proto;
	k->sport = (uint16_t)rng_next();
	k->dport = proto == 1 ? 0 : (uint16_t)rng_next();
}

static void
check_l4(const uint8_t *ip, uint32_t tot, bool udp0)
{
	uint32_t ihl = (ip[0] & 15) * 4u;
	const uint8_t *l4 = ip + ihl;

	CU_ASSERT_EQUAL(get16(ip + 10), full_cksum(ip, ihl, 10, 0));
	if (ip[9] == 6) {
		CU_ASSERT_TRUE(sum_ok(l4, tot - ihl, pseudo(ip, 6, tot - ihl)));
	} else if (ip[9] == 17) {
		if (udp0) {
			CU_ASSERT_EQUAL(get16(l4 + 6), 0);
		} else {
			CU_ASSERT_NOT_EQUAL(get16(l4 + 6), 0);
			CU_ASSERT_TRUE(sum_ok(l4, tot - ihl, pseudo(ip, 17, tot - ihl)));
		}
	} else {
		CU_ASSERT_TRUE(sum_ok(l4, tot - ihl, 0));
	}
}

static void
test_rewrite_random(void)
{
	static const uint8_t protos[] = {6, 17, 1};
	static const uint8_t icmp_types[] = {8, 0, 13, 14, 15, 16};
	uint8_t b[256];

	rng_seed(15);
	for (int i = 0; i < 200000; i++) {
		uint8_t proto = protos[rng_next() % 3];
		bool udp0 = proto == 17 && rng_next() % 4 == 0;
		uint32_t tot = make_pkt(b, proto, icmp_types[rng_next() % 6], udp0,
					(uint32_t)(rng_next() % 41));
		uint32_t ihl = (b[0] & 15) * 4u;
		struct ct_key from, to, got;
		unsigned which = 1 + (unsigned)(rng_next() % 3); /* 1 src, 2 dst, 3 both */
		bool src = which & 1, dst = which & 2;

		key_of(b, &from);
		random_key(&to, proto);
		if (rng_next() % 8 == 0)
			memcpy(to.src, from.src, 4); /* an unchanged address: only the port moves */
		if (rng_next() % 8 == 0)
			to.sport = from.sport;
		dp_nat_rewrite4(b, b + ihl, tot - ihl, &from, &to, src, dst);
		check_l4(b, tot, udp0);
		key_of(b, &got);
		CU_ASSERT_EQUAL(memcmp(got.src, src ? to.src : from.src, 4), 0);
		CU_ASSERT_EQUAL(memcmp(got.dst, dst ? to.dst : from.dst, 4), 0);
		if (proto == 1) {
			/* one identifier for both directions: either rewrite sets it */
			CU_ASSERT_EQUAL(got.sport, to.sport);
		} else {
			CU_ASSERT_EQUAL(got.sport, src ? to.sport : from.sport);
			CU_ASSERT_EQUAL(got.dport, dst ? to.dport : from.dport);
		}
		if (CU_get_number_of_failures() > 0)
			break;
	}
}

/* A later fragment (no L4 header): the addresses and the IP checksum only. */
static void
test_rewrite_fragment(void)
{
	uint8_t b[256], before[256];
	struct ct_key from, to;
	uint32_t tot;

	rng_seed(4);
	tot = make_pkt(b, 17, 0, false, 30);
	set16(b + 6, 0x0010); /* offset 128 bytes */
	fill_ip_cksum(b);
	memcpy(before, b, tot);
	key_of(b, &from);
	random_key(&to, 17);
	dp_nat_rewrite4(b, NULL, 0, &from, &to, true, true);
	CU_ASSERT_EQUAL(memcmp(b + 12, to.src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(b + 16, to.dst, 4), 0);
	CU_ASSERT_EQUAL(get16(b + 10), full_cksum(b, (b[0] & 15) * 4u, 10, 0));
	CU_ASSERT_EQUAL(memcmp(b + 20, before + 20, tot - 20), 0); /* options and payload */
}

/*
 * ICMP errors: the packet that left translated (its tuple `outside`) quoted in an error from a
 * router; after dp_nat_icmp_error4 every checksum verifies and the quote reads `inner`.
 */
static void
one_icmp_error(uint8_t proto, uint8_t qtype, bool whole, bool with_src)
{
	uint8_t pkt[256], b[512];
	uint32_t ptot = make_pkt(pkt, proto, qtype, false, (uint32_t)(rng_next() % 24));
	uint32_t pihl = (pkt[0] & 15) * 4u, quote = whole ? ptot : pihl + 8, len = 8 + quote, tot = 20 + len;
	struct ct_key inner;
	struct ct_tuple t;
	uint32_t odst = (uint32_t)rng_next(), osrc = with_src ? (uint32_t)rng_next() : 0, osrc_before;
	uint8_t *icmp = b + 20, *q = icmp + 8;

	memset(b, 0, sizeof(b));
	b[0] = 0x45;
	set16(b + 2, (uint16_t)tot);
	b[8] = 64;
	b[9] = 1;
	for (int i = 12; i < 20; i++)
		b[i] = (uint8_t)rng_next();
	fill_ip_cksum(b);
	icmp[0] = rng_next() % 2 ? 3 : 11;
	icmp[1] = icmp[0] == 3 ? 3 : 0;
	memcpy(q, pkt, quote);
	set16(icmp + 2, full_cksum(icmp, len, 2, 0));
	memcpy(&osrc_before, b + 12, 4);

	random_key(&inner, proto);
	dp_nat_icmp_error4(b, icmp, len, &inner, odst, osrc);

	CU_ASSERT_EQUAL(get16(b + 10), full_cksum(b, 20, 10, 0));
	CU_ASSERT_TRUE(sum_ok(icmp, len, 0));
	CU_ASSERT_EQUAL(get16(q + 10), full_cksum(q, pihl, 10, 0));
	CU_ASSERT_EQUAL(memcmp(b + 16, &odst, 4), 0);
	CU_ASSERT_EQUAL(memcmp(b + 12, with_src ? &osrc : &osrc_before, 4), 0);
	CU_ASSERT_EQUAL_FATAL(ct_icmp_quote(icmp, len, false, &t), CT_Q_OK);
	CU_ASSERT_EQUAL(t.proto, proto);
	CU_ASSERT_EQUAL(memcmp(t.src, inner.src, 4), 0);
	CU_ASSERT_EQUAL(memcmp(t.dst, inner.dst, 4), 0);
	/* ct_icmp_quote reads the ports in host order (rd16), whatever ct_tcp.h's comment says */
	CU_ASSERT_EQUAL(t.sport, ntohs(inner.sport));
	if (proto != 1)
		CU_ASSERT_EQUAL(t.dport, ntohs(inner.dport));
	if (whole) {
		uint8_t *ql4 = q + pihl;

		if (proto == 6)
			CU_ASSERT_TRUE(sum_ok(ql4, ptot - pihl, pseudo(q, 6, ptot - pihl)));
		if (proto == 17)
			CU_ASSERT_TRUE(sum_ok(ql4, ptot - pihl, pseudo(q, 17, ptot - pihl)));
		if (proto == 1)
			CU_ASSERT_TRUE(sum_ok(ql4, ptot - pihl, 0));
	}
}

static void
test_icmp_errors(void)
{
	rng_seed(792);
	for (int i = 0; i < 20000 && CU_get_number_of_failures() == 0; i++) {
		bool whole = i & 1, with_src = i & 2;

		one_icmp_error(6, 0, whole, with_src);
		one_icmp_error(17, 0, whole, with_src);
		one_icmp_error(1, 8, whole, with_src);
		one_icmp_error(1, 0, whole, with_src);
	}
}

/* A quote shorter than its IP header, or len under 28: nothing is written. */
static void
test_icmp_error_truncated(void)
{
	uint8_t b[128], before[128];
	struct ct_key inner;

	rng_seed(5);
	for (int i = 0; i < (int)sizeof(b); i++)
		b[i] = (uint8_t)rng_next();
	b[0] = 0x45;
	b[28] = 0x46; /* quoted IHL 24 */
	random_key(&inner, 6);
	memcpy(before, b, sizeof(b));
	for (uint32_t len = 0; len < 8 + 24; len++) {
		dp_nat_icmp_error4(b, b + 20, len, &inner, 1, 2);
		CU_ASSERT_EQUAL(memcmp(b, before, sizeof(b)), 0);
	}
}

/* ---- configurations ---- */

static struct hp_config cfg;
static struct hp_nat_rule rules[1100];

static void
cfg_reset(void)
{
	memset(&cfg, 0, sizeof(cfg));
	memset(rules, 0, sizeof(rules));
	strcpy(cfg.file, "t.yaml");
	cfg.nat = rules;
}

static uint32_t
a4(const char *s)
{
	uint32_t v;

	CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, s, &v), 1);
	return v;
}

static void
add_snat(int out, const char *net, unsigned len, const char *const *pool, unsigned n, uint16_t lo,
	 uint16_t hi)
{
	struct hp_nat_rule *r = &rules[cfg.n_nat++];
	uint32_t v = a4(net);

	r->type = HP_NAT_SNAT;
	r->port = out;
	r->src.family = AF_INET;
	r->src.len = (uint8_t)len;
	memcpy(r->src.addr, &v, 4);
	r->n_to = n;
	for (unsigned i = 0; i < n; i++) {
		v = a4(pool[i]);
		r->to[i].family = AF_INET;
		memcpy(r->to[i].addr, &v, 4);
	}
	r->port_lo = lo;
	r->port_hi = hi;
	r->line = cfg.n_nat + 1;
}

static void
add_dnat(int in, uint32_t dst, uint8_t proto, uint16_t dport, uint32_t to, uint16_t to_port)
{
	struct hp_nat_rule *r = &rules[cfg.n_nat++];

	r->type = HP_NAT_DNAT;
	r->port = in;
	r->dst.family = AF_INET;
	memcpy(r->dst.addr, &dst, 4);
	r->proto = proto;
	r->dport = dport;
	r->to_addr.family = AF_INET;
	memcpy(r->to_addr.addr, &to, 4);
	r->to_port = to_port;
	r->line = cfg.n_nat + 1;
}

static struct dp_nat *
build(const struct dp_nat *prev, unsigned n_workers)
{
	char err[256] = "";
	struct dp_nat *n = dp_nat_build(&cfg, prev, n_workers, 0, err, sizeof(err));

	if (n == NULL)
		printf("dp_nat_build: %s\n", err);
	return n;
}

/* ---- pools ---- */

static const char *const pool2[] = {"198.51.100.1", "198.51.100.2"};

static void
test_pool_exhaust_release(void)
{
	static const uint8_t protos[] = {6, 17, 1};
	struct dp_nat *n;
	struct dp_nat_stats *st;

	cfg_reset();
	add_dnat(0, a4("203.0.113.9"), 6, 80, a4("10.0.0.9"), 80); /* the snat rule is index 1 */
	add_snat(1, "10.0.0.0", 8, pool2, 2, 1024, 1039);
	n = build(NULL, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(dp_nat_n_rules(n), 2);
	st = dp_nat_worker_stats(n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_PTR_NULL(dp_nat_worker_stats(n, 2));
	for (int pi = 0; pi < 3; pi++) {
		uint8_t proto = protos[pi];
		bool seen[2][16] = {{false}};
		uint32_t addr, cookie, cookies[2] = {0, 0};
		uint16_t port;

		CU_ASSERT_EQUAL(dp_nat_pool_free(n, 1, proto), 32);
		for (int i = 0; i < 32; i++) {
			unsigned ai, p;

			CU_ASSERT_EQUAL_FATAL(
				dp_nat_alloc(n, 1, 1, proto, (uint32_t)rng_next(), &addr, &port, &cookie), 0);
			ai = addr == a4(pool2[0]) ? 0 : 1;
			CU_ASSERT_EQUAL_FATAL(addr, a4(pool2[ai]));
			p = ntohs(port);
			CU_ASSERT_TRUE_FATAL(p >= 1024 && p <= 1039);
			CU_ASSERT_FALSE(seen[ai][p - 1024]);
			seen[ai][p - 1024] = true;
			CU_ASSERT_NOT_EQUAL(cookie, 0);
			if (cookies[ai] == 0)
				cookies[ai] = cookie;
			CU_ASSERT_EQUAL(cookie, cookies[ai]); /* one cookie per address */
		}
		CU_ASSERT_NOT_EQUAL(cookies[0], cookies[1]);
		CU_ASSERT_EQUAL(dp_nat_pool_free(n, 1, proto), 0);
		CU_ASSERT_EQUAL(dp_nat_alloc(n, 1, 1, proto, 7, &addr, &port, &cookie), -ENOSPC);
		CU_ASSERT_EQUAL(st->exhausted, (uint64_t)pi + 1);
		/* one back: exactly that one is handed out again */
		dp_nat_release(n, 1, cookies[1], proto, htons(1030));
		CU_ASSERT_EQUAL(st->released, 2 * (uint64_t)pi + 1);
		CU_ASSERT_EQUAL(dp_nat_pool_free(n, 1, proto), 1);
		dp_nat_release(n, 1, cookies[1], proto, htons(1030)); /* twice: not counted again */
		dp_nat_release(n, 1, 0xdeadbeef, proto, htons(1031)); /* unknown cookie: nothing */
		CU_ASSERT_EQUAL(st->released, 2 * (uint64_t)pi + 1);
		CU_ASSERT_EQUAL(dp_nat_pool_free(n, 1, proto), 1);
		CU_ASSERT_EQUAL(dp_nat_alloc(n, 1, 1, proto, 99, &addr, &port, &cookie), 0);
		CU_ASSERT_EQUAL(addr, a4(pool2[1]));
		CU_ASSERT_EQUAL(ntohs(port), 1030);
		CU_ASSERT_EQUAL(cookie, cookies[1]);
		dp_nat_release(n, 1, cookies[0], proto, htons(1024));
		CU_ASSERT_EQUAL(st->released, 2 * (uint64_t)pi + 2);
	}
	/* not an snat rule, not a NAT protocol, no rule */
	{
		uint32_t addr, cookie;
		uint16_t port;

		CU_ASSERT_EQUAL(dp_nat_alloc(n, 0, 0, 6, 1, &addr, &port, &cookie), -EINVAL);
		CU_ASSERT_EQUAL(dp_nat_alloc(n, 0, 1, 47, 1, &addr, &port, &cookie), -EINVAL);
		CU_ASSERT_EQUAL(dp_nat_alloc(n, 0, 2, 6, 1, &addr, &port, &cookie), -EINVAL);
		CU_ASSERT_EQUAL(dp_nat_pool_free(n, 0, 6), 0);
	}
	dp_nat_free(n);
}

/* A whole 65535-port range of one address: every port, then none (the search falls back to the
 * whole range when its first words are taken). */
static void
test_pool_full_range(void)
{
	static const char *const one[] = {"192.0.2.77"};
	static uint8_t seen[65536];
	struct dp_nat *n;
	uint32_t addr, cookie;
	uint16_t port;
	int dup = 0;

	cfg_reset();
	add_snat(0, "0.0.0.0", 0, one, 1, 1, 65535);
	n = build(NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	memset(seen, 0, sizeof(seen));
	rng_seed(65535);
	for (int i = 0; i < 65535; i++) {
		CU_ASSERT_EQUAL_FATAL(dp_nat_alloc(n, 0, 0, 17, (uint32_t)rng_next(), &addr, &port, &cookie),
				      0);
		dup += seen[ntohs(port)]++;
	}
	CU_ASSERT_EQUAL(dup, 0);
	CU_ASSERT_EQUAL(seen[0], 0);
	CU_ASSERT_EQUAL(dp_nat_alloc(n, 0, 0, 17, 3, &addr, &port, &cookie), -ENOSPC);
	CU_ASSERT_EQUAL(dp_nat_pool_free(n, 0, 17), 0);
	CU_ASSERT_EQUAL(dp_nat_pool_free(n, 0, 6), 65535);
	dp_nat_free(n);
}

static uint32_t pool2_first; /* pool2[0], for the threads */

struct racer {
	struct dp_nat *n;
	unsigned worker;
	uint32_t (*owner)[65536];
	unsigned ok, dup;
};

#define RACE_ITERS 2000000

static void *
race(void *arg)
{
	struct racer *r = arg;
	uint32_t held_cookie[8], held_ai[8];
	uint16_t held_port[8];
	unsigned nheld = 0, head = 0;
	uint64_t x = 0x1234567ull * (r->worker + 1);

	for (int i = 0; i < RACE_ITERS; i++) {
		uint32_t addr, cookie, ai;
		uint16_t port;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		if (nheld < 8 &&
		    dp_nat_alloc(r->n, r->worker, 0, 6, (uint32_t)(x >> 32), &addr, &port, &cookie) == 0) {
			uint32_t zero = 0;

			ai = addr == pool2_first ? 0 : 1;
			if (!__atomic_compare_exchange_n(&r->owner[ai][ntohs(port)], &zero, r->worker + 1,
							 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				r->dup++;
			r->ok++;
			held_cookie[(head + nheld) % 8] = cookie;
			held_ai[(head + nheld) % 8] = ai;
			held_port[(head + nheld) % 8] = port;
			nheld++;
		} else if (nheld > 0) {
			__atomic_store_n(&r->owner[held_ai[head]][ntohs(held_port[head])], 0,
					 __ATOMIC_RELEASE);
			dp_nat_release(r->n, r->worker, held_cookie[head], 6, held_port[head]);
			head = (head + 1) % 8;
			nheld--;
		}
	}
	while (nheld > 0) {
		__atomic_store_n(&r->owner[held_ai[head]][ntohs(held_port[head])], 0, __ATOMIC_RELEASE);
		dp_nat_release(r->n, r->worker, held_cookie[head], 6, held_port[head]);
		head = (head + 1) % 8;
		nheld--;
	}
	return NULL;
}

/* Two threads claiming and giving back the 32 pairs of a small pool: never one pair twice. */
static void
test_pool_two_threads(void)
{
	static uint32_t owner[2][65536];
	struct racer r[2];
	pthread_t th[2];
	struct dp_nat *n;

	pool2_first = a4(pool2[0]);
	cfg_reset();
	add_snat(0, "10.0.0.0", 8, pool2, 2, 1024, 1039);
	n = build(NULL, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	memset(owner, 0, sizeof(owner));
	for (unsigned i = 0; i < 2; i++) {
		r[i] = (struct racer){.n = n, .worker = i, .owner = owner};
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (unsigned i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(r[0].dup + r[1].dup, 0);
	CU_ASSERT_TRUE(r[0].ok > 0 && r[1].ok > 0);
	CU_ASSERT_EQUAL(dp_nat_pool_free(n, 0, 6), 32);
	CU_ASSERT_EQUAL(dp_nat_worker_stats(n, 0)->released + dp_nat_worker_stats(n, 1)->released,
			(uint64_t)r[0].ok + r[1].ok);
	/* every bit given back (a lost update would leave a port claimed by nobody) */
	for (uint32_t i = 0; i < 32; i++) {
		uint32_t addr, cookie;
		uint16_t port;

		CU_ASSERT_EQUAL(dp_nat_alloc(n, 0, 0, 6, i * 0x9e3779b9u, &addr, &port, &cookie), 0);
	}
	dp_nat_free(n);
}

/* Two threads filling a fresh pool: 32 distinct pairs between them, then nothing. */
struct filler {
	struct dp_nat *n;
	unsigned worker, got;
	uint32_t pairs[64];
};

static void *
fill(void *arg)
{
	struct filler *f = arg;
	uint32_t addr, cookie;
	uint16_t port;

	while (dp_nat_alloc(f->n, f->worker, 0, 17, f->got * 2654435761u + f->worker, &addr, &port,
			    &cookie) == 0)
		f->pairs[f->got++] = (addr == pool2_first ? 0u : 1u) << 16 | ntohs(port);
	return NULL;
}

static void
test_pool_two_threads_fill(void)
{
	pool2_first = a4(pool2[0]);
	for (int round = 0; round < 200; round++) {
		struct filler f[2] = {{.worker = 0}, {.worker = 1}};
		uint8_t seen[2][65536 / 8] = {{0}};
		pthread_t th[2];
		struct dp_nat *n;

		cfg_reset();
		add_snat(0, "10.0.0.0", 8, pool2, 2, 1024, 1039);
		n = build(NULL, 2);
		CU_ASSERT_PTR_NOT_NULL_FATAL(n);
		for (unsigned i = 0; i < 2; i++) {
			f[i].n = n;
			CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, fill, &f[i]), 0);
		}
		for (unsigned i = 0; i < 2; i++)
			pthread_join(th[i], NULL);
		CU_ASSERT_EQUAL_FATAL(f[0].got + f[1].got, 32);
		for (unsigned i = 0; i < 2; i++)
			for (unsigned k = 0; k < f[i].got; k++) {
				uint32_t a = f[i].pairs[k] >> 16, p = f[i].pairs[k] & 0xffff;

				CU_ASSERT_FALSE_FATAL(seen[a][p / 8] & (1 << p % 8));
				seen[a][p / 8] |= (uint8_t)(1 << p % 8);
			}
		dp_nat_free(n);
	}
}

/*
 * Rebuilds: ports held survive (same cookie, still claimed), a narrower ports: range keeps them
 * claimed, an address that left every pool is forgotten (its cookie is a no-op) and its map is
 * freed with the last dp_nat naming it (asan: no leak, no use after free).
 */
static void
test_pool_rebuild(void)
{
	static const char *const a12[] = {"198.51.100.1", "198.51.100.2"};
	static const char *const a13[] = {"198.51.100.3", "198.51.100.1"};
	struct dp_nat *na, *nb, *nc;
	uint32_t addr, cookie, c1 = 0, c2 = 0, held1[8], nheld1 = 0;
	uint16_t port;
	char err[256];

	cfg_reset();
	add_snat(0, "10.0.0.0", 8, a12, 2, 1024, 1039);
	na = build(NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(na);
	for (int i = 0; i < 12; i++) {
		CU_ASSERT_EQUAL_FATAL(
			dp_nat_alloc(na, 0, 0, 6, (uint32_t)i * 0x11111111u, &addr, &port, &cookie), 0);
		if (addr == a4(a12[0])) {
			c1 = cookie;
			held1[nheld1++] = ntohs(port);
		} else {
			c2 = cookie;
		}
		if (nheld1 == 8)
			break;
	}
	CU_ASSERT_TRUE_FATAL(nheld1 > 0 && c1 != 0);

	/* a refused build leaves na's maps alone */
	cfg_reset();
	add_snat(0, "10.0.0.0", 8, a13, 2, 1024, 1039);
	rules[0].src.family = AF_INET6;
	CU_ASSERT_PTR_NULL(dp_nat_build(&cfg, na, 1, 0, err, sizeof(err)));
	CU_ASSERT_EQUAL(strncmp(err, "t.yaml:2: nat: ", 15), 0);

	/* .2 leaves, .3 comes: .1 keeps its map, its cookie and its held ports */
	rules[0].src.family = AF_INET;
	nb = build(na, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nb);
	CU_ASSERT_EQUAL(dp_nat_pool_free(nb, 0, 6), 32 - nheld1);
	dp_nat_free(na); /* .2's map goes now; .1's lives on in nb */
	for (uint32_t i = 0; i < 32 - nheld1; i++) {
		CU_ASSERT_EQUAL_FATAL(dp_nat_alloc(nb, 0, 0, 6, i * 0x9e3779b9u, &addr, &port, &cookie), 0);
		if (addr == a4(a12[0])) {
			CU_ASSERT_EQUAL(cookie, c1);
			for (unsigned k = 0; k < nheld1; k++)
				CU_ASSERT_NOT_EQUAL(ntohs(port), held1[k]);
		} else {
			CU_ASSERT_EQUAL(addr, a4(a13[0]));
			CU_ASSERT_NOT_EQUAL(cookie, c1);
			CU_ASSERT_NOT_EQUAL(cookie, c2);
		}
	}
	CU_ASSERT_EQUAL(dp_nat_alloc(nb, 0, 0, 6, 1, &addr, &port, &cookie), -ENOSPC);
	/* .2's connections give back into nothing; .1's free a port in nb */
	dp_nat_release(nb, 0, c2, 6, htons(1024));
	CU_ASSERT_EQUAL(dp_nat_worker_stats(nb, 0)->released, 0);
	CU_ASSERT_EQUAL(dp_nat_pool_free(nb, 0, 6), 0);
	dp_nat_release(nb, 0, c1, 6, htons((uint16_t)held1[0]));
	CU_ASSERT_EQUAL(dp_nat_worker_stats(nb, 0)->released, 1);
	CU_ASSERT_EQUAL(dp_nat_pool_free(nb, 0, 6), 1);

	/*
	 * A narrower range (1024-1031): held ports outside it count against the address until given
	 * back; once they are, the one free port inside (held1[0], when it is inside) is handed out,
	 * and no port twice.
	 */
	rules[0].port_hi = 1031;
	nc = build(nb, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nc);
	dp_nat_free(nb);
	CU_ASSERT_EQUAL(dp_nat_alloc(nc, 0, 0, 6, 5, &addr, &port, &cookie), -ENOSPC);
	for (uint16_t p = 1032; p <= 1039; p++)
		dp_nat_release(nc, 0, c1, 6, htons(p));
	if (held1[0] <= 1031) {
		CU_ASSERT_EQUAL(dp_nat_pool_free(nc, 0, 6), 1);
		CU_ASSERT_EQUAL(dp_nat_alloc(nc, 0, 0, 6, 5, &addr, &port, &cookie), 0);
		CU_ASSERT_EQUAL(addr, a4(a12[0]));
		CU_ASSERT_EQUAL(ntohs(port), held1[0]);
	}
	CU_ASSERT_EQUAL(dp_nat_pool_free(nc, 0, 6), 0);
	CU_ASSERT_EQUAL(dp_nat_alloc(nc, 0, 0, 6, 5, &addr, &port, &cookie), -ENOSPC);
	dp_nat_free(nc);
}

/* ---- matching ---- */

static void
test_dnat_match(void)
{
	uint32_t pub = a4("203.0.113.10"), to;
	uint16_t to_port;
	struct dp_nat *n;

	cfg_reset();
	add_dnat(0, pub, 6, 8080, a4("10.0.0.5"), 80);
	add_dnat(0, pub, 17, 8080, a4("10.0.0.6"), 53);
	add_dnat(1, pub, 6, 8080, a4("10.0.0.7"), 81);
	add_dnat(0, a4("203.0.113.11"), 6, 22, a4("10.0.0.8"), 2222);
	n = build(NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_TRUE(dp_nat_dnat(n, 0, pub, 6, htons(8080), &to, &to_port));
	CU_ASSERT_EQUAL(to, a4("10.0.0.5"));
	CU_ASSERT_EQUAL(to_port, htons(80));
	CU_ASSERT_TRUE(dp_nat_dnat(n, 0, pub, 17, htons(8080), &to, &to_port));
	CU_ASSERT_EQUAL(to, a4("10.0.0.6"));
	CU_ASSERT_EQUAL(to_port, htons(53));
	CU_ASSERT_TRUE(dp_nat_dnat(n, 1, pub, 6, htons(8080), &to, &to_port));
	CU_ASSERT_EQUAL(to, a4("10.0.0.7"));
	CU_ASSERT_TRUE(dp_nat_dnat(n, 0, a4("203.0.113.11"), 6, htons(22), &to, &to_port));
	CU_ASSERT_EQUAL(to_port, htons(2222));
	CU_ASSERT_FALSE(dp_nat_dnat(n, 2, pub, 6, htons(8080), &to, &to_port));
	CU_ASSERT_FALSE(dp_nat_dnat(n, 0, pub, 6, htons(8081), &to, &to_port));
	CU_ASSERT_FALSE(dp_nat_dnat(n, 0, pub, 1, htons(8080), &to, &to_port));
	CU_ASSERT_FALSE(dp_nat_dnat(n, 1, pub, 17, htons(8080), &to, &to_port));
	CU_ASSERT_FALSE(dp_nat_dnat(n, 0, a4("203.0.113.12"), 6, htons(8080), &to, &to_port));
	CU_ASSERT_FALSE(dp_nat_dnat(n, 0, a4("203.0.113.11"), 6, htons(8080), &to, &to_port));
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 0, pub, true), -1);
	/* any ingress port (hairpinning): port 1's forward of udp 8080 is none, port 0's is */
	CU_ASSERT_TRUE(dp_nat_dnat(n, DP_NAT_ANY_PORT, pub, 17, htons(8080), &to, &to_port));
	CU_ASSERT_EQUAL(to, a4("10.0.0.6"));
	CU_ASSERT_TRUE(dp_nat_dnat(n, DP_NAT_ANY_PORT, a4("203.0.113.11"), 6, htons(22), &to, &to_port));
	CU_ASSERT_EQUAL(to_port, htons(2222));
	CU_ASSERT_FALSE(dp_nat_dnat(n, DP_NAT_ANY_PORT, pub, 6, htons(8081), &to, &to_port));
	CU_ASSERT_FALSE(dp_nat_dnat(n, DP_NAT_ANY_PORT, a4("203.0.113.12"), 6, htons(22), &to, &to_port));
	dp_nat_free(n);
}

/* 1000 random forwards against a linear look through the rules. */
static void
test_dnat_many(void)
{
	struct dp_nat *n;

	cfg_reset();
	rng_seed(1000);
	while (cfg.n_nat < 1000) {
		uint32_t dst = htonl(0xcb007100u | (uint32_t)(rng_next() % 8));
		uint8_t proto = rng_next() % 2 ? 6 : 17;
		uint16_t dport = (uint16_t)(1 + rng_next() % 200);
		int in = (int)(rng_next() % 3);
		bool dup = false;

		for (unsigned i = 0; i < cfg.n_nat && !dup; i++)
			dup = rules[i].port == in && memcmp(rules[i].dst.addr, &dst, 4) == 0 &&
			      rules[i].proto == proto && rules[i].dport == dport;
		if (!dup)
			add_dnat(in, dst, proto, dport, htonl(0x0a000000u + cfg.n_nat),
				 (uint16_t)(cfg.n_nat + 1));
	}
	n = build(NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	for (int i = 0; i < 20000; i++) {
		uint32_t dst = htonl(0xcb007100u | (uint32_t)(rng_next() % 8)), to = 0, want = 0;
		uint8_t proto = rng_next() % 2 ? 6 : 17;
		uint16_t dport = (uint16_t)(1 + rng_next() % 200), to_port = 0, want_port = 0;
		unsigned in = (unsigned)(rng_next() % 3);
		bool hit = false, got;

		for (unsigned k = 0; k < cfg.n_nat && !hit; k++)
			if (rules[k].port == (int)in && memcmp(rules[k].dst.addr, &dst, 4) == 0 &&
			    rules[k].proto == proto && rules[k].dport == dport) {
				hit = true;
				memcpy(&want, rules[k].to_addr.addr, 4);
				want_port = htons(rules[k].to_port);
			}
		got = dp_nat_dnat(n, in, dst, proto, htons(dport), &to, &to_port);
		CU_ASSERT_EQUAL_FATAL(got, hit);
		if (hit) {
			CU_ASSERT_EQUAL(to, want);
			CU_ASSERT_EQUAL(to_port, want_port);
		}
	}
	dp_nat_free(n);
	/* two forwards for one (in, dst, proto, dport): refused */
	cfg.n_nat = 0;
	add_dnat(0, a4("203.0.113.1"), 6, 80, a4("10.0.0.1"), 80);
	add_dnat(0, a4("203.0.113.1"), 6, 80, a4("10.0.0.2"), 80);
	{
		char err[256];

		CU_ASSERT_PTR_NULL(dp_nat_build(&cfg, NULL, 1, 0, err, sizeof(err)));
	}
}

static void
test_snat_match(void)
{
	static const char *const p0[] = {"192.0.2.1"}, *const p1[] = {"192.0.2.2"},
				 *const p2[] = {"192.0.2.3"};
	struct dp_nat *n;

	cfg_reset();
	add_snat(1, "10.1.0.0", 16, p0, 1, 1024, 65535);
	add_dnat(1, a4("192.0.2.1"), 6, 80, a4("10.1.0.80"), 80);
	add_snat(1, "10.0.0.0", 8, p1, 1, 1024, 65535);
	add_snat(2, "0.0.0.0", 0, p2, 1, 1024, 65535);
	n = build(NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 1, a4("10.1.2.3"), false), 0); /* first in file order */
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 1, a4("10.2.0.1"), false), 2);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 1, a4("10.255.255.255"), false), 2);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 1, a4("11.0.0.1"), false), -1);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 1, a4("192.168.1.1"), false), -1);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 2, a4("10.1.2.3"), false), 3); /* out 2: only the /0 */
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 0, a4("10.1.2.3"), false), -1);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 0, a4("10.1.2.3"), true), 0); /* hairpin: whatever out */
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 0, a4("10.9.2.3"), true), 2);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 0, a4("192.168.1.1"), true), 3);
	dp_nat_free(n);
	/* no rules at all */
	cfg_reset();
	n = build(NULL, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(n);
	CU_ASSERT_EQUAL(dp_nat_snat_rule(n, 0, a4("10.1.2.3"), true), -1);
	dp_nat_release(n, 0, 1, 6, 1);
	dp_nat_free(n);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"rewrites of random TCP/UDP/ICMP packets: checksums as recomputed", test_rewrite_random},
		{"rewrite of a later fragment", test_rewrite_fragment},
		{"ICMP errors quoting TCP, UDP, ICMP echo, 8 bytes and whole", test_icmp_errors},
		{"ICMP errors too short: untouched", test_icmp_error_truncated},
		{"pool: distinct pairs, exhaustion, release", test_pool_exhaust_release},
		{"pool: a whole 1-65535 range", test_pool_full_range},
		{"pool: two threads claiming and releasing", test_pool_two_threads},
		{"pool: two threads filling", test_pool_two_threads_fill},
		{"pool: rebuilds keep claims, free removed maps", test_pool_rebuild},
		{"dnat: exact match and misses", test_dnat_match},
		{"dnat: 1000 forwards against a linear look", test_dnat_many},
		{"snat: first match in file order, out port, any port", test_snat_match},
	};

	return HP_CUNIT_RUN("nat", tests);
}
