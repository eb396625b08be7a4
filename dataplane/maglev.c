/*
 * Maglev's lookup table (maglev.h), filled as Katran's MaglevHashV2 fills it.
 *
 * Every backend walks its own permutation of the entries, (offset + j * skip) mod m, and in its
 * turn takes the next entry of it that is still empty. Turns go in rounds over the backends
 * sorted by key; a backend of weight w takes a turn in round r when floor(r * w / W) grows
 * (W: the largest weight), so the heaviest takes one every round and the others in proportion.
 * Equal weights are plain round robin: floor(m/k) or ceil(m/k) entries each.
 *
 * Katran visits every backend in every round, which is m * n steps when one weight dwarfs the
 * others (one of 65535 among 999 of 1: 64 M visits for 65537 entries). Here the turns come off
 * a min-heap keyed by (round, place in key order): the same sequence of turns in m * log(n).
 * The probing costs about m * ln(m) in all, as in the paper: an entry is found empty with the
 * probability of the fraction still empty.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "maglev.h"

/* Katran's seeds: offset and skip from two independent hashes of the key */
#define MAGLEV_SEED_OFFSET 0u
#define MAGLEV_SEED_SKIP 2307u

/* A backend of weight > 0 while the table fills. */
struct maglev_turn {
	uint8_t key[16];
	uint32_t weight;
	uint32_t index; /* in the caller's array: what the table holds */
	uint32_t pos;   /* the next entry of its permutation to try */
	uint32_t skip;
	uint32_t taken; /* entries it holds */
};

