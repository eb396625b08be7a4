/* The load balancer's flow table (dataplane/lb_flow.c, included to see its buckets): EAL --no-huge. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_malloc.h>

#include "../../dataplane/lb_flow.c"
#include "../../dataplane/ct_hash.h"
#include "../cunit_run.h"
#include "../eal_test.h"
#include "ct_key_test.h"

#define TICK (1ull << LB_FLOW_TICK_SHIFT)
#define NOW (1ull << 40)         /* a TSC far from 0 and from the tick counter's wrap */
#define LONG_TO (1ull << 45)     /* a timeout nothing here reaches */
#define WRAP (1ull << (32 + 20)) /* the TSC at which the 32-bit tick counter wraps to 0 */

/* Flow i: TCP 10.0.x.y:1000+i -> 192.0.2.1:80. */
static void
flow(unsigned i, struct ct_key *k)
{
	key4(k, 6, 0x0a000000 | i, (uint16_t)(1000 + i), 0xc0000201, 80);
}

static struct lb_flow_val
val(uint32_t backend)
{
	return (struct lb_flow_val){.backend_id = backend, .vip = (uint16_t)(backend >> 16), .slot = 7};
}

/* A crafted hash: bucket bi (low bits), the i-th signature of that bucket (high bits). */
static uint32_t
hb(uint32_t bi, unsigned i)
{
	return bi | (uint32_t)(i + 1) << 16;
}

/* Looks k (hash h) up at now; the backend found, or UINT32_MAX on a miss. */
static uint32_t
get(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now)
{
	struct lb_flow_val v;

	return lb_flow_lookup(t, k, h, now, &v) ? v.backend_id : UINT32_MAX;
}

static void
put(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now, uint32_t backend)
{
	struct lb_flow_val v = val(backend);

	lb_flow_insert(t, k, h, now, &v);
}

/* The way of k's bucket holding k (any state), -1 when none. */
static int
way_of(const struct lb_flow_table *t, const struct ct_key *k, uint32_t h)
{
	return lb_flow_way(t, h & t->mask, k, h | 1);
}

static void
check_stats(const struct lb_flow_table *t, uint64_t hits, uint64_t misses, uint64_t inserts,
	    uint64_t evictions, uint64_t updates)
{
	const struct lb_flow_stats *st = lb_flow_stats(t);

	CU_ASSERT_EQUAL(st->hits, hits);
	CU_ASSERT_EQUAL(st->misses, misses);
	CU_ASSERT_EQUAL(st->inserts, inserts);
	CU_ASSERT_EQUAL(st->evictions, evictions);
	CU_ASSERT_EQUAL(st->updates, updates);
}

static void
test_create(void)
{
	static const uint32_t bad[] = {0, LB_FLOW_MAX_SIZE + 1, UINT32_MAX};
	static const uint32_t sizes[][2] = {{1, 8}, {8, 8}, {9, 16}, {1000, 1024}, {4096, 4096}};
	struct lb_flow_table *t;

	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		errno = 0;
		CU_ASSERT_PTR_NULL(lb_flow_create(bad[i], LONG_TO, SOCKET_ID_ANY));
		CU_ASSERT_EQUAL(errno, EINVAL);
		CU_ASSERT_EQUAL(lb_flow_bytes(bad[i]), 0);
	}
	for (unsigned i = 0; i < RTE_DIM(sizes); i++) {
		t = lb_flow_create(sizes[i][0], LONG_TO, SOCKET_ID_ANY);
		CU_ASSERT_PTR_NOT_NULL_FATAL(t);
		CU_ASSERT_EQUAL(lb_flow_size(t), sizes[i][1]);
		CU_ASSERT_EQUAL(t->mask + 1, sizes[i][1] / LB_FLOW_WAYS);
		CU_ASSERT_EQUAL(lb_flow_bytes(sizes[i][0]),
				sizeof(*t) + (uint64_t)sizes[i][1] / 8 * 64 + (uint64_t)sizes[i][1] * 64);
		CU_ASSERT_EQUAL((uintptr_t)t->buckets % RTE_CACHE_LINE_SIZE, 0);
		CU_ASSERT_EQUAL((uintptr_t)t->entries % RTE_CACHE_LINE_SIZE, 0);
		CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 0);
		check_stats(t, 0, 0, 0, 0, 0);
		lb_flow_free(t);
	}
	/* the largest size is valid; its 18 GiB do not fit the test's 512 MiB of EAL memory */
	CU_ASSERT_EQUAL(lb_flow_bytes(LB_FLOW_MAX_SIZE), sizeof(*t) + (1ull << 25) * 64 + (1ull << 28) * 64);
	errno = 0;
	CU_ASSERT_PTR_NULL(lb_flow_create(LB_FLOW_MAX_SIZE, LONG_TO, SOCKET_ID_ANY));
	CU_ASSERT_EQUAL(errno, ENOMEM);
	lb_flow_free(NULL);
}

