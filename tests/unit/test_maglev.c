/* Unit tests of the Maglev ring (dataplane/maglev.c, included to reach MurmurHash3's 128 bits). */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../../dataplane/maglev.c"
#include "../cunit_run.h"

#define M MAGLEV_SIZE_DEFAULT
#define FLOWS 1000000u
#define FLOW_KEY 40 /* bytes: a struct ct_key */

static uint32_t table[M], other[M];
static uint32_t flow_entry[FLOWS]; /* each flow's entry of a table of M */

static uint64_t rng;

static uint64_t
xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Backend i: 10.0.x.y, i + 1 = (x << 8) | y, the rest of the key 0 (maglev.h's IPv4 key). */
static void
make_backends(struct maglev_backend *b, unsigned n, uint32_t weight)
{
	memset(b, 0, n * sizeof(*b));
	for (unsigned i = 0; i < n; i++) {
		b[i].key[0] = 10;
		b[i].key[2] = (uint8_t)((i + 1) >> 8);
		b[i].key[3] = (uint8_t)(i + 1);
		b[i].weight = weight;
	}
}

/* The entries each of b[0..n-1] holds, in count[]; fails the test when one names no backend. */
static void
count_entries(const uint32_t *t, uint32_t m, unsigned n, unsigned *count)
{
	uint32_t bad = 0;

	memset(count, 0, n * sizeof(*count));
	for (uint32_t i = 0; i < m; i++) {
		if (t[i] < n)
			count[t[i]]++;
		else
			bad++;
	}
	CU_ASSERT_EQUAL_FATAL(bad, 0);
}

/* Entries of t[0..m-1] that are not v. */
static uint32_t
entries_not(const uint32_t *t, uint32_t m, uint32_t v)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < m; i++)
		k += t[i] != v;
	return k;
}

/* Tables built from two lists name the same backend (by key) in every entry. */
static bool
same_keys(const uint32_t *t1, const struct maglev_backend *b1, const uint32_t *t2,
	  const struct maglev_backend *b2, uint32_t m)
{
	for (uint32_t i = 0; i < m; i++)
		if (memcmp(b1[t1[i]].key, b2[t2[i]].key, sizeof(b1->key)) != 0)
			return false;
	return true;
}

/* FLOWS pseudo-random 40-byte flow keys from a fixed seed, hashed: the entry each one hits. */
static void
make_flows(void)
{
	uint64_t key[FLOW_KEY / 8];

	rng = 0x2545f4914f6cdd1dull;
	for (uint32_t f = 0; f < FLOWS; f++) {
		for (unsigned w = 0; w < FLOW_KEY / 8; w++)
			key[w] = xorshift();
		flow_entry[f] = (uint32_t)(maglev_murmur3_64(key, sizeof(key), 0) % M);
	}
}

static void
test_primes(void)
{
	static const uint32_t primes[] = {2, 3, 5, 7, 11, 251, 65521, MAGLEV_SIZE_DEFAULT, MAGLEV_SIZE_MAX};
	/* 1042441 = 1021^2, 1048583: the prime after MAGLEV_SIZE_MAX */
	static const uint32_t composite[] = {0,     1,     4,       9,       15,      25,
					     65535, 65536, 1042441, 1048575, 1048583, UINT32_MAX};
	unsigned below_10000 = 0;

	for (unsigned i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		CU_ASSERT_TRUE(maglev_is_prime(primes[i]));
	for (unsigned i = 0; i < sizeof(composite) / sizeof(composite[0]); i++)
		CU_ASSERT_FALSE(maglev_is_prime(composite[i]));
	/* pi(10^4) = 1229 */
	for (uint32_t m = 0; m < 10000; m++)
		below_10000 += maglev_is_prime(m);
	CU_ASSERT_EQUAL(below_10000, 1229);
}

/*
 * Published values of MurmurHash3_x64_128, the first 64 bits read little-endian: mmh3's README
 * (Python: hash64("foo") and hash64("foo", 42)), the digest of "The quick brown fox..." that
 * many ports test (6c1b07bc7bbc4be3...), and SMHasher's verification value of Murmur3F, which
 * covers every length 0..255 and both halves. An independent Python transcription of the
 * reference gave the same four.
 */
static void
test_murmur3_vectors(void)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t keys[256], digests[256 * 16];
	uint64_t h[2];

	CU_ASSERT_EQUAL(maglev_murmur3_64("foo", 3, 0), 16316970633193145697ull);
	CU_ASSERT_EQUAL(maglev_murmur3_64("foo", 3, 42), (uint64_t)-840311307571801102ll);
	CU_ASSERT_EQUAL(maglev_murmur3_64(fox, sizeof(fox) - 1, 0), 0xe34bbc7bbc071b6cull);

	/* SMHasher's VerificationTest: key i is bytes 0..i-1, seed 256 - i; the 256 digests
	 * hashed with seed 0; the first 4 bytes of that digest, little-endian */
	for (unsigned i = 0; i < 256; i++) {
		keys[i] = (uint8_t)i;
		murmur3_x64_128(keys, i, 256 - i, h);
		for (unsigned j = 0; j < 16; j++)
			digests[16 * i + j] = (uint8_t)(h[j / 8] >> (8 * (j % 8)));
	}
	murmur3_x64_128(digests, sizeof(digests), 0, h);
	CU_ASSERT_EQUAL((uint32_t)h[0], 0x6384ba69u);
}

