/*
 * The connection table: one table shared by every worker, lock-free. Each connection is one
 * 128-byte entry reachable under two keys (its original direction's tuple and its reply
 * direction's, after NAT), so a packet of either direction finds it on whichever worker RSS or
 * the PMD delivered it to, before or after translation. Buckets of eight 64-bit slots, two
 * candidate buckets per key; a slot is claimed and cleared by compare-and-swap. Entries come
 * from per-worker slices of one array (the creating worker owns and reclaims the entry); a
 * removed entry is reused only after an RCU grace period (rte_rcu_qsbr), so a reader never sees
 * an entry change identity under it. Ageing and reclaim are done by the owner in bounded steps
 * (ct_sweep). See docs/conntrack.md.
 */
#ifndef DP_CT_H
#define DP_CT_H

#include <stdbool.h>
#include <stdint.h>

#include "ct_tcp.h"

struct rte_rcu_qsbr;

#define CT_DIR_ORIG 0
#define CT_DIR_REPLY 1

/* A flow as the table keys it: 40 bytes, every unused byte 0 (keys are compared whole). */
struct ct_key {
	uint8_t src[16]; /* network order; IPv4 in the first 4 bytes, the other 12 zero */
	uint8_t dst[16];
	uint16_t sport; /* network order; ICMP query: the identifier (both directions), dport 0 */
	uint16_t dport;
	uint8_t proto; /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	uint8_t v6;
	uint16_t zero;
};

/* The key of the other direction of the same packet flow: addresses swapped, ports swapped
 * (ICMP: the identifier stays in sport). */
static inline void
ct_key_invert(const struct ct_key *k, struct ct_key *out)
{
	struct ct_key r = *k;
	bool icmp = k->proto == 1 || k->proto == 58;

	__builtin_memcpy(r.src, k->dst, 16);
	__builtin_memcpy(r.dst, k->src, 16);
	if (!icmp) {
		r.sport = k->dport;
		r.dport = k->sport;
	}
	*out = r;
}

/* ct_conn.flags */
#define CT_CONN_DEAD 0x01 /* killed (RST, REOPEN, early drop, flush): lookups skip it, the owner reclaims */
#define CT_CONN_SNAT 0x02 /* the source is translated (key[1].dst/dport differ from key[0].src/sport) */
#define CT_CONN_DNAT 0x04 /* the destination is translated */
#define CT_CONN_ASSURED 0x08 /* seen both ways (TCP: handshake done): early drop spares it */
#define CT_CONN_LIVE 0x80    /* allocated (reclaim clears it) */

/*
 * One connection. key[] and owner are written before the entry is published and never after;
 * state moves by compare-and-swap (any worker); last_seen, timeout and the counters are plain
 * stores by whichever worker sees a packet (counters may lose an increment when two workers
 * race: they are statistics, not accounting).
 */
struct ct_conn {
	struct ct_key key[2]; /* CT_DIR_ORIG, CT_DIR_REPLY */
	uint64_t state;       /* struct ct_tcp / ct_udp / ct_icmp, as one word (CAS) */
	uint64_t last_seen;   /* TSC of the last packet that refreshed it */
	uint64_t created;     /* TSC */
	uint32_t gen;         /* the table's generation at creation: ct_flush bumps it */
	uint32_t packets[2];  /* by direction */
	uint8_t flags;        /* CT_CONN_*, atomic bit operations */
	uint8_t timeout;      /* enum ct_timeout */
	uint8_t owner;        /* worker index: it reclaims the entry */
	uint8_t pad;
	uint32_t nat_cookie; /* NAT's: which pool gave the SNAT address/port (nat.h), 0 without */
} __attribute__((aligned(64)));

/* Per-worker counters (the worker writes, the control thread reads stale). */
#define CT_WORKER_COUNTERS(_)                                                                         \
	_(created, "connections created")                                                             \
	_(expired, "connections removed by ageing")                                                   \
	_(killed, "connections removed by a packet (RST, a SYN reopening a closed connection)")       \
	_(flushed, "connections removed by a flush")                                                  \
	_(early_drops, "embryonic connections evicted to make room (table or bucket full)")           \
	_(table_full, "new connections refused: this worker's share of conntrack.max in use")         \
	_(bucket_full, "new connections refused: both buckets of a key full of live connections")     \
	_(races, "state updates retried because another worker changed the entry (compare-and-swap)") \
	_(reclaimed, "entries back on the free list after a grace period")

struct ct_worker_stats {
#define CT_FIELD(name, help) uint64_t name;
	CT_WORKER_COUNTERS(CT_FIELD)
#undef CT_FIELD
	uint64_t live;  /* allocated entries of this worker's slice (gauge) */
	uint64_t limbo; /* removed, waiting for a grace period (gauge) */
};

struct ct_table;

/*
 * A table for max connections split over n_workers slices (worker w allocates only from its
 * own), hugepage memory on socket. Buckets: two keys per connection at most half full.
 * timeouts: TSC cycles per enum ct_timeout. NULL with errno ENOMEM. Control thread.
 */
