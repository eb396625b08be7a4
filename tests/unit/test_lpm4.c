/* Unit tests of the IPv4 LPM: against rte_lpm, tbl8 exhaustion, bulk lookups, RCU reclamation, load speed. */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <CUnit/Basic.h>
#include <rte_eal.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "../cunit_run.h"
#include "../eal_test.h"

/* the module under test, with its debug checks: freed groups read as a poison next hop */
#define DP_LPM4_DEBUG 1
#include "lpm4.c"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t
prefix_end(uint32_t ip, uint8_t depth) /* last address */
{
	return ip | ~depth_mask(depth);
}

static void
test_basics(void)
{
	struct dp_lpm4 *l = dp_lpm4_create("t_basic", SOCKET_ID_ANY, 64, 4);
	uint32_t nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_PTR_NULL(dp_lpm4_create("a_name_longer_than_20_chars", SOCKET_ID_ANY, 64, 4));
	CU_ASSERT_EQUAL(rte_errno, EINVAL);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x01020304, &nh), -ENOENT);
	/* default route, host bits ignored, /32 */
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x12345678, 0, 7), 0);
	CU_ASSERT_EQUAL(dp_lpm4_is_rule_present(l, 0, 0, &nh), 1);
	CU_ASSERT_EQUAL(nh, 7);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xffffffff, &nh), 0);
	CU_ASSERT_EQUAL(nh, 7);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0xc0a801ff, 24, 8), 0);
	CU_ASSERT_EQUAL(dp_lpm4_is_rule_present(l, 0xc0a80100, 24, NULL), 1);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0xc0a80105, 32, DP_LPM4_MAX_NH), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xc0a80105, &nh), 0);
	CU_ASSERT_EQUAL(nh, DP_LPM4_MAX_NH);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xc0a80106, &nh), 0);
	CU_ASSERT_EQUAL(nh, 8);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 3);
	/* replace */
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0xc0a80100, 24, 9), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xc0a801fe, &nh), 0);
	CU_ASSERT_EQUAL(nh, 9);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 3);
	/* bad arguments */
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0, 33, 1), -EINVAL);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0, 8, DP_LPM4_MAX_NH + 1), -EINVAL);
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0, 33), -EINVAL);
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0xc0a80100, 25), -ENOENT);
	/* deletes fall back to the covering rule, then to nothing */
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0xc0a80105, 32), 0);
	CU_ASSERT_EQUAL(l->tbl24[0xc0a801] & DP_LPM4_EXT, 0); /* folded */
	CU_ASSERT_EQUAL(l->ctl->n_free, 4);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xc0a80105, &nh), 0);
	CU_ASSERT_EQUAL(nh, 9);
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0xc0a80100, 24), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xc0a80105, &nh), 0);
	CU_ASSERT_EQUAL(nh, 7);
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0, 0), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0xc0a80105, &nh), -ENOENT);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 0);
	dp_lpm4_free(l);
	dp_lpm4_free(NULL);
}

/* ---- (a) against rte_lpm ---- */

#define DIFF_OPS 200000
#define DIFF_BATCH 1000
#define DIFF_RANDOM 10000
#define DIFF_LIVE_MAX 6000
#define DIFF_CLUSTERS 48

struct ref {
	struct rte_lpm *lpm; /* depths 1..32 */
	bool def;            /* and the default route, which rte_lpm cannot hold */
	uint32_t def_nh;
};

static uint32_t clusters[DIFF_CLUSTERS];

static int
ref_lookup(const struct ref *r, uint32_t ip, uint32_t *nh)
{
	if (rte_lpm_lookup(r->lpm, ip, nh) == 0)
		return 0;
	if (!r->def)
		return -ENOENT;
	*nh = r->def_nh;
	return 0;
}

