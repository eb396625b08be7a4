/* The shared lock-free connection table (ct.h): CAS'd bucket slots, per-worker slices, RCU reclaim. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "ct.h"
#include "ct_hash.h"

_Static_assert(sizeof(struct ct_key) == 40, "keys are hashed and compared as 40 bytes");
_Static_assert(sizeof(struct ct_conn) == 128, "an entry is two cache lines");

#define CT_SLOTS 8                /* per bucket: one cache line of 64-bit slots */
#define CT_BATCHES 32             /* closed limbo batches a worker keeps waiting at once */
#define CT_MAX_ENTRIES (1u << 30) /* a slot's low word holds (index << 1 | dir) + 1 */
#define CT_MAX_WORKERS 256        /* ct_conn.owner is a byte */
#define CT_SWEEPS_MIN 16          /* a small share is swept whole at least this often a second */

/*
 * A slot: 0 empty, else (hash << 32) | ((entry << 1 | dir) + 1). The hash in the high word spares
 * a lookup the entry's cache lines for most keys that only share the bucket.
 */
struct ct_bucket {
	uint64_t slot[CT_SLOTS];
} __rte_cache_aligned;

/* Entries removed together, reusable once every reader passed a quiescent state after `token`. */
struct ct_batch {
	uint64_t token;
	uint32_t n;      /* entries of the batch still in limbo (the oldest of the ring) */
	uint32_t passed; /* the grace period is known to be over */
};

/* One worker's share of the entries: written by that worker only (the control thread reads st). */
struct ct_slice {
	struct ct_worker_stats st;
	uint32_t base, n; /* entries [base, base + n) */
	uint32_t cursor;  /* ct_sweep's next entry, 0 <= cursor < n */
	uint64_t gap;     /* ct_sweep_gap: TSC cycles between two sweeps of CT_SWEEP_STEP entries */
	uint32_t n_free;  /* free[0..n_free): a stack of entry indexes */
	uint32_t *free;   /* n of them */
	uint32_t *limbo;  /* ring of n entry indexes, oldest at limbo_head */
	uint32_t limbo_head, limbo_n;
	uint32_t open_n;      /* the newest open_n of the ring: no token yet (the open batch) */
	uint32_t b_head, b_n; /* closed batches: ring of CT_BATCHES, oldest at b_head */
	struct ct_batch b[CT_BATCHES];
} __rte_cache_aligned;

struct ct_table {
	/* read by every lookup, written rarely (control) */
	uint32_t mask;        /* buckets - 1 */
	uint32_t gen;         /* atomic: ct_flush increments it */
	uint64_t timeouts[4]; /* atomic relaxed: TSC cycles per enum ct_timeout */
	struct ct_bucket *buckets;
	struct ct_conn *conns;
	/* constant after create */
	struct rte_rcu_qsbr *qsv;
	uint32_t max;
	unsigned n_workers;
	struct ct_slice slice[]; /* per worker */
} __rte_cache_aligned;

/*
 * ct_touch has no table argument: its "about a millisecond" is this machine's, set by
 * ct_table_create (the TSC rate is the same for every table).
 */
static uint64_t ct_touch_cycles;

/* ---- memory layout: one allocation ---- */

struct ct_layout {
	uint32_t n_buckets;
	size_t buckets, conns, free, limbo, total; /* offsets, and the size */
};

static bool
ct_layout(uint32_t max, unsigned n_workers, struct ct_layout *l)
{
	uint32_t nb = 2;

	if (max == 0 || max > CT_MAX_ENTRIES || n_workers == 0 || n_workers > CT_MAX_WORKERS ||
	    max / n_workers == 0)
		return false;
	/* two keys per connection, eight slots a bucket: at most half full */
	while (nb < max / 2 + max % 2)
		nb <<= 1;
	l->n_buckets = nb;
	l->buckets = sizeof(struct ct_table) + (size_t)n_workers * sizeof(struct ct_slice);
	l->conns = l->buckets + (size_t)nb * sizeof(struct ct_bucket);
	l->free = l->conns + (size_t)max * sizeof(struct ct_conn);
	l->limbo = l->free + (size_t)max * sizeof(uint32_t);
	l->total = l->limbo + (size_t)max * sizeof(uint32_t);
	return true;
}