struct ct_table *ct_table_create(uint32_t max, unsigned n_workers, struct rte_rcu_qsbr *qsv,
				 const uint64_t timeouts[4], int socket);
void ct_table_free(struct ct_table *t);

/* Bytes the table takes for max connections and n_workers (entries, buckets, free lists). */
uint64_t ct_table_bytes(uint32_t max, unsigned n_workers);

/* New timeouts (config.apply): apply to every entry at once (expiry = last_seen + timeout). */
void ct_table_set_timeouts(struct ct_table *t, const uint64_t timeouts[4]);

uint32_t ct_table_max(const struct ct_table *t);

/* The key's hash (ct_hash.h's ct_key_hash_inline, for code that does not include DPDK). */
uint32_t ct_key_hash(const struct ct_key *k);

/* Prefetch the two buckets of hash h (a burst hashes every key first, prefetches, then looks up). */
void ct_prefetch(const struct ct_table *t, uint32_t h);

/* Prefetch the entry hash h names in one of its two buckets (what a lookup reads next; the fast
 * path calls it once the buckets are in cache). */
void ct_prefetch_entry(const struct ct_table *t, uint32_t h);

/*
 * The live connection (not dead, not expired at now, of the current generation) with key k
 * (hash h), and *dir the direction k is; NULL when none. Any worker; no writes.
 */
struct ct_conn *ct_lookup(const struct ct_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
			  unsigned *dir);

/*
 * A fresh entry from worker's slice: flags CT_CONN_LIVE, owner, gen, created and last_seen =
 * now, everything else 0; the caller fills key[], state, timeout, flags, nat_cookie and then
 * publishes it with ct_insert. NULL when the slice is used up: one early drop is tried first
 * (an embryonic, not ASSURED, entry in hash h's buckets is killed: room for a later packet);
 * counts table_full. Worker.
 */
struct ct_conn *ct_alloc(struct ct_table *t, unsigned worker, uint32_t h, uint64_t now);

/*
 * Publish c under key[0] (hash h0) and key[1] (hash h1). 0; -ENOSPC when a key's two buckets
 * are full of live entries even after an early drop (counts bucket_full; nothing published, the
 * caller gives c back with ct_abort). Worker.
 */
int ct_insert(struct ct_table *t, struct ct_conn *c, uint32_t h0, uint32_t h1);

/* Give back an entry ct_alloc returned and ct_insert did not publish (at once: nobody saw it; after
 * a ct_insert that took its first key back out, once a grace period has passed). */
void ct_abort(struct ct_table *t, unsigned worker, struct ct_conn *c);

/* Mark c dead (any worker): lookups skip it from now on, its owner reclaims it. */
void ct_kill(struct ct_table *t, unsigned worker, struct ct_conn *c);

/*
 * Refresh c's timer for a packet at now with timeout class `timeout` (a store only when the
 * value changes by more than a millisecond's worth, to spare the cache line). Any worker.
 */
void ct_touch(struct ct_conn *c, uint64_t now, unsigned timeout);

/* Called by the owner for each entry it unlinks (expired, dead, flushed), before the grace
 * period: NAT gives its port back here. */
typedef void (*ct_release_fn)(void *arg, const struct ct_conn *c);

/*
 * The owner's ageing, bounded: visits at most `budget` entries of worker's slice from where the
 * last call stopped; unlinks those expired, dead or of an old generation (release() for each),
 * and puts back on the free list what a grace period has passed over. Returns entries visited.
 * Worker, once per loop iteration.
 */
unsigned ct_sweep(struct ct_table *t, unsigned worker, uint64_t now, unsigned budget, ct_release_fn release,
		  void *arg);

/* Entries a sweep step visits (the budget dp_ct_tick gives ct_sweep). */
#define CT_SWEEP_STEP 64

/*
 * TSC cycles between two sweep steps of worker w's share so that the whole share is swept once a
 * second (a share under 16 steps: 16 times a second). Ageing needs no more: a lookup already
 * ignores an expired entry; the sweep gives its memory, slots and NAT port back.
 */
uint64_t ct_sweep_gap(const struct ct_table *t, unsigned w);

/* Kill every connection (control thread): a new generation; owners reclaim in their sweeps. */
void ct_flush(struct ct_table *t);

/* Worker w's counters (control thread reads, stale is fine). */
const struct ct_worker_stats *ct_worker_stats(const struct ct_table *t, unsigned w);

/* The same for worker w itself, to count on (a worker writes only its own). */
struct ct_worker_stats *ct_worker_stats_mut(struct ct_table *t, unsigned w);

/* Live connections now, summed over the workers (gauge). */
uint64_t ct_table_count(const struct ct_table *t);

/*
 * For hpctl conntrack show: entry i (0 <= i < max) when it is live, of the current generation and
 * not expired at now; NULL otherwise. The control thread reads an entry a worker may be
 * changing: a copy may be torn (shown once, never acted on).
 */
const struct ct_conn *ct_entry(const struct ct_table *t, uint32_t i, uint64_t now);

/* Expiry of c (TSC): last_seen + its timeout class's cycles. */
uint64_t ct_expiry(const struct ct_table *t, const struct ct_conn *c);

#endif