/* A prefix: short ones rare (they rewrite millions of entries), nested and shared /24s common. */
static void
random_prefix(uint32_t *ip, uint8_t *depth)
{
	unsigned r = rnd() % 1000;

	if (r < 1)
		*depth = (uint8_t)(rnd() % 9);
	else if (r < 100)
		*depth = (uint8_t)(9 + rnd() % 8);
	else if (r < 550)
		*depth = (uint8_t)(17 + rnd() % 8);
	else
		*depth = (uint8_t)(25 + rnd() % 8);
	if (rnd() % 100 < 85)
		*ip = clusters[rnd() % DIFF_CLUSTERS] | (rnd() % 16) << 8 | (rnd() & 0xff);
	else
		*ip = rnd();
	*ip &= depth_mask(*depth);
}

static uint32_t
random_addr(void)
{
	if (rnd() & 1)
		return rnd();
	return clusters[rnd() % DIFF_CLUSTERS] | (rnd() & 0xffff);
}

static unsigned
compare(const struct dp_lpm4 *l, const struct ref *r, uint32_t ip)
{
	uint32_t a = 0xdead, b = 0xbeef;
	int ra = dp_lpm4_lookup(l, ip, &a), rb = ref_lookup(r, ip, &b);

	if (ra != rb || (ra == 0 && a != b)) {
		printf("\n  %08x: dp_lpm4 %d/%u, rte_lpm %d/%u", ip, ra, a, rb, b);
		return 1;
	}
	return 0;
}