uint64_t
ct_table_bytes(uint32_t max, unsigned n_workers)
{
	struct ct_layout l;

	return ct_layout(max, n_workers, &l) ? l.total : 0;
}

struct ct_table *
ct_table_create(uint32_t max, unsigned n_workers, struct rte_rcu_qsbr *qsv, const uint64_t timeouts[4],
		int socket)
{
	struct ct_layout l;
	struct ct_table *t;
	uint32_t share, steps;
	char *mem;

	if (!ct_layout(max, n_workers, &l)) {
		errno = EINVAL;
		return NULL;
	}
	mem = rte_zmalloc_socket("ct_table", l.total, RTE_CACHE_LINE_SIZE, socket);
	if (mem == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	t = (struct ct_table *)mem;
	t->mask = l.n_buckets - 1;
	t->buckets = (struct ct_bucket *)(mem + l.buckets);
	t->conns = (struct ct_conn *)(mem + l.conns);
	t->qsv = qsv;
	t->max = max;
	t->n_workers = n_workers;
	ct_table_set_timeouts(t, timeouts);
	share = max / n_workers;
	for (unsigned w = 0; w < n_workers; w++) {
		struct ct_slice *sl = &t->slice[w];

		sl->base = w * share;
		sl->n = w + 1 == n_workers ? max - sl->base : share; /* the last takes the remainder */
		sl->free = (uint32_t *)(mem + l.free) + sl->base;
		sl->limbo = (uint32_t *)(mem + l.limbo) + sl->base;
		/* popped in index order: a fresh table fills from the slice's start */
		for (uint32_t i = 0; i < sl->n; i++)
			sl->free[i] = sl->base + sl->n - 1 - i;
		sl->n_free = sl->n;
		/* the whole share once a second, and a small one CT_SWEEPS_MIN times a second */
		steps = sl->n / CT_SWEEP_STEP > CT_SWEEPS_MIN ? sl->n / CT_SWEEP_STEP : CT_SWEEPS_MIN;
		sl->gap = rte_get_tsc_hz() / steps;
	}
	__atomic_store_n(&ct_touch_cycles, rte_get_tsc_hz() / 1000, __ATOMIC_RELAXED);
	return t;
}

void
ct_table_free(struct ct_table *t)
{
	rte_free(t);
}

void
ct_table_set_timeouts(struct ct_table *t, const uint64_t timeouts[4])
{
	for (unsigned i = 0; i < 4; i++)
		__atomic_store_n(&t->timeouts[i], timeouts[i], __ATOMIC_RELAXED);
}

uint32_t
ct_table_max(const struct ct_table *t)
{
	return t->max;
}

uint32_t
ct_key_hash(const struct ct_key *k)
{
	return ct_key_hash_inline(k);
}

/* ---- buckets and slots ---- */

static inline uint32_t
ct_b1(const struct ct_table *t, uint32_t h)
{
	return h & t->mask;
}

/* Differs from ct_b1 in bit 0 at least (the xor'd value is odd), so the two buckets differ. */
static inline uint32_t
ct_b2(const struct ct_table *t, uint32_t h)
{
	return (h ^ (((h >> 16) * 0x5bd1e995u) | 1u)) & t->mask;
}

static inline uint64_t
ct_slot_value(uint32_t h, uint32_t idx, unsigned dir)
{
	return (uint64_t)h << 32 | ((idx << 1 | dir) + 1);
}

void
ct_prefetch(const struct ct_table *t, uint32_t h)
{
	rte_prefetch0(&t->buckets[ct_b1(t, h)]);
	rte_prefetch0(&t->buckets[ct_b2(t, h)]);
}

void
ct_prefetch_entry(const struct ct_table *t, uint32_t h)
{
	/* the key sits in either bucket (ct_slot_claim takes the emptier): both are looked at, or
	 * half the entries would miss on demand in the lookup */
	const struct ct_bucket *b[2] = {&t->buckets[ct_b1(t, h)], &t->buckets[ct_b2(t, h)]};

	for (unsigned i = 0; i < 2; i++)
		for (unsigned s = 0; s < CT_SLOTS; s++) {
			uint64_t v = __atomic_load_n(&b[i]->slot[s], __ATOMIC_RELAXED);

			if (v != 0 && (uint32_t)(v >> 32) == h) {
				const struct ct_conn *c = &t->conns[((uint32_t)v - 1) >> 1];

				rte_prefetch0(c);
				rte_prefetch0((const char *)c + RTE_CACHE_LINE_SIZE);
				return;
			}
		}
}

uint64_t
ct_expiry(const struct ct_table *t, const struct ct_conn *c)
{
	/* ct_touch stores last_seen before a new timeout class (release): a new class comes with its time */
	unsigned to = __atomic_load_n(&c->timeout, __ATOMIC_ACQUIRE) & 3;

	return __atomic_load_n(&c->last_seen, __ATOMIC_RELAXED) +
	       __atomic_load_n(&t->timeouts[to], __ATOMIC_RELAXED);
}

/* Live for lookups: allocated, not killed, of generation gen, not expired at now. */
static inline bool
ct_valid(const struct ct_table *t, const struct ct_conn *c, uint32_t gen, uint64_t now)
{
	uint8_t f = __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);

	return (f & (CT_CONN_LIVE | CT_CONN_DEAD)) == CT_CONN_LIVE && c->gen == gen && ct_expiry(t, c) > now;
}

