/* The conntrack stage of the general path: state for the ACL, NAT before and after routing, ageing. */
#ifndef DP_CT_STAGE_H
#define DP_CT_STAGE_H

#include <stdint.h>

#include "ct.h"
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
	uint8_t dir[DP_BURST];
	uint8_t timeout[DP_BURST];
};

/*
 * Before the ACL: every IP packet on b's lists gets its connection state in its ACL key
 * (new, established, related, invalid; counted in w->ct_state, invalid ones by reason in
 * w->ct_invalid), the packets of a known connection their state machine's step and the
 * destination half of their translation, a new IPv4 flow its DNAT rule's target, an ICMP error
 * about a translated connection its whole translation. Nothing leaves the lists. Worker.
 */
void dp_ct_pre(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b, struct dp_ct_burst *cb,
	       uint64_t now);

/*
 * After routing (the egress port is known): new connections of packets that go on (sent, or
 * punted to be resolved or fragmented) are created, with an SNAT pool's address and port when a
 * rule says so, and the source half of every translation is written. A connection that cannot
 * be created drops its packet (conntrack_full, nat_exhausted). Worker.
 */
void dp_ct_post(const struct dp_ct_tables *ct, struct dp_worker *w, struct dp_burst *b,
		struct dp_ct_burst *cb, uint64_t now);

/* Bounded ageing and reclaim of the worker's share of the table: once per loop iteration. */
void dp_ct_tick(const struct dp_ct_tables *ct, struct dp_worker *w, uint64_t now);

/* Entries ct_sweep visits per loop iteration. */
#define DP_CT_SWEEP_BUDGET 64

#endif