static void
test_differential(void)
{
	struct rte_lpm_config cfg = {.max_rules = 2 * DIFF_LIVE_MAX, .number_tbl8s = 8192};
	struct ref r = {.lpm = rte_lpm_create("t_ref", SOCKET_ID_ANY, &cfg)};
	struct dp_lpm4 *l = dp_lpm4_create("t_diff", SOCKET_ID_ANY, 2 * DIFF_LIVE_MAX, 8192);
	static uint32_t live_ip[2 * DIFF_LIVE_MAX], addrs[DIFF_RANDOM], hops[DIFF_RANDOM];
	static uint8_t live_depth[2 * DIFF_LIVE_MAX];
	unsigned n_live = 0, bad = 0, checked = 0;
	unsigned ops[5] = {0}; /* add, replace, delete, delete absent, lookup mismatches */

	CU_ASSERT_PTR_NOT_NULL_FATAL(r.lpm);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	for (unsigned i = 0; i < DIFF_CLUSTERS; i++)
		clusters[i] = rnd() & 0xffff0000;
	for (unsigned op = 0; op < DIFF_OPS && bad == 0; op++) {
		unsigned p = rnd() % 100;
		uint32_t ip, nh = rnd() & DP_LPM4_MAX_NH, got;
		uint8_t depth;
		int ra, rb;

		if (p < 50 && n_live < DIFF_LIVE_MAX) { /* add, or replace when it exists */
			random_prefix(&ip, &depth);
			bool had = dp_lpm4_is_rule_present(l, ip, depth, NULL);
			ra = dp_lpm4_add(l, ip, depth, nh);
			if (depth == 0) {
				rb = 0;
				r.def = true;
				r.def_nh = nh;
			} else {
				rb = rte_lpm_add(r.lpm, ip, depth, nh);
			}
			CU_ASSERT_EQUAL(ra, 0);
			CU_ASSERT_EQUAL(rb, 0);
			if (!had) {
				live_ip[n_live] = ip;
				live_depth[n_live++] = depth;
			}
			ops[had]++;
		} else if (p < 60 && n_live > 0) { /* replace an existing rule's next hop */
			unsigned k = rnd() % n_live;
			CU_ASSERT_EQUAL(dp_lpm4_add(l, live_ip[k], live_depth[k], nh), 0);
			if (live_depth[k] == 0)
				r.def_nh = nh;
			else
				CU_ASSERT_EQUAL(rte_lpm_add(r.lpm, live_ip[k], live_depth[k], nh), 0);
			ops[1]++;
		} else if (p < 95 && n_live > 0) { /* delete an existing rule */
			unsigned k = rnd() % n_live;
			CU_ASSERT_EQUAL(dp_lpm4_delete(l, live_ip[k], live_depth[k]), 0);
			if (live_depth[k] == 0)
				r.def = false;
			else
				CU_ASSERT_EQUAL(rte_lpm_delete(r.lpm, live_ip[k], live_depth[k]), 0);
			live_ip[k] = live_ip[--n_live];
			live_depth[k] = live_depth[n_live];
			ops[2]++;
		} else { /* delete a rule that may be absent; rte_lpm says -EINVAL for that */
			random_prefix(&ip, &depth);
			bool had = dp_lpm4_is_rule_present(l, ip, depth, NULL);
			ra = dp_lpm4_delete(l, ip, depth);
			if (had) {
				CU_ASSERT_EQUAL(ra, 0);
				if (depth == 0)
					r.def = false;
				else
					CU_ASSERT_EQUAL(rte_lpm_delete(r.lpm, ip, depth), 0);
				for (unsigned k = 0; k < n_live; k++)
					if (live_ip[k] == ip && live_depth[k] == depth) {
						live_ip[k] = live_ip[--n_live];
						live_depth[k] = live_depth[n_live];
						break;
					}
				ops[2]++;
			} else {
				CU_ASSERT_EQUAL(ra, -ENOENT);
				CU_ASSERT(depth == 0 || rte_lpm_delete(r.lpm, ip, depth) < 0);
				ops[3]++;
			}
		}
		/* the rules themselves agree */
		random_prefix(&ip, &depth);
		uint32_t nh2 = 0;
		if (depth > 0)
			CU_ASSERT_EQUAL(dp_lpm4_is_rule_present(l, ip, depth, &got),
					rte_lpm_is_rule_present(r.lpm, ip, depth, &nh2));
		if (depth > 0 && rte_lpm_is_rule_present(r.lpm, ip, depth, &nh2) == 1)
			CU_ASSERT_EQUAL(got, nh2);

		if ((op + 1) % DIFF_BATCH != 0)
			continue;
		CU_ASSERT_EQUAL_FATAL(dp_lpm4_n_rules(l), n_live);
		for (unsigned i = 0; i < DIFF_RANDOM; i++) {
			addrs[i] = random_addr();
			bad += compare(l, &r, addrs[i]);
		}
		/* bulk agrees with single lookups */
		dp_lpm4_lookup_bulk(l, addrs, hops, DIFF_RANDOM);
		for (unsigned i = 0; i < DIFF_RANDOM; i++) {
			uint32_t a;
			int ra2 = dp_lpm4_lookup(l, addrs[i], &a);
			if (ra2 == 0)
				bad += hops[i] != (a | RTE_LPM_LOOKUP_SUCCESS);
			else
				bad += (hops[i] & RTE_LPM_LOOKUP_SUCCESS) != 0;
		}
		for (unsigned k = 0; k < n_live; k++) {
			uint32_t first = live_ip[k], last = prefix_end(first, live_depth[k]);

			bad += compare(l, &r, first) + compare(l, &r, last) + compare(l, &r, first - 1) +
			       compare(l, &r, last + 1);
		}
		checked += DIFF_RANDOM + 4 * n_live;
	}
	ops[4] = bad;
	printf("\n  %u ops (%u adds, %u replacements, %u deletes, %u deletes of absent rules), "
	       "%u rules at the end, %u lookups compared, %u mismatches ",
	       ops[0] + ops[1] + ops[2] + ops[3], ops[0], ops[1], ops[2], ops[3], n_live, checked, bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(ops[0] + ops[1] + ops[2] + ops[3] >= DIFF_OPS);
	/* delete everything: every group comes back */
	while (n_live > 0) {
		n_live--;
		CU_ASSERT_EQUAL(dp_lpm4_delete(l, live_ip[n_live], live_depth[n_live]), 0);
	}
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 0);
	CU_ASSERT_EQUAL(l->ctl->n_free, l->ctl->n_tbl8);
	for (unsigned i = 0; i < DIFF_RANDOM; i++) {
		uint32_t nh;
		CU_ASSERT_EQUAL(dp_lpm4_lookup(l, random_addr(), &nh), -ENOENT);
	}
	rte_lpm_free(r.lpm);
	dp_lpm4_free(l);
}

