/* Connection tracking and NAT as JSON: conntrack.stats, nat.show, /metrics and /hotpath/conntrack read these objects. */
#ifndef CTL_CTVIEW_H
#define CTL_CTVIEW_H

#include <stdint.h>

#include <jansson.h>

#include "runtime.h"

struct ct_conn;
struct dp_tables;

/* The protocols a NAT pool hands ports out for, and their names in replies and metrics. */
#define CTL_NAT_PROTOS 3
extern const uint8_t ctl_nat_protos[CTL_NAT_PROTOS]; /* IPPROTO_TCP, _UDP, _ICMP */
extern const char *const ctl_nat_proto_names[CTL_NAT_PROTOS];

/*
 * conntrack.stats: {enabled, count, max, bytes, timeouts: {tcp_established, tcp_transitory, udp,
 * icmp} (seconds), counters: {CT_WORKER_COUNTERS..., live, limbo} (summed), workers: [{worker,
 * lcore, the same}], packets: {new, established, related, invalid}, invalid: {reason: n},
 * fast_path: how many of those packets the established fast path took}.
 * enabled false and zero counts while no table exists (rt->ct NULL). A new reference, NULL on
 * ENOMEM. Control thread.
 */
json_t *ctl_ct_stats(const struct dp_runtime *rt);

/* The NAT counters (DP_NAT_COUNTERS) summed over the workers: {snat_new: n, ...}; zeros without
 * NAT rules. A new reference, NULL on ENOMEM. */
json_t *ctl_nat_counters(const struct dp_runtime *rt);

/*
 * A table set was published over old (its grace period passed, dp_tables_retire comes next):
 * the NAT counters of old's NAT, when the running set has another, are kept as a base that
 * ctl_nat_counters adds, so that the totals never go back when a change rebuilds NAT (nat.*,
 * acl.*, config.apply). Control thread.
 */
void ctl_nat_retire(const struct dp_runtime *rt, const struct dp_tables *old);

/* Free ports of snat rule i's pool by protocol ({tcp, udp, icmp}); NULL when rule i is no snat
 * rule of the running NAT. A new reference. */
json_t *ctl_nat_pool_free(const struct dp_runtime *rt, unsigned i);

/* A connection as conntrack.show lists it (see docs/OBSERVABILITY.md). now: TSC. A new reference. */
json_t *ctl_ct_conn(const struct dp_runtime *rt, const struct ct_conn *c, uint64_t now);

/* The name of a TCP state or "udp"/"icmp" state a connection is in (conntrack.show's "state"). */
const char *ctl_ct_state_name(const struct ct_conn *c);

#endif
