/* The one table publisher: build a set from a config aside, publish it (release store + grace period), free the old. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ct.h"
#include "lb.h"
#include "lb_flow.h"
#include "nat.h"
#include "runtime.h"
#include "tables.h"

struct dp_tables *dp_tables_current;

/* Free the ACL part (compiled ACL, worker states, carried counts). */
static void
free_acl(struct dp_acl_tables *a)
{
	for (unsigned w = 0; w < HP_MAX_WORKERS; w++) {
		dp_acl_worker_free(a->worker[w]);
		a->worker[w] = NULL;
	}
	dp_acl_free(a->compiled);
	a->compiled = NULL;
	free(a->base);
	a->base = NULL;
}

/*
 * Compile cfg's ACL into a and a worker state for each of map's workers
 * (nothing but acl_default when cfg has no rule). 0; -EINVAL when rte_acl
 * refuses it (err says why, errno is dp_acl_build's); -ENOMEM for the worker
 * states (a is then empty again).
 */
static int
build_acl(struct dp_acl_tables *a, const struct hp_config *cfg, const struct dp_lcore_map *map, char *err,
	  size_t errlen)
{
	memset(a, 0, sizeof(*a));
	a->default_deny = cfg->acl_default_deny;
	if (cfg->n_acl == 0)
		return 0;
	if ((a->compiled = dp_acl_build(cfg, (int)rte_socket_id(), err, errlen)) == NULL)
		return -EINVAL;
	for (unsigned w = 0; w < map->n_workers; w++) {
		a->worker[w] = dp_acl_worker_create(a->compiled, map->n_workers,
						    (int)rte_lcore_to_socket_id(map->workers[w].lcore));
		if (a->worker[w] == NULL) {
			snprintf(err, errlen, "acl: out of memory for worker state");
			free_acl(a);
			return -ENOMEM;
		}
	}
	return 0;
}

uint32_t
dp_tables_features(const struct dp_tables *t)
{
	return dp_acl_features(&t->acl) | (t->ct.table != NULL ? DP_FEAT_CT : 0) |
	       (t->ct.nat != NULL ? DP_FEAT_NAT : 0) | (t->lb != NULL ? DP_FEAT_LB : 0);
}

void
dp_tables_finish(struct dp_tables *t)
{
	t->features = dp_tables_features(t);
	t->ct.est_acl = dp_acl_established4(t->acl.compiled, t->acl.default_deny);
	t->ct.any_state = t->acl.compiled == NULL && !t->acl.default_deny;
	t->fast_path = (uint8_t)dp_l3_fast_path(t->features, t->ct.est_acl);
}

/* Does cfg need connection tracking: an ACL rule matching a state, or NAT rules? */
static bool
tracks(const struct hp_config *cfg)
{
	if (cfg->n_nat > 0)
		return true;
	for (unsigned i = 0; i < cfg->n_acl; i++)
		if (cfg->acl[i].state != 0)
			return true;
	return false;
}

/* conntrack.timeouts in TSC cycles, by enum ct_timeout. */
void
dp_ct_timeouts(const struct hp_config *cfg, uint64_t cycles[4])
{
	uint64_t hz = rte_get_tsc_hz();

	cycles[CT_TO_TCP_ESTABLISHED] = cfg->conntrack.tcp_established * hz;
	cycles[CT_TO_TCP_TRANSITORY] = cfg->conntrack.tcp_transitory * hz;
	cycles[CT_TO_UDP] = cfg->conntrack.udp * hz;
	cycles[CT_TO_ICMP] = cfg->conntrack.icmp * hz;
}

/*
 * Connection tracking's part of a set for cfg: the runtime's table (created here the first
 * time a set tracks, sized by conntrack.max, and kept until exit: the one thing a build does to
 * the runtime) and cfg's NAT rules compiled, sharing the running set's pool maps. 0, or
 * -EINVAL / -ENOMEM with err.
 */
static int
build_ct(struct dp_ct_tables *c, const struct dp_runtime *rt, const struct hp_config *cfg, char *err,
	 size_t errlen)
{
	struct dp_runtime *mrt = (struct dp_runtime *)(uintptr_t)rt;

	memset(c, 0, sizeof(*c));
	if (!tracks(cfg))
		return 0;
	if (rt->ct == NULL) {
		uint64_t timeouts[4];

		dp_ct_timeouts(cfg, timeouts);
		mrt->ct = ct_table_create(cfg->conntrack.max, rt->map.n_workers ? rt->map.n_workers : 1,
					  rt->qsv, timeouts, (int)rte_socket_id());
		if (mrt->ct == NULL) {
			snprintf(err, errlen,
				 "conntrack: no memory for %u connections (%llu bytes of hugepages)",
				 cfg->conntrack.max,
				 (unsigned long long)ct_table_bytes(
					 cfg->conntrack.max, rt->map.n_workers ? rt->map.n_workers : 1));
			return -ENOMEM;
		}
	}
	c->table = rt->ct;
	if (cfg->n_nat > 0) {
		c->nat = dp_nat_build(cfg, rt->tables != NULL ? rt->tables->ct.nat : NULL,
				      rt->map.n_workers ? rt->map.n_workers : 1, (int)rte_socket_id(), err,
				      errlen);
		if (c->nat == NULL)
			return -EINVAL;
	}
	return 0;
}