static inline struct ct_conn *
ct_bucket_find(const struct ct_table *t, const struct ct_bucket *b, const struct ct_key *k, uint32_t h,
	       uint32_t gen, uint64_t now, unsigned *dir)
{
	for (unsigned s = 0; s < CT_SLOTS; s++) {
		uint64_t v = __atomic_load_n(&b->slot[s], __ATOMIC_ACQUIRE);
		uint32_t x = (uint32_t)v - 1;
		struct ct_conn *c;

		if (v == 0 || (uint32_t)(v >> 32) != h)
			continue;
		c = &t->conns[x >> 1];
		if (memcmp(&c->key[x & 1], k, sizeof(*k)) != 0 || !ct_valid(t, c, gen, now))
			continue;
		*dir = x & 1;
		return c;
	}
	return NULL;
}

struct ct_conn *
ct_lookup(const struct ct_table *t, const struct ct_key *k, uint32_t h, uint64_t now, unsigned *dir)
{
	uint32_t gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
	struct ct_conn *c = ct_bucket_find(t, &t->buckets[ct_b1(t, h)], k, h, gen, now, dir);

	return c != NULL ? c : ct_bucket_find(t, &t->buckets[ct_b2(t, h)], k, h, gen, now, dir);
}

static inline unsigned
ct_bucket_empty(const struct ct_bucket *b)
{
	unsigned n = 0;

	for (unsigned s = 0; s < CT_SLOTS; s++)
		n += __atomic_load_n(&b->slot[s], __ATOMIC_RELAXED) == 0;
	return n;
}

/* Claims an empty slot of hash h's emptier bucket (then the other) for v. 0 or -ENOSPC. */
static int
ct_slot_claim(struct ct_table *t, uint32_t h, uint64_t v)
{
	struct ct_bucket *b[2] = {&t->buckets[ct_b1(t, h)], &t->buckets[ct_b2(t, h)]};

	if (ct_bucket_empty(b[1]) > ct_bucket_empty(b[0])) {
		struct ct_bucket *x = b[0];

		b[0] = b[1];
		b[1] = x;
	}
	for (unsigned i = 0; i < 2; i++)
		for (unsigned s = 0; s < CT_SLOTS; s++) {
			uint64_t zero = 0;

			/* release: a reader that sees the slot sees the entry written before it */
			if (__atomic_load_n(&b[i]->slot[s], __ATOMIC_RELAXED) == 0 &&
			    __atomic_compare_exchange_n(&b[i]->slot[s], &zero, v, false, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED))
				return 0;
		}
	return -ENOSPC;
}