/* The SSE signature match against the scalar loop it replaces (the reference). */
static void
test_match(void)
{
	struct lb_flow_bucket *b = rte_zmalloc("t_lb_bucket", sizeof(*b), RTE_CACHE_LINE_SIZE);
	uint64_t x = 88172645463325252ull;

	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	for (unsigned it = 0; it < 100000; it++) {
		uint32_t sig;
		unsigned want = 0;

		for (unsigned w = 0; w < LB_FLOW_WAYS; w++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			b->sig[w] = (x & 3) == 0 ? 0 : (uint32_t)(x >> 40) % 4 | (uint32_t)(x >> 60) << 28;
		}
		sig = (uint32_t)(x >> 20) % 3 == 0 ? 0 : b->sig[(x >> 8) % LB_FLOW_WAYS];
		for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
			want |= (unsigned)(b->sig[w] == sig) << w;
		CU_ASSERT_EQUAL_FATAL(lb_flow_match(b, sig), want);
	}
	rte_free(b);
}

static void
test_insert_lookup(void)
{
	struct lb_flow_table *t = lb_flow_create(1024, LONG_TO, SOCKET_ID_ANY);
	struct lb_flow_val v;
	struct ct_key k, other;
	uint32_t h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow(1, &k);
	h = ct_key_hash_inline(&k);
	lb_flow_prefetch(t, h); /* a hint: no effect to see, but it must take any hash */
	lb_flow_prefetch(t, UINT32_MAX);
	CU_ASSERT_EQUAL(get(t, &k, h, NOW), UINT32_MAX);
	put(t, &k, h, NOW, 42);
	CU_ASSERT_TRUE(lb_flow_lookup(t, &k, h, NOW + 1, &v));
	CU_ASSERT_EQUAL(v.backend_id, 42);
	CU_ASSERT_EQUAL(v.vip, 0);
	CU_ASSERT_EQUAL(v.slot, 7);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 1);
	check_stats(t, 1, 1, 1, 0, 0);

	/* keys that differ from k in one byte: a miss under their own hash and under k's (a signature
	 * match with another key) */
	for (unsigned i = 0; i < sizeof(k); i++) {
		other = k;
		((uint8_t *)&other)[i] ^= 0x01;
		CU_ASSERT_EQUAL(get(t, &other, ct_key_hash_inline(&other), NOW), UINT32_MAX);
		CU_ASSERT_EQUAL(get(t, &other, h, NOW), UINT32_MAX);
	}
	/* k under a hash with another signature, or in another bucket */
	CU_ASSERT_EQUAL(get(t, &k, h ^ 0x80000000u, NOW), UINT32_MAX);
	CU_ASSERT_EQUAL(get(t, &k, h ^ 0x10u, NOW), UINT32_MAX);
	check_stats(t, 1, 1 + 2 * sizeof(k) + 2, 1, 0, 0);

	/* two flows, one byte apart, side by side */
	other = k;
	other.dport ^= rte_cpu_to_be_16(1);
	put(t, &other, ct_key_hash_inline(&other), NOW, 43);
	CU_ASSERT_EQUAL(get(t, &k, h, NOW), 42);
	CU_ASSERT_EQUAL(get(t, &other, ct_key_hash_inline(&other), NOW), 43);
	/* both in one bucket under one hash: still told apart by the key */
	other.sport ^= rte_cpu_to_be_16(1);
	put(t, &other, h, NOW, 44);
	CU_ASSERT_EQUAL(get(t, &k, h, NOW), 42);
	CU_ASSERT_EQUAL(get(t, &other, h, NOW), 44);
	CU_ASSERT_NOT_EQUAL(way_of(t, &other, h), way_of(t, &k, h));
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 3);
	lb_flow_free(t);
}