static inline uint64_t
rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t
fmix64(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

/* Little-endian whatever the host: a flow hash must agree across hosts. */
static inline uint64_t
load_le64(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline uint64_t
mix_k1(uint64_t k1)
{
	return rotl64(k1 * 0x87c37b91114253d5ull, 31) * 0x4cf5ad432745937full;
}

static inline uint64_t
mix_k2(uint64_t k2)
{
	return rotl64(k2 * 0x4cf5ad432745937full, 33) * 0x87c37b91114253d5ull;
}

/* MurmurHash3_x64_128 as SMHasher defines it (blocks read little-endian): out[0], out[1]. */
static void
murmur3_x64_128(const void *key, unsigned len, uint32_t seed, uint64_t out[2])
{
	const uint8_t *p = key;
	const uint8_t *tail = p + (len & ~15u);
	unsigned rest = len & 15u;
	uint64_t h1 = seed, h2 = seed;

	for (; p < tail; p += 16) {
		h1 ^= mix_k1(load_le64(p, 8));
		h1 = (rotl64(h1, 27) + h2) * 5 + 0x52dce729;
		h2 ^= mix_k2(load_le64(p + 8, 8));
		h2 = (rotl64(h2, 31) + h1) * 5 + 0x38495ab5;
	}
	/* the reference's fall-through switch: bytes 9..15 into k2, 1..8 into k1 */
	if (rest > 8)
		h2 ^= mix_k2(load_le64(tail + 8, rest - 8));
	if (rest > 0)
		h1 ^= mix_k1(load_le64(tail, rest > 8 ? 8 : rest));

	h1 ^= len;
	h2 ^= len;
	h1 += h2;
	h2 += h1;
	h1 = fmix64(h1);
	h2 = fmix64(h2);
	h1 += h2;
	h2 += h1;
	out[0] = h1;
	out[1] = h2;
}

uint64_t
maglev_murmur3_64(const void *key, unsigned len, uint32_t seed)
{
	uint64_t h[2];

	murmur3_x64_128(key, len, seed, h);
	return h[0];
}

bool
maglev_is_prime(uint32_t m)
{
	if (m < 2 || m > MAGLEV_SIZE_MAX)
		return false;
	if (m % 2 == 0)
		return m == 2;
	for (uint32_t d = 3; d * d <= m; d += 2)
		if (m % d == 0)
			return false;
	return true;
}

static int
turn_cmp_key(const void *a, const void *b)
{
	const struct maglev_turn *x = a, *y = b;

	return memcmp(x->key, y->key, sizeof(x->key));
}

/* The round of t's next turn: the first r with floor(r * weight / max) > taken. Below 2^32:
 * the heaviest backend takes a turn every round, so no round passes m before the table is full. */
static inline uint64_t
next_round(const struct maglev_turn *t, uint32_t max)
{
	return ((uint64_t)(t->taken + 1) * max + t->weight - 1) / t->weight;
}

/* A turn as the heap holds it: round, then place in key order (ties go in key order). */
static inline uint64_t
heap_key(const struct maglev_turn *turns, uint32_t i, uint32_t max)
{
	return next_round(&turns[i], max) << 32 | i;
}

static void
heap_down(uint64_t *h, uint32_t n, uint32_t i)
{
	uint64_t v = h[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && h[c + 1] < h[c])
			c++;
		if (v <= h[c])
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = v;
}

static void
set_none(uint32_t *table, uint32_t m)
{
	for (uint32_t i = 0; i < m; i++)
		table[i] = MAGLEV_NONE;
}

/* Fills table from k turns (sorted by key, weights > 0, k > 0); returns the backends that got
 * entries. The permutations are full cycles (m prime, 0 < skip < m): a turn always finds an
 * empty entry while one is left. */
static uint32_t
fill(struct maglev_turn *turns, uint32_t k, uint32_t max, uint64_t *heap, uint32_t m, uint32_t *table)
{
	uint32_t got = 0;

	for (uint32_t i = 0; i < k; i++) {
		uint64_t offset = maglev_murmur3_64(turns[i].key, sizeof(turns[i].key), MAGLEV_SEED_OFFSET);
		uint64_t skip = maglev_murmur3_64(turns[i].key, sizeof(turns[i].key), MAGLEV_SEED_SKIP);

		turns[i].pos = (uint32_t)(offset % m);
		turns[i].skip = (uint32_t)(skip % (m - 1) + 1);
		heap[i] = heap_key(turns, i, max);
	}
	for (uint32_t i = k / 2; i-- > 0;)
		heap_down(heap, k, i);

	set_none(table, m);
	for (uint32_t filled = 0; filled < m; filled++) {
		uint32_t i = (uint32_t)heap[0];
		struct maglev_turn *t = &turns[i];

		while (table[t->pos] != MAGLEV_NONE) {
			/* pos + skip < 2m: a subtraction instead of a division per probe */
			t->pos += t->skip;
			if (t->pos >= m)
				t->pos -= m;
		}
		table[t->pos] = t->index;
		got += t->taken == 0;
		t->taken++;
		heap[0] = heap_key(turns, i, max);
		heap_down(heap, k, 0);
	}
	return got;
}

int
maglev_build(const struct maglev_backend *b, unsigned n, uint32_t m, uint32_t *table)
{
	struct maglev_turn *turns;
	uint32_t k = 0, max = 0;
	uint64_t *heap;
	int ret;

	if (!maglev_is_prime(m))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (b[i].weight > MAGLEV_WEIGHT_MAX)
			return -EINVAL;

	if (n == 0) {
		set_none(table, m);
		return 0;
	}

	/* a copy sorted by key: the table must not depend on the order the caller lists backends in */
	turns = malloc(n * sizeof(*turns));
	if (turns == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		memcpy(turns[i].key, b[i].key, sizeof(turns[i].key));
		turns[i].weight = b[i].weight;
		turns[i].index = i;
		turns[i].taken = 0;
	}
	qsort(turns, n, sizeof(*turns), turn_cmp_key);
	for (unsigned i = 1; i < n; i++) {
		if (turn_cmp_key(&turns[i - 1], &turns[i]) == 0) {
			ret = -EINVAL;
			goto free_turns;
		}
	}

	/* weight 0 takes no turn: the table is the one built without those backends */
	for (unsigned i = 0; i < n; i++) {
		if (turns[i].weight == 0)
			continue;
		if (turns[i].weight > max)
			max = turns[i].weight;
		turns[k++] = turns[i];
	}
	if (k == 0) {
		set_none(table, m);
		ret = 0;
		goto free_turns;
	}

	heap = malloc(k * sizeof(*heap));
	if (heap == NULL) {
		ret = -ENOMEM;
		goto free_turns;
	}
	ret = (int)fill(turns, k, max, heap, m, table);
	free(heap);
free_turns:
	free(turns);
	return ret;
}
