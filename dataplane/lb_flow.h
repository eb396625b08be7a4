/*
 * The load balancer's flow table: one per worker (no sharing, no lock), mapping a flow's
 * 5-tuple to the backend it was given, so an established flow keeps its backend when the
 * backend set changes (Maglev alone would move a few). Set-associative with LRU replacement
 * (Katran's per-CPU LRU map, VPP lb's per-thread sticky table): a new flow takes an empty or
 * expired way of its bucket, else the least recently seen one (an eviction). Entries older
 * than the timeout are not found. Memory from DPDK (hugepages), sized at creation.
 *
 * Times (now) are TSC cycles, kept as 32-bit ticks of 2^20 cycles: an entry lives at least
 * `timeout` cycles after it was last seen and at most two ticks more; ages survive the tick
 * counter's wrap (every 2^52 cycles), a timeout is at most half of that. Layout and reasons:
 * lb_flow.c's opening comment.
 */
#ifndef DP_LB_FLOW_H
#define DP_LB_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h" /* struct ct_key: the flow key (40 bytes, unused bytes 0) */

/* What a flow maps to. */
struct lb_flow_val {
	uint32_t backend_id; /* the backend's id (dp_lb: unique for the daemon's life) */
	uint16_t vip;        /* the VIP's index in the table set that created the entry */
	uint16_t slot;       /* the backend's slot in that VIP */
};

/* Counters (the owning worker writes; the control thread reads stale). */
struct lb_flow_stats {
	uint64_t hits;      /* lookups that found their flow */
	uint64_t misses;    /* lookups that did not */
	uint64_t inserts;   /* new entries */
	uint64_t evictions; /* live entries replaced by a new flow (the bucket was full) */
	uint64_t updates;   /* entries given another backend (lb_flow_update) */
};

struct lb_flow_table;

/* Bytes a table of size flows takes (size rounded up to a power of two, at least one bucket of
 * eight); 0 for a size lb_flow_create refuses. */
uint64_t lb_flow_bytes(uint32_t size);

/* A table for size flows (rounded up to a power of two), expiry timeout cycles (TSC), DPDK
 * memory on socket. NULL with errno EINVAL (size 0 or over 1 << 28) or ENOMEM. Control thread. */
struct lb_flow_table *lb_flow_create(uint32_t size, uint64_t timeout, int socket);
void lb_flow_free(struct lb_flow_table *t);

/* Prefetch hash h's bucket (a burst hashes its keys first, prefetches, then looks up). */
void lb_flow_prefetch(const struct lb_flow_table *t, uint32_t h);

/* Prefetch the entry hash h's bucket names under its signature (once the bucket is in cache: a
 * second pass over the burst, so that the entries' misses overlap too). */
void lb_flow_prefetch_entry(const struct lb_flow_table *t, uint32_t h);

/* The flow k (hash h, ct_key_hash_inline) seen at now: true and *v when it has a live entry
 * (its time refreshed), false otherwise. Owning worker only. */
bool lb_flow_lookup(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
		    struct lb_flow_val *v);

/* Records flow k -> v at now (after a lookup found nothing): the way that holds k already
 * (expired or flushed; live, its value replaced, when no lookup came first) if any, else an empty,
 * expired or flushed way of the bucket, else the least recently seen (counted as an eviction).
 * Owning worker only. */
void lb_flow_insert(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
		    const struct lb_flow_val *v);

/* Gives the live entry of flow k another value (its backend left) and refreshes its time; nothing
 * when k has no live entry. Owning worker only. */
void lb_flow_update(struct lb_flow_table *t, const struct ct_key *k, uint32_t h, uint64_t now,
		    const struct lb_flow_val *v);

/* Every entry forgotten, at the owning worker's next lookup (any thread: a generation bump). */
void lb_flow_flush(struct lb_flow_table *t);

/* A new timeout (any thread; applies to every entry at once). */
void lb_flow_set_timeout(struct lb_flow_table *t, uint64_t timeout);

/* Live entries at now (a scan of the whole table: control thread, for show/stats; stale is
 * fine, and so is a now from another core's TSC). */
uint64_t lb_flow_count(const struct lb_flow_table *t, uint64_t now);
const struct lb_flow_stats *lb_flow_stats(const struct lb_flow_table *t);
/* Flows the table holds: the size it was created for, rounded up. */
uint32_t lb_flow_size(const struct lb_flow_table *t);

#endif