/* One bucket's eight ways, filled at NOW + i ticks; some touched; a ninth evicts the least recently seen. */
static void
test_lru(void)
{
	struct lb_flow_table *t = lb_flow_create(64, LONG_TO, SOCKET_ID_ANY);
	struct ct_key k[10];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (unsigned i = 0; i < 10; i++)
		flow(i, &k[i]);
	for (unsigned i = 0; i < 8; i++)
		put(t, &k[i], hb(3, i), NOW + i * TICK, 100 + i);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 8 * TICK), 8);
	check_stats(t, 0, 0, 8, 0, 0);
	/* k[0] and k[1] seen again: k[2] is now the least recently seen */
	CU_ASSERT_EQUAL(get(t, &k[0], hb(3, 0), NOW + 10 * TICK), 100);
	CU_ASSERT_EQUAL(get(t, &k[1], hb(3, 1), NOW + 11 * TICK), 101);
	put(t, &k[8], hb(3, 8), NOW + 12 * TICK, 108);
	check_stats(t, 2, 0, 9, 1, 0);
	CU_ASSERT_EQUAL(get(t, &k[2], hb(3, 2), NOW + 12 * TICK), UINT32_MAX);
	CU_ASSERT_EQUAL(way_of(t, &k[8], hb(3, 8)), 2);
	for (unsigned i = 0; i < 9; i++)
		if (i != 2)
			CU_ASSERT_EQUAL(get(t, &k[i], hb(3, i), NOW + 13 * TICK + i * TICK), 100 + i);
	check_stats(t, 10, 1, 9, 1, 0);
	/* all seen at 13 + i ticks: k[0] is the oldest now */
	put(t, &k[9], hb(3, 9), NOW + 30 * TICK, 109);
	check_stats(t, 10, 1, 10, 2, 0);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(3, 0), NOW + 30 * TICK), UINT32_MAX);
	CU_ASSERT_EQUAL(get(t, &k[9], hb(3, 9), NOW + 30 * TICK), 109);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 30 * TICK), 8);
	/* other buckets are untouched */
	for (unsigned bi = 0; bi <= t->mask; bi++)
		for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
			CU_ASSERT_EQUAL(t->buckets[bi].sig[w] != 0, bi == 3);
	lb_flow_free(t);
}

static void
test_expiry(void)
{
	const uint64_t to = 100 * TICK;
	struct lb_flow_table *t = lb_flow_create(64, to, SOCKET_ID_ANY);
	struct ct_key k[9];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (unsigned i = 0; i < 9; i++)
		flow(i, &k[i]);
	for (unsigned i = 0; i < 8; i++)
		put(t, &k[i], hb(5, i), NOW, 100 + i);
	/* live for timeout cycles after it was seen (k[0] found, its time refreshed) */
	CU_ASSERT_EQUAL(get(t, &k[0], hb(5, 0), NOW + to), 100);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + to), 8);
	/* gone 3 ticks past the timeout: k[1..7] miss, k[0] (seen at NOW + to) is found */
	for (unsigned i = 1; i < 8; i++)
		CU_ASSERT_EQUAL(get(t, &k[i], hb(5, i), NOW + to + 3 * TICK), UINT32_MAX);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(5, 0), NOW + to + 3 * TICK), 100);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + to + 3 * TICK), 1);
	check_stats(t, 2, 7, 8, 0, 0);
	/* a ninth takes an expired way (the first of the oldest): no eviction */
	put(t, &k[8], hb(5, 8), NOW + to + 3 * TICK, 108);
	CU_ASSERT_EQUAL(way_of(t, &k[8], hb(5, 8)), 1);
	/* an expired flow inserted again takes its own way back: no eviction, no second copy */
	put(t, &k[4], hb(5, 4), NOW + to + 4 * TICK, 204);
	CU_ASSERT_EQUAL(way_of(t, &k[4], hb(5, 4)), 4);
	CU_ASSERT_EQUAL(get(t, &k[4], hb(5, 4), NOW + to + 4 * TICK), 204);
	check_stats(t, 3, 7, 10, 0, 0);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + to + 4 * TICK), 3);
	lb_flow_free(t);

	/* a timeout under one tick is rounded up to one: never gone before its time */
	t = lb_flow_create(64, 1000, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	put(t, &k[0], hb(0, 0), NOW + TICK - 1, 1);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(0, 0), NOW + TICK - 1 + 1000), 1);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(0, 0), NOW + TICK - 1 + 1000 + 2 * TICK), UINT32_MAX);
	lb_flow_free(t);
}

