/* Unit tests of table sets: feature bits, the fast paths stepping aside for a stage, publishing and ACL counter carry-over. */
#include <stdio.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "../cunit_run.h"
#include "../eal_test.h"
#include "config.h"

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "l3.h"
#include "runtime.h"
#include "ct.h"
#include "tables.h"
#include "tx.h"

#define CONFIG                                                                                   \
	"ports:\n"                                                                               \
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24] }\n" \
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24] }\n" \
	"neighbors:\n"                                                                           \
	"  - { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 }\n"                           \
	"routes:\n"                                                                              \
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"

#define RULE_DENY7 "  - { priority: 1, dst: 198.18.0.7/32, action: deny }\n"
#define RULE_COUNT "  - { priority: 2, dst: 198.18.0.0/16, action: count }\n"
#define RULE_ICMP "  - { priority: 0, proto: icmp, action: permit }\n"

/* 198.18.0.x: a routed destination (p1, neighbour resolved) */
#define DST(x) (0xc6120000u | (x))

static struct rte_mempool *pool;
static struct dp_worker *worker;
static struct dp_runtime rt;
static struct hp_config cfgs[4];
static char err[HP_ERR_MAX];

static struct hp_config *
load(unsigned slot, const char *acl_part)
{
	char text[2048];
	struct hp_config *c = &cfgs[slot];

	hp_config_free(c);
	memset(c, 0, sizeof(*c));
	snprintf(text, sizeof(text), "%s%s", CONFIG, acl_part);
	CU_ASSERT_EQUAL_FATAL(hp_config_parse("tables.yaml", text, strlen(text), c, err, sizeof(err)), 0);
	return c;
}

/* A runtime of two ports and one worker around cfg, with no tables yet. */
static void
rt_reset(struct hp_config *cfg)
{
	struct rte_rcu_qsbr *qsv = rt.qsv;

	ct_table_free(rt.ct); /* the table a tracking set made */
	memset(&rt, 0, sizeof(rt));
	rt.qsv = qsv;
	rt.cfg = cfg;
	rt.ports.n = cfg->n_ports;
	for (unsigned p = 0; p < cfg->n_ports; p++)
		memcpy(rt.ports.ports[p].mac.addr_bytes, cfg->ports[p].mac, 6);
	rt.map.n_workers = 1;
	rt.map.workers[0].lcore = rte_lcore_id();
	rt.n_workers = 1;
}

