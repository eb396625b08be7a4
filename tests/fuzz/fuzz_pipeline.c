/* libFuzzer target for the whole l3 pipeline: parse, L2/local, ACL, LPM/ECMP, rewrite, punt, and the slow path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "../eal_test.h"
#include "acl.h"
#include "config.h"
#include "fib.h"
#include "l3.h"
#include "slowpath.h"
#include "worker.h"

/*
 * The input is a burst: up to DP_BURST frames, each a 2-byte big-endian
 * length then that many bytes, on the port chosen by the first byte. The
 * burst goes through dp_l3_burst() on a worker that is never launched (no
 * thread: the harness plays the worker and the control thread); what it
 * sends, drops or punts is checked, punted frames go through the slow path,
 * and every mbuf must be back in the pool afterwards.
 */

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_pipeline: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                             \
		}                                                                            \
	} while (0)

static const char config[] =
	"ports:\n"
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24], ipv6: [\"2001:db8:1::1/64\"] }\n"
	"neighbors:\n"
	"  - { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 }\n"
	"  - { ip: \"2001:db8:1::2\", mac: \"02:00:00:00:01:02\", port: p1 }\n"
	"routes:\n"
	"  - { prefix: 0.0.0.0/1, via: [10.0.1.2, 10.0.1.3] }\n"
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"
	"  - { prefix: 203.0.113.0/24, action: drop }\n"
	"  - { prefix: \"2001:db8:100::/48\", via: [\"2001:db8:1::2\", \"2001:db8:1::3\"] }\n"
	"  - { prefix: \"2001:db8:dead::/48\", action: drop }\n"
	"policers:\n"
	"  - { name: pol, type: trtcm, cir: 1M, cbs: 2k, pir: 2M, pbs: 4k }\n"
	"acl:\n"
	"  - { priority: 1, proto: udp, dport: \"53-60\", action: deny }\n"
	"  - { priority: 2, dst: 198.18.0.0/16, action: count }\n"
	"  - { priority: 3, src: \"2001:db8::/32\", proto: tcp, action: police pol }\n"
	"  - { priority: 4, proto: icmp, action: permit }\n";

static struct hp_config cfg;
static struct rte_mempool *pool;
static struct dp_tables *tables;
static struct dp_worker *worker;
static struct ctl_iface ifaces[2];
static unsigned pool_size;
static void *fib_nh_addr; /* LeakSanitizer cannot see into rte_malloc'd memory */

static void
op_learn(void *ctx, unsigned port, const struct hp_addr *ip, const uint8_t mac[6])
{
	(void)ctx;
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[HP_ERR_MAX];
	struct rte_ether_addr macs[2];

	(void)argc;
	(void)argv;
	CHECK(hp_test_eal_init("fuzz") == 0);
	CHECK(hp_config_parse("fuzz.yaml", config, sizeof(config) - 1, &cfg, err, sizeof(err)) == 0);
	pool = rte_pktmbuf_pool_create("fuzz", 1023, 0, RTE_ALIGN(sizeof(struct dp_meta), RTE_MBUF_PRIV_ALIGN),
				       RTE_MBUF_DEFAULT_BUF_SIZE, 0);
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
	fib_nh_addr = tables->fib->nh_addr;
	tables->acl = dp_acl_build(&cfg, 0, err, sizeof(err));
	CHECK(tables->acl != NULL);
	tables->acl_worker[0] = dp_acl_worker_create(tables->acl, 1, 0);
	CHECK(tables->acl_worker[0] != NULL);
	worker = rte_zmalloc("fuzz", sizeof(*worker), RTE_CACHE_LINE_SIZE);
	CHECK(worker != NULL);
	worker->punt = rte_ring_create("fuzz_punt", 64, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CHECK(worker->punt != NULL);
	hp_hist_init(&worker->latency);
	return 0;
}

/* What a worker would have sent: check the rewrite, then free (never reaches a PMD). */
static void
drain_tx(void)
{
	for (unsigned p = 0; p < 2; p++) {
		struct dp_txbuf *b = &worker->tx[p];

		for (uint16_t i = 0; i < b->n; i++) {
			const uint8_t *f = rte_pktmbuf_mtod(b->pkts[i], const uint8_t *);
			struct dp_meta meta;

			/* routed: from this port's MAC, still a valid IP packet (checksum kept right) */
			CHECK(memcmp(f + 6, cfg.ports[p].mac, 6) == 0);
			CHECK(dp_parse(f, rte_pktmbuf_data_len(b->pkts[i]), 0, &meta) == 0);
			CHECK(meta.l3 == DP_L3_IPV4 || meta.l3 == DP_L3_IPV6);
			CHECK(meta.ttl >= 1 && !(meta.flags & DP_META_VLAN));
			rte_pktmbuf_free(b->pkts[i]);
		}
		b->n = 0;
	}
	worker->tx_pending = 0;
}

/* Play the control thread on what was punted. */
static void
drain_punts(void)
{
	void *obj;

	while (rte_ring_sc_dequeue(worker->punt, &obj) == 0) {
		struct rte_mbuf *m = obj;
		struct dp_meta *meta = dp_meta_of(m);
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		size_t len = rte_pktmbuf_data_len(m);

		CHECK(meta->in_port < 2);
		switch (meta->punt) {
		case DP_PUNT_LOCAL:
			ctl_slowpath_local(&ops, &ifaces[meta->in_port], meta->in_port, f, len, meta);
			break;
		case DP_PUNT_TTL:
		case DP_PUNT_NOROUTE:
			ctl_slowpath_icmp_error(&ops, &ifaces[meta->in_port], meta->in_port, f, len, meta,
						meta->punt == DP_PUNT_TTL ? CTL_ERR_TTL : CTL_ERR_NOROUTE);
			break;
		case DP_PUNT_RESOLVE:
			CHECK(meta->out_port < 2);
			break;
		default:
			CHECK(!"unknown punt reason");
		}
		rte_pktmbuf_free(m);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *pkts[DP_BURST];
	struct dp_rxq rxq = {.mode = HP_MODE_L3};
	uint64_t drops_before = 0, drops_after = 0;
	uint16_t n = 0;

	if (size < 1)
		return 0;
	rxq.port = data[0] & 1;
	data++;
	size--;
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
	if (n == 0)
		return 0;
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		drops_before += worker->drops[r];
	uint64_t punts_before = 0, punts_after = 0;
	for (unsigned r = 0; r < DP_PUNT_MAX; r++)
		punts_before += worker->punted[r];

	dp_l3_burst(worker, tables, &rxq, pkts, n, rte_rdtsc());

	/* every packet is sent, dropped or punted exactly once */
	unsigned queued = worker->tx[0].n + worker->tx[1].n;
	for (unsigned r = 0; r < DP_DROP_MAX; r++)
		drops_after += worker->drops[r];
	for (unsigned r = 0; r < DP_PUNT_MAX; r++)
		punts_after += worker->punted[r];
	/* TTL and no-route punts also count as drops */
	uint64_t double_counted = worker->punted[DP_PUNT_TTL] + worker->punted[DP_PUNT_NOROUTE];
	static uint64_t dc_before;
	CHECK(queued + (drops_after - drops_before) + (punts_after - punts_before) -
		      (double_counted - dc_before) == n);
	dc_before = double_counted;

	drain_tx();
	drain_punts();
	CHECK(rte_mempool_avail_count(pool) == pool_size);
	return 0;
}
