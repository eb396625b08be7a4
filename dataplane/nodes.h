/*
 * The worker's nodes as `hpctl runtime` shows them (VPP's `show runtime`): the steps of the poll
 * loop and of a burst's way through the pipeline, each with its calls, packets and, on sampled
 * bursts, the TSC cycles it took. Counted only while the control thread asks for it
 * (dp_worker.prof_every): the loop and the burst then run their timed variants; otherwise their
 * untimed ones, which neither count nor read the TSC (one branch a loop and one a burst choose).
 */
#ifndef DP_NODES_H
#define DP_NODES_H

#include <stdint.h>

#include <rte_cycles.h>

/* In the order a packet meets them. */
enum dp_node {
	DP_NODE_RX,       /* rte_eth_rx_burst of a queue that had packets (that call alone is timed) */
	DP_NODE_FAST,     /* the table set's fast path (dataplane/l3.c fast_burst*): the packets it took */
	DP_NODE_PARSE,    /* the general path: every header parsed and checked, metadata filled */
	DP_NODE_CT,       /* connection tracking, before routing (lookup, state, destination NAT) */
	DP_NODE_ACL,      /* the ACL stage */
	DP_NODE_LB,       /* the load balancer's stage */
	DP_NODE_ROUTE,    /* LPM lookups and next hops, both families */
	DP_NODE_CT_POST,  /* connection tracking after routing (new entries, source NAT) */
	DP_NODE_DISPATCH, /* rewrite and TX enqueue, drops freed, punts handed on */
	DP_NODE_PUNT,     /* packets handed to the slow path (their time is dispatch's) */
	DP_NODE_INJECT,   /* packets the control thread gave this worker to send */
	DP_NODE_CT_AGE,   /* a step of connection tracking's ageing */
	DP_NODE_TX,       /* the loop's flush: rte_eth_tx_burst of every buffer it finds with packets */
	DP_NODE_N,
};

/* One node of one worker; worker: rw, control: ro (tolerates stale values). */
struct dp_node_stats {
	uint64_t calls;   /* times it ran with packets */
	uint64_t packets; /* packets it saw */
	uint64_t s_calls; /* of the calls, those on sampled bursts */
	uint64_t s_packets;
	uint64_t s_cycles; /* TSC cycles of the sampled calls */
};

/* The worker's profiling state: prof is 0 (not counting), 1 (counting) or 2 (counting, this
 * iteration sampled: each mark reads the TSC). t: the last mark's TSC, while sampling. */
struct dp_prof {
	uint8_t prof;
	uint32_t left; /* busy iterations to the next sampled one */
	uint64_t t;
	struct dp_node_stats node[DP_NODE_N];
};

/* Node `node` ran with n packets (none: nothing counted): counted, and on a sampled iteration
 * its cycles since the last mark or dp_node_start. Only the timed variants call it. */
static inline void
dp_node_mark(struct dp_prof *p, enum dp_node node, unsigned n)
{
	struct dp_node_stats *s = &p->node[node];
	uint64_t now;

	if (n == 0)
		return;
	s->calls++;
	s->packets += n;
	if (p->prof != 2)
		return;
	now = rte_rdtsc();
	s->s_calls++;
	s->s_packets += n;
	s->s_cycles += now - p->t;
	p->t = now;
}

/* On a sampled iteration, the TSC now: where the next node's time starts. */
static inline void
dp_node_start(struct dp_prof *p)
{
	if (p->prof == 2)
		p->t = rte_rdtsc();
}

#endif