static struct dp_tables *
build(const struct hp_config *cfg)
{
	struct dp_tables *t = NULL;

	CU_ASSERT_EQUAL(dp_tables_build(&rt, cfg, &t, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	return t;
}

/*
 * One plain UDP/IPv4 packet (what dp_fast4_ok takes) from p0's side to dst
 * through dp_l3_burst with t. Returns the port it was sent on, or -1 with
 * *why the drop reason.
 */
static int
send_one(const struct dp_tables *t, uint32_t dst, unsigned *why)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	struct dp_rxq rxq = {.mode = HP_MODE_L3, .port = 0};
	uint64_t drops[DP_DROP_MAX];
	static const uint8_t src_mac[6] = {0x02, 0, 0, 0, 0, 0x02};
	uint8_t f[60] = {0};
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(f + 14);
	char *d;
	int port = -1;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	memcpy(f, rt.cfg->ports[0].mac, 6);
	memcpy(f + 6, src_mac, 6);
	f[12] = 0x08;
	ip->version_ihl = 0x45;
	ip->total_length = rte_cpu_to_be_16(28);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_UDP;
	ip->src_addr = rte_cpu_to_be_32(0x0a000002);
	ip->dst_addr = rte_cpu_to_be_32(dst);
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	f[34] = 0x30, f[35] = 0x39, f[37] = 0x35, f[39] = 8; /* UDP 12345 -> 53, length 8 */
	d = rte_pktmbuf_append(m, sizeof(f));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	memcpy(d, f, sizeof(f));

	memcpy(drops, worker->drops, sizeof(drops));
	dp_l3_burst(worker, t, &rxq, &m, 1, rte_rdtsc());
	for (unsigned p = 0; p < 2; p++) {
		struct dp_txbuf *b = &worker->tx[p];

		for (uint16_t i = 0; i < b->n; i++) {
			CU_ASSERT_EQUAL(port, -1);
			port = (int)p;
			rte_pktmbuf_free(b->pkts[i]);
		}
		dp_txbuf_reset(b);
	}
	worker->tx_pending = 0;
	CU_ASSERT_EQUAL(rte_ring_count(worker->punt), 0);
	*why = 0;
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		if (worker->drops[r] != drops[r])
			*why = r;
	CU_ASSERT((port >= 0) != (*why != 0));
	return port;
}

static void
test_fast_path_choice(void)
{
	CU_ASSERT_EQUAL(dp_l3_fast_path(0, 0), DP_L3_FAST_PLAIN);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_ACL, 0), DP_L3_FAST_ACL);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_ACL_DENY, 0), DP_L3_FAST_NONE);
	/* a stage no fast path knows, alone or beside the ACL */
	CU_ASSERT_EQUAL(dp_l3_fast_path(1u << 31, 0), DP_L3_FAST_NONE);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_ACL | 1u << 31, 0), DP_L3_FAST_NONE);
	/* connection tracking, with NAT and an ACL or not: the established fast path */
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT, 0), DP_L3_FAST_CT);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT | DP_FEAT_NAT, 0), DP_L3_FAST_CT);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT | DP_FEAT_ACL, 0), DP_L3_FAST_CT);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT | DP_FEAT_NAT | DP_FEAT_ACL_DENY, 0), DP_L3_FAST_CT);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT | 1u << 31, 0), DP_L3_FAST_NONE);
	/* the ACL's fields decide established packets: no skipping it */
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT | DP_FEAT_ACL, -1), DP_L3_FAST_NONE);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_CT | DP_FEAT_ACL, 3), DP_L3_FAST_CT);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_ACL, -1), DP_L3_FAST_ACL);
	/* the load balancer alone has its own; beside another stage, the general path */
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_LB, 0), DP_L3_FAST_LB);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_LB | DP_FEAT_ACL, 0), DP_L3_FAST_NONE);
	CU_ASSERT_EQUAL(dp_l3_fast_path(DP_FEAT_LB | DP_FEAT_CT, 0), DP_L3_FAST_NONE);
}

static void
test_features(void)
{
	static const struct {
		const char *acl;
		uint32_t features;
	} cases[] = {
		{"", 0},
		{"acl_default: permit\n", 0},
		{"acl_default: deny\n", DP_FEAT_ACL_DENY},
		{"acl:\n" RULE_DENY7, DP_FEAT_ACL},
		{"acl_default: deny\nacl:\n" RULE_DENY7, DP_FEAT_ACL},
	};

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct dp_tables *t;

		rt_reset(load(0, cases[i].acl));
		t = build(&cfgs[0]);
		CU_ASSERT_EQUAL(t->features, cases[i].features);
		CU_ASSERT_EQUAL(dp_tables_features(t), cases[i].features);
		dp_tables_free(t);
	}
}

/* acl_default deny without a rule: the packet the fast path would forward is dropped. */
static void
test_fast_path_steps_aside(void)
{
	struct dp_tables *t;
	unsigned why;

	rt_reset(load(0, ""));
	t = build(&cfgs[0]);
	CU_ASSERT_EQUAL(send_one(t, DST(5), &why), 1);
	dp_tables_free(t);

	rt_reset(load(0, "acl_default: deny\n"));
	t = build(&cfgs[0]);
	CU_ASSERT_EQUAL(send_one(t, DST(5), &why), -1);
	CU_ASSERT_EQUAL(why, DP_DROP_ACL_DENY);
	/* and the same on the general path alone */
	dp_l3_fast = false;
	CU_ASSERT_EQUAL(send_one(t, DST(5), &why), -1);
	CU_ASSERT_EQUAL(why, DP_DROP_ACL_DENY);
	dp_l3_fast = true;
	dp_tables_free(t);
}