/* Times on both sides of the 32-bit tick counter's wrap (TSC 2^52), and the limits of an age. */
static void
test_wrap(void)
{
	const uint64_t to = 100 * TICK, t0 = WRAP - 4 * TICK;
	struct lb_flow_table *t = lb_flow_create(64, to, SOCKET_ID_ANY);
	struct ct_key k[9];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (unsigned i = 0; i < 9; i++)
		flow(i, &k[i]);
	put(t, &k[0], hb(1, 0), t0, 1);
	CU_ASSERT_EQUAL(lb_flow_tick(t0 + 50 * TICK), 46);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(1, 0), t0 + 50 * TICK), 1);
	CU_ASSERT_EQUAL(lb_flow_count(t, t0 + 50 * TICK), 1);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(1, 0), t0 + 50 * TICK + to + 3 * TICK), UINT32_MAX);
	CU_ASSERT_EQUAL(lb_flow_count(t, t0 + 50 * TICK + to + 3 * TICK), 0);

	/* eight ways seen before the wrap (ticks 2^32 - 8 ..), k[0..3] seen again after it (tick 2): the
	 * ninth evicts k[4], which a comparison of raw ticks would call the youngest */
	for (unsigned i = 0; i < 8; i++)
		put(t, &k[i], hb(2, i), WRAP - (8 - i) * TICK, 10 + i);
	for (unsigned i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(get(t, &k[i], hb(2, i), WRAP + 2 * TICK), 10 + i);
	put(t, &k[8], hb(2, 8), WRAP + 3 * TICK, 18);
	CU_ASSERT_EQUAL(way_of(t, &k[8], hb(2, 8)), 4);
	CU_ASSERT_EQUAL(lb_flow_stats(t)->evictions, 1);
	for (unsigned i = 0; i < 9; i++)
		CU_ASSERT_EQUAL(get(t, &k[i], hb(2, i), WRAP + 3 * TICK), i == 4 ? UINT32_MAX : 10 + i);

	/* a time a little ahead of now (another core's TSC) is fresh: bucket 2's eight, and bucket 1's
	 * k[0] (tick 46, expired at tick 149, but 48 ticks ahead of 2^32 - 2) */
	CU_ASSERT_EQUAL(lb_flow_count(t, WRAP + 3 * TICK - 5 * TICK), 9);
	CU_ASSERT_EQUAL(get(t, &k[8], hb(2, 8), WRAP + 3 * TICK - 5 * TICK), 18);

	lb_flow_free(t);

	/* the longest timeout: half the wrap period; an older way looks expired */
	t = lb_flow_create(64, UINT64_MAX, SOCKET_ID_ANY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->live_max, LB_FLOW_MAX_TIMEOUT + LB_FLOW_SLACK);
	put(t, &k[0], hb(3, 0), NOW, 1);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 1);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(3, 0), NOW + (1ull << 31) * TICK - TICK), 1);
	put(t, &k[1], hb(3, 1), NOW, 2);
	CU_ASSERT_EQUAL(get(t, &k[1], hb(3, 1), NOW + (1ull << 31) * TICK + 2 * LB_FLOW_SLACK * TICK),
			UINT32_MAX);
	lb_flow_free(t);
}

