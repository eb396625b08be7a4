/*
 * libFuzzer target for the whole l3 pipeline: parse, L2/local, ACL, LPM/ECMP, rewrite, punt, and the slow path.
 * Built twice: fuzz_pipeline (stateless tables, and the load balancer's: fuzz_pipeline_lb.c), and with
 * FUZZ_CT fuzz_ct_pipeline, the same harness on stateful tables (conntrack, ACL state rules, SNAT to a
 * tiny pool, DNAT) fed bursts from both sides.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "../eal_test.h"
#include "acl.h"
#include "config.h"
#ifdef FUZZ_CT
#include "ct.h"
#include "ct_stage.h"
#include "nat.h"
#endif
#include "fib.h"
#include "l3.h"
#include "l3_vec.h"
#include "slowpath.h"
#include "tables.h"
#include "tx.h"
#include "worker.h"

/*
 * The input is a burst: up to DP_BURST frames, each a 2-byte big-endian
 * length then that many bytes, on the port and with the tables (ACL, none,
 * or the load balancer's) chosen by the first byte. The burst goes through dp_l3_burst() on a
 * worker that is never launched (no thread: the harness plays the worker
 * and the control thread), twice: with every packet on the full parse, then
 * with the fast path for plain IPv4 on the timed copies (hpctl runtime on, every
 * burst timed: its nodes are checked); both runs must send, drop and punt the
 * same packets byte for byte. What it sends is checked, punted frames go
 * through the slow path, and every mbuf must be back in the pool after each run.
 */