/* ---- (b) tbl8 groups and rules run out ---- */

#define SNAP_N (3 * 65536)

/* Lookups of 10.0.0.0/16, 10.1.0.0/16 and 10.2.0.0/16, as hits (nh | SUCCESS) or 0. */
static void
snapshot(const struct dp_lpm4 *l, uint32_t *out)
{
	for (uint32_t i = 0; i < SNAP_N; i++) {
		uint32_t nh;
		out[i] = dp_lpm4_lookup(l, 0x0a000000 + i, &nh) == 0 ? nh | DP_LPM4_LOOKUP_SUCCESS : 0;
	}
}

static void
test_exhaustion(void)
{
	static uint32_t before[SNAP_N], after[SNAP_N];
	struct dp_lpm4 *l = dp_lpm4_create("t_full", SOCKET_ID_ANY, 20, 8);
	uint32_t nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000000, 16, 1), 0);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a010000, 16, 2), 0);
	/* 8 /24s with long rules: every group in use */
	for (uint32_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000000 | i << 8 | 0x80, 25, 10 + i), 0);
	CU_ASSERT_EQUAL(l->ctl->n_free, 0);
	snapshot(l, before);
	/* a ninth /24 needs a group: refused, nothing changed */
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a010a40, 26, 99), -ENOSPC);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a020a05, 32, 99), -ENOSPC);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 10);
	CU_ASSERT_EQUAL(dp_lpm4_is_rule_present(l, 0x0a010a40, 26, NULL), 0);
	snapshot(l, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
	/* a /24 that has its group takes more long rules */
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000307, 32, 50), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a000307, &nh), 0);
	CU_ASSERT_EQUAL(nh, 50);
	/* rules run out: 20 */
	for (uint32_t i = 0; dp_lpm4_n_rules(l) < 20; i++)
		CU_ASSERT_EQUAL_FATAL(dp_lpm4_add(l, 0x0b000000 | i << 8, 24, 60 + i), 0);
	snapshot(l, before);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a020000, 16, 3), -ENOSPC);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0, 0, 3), -ENOSPC);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 20);
	snapshot(l, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0c000000, &nh), -ENOENT);
	/* a replacement needs no room */
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a010000, 16, 4), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a010203, &nh), 0);
	CU_ASSERT_EQUAL(nh, 4);
	/* the last long rule of a /24 goes: its group is free again (no RCU: at once) */
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0x0a000280, 25), 0);
	CU_ASSERT_EQUAL(l->ctl->n_free, 1);
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0x0b000000, 24), 0);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a010a40, 26, 99), 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a010a7f, &nh), 0);
	CU_ASSERT_EQUAL(nh, 99);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a010a80, &nh), 0);
	CU_ASSERT_EQUAL(nh, 4);
	dp_lpm4_free(l);
}

/* ---- (c) bulk lookups ---- */