static void
test_flush(void)
{
	struct lb_flow_table *t = lb_flow_create(1024, LONG_TO, SOCKET_ID_ANY);
	struct ct_key k[200];
	uint32_t h[200];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	for (unsigned i = 0; i < 200; i++) {
		flow(i, &k[i]);
		/* the first 16 crafted into bucket 9, the rest by their real hash, elsewhere */
		h[i] = i < 16 ? hb(9, i) : ct_key_hash_inline(&k[i]);
		while (i >= 16 && (h[i] & t->mask) == 9) {
			k[i].dport++;
			h[i] = ct_key_hash_inline(&k[i]);
		}
	}
	for (unsigned i = 0; i < 8; i++)
		put(t, &k[i], h[i], NOW, i);
	for (unsigned i = 16; i < 200; i++)
		put(t, &k[i], h[i], NOW, i);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 8 + 184 - lb_flow_stats(t)->evictions);
	CU_ASSERT_EQUAL(lb_flow_stats(t)->evictions, 0);

	lb_flow_flush(t);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 0);
	for (unsigned i = 0; i < 200; i++)
		CU_ASSERT_EQUAL(get(t, &k[i], h[i], NOW + TICK), UINT32_MAX);
	check_stats(t, 0, 200, 192, 0, 0);

	/* the full, flushed bucket 9: flows seen again take their own ways, new ones the stale ways;
	 * nothing live is evicted */
	for (unsigned i = 0; i < 4; i++)
		put(t, &k[i], h[i], NOW + 2 * TICK, 1000 + i);
	for (unsigned i = 8; i < 12; i++)
		put(t, &k[i], h[i], NOW + 2 * TICK, 1000 + i);
	CU_ASSERT_EQUAL(lb_flow_stats(t)->evictions, 0);
	for (unsigned i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(get(t, &k[i], h[i], NOW + 3 * TICK), i < 4 || i >= 8 ? 1000 + i : UINT32_MAX);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 3 * TICK), 8);
	/* a full bucket of the new generation evicts again */
	put(t, &k[12], h[12], NOW + 4 * TICK, 1012);
	CU_ASSERT_EQUAL(lb_flow_stats(t)->evictions, 1);
	/* the other flows come back under the new generation */
	for (unsigned i = 16; i < 200; i++)
		put(t, &k[i], h[i], NOW + 5 * TICK, 2000 + i);
	for (unsigned i = 16; i < 200; i++)
		CU_ASSERT_EQUAL(get(t, &k[i], h[i], NOW + 5 * TICK), 2000 + i);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 5 * TICK), 8 + 184);
	lb_flow_free(t);
}

static void
test_set_timeout(void)
{
	struct lb_flow_table *t = lb_flow_create(64, LONG_TO, SOCKET_ID_ANY);
	struct ct_key k[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow(0, &k[0]);
	flow(1, &k[1]);
	put(t, &k[0], hb(0, 0), NOW, 1);
	put(t, &k[1], hb(0, 1), NOW, 2);
	CU_ASSERT_EQUAL(get(t, &k[1], hb(0, 1), NOW + 50 * TICK), 2);
	/* a shorter timeout applies to the entries already there */
	lb_flow_set_timeout(t, 20 * TICK);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 60 * TICK), 1);
	CU_ASSERT_EQUAL(get(t, &k[1], hb(0, 1), NOW + 60 * TICK), 2);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(0, 0), NOW + 60 * TICK), UINT32_MAX);
	/* and a longer one too: an expired entry no insert reused is live again */
	lb_flow_set_timeout(t, LONG_TO);
	CU_ASSERT_EQUAL(get(t, &k[0], hb(0, 0), NOW + 61 * TICK), 1);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 61 * TICK), 2);
	lb_flow_free(t);
}

static void
test_update(void)
{
	const uint64_t to = 10 * TICK;
	struct lb_flow_table *t = lb_flow_create(64, to, SOCKET_ID_ANY);
	struct lb_flow_val v = val(77);
	struct ct_key k, absent;
	uint32_t h;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	flow(0, &k);
	flow(1, &absent);
	h = ct_key_hash_inline(&k);
	/* absent: nothing happens */
	lb_flow_update(t, &absent, ct_key_hash_inline(&absent), NOW, &v);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW), 0);
	check_stats(t, 0, 0, 0, 0, 0);

	put(t, &k, h, NOW, 1);
	lb_flow_update(t, &k, h, NOW + to, &v);
	check_stats(t, 0, 0, 1, 0, 1);
	/* the new value, and the update refreshed the time (NOW + to + to: live) */
	CU_ASSERT_EQUAL(get(t, &k, h, NOW + 2 * to), 77);
	/* an expired entry is not updated */
	v = val(88);
	lb_flow_update(t, &k, h, NOW + 3 * to + 3 * TICK, &v);
	check_stats(t, 1, 0, 1, 0, 1);
	CU_ASSERT_EQUAL(get(t, &k, h, NOW + 3 * to + 3 * TICK), UINT32_MAX);
	lb_flow_set_timeout(t, LONG_TO);
	CU_ASSERT_EQUAL(get(t, &k, h, NOW + 3 * to + 3 * TICK), 77);
	/* nor a flushed one */
	lb_flow_flush(t);
	lb_flow_update(t, &k, h, NOW + 4 * to, &v);
	check_stats(t, 2, 1, 1, 0, 1);
	lb_flow_free(t);
}

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Key i: distinct by src; the rest random. */
static void
random_key(unsigned i, struct ct_key *k)
{
	uint64_t r = rnd();

	key4(k, (r & 1) ? 6 : 17, 0x0a000000 + i, (uint16_t)(r >> 8), (uint32_t)(r >> 24),
	     (uint16_t)(r >> 56));
}

