/* The running data plane as the control thread sees it, and its exit report. */
#ifndef DP_RUNTIME_H
#define DP_RUNTIME_H

#include <stdio.h>

#include <jansson.h>

#include "conf.h"
#include "histogram.h"
#include "lcore_map.h"
#include "port.h"
#include "reasons.h"
#include "stall.h"

struct ct_table;
struct dp_doorbell;
struct dp_nodes_base;
struct dp_tables;
struct dp_worker;
struct rte_rcu_qsbr;
struct rte_ring;

/* Slow-path counters, written by the control thread only. */
#define DP_SLOW_COUNTERS(_)                                                                               \
	_(arp_replies, "ARP replies sent")                                                                \
	_(nd_adverts, "neighbour advertisements sent")                                                    \
	_(echo_replies, "ICMP/ICMPv6 echo replies sent")                                                  \
	_(icmp_errors, "ICMP time exceeded / unreachable sent")                                           \
	_(solicits, "ARP requests / neighbour solicitations sent")                                        \
	_(learned, "neighbour MACs learned or refreshed")                                                 \
	_(held, "packets held for an unresolved neighbour")                                               \
	_(released, "held packets sent after resolution")                                                 \
	_(neigh_queue_full, "packets dropped: neighbour hold queue full")                                 \
	_(neigh_failed, "held packets dropped: neighbour never answered or deleted")                      \
	_(neigh_hold_full, "packets dropped: all hold queues at neighbor_config.hold_total_pct")          \
	_(neigh_table_full, "packets dropped: port at neighbor_config.max_per_port entries")              \
	_(solicit_ratelimited, "solicitations held back by neighbor_config.solicit_pps")                  \
	_(probes, "unicast reachability probes sent (ARP/NS, RFC 4861 7.3.3)")                            \
	_(neigh_reclaimed, "neighbour entries freed (failed or long unused)")                             \
	_(learn_ignored, "ARP/ND from a host with no entry: not learned (RFC 4861 7.2.5)")                \
	_(ratelimited, "ICMP answers suppressed by the token bucket")                                     \
	_(unhandled, "packets to us that nothing serves")                                                 \
	_(malformed, "malformed ARP/ND/ICMP")                                                             \
	_(not_for_us, "ARP/ND for other hosts (learned from only)")                                       \
	_(inject_full, "control packets dropped: inject ring or mbufs exhausted")                         \
	_(too_big, "ICMP fragmentation needed / ICMPv6 packet too big sent (larger than the egress MTU)") \
	_(fragmented, "IPv4 datagrams larger than the egress MTU cut into fragments")                     \
	_(fragments, "IPv4 fragments made of them")

/* The neighbour table's size now and at most (gauges), control thread. */
#define DP_NEIGH_GAUGES(_)                                                                   \
	_(neigh_entries, "neighbour entries the slow path created (not gateways or static)") \
	_(neigh_entries_peak, "most such entries at once")                                   \
	_(neigh_held, "packets held for unresolved neighbours")                              \
	_(neigh_held_peak, "most packets held at once")                                      \
	_(neigh_held_cap, "cap on held packets (hold_total_pct of the mbuf pools)")

struct dp_slow_stats {
#define DP_SLOW_FIELD(name, help) uint64_t name;
	DP_SLOW_COUNTERS(DP_SLOW_FIELD)
#undef DP_SLOW_FIELD
	uint64_t punted[DP_PUNT_MAX]; /* dequeued from the punt ring, by reason */
#define DP_SLOW_FIELD(name, help) uint64_t name;
	DP_NEIGH_GAUGES(DP_SLOW_FIELD)
#undef DP_SLOW_FIELD
};

/* A port's host interface (ports[].host: tap, control/hostif.c), written by the control thread only. */
#define DP_HOST_COUNTERS(_)                                                                             \
	_(to_host, "frames written to the host interface (punted to us, not answered by hotpathd)")     \
	_(to_port, "frames the host interface sent, out on the port")                                   \
	_(to_host_failed, "frames for the host interface that the kernel did not take (write failed)")  \
	_(from_host_oversize, "frames from the host interface longer than the port's MTU: dropped")     \
	_(from_host_runt, "frames from the host interface shorter than an Ethernet header: dropped")    \
	_(from_host_inject_full, "frames from the host interface lost: inject ring or mbufs exhausted") \
	_(neigh_added, "neighbours written to the kernel (RTM_NEWNEIGH)")                               \
	_(neigh_removed, "neighbours removed from the kernel (RTM_DELNEIGH)")                           \
	_(arp_answered, "ARP requests from the kernel answered from hotpathd's neighbours, not sent")   \
	_(netlink_errors, "netlink requests the kernel refused")

struct dp_host_stats {
#define DP_HOST_FIELD(name, help) uint64_t name;
	DP_HOST_COUNTERS(DP_HOST_FIELD)
#undef DP_HOST_FIELD
	unsigned ifindex; /* 0 while it has none */
};

struct dp_runtime {
	struct hp_config *cfg; /* the live configuration: the control thread applies changes to it */
	struct dp_lcore_map map;
	struct dp_ports ports;
	unsigned n_workers;
	struct dp_worker *workers[HP_MAX_WORKERS];
	uint64_t tsc_hz;
	uint64_t start_tsc; /* ports started */
	uint64_t stop_tsc;  /* workers stopped; 0 while running */

	struct rte_rcu_qsbr *qsv; /* workers report quiescence every loop */
	struct rte_ring *punt;    /* workers -> control */
	struct dp_doorbell *bell; /* ... and how they wake it (dataplane/doorbell.h) */
	struct dp_tables *tables; /* what dp_tables_current points to (NULL: no l3 port) */
	uint64_t publishes;       /* control: rw; dp_tables_publish calls (who follows the set, the lb
				   * health checker, sees a new one by it) */
	struct ct_table *ct; /* the connection table (dataplane/ct.h): created by the first table set that
			      * tracks, kept until exit (NULL: never tracked) */
	/* the load balancer's flow tables, one per worker (dataplane/lb_flow.h): created by the first
	 * table set with a VIP, sized by lb_conf.flows, kept until exit */
	struct lb_flow_table *lb_flows[HP_MAX_WORKERS];
	struct dp_slow_stats slow;               /* control: rw */
	struct dp_host_stats host[HP_MAX_PORTS]; /* control: rw; ports with host: tap */
	/* control: rw; from the arrival of a punted packet's burst to the control
	 * thread done with it (answered, held, forwarded or dropped) */
	struct hp_hist slow_latency;
	/* control: rw; each worker's node counters when runtime.clear last ran (NULL: never) */
	struct dp_nodes_base *nodes_base;
};

/*
 * Counters of every port, queue and worker, drop reasons, merged latency
 * percentiles and mempool fill, summed from the workers' plain counters
 * (slightly stale while they run). A new reference, NULL on ENOMEM.
 */
json_t *dp_report_json(const struct dp_runtime *rt);

/* Port p's host interface (ports[].host: tap) as JSON: type, ifname, ifindex, and with
 * counters its DP_HOST_COUNTERS (port.stats, the report). A new reference, NULL on ENOMEM. */
json_t *dp_host_json(const struct dp_runtime *rt, unsigned p, bool counters);

/* The same report as aligned text. */
void dp_report_print(FILE *f, const json_t *report);

/*
 * A worker's stalls as the report's "stall" object: threshold_ns, count,
 * over_10us, over_100us, over_1ms, max_ns, total_ns, busy (latency.show
 * uses it too). A new reference, NULL on ENOMEM.
 */
json_t *dp_stall_json(const struct hp_stall_view *v);

#endif
