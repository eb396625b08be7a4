/* The worker poll loop, and what starts and stops it. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "worker_state.h"

/* Set by the control thread to make every worker flush and return. */
extern volatile bool dp_quit;

/* Worker lcore entry point (rte_eal_remote_launch); arg is its struct dp_worker. */
int dp_worker_main(void *arg);

uint64_t dp_ns_mult(uint64_t tsc_hz);

/* Stage: every packet of an xconnect port goes unchanged to its peer. Returns
 * the burst's bytes (stages count them while the mbufs are hot). */
uint64_t dp_xconnect_burst(struct dp_worker *w, const struct dp_rxq *rxq, struct rte_mbuf **pkts, uint16_t n,
			   uint64_t arrival);

#endif
