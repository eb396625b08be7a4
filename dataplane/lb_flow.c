/* The load balancer's per-worker flow table (lb_flow.h): 8-way LRU buckets of one cache line. */

/*
 * Design notes.
 *
 * One table per worker, so nothing here is shared on the hot path: no atomics with
 * read-modify-write, no locks, plain counters. What another thread may change (the generation,
 * the timeout) is read once per call with a relaxed load.
 *
 * Layout, one rte_zmalloc_socket allocation:
 *
 *   header   (the read-mostly fields, then the worker's counters on their own line)
 *   buckets  n_buckets x 64 bytes: sig[8] (hash signatures) + seen[8] (last-seen ticks)
 *   entries  n_buckets x 8 x 64 bytes: key (40) + value (8) + generation (4), padded
 *
 * Entry i * 8 + w belongs to way w of bucket i: no index in the bucket, and both lines are
 * found from the hash alone. A lookup reads the bucket line (prefetched by the burst's first
 * pass) and, for a matching signature, one entry line: two lines, one of them usually in cache.
 * A miss (a new flow) reads only the bucket, since a signature rarely matches another key.
 * Keeping the times in the bucket rather than in the entries is what lets an insert pick its
 * way (empty, expired, least recently seen) from that same line; it writes one entry line.
 *
 * Hash: bucket = h & mask; signature = h | 1 (0 marks an empty way). The low bits are the
 * bucket's and alike in all its ways, so bit 0 costs nothing; the signature tells keys apart by
 * h's remaining 32 - log2(n_buckets) bits (15 at 1 M flows: against a full bucket's other seven
 * ways, a false match costs one extra entry line in about 1 of 4700 lookups).
 *
 * Time: a tick is 2^20 TSC cycles (0.35 ms at 3 GHz, 0.5 ms at 2 GHz), kept in 32 bits, so the
 * tick counter wraps every 2^52 cycles (17 days at 3 GHz). Ages are unsigned differences
 * (now - seen) and so survive the wrap; a way seen up to LB_FLOW_SLACK ticks "after" now (another
 * core's TSC, a now read a little before) counts as just seen; a way not seen for over half the
 * wrap period looks expired. The timeout is kept in ticks, rounded up: an entry lives at least
 * `timeout` cycles after it was last seen and is gone 2 ticks later at most. An entry untouched
 * for a whole wrap period (17 days) in a bucket no insert reused would look fresh again for one
 * timeout; its key must also come back in that window to be found (a 5-tuple with the same
 * ephemeral port), so this is left as is rather than paid for with a sweeper.
 *
 * Flush: a 32-bit generation in the header, bumped by any thread; an entry carries the generation
 * it was written in and one of another generation is not found (the check costs nothing: the
 * lookup reads the entry line for the key anyway). The bucket line has no room for it, so an
 * insert cannot see from the bucket which ways are stale; it does not need to: stale ways were
 * seen before the flush, so they are older than any way written since and LRU picks them first
 * (one written in the flush's own tick may tie and go first). The victim's generation, read from
 * the entry line the insert writes anyway, decides whether that was an eviction.
 *
 * A key is in at most one way of its bucket: insert reuses the way that holds k (expired or
 * flushed) before any other, so no dead copy of a key takes a way and a lookup stops at the first
 * way whose key matches.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_vect.h>

#include "lb_flow.h"

#define LB_FLOW_WAYS 8
#define LB_FLOW_MAX_SIZE (1u << 28)
#define LB_FLOW_TICK_SHIFT 20 /* a tick is 2^20 TSC cycles */
#define LB_FLOW_SLACK 1024u   /* ticks a last-seen time may lie ahead of now and still count as fresh */
#define LB_FLOW_MAX_TIMEOUT (1u << 31) /* ticks: older ways than that look expired (the wrap, above) */

_Static_assert(sizeof(struct ct_key) == 40, "keys are compared as five 8-byte words");
_Static_assert(sizeof(struct lb_flow_val) == 8, "a value fits the entry line beside its key");

/* One line: the ways' signatures (h | 1, 0 = empty) and last-seen ticks. */
struct lb_flow_bucket {
	uint32_t sig[LB_FLOW_WAYS];
	uint32_t seen[LB_FLOW_WAYS];
} __rte_cache_aligned;

/* One line: way w of bucket i is entries[i * LB_FLOW_WAYS + w]. */
struct lb_flow_entry {
	struct ct_key key;
	struct lb_flow_val val;
	uint32_t gen; /* the table's generation when written */
} __rte_cache_aligned;

_Static_assert(sizeof(struct lb_flow_bucket) == RTE_CACHE_LINE_SIZE, "a bucket is one line");
_Static_assert(sizeof(struct lb_flow_entry) == RTE_CACHE_LINE_SIZE, "an entry is one line");

struct lb_flow_table {
	/* constant after create */
	struct lb_flow_bucket *buckets;
	struct lb_flow_entry *entries;
	uint32_t mask; /* buckets - 1 */
	uint32_t size; /* entries: buckets * LB_FLOW_WAYS */
	/* any thread: rw (atomic), worker: ro once per call */
	uint32_t gen;      /* lb_flow_flush bumps it */
	uint32_t live_max; /* timeout in ticks + LB_FLOW_SLACK: a way lives while its age is at most this */
	/* worker: rw, control: ro (stale) */
	struct lb_flow_stats st __rte_cache_aligned;
} __rte_cache_aligned;

