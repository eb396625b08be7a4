/* Per-worker state (one cache-aligned struct per lcore), drop reasons, the poll loop. */
#ifndef DP_WORKER_H
#define DP_WORKER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "config.h"
#include "histogram.h"

#ifndef DP_BURST
#define DP_BURST 32
#endif
#define DP_TXBUF (2 * DP_BURST) /* a TX buffer flushes early when full */

/* Why a worker dropped a packet: symbol, metric label, help text. */
#define DP_DROP_REASONS(_)                                                                   \
	_(TX_REFUSED, "tx_refused", "the TX queue was full: rte_eth_tx_burst refused it")          \
	_(ETH_TRUNCATED, "eth_truncated", "frame shorter than an Ethernet header")                 \
	_(VLAN_TRUNCATED, "vlan_truncated", "802.1Q tag cut short")                               \
	_(VLAN_UNKNOWN, "vlan_unknown", "802.1Q-tagged frame on an l3 port (no VLAN interfaces)") \
	_(NOT_OUR_MAC, "not_our_mac", "destination MAC neither ours, broadcast nor multicast we serve") \
	_(ETHERTYPE, "unknown_ethertype", "EtherType that an l3 port does not handle")              \
	_(ARP_MALFORMED, "arp_malformed", "ARP packet too short or not Ethernet/IPv4")             \
	_(IPV4_TRUNCATED, "ipv4_truncated", "frame too short for an IPv4 header")                  \
	_(IPV4_VERSION, "ipv4_version", "IPv4 EtherType with an IP version other than 4")          \
	_(IPV4_IHL, "ipv4_ihl", "IPv4 header length below 5 words or beyond the frame")            \
	_(IPV4_LENGTH, "ipv4_length", "IPv4 total length below the header or beyond the frame")    \
	_(IPV4_CHECKSUM, "ipv4_checksum", "IPv4 header checksum wrong")                            \
	_(IPV4_MARTIAN, "ipv4_martian", "IPv4 source multicast, broadcast or loopback")            \
	_(IPV6_TRUNCATED, "ipv6_truncated", "frame too short for an IPv6 header")                  \
	_(IPV6_VERSION, "ipv6_version", "IPv6 EtherType with an IP version other than 6")          \
	_(IPV6_LENGTH, "ipv6_length", "IPv6 payload length beyond the frame")                      \
	_(IPV6_EXT_HDR, "ipv6_ext_hdr", "IPv6 extension header cut short or chain too long")       \
	_(IPV6_MARTIAN, "ipv6_martian", "IPv6 source multicast or loopback")                       \
	_(L4_TRUNCATED, "l4_truncated", "TCP/UDP/ICMP header cut short")                           \
	_(TTL_EXPIRED, "ttl_expired", "TTL or hop limit would reach 0 (ICMP time exceeded sent)")  \
	_(NO_ROUTE, "no_route", "no route to the destination (ICMP unreachable sent)")             \
	_(BLACKHOLE, "blackhole", "route with action drop")                                        \
	_(ACL_DENY, "acl_deny", "denied by an ACL rule or acl_default: deny")                      \
	_(POLICER_RED, "policer_red", "red by a policer")                                          \
	_(PUNT_FULL, "punt_ring_full", "slow-path ring full: packet for the control thread dropped") \
	_(LOCAL_UNHANDLED, "local_unhandled", "to our address but nothing serves it (not ARP/ND/echo)") \
	_(NEIGH_QUEUE_FULL, "neigh_queue_full", "too many packets waiting for one unresolved neighbour") \
	_(NEIGH_FAILED, "neigh_failed", "neighbour did not answer ARP/ND: packets held for it dropped") \
	_(SLOWPATH_RATELIMIT, "slowpath_ratelimit", "ICMP error or reply suppressed by the rate limit")

enum dp_drop {
	DP_DROP_NONE = 0, /* stages return 0 for "goes on" */
#define DP_DROP_ENUM(sym, name, help) DP_DROP_##sym,
	DP_DROP_REASONS(DP_DROP_ENUM)
#undef DP_DROP_ENUM
	DP_DROP_MAX
};

extern const char *const dp_drop_names[DP_DROP_MAX];
extern const char *const dp_drop_help[DP_DROP_MAX];