static void
test_bulk(void)
{
	struct rte_lpm_config cfg = {.max_rules = 4096, .number_tbl8s = 1024};
	struct rte_lpm *ref = rte_lpm_create("t_bulkref", SOCKET_ID_ANY, &cfg);
	struct dp_lpm4 *l = dp_lpm4_create("t_bulk", SOCKET_ID_ANY, 4096, 1024);
	uint32_t ips[100], hops[100], rhops[100];
	unsigned hits = 0, misses = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
	/* no default route: misses are common */
	for (unsigned i = 0; i < 2000; i++) {
		uint32_t ip = 0x0a000000 | (rnd() & 0x00ffffff);
		uint8_t depth = (uint8_t)(16 + rnd() % 17);
		uint32_t nh = rnd() & DP_LPM4_MAX_NH;

		ip &= depth_mask(depth);
		CU_ASSERT_EQUAL(dp_lpm4_add(l, ip, depth, nh), 0);
		CU_ASSERT_EQUAL(rte_lpm_add(ref, ip, depth, nh), 0);
	}
	for (unsigned round = 0; round < 20000; round++) {
		unsigned n = round % 101;

		for (unsigned i = 0; i < n; i++)
			ips[i] = (rnd() & 1) ? 0x0a000000 | (rnd() & 0x00ffffff) : rnd();
		dp_lpm4_lookup_bulk(l, ips, hops, n);
		if (n > 0) /* its VLA may not be empty */
			rte_lpm_lookup_bulk(ref, ips, rhops, n);
		for (unsigned i = 0; i < n; i++) {
			uint32_t nh;

			if (dp_lpm4_lookup(l, ips[i], &nh) == 0) {
				CU_ASSERT_EQUAL(hops[i], nh | RTE_LPM_LOOKUP_SUCCESS);
				hits++;
			} else {
				CU_ASSERT_EQUAL(hops[i] & RTE_LPM_LOOKUP_SUCCESS, 0);
				misses++;
			}
			/* and as rte_lpm's callers read it */
			CU_ASSERT_EQUAL(hops[i] & RTE_LPM_LOOKUP_SUCCESS, rhops[i] & RTE_LPM_LOOKUP_SUCCESS);
			if (rhops[i] & RTE_LPM_LOOKUP_SUCCESS)
				CU_ASSERT_EQUAL(hops[i] & 0x00ffffff, rhops[i] & 0x00ffffff);
		}
	}
	printf("\n  %u bulk results: %u hits, %u misses ", hits + misses, hits, misses);
	CU_ASSERT(hits > 10000 && misses > 10000);
	rte_lpm_free(ref);
	dp_lpm4_free(l);
}

/* ---- (d) RCU ---- */

static struct rte_rcu_qsbr *
qsbr_new(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);
	struct rte_rcu_qsbr *v = rte_zmalloc("t_qsbr", sz, RTE_CACHE_LINE_SIZE);

	if (v != NULL && rte_rcu_qsbr_init(v, 2) != 0) {
		rte_free(v);
		return NULL;
	}
	return v;
}

/* A group freed while a reader is online comes back only after that reader's quiescent state. */
static void
test_rcu_grace(void)
{
	struct rte_rcu_qsbr *v = qsbr_new();
	struct dp_lpm4 *l = dp_lpm4_create("t_grace", SOCKET_ID_ANY, 64, 4);
	static uint32_t before[SNAP_N], after[SNAP_N];
	uint32_t g0, nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(dp_lpm4_rcu_qsbr_add(l, v), 0);
	CU_ASSERT_EQUAL(dp_lpm4_rcu_qsbr_add(l, v), -EEXIST);
	/* reader 0 is online (this thread plays it: QSBR is counters) */
	CU_ASSERT_EQUAL(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000000, 8, 1), 0);
	for (uint32_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000000 | i << 8 | 0x10, 28, 10 + i), 0);
	CU_ASSERT_EQUAL(l->ctl->n_free, 0);
	g0 = l->tbl24[0x0a0000] & DP_LPM4_NH_MASK;
	/* fold 10.0.0.0/24: its group waits for the reader */
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0x0a000010, 28), 0);
	CU_ASSERT_EQUAL(l->tbl24[0x0a0000], 1 | DP_LPM4_LOOKUP_SUCCESS);
	CU_ASSERT_EQUAL(l->ctl->n_deferred, 1);
	CU_ASSERT_EQUAL(l->ctl->n_reclaimed, 0);
	/* a reader still inside it reads the old (right) values, not poison */
	CU_ASSERT_EQUAL(l->tbl8[g0 * DP_LPM4_TBL8_GROUP + 0x11], 1 | DP_LPM4_LOOKUP_SUCCESS);
	/* so a fifth /24 finds no group, and nothing changes */
	snapshot(l, before);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000410, 28, 14), -ENOSPC);
	CU_ASSERT_EQUAL(l->ctl->n_reclaimed, 0);
	snapshot(l, after);
	CU_ASSERT_EQUAL(memcmp(before, after, sizeof(before)), 0);
	/* the reader passes a quiescent state: the group is reused */
	rte_rcu_qsbr_quiescent(v, 0);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000410, 28, 14), 0);
	CU_ASSERT_EQUAL(l->ctl->n_reclaimed, 1);
	CU_ASSERT_EQUAL(l->tbl24[0x0a0004], g0 | DP_LPM4_EXT);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a000411, &nh), 0);
	CU_ASSERT_EQUAL(nh, 14);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a000421, &nh), 0);
	CU_ASSERT_EQUAL(nh, 1);
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_rcu_qsbr_thread_unregister(v, 0);
	dp_lpm4_free(l);
	rte_free(v);
}