/* 100k flows in a table of 1 M: all found, bar the (unlikely) evictions of a ninth flow in a bucket. */
static void
test_random_1m(void)
{
	enum {
		N = 100000
	};
	struct lb_flow_table *t = lb_flow_create(1u << 20, LONG_TO, SOCKET_ID_ANY);
	struct ct_key *k = rte_malloc("t_lb_keys", N * sizeof(*k), 0);
	uint64_t found = 0, ev;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(k);
	for (unsigned i = 0; i < N; i++) {
		random_key(i, &k[i]);
		put(t, &k[i], ct_key_hash_inline(&k[i]), NOW + i, i);
	}
	for (unsigned i = 0; i < N; i++)
		found += get(t, &k[i], ct_key_hash_inline(&k[i]), NOW + N + i) == i;
	ev = lb_flow_stats(t)->evictions;
	CU_ASSERT(ev <= 2);
	CU_ASSERT_EQUAL(found, N - ev);
	check_stats(t, N - ev, ev, N, ev, 0);
	CU_ASSERT_EQUAL(lb_flow_count(t, NOW + 2 * N), N - ev);
	rte_free(k);
	lb_flow_free(t);
}

/* ---- the model: a 64-flow table against a plain 8-way LRU written from the contract ---- */

#define M_BUCKETS 8
#define M_KEYS 160 /* 20 flows a bucket for 8 ways: misses, evictions and expiry all happen */

struct ref_way {
	bool used;
	unsigned key;
	uint64_t seen; /* ticks, 64 bits: no wrap */
	uint32_t gen;
	struct lb_flow_val val;
};

struct ref {
	struct ref_way w[M_BUCKETS][LB_FLOW_WAYS];
	uint32_t gen;
	uint64_t timeout; /* ticks */
	struct lb_flow_stats st;
};

static bool
ref_live(const struct ref *r, const struct ref_way *w, uint64_t nt)
{
	return w->used && w->gen == r->gen && nt - w->seen <= r->timeout;
}

static struct ref_way *
ref_find(struct ref *r, unsigned bi, unsigned key)
{
	for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
		if (r->w[bi][w].used && r->w[bi][w].key == key)
			return &r->w[bi][w];
	return NULL;
}

static bool
ref_lookup(struct ref *r, unsigned bi, unsigned key, uint64_t nt, struct lb_flow_val *v)
{
	struct ref_way *w = ref_find(r, bi, key);

	if (w == NULL || !ref_live(r, w, nt)) {
		r->st.misses++;
		return false;
	}
	w->seen = nt;
	*v = w->val;
	r->st.hits++;
	return true;
}

static void
ref_insert(struct ref *r, unsigned bi, unsigned key, uint64_t nt, struct lb_flow_val v)
{
	struct ref_way *w = ref_find(r, bi, key);

	for (unsigned i = 0; w == NULL && i < LB_FLOW_WAYS; i++)
		if (!r->w[bi][i].used)
			w = &r->w[bi][i];
	if (w == NULL) {
		w = &r->w[bi][0];
		for (unsigned i = 1; i < LB_FLOW_WAYS; i++)
			if (r->w[bi][i].seen < w->seen)
				w = &r->w[bi][i];
		r->st.evictions += ref_live(r, w, nt);
	}
	*w = (struct ref_way){.used = true, .key = key, .seen = nt, .gen = r->gen, .val = v};
	r->st.inserts++;
}

static void
ref_update(struct ref *r, unsigned bi, unsigned key, uint64_t nt, struct lb_flow_val v)
{
	struct ref_way *w = ref_find(r, bi, key);

	if (w != NULL && ref_live(r, w, nt)) {
		w->val = v;
		w->seen = nt;
		r->st.updates++;
	}
}