/* Clears the slot holding exactly v in hash h's buckets (one another entry took since is left alone). */
static void
ct_slot_clear(struct ct_table *t, uint32_t h, uint64_t v)
{
	struct ct_bucket *b[2] = {&t->buckets[ct_b1(t, h)], &t->buckets[ct_b2(t, h)]};

	for (unsigned i = 0; i < 2; i++)
		for (unsigned s = 0; s < CT_SLOTS; s++) {
			uint64_t want = v;

			if (__atomic_load_n(&b[i]->slot[s], __ATOMIC_RELAXED) == v &&
			    __atomic_compare_exchange_n(&b[i]->slot[s], &want, 0, false, __ATOMIC_RELEASE,
							__ATOMIC_RELAXED))
				return;
		}
}

/*
 * Early drop: kills the first live entry that is not ASSURED among the 16 slots of hash h's two
 * buckets; only one `owner` allocated when owner >= 0 (room in a slice comes only from that slice).
 * The first, not the least recently seen: under a flood most candidates are the flood's, and each
 * entry looked at is a cache miss. The entry is gone for lookups at once; its slot and its entry
 * come back after its owner's sweep and a grace period, so the packet that caused this is still
 * refused. Counts early_drops on st. The caller is a reader (or the only thread): no entry it sees
 * is reused under it.
 */