/*
 * A reader thread looks up addresses whose rules never change while the
 * writer churns long prefixes beside them (in the same /24s, so those fold
 * and take groups again) and in other /24s, with fewer groups than /24s:
 * groups are reused all the time. Freed groups read as poison.
 */
#define RCU_SLASH24 16 /* churned /24s: 10.1.0-7.0 (the reader's) and 10.2.0-7.0 */
#define RCU_GROUPS 12
#define RCU_OPS 300000
#define RCU_LIVE_MAX 64

struct reader {
	struct dp_lpm4 *l;
	struct rte_rcu_qsbr *v;
	volatile bool ready, stop;
	uint64_t passes, lookups, wrong;
};

static uint32_t
reader_addr(unsigned i, uint32_t *expect)
{
	/* the high halves of the churned /24s: 10.1.s.128-255 -> 10.1.0.0/16 (2),
	 * 10.2.s.128-255 -> 10.0.0.0/8 (1) */
	unsigned s = i % RCU_SLASH24;

	*expect = s < 8 ? 2 : 1;
	return (s < 8 ? 0x0a010000 : 0x0a020000) | (s % 8) << 8 | (128 + (i / RCU_SLASH24 * 37) % 128);
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	uint32_t ips[64], expect[64];

	for (unsigned i = 0; i < 64; i++)
		ips[i] = reader_addr(i, &expect[i]);
	rte_rcu_qsbr_thread_register(rd->v, 1);
	rte_rcu_qsbr_thread_online(rd->v, 1);
	rd->ready = true;
	while (!rd->stop) {
		for (unsigned i = 0; i < 64; i++) {
			uint32_t nh;

			if (dp_lpm4_lookup(rd->l, ips[i], &nh) != 0 || nh != expect[i])
				rd->wrong++;
		}
		rd->lookups += 64;
		rd->passes++;
		rte_rcu_qsbr_quiescent(rd->v, 1);
	}
	rte_rcu_qsbr_thread_offline(rd->v, 1);
	rte_rcu_qsbr_thread_unregister(rd->v, 1);
	return NULL;
}