/* An RX queue a worker polls. */
struct dp_rxq {
	uint16_t port;     /* config index */
	uint16_t port_id;  /* ethdev */
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
	uint64_t last_arrival;   /* arrival of the last run */
	uint64_t bytes;          /* pkt_len of pkts[0..n-1] */
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
	uint64_t ns_mult;     /* TSC cycles -> ns in 32.32 fixed point */
	uint32_t tx_pending;  /* bitmask of tx[] with n > 0 (worker only) */
	struct rte_ring *punt;   /* to the control thread (MP/SC, shared by workers) */
	struct rte_ring *inject; /* from the control thread (SP/SC, this worker's) */
	struct rte_rcu_qsbr *qsv;

	/* worker: rw, control: ro */
	struct dp_rx_stats rx_stats[HP_MAX_WORKER_QUEUES] __rte_cache_aligned;
	struct dp_tx_stats tx_stats[HP_MAX_PORTS];
	uint64_t drops[DP_DROP_MAX];
	uint64_t punted[8];   /* by enum dp_punt */
	uint64_t injected;    /* control-thread packets sent */
	uint64_t loops;
	uint64_t busy_loops;
	uint64_t busy_cycles; /* loop iterations that received something */
	uint64_t idle_cycles; /* iterations that received nothing */
	struct hp_hist latency; /* residence time: TX TSC - burst arrival TSC */

	struct dp_txbuf tx[HP_MAX_PORTS] __rte_cache_aligned; /* indexed by config port */
} __rte_cache_aligned;

/* Set by the control thread to make every worker flush and return. */
extern volatile bool dp_quit;

struct dp_tables;
/* The tables workers use, published by the control thread (RCU). */
extern struct dp_tables *dp_tables_current;

/* Worker lcore entry point (rte_eal_remote_launch); arg is its struct dp_worker. */
int dp_worker_main(void *arg);

/* Cycles -> ns with the multiplier from dp_ns_mult(). */
static inline uint64_t
dp_cycles_to_ns(uint64_t cycles, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)cycles * mult) >> 32);
}

uint64_t dp_ns_mult(uint64_t tsc_hz);

/* Empty a TX buffer (after sending or freeing what it held). */
static inline void
dp_txbuf_reset(struct dp_txbuf *b)
{
	b->n = 0;
	b->n_runs = 0;
	b->last_arrival = 0;
	b->bytes = 0;
}

/* Packets queued next arrived at `arrival`: a new run unless the last one did too. */
static inline void
dp_txbuf_run(struct dp_txbuf *b, uint64_t arrival)
{
	if (unlikely(arrival != b->last_arrival)) {
		b->run_start[b->n_runs] = b->n;
		b->run_arrival[b->n_runs++] = arrival;
		b->last_arrival = arrival;
	}
}

/* Send what tx[port] holds; refused packets are freed and counted. */
void dp_tx_flush(struct dp_worker *w, unsigned port);

/* Queue one packet for TX on config port `port`. */
static inline void
dp_tx_enqueue(struct dp_worker *w, unsigned port, struct rte_mbuf *m, uint64_t arrival)
{
	struct dp_txbuf *b = &w->tx[port];

	dp_txbuf_run(b, arrival);
	b->pkts[b->n] = m;
	b->bytes += m->pkt_len;
	w->tx_pending |= 1u << port;
	if (unlikely(++b->n == DP_TXBUF))
		dp_tx_flush(w, port);
}

/*
 * Queue n (<= DP_BURST) packets of one RX burst for TX on config port
 * `port`; bytes is the sum of their pkt_len.
 */
static inline void
dp_tx_enqueue_burst(struct dp_worker *w, unsigned port, struct rte_mbuf *const *pkts, uint16_t n,
		    uint64_t arrival, uint64_t bytes)
{
	struct dp_txbuf *b = &w->tx[port];

	if (unlikely(b->n + n > DP_TXBUF))
		dp_tx_flush(w, port);
	dp_txbuf_run(b, arrival);
	memcpy(&b->pkts[b->n], pkts, n * sizeof(pkts[0]));
	b->n += n;
	b->bytes += bytes;
	w->tx_pending |= 1u << port;
}

/* Stage: every packet of an xconnect port goes unchanged to its peer. Returns
 * the burst's bytes (stages count them while the mbufs are hot). */
uint64_t dp_xconnect_burst(struct dp_worker *w, const struct dp_rxq *rxq,
		       struct rte_mbuf **pkts, uint16_t n, uint64_t arrival);

#endif
