/* The routed pipeline (mode: l3): local/L2 check -> stages (ACL) -> LPM -> rewrite -> TX, punting the slow path. */
#ifndef DP_L3_H
#define DP_L3_H

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "l3_rewrite.h"
#include "parse.h"
#include "stage.h"

/* false: every packet takes the full parse (tests compare both paths). */
extern bool dp_l3_fast;

struct dp_worker;
struct dp_rxq;
struct dp_tables;

/* Stage over one RX burst of an l3 port; returns the burst's bytes (pkt_len). */
uint64_t dp_l3_burst(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq,
		     struct rte_mbuf **pkts, uint16_t n, uint64_t arrival);

#endif