static void
test_rcu_readers(void)
{
	struct rte_rcu_qsbr *v = qsbr_new();
	struct dp_lpm4 *l = dp_lpm4_create("t_rcu", SOCKET_ID_ANY, 4096, RCU_GROUPS);
	struct reader rd = {0};
	uint32_t live_ip[RCU_LIVE_MAX];
	uint8_t live_depth[RCU_LIVE_MAX];
	unsigned n_live = 0, nospc = 0, folds = 0;
	pthread_attr_t attr;
	cpu_set_t cpus;
	pthread_t th;
	double t0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(dp_lpm4_rcu_qsbr_add(l, v), 0);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a000000, 8, 1), 0);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0x0a010000, 16, 2), 0);
	rd.l = l;
	rd.v = v;
	/* EAL pinned this thread to lcore 0: the reader may run on any CPU, beside the writer */
	CPU_ZERO(&cpus);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, &attr, reader_main, &rd), 0);
	pthread_attr_destroy(&attr);
	while (!rd.ready)
		sched_yield();
	t0 = now_s();
	for (unsigned op = 0; op < RCU_OPS; op++) {
		if (n_live < RCU_LIVE_MAX && (n_live == 0 || rnd() % 2 == 0)) {
			/* a long prefix in the low half of a churned /24 (never the reader's addresses) */
			unsigned s = rnd() % RCU_SLASH24;
			uint8_t depth = (uint8_t)(25 + rnd() % 8);
			uint32_t ip = (s < 8 ? 0x0a010000 : 0x0a020000) | (s % 8) << 8 | (rnd() & 0x7f);
			int rc;

			ip &= depth_mask(depth);
			rc = dp_lpm4_add(l, ip, depth, 1000 + (rnd() & 0xfff));
			if (rc == -ENOSPC) {
				/* every group in use or waiting for the reader: wait for it (hotpathd does) */
				nospc++;
				rte_rcu_qsbr_synchronize(v, RTE_QSBR_THRID_INVALID);
				continue;
			}
			CU_ASSERT_EQUAL(rc, 0);
			bool dup = false;
			for (unsigned k = 0; k < n_live && !dup; k++)
				dup = live_ip[k] == ip && live_depth[k] == depth;
			if (!dup) {
				live_ip[n_live] = ip;
				live_depth[n_live++] = depth;
			}
		} else {
			unsigned k = rnd() % n_live;
			uint64_t d0 = l->ctl->n_deferred;

			CU_ASSERT_EQUAL(dp_lpm4_delete(l, live_ip[k], live_depth[k]), 0);
			folds += l->ctl->n_deferred != d0;
			live_ip[k] = live_ip[--n_live];
			live_depth[k] = live_depth[n_live];
		}
	}
	rd.stop = true;
	pthread_join(th, NULL);
	printf("\n  %u changes in %.2f s, %u folds (groups deferred %" PRIu64 ", reclaimed %" PRIu64
	       "), "
	       "%u adds refused for want of a group; reader: %" PRIu64 " passes, %" PRIu64
	       " lookups, "
	       "%" PRIu64 " wrong ",
	       RCU_OPS, now_s() - t0, folds, l->ctl->n_deferred, l->ctl->n_reclaimed, nospc, rd.passes,
	       rd.lookups, rd.wrong);
	CU_ASSERT_EQUAL(rd.wrong, 0);
	CU_ASSERT(rd.passes > 0);
	CU_ASSERT(folds > 1000);
	CU_ASSERT(l->ctl->n_reclaimed > 1000);
	CU_ASSERT(l->ctl->n_reclaimed <= l->ctl->n_deferred);
	dp_lpm4_free(l);
	rte_free(v);
}

/* The rib grows by copying (depth 0 too); every rule survives, with its next hop. */
static void
test_rib_growth(void)
{
	const unsigned n = 40000;
	struct dp_lpm4 *l = dp_lpm4_create("t_grow", SOCKET_ID_ANY, 100000, 16384);
	static uint32_t ips[40000], nhs[40000];
	static uint8_t depths[40000];
	unsigned k = 0, bad = 0;
	uint32_t nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->ctl->rib_cap, LPM4_RIB_START);
	CU_ASSERT_EQUAL(dp_lpm4_add(l, 0, 0, 1), 0);
	while (k < n) {
		uint8_t depth = (uint8_t)(1 + rnd() % 32);
		/* 10.0.0.0/10: at most 16384 /24s take a group */
		uint32_t ip = (0x0a000000 | (rnd() & 0x003fffff)) & depth_mask(depth);

		if (dp_lpm4_is_rule_present(l, ip, depth, NULL))
			continue;
		ips[k] = ip;
		depths[k] = depth;
		nhs[k] = rnd() & DP_LPM4_MAX_NH;
		CU_ASSERT_EQUAL_FATAL(dp_lpm4_add(l, ip, depth, nhs[k]), 0);
		k++;
	}
	CU_ASSERT(l->ctl->rib_cap >= 65536);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), n + 1);
	CU_ASSERT_EQUAL(dp_lpm4_is_rule_present(l, 0, 0, &nh), 1);
	CU_ASSERT_EQUAL(nh, 1);
	for (k = 0; k < n; k++)
		bad += dp_lpm4_is_rule_present(l, ips[k], depths[k], &nh) != 1 || nh != nhs[k];
	CU_ASSERT_EQUAL(bad, 0);
	for (k = 0; k < n; k++)
		bad += dp_lpm4_delete(l, ips[k], depths[k]) != 0;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a0b0c0d, &nh), 0);
	CU_ASSERT_EQUAL(nh, 1);
	CU_ASSERT_EQUAL(dp_lpm4_delete(l, 0, 0), 0);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), 0);
	CU_ASSERT_EQUAL(l->ctl->n_free, l->ctl->n_tbl8);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(l, 0x0a0b0c0d, &nh), -ENOENT);
	dp_lpm4_free(l);
}