static void
test_equal_weights_balanced(void)
{
	static const struct {
		unsigned n;
		uint32_t m;
	} cases[] = {{1, M},    {2, M}, {3, M}, {7, M},      {100, M},
		     {1000, M}, {3, 7}, {7, 7}, {1000, 251}, {5, 2}};
	static struct maglev_backend b[1000];
	static unsigned count[1000];

	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned n = cases[c].n;
		uint32_t m = cases[c].m;

		make_backends(b, n, 7);
		CU_ASSERT_EQUAL_FATAL(maglev_build(b, n, m, table), (int)(n < m ? n : m));
		count_entries(table, m, n, count);
		for (unsigned i = 0; i < n; i++)
			CU_ASSERT(count[i] == m / n || count[i] == (m + n - 1) / n);
	}
}

static void
test_weights_proportional(void)
{
	struct maglev_backend b[3], scaled[3];
	unsigned count[3];

	make_backends(b, 3, 0);
	for (unsigned i = 0; i < 3; i++)
		b[i].weight = i + 1;
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 3, M, table), 3);
	count_entries(table, M, 3, count);
	for (unsigned i = 0; i < 3; i++) {
		double want = (double)M * (i + 1) / 6;

		CU_ASSERT(count[i] > want * 0.99 && count[i] < want * 1.01);
	}

	/* only the ratios count: the same weights times 1000 build the same table */
	memcpy(scaled, b, sizeof(b));
	for (unsigned i = 0; i < 3; i++)
		scaled[i].weight *= 1000;
	CU_ASSERT_EQUAL_FATAL(maglev_build(scaled, 3, M, other), 3);
	CU_ASSERT_EQUAL(memcmp(table, other, sizeof(table)), 0);

	/* the extremes: 1 against MAGLEV_WEIGHT_MAX */
	b[0].weight = 1;
	b[1].weight = MAGLEV_WEIGHT_MAX;
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 2, M, table), 2);
	count_entries(table, M, 2, count);
	CU_ASSERT(count[0] >= 1 && count[0] <= 2); /* 65537 / 65536 of a turn per round */
	CU_ASSERT_EQUAL(count[0] + count[1], M);
}

/* The table depends on the set of (key, weight) only: shuffled lists name the same backends. */
static void
test_order_independent(void)
{
	static struct maglev_backend b[100], shuffled[100], copy[100];

	make_backends(b, 100, 0);
	for (unsigned i = 0; i < 100; i++)
		b[i].weight = 1 + i % 5;
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 100, M, table), 100);

	rng = 0x9e3779b97f4a7c15ull;
	memcpy(shuffled, b, sizeof(b));
	for (unsigned round = 0; round < 5; round++) {
		for (unsigned i = 99; i > 0; i--) {
			unsigned j = (unsigned)(xorshift() % (i + 1));
			struct maglev_backend t = shuffled[i];

			shuffled[i] = shuffled[j];
			shuffled[j] = t;
		}
		memcpy(copy, shuffled, sizeof(copy));
		CU_ASSERT_EQUAL_FATAL(maglev_build(shuffled, 100, M, other), 100);
		CU_ASSERT_EQUAL(memcmp(copy, shuffled, sizeof(copy)), 0); /* the input is left alone */
		CU_ASSERT_TRUE(same_keys(table, b, other, shuffled, M));
	}
}

static void
test_deterministic(void)
{
	static struct maglev_backend b[50];

	make_backends(b, 50, 0);
	for (unsigned i = 0; i < 50; i++)
		b[i].weight = 1000 + 37 * i;
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 50, M, table), 50);
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 50, M, other), 50);
	CU_ASSERT_EQUAL(memcmp(table, other, sizeof(table)), 0);
}

static void
test_weight_zero(void)
{
	struct maglev_backend b[10], without[9];
	unsigned count[10];

	make_backends(b, 10, 1);
	b[4].weight = 0;
	memcpy(without, b, 4 * sizeof(*b));
	memcpy(without + 4, b + 5, 5 * sizeof(*b));
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 10, M, table), 9);
	count_entries(table, M, 10, count);
	CU_ASSERT_EQUAL(count[4], 0);
	CU_ASSERT_EQUAL_FATAL(maglev_build(without, 9, M, other), 9);
	CU_ASSERT_TRUE(same_keys(table, b, other, without, M));

	/* every weight 0, or no backend at all: no entry names one */
	for (unsigned i = 0; i < 10; i++)
		b[i].weight = 0;
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 10, M, table), 0);
	CU_ASSERT_EQUAL(entries_not(table, M, MAGLEV_NONE), 0);
	memset(table, 0, sizeof(table));
	CU_ASSERT_EQUAL_FATAL(maglev_build(NULL, 0, 7, table), 0);
	CU_ASSERT_EQUAL(entries_not(table, 7, MAGLEV_NONE), 0);
	CU_ASSERT_EQUAL(table[7], 0); /* nothing past m */
}

