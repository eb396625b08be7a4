/* Publishing a request's table change: the grace period, route batches, a new ACL and its carried counters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "cmd.h"
#include "handlers.h"

/* The request's table change is done once every worker has been through a quiescent state. */
void
published(struct dp_runtime *rt)
{
	if (rt->qsv != NULL)
		rte_rcu_qsbr_synchronize(rt->qsv, RTE_QSBR_THRID_INVALID);
}

/*
 * Route changes of one batch of pipelined requests (ctl_cmd_batch) share one grace
 * period, taken before any of their replies leaves: each reply still means "every
 * worker sees it". That holds because what a route change frees is either reclaimed
 * through RCU by its owner (dp_lpm4's tbl8 groups, the neighbour hash) or never
 * reused (groups, next hops are append-only) - except rte_lpm6's tbl8 groups, which
 * 22.11 frees at once: an IPv6 delete takes its grace period before the next request.
 */
static struct {
	bool open;    /* inside a batch */
	bool pending; /* a route changed since the last grace period */
} batch;

void
published_route(struct dp_runtime *rt, const struct hp_prefix *p, bool del)
{
	if (batch.open && !(del && p->family == AF_INET6)) {
		batch.pending = true;
		return;
	}
	batch.pending = false;
	published(rt);
}

void
ctl_cmd_batch(struct dp_runtime *rt, bool begin)
{
	batch.open = begin;
	if (!begin && batch.pending) {
		batch.pending = false;
		published(rt);
	}
}

/* The same rule: every match field, the priority and the action (a policer by name). */
static bool
same_rule(const struct hp_acl_rule *a, const struct hp_policer_conf *pa, const struct hp_acl_rule *b,
	  const struct hp_policer_conf *pb)
{
	if (a->priority != b->priority || a->family != b->family || a->has_src != b->has_src ||
	    a->has_dst != b->has_dst || a->has_proto != b->has_proto || a->action != b->action ||
	    a->sport_lo != b->sport_lo || a->sport_hi != b->sport_hi || a->dport_lo != b->dport_lo ||
	    a->dport_hi != b->dport_hi || (a->has_proto && a->proto != b->proto))
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
	const uint32_t v[] = {r->priority, (uint32_t)r->action, r->sport_lo, r->sport_hi, r->dport_lo, r->dport_hi,
			      r->has_proto ? r->proto : 256u, r->has_src ? r->src.len : 255u,
			      r->has_dst ? r->dst.len : 255u};

	for (size_t i = 0; i < RTE_DIM(v); i++)
		h = (h ^ v[i]) * 1099511628211ull;
	for (size_t i = 0; i < 16; i++)
		h = (h ^ (uint64_t)(r->has_src ? r->src.addr[i] : 0) << 8 ^ (r->has_dst ? r->dst.addr[i] : 0)) *
		    1099511628211ull;
	return h;
}

/*
 * Counters of an ACL that replaces another: each new rule that is the same as an old
 * one (each old rule used once, in order) starts from the old one's hits, so adding or
 * deleting one rule leaves the others' counts alone. After the grace period (the old
 * counters are final). NULL when there is nothing to carry (or no memory: counts then
 * restart, as they did before).
 */
struct dp_acl_rule_stats *
carry_acl_hits(const struct dp_runtime *rt, const struct dp_tables *old, const struct hp_acl_rule *old_rules,
	       unsigned n_old, const struct hp_policer_conf *old_pol, const struct hp_acl_rule *rules, unsigned n,
	       const struct hp_policer_conf *pol)
{
	struct dp_acl_rule_stats *base;
	uint32_t *slot, mask = 15;
	bool *used, any = false;

	if (n == 0 || n_old == 0 || old->acl == NULL)
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

			if (used[j] || !same_rule(&rules[i], pol, &old_rules[j], old_pol))
				continue;
			used[j] = true;
			base[i] = dp_tables_acl_hits(old, rt->n_workers, j);
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

/*
 * Publish an ACL built from rules and policers: new per-worker state, one
 * pointer store of new tables, a grace period, then the old ones go. On
 * success rt->cfg takes over rules and policers (the old arrays are freed).
 */
int
publish_acl(struct dp_runtime *rt, struct hp_acl_rule *rules, unsigned n_rules, struct hp_policer_conf *policers,
	    unsigned n_policers, struct cmd_err *e)
{
	struct hp_config tmp = *rt->cfg;
	struct dp_tables *old = rt->tables, *t;
	char err[HP_ERR_MAX];
	int rc;

	tmp.acl = rules;
	tmp.n_acl = n_rules;
	tmp.policers = policers;
	tmp.n_policers = n_policers;
	t = rte_zmalloc("hp_tables", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*t = *old; /* the same FIB; a new ACL part */
	memset(t->acl_worker, 0, sizeof(t->acl_worker));
	t->acl = NULL;
	t->acl_base = NULL;
	if ((rc = dp_tables_build_acl(t, &tmp, &rt->map, err, sizeof(err))) < 0) {
		rte_free(t);
		return fail(e, rc == -ENOMEM || errno == ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	__atomic_store_n(&dp_tables_current, t, __ATOMIC_RELEASE);
	rt->tables = t;
	published(rt);
	t->acl_base = carry_acl_hits(rt, old, rt->cfg->acl, rt->cfg->n_acl, rt->cfg->policers, rules, n_rules, policers);
	dp_tables_free_acl(old);
	rte_free(old);
	if (rules != rt->cfg->acl)
		free(rt->cfg->acl);
	if (policers != rt->cfg->policers)
		free(rt->cfg->policers);
	rt->cfg->acl = rules;
	rt->cfg->n_acl = n_rules;
	rt->cfg->policers = policers;
	rt->cfg->n_policers = n_policers;
	return 0;
}