/* ---- (e) speed ---- */

static void
test_speed(void)
{
	const uint32_t n = 1000000;
	struct dp_lpm4 *l = dp_lpm4_create("t_speed", SOCKET_ID_ANY, n + 16, 256);
	double t0, t_add, t_del;
	unsigned bad = 0;
	uint32_t nh;

	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	/* the control benchmark's routes: /24s in 16.0.0.0/4 */
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++)
		bad += dp_lpm4_add(l, (16u << 24) + (i << 8), 24, i & 0xffff) != 0;
	t_add = now_s() - t0;
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(dp_lpm4_n_rules(l), n);
	for (uint32_t i = 0; i < n; i += 997)
		bad += dp_lpm4_lookup(l, (16u << 24) + (i << 8) + 5, &nh) != 0 || nh != (i & 0xffff);
	CU_ASSERT_EQUAL(bad, 0);
	t0 = now_s();
	for (uint32_t i = 0; i < n; i++)
		bad += dp_lpm4_delete(l, (16u << 24) + (i << 8), 24) != 0;
	t_del = now_s() - t0;
	CU_ASSERT_EQUAL(bad, 0);
	printf("\n  1,000,000 /24 adds: %.3f s (%.0f ns each, rib grown to %u rules); deletes: %.3f s ",
	       t_add, t_add * 1e9 / n, l->ctl->rib_cap, t_del);
	dp_lpm4_free(l);
}

/* hp_test_eal_init with more memory: a million rules' rib (~400 MiB) and the one it grew from. */
static int
eal_init(void)
{
	static char prefix[64];
	char *args[] = {"lpm4",        "-l",       "0",
			"--no-huge",   "-m",       "1536",
			"--no-shconf", "--no-pci", "--no-telemetry",
			"--log-level", "*:error",  "--file-prefix",
			prefix,        NULL};
	int rc;

	snprintf(prefix, sizeof(prefix), "hp-test-lpm4-%d", getpid());
	atexit(hp_test_remove_runtime_dir);
	rc = rte_eal_init((int)(sizeof(args) / sizeof(args[0])) - 1, args);
	snprintf(hp_test_runtime_dir, sizeof(hp_test_runtime_dir), "%s", rte_eal_get_runtime_dir());
	if (rc < 0)
		return hp_test_eal_failed("lpm4");
	return 0;
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"basics: default route, /32, replace, fold, bad arguments", test_basics},
		{"200,000 random changes against rte_lpm", test_differential},
		{"tbl8 groups and rules run out: table unchanged", test_exhaustion},
		{"bulk lookups equal single lookups and rte_lpm's", test_bulk},
		{"RCU: a freed group waits for the grace period", test_rcu_grace},
		{"RCU: a reader never sees a wrong next hop under churn", test_rcu_readers},
		{"the rib grows and keeps every rule", test_rib_growth},
		{"speed: 1,000,000 /24 adds", test_speed},
	};
	int rc;

	if (eal_init() < 0)
		return 77;
	rc = HP_CUNIT_RUN("lpm4", tests);
	rte_eal_cleanup();
	return rc;
}