/* A refused build leaves the table as it was (the caller's old table stays usable). */
static void
test_invalid(void)
{
	static const uint32_t bad_m[] = {0, 1, 4, 65536, 1048583, MAGLEV_SIZE_MAX + 1};
	struct maglev_backend b[4];

	make_backends(b, 4, 1);
	memset(table, 0xab, sizeof(table));
	for (unsigned i = 0; i < sizeof(bad_m) / sizeof(bad_m[0]); i++)
		CU_ASSERT_EQUAL(maglev_build(b, 4, bad_m[i], table), -EINVAL);

	b[3].key[3] = b[1].key[3]; /* a duplicate key */
	CU_ASSERT_EQUAL(maglev_build(b, 4, M, table), -EINVAL);
	b[1].weight = b[3].weight = 0; /* even when neither would take an entry */
	CU_ASSERT_EQUAL(maglev_build(b, 4, M, table), -EINVAL);

	make_backends(b, 4, 1);
	b[2].weight = MAGLEV_WEIGHT_MAX + 1;
	CU_ASSERT_EQUAL(maglev_build(b, 4, M, table), -EINVAL);
	CU_ASSERT_EQUAL(entries_not(table, M, 0xabababab), 0);
}

/* 1 M random flows over 100 equal backends: no backend carries 5 % more than the mean. */
static void
test_distribution(void)
{
	static struct maglev_backend b[100];
	unsigned load[100] = {0}, max = 0, min = UINT32_MAX;

	make_backends(b, 100, 1);
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 100, M, table), 100);
	make_flows();
	for (uint32_t f = 0; f < FLOWS; f++)
		load[table[flow_entry[f]]]++;
	for (unsigned i = 0; i < 100; i++) {
		max = load[i] > max ? load[i] : max;
		min = load[i] < min ? load[i] : min;
	}
	CU_ASSERT(max <= FLOWS / 100 * 105 / 100);
	CU_ASSERT(min >= FLOWS / 100 * 95 / 100);
}

/*
 * Flows that change backend when 1 of 100 leaves: all of its own, and at most 1 % of the
 * others' (Maglev's paper, section 5.3: a few entries shift to keep the balance). Coming back
 * is the same change reversed; a 101st that joins takes its share and moves at most 1 % more.
 */
static void
test_disruption(void)
{
	static struct maglev_backend b[101], rest[99];
	const unsigned gone = 37;
	unsigned own = 0, others = 0, moved_own = 0, moved_others = 0, joined = 0, named_gone = 0;

	make_backends(b, 101, 1);
	memcpy(rest, b, gone * sizeof(*b));
	memcpy(rest + gone, b + gone + 1, (99 - gone) * sizeof(*b));
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 100, M, table), 100);
	CU_ASSERT_EQUAL_FATAL(maglev_build(rest, 99, M, other), 99);
	make_flows();

	/* rest[j] is b[j < gone ? j : j + 1]: compare backends through the indexes */
	for (uint32_t f = 0; f < FLOWS; f++) {
		uint32_t before = table[flow_entry[f]], r = other[flow_entry[f]];
		uint32_t after = r < gone ? r : r + 1;

		named_gone += after == gone;
		if (before == gone) {
			own++;
			moved_own += after != before;
		} else {
			others++;
			moved_others += after != before;
		}
	}
	CU_ASSERT_EQUAL(named_gone, 0);
	CU_ASSERT(own > 0);
	CU_ASSERT_EQUAL(moved_own, own);
	CU_ASSERT(moved_others * 100 <= others);

	/* b[100] joins the 100 */
	CU_ASSERT_EQUAL_FATAL(maglev_build(b, 101, M, other), 101);
	moved_others = 0;
	for (uint32_t f = 0; f < FLOWS; f++) {
		uint32_t before = table[flow_entry[f]], after = other[flow_entry[f]];

		if (after == 100)
			joined++;
		else
			moved_others += after != before;
	}
	CU_ASSERT(joined > FLOWS / 101 * 95 / 100 && joined < FLOWS / 101 * 105 / 100);
	CU_ASSERT(moved_others * 100 <= FLOWS);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"primes", test_primes},
		{"MurmurHash3 x64_128 vectors", test_murmur3_vectors},
		{"equal weights: floor or ceil of m/k each", test_equal_weights_balanced},
		{"entries in proportion to weights", test_weights_proportional},
		{"the order of the backends does not matter", test_order_independent},
		{"deterministic", test_deterministic},
		{"weight 0 takes nothing", test_weight_zero},
		{"invalid input refused, table untouched", test_invalid},
		{"1 M flows over 100 backends", test_distribution},
		{"disruption: 1 of 100 leaves, a 101st joins", test_disruption},
	};

	return HP_CUNIT_RUN("maglev", tests);
}