/*
 * The load balancer's part of a set for cfg: the runtime's flow tables (created here the first
 * time a set has a VIP, one per worker, and kept until exit) and cfg's VIPs compiled, carrying
 * the running set's backend ids and states. 0, or -ENOMEM with err.
 */
static int
build_lb(struct dp_lb **out, const struct dp_runtime *rt, const struct hp_config *cfg, char *err,
	 size_t errlen)
{
	struct dp_runtime *mrt = (struct dp_runtime *)(uintptr_t)rt;
	unsigned n_workers = rt->map.n_workers ? rt->map.n_workers : 1;
	uint64_t timeout = (uint64_t)(cfg->lb_conf.flow_timeout ? cfg->lb_conf.flow_timeout
								: HP_LB_FLOW_TIMEOUT_DEFAULT) *
			   rte_get_tsc_hz();
	uint32_t flows = cfg->lb_conf.flows ? cfg->lb_conf.flows : HP_LB_FLOWS_DEFAULT;

	*out = NULL;
	if (cfg->n_lb == 0)
		return 0;
	for (unsigned w = 0; w < n_workers; w++) {
		if (rt->lb_flows[w] != NULL) {
			lb_flow_set_timeout(rt->lb_flows[w], timeout);
			continue;
		}
		mrt->lb_flows[w] = lb_flow_create(flows, timeout, (int)rte_socket_id());
		if (mrt->lb_flows[w] == NULL) {
			snprintf(err, errlen,
				 "lb: no memory for %u flows a worker (%llu bytes of hugepages each)", flows,
				 (unsigned long long)lb_flow_bytes(flows));
			return -ENOMEM;
		}
	}
	*out = dp_lb_build(cfg, rt->tables != NULL ? rt->tables->lb : NULL, n_workers, rt->lb_flows,
			   (int)rte_socket_id(), err, errlen);
	return *out != NULL ? 0 : -ENOMEM;
}

static struct dp_tables *
alloc_tables(char *err, size_t errlen)
{
	struct dp_tables *t = rte_zmalloc("hp_tables", sizeof(*t), RTE_CACHE_LINE_SIZE);

	if (t == NULL)
		snprintf(err, errlen, "out of memory");
	return t;
}

int
dp_tables_build(const struct dp_runtime *rt, const struct hp_config *cfg, struct dp_tables **out, char *err,
		size_t errlen)
{
	struct rte_ether_addr macs[HP_MAX_PORTS];
	struct dp_tables *t;
	int rc;

	if ((t = alloc_tables(err, errlen)) == NULL)
		return -ENOMEM;
	for (unsigned p = 0; p < rt->ports.n; p++)
		macs[p] = rt->ports.ports[p].mac;
	t->fib = dp_fib_build(cfg, macs, rt->qsv, (int)rte_socket_id(), err, errlen);
	if (t->fib == NULL) {
		dp_tables_free(t);
		return -EINVAL;
	}
	if ((rc = build_acl(&t->acl, cfg, &rt->map, err, errlen)) < 0 ||
	    (rc = build_ct(&t->ct, rt, cfg, err, errlen)) < 0 ||
	    (rc = build_lb(&t->lb, rt, cfg, err, errlen)) < 0) {
		dp_tables_free(t);
		return rc;
	}
	dp_tables_finish(t);
	*out = t;
	return 0;
}

int
dp_tables_build_acl(const struct dp_runtime *rt, const struct hp_config *cfg, struct dp_tables **out,
		    char *err, size_t errlen)
{
	struct dp_tables *t;
	int rc;

	if ((t = alloc_tables(err, errlen)) == NULL)
		return -ENOMEM;
	t->fib = rt->tables->fib; /* the same FIB; a new ACL part */
	if ((rc = build_acl(&t->acl, cfg, &rt->map, err, errlen)) < 0) {
		rte_free(t);
		return rc;
	}
	/* the same NAT rules; tracking turns on or off with the ACL's state rules; the VIPs */
	if ((rc = build_ct(&t->ct, rt, cfg, err, errlen)) < 0 ||
	    (rc = build_lb(&t->lb, rt, cfg, err, errlen)) < 0) {
		free_acl(&t->acl);
		dp_nat_free(t->ct.nat);
		rte_free(t);
		return rc;
	}
	dp_tables_finish(t);
	*out = t;
	return 0;
}