/* Buckets for size flows, 0 when size is out of range. */
static uint32_t
lb_flow_buckets(uint32_t size)
{
	uint32_t n = LB_FLOW_WAYS;

	if (size == 0 || size > LB_FLOW_MAX_SIZE)
		return 0;
	while (n < size)
		n <<= 1;
	return n / LB_FLOW_WAYS;
}

uint64_t
lb_flow_bytes(uint32_t size)
{
	uint64_t nb = lb_flow_buckets(size);

	if (nb == 0)
		return 0;
	return sizeof(struct lb_flow_table) + nb * sizeof(struct lb_flow_bucket) +
	       nb * LB_FLOW_WAYS * sizeof(struct lb_flow_entry);
}

struct lb_flow_table *
lb_flow_create(uint32_t size, uint64_t timeout, int socket)
{
	uint32_t nb = lb_flow_buckets(size);
	struct lb_flow_table *t;
	char *mem;

	if (nb == 0) {
		errno = EINVAL;
		return NULL;
	}
	mem = rte_zmalloc_socket("lb_flow", lb_flow_bytes(size), RTE_CACHE_LINE_SIZE, socket);
	if (mem == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t = (struct lb_flow_table *)mem;
	t->buckets = (struct lb_flow_bucket *)(mem + sizeof(*t));
	t->entries = (struct lb_flow_entry *)(mem + sizeof(*t) + (size_t)nb * sizeof(struct lb_flow_bucket));
	t->mask = nb - 1;
	t->size = nb * LB_FLOW_WAYS;
	lb_flow_set_timeout(t, timeout);
	return t;
}

void
lb_flow_free(struct lb_flow_table *t)
{
	rte_free(t);
}

void
lb_flow_set_timeout(struct lb_flow_table *t, uint64_t timeout)
{
	/* rounded up: never gone before timeout cycles */
	uint64_t ticks = (timeout >> LB_FLOW_TICK_SHIFT) +
			 ((timeout & ((1ull << LB_FLOW_TICK_SHIFT) - 1)) != 0);

	if (ticks > LB_FLOW_MAX_TIMEOUT)
		ticks = LB_FLOW_MAX_TIMEOUT;
	__atomic_store_n(&t->live_max, (uint32_t)ticks + LB_FLOW_SLACK, __ATOMIC_RELAXED);
}

void
lb_flow_flush(struct lb_flow_table *t)
{
	/* nothing is published with it: the worker needs only to see the new value soon */
	__atomic_fetch_add(&t->gen, 1, __ATOMIC_RELAXED);
}

uint32_t
lb_flow_size(const struct lb_flow_table *t)
{
	return t->size;
}

const struct lb_flow_stats *
lb_flow_stats(const struct lb_flow_table *t)
{
	return &t->st;
}

void
lb_flow_prefetch(const struct lb_flow_table *t, uint32_t h)
{
	rte_prefetch0(&t->buckets[h & t->mask]);
}

/* ---- the worker's side ---- */

static inline uint32_t
lb_flow_tick(uint64_t now)
{
	return (uint32_t)(now >> LB_FLOW_TICK_SHIFT);
}

/* A way's age in ticks, shifted by LB_FLOW_SLACK so that a time a little ahead of now is young. */
static inline uint32_t
lb_flow_age(uint32_t now_tick, uint32_t seen)
{
	return now_tick - seen + LB_FLOW_SLACK;
}

static inline uint64_t
lb_flow_word(const struct ct_key *k, unsigned i)
{
	uint64_t x;

	memcpy(&x, (const char *)k + 8 * i, sizeof(x));
	return x;
}

static inline bool
lb_flow_key_eq(const struct ct_key *a, const struct ct_key *b)
{
	return ((lb_flow_word(a, 0) ^ lb_flow_word(b, 0)) | (lb_flow_word(a, 1) ^ lb_flow_word(b, 1)) |
		(lb_flow_word(a, 2) ^ lb_flow_word(b, 2)) | (lb_flow_word(a, 3) ^ lb_flow_word(b, 3)) |
		(lb_flow_word(a, 4) ^ lb_flow_word(b, 4))) == 0;
}

/* Bit w set for each way whose signature is sig. */
static inline unsigned
lb_flow_match(const struct lb_flow_bucket *b, uint32_t sig)
{
#ifdef RTE_ARCH_X86
	/* two compares and a byte mask: the scalar loop below is eight compares and shifts */
	const __m128i s = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)&b->sig[0]), s);
	__m128i hi = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)&b->sig[4]), s);
	__m128i w16 = _mm_packs_epi32(lo, hi);

	return (unsigned)_mm_movemask_epi8(_mm_packs_epi16(w16, _mm_setzero_si128()));
#else
	unsigned m = 0;

	for (unsigned w = 0; w < LB_FLOW_WAYS; w++)
		m |= (unsigned)(b->sig[w] == sig) << w;
	return m;
