/* IPv4 longest-prefix match: DIR-24-8 tables for lock-free lookups, rules in an rte_rib for O(32) changes. */
#ifndef DP_LPM4_H
#define DP_LPM4_H

#include <errno.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

struct rte_rcu_qsbr;
struct dp_lpm4_ctl;

/*
 * A table entry is one 32-bit word, written with one aligned store:
 *   tbl24: next hop | VALID, or tbl8 group | EXT, or 0 (no route);
 *   tbl8:  next hop | VALID, or 0.
 * VALID is rte_lpm's RTE_LPM_LOOKUP_SUCCESS, so a bulk result reads as rte_lpm's.
 */
#define DP_LPM4_NH_MASK 0x00ffffffu
#define DP_LPM4_MAX_NH DP_LPM4_NH_MASK
#define DP_LPM4_LOOKUP_SUCCESS 0x01000000u
#define DP_LPM4_EXT 0x02000000u
#define DP_LPM4_TBL24_ENTRIES (1u << 24)
#define DP_LPM4_TBL8_GROUP 256u

/*
 * What lookups read (worker: ro; control: rw, one aligned store per
 * entry). A tbl8 group is fully written before the tbl24 entry that points
 * to it is published, and is reused only after an RCU grace period.
 */
struct dp_lpm4 {
	uint32_t *tbl8;          /* n_tbl8 groups of 256 entries */
	struct dp_lpm4_ctl *ctl; /* control only: rules, free groups, RCU */
	uint32_t tbl24[DP_LPM4_TBL24_ENTRIES] __rte_cache_aligned;
};

/*
 * A table for max_rules rules and n_tbl8 tbl8 groups (one per /24 that holds
 * a rule longer than /24; at most 2^24), on NUMA socket: 64 MiB of tbl24,
 * 1 KiB a group, and rules in an rte_rib (~400 bytes a rule) that grows with
 * them up to max_rules. name: at most 20 characters, unique among live
 * tables (it names the rte_rib and the RCU defer queue). NULL with rte_errno
 * set (EINVAL, EEXIST, ENOMEM).
 */
struct dp_lpm4 *dp_lpm4_create(const char *name, int socket, uint32_t max_rules, uint32_t n_tbl8);

/* NULL is fine. Readers must be gone (or past a grace period). */
void dp_lpm4_free(struct dp_lpm4 *l);

/*
 * From now on a tbl8 group that a change frees is reused only after a grace
 * period of v (an rte_rcu_qsbr_dq defer queue, reclaimed as changes go and
 * when groups run out). Without it groups are reused at once: one thread
 * only. Control thread, before the table is shared. 0, or -EINVAL (NULL),
 * -EEXIST (already set), -ENOMEM.
 */
int dp_lpm4_rcu_qsbr_add(struct dp_lpm4 *l, struct rte_rcu_qsbr *v);

/*
 * Add ip/depth (host order; host bits ignored) -> nh, or replace the next
 * hop of that rule. Control thread; lookups go on meanwhile. 0, -EINVAL
 * (depth > 32, nh > DP_LPM4_MAX_NH), -ENOSPC (max_rules reached, no memory
 * for a bigger rib, or no free tbl8 group, a group still in its grace period
 * not counting: the table is then unchanged).
 * Each add costs O(32) in the rib plus the entries it rewrites; an add that
 * fills the rib copies it to one four times the size first.
 */
int dp_lpm4_add(struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t nh);

/* Delete ip/depth: 0, -EINVAL (depth > 32), -ENOENT. Control thread. */
int dp_lpm4_delete(struct dp_lpm4 *l, uint32_t ip, uint8_t depth);

/* 1 with its next hop in *nh (may be NULL) if the rule ip/depth exists, else 0. Control thread. */
int dp_lpm4_is_rule_present(const struct dp_lpm4 *l, uint32_t ip, uint8_t depth, uint32_t *nh);

/* The number of rules. Control thread. */
unsigned dp_lpm4_n_rules(const struct dp_lpm4 *l);

/* Workers and control: the longest match of ip (host order). 0 with *nh, or -ENOENT. */
static inline int
dp_lpm4_lookup(const struct dp_lpm4 *l, uint32_t ip, uint32_t *nh)
{
	uint32_t e = __atomic_load_n(&l->tbl24[ip >> 8], __ATOMIC_RELAXED);

	/* the tbl8 read depends on e's value: no barrier needed (as in rte_lpm) */
	if (unlikely(e & DP_LPM4_EXT))
		e = __atomic_load_n(&l->tbl8[(e & DP_LPM4_NH_MASK) << 8 | (ip & 0xff)], __ATOMIC_RELAXED);
	*nh = e & DP_LPM4_NH_MASK;
	return (e & DP_LPM4_LOOKUP_SUCCESS) ? 0 : -ENOENT;
}

/*
 * n lookups: hops[i] = next hop | DP_LPM4_LOOKUP_SUCCESS (= RTE_LPM_LOOKUP_SUCCESS)
 * on a hit, 0 on a miss: rte_lpm_lookup_bulk's contract.
 */
static inline void
dp_lpm4_lookup_bulk(const struct dp_lpm4 *l, const uint32_t *ips, uint32_t *hops, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint32_t e = __atomic_load_n(&l->tbl24[ips[i] >> 8], __ATOMIC_RELAXED);

		if (unlikely(e & DP_LPM4_EXT))
			e = __atomic_load_n(&l->tbl8[(e & DP_LPM4_NH_MASK) << 8 | (ips[i] & 0xff)],
					    __ATOMIC_RELAXED);
		hops[i] = e;
	}
}

#endif
