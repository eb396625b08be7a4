/* The stage interface: a burst with a verdict per packet, and the feature bits of a table set. */
#ifndef DP_STAGE_H
#define DP_STAGE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "parse.h"
#include "reasons.h"

#ifndef DP_BURST
#define DP_BURST 32 /* meson sets it: -Dburst */
#endif


/*
 * Feature bits of a table set (struct dp_tables.features), one or more per
 * stage beyond routing, set by dp_tables_build() from what it built. The
 * general path runs a stage when its bit is set; each fast path handles one
 * exact set of bits (dp_l3_fast_path()) and steps aside for any other, so a
 * new stage slows nothing down until it is configured.
 */
enum dp_feature {
	DP_FEAT_ACL = 1u << 0,      /* compiled ACL rules: the ACL stage (fast_burst_acl knows it) */
	DP_FEAT_ACL_DENY = 1u << 1, /* acl_default deny and no rule: the ACL stage drops all IP */
	DP_FEAT_CT = 1u << 2,       /* connection tracking (an ACL rule with state:, or nat: rules) */
	DP_FEAT_NAT = 1u << 3,      /* nat: rules (with DP_FEAT_CT) */
	DP_FEAT_LB = 1u << 4,       /* lb: VIPs: the load balancer's stage (dataplane/lb.c) */
};

/*
 * What the general path decided for each packet (VPP's next[]); the burst is
 * dispatched once, in arrival order, so every egress port and the punt ring
 * see packets in the order they came in, whatever their family or fate.
 */
enum dp_act {
	DP_ACT_ROUTE,      /* IP, still going: the stages, then LPM */
	DP_ACT_ROUTE_FAST, /* plain IPv4 (dp_fast4_ok): no metadata filled yet */
	DP_ACT_TX,         /* word holds the resolved next hop */
	DP_ACT_TX_FAST,    /* the same for plain IPv4: rewrite at fixed offsets */
	DP_ACT_PUNT,       /* why holds enum dp_punt */
	DP_ACT_DROP,       /* why holds enum dp_drop */
};

/*
 * One RX burst on the general path. A stage of it
 * (void dp_<stage>_stage(const struct dp_<stage>_tables *, unsigned worker, struct dp_burst *, uint64_t now))
 * sees the IP packets still to route on the family lists (v4/dst4/n4 and
 * v6/n6), each with its metadata filled; those it decides get a verdict
 * (dp_burst_set) and leave the lists, in order.
 */
struct dp_burst {
	uint16_t n;
	struct rte_mbuf **pkts;
	/* the metadata lives here, hot in L1, not in each mbuf's private area
	 * (another cache line per packet); only punted packets carry it along */
	struct dp_meta meta[DP_BURST];
	uint8_t act[DP_BURST]; /* enum dp_act */
	uint8_t why[DP_BURST]; /* enum dp_drop or dp_punt */
	uint64_t word[DP_BURST];
	uint16_t n4, n6;                     /* packets still routed, by family: */
	uint16_t v4[DP_BURST], v6[DP_BURST]; /* their indexes in the burst */
	uint32_t dst4[DP_BURST];             /* v4[j]'s destination, host order */
};

static inline void
dp_burst_set(struct dp_burst *b, uint16_t i, enum dp_act a, unsigned why)
{
	b->act[i] = (uint8_t)a;
	b->why[i] = (uint8_t)why;
}

/*
 * The mbuf private area (DP_PRIV_SIZE, every pool): what a punted packet
 * carries to the control thread, its metadata and the TSC of its burst's
 * arrival (the slow path's latency is measured from it).
 */
struct dp_priv {
	struct dp_meta meta;
	uint64_t arrival;
};
#define DP_PRIV_SIZE RTE_ALIGN(sizeof(struct dp_priv), RTE_MBUF_PRIV_ALIGN)

static inline struct dp_priv *
dp_priv_of(struct rte_mbuf *m)
{
	return (struct dp_priv *)rte_mbuf_to_priv(m);
}

/* The metadata a punted packet carries to the control thread. */
static inline struct dp_meta *
dp_meta_of(struct rte_mbuf *m)
{
	return &dp_priv_of(m)->meta;
}

#endif
