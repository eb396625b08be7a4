/* Per-worker state: one cache-aligned struct per lcore, its RX queues and TX buffers (every stage writes it; no code of its own). */
#ifndef DP_WORKER_STATE_H
#define DP_WORKER_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "conf.h"
#include "ct_tcp.h"
#include "doorbell.h"
#include "histogram.h"
#include "nodes.h"
#include "stall.h"
#include "stage.h"

#define DP_TXBUF (2 * DP_BURST) /* a TX buffer flushes early when full */

/* An RX queue a worker polls. */
struct dp_rxq {
	uint16_t port;    /* config index */
	uint16_t port_id; /* ethdev */
	uint16_t queue;
	uint16_t out_port; /* config index of the xconnect peer */
	uint8_t mode;      /* enum hp_port_mode */
};

/*
 * Packets waiting for rte_eth_tx_burst on one (port, queue). Packets of one
 * RX burst share an arrival TSC: the buffer keeps runs (first packet,
 * arrival), not a time per packet. Packets before the first run, and runs
 * of arrival 0, come from the control thread (no latency recorded). All
 * zeroes is the empty state.
 */
struct dp_txbuf {
	uint16_t n;
	uint16_t n_runs;
	uint16_t port_id;
	uint16_t queue;
	uint64_t last_arrival; /* arrival of the last run */
	uint64_t bytes;        /* pkt_len of pkts[0..n-1] */
	struct rte_mbuf *pkts[DP_TXBUF];
	uint16_t run_start[DP_TXBUF];
	uint64_t run_arrival[DP_TXBUF];
};

struct dp_rx_stats {
	uint64_t packets;
	uint64_t bytes;
};

struct dp_tx_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t refused; /* freed after rte_eth_tx_burst refused them */
};

/*
 * Ownership: fields above `stats` are written by the control thread before
 * launch and only read by the worker; everything from `stats` on is written
 * by the worker alone and read by the control thread, which tolerates a
 * slightly stale value (plain uint64_t, no atomics).
 */
struct dp_worker {
	unsigned lcore;
	unsigned index;
	unsigned n_rx;
	struct dp_rxq rx[HP_MAX_WORKER_QUEUES];
	uint64_t ns_mult;         /* TSC cycles -> ns in 32.32 fixed point */
	uint32_t tx_pending;      /* bitmask of tx[] with n > 0 (worker only) */
	struct rte_ring *punt;    /* to the control thread (MP/SC, shared by workers) */
	struct dp_doorbell *bell; /* wakes it when it sleeps (NULL: nobody to wake) */
	struct rte_ring *inject;  /* from the control thread (SP/SC, this worker's) */
	struct rte_rcu_qsbr *qsv;
	struct hp_stall_conf stall_conf; /* threshold and per-packet allowance, in TSC cycles */
	/* control writes at any time, the worker reads once a loop: 0, or count its nodes and time
	 * one busy iteration in prof_every (hpctl runtime; dataplane/nodes.h) */
	uint32_t prof_every;

	/* worker: rw, control: ro */
	struct dp_rx_stats rx_stats[HP_MAX_WORKER_QUEUES] __rte_cache_aligned;
	struct dp_tx_stats tx_stats[HP_MAX_PORTS];
	uint64_t drops[DP_DROP_MAX];
	uint64_t punted[DP_PUNT_MAX]; /* by enum dp_punt */
	uint64_t injected;            /* control-thread packets sent */
	uint64_t doorbells;           /* wakeups of the control thread (eventfd writes) */
	uint64_t loops;
	uint64_t busy_loops;
	uint64_t busy_cycles;   /* loop iterations that received something */
	uint64_t idle_cycles;   /* iterations that received nothing */
	struct hp_hist latency; /* residence time: TX TSC - burst arrival TSC */
	struct hp_stall stall;  /* poll-loop gaps above stall_conf's threshold (lib/stall.h) */
	/* the conntrack stage (dataplane/ct_stage.c): packets by the state the rules saw
	 * (index: bit number of HP_CT_NEW, _ESTABLISHED, _RELATED, _INVALID), invalid ones by reason */
	uint64_t ct_state[4];
	uint64_t ct_invalid[CT_R_N];
	uint64_t ct_fast;      /* of those, the ones the established fast path took (l3.c fast_burst_ct) */
	uint64_t ct_next_tick; /* TSC of the next ageing step (dp_ct_tick_paced) */
	struct dp_prof prof;   /* its nodes (dataplane/nodes.h) */

	struct dp_txbuf tx[HP_MAX_PORTS] __rte_cache_aligned; /* indexed by config port */
} __rte_cache_aligned;

/* Cycles -> ns with the multiplier from dp_ns_mult(). */
static inline uint64_t
dp_cycles_to_ns(uint64_t cycles, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)cycles * mult) >> 32);
}

#endif