#endif
}

/* The way of bucket bi holding k, live or not (a key is in one way at most); -1 when none. */
static inline int
lb_flow_way(const struct lb_flow_table *t, uint32_t bi, const struct ct_key *k, uint32_t sig)
{
	unsigned m = lb_flow_match(&t->buckets[bi], sig);

	while (m != 0) {
		unsigned w = (unsigned)__builtin_ctz(m);

		if (lb_flow_key_eq(&t->entries[bi * LB_FLOW_WAYS + w].key, k))
			return (int)w;
		m &= m - 1;
	}
	return -1;
}

/* The live entry of k (its time refreshed), NULL when none. */
static __rte_always_inline struct lb_flow_entry *
lb_flow_find(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now)
{
	uint32_t bi = h & t->mask, nt = lb_flow_tick(now);
	struct lb_flow_bucket *b = &t->buckets[bi];
	int w = lb_flow_way(t, bi, k, h | 1);
	struct lb_flow_entry *e;

	if (w < 0)
		return NULL;
	e = &t->entries[bi * LB_FLOW_WAYS + (unsigned)w];
	if (e->gen != __atomic_load_n(&t->gen, __ATOMIC_RELAXED) ||
	    lb_flow_age(nt, b->seen[w]) > __atomic_load_n(&t->live_max, __ATOMIC_RELAXED))
		return NULL;
	b->seen[w] = nt;
	return e;
}

void
lb_flow_prefetch_entry(const struct lb_flow_table *t, uint32_t h)
{
	uint32_t bi = h & t->mask;
	unsigned m = lb_flow_match(&t->buckets[bi], h | 1);

	/* the first way of this signature: a second one is one collision in 2^32 */
	if (m != 0)
		rte_prefetch0(&t->entries[bi * LB_FLOW_WAYS + (unsigned)__builtin_ctz(m)]);
}

bool
lb_flow_lookup(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
	       struct lb_flow_val *v)
{
	const struct lb_flow_entry *e = lb_flow_find(t, k, h, now);

	if (e == NULL) {
		t->st.misses++;
		return false;
	}
	*v = e->val;
	t->st.hits++;
	return true;
}

void
lb_flow_update(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
	       const struct lb_flow_val *v)
{
	struct lb_flow_entry *e = lb_flow_find(t, k, h, now);

	if (e != NULL) {
		e->val = *v;
		t->st.updates++;
	}
}

void
lb_flow_insert(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
	       const struct lb_flow_val *v)
{
	uint32_t bi = h & t->mask, nt = lb_flow_tick(now);
	uint32_t gen = __atomic_load_n(&t->gen, __ATOMIC_RELAXED);
	struct lb_flow_bucket *b = &t->buckets[bi];
	struct lb_flow_entry *e;
	int w = lb_flow_way(t, bi, k, h | 1);

	if (w < 0) {
		unsigned empty = lb_flow_match(b, 0);

		if (empty != 0) {
			w = __builtin_ctz(empty);
		} else {
			/* the least recently seen; an expired or flushed way is the oldest or as free */
			uint32_t oldest = lb_flow_age(nt, b->seen[0]);

			w = 0;
			for (unsigned x = 1; x < LB_FLOW_WAYS; x++) {
				uint32_t a = lb_flow_age(nt, b->seen[x]);

				if (a > oldest) {
					oldest = a;
					w = (int)x;
				}
			}
			if (oldest <= __atomic_load_n(&t->live_max, __ATOMIC_RELAXED) &&
			    t->entries[bi * LB_FLOW_WAYS + (unsigned)w].gen == gen)
				t->st.evictions++;
		}
	}
	e = &t->entries[bi * LB_FLOW_WAYS + (unsigned)w];
	e->key = *k;
	e->val = *v;
	e->gen = gen;
	b->sig[w] = h | 1;
	b->seen[w] = nt;
	t->st.inserts++;
}

/* ---- the control thread's side ---- */

uint64_t
lb_flow_count(const struct lb_flow_table *t, uint64_t now)
{
	/* the worker writes what this reads with plain stores: a count may be off by a racing
	 * insert, never by a torn word (aligned 32-bit loads) */
	uint32_t nt = lb_flow_tick(now), gen = __atomic_load_n(&t->gen, __ATOMIC_RELAXED);
	uint32_t live_max = __atomic_load_n(&t->live_max, __ATOMIC_RELAXED);
	uint64_t n = 0;

	for (uint32_t bi = 0; bi <= t->mask; bi++) {
		const struct lb_flow_bucket *b = &t->buckets[bi];

		for (unsigned w = 0; w < LB_FLOW_WAYS; w++) {
			if (__atomic_load_n(&b->sig[w], __ATOMIC_RELAXED) == 0 ||
			    lb_flow_age(nt, __atomic_load_n(&b->seen[w], __ATOMIC_RELAXED)) > live_max)
				continue;
			n += __atomic_load_n(&t->entries[bi * LB_FLOW_WAYS + w].gen, __ATOMIC_RELAXED) == gen;
		}
	}
	return n;
}
