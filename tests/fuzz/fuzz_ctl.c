/* libFuzzer target for the control socket's request handling: one request line through the real dispatch and handlers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "../eal_test.h"
#include "cmd.h"
#include "config.h"
#include "dump.h"
#include "iface.h"
#include "neigh.h"
#include "runtime.h"
#include "sock.h"
#include "tables.h"
#include "worker_state.h"

/*
 * The input is one request line as the socket hands it to ctl_cmd_line()
 * (up to the first newline, at most CTL_LINE_MAX bytes), inside a batch as
 * the socket opens one. The model is real: a two-port l3 configuration with
 * routes, a neighbour, policers and ACL rules, its tables built and
 * published, the neighbour table and the ports' inject path set up, and
 * one worker that is never launched (no ports are probed: the device
 * counters read as zero). Every reply must be one JSON object with the
 * protocol's shape, and a refused request must leave `config dump` as it
 * was (DESIGN.md: nothing is half-applied). The state carries over from one
 * input to the next, as on a socket.
 */

#define CHECK(cond)                                                                          \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz_ctl: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
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
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"
	"  - { prefix: 203.0.113.0/24, action: drop }\n"
	"  - { prefix: \"2001:db8:100::/48\", via: [\"2001:db8:1::2\", \"2001:db8:1::3\"] }\n"
	"policers:\n"
	"  - { name: pol, type: trtcm, cir: 1M, cbs: 2k, pir: 2M, pbs: 4k }\n"
	"acl:\n"
	"  - { priority: 1, proto: udp, dport: \"53-60\", action: deny }\n"
	"  - { priority: 2, dst: 198.18.0.0/16, action: police pol }\n";

static struct hp_config cfg;
static struct dp_runtime rt;