static uint64_t
ref_count(const struct ref *r, uint64_t nt)
{
	uint64_t n = 0;

	for (unsigned bi = 0; bi < M_BUCKETS; bi++)
		for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
			n += ref_live(r, &r->w[bi][w], nt);
	return n;
}

/* 100k random lookups (an insert after each miss), updates, flushes and timeout changes on a fake
 * clock that starts just before the tick counter's wrap; every answer compared with the model's. */
static void
test_model(void)
{
	static const uint64_t timeouts[] = {3, 20, 200, 5000}; /* ticks */
	struct lb_flow_table *t = lb_flow_create(M_BUCKETS * LB_FLOW_WAYS, timeouts[1] * TICK, SOCKET_ID_ANY);
	static struct ref r;
	struct ct_key k[M_KEYS];
	uint32_t h[M_KEYS];
	uint64_t now = WRAP - 20000 * TICK + 12345, bad = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	memset(&r, 0, sizeof(r));
	r.timeout = timeouts[1];
	for (unsigned i = 0; i < M_KEYS; i++) {
		random_key(i, &k[i]);
		h[i] = ct_key_hash_inline(&k[i]);
	}
	for (unsigned op = 0; op < 100000; op++) {
		uint64_t x = rnd(), nt;
		unsigned key = (unsigned)(x >> 32) % M_KEYS, bi = h[key] & (M_BUCKETS - 1),
			 what = (unsigned)(x % 1000);
		struct lb_flow_val v = val((uint32_t)op), got, want;

		/* 0 to 2 ticks on, at any cycle of a tick: ties and same-tick refreshes happen */
		now += (x >> 8) % (2 * TICK);
		nt = now >> LB_FLOW_TICK_SHIFT;
		if (what < 150) {
			lb_flow_update(t, &k[key], h[key], now, &v);
			ref_update(&r, bi, key, nt, v);
		} else if (what < 152) {
			lb_flow_flush(t);
			r.gen++;
		} else if (what < 154) {
			/* a timeout in cycles just over timeouts[] - 1 ticks: rounded up to timeouts[] */
			r.timeout = timeouts[(x >> 20) % RTE_DIM(timeouts)];
			lb_flow_set_timeout(t, (r.timeout - 1) * TICK + 1 + (x >> 40) % (TICK - 1));
		} else {
			bool hit = lb_flow_lookup(t, &k[key], h[key], now, &got);

			if (hit != ref_lookup(&r, bi, key, nt, &want) ||
			    (hit && got.backend_id != want.backend_id))
				bad++;
			if (!hit) {
				lb_flow_insert(t, &k[key], h[key], now, &v);
				ref_insert(&r, bi, key, nt, v);
			}
		}
		if (op % 997 == 0 && lb_flow_count(t, now) != ref_count(&r, nt))
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(now > WRAP + 10000 * TICK); /* the run crossed the wrap */
	check_stats(t, r.st.hits, r.st.misses, r.st.inserts, r.st.evictions, r.st.updates);
	/* every kind of event happened */
	CU_ASSERT(r.st.hits > 10000 && r.st.misses > 10000 && r.st.evictions > 1000 && r.st.updates > 1000);
	CU_ASSERT(r.st.inserts - r.st.evictions > 1000); /* inserts into empty, expired or stale ways */
	printf("(hits %" PRIu64 ", misses %" PRIu64 ", evictions %" PRIu64 ", updates %" PRIu64 ") ",
	       r.st.hits, r.st.misses, r.st.evictions, r.st.updates);
	lb_flow_free(t);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"create: sizes rounded up, bad sizes, ENOMEM", test_create},
		{"the SSE signature match against the scalar loop", test_match},
		{"insert, lookup, keys one byte apart", test_insert_lookup},
		{"LRU: a ninth flow evicts the least recently seen", test_lru},
		{"expiry: missed, its way reused without an eviction", test_expiry},
		{"the tick counter's wrap, times ahead of now, the longest timeout", test_wrap},
		{"flush: a new generation", test_flush},
		{"set_timeout applies to existing entries", test_set_timeout},
		{"update: live entries only, counted", test_update},
		{"100k random flows in a 1 M table", test_random_1m},
		{"100k random operations against a reference model", test_model},
	};
	int rc;

	if (hp_test_eal_init("lbflow") < 0)
		return 77;
	rc = HP_CUNIT_RUN("lb_flow", tests);
	rte_eal_cleanup();
	return rc;
}