/* Rules: the ACL stage denies, the fast path with the ACL's cache passes the rest. */
static void
test_acl_stage(void)
{
	struct dp_tables *t;
	struct dp_acl_rule_stats h;
	unsigned why;

	rt_reset(load(0, "acl:\n" RULE_DENY7 RULE_COUNT));
	t = build(&cfgs[0]);
	CU_ASSERT_EQUAL(send_one(t, DST(7), &why), -1);
	CU_ASSERT_EQUAL(why, DP_DROP_ACL_DENY);
	for (int k = 0; k < 3; k++) /* the first misses the cache, the others take fast_burst_acl */
		CU_ASSERT_EQUAL(send_one(t, DST(5), &why), 1);
	h = dp_tables_acl_hits(t, 1, 0);
	CU_ASSERT_EQUAL(h.packets, 1);
	h = dp_tables_acl_hits(t, 1, 1);
	CU_ASSERT_EQUAL(h.packets, 3);
	CU_ASSERT(dp_acl_worker_cache_stats(t->acl.worker[0], DP_L3_IPV4)->hits >= 2);
	dp_tables_free(t);
}

/* Publishing: the pointer, the ACL counters carried to the same rules, the shared FIB kept. */
static void
test_publish_carries_counts(void)
{
	struct hp_config *a, *b;
	struct dp_tables *ta, *tb, *tc, *old;
	struct dp_acl_rule_stats h;
	unsigned why;

	a = load(1, "acl:\n" RULE_DENY7 RULE_COUNT);
	rt_reset(a);
	ta = build(a);
	CU_ASSERT_PTR_NULL(dp_tables_publish(&rt, ta, a));
	CU_ASSERT_PTR_EQUAL(dp_tables_current, ta);
	CU_ASSERT_PTR_EQUAL(rt.tables, ta);
	CU_ASSERT_EQUAL(send_one(ta, DST(7), &why), -1);
	CU_ASSERT_EQUAL(send_one(ta, DST(5), &why), 1);
	CU_ASSERT_EQUAL(send_one(ta, DST(6), &why), 1);

	/* an ACL change: a rule in front, the others the same */
	b = load(2, "acl:\n" RULE_ICMP RULE_DENY7 RULE_COUNT);
	tb = NULL;
	CU_ASSERT_EQUAL(dp_tables_build_acl(&rt, b, &tb, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(tb);
	CU_ASSERT_PTR_EQUAL(tb->fib, ta->fib);
	CU_ASSERT_EQUAL(tb->features, DP_FEAT_ACL);
	old = dp_tables_publish(&rt, tb, b);
	CU_ASSERT_PTR_EQUAL(old, ta);
	CU_ASSERT_PTR_EQUAL(dp_tables_current, tb);
	h = dp_tables_acl_hits(tb, 1, 0);
	CU_ASSERT_EQUAL(h.packets, 0);
	h = dp_tables_acl_hits(tb, 1, 1);
	CU_ASSERT_EQUAL(h.packets, 1);
	h = dp_tables_acl_hits(tb, 1, 2);
	CU_ASSERT_EQUAL(h.packets, 2);
	dp_tables_retire(&rt, old); /* tb's FIB stays */
	rt.cfg = b;
	CU_ASSERT_EQUAL(send_one(tb, DST(5), &why), 1);
	h = dp_tables_acl_hits(tb, 1, 2);
	CU_ASSERT_EQUAL(h.packets, 3);

	/* a whole new set (config.apply) without an ACL: nothing to carry, the old FIB goes */
	a = load(1, "");
	tc = build(a);
	old = dp_tables_publish(&rt, tc, a);
	CU_ASSERT_PTR_EQUAL(old, tb);
	CU_ASSERT_PTR_NULL(tc->acl.base);
	CU_ASSERT_EQUAL(tc->features, 0);
	dp_tables_retire(&rt, old);
	rt.cfg = a;
	CU_ASSERT_EQUAL(send_one(tc, DST(5), &why), 1);
	dp_tables_free(tc);
	dp_tables_current = NULL;
}

/* Issue 15: a state: match or a nat: rule turns the tracker on (the runtime's table is
 * created by the first set that needs it, and kept); conntrack: alone does not. A first packet
 * is new: a rule permitting new passes it and creates its connection, a rule permitting only
 * established does not. */
static void
test_stateful_tables(void)
{
	struct hp_config *a;
	struct dp_tables *t = NULL;
	unsigned why;

	a = load(3, "conntrack: { max: 2048 }\nnat: []\n");
	rt_reset(a);
	t = build(a);
	CU_ASSERT_EQUAL(t->features, 0);
	CU_ASSERT_PTR_NULL(rt.ct);
	dp_tables_free(t);

	a = load(
		3,
		"acl_default: deny\nacl:\n  - { priority: 5, dst: 198.18.0.0/16, state: new, action: permit }\n"
		"  - { priority: 1, state: [established, related], action: permit }\n");
	rt_reset(a);
	t = build(a);
	CU_ASSERT_EQUAL(t->features, DP_FEAT_ACL | DP_FEAT_CT);
	CU_ASSERT_PTR_NOT_NULL_FATAL(rt.ct);
	CU_ASSERT_PTR_EQUAL(t->ct.table, rt.ct);
	CU_ASSERT_EQUAL(ct_table_count(rt.ct), 0);
	CU_ASSERT_EQUAL(send_one(t, DST(5), &why), 1);
	CU_ASSERT_EQUAL(ct_table_count(rt.ct), 1);
	CU_ASSERT_EQUAL(worker->ct_state[0], 1); /* new */
	dp_tables_free(t);

	/* acl.add and acl.del build an ACL part beside the running FIB: the same, and the same table */
	rt.tables = build(load(0, ""));
	t = NULL;
	err[0] = '\0';
	CU_ASSERT_EQUAL(dp_tables_build_acl(&rt, a, &t, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->features, DP_FEAT_ACL | DP_FEAT_CT);
	CU_ASSERT_PTR_EQUAL(t->ct.table, rt.ct);
	dp_tables_retire(&rt, t); /* its own ACL part; the FIB is rt.tables' */
	dp_tables_free(rt.tables);
	rt.tables = NULL;

	/* only established permitted: a first packet is denied and creates nothing */
	a = load(3, "acl_default: deny\nacl:\n  - { priority: 1, state: established, action: permit }\n");
	rt_reset(a);
	t = build(a);
	CU_ASSERT_EQUAL(send_one(t, DST(6), &why), -1);
	CU_ASSERT_EQUAL(why, DP_DROP_ACL_DENY);
	CU_ASSERT_EQUAL(ct_table_count(rt.ct), 0);
	dp_tables_free(t);

	a = load(3, "nat:\n  - { type: snat, out: p1, src: 10.0.0.0/24, to: [10.0.1.100] }\n");
	rt_reset(a);
	t = build(a);
	CU_ASSERT_EQUAL(t->features, DP_FEAT_CT | DP_FEAT_NAT);
	CU_ASSERT_PTR_NOT_NULL(t->ct.nat);
	dp_tables_free(t);
	rt_reset(a);
	hp_config_free(&cfgs[3]);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"fast path per feature set", test_fast_path_choice},
		{"feature bits from the config", test_features},
		{"fast path steps aside for acl_default deny", test_fast_path_steps_aside},
		{"ACL stage and fast_burst_acl", test_acl_stage},
		{"publish, carry ACL counts, retire", test_publish_carries_counts},
		{"state: and nat: turn the tracker on", test_stateful_tables},
	};
	size_t sz;
	int rc;

	if (hp_test_eal_init("tables") < 0)
		return 77;
	pool = rte_pktmbuf_pool_create("tables", 255, 0, DP_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	worker = rte_zmalloc("tables", sizeof(*worker), RTE_CACHE_LINE_SIZE);
	sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	rt.qsv = rte_zmalloc("tables", sz, RTE_CACHE_LINE_SIZE);
	if (pool == NULL || worker == NULL || rt.qsv == NULL ||
	    rte_rcu_qsbr_init(rt.qsv, RTE_MAX_LCORE) < 0) {
		printf("FAIL: no memory for the test's pool, worker or RCU\n");
		return 1;
	}
	worker->punt = rte_ring_create("tables_punt", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (worker->punt == NULL)
		return 1;
	hp_hist_init(&worker->latency);
	rc = hp_cunit_run("tables", tests, RTE_DIM(tests));
	for (unsigned i = 0; i < RTE_DIM(cfgs); i++)
		hp_config_free(&cfgs[i]);
	rte_ring_free(worker->punt);
	rte_free(worker);
	rte_free(rt.qsv);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