/* LeakSanitizer cannot see into rte_malloc'd memory (the tables hold malloc'd parts): free at exit. */
static void
free_all(void)
{
	ctl_neigh_free();
	dp_tables_free(rt.tables);
	rt.tables = NULL;
	hp_config_free(&cfg);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[HP_ERR_MAX], name[RTE_RING_NAMESIZE];
	struct dp_tables *t;
	struct dp_worker *w;
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	(void)argc;
	(void)argv;
	CHECK(hp_test_eal_init("fuzzctl") == 0);
	CHECK(hp_config_parse("fuzz.yaml", config, sizeof(config) - 1, &cfg, err, sizeof(err)) == 0);
	rt.cfg = &cfg;
	rt.tsc_hz = rte_get_tsc_hz();
	rt.qsv = rte_zmalloc("fuzz_qsbr", sz, RTE_CACHE_LINE_SIZE);
	CHECK(rt.qsv != NULL && rte_rcu_qsbr_init(rt.qsv, RTE_MAX_LCORE) == 0);
	rt.punt = rte_ring_create("fuzz_punt", 1024, 0, RING_F_SC_DEQ);
	CHECK(rt.punt != NULL);
	rt.ports.pools[0] = rte_pktmbuf_pool_create("fuzz_ctl", 1023, 0, DP_PRIV_SIZE,
						    RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	CHECK(rt.ports.pools[0] != NULL);
	/* two ports as dp_ports_open leaves them, never started (their device counters read as zero) */
	rt.ports.n = cfg.n_ports;
	for (unsigned p = 0; p < cfg.n_ports; p++) {
		struct dp_port *dp = &rt.ports.ports[p];

		dp->conf = &cfg.ports[p];
		dp->device = cfg.ports[p].device;
		dp->port_id = (uint16_t)p;
		dp->n_rxq = dp->n_txq = 1;
		snprintf(dp->driver, sizeof(dp->driver), "net_null");
		memcpy(dp->mac.addr_bytes, cfg.ports[p].mac, 6);
	}
	/* one worker on this lcore, never launched: RCU has no reader, grace periods end at once */
	rt.map.n_workers = 1;
	rt.map.workers[0].lcore = rte_lcore_id();
	rt.map.workers[0].n_rx = cfg.n_ports;
	for (unsigned p = 0; p < cfg.n_ports; p++) {
		rt.map.workers[0].rx[p].port = p;
		rt.map.workers[0].txq[p] = 0;
	}
	w = rte_zmalloc("fuzz_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	CHECK(w != NULL);
	w->lcore = rte_lcore_id();
	w->qsv = rt.qsv;
	w->punt = rt.punt;
	w->n_rx = cfg.n_ports;
	for (unsigned p = 0; p < cfg.n_ports; p++) {
		w->rx[p].port = (uint16_t)p;
		w->rx[p].port_id = (uint16_t)p;
		w->rx[p].mode = (uint8_t)cfg.ports[p].mode;
	}
	hp_hist_init(&w->latency);
	snprintf(name, sizeof(name), "fuzz_inject");
	w->inject = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	CHECK(w->inject != NULL);
	rt.workers[0] = w;
	rt.n_workers = 1;
	CHECK(dp_tables_build(&rt, &cfg, &t, err, sizeof(err)) == 0);
	dp_tables_publish(&rt, t, &cfg);
	ctl_iface_setup(&rt);
	CHECK(ctl_neigh_setup(&rt) == 0);
	atexit(free_all); /* before LeakSanitizer's check, which was registered first */
	return 0;
}

/* What a worker would do with control packets: send them (here: free them). */
static void
drain(void)
{
	void *m;

	while (rte_ring_sc_dequeue(rt.workers[0]->inject, &m) == 0)
		rte_pktmbuf_free(m);
	while (rte_ring_sc_dequeue(rt.punt, &m) == 0)
		rte_pktmbuf_free(m);
}

static void
check_reply(const char *reply, bool *ok)
{
	json_error_t jerr;
	json_t *r = json_loads(reply, JSON_REJECT_DUPLICATES, &jerr), *id, *e;

	if (r == NULL)
		fprintf(stderr, "fuzz_ctl: reply is not JSON (%s): %.300s\n", jerr.text, reply);
	CHECK(r != NULL && json_is_object(r));
	CHECK(json_is_boolean(json_object_get(r, "ok")));
	id = json_object_get(r, "id");
	CHECK(id != NULL && (json_is_integer(id) || json_is_string(id) || json_is_null(id)));
	*ok = json_is_true(json_object_get(r, "ok"));
	if (*ok) {
		CHECK(json_object_get(r, "result") != NULL && json_object_get(r, "error") == NULL);
	} else {
		e = json_object_get(r, "error");
		CHECK(json_is_object(e));
		CHECK(json_string_length(json_object_get(e, "code")) > 0);
		CHECK(json_string_length(json_object_get(e, "message")) > 0);
	}
	CHECK(strchr(reply, '\n') == NULL); /* one line */
	json_decref(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	size_t len = nl ? (size_t)((const uint8_t *)nl - data) : size;
	char *before, *after, *reply;
	bool ok;

	if (len > CTL_LINE_MAX || len == 0)
		return -1; /* the socket refuses longer lines itself; an empty line is no request */
	before = hp_dump_text(rt.cfg);
	CHECK(before != NULL);
	ctl_cmd_batch(&rt, true);
	reply = ctl_cmd_line(&rt, (const char *)data, len);
	ctl_cmd_batch(&rt, false);
	CHECK(reply != NULL);
	check_reply(reply, &ok);
	if (!ok) {
		after = hp_dump_text(rt.cfg);
		CHECK(after != NULL);
		if (strcmp(before, after) != 0)
			fprintf(stderr, "fuzz_ctl: a refused request changed the model: %.300s\n", reply);
		CHECK(strcmp(before, after) == 0);
		free(after);
	}
	free(before);
	free(reply);
	drain();
	/* log.level may have turned the log up: keep the run quiet and fast */
	rte_log_set_global_level(RTE_LOG_ERR);
	return 0;
}
