/* Stage 5: ACL over the 5-tuple with rte_acl (IPv4 and IPv6), per-rule counters, rte_meter policers. */
#ifndef DP_ACL_H
#define DP_ACL_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "conf.h"
#include "parse.h"
#include "stage.h"

/*
 * A compiled ACL: one rte_acl context per family, built from cfg->acl, plus
 * each rule's action. Immutable once built: the control thread builds a new
 * one aside and swaps the pointer (RCU) to change it.
 */
struct dp_acl;

/*
 * Per-worker ACL state for one struct dp_acl: hit counters per rule (worker
 * writes, control reads, plain uint64_t) and the worker's policer meters.
 * A policer's rates are divided by n_workers (each worker polices its RSS
 * share), so the sum over workers matches the configured rate.
 */
struct dp_acl_worker;

struct dp_acl_rule_stats {
	uint64_t packets;
	uint64_t bytes;
};

/*
 * Compile cfg->acl (rules ordered by priority, ties in file order; a rule
 * with no address matches both families) and cfg->policers. Returns NULL
 * with errno set and a "FILE:LINE: message" in err (rte_acl refusing a rule
 * names the rule's line). Control thread; uses rte_malloc on socket.
 */
struct dp_acl *dp_acl_build(const struct hp_config *cfg, int socket, char *err, size_t errlen);
void dp_acl_free(struct dp_acl *acl);

/* Number of rules (index i is cfg->acl[i]). */
unsigned dp_acl_n_rules(const struct dp_acl *acl);

struct dp_acl_worker *dp_acl_worker_create(const struct dp_acl *acl, unsigned n_workers, int socket);
void dp_acl_worker_free(struct dp_acl_worker *w);

/* The per-worker cache of rte_acl results (see acl.c): lookups it answered and missed. */
struct dp_acl_cache_stats {
	uint64_t hits;
	uint64_t misses;
};

/* Cache counters of one family (DP_L3_IPV4 or DP_L3_IPV6); control reads, tolerates staleness. */
const struct dp_acl_cache_stats *dp_acl_worker_cache_stats(const struct dp_acl_worker *w, int l3);

/*
 * The fast path's ACL: how many of the n (<= DP_BURST) IPv4 keys, from the
 * first, the result cache already knows to be permitted (a permit rule, or
 * no decisive rule and acl_default permit). For exactly those it bumps the
 * rule counters as dp_acl_classify() would; it stops at the first key it
 * does not know or that is not a plain permit (denied, policed), which
 * dp_acl_classify() then decides. Worker.
 */
uint16_t dp_acl_permit_run4(const struct dp_acl *acl, struct dp_acl_worker *w, const struct dp_acl_key4 *keys,
			    struct rte_mbuf *const *pkts, uint16_t n);

/*
 * What decides every established IPv4 packet (the conntrack fast path's ACL): rule index + 1,
 * 0 for acl_default permit, -1 when a packet's fields decide (acl NULL: no rule, and then
 * default_deny says). Immutable with the ACL.
 */
int32_t dp_acl_established4(const struct dp_acl *acl, bool default_deny);

/* Count packets and bytes on rule `rule` for worker w, as a decision by it would. Worker. */
void dp_acl_count(struct dp_acl_worker *w, uint32_t rule, uint64_t packets, uint64_t bytes);

/* Hits of rule i seen by this worker (control reads, tolerates staleness). */
const struct dp_acl_rule_stats *dp_acl_worker_stats(const struct dp_acl_worker *w, unsigned i);

/* Packets policer (index in cfg->policers) marked green, yellow and red on w since its
 * ACL was built, added to colour[] (RTE_COLOR_GREEN, _YELLOW, _RED; red ones are dropped
 * as policer_red). Control thread; stale is fine. */
#define DP_ACL_NCOLOURS 3
void dp_acl_worker_colours(const struct dp_acl_worker *w, unsigned policer, uint64_t colour[DP_ACL_NCOLOURS]);

/*
 * Classify n packets, all of family l3 (DP_L3_IPV4 or DP_L3_IPV6), whose
 * metadata keys are filled: verdict[i] = 0 to go on, or DP_DROP_ACL_DENY /
 * DP_DROP_POLICER_RED. First match by priority decides: permit passes, deny
 * drops, police NAME meters (colour-blind; red drops), count counts the rule
 * and goes on to the next rule that matches (only the first count rule a
 * packet reaches is counted); no decisive match applies acl_default. Every
 * rule that decides or counts a packet has its hit counters bumped. now is
 * rte_rdtsc() for the meters. Worker; no allocation, no locks.
 */
void dp_acl_classify(const struct dp_acl *acl, struct dp_acl_worker *w, uint8_t l3,
		     struct rte_mbuf *const *pkts, struct dp_meta *const *meta, uint16_t n, uint8_t *verdict,
		     uint64_t now);

/*
 * The ACL's part of a table set (struct dp_tables.acl), built and freed by
 * tables.c (worker: ro; control: builds a new one, publishes, frees the old).
 */
struct dp_acl_tables {
	struct dp_acl *compiled;                      /* NULL: no rules */
	struct dp_acl_worker *worker[HP_MAX_WORKERS]; /* per worker index */
	bool default_deny;
	/* per rule: the hits of the same rule in the ACLs this one replaced (malloc'd by the
	 * control thread, never read by workers; NULL: none) */
	struct dp_acl_rule_stats *base;
};

/* The feature bits the ACL part turns on (enum dp_feature). */
static inline uint32_t
dp_acl_features(const struct dp_acl_tables *a)
{
	return a->compiled != NULL ? DP_FEAT_ACL : a->default_deny ? DP_FEAT_ACL_DENY : 0;
}

/*
 * The ACL stage of the general path (DP_FEAT_ACL or DP_FEAT_ACL_DENY): what
 * the rules (or acl_default deny alone) refuse on b's family lists is dropped
 * and leaves them. worker is the worker's index; now is rte_rdtsc() for the
 * policers. Worker.
 */
void dp_acl_stage(const struct dp_acl_tables *a, unsigned worker, struct dp_burst *b, uint64_t now);

#endif