static bool
ct_early_drop(struct ct_table *t, uint32_t h, int owner, struct ct_worker_stats *st)
{
	const struct ct_bucket *b[2] = {&t->buckets[ct_b1(t, h)], &t->buckets[ct_b2(t, h)]};

	for (unsigned i = 0; i < 2; i++)
		for (unsigned s = 0; s < CT_SLOTS; s++) {
			uint64_t v = __atomic_load_n(&b[i]->slot[s], __ATOMIC_ACQUIRE);
			struct ct_conn *c;
			uint8_t f;

			if (v == 0)
				continue;
			c = &t->conns[((uint32_t)v - 1) >> 1];
			if (owner >= 0 && c->owner != owner)
				continue;
			/* not if it is (or becomes meanwhile) ASSURED or dead */
			f = __atomic_load_n(&c->flags, __ATOMIC_RELAXED);
			do {
				if ((f & (CT_CONN_LIVE | CT_CONN_DEAD | CT_CONN_ASSURED)) != CT_CONN_LIVE)
					break;
			} while (!__atomic_compare_exchange_n(&c->flags, &f, (uint8_t)(f | CT_CONN_DEAD),
							      false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
			if ((f & (CT_CONN_LIVE | CT_CONN_DEAD | CT_CONN_ASSURED)) != CT_CONN_LIVE)
				continue;
			st->early_drops++;
			return true;
		}
	return false;
}

/* ---- the owner's lists ---- */

static inline void
ct_limbo_push(struct ct_slice *sl, uint32_t idx)
{
	uint32_t tail = sl->limbo_head + sl->limbo_n;

	if (tail >= sl->n)
		tail -= sl->n;
	sl->limbo[tail] = idx;
	sl->limbo_n++;
	sl->open_n++;
	sl->st.limbo++;
}

/* The open batch gets its token (after all its entries were unlinked). */
static void
ct_limbo_close(struct ct_table *t, struct ct_slice *sl)
{
	struct ct_batch *b;
	uint32_t i;

	if (sl->open_n == 0 || sl->b_n == CT_BATCHES) /* full: the open batch grows until one leaves */
		return;
	i = sl->b_head + sl->b_n;
	b = &sl->b[i >= CT_BATCHES ? i - CT_BATCHES : i];
	b->token = t->qsv != NULL ? rte_rcu_qsbr_start(t->qsv) : 0;
	b->n = sl->open_n;
	b->passed = t->qsv == NULL;
	sl->b_n++;
	sl->open_n = 0;
}

/* Moves at most `budget` entries whose grace period is over from limbo to the free stack. */
static void
ct_limbo_reclaim(struct ct_table *t, struct ct_slice *sl, unsigned budget)
{
	unsigned moved = 0;

	while (sl->b_n > 0 && moved < budget) {
		struct ct_batch *b = &sl->b[sl->b_head];

		if (!b->passed) {
			if (rte_rcu_qsbr_check(t->qsv, b->token, false) != 1)
				break;
			b->passed = 1;
		}
		for (; b->n > 0 && moved < budget; b->n--, moved++) {
			sl->free[sl->n_free++] = sl->limbo[sl->limbo_head];
			if (++sl->limbo_head == sl->n)
				sl->limbo_head = 0;
			sl->limbo_n--;
		}
		if (b->n == 0) {
			if (++sl->b_head == CT_BATCHES)
				sl->b_head = 0;
			sl->b_n--;
		}
	}
	sl->st.reclaimed += moved;
	sl->st.limbo -= moved;
}

/* ---- the worker's operations ---- */

struct ct_conn *
ct_alloc(struct ct_table *t, unsigned worker, uint32_t h, uint64_t now)
{
	struct ct_slice *sl = &t->slice[worker];
	struct ct_conn *c;

	if (unlikely(sl->n_free == 0)) {
		ct_early_drop(t, h, (int)worker, &sl->st);
		sl->st.table_full++;
		return NULL;
	}
	c = &t->conns[sl->free[--sl->n_free]];
	/* a grace period passed since it was unlinked: no reader holds it */
	memset(c, 0, sizeof(*c));
	c->flags = CT_CONN_LIVE;
	c->owner = (uint8_t)worker;
	c->gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);
	c->created = now;
	c->last_seen = now;
	sl->st.live++;
	return c;
}

int
ct_insert(struct ct_table *t, struct ct_conn *c, uint32_t h0, uint32_t h1)
{
	struct ct_slice *sl = &t->slice[c->owner];
	uint32_t idx = (uint32_t)(c - t->conns);
	uint64_t v0 = ct_slot_value(h0, idx, CT_DIR_ORIG);

	if (ct_slot_claim(t, h0, v0) != 0) {
		ct_early_drop(t, h0, -1, &sl->st);
		sl->st.bucket_full++;
		return -ENOSPC;
	}
	if (ct_slot_claim(t, h1, ct_slot_value(h1, idx, CT_DIR_REPLY)) != 0) {
		ct_early_drop(t, h1, -1, &sl->st);
		/*
		 * key[0] was visible: a reader may hold c. Dead first (readers skip it), then the slot
		 * goes; ct_abort sees DEAD and waits a grace period before reusing c.
		 */
		__atomic_fetch_or(&c->flags, CT_CONN_DEAD, __ATOMIC_RELEASE);
		ct_slot_clear(t, h0, v0);
		sl->st.bucket_full++;
		return -ENOSPC;
	}
	sl->st.created++;
	return 0;
}

void
ct_abort(struct ct_table *t, unsigned worker, struct ct_conn *c)
{
	/* the owner's slice (worker is the owner: only it allocates from there) */
	struct ct_slice *sl = &t->slice[c->owner];
	uint32_t idx = (uint32_t)(c - t->conns);
	uint8_t f = __atomic_fetch_and(&c->flags, (uint8_t)~CT_CONN_LIVE, __ATOMIC_RELEASE);

	RTE_SET_USED(worker);
	sl->st.live--;
	if (f & CT_CONN_DEAD)
		ct_limbo_push(sl, idx); /* ct_insert rolled back: key[0] was seen */
	else
		sl->free[sl->n_free++] = idx;
}

void
ct_kill(struct ct_table *t, unsigned worker, struct ct_conn *c)
{
	uint8_t f = __atomic_fetch_or(&c->flags, CT_CONN_DEAD, __ATOMIC_RELEASE);

	if (!(f & CT_CONN_DEAD) && worker < t->n_workers)
		t->slice[worker].st.killed++;
}

void
ct_touch(struct ct_conn *c, uint64_t now, unsigned timeout)
{
	uint64_t seen = __atomic_load_n(&c->last_seen, __ATOMIC_RELAXED);

	if (__atomic_load_n(&c->timeout, __ATOMIC_RELAXED) != timeout) {
		__atomic_store_n(&c->last_seen, now, __ATOMIC_RELAXED);
		__atomic_store_n(&c->timeout, (uint8_t)timeout, __ATOMIC_RELEASE);
		return;
	}
	/* signed: another worker's later stamp is never moved back */
	if ((int64_t)(now - seen) > (int64_t)__atomic_load_n(&ct_touch_cycles, __ATOMIC_RELAXED))
		__atomic_store_n(&c->last_seen, now, __ATOMIC_RELAXED);
}

unsigned
ct_sweep(struct ct_table *t, unsigned worker, uint64_t now, unsigned budget, ct_release_fn release, void *arg)
{
	struct ct_slice *sl = &t->slice[worker];
	uint32_t gen = __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE);

	if (budget > sl->n)
		budget = sl->n;
	for (unsigned i = 0; i < budget; i++) {
		uint32_t idx = sl->base + sl->cursor;
		struct ct_conn *c = &t->conns[idx];
		uint8_t f = __atomic_load_n(&c->flags, __ATOMIC_ACQUIRE);

		if (++sl->cursor == sl->n)
			sl->cursor = 0;
		if (!(f & CT_CONN_LIVE))
			continue;
		if (f & CT_CONN_DEAD)
			; /* counted where it was killed (killed, early_drops) */
		else if (c->gen != gen)
			sl->st.flushed++;
		else if (ct_expiry(t, c) <= now)
			sl->st.expired++;
		else
			continue;
		for (unsigned d = 0; d < 2; d++) {
			uint32_t h = ct_key_hash(&c->key[d]);

			ct_slot_clear(t, h, ct_slot_value(h, idx, d));
		}
		if (release != NULL)
			release(arg, c);
		/* a reader still holding it skips it (not LIVE), DEAD or not */
		__atomic_fetch_and(&c->flags, (uint8_t)~CT_CONN_LIVE, __ATOMIC_RELEASE);
		sl->st.live--;
		ct_limbo_push(sl, idx);
	}
	ct_limbo_close(t, sl);
	ct_limbo_reclaim(t, sl, budget);
	return budget;
}

void
ct_flush(struct ct_table *t)
{
	__atomic_fetch_add(&t->gen, 1, __ATOMIC_RELEASE);
}

const struct ct_worker_stats *
ct_worker_stats(const struct ct_table *t, unsigned w)
{
	return &t->slice[w].st;
}

uint64_t
ct_sweep_gap(const struct ct_table *t, unsigned w)
{
	return t->slice[w].gap;
}

struct ct_worker_stats *
ct_worker_stats_mut(struct ct_table *t, unsigned w)
{
	return &t->slice[w].st;
}

uint64_t
ct_table_count(const struct ct_table *t)
{
	uint64_t n = 0;

	for (unsigned w = 0; w < t->n_workers; w++)
		n += __atomic_load_n(&t->slice[w].st.live, __ATOMIC_RELAXED);
	return n;
}

const struct ct_conn *
ct_entry(const struct ct_table *t, uint32_t i, uint64_t now)
{
	const struct ct_conn *c;

	if (i >= t->max)
		return NULL;
	c = &t->conns[i];
	return ct_valid(t, c, __atomic_load_n(&t->gen, __ATOMIC_ACQUIRE), now) ? c : NULL;
}