/* The same rule: every match field, the priority and the action (a policer by name). */
static bool
same_rule(const struct hp_acl_rule *a, const struct hp_policer_conf *pa, const struct hp_acl_rule *b,
	  const struct hp_policer_conf *pb)
{
	if (a->priority != b->priority || a->family != b->family || a->has_src != b->has_src ||
	    a->has_dst != b->has_dst || a->has_proto != b->has_proto || a->action != b->action ||
	    a->sport_lo != b->sport_lo || a->sport_hi != b->sport_hi || a->dport_lo != b->dport_lo ||
	    a->dport_hi != b->dport_hi || a->state != b->state || (a->has_proto && a->proto != b->proto))
		return false;
	if ((a->has_src && (a->src.len != b->src.len || memcmp(a->src.addr, b->src.addr, 16))) ||
	    (a->has_dst && (a->dst.len != b->dst.len || memcmp(a->dst.addr, b->dst.addr, 16))))
		return false;
	return a->action != HP_ACL_POLICE || strcmp(pa[a->policer].name, pb[b->policer].name) == 0;
}

static uint64_t
rule_hash(const struct hp_acl_rule *r)
{
	uint64_t h = 1469598103934665603ull;
	const uint32_t v[] = {r->priority,
			      (uint32_t)r->action,
			      r->sport_lo,
			      r->sport_hi,
			      r->dport_lo,
			      r->dport_hi,
			      r->has_proto ? r->proto : 256u,
			      r->has_src ? r->src.len : 255u,
			      r->has_dst ? r->dst.len : 255u};

	for (size_t i = 0; i < RTE_DIM(v); i++)
		h = (h ^ v[i]) * 1099511628211ull;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ (uint64_t)(r->has_src ? r->src.addr[i] : 0) << 8 ^
		     (r->has_dst ? r->dst.addr[i] : 0)) *
		    1099511628211ull;
	return h;
}

/*
 * Counters of an ACL (cfg's rules) that replaces another (old, built from
 * old_cfg's): each new rule that is the same as an old one (each old rule
 * used once, in order) starts from the old one's hits, so adding or deleting
 * one rule leaves the others' counts alone. After the grace period (the old
 * counters are final). NULL when there is nothing to carry (or no memory:
 * counts then restart, as they did before).
 */
static struct dp_acl_rule_stats *
carry_acl_hits(unsigned n_workers, const struct dp_tables *old, const struct hp_config *old_cfg,
	       const struct hp_config *cfg)
{
	const struct hp_acl_rule *old_rules = old_cfg->acl, *rules = cfg->acl;
	unsigned n_old = old_cfg->n_acl, n = cfg->n_acl;
	struct dp_acl_rule_stats *base;
	uint32_t *slot, mask = 15;
	bool *used, any = false;

	if (n == 0 || n_old == 0 || old->acl.compiled == NULL)
		return NULL;
	while (mask + 1 < 2 * n_old)
		mask = mask * 2 + 1;
	slot = calloc((size_t)mask + 1, sizeof(*slot));
	used = calloc(n_old, sizeof(*used));
	base = calloc(n, sizeof(*base));
	if (slot == NULL || used == NULL || base == NULL)
		goto none;
	for (uint32_t j = 0; j < n_old; j++) {
		uint32_t s = (uint32_t)rule_hash(&old_rules[j]) & mask;

		while (slot[s] != 0)
			s = (s + 1) & mask;
		slot[s] = j + 1;
	}
	for (unsigned i = 0; i < n; i++) {
		for (uint32_t s = (uint32_t)rule_hash(&rules[i]) & mask; slot[s] != 0; s = (s + 1) & mask) {
			uint32_t j = slot[s] - 1;

			if (used[j] || !same_rule(&rules[i], cfg->policers, &old_rules[j], old_cfg->policers))
				continue;
			used[j] = true;
			base[i] = dp_tables_acl_hits(old, n_workers, j);
			any = true;
			break;
		}
	}
	free(slot);
	free(used);
	if (any)
		return base;
	free(base);
	return NULL;
none:
	free(slot);
	free(used);
	free(base);
	return NULL;
}

void
dp_tables_sync(const struct dp_runtime *rt)
{
	if (rt->qsv != NULL)
		rte_rcu_qsbr_synchronize(rt->qsv, RTE_QSBR_THRID_INVALID);
}

struct dp_tables *
dp_tables_publish(struct dp_runtime *rt, struct dp_tables *t, const struct hp_config *cfg)
{
	struct dp_tables *old = rt->tables;

	__atomic_store_n(&dp_tables_current, t, __ATOMIC_RELEASE);
	rt->tables = t;
	rt->publishes++;
	dp_tables_sync(rt);
	if (old != NULL) {
		t->acl.base = carry_acl_hits(rt->n_workers, old, rt->cfg, cfg);
		dp_lb_carry(t->lb, old->lb); /* the workers are done with old's counters */
	}
	return old;
}

void
dp_tables_retire(const struct dp_runtime *rt, struct dp_tables *old)
{
	if (old == NULL)
		return;
	if (rt->tables == NULL || old->fib != rt->tables->fib)
		dp_fib_free(old->fib);
	free_acl(&old->acl);
	dp_nat_free(old->ct.nat);
	dp_lb_free(old->lb);
	rte_free(old);
}

void
dp_tables_free(struct dp_tables *t)
{
	if (t == NULL)
		return;
	free_acl(&t->acl);
	dp_nat_free(t->ct.nat);
	dp_lb_free(t->lb);
	dp_fib_free(t->fib);
	rte_free(t);
}
