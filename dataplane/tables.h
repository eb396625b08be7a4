/* Table sets (FIB, ACL, feature bits): what workers read, built, published under RCU and freed here alone. */
#ifndef DP_TABLES_H
#define DP_TABLES_H

#include <stddef.h>
#include <stdint.h>

#include "acl.h"
#include "conf.h"
#include "fib.h"
#include "stage.h"

struct dp_runtime;
struct dp_nat;
struct ct_table;
struct dp_lb;

/* Connection tracking's part of a table set (DP_FEAT_CT, DP_FEAT_NAT). */
struct dp_ct_tables {
	struct ct_table *table; /* the runtime's (rt->ct), not owned; NULL: nothing tracked */
	struct dp_nat *nat;     /* compiled nat: rules, owned; NULL: none */
	/* the ACL's decision for every established IPv4 packet (dp_acl_established4): rule index
	 * + 1, 0 acl_default permit, -1 none (the established fast path steps aside) */
	int32_t est_acl;
	bool any_state; /* no ACL at all: every connection state passes (dp_ct_fast_find) */
};

/* The fast paths of dp_l3_burst(), each for one exact set of feature bits. */
enum dp_l3_fast_path {
	DP_L3_FAST_NONE,  /* a stage no fast path knows is configured: general path only */
	DP_L3_FAST_PLAIN, /* no stage: fast_burst */
	DP_L3_FAST_ACL,   /* the ACL with rules alone: fast_burst_acl */
	DP_L3_FAST_CT,    /* connection tracking, NAT, an ACL: fast_burst_ct (established flows) */
	DP_L3_FAST_LB,    /* the load balancer alone: fast_burst_lb */
};

/* The fast path for a table set's features (enum dp_feature) and its ACL's decision for
 * established packets (dp_acl_established4; < 0: the fields decide, so the conntrack fast path
 * cannot skip the ACL): any bit a fast path does not handle makes it step aside. */
static inline enum dp_l3_fast_path
dp_l3_fast_path(uint32_t features, int32_t est_acl)
{
	if (features & DP_FEAT_CT)
		return est_acl >= 0 && (features & ~(uint32_t)(DP_FEAT_CT | DP_FEAT_NAT | DP_FEAT_ACL |
							       DP_FEAT_ACL_DENY)) == 0
			       ? DP_L3_FAST_CT
			       : DP_L3_FAST_NONE;
	if (features == DP_FEAT_LB)
		return DP_L3_FAST_LB;
	return features == DP_FEAT_ACL ? DP_L3_FAST_ACL : features == 0 ? DP_L3_FAST_PLAIN : DP_L3_FAST_NONE;
}

/*
 * What workers read, published as one pointer by the control thread
 * (worker: ro between quiescent states; control: builds a new one, swaps,
 * waits for a grace period, frees the old). A stage beyond routing has its
 * part here and its bits in features.
 */
struct dp_tables {
	uint32_t features; /* enum dp_feature: the stages configured (dp_tables_features) */
	uint8_t fast_path; /* enum dp_l3_fast_path for these parts (dp_tables_finish) */
	struct dp_fib *fib;
	struct dp_acl_tables acl;
	struct dp_ct_tables ct;
	struct dp_lb *lb; /* lb: compiled, owned (dataplane/lb.h); NULL: no VIP */
};

/* The tables workers use (dp_tables_publish stores it; NULL: no l3 port). */
extern struct dp_tables *dp_tables_current;

/*
 * A new table set built from cfg for rt's ports and workers, aside: nothing
 * running changes. 0 and *out; -EINVAL when cfg is refused (err says why),
 * -ENOMEM (err says so). Control thread.
 */
int dp_tables_build(const struct dp_runtime *rt, const struct hp_config *cfg, struct dp_tables **out,
		    char *err, size_t errlen);

/*
 * The same, sharing the running set's FIB (rt->tables) and with cfg's ACL
 * and policers: an ACL change. Errors as dp_tables_build (-EINVAL with
 * errno ENOMEM when rte_acl ran out of memory).
 */
int dp_tables_build_acl(const struct dp_runtime *rt, const struct hp_config *cfg, struct dp_tables **out,
			char *err, size_t errlen);

/*
 * Make t (built from cfg) the set every worker reads: one release store of
 * dp_tables_current, then a grace period, so that on return no worker sees
 * the old set. The ACL counters carry over: each rule of cfg that is the same
 * as one of rt->cfg (the running configuration, which the caller updates
 * after) starts from its hits. Returns the old set (NULL at start-up), for
 * dp_tables_retire once nothing names it any more.
 */
struct dp_tables *dp_tables_publish(struct dp_runtime *rt, struct dp_tables *t, const struct hp_config *cfg);

/* Free what of old (published over by rt->tables) the running set does not share, and old itself. */
void dp_tables_retire(const struct dp_runtime *rt, struct dp_tables *old);

/* Wait for a grace period: a change made in place in the running set (routes,
 * neighbours) is seen by every worker on return. */
void dp_tables_sync(const struct dp_runtime *rt);

/* Free all of t (NULL is fine). Readers must be gone or past a grace period. */
void dp_tables_free(struct dp_tables *t);

/* conntrack.timeouts of cfg in TSC cycles, by enum ct_timeout (ct_table_create, config.apply). */
void dp_ct_timeouts(const struct hp_config *cfg, uint64_t cycles[4]);

/* The feature bits of t's parts (enum dp_feature). */
uint32_t dp_tables_features(const struct dp_tables *t);

/* What a table set derives from its parts once they are built: features, the ACL's decision
 * for established packets, the fast path dp_l3_burst takes. */
void dp_tables_finish(struct dp_tables *t);

/* Rule i's hits since it was first added: its base plus every worker's counters. */
static inline struct dp_acl_rule_stats
dp_tables_acl_hits(const struct dp_tables *t, unsigned n_workers, unsigned i)
{
	struct dp_acl_rule_stats sum = t->acl.base ? t->acl.base[i] : (struct dp_acl_rule_stats){0, 0};

	for (unsigned w = 0; t->acl.compiled != NULL && w < n_workers; w++) {
		const struct dp_acl_rule_stats *st = dp_acl_worker_stats(t->acl.worker[w], i);

		sum.packets += st->packets;
		sum.bytes += st->bytes;
	}
	return sum;
}

#endif
