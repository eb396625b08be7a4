/* The conntrack stage of the general path: state for the ACL, NAT before and after routing, ageing. */
#ifndef DP_CT_STAGE_H
#define DP_CT_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "ct.h"
#include "ct_hash.h"
#include "stage.h"

struct dp_ct_tables;
struct dp_worker;

/*
 * What the stage knows of each packet of a burst between its two halves (indexed like the
 * burst). Lives on the general path's stack.
 */
struct dp_ct_burst {
	struct ct_key key[DP_BURST]; /* the tuple as the packet arrived */
	struct ct_key cur[DP_BURST]; /* as it reads now (after the destination part of NAT) */
	struct ct_conn *conn[DP_BURST];
	uint64_t state[DP_BURST]; /* a new connection's first state word */
	uint32_t hash[DP_BURST];  /* of key[] */
	uint8_t todo[DP_BURST];   /* CT_TODO_* */
	uint8_t looked[DP_BURST]; /* the fast path looked it up: conn and dir hold what it found */
	uint8_t dir[DP_BURST];
	uint8_t timeout[DP_BURST];
};

/*
 * What the established fast path already knows of the burst's first n packets (its keys, hashes,
 * and what its lookups found), so that the general path does not do it again; n 0: nothing.
 */
struct dp_ct_hint {
	const struct dp_ct_fast *pkt; /* indexed like the burst */
	uint16_t n;
};

/*
 * Before the ACL: every IP packet on b's lists gets its connection state in its ACL key
 * (new, established, related, invalid; counted in w->ct_state, invalid ones by reason in
 * w->ct_invalid), the packets of a known connection their state machine's step and the
 * destination half of their translation, a new IPv4 flow its DNAT rule's target, an ICMP error
 * about a translated connection its whole translation. Nothing leaves the lists. Worker.
 */
void dp_ct_pre(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	       uint64_t now, const struct dp_ct_hint *hint);

/*
 * After routing (the egress port is known): new connections of packets that go on (sent, or
 * punted to be resolved or fragmented) are created, with an SNAT pool's address and port when a
 * rule says so, and the source half of every translation is written. A connection that cannot
 * be created drops its packet (conntrack_full, nat_exhausted). Worker.
 */
void dp_ct_post(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b,
		struct dp_ct_burst *cb, uint64_t now);

/*
 * The established fast path (l3.c fast_burst_ct): a plain IPv4 TCP or UDP frame (dp_fast4_ok) of
 * a connection that is established and stays so whatever this packet is (UDP: ASSURED; TCP:
 * ESTABLISHED and a segment with ACK and no SYN, FIN or RST) is looked up, routed and rewritten
 * without metadata; the ACL's decision for established packets is known (dp_tables.ct.est_acl).
 * Without an ACL, a UDP flow's packets before its reply go too (their step changes nothing).
 * Steps: dp_ct_fast_key for each packet (key, hash, buckets prefetched), ct_prefetch_entry,
 * dp_ct_fast_find (no side effect), then dp_ct_fast_commit for those that go: the general path
 * takes a packet any step refuses, and every one after it, exactly as if it came first.
 */
struct dp_ct_fast {
	struct ct_key key;
	struct ct_conn *conn; /* what dp_ct_fast_find found (NULL: nothing), taken or not */
	uint32_t hash;
	uint32_t dst; /* the destination to route, network order: after the translation */
	uint8_t dir;
	uint8_t looked;   /* dp_ct_fast_find ran */
	uint8_t ct_state; /* HP_CT_ESTABLISHED, or HP_CT_NEW (any_state) */
};

/* The key and hash of plain IPv4 frame f (dp_fast4_ok), its buckets prefetched. */
static inline void
dp_ct_fast_key(const struct ct_table *t, const uint8_t *f, struct dp_ct_fast *p)
{
	__builtin_memset(&p->key, 0, sizeof(p->key));
	__builtin_memcpy(p->key.src, f + 26, 4);
	__builtin_memcpy(p->key.dst, f + 30, 4);
	__builtin_memcpy(&p->key.sport, f + 34, 4); /* and dport */
	p->key.proto = f[23];
	p->looked = 0;
	p->hash = ct_key_hash_inline(&p->key);
	ct_prefetch(t, p->hash);
}

/* Frame f's connection when the fast path can take it (p->conn, dir, dst, ct_state); false
 * otherwise. any_state: every state passes the ACL (there is none), so a UDP flow's packets
 * before its reply (they stay new) go too. No side effect. */
bool dp_ct_fast_find(const struct ct_table *t, const uint8_t *f, struct dp_ct_fast *p, uint64_t now,
		     bool any_state);

/*
 * Frame m (found by dp_ct_fast_find) goes: its state machine's step, timer, counters, and
 * translation. false (nothing done) when the step finds it invalid after all (another worker
 * changed the connection meanwhile). The caller counts it established and routes it. Worker.
 */
bool dp_ct_fast_commit(struct ct_table *t, struct dp_worker *w, struct rte_mbuf *m, struct dp_ct_fast *p,
		       uint64_t now);

/* One step (DP_CT_SWEEP_BUDGET entries) of the ageing and reclaim of the worker's share. */
void dp_ct_tick(const struct dp_ct_tables *ct, struct dp_worker *w, uint64_t now);

/* The poll loop's: dp_ct_tick when the next step is due (ct_sweep_gap apart), else nothing. */
void dp_ct_tick_paced(const struct dp_ct_tables *ct, struct dp_worker *w, uint64_t now);

/* Entries ct_sweep visits per step. */
#define DP_CT_SWEEP_BUDGET CT_SWEEP_STEP

#endif
