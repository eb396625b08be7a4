/* The routed pipeline (mode: l3): local/L2 check -> ACL -> LPM -> rewrite -> TX, punting the slow path. */
#ifndef DP_L3_H
#define DP_L3_H

#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "acl.h"
#include "cksum.h"
#include "fib.h"
#include "lcore_map.h"
#include "parse.h"

/* Why a packet goes to the control thread. */
enum dp_punt {
	DP_PUNT_LOCAL = 1, /* ARP, ND, or addressed to us */
	DP_PUNT_TTL,       /* TTL / hop limit expired: ICMP time exceeded */
	DP_PUNT_NOROUTE,   /* ICMP destination unreachable */
	DP_PUNT_RESOLVE,   /* next hop unresolved: hold, ARP/NS */
	DP_PUNT_MAX,
};

/*
 * What workers read, published as one pointer by the control thread
 * (worker: ro between quiescent states; control: builds a new one, swaps,
 * waits for a grace period, frees the old).
 */
struct dp_tables {
	struct dp_fib *fib;
	struct dp_acl *acl;                            /* NULL: no rules */
	struct dp_acl_worker *acl_worker[HP_MAX_WORKERS]; /* per worker index */
	bool acl_default_deny;
	/* per rule: the hits of the same rule in the ACLs this one replaced (malloc'd by the
	 * control thread, never read by workers; NULL: none) */
	struct dp_acl_rule_stats *acl_base;
};

/*
 * Compile cfg's ACL into t: t->acl and a worker state for each of map's workers
 * (nothing when cfg has no rule). 0; -EINVAL when rte_acl refuses it (err says
 * why, errno is dp_acl_build's); -ENOMEM for the worker states (t's ACL part is
 * then freed again). Control thread.
 */
int dp_tables_build_acl(struct dp_tables *t, const struct hp_config *cfg, const struct dp_lcore_map *map,
			char *err, size_t errlen);

/* Free t's ACL part (compiled ACL, worker states, carried counts), or all of t with
 * its FIB (NULL is fine). Readers must be gone or past a grace period. */
void dp_tables_free_acl(struct dp_tables *t);
void dp_tables_free(struct dp_tables *t);

/* Rule i's hits since it was first added: its base plus every worker's counters. */
static inline struct dp_acl_rule_stats
dp_tables_acl_hits(const struct dp_tables *t, unsigned n_workers, unsigned i)
{
	struct dp_acl_rule_stats sum = t->acl_base ? t->acl_base[i] : (struct dp_acl_rule_stats){0, 0};

	for (unsigned w = 0; t->acl != NULL && w < n_workers; w++) {
		const struct dp_acl_rule_stats *st = dp_acl_worker_stats(t->acl_worker[w], i);

		sum.packets += st->packets;
		sum.bytes += st->bytes;
	}
	return sum;
}

static inline struct dp_meta *
dp_meta_of(struct rte_mbuf *m)
{
	return (struct dp_meta *)rte_mbuf_to_priv(m);
}

/*
 * The two MACs of a routed frame f: destination from the next-hop word
 * (its low 48 bits, in memory order: x86 is little-endian), source = the
 * egress port's, as one 8-byte and one 4-byte store.
 */
static inline void
dp_l3_write_macs(uint8_t *f, uint64_t nh_word, const struct rte_ether_addr *src)
{
	uint64_t w0;
	uint16_t s0;
	uint32_t s1;

	RTE_BUILD_BUG_ON(RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN);
	memcpy(&s0, src->addr_bytes, 2);
	memcpy(&s1, src->addr_bytes + 2, 4);
	w0 = (nh_word & 0xffffffffffffull) | (uint64_t)s0 << 48;
	memcpy(f, &w0, 8);
	memcpy(f + 8, &s1, 4);
}

/*
 * Rewrite a routed frame for its next hop: the MACs, TTL / hop limit - 1
 * (IPv4 checksum updated incrementally). Caller checked TTL > 1.
 */
static inline void
dp_l3_rewrite(struct rte_mbuf *m, const struct dp_meta *meta, uint64_t nh_word,
	      const struct rte_ether_addr *src)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);

	dp_l3_write_macs(f, nh_word, src);
	if (meta->l3 == DP_L3_IPV4)
		dp_ipv4_ttl_dec((struct rte_ipv4_hdr *)(f + meta->l3_off));
	else
		((struct rte_ipv6_hdr *)(f + meta->l3_off))->hop_limits--;
}

/* The same for a plain IPv4 frame (dp_fast4_ok(): IPv4 at offset 14), f its first byte. */
static inline void
dp_l3_rewrite4(uint8_t *f, uint64_t nh_word, const struct rte_ether_addr *src)
{
	dp_l3_write_macs(f, nh_word, src);
	dp_ipv4_ttl_dec((struct rte_ipv4_hdr *)(f + 14));
}

/* The same for a plain IPv6 frame (dp_fast6_ok(): IPv6 at offset 14). */
static inline void
dp_l3_rewrite6(uint8_t *f, uint64_t nh_word, const struct rte_ether_addr *src)
{
	dp_l3_write_macs(f, nh_word, src);
	((struct rte_ipv6_hdr *)(f + 14))->hop_limits--;
}

/* false: every packet takes the full parse (tests compare both paths). */
extern bool dp_l3_fast;

struct dp_worker;
struct dp_rxq;

/* Stage over one RX burst of an l3 port; returns the burst's bytes (pkt_len). */
uint64_t dp_l3_burst(struct dp_worker *w, const struct dp_tables *t, const struct dp_rxq *rxq,
		 struct rte_mbuf **pkts, uint16_t n, uint64_t arrival);

#endif