#define CHECK(cond)                                                                               \
	do {                                                                                      \
		if (!(cond)) {                                                                    \
			fprintf(stderr, "fuzz_pipeline: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                  \
		}                                                                                 \
	} while (0)

#ifdef FUZZ_CT
/*
 * The input is a sequence of bursts, each a header byte (bit 0: the ingress port, and so the
 * worker: p0's on worker 0, p1's on worker 1, one shared connection table; bit 1 of the first:
 * the whole input without the ACL (use_acl); bits 6-7: how far the
 * clock jumps before it, past the short timeouts below or not), a 2-byte big-endian length, then
 * that many bytes of frames as fuzz_pipeline reads them (2-byte length + bytes, up to DP_BURST).
 * After each burst both workers age their share (dp_ct_tick) and pass a quiescent state. Checked:
 * every packet sent, dropped or punted exactly once and every mbuf back after each burst; after
 * the input, no two live connections share a key, every SNAT connection's public address and
 * port are the pool's; then a flush and sweeps empty the table (nothing live, nothing waiting
 * for a grace period) and give every pool port back.
 */
static const char config[] =
	"ports:\n"
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [198.51.100.1/24],\n"
	"      ipv6: [\"2001:db8:1::1/64\"], mtu: 1280 }\n"
	"neighbors:\n"
	"  - { ip: 10.0.0.2, mac: \"02:00:00:00:00:02\", port: p0 }\n"
	"  - { ip: 10.0.0.5, mac: \"02:00:00:00:00:05\", port: p0 }\n"
	"  - { ip: 198.51.100.2, mac: \"02:00:00:00:01:02\", port: p1 }\n"
	"  - { ip: \"2001:db8::2\", mac: \"02:00:00:00:00:02\", port: p0 }\n"
	"  - { ip: \"2001:db8:1::2\", mac: \"02:00:00:00:01:02\", port: p1 }\n"
	"routes:\n"
	"  - { prefix: 0.0.0.0/1, via: 198.51.100.2 }\n"
	"  - { prefix: 192.0.2.0/24, via: 198.51.100.9 }\n"
	"  - { prefix: \"2001:db8:100::/48\", via: \"2001:db8:1::2\" }\n"
	"conntrack: { max: 1024, timeouts: { tcp_established: 4, tcp_transitory: 2, udp: 1, icmp: 1 } }\n"
	"acl_default: deny\n"
	"acl:\n"
	"  - { priority: 5, state: invalid, action: deny }\n"
	"  - { priority: 10, state: [established, related], action: permit }\n"
	"  - { priority: 20, src: 10.0.0.0/24, state: new, action: permit }\n"
	"  - { priority: 20, src: \"2001:db8::/64\", state: new, action: permit }\n"
	"  - { priority: 30, dst: 10.0.0.5/32, state: new, action: permit }\n"
	"nat:\n"
	"  - { type: snat, out: p1, src: 10.0.0.0/25, to: [203.0.113.10, 203.0.113.11], ports: \"40000-40007\" }\n"
	"  - { type: dnat, in: p1, dst: 203.0.113.10, proto: tcp, dport: 8080, to: \"10.0.0.5:80\" }\n"
	"  - { type: dnat, in: p1, dst: 203.0.113.11, proto: udp, dport: 40001, to: \"10.0.0.5:53\" }\n";
#define POOL_LO 40000
#define POOL_HI 40007
#define POOL_A 0xcb00710a /* 203.0.113.10 */
#define POOL_B 0xcb00710b
#else
/* The address plan, written once: the stateless tables' config, and the load balancer's
 * (fuzz_pipeline_lb.c) with its own neighbours and VIPs on the same ports and routes. */
#define CONFIG_PORTS                                                                                                          \
	"ports:\n"                                                                                                            \
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"  \
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24], ipv6: [\"2001:db8:1::1/64\"],\n" \
	"      mtu: 1280 }\n"
#define CONFIG_NEIGHBORS                                               \
	"neighbors:\n"                                                 \
	"  - { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 }\n" \
	"  - { ip: \"2001:db8:1::2\", mac: \"02:00:00:00:01:02\", port: p1 }\n"
#define CONFIG_ROUTES                                                                          \
	"routes:\n"                                                                            \
	"  - { prefix: 0.0.0.0/1, via: [10.0.1.2, 10.0.1.3] }\n"                               \
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"                                       \
	"  - { prefix: 203.0.113.0/24, action: drop }\n"                                       \
	"  - { prefix: \"2001:db8:100::/48\", via: [\"2001:db8:1::2\", \"2001:db8:1::3\"] }\n" \
	"  - { prefix: \"2001:db8:dead::/48\", action: drop }\n"                               \
	"  - { prefix: \"2001:db8:200::/48\", via: \"2001:db8:1::2\" }\n"
static const char config[] = CONFIG_PORTS CONFIG_NEIGHBORS CONFIG_ROUTES
	"policers:\n"
	"  - { name: pol, type: trtcm, cir: 1M, cbs: 2k, pir: 2M, pbs: 4k }\n"
	"acl:\n"
	"  - { priority: 1, proto: udp, dport: \"53-60\", action: deny }\n"
	"  - { priority: 2, dst: 198.18.0.0/16, action: count }\n"
	"  - { priority: 3, src: \"2001:db8::/32\", proto: tcp, action: police pol }\n"
	"  - { priority: 4, proto: icmp, action: permit }\n";
#endif

static struct hp_config cfg;
static struct rte_mempool *pool;
static struct dp_tables *tables, *tables_noacl; /* the same FIB, with and without the ACL */
/* Workers play the runs of each burst: each has its own meters and ACL cache,
 * and all see the same inputs at the same times, so their output must be the
 * same (but see compare() on policers). The conntrack harness uses two (the
 * full parse, the fast path); this one four: the full parse, then the fast
 * path's scalar reference, its x4 and its x8 copies (l3_vec.h; x8 where the
 * CPU has AVX2). */
#define N_WORKERS 4
static const unsigned widths[N_WORKERS] __rte_unused = {1, 1, 4, 8};
static struct dp_worker *workers[N_WORKERS];
static struct dp_worker *worker; /* the one running now */
static struct ctl_iface ifaces[2];
static unsigned pool_size;

/* LeakSanitizer cannot see into rte_malloc'd memory (the FIB holds malloc'd parts): free at exit. */
static void
free_fib(void)
{
	dp_fib_free(tables->fib);
}

static void
op_learn(void *ctx, unsigned port, const struct hp_addr *ip, const uint8_t mac[6], unsigned flags)
{
	(void)ctx;
	(void)flags;
	CHECK(port < 2 && (ip->family == AF_INET || ip->family == AF_INET6));
	CHECK(!(mac[0] & 1));
}

static void
op_send(void *ctx, unsigned port, const uint8_t *frame, size_t len)
{
	(void)ctx;
	CHECK(port < 2 && len >= 60 && len <= 1518);
	CHECK(memcmp(frame + 6, ifaces[port].mac, 6) == 0);
}

static bool
op_allow(void *ctx)
{
	(void)ctx;
	return true;
}

static const struct ctl_slowpath_ops ops = {.learn = op_learn, .send = op_send, .allow = op_allow};

#ifndef FUZZ_CT
struct record;
static void lb_init(void);
static void lb_too_big(const struct record *r, unsigned mtu);
#endif

#ifdef FUZZ_CT
static struct rte_rcu_qsbr *qsv;
/* The stateful tables twice over, the same FIB: `tables` runs every burst on the general path
 * alone, `tables_fast` the same bursts with the fast paths (its own connection table, NAT port
 * maps and ACL counters); both must do the same, byte for byte. */
static struct dp_tables *tables_fast;

static void
free_ct(void)
{
	for (unsigned k = 0; k < 2; k++) {
		struct dp_tables *t = k == 0 ? tables : tables_fast;

		dp_nat_free(t->ct.nat);
		ct_table_free(t->ct.table);
	}
}

/* The stateful part of table set t: a connection table shared by two workers (each a reader of
 * qsv under its index) and the compiled NAT rules. */
static void
ct_init(struct dp_tables *t)
{
	char err[HP_ERR_MAX];
	uint64_t timeouts[4];

	dp_ct_timeouts(&cfg, timeouts);
	t->ct.table = ct_table_create(cfg.conntrack.max, 2, qsv, timeouts, 0);
	CHECK(t->ct.table != NULL);
	t->ct.nat = dp_nat_build(&cfg, NULL, 2, 0, err, sizeof(err));
	if (t->ct.nat == NULL)
		fprintf(stderr, "fuzz_ct_pipeline: %s\n", err);
	CHECK(t->ct.nat != NULL);
	dp_tables_finish(t);
}

static void
ct_init_all(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(2);

	qsv = rte_zmalloc("fuzz_qsv", sz, RTE_CACHE_LINE_SIZE);
	CHECK(qsv != NULL && rte_rcu_qsbr_init(qsv, 2) == 0);
	for (unsigned w = 0; w < 2; w++) {
		CHECK(rte_rcu_qsbr_thread_register(qsv, w) == 0);
		rte_rcu_qsbr_thread_online(qsv, w);
	}
	tables_fast = rte_zmalloc("fuzz", sizeof(*tables_fast), 0);
	CHECK(tables_fast != NULL);
	tables_fast->fib = tables->fib;
	tables_fast->acl.compiled = tables->acl.compiled;
	tables_fast->acl.default_deny = tables->acl.default_deny;
	for (unsigned w = 0; w < 2; w++) {
		tables_fast->acl.worker[w] = dp_acl_worker_create(tables->acl.compiled, 1, 0);
		CHECK(tables_fast->acl.worker[w] != NULL);
	}
	ct_init(tables);
	ct_init(tables_fast);
	/* the fast path this harness is for: established packets permitted by rule 2 */
	CHECK(tables_fast->fast_path == DP_L3_FAST_CT && tables_fast->ct.est_acl == 2);
	atexit(free_ct); /* LeakSanitizer sees the NAT's malloc'd parts */
}
#endif

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[HP_ERR_MAX];
	struct rte_ether_addr macs[2];

	(void)argc;
	(void)argv;
	CHECK(hp_test_eal_init("fuzz") == 0);
	CHECK(hp_config_parse("fuzz.yaml", config, sizeof(config) - 1, &cfg, err, sizeof(err)) == 0);
	pool = rte_pktmbuf_pool_create("fuzz", 1023, 0, DP_PRIV_SIZE, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CHECK(pool != NULL);
	pool_size = pool->size;
	for (unsigned p = 0; p < 2; p++) {
		memcpy(macs[p].addr_bytes, cfg.ports[p].mac, 6);
		memcpy(ifaces[p].mac, cfg.ports[p].mac, 6);
		ifaces[p].n_ipv4 = cfg.ports[p].n_ipv4;
		ifaces[p].ipv4 = cfg.ports[p].ipv4;
		ifaces[p].n_ipv6 = cfg.ports[p].n_ipv6;
		ifaces[p].ipv6 = cfg.ports[p].ipv6;
		ctl_link_local(ifaces[p].mac, ifaces[p].ll6);
	}
	tables = rte_zmalloc("fuzz", sizeof(*tables), 0);
	CHECK(tables != NULL);
	tables->fib = dp_fib_build(&cfg, macs, NULL, 0, err, sizeof(err));
	CHECK(tables->fib != NULL);
	atexit(free_fib); /* before LeakSanitizer's check, which was registered first */
	tables->acl.compiled = dp_acl_build(&cfg, 0, err, sizeof(err));
	CHECK(tables->acl.compiled != NULL);
	for (unsigned w = 0; w < N_WORKERS; w++) {
		tables->acl.worker[w] = dp_acl_worker_create(tables->acl.compiled, 1, 0);
		CHECK(tables->acl.worker[w] != NULL);
	}
	tables->acl.default_deny = cfg.acl_default_deny;
	dp_tables_finish(tables);
#ifdef FUZZ_CT
	ct_init_all();
#else
	lb_init();
#endif
	tables_noacl = rte_zmalloc("fuzz", sizeof(*tables_noacl), 0);
	CHECK(tables_noacl != NULL);
	tables_noacl->fib = tables->fib;
	for (unsigned w = 0; w < N_WORKERS; w++) {
		char name[32];

		workers[w] = rte_zmalloc("fuzz", sizeof(*workers[w]), RTE_CACHE_LINE_SIZE);
		CHECK(workers[w] != NULL);
		workers[w]->index = w;
		workers[w]->lcore = w;
		snprintf(name, sizeof(name), "fuzz_punt%u", w);
		workers[w]->punt = rte_ring_create(name, 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		CHECK(workers[w]->punt != NULL);
		hp_hist_init(&workers[w]->latency);
	}
	/* workers[1] runs the timed copies of the burst (hpctl runtime on, every burst sampled): what
	 * it sends, drops and punts is compared with workers[0]'s, and its nodes checked (run()) */
	workers[1]->prof.prof = 2;
	return 0;
}

/* What one run of a burst did: frames sent per port and punted, in order, and drops by reason. */
struct outcome {
	unsigned n;
	struct record {
		uint8_t punted; /* 0: sent on port */
		uint8_t port;
		uint8_t in; /* the input frame it was (index in the burst) */
		uint16_t len;
		struct dp_meta meta; /* punted: what the control thread gets */
		uint8_t data[RTE_MBUF_DEFAULT_DATAROOM];
	} rec[DP_BURST];
	uint64_t drops[DP_DROP_MAX];
	uint64_t punts[DP_PUNT_MAX];
	uint64_t rule_hits[8]; /* per ACL rule: packets, bytes summed */
#ifdef FUZZ_CT
	uint64_t ct_state[4]; /* packets by connection state */
#endif
};

static struct outcome runs[N_WORKERS];
/* The burst's mbufs as run() made them: a record's frame is found among them by its mbuf. */
static struct rte_mbuf *inputs[DP_BURST];
static uint16_t n_inputs;

static void
record(struct outcome *o, struct rte_mbuf *m, uint8_t punted, uint8_t port)
{
	struct record *r = &o->rec[o->n++];

	CHECK(o->n <= DP_BURST);
	r->punted = punted;
	r->port = port;
	for (r->in = 0; r->in < n_inputs && inputs[r->in] != m; r->in++)
		;
	CHECK(r->in < n_inputs);
	r->len = rte_pktmbuf_data_len(m);
	memcpy(r->data, rte_pktmbuf_mtod(m, const uint8_t *), r->len);
	if (punted)
		r->meta = *dp_meta_of(m);
	else
		memset(&r->meta, 0, sizeof(r->meta));
	rte_pktmbuf_free(m);
}

/* Take what the burst queued for TX and punted (the mbufs go back to the pool). */
static void
collect(struct outcome *o)
{
	void *obj;

	for (unsigned p = 0; p < 2; p++) {
		struct dp_txbuf *b = &worker->tx[p];

		for (uint16_t i = 0; i < b->n; i++)
			record(o, b->pkts[i], 0, (uint8_t)p);
		dp_txbuf_reset(b);
	}
	worker->tx_pending = 0;
	while (rte_ring_sc_dequeue(worker->punt, &obj) == 0)
		record(o, obj, 1, 0);
}

/* What a worker would have sent: routed, from the port's MAC, still a valid IP packet. */
static void
check_sent(const struct record *r)
{
	struct dp_meta meta;

	CHECK(memcmp(r->data + 6, cfg.ports[r->port].mac, 6) == 0);
	CHECK(dp_parse(r->data, r->len, 0, &meta) == 0);
	CHECK(meta.l3 == DP_L3_IPV4 || meta.l3 == DP_L3_IPV6);
	CHECK(meta.ttl >= 1 && !(meta.flags & DP_META_VLAN));
}

/* A fragment ctl_ipv4_fragment made: within the MTU, data in 8-byte steps, a valid header. */
struct frag_check {
	unsigned mtu, n;
	size_t data;
};

static int
check_fragment(void *arg, const uint8_t *hdr, size_t hlen, const uint8_t *data, size_t n)
{
	struct frag_check *c = arg;
	uint16_t field = (uint16_t)(hdr[6] << 8 | hdr[7]);
	uint32_t sum = 0;

	(void)data;
	CHECK(hlen >= 20 && hlen <= 60 && hlen % 4 == 0 && (size_t)(hdr[0] & 0xf) * 4 == hlen);
	CHECK(hlen + n <= c->mtu && (size_t)(hdr[2] << 8 | hdr[3]) == hlen + n);
	CHECK(!(field & 0x4000));
	if (field & 0x2000)
		CHECK(n % 8 == 0);
	for (size_t i = 0; i < hlen; i += 2)
		sum += (uint32_t)hdr[i] << 8 | hdr[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	CHECK(sum == 0xffff);
	c->n++;
	c->data += n;
	return 0;
}

/* A punt for the egress MTU: what the control thread does, without its mbufs. */
static void
too_big(const struct record *r)
{
	const struct dp_meta *meta = &r->meta;
	unsigned mtu = tables->fib->frame_max[meta->out_port] - 14;

	CHECK(meta->out_port < 2 && r->len > mtu + 14u);
	CHECK(meta->l3_off + (size_t)meta->l3_len <= r->len);
	if (meta->l3_len <= mtu)
		return; /* trailing bytes only: cut and forwarded */
#ifndef FUZZ_CT
	if (meta->encap != 0 && !(meta->l3 == DP_L3_IPV4 && !(r->data[meta->l3_off + 6] & 0x40))) {
		lb_too_big(r, mtu);
		return;
	}
#endif
	if (meta->l3 == DP_L3_IPV4 && !(r->data[meta->l3_off + 6] & 0x40)) {
		struct frag_check c = {.mtu = mtu};
		size_t hlen = (r->data[meta->l3_off] & 0xfu) * 4u;

		CHECK(ctl_ipv4_fragment(r->data + meta->l3_off, meta->l3_len, mtu, check_fragment, &c) ==
		      (int)c.n);
		CHECK(c.n >= 2 && c.data == meta->l3_len - hlen);
		return;
	}
	ctl_slowpath_too_big(&ops, &ifaces[meta->in_port], meta->in_port, r->data, r->len, meta, mtu);
}

/* Play the control thread on a punted frame. */
static void
slow_path(const struct record *r)
{
	const struct dp_meta *meta = &r->meta;

	CHECK(meta->in_port < 2);
	switch (meta->punt) {
	case DP_PUNT_LOCAL:
		ctl_slowpath_local(&ops, &ifaces[meta->in_port], meta->in_port, r->data, r->len, meta);
		break;
	case DP_PUNT_TTL:
	case DP_PUNT_NOROUTE:
		ctl_slowpath_icmp_error(&ops, &ifaces[meta->in_port], meta->in_port, r->data, r->len, meta,
					meta->punt == DP_PUNT_TTL ? CTL_ERR_TTL : CTL_ERR_NOROUTE);
		break;
	case DP_PUNT_RESOLVE:
		CHECK(meta->out_port < 2);
		break;
	case DP_PUNT_MTU:
		too_big(r);
		break;
	default:
		CHECK(!"unknown punt reason");
	}
}

/* The two runs of one burst (full parse, then the fast path) did the same. */
static void
compare(const struct outcome *a, const struct outcome *b)
{
	/*
	 * Each worker's meters started at its own TSC, so their token refills
	 * run at slightly different phases: where either run coloured a packet
	 * red, the two may differ in which one. Those bursts are not compared.
	 */
	if (a->drops[DP_DROP_POLICER_RED] != 0 || b->drops[DP_DROP_POLICER_RED] != 0)
		return;
	CHECK(a->n == b->n);
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		CHECK(a->drops[r] == b->drops[r]);
	for (unsigned r = 0; r < DP_PUNT_MAX; r++)
		CHECK(a->punts[r] == b->punts[r]);
	for (unsigned r = 0; r < RTE_DIM(a->rule_hits); r++)
		CHECK(a->rule_hits[r] == b->rule_hits[r]);
	for (unsigned i = 0; i < a->n; i++) {
		const struct record *x = &a->rec[i], *y = &b->rec[i];

		CHECK(x->punted == y->punted && x->port == y->port && x->len == y->len);
		CHECK(memcmp(x->data, y->data, x->len) == 0);
		if (x->punted) {
			/* the key union beyond the family's key is not part of the contract */
			size_t klen = x->meta.l3 == DP_L3_IPV6 ? sizeof(x->meta.key.k6)
							       : sizeof(x->meta.key.k4);

			CHECK(memcmp(&x->meta.key, &y->meta.key, klen) == 0);
			CHECK(memcmp(&x->meta.l3_off, &y->meta.l3_off,
				     offsetof(struct dp_meta, out_port) - offsetof(struct dp_meta, l3_off)) ==
			      0);
			CHECK(x->meta.punt == y->meta.punt);
			/* the egress port and next hop are set for resolution only */
			if (x->meta.punt == DP_PUNT_RESOLVE || x->meta.punt == DP_PUNT_MTU)
				CHECK(x->meta.out_port == y->meta.out_port && x->meta.nh == y->meta.nh);
		}
	}
#ifdef FUZZ_CT
	for (unsigned k = 0; k < 4; k++)
		CHECK(a->ct_state[k] == b->ct_state[k]);
#endif
}

/* hits[r] += sign * (packets + bytes) of ACL rule r: called with -1 before a run, +1 after. */
static void
rule_hits(const struct dp_tables *t, uint64_t *hits, int sign)
{
	unsigned n = t->acl.compiled != NULL ? dp_acl_n_rules(t->acl.compiled) : 0;

	CHECK(n <= RTE_DIM(runs[0].rule_hits));
	for (unsigned r = 0; r < n; r++) {
		const struct dp_acl_rule_stats *st = dp_acl_worker_stats(t->acl.worker[worker->index], r);
		uint64_t v = st->packets + st->bytes;

		hits[r] = sign < 0 ? (uint64_t)0 - v : hits[r] + v;
	}
}

/* One run of the burst in data (after the port byte): returns the packets it had. */
static uint16_t
run(const uint8_t *data, size_t size, unsigned port, const struct dp_tables *t, bool fast, uint64_t now,
    struct outcome *o)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_rxq rxq = {.mode = HP_MODE_L3, .port = (uint16_t)port};
	uint64_t drops[DP_DROP_MAX], punts[DP_PUNT_MAX];
	struct dp_node_stats nodes[DP_NODE_N];
	uint16_t n = 0;

	while (size >= 2 && n < DP_BURST) {
		size_t len = (size_t)(data[0] << 8 | data[1]) % (RTE_MBUF_DEFAULT_DATAROOM + 1);
		char *d;

		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		pkts[n] = rte_pktmbuf_alloc(pool);
		CHECK(pkts[n] != NULL);
		d = rte_pktmbuf_append(pkts[n], (uint16_t)len);
		CHECK(len == 0 || d != NULL);
		if (len)
			memcpy(d, data, len);
		data += len;
		size -= len;
		n++;
	}
	o->n = 0;
	memcpy(inputs, pkts, n * sizeof(pkts[0]));
	n_inputs = n;
	if (n == 0)
		return 0;
	memcpy(drops, worker->drops, sizeof(drops));
	memcpy(punts, worker->punted, sizeof(punts));
	rule_hits(t, o->rule_hits, -1);
#ifdef FUZZ_CT
	for (unsigned k = 0; k < 4; k++)
		o->ct_state[k] = worker->ct_state[k];
#endif
	dp_l3_fast = fast;
	memcpy(nodes, worker->prof.node, sizeof(nodes));
	dp_l3_burst(worker, t, &rxq, pkts, n, now);
	collect(o);
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		o->drops[r] = worker->drops[r] - drops[r];
	for (unsigned r = 0; r < DP_PUNT_MAX; r++)
		o->punts[r] = worker->punted[r] - punts[r];
	rule_hits(t, o->rule_hits, 1);
#ifdef FUZZ_CT
	for (unsigned k = 0; k < 4; k++)
		o->ct_state[k] = worker->ct_state[k] - o->ct_state[k];
#endif

	/* every packet is sent, dropped or punted exactly once (TTL and no-route punts also count as drops) */
	uint64_t n_drops = 0, n_punts = 0;
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		n_drops += o->drops[r];
	for (unsigned r = 0; r < DP_PUNT_MAX; r++)
		n_punts += o->punts[r];
	unsigned n_sent = 0;
	for (unsigned i = 0; i < o->n; i++)
		n_sent += !o->rec[i].punted;
	CHECK(n_sent + n_drops + n_punts - o->punts[DP_PUNT_TTL] - o->punts[DP_PUNT_NOROUTE] == n);
	/* timed: the fast path's packets and the general path's make the burst; the general path
	 * dispatched its own, and the punts counted are those handed on */
	if (worker->prof.prof != 0) {
		const struct dp_node_stats *a = worker->prof.node;
		uint64_t fast_n = a[DP_NODE_FAST].packets - nodes[DP_NODE_FAST].packets;

		CHECK(fast_n + a[DP_NODE_PARSE].packets - nodes[DP_NODE_PARSE].packets == n);
		CHECK(a[DP_NODE_DISPATCH].packets - nodes[DP_NODE_DISPATCH].packets == n - fast_n);
		CHECK(a[DP_NODE_PUNT].packets - nodes[DP_NODE_PUNT].packets == n_punts);
	}
	CHECK(rte_mempool_avail_count(pool) == pool_size);
	return n;
}

#ifndef FUZZ_CT
#include "fuzz_pipeline_lb.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dp_tables *t;
	unsigned port;
	uint64_t now;

	if (size < 1)
		return 0;
	/* the first byte: the ingress port, the tables with or without the ACL, or (bit 2) the load
	 * balancer's (fuzz_pipeline_lb.c) */
	if (data[0] & 4)
		return lb_one_input(data, size);
	port = data[0] & 1;
	t = (data[0] & 2) ? tables_noacl : tables;
	data++;
	size--;

	now = rte_rdtsc();
	worker = workers[0];
	if (run(data, size, port, t, false, now, &runs[0]) == 0)
		return 0;
	for (unsigned r = 1; r < N_WORKERS; r++) {
		if (widths[r] > dp_l3_vec_best())
			continue;
		worker = workers[r];
		dp_l3_vec_width = widths[r];
		run(data, size, port, t, true, now, &runs[r]);
		compare(&runs[0], &runs[r]);
	}
	for (unsigned i = 0; i < runs[1].n; i++) {
		if (runs[1].rec[i].punted)
			slow_path(&runs[1].rec[i]);
		else
			check_sent(&runs[1].rec[i]);
	}
	CHECK(rte_mempool_avail_count(pool) == pool_size);
	return 0;
}
#else

/* Both workers age their share of the table and pass a quiescent state (their loop's end). */
static void
tick(uint64_t now)
{
	for (unsigned w = 0; w < 2; w++) {
		dp_ct_tick(&tables->ct, workers[w], now);
		dp_ct_tick(&tables_fast->ct, workers[w], now);
		rte_rcu_qsbr_quiescent(qsv, w);
	}
}

static int
cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ct_key));
}

/* No two live connections share a key (of either direction); SNAT holds the pool's addresses and ports. */
static void
check_keys(const struct dp_tables *set, uint64_t now)
{
	static struct ct_key keys[2 * 1024];
	uint32_t max = ct_table_max(set->ct.table), n = 0;

	CHECK(max <= 1024);
	for (uint32_t i = 0; i < max; i++) {
		const struct ct_conn *c = ct_entry(set->ct.table, i, now);

		if (c == NULL)
			continue;
		keys[n++] = c->key[CT_DIR_ORIG];
		keys[n++] = c->key[CT_DIR_REPLY];
		if (c->flags & CT_CONN_SNAT) {
			uint32_t a;
			uint16_t port = rte_be_to_cpu_16(c->key[1].proto == IPPROTO_ICMP ? c->key[1].sport
											 : c->key[1].dport);

			memcpy(&a, c->key[1].dst, 4);
			a = rte_be_to_cpu_32(a);
			CHECK(a == POOL_A || a == POOL_B);
			CHECK(port >= POOL_LO && port <= POOL_HI);
		}
	}
	qsort(keys, n, sizeof(keys[0]), cmp_key);
	for (uint32_t i = 1; i < n; i++)
		CHECK(memcmp(&keys[i - 1], &keys[i], sizeof(keys[0])) != 0);
}

/* Flush, then sweep until the table is empty: nothing live, nothing waiting for a grace period,
 * every pool port free. Bounded: enough rounds for the sweeps to visit every entry several times. */
static void
drain(const struct dp_tables *set, uint64_t now)
{
	unsigned rounds = 0;

	ct_flush(set->ct.table);
	for (;;) {
		uint64_t left = 0;

		tick(now);
		for (unsigned w = 0; w < 2; w++) {
			const struct ct_worker_stats *st = ct_worker_stats(set->ct.table, w);

			left += st->live + st->limbo;
		}
		if (left == 0)
			break;
		CHECK(++rounds < 8 * (ct_table_max(set->ct.table) / DP_CT_SWEEP_BUDGET + 2));
	}
	CHECK(ct_table_count(set->ct.table) == 0);
	for (unsigned r = 0; r < dp_nat_n_rules(set->ct.nat); r++) {
		if (cfg.nat[r].type != HP_NAT_SNAT)
			continue;
		for (unsigned k = 0; k < 3; k++) {
			static const uint8_t protos[3] = {IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP};
			uint64_t size = (uint64_t)cfg.nat[r].n_to *
					(cfg.nat[r].port_hi - cfg.nat[r].port_lo + 1u);

			CHECK(dp_nat_pool_free(set->ct.nat, (int)r, protos[k]) == size);
		}
	}
}

/* Both table sets with the ACL (the config's), or with none at all (every state passes: NAT
 * alone, and the fast path takes a UDP flow's packets before its reply too). */
static void
use_acl(bool on)
{
	static struct dp_acl *compiled;

	if (compiled == NULL)
		compiled = tables->acl.compiled;
	for (unsigned k = 0; k < 2; k++) {
		struct dp_tables *t = k == 0 ? tables : tables_fast;

		t->acl.compiled = on ? compiled : NULL;
		t->acl.default_deny = on && cfg.acl_default_deny;
		dp_tables_finish(t);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint64_t hz = rte_get_tsc_hz();
	const uint64_t jumps[4] = {0, hz / 1000, hz * 3 / 2, hz * 10};
	uint64_t now = rte_rdtsc();

	/* the first header byte's bit 1: this input runs without the ACL */
	use_acl(size == 0 || !(data[0] & 2));

	while (size >= 3) {
		unsigned port = data[0] & 1;
		size_t len = (size_t)(data[1] << 8 | data[2]);

		now += jumps[data[0] >> 6];
		data += 3;
		size -= 3;
		if (len > size)
			len = size;
		worker = workers[port];
		run(data, len, port, tables, false, now, &runs[0]);
		run(data, len, port, tables_fast, true, now, &runs[1]);
		compare(&runs[0], &runs[1]);
		for (unsigned i = 0; i < runs[1].n; i++) {
			if (runs[1].rec[i].punted)
				slow_path(&runs[1].rec[i]);
			else
				check_sent(&runs[1].rec[i]);
		}
		data += len;
		size -= len;
		tick(now);
	}
	check_keys(tables, now);
	check_keys(tables_fast, now);
	drain(tables, now);
	drain(tables_fast, now);
	CHECK(rte_mempool_avail_count(pool) == pool_size);
	return 0;
}
#endif
