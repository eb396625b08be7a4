/* Telemetry roll-up: per port/queue/worker counters, drops, latency, mempools -> JSON and text. */
#include <inttypes.h>
#include <net/if.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "l3_vec.h"
#include "lb.h"
#include "nodes_json.h"
#include "runtime.h"
#include "tables.h"
#include "worker_state.h"

static json_t *
latency_json(const struct hp_hist *h)
{
	struct hp_hist_summary s;

	hp_hist_summarize(h, &s);
	return json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)s.count, "min",
			 (json_int_t)s.min_ns, "mean", s.mean_ns, "p50", (json_int_t)s.p50, "p90",
			 (json_int_t)s.p90, "p99", (json_int_t)s.p99, "p99.9", (json_int_t)s.p999, "p99.99",
			 (json_int_t)s.p9999, "max", (json_int_t)s.max_ns);
}

json_t *
dp_stall_json(const struct hp_stall_view *v)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "threshold_ns",
			 (json_int_t)v->threshold_ns, "count", (json_int_t)v->count, "over_10us",
			 (json_int_t)v->over_10us, "over_100us", (json_int_t)v->over_100us, "over_1ms",
			 (json_int_t)v->over_1ms, "max_ns", (json_int_t)v->max_ns, "total_ns",
			 (json_int_t)v->total_ns, "busy", (json_int_t)v->busy);
}

json_t *
dp_host_json(const struct dp_runtime *rt, unsigned p, bool counters)
{
	const struct dp_host_stats *h = &rt->host[p];
	char name[IFNAMSIZ];
	json_t *o;

	hp_host_ifname(rt->ports.ports[p].conf->name, name, sizeof(name));
	o = json_pack("{s:s, s:s, s:i}", "type", "tap", "ifname", name, "ifindex", (int)h->ifindex);
	if (o == NULL || !counters)
		return o;
#define DP_HOST_JSON(n, help) json_object_set_new(o, #n, json_integer((json_int_t)h->n));
	DP_HOST_COUNTERS(DP_HOST_JSON)
#undef DP_HOST_JSON
	return o;
}

static json_t *
port_json(const struct dp_runtime *rt, unsigned p)
{
	const struct dp_port *port = &rt->ports.ports[p];
	struct rte_eth_stats es;
	uint64_t rx = 0, rxb = 0, tx = 0, txb = 0, refused = 0;
	json_t *rxqs = json_array(), *txqs = json_array(), *o;
	char mac[HP_MAC_STRLEN];

	for (unsigned w = 0; w < rt->n_workers; w++) {
		const struct dp_worker *wk = rt->workers[w];

		for (unsigned i = 0; i < wk->n_rx; i++) {
			if (wk->rx[i].port != p)
				continue;
			rx += wk->rx_stats[i].packets;
			rxb += wk->rx_stats[i].bytes;
			json_array_append_new(
				rxqs, json_pack("{s:i, s:i, s:I, s:I}", "queue", wk->rx[i].queue, "lcore",
						wk->lcore, "rx_packets", (json_int_t)wk->rx_stats[i].packets,
						"rx_bytes", (json_int_t)wk->rx_stats[i].bytes));
		}
		if (rt->map.workers[w].txq[p] == DP_NO_TXQ)
			continue;
		tx += wk->tx_stats[p].packets;
		txb += wk->tx_stats[p].bytes;
		refused += wk->tx_stats[p].refused;
		json_array_append_new(txqs, json_pack("{s:i, s:i, s:I, s:I, s:I}", "queue",
						      rt->map.workers[w].txq[p], "lcore", wk->lcore,
						      "tx_packets", (json_int_t)wk->tx_stats[p].packets,
						      "tx_bytes", (json_int_t)wk->tx_stats[p].bytes,
						      "tx_refused", (json_int_t)wk->tx_stats[p].refused));
	}

	if (port->started)
		rte_eth_stats_get(port->port_id, &es);
	else
		es = port->final_stats; /* after stop: what the device counted until then */
	hp_mac_format(port->mac.addr_bytes, mac, sizeof(mac));
	o = json_pack(
		"{s:s, s:s, s:i, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:o, s:o,"
		" s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
		"name", port->conf->name, "device", port->conf->device, "port_id", port->port_id, "driver",
		port->driver, "mac", mac, "rx_queues", port->n_rxq, "tx_queues", port->n_txq, "rx_packets",
		(json_int_t)rx, "rx_bytes", (json_int_t)rxb, "tx_packets", (json_int_t)tx, "tx_bytes",
		(json_int_t)txb, "tx_refused", (json_int_t)refused, "rxq", rxqs, "txq", txqs, "device_stats",
		"ipackets", (json_int_t)es.ipackets, "opackets", (json_int_t)es.opackets, "ibytes",
		(json_int_t)es.ibytes, "obytes", (json_int_t)es.obytes, "imissed", (json_int_t)es.imissed,
		"ierrors", (json_int_t)es.ierrors, "oerrors", (json_int_t)es.oerrors, "rx_nombuf",
		(json_int_t)es.rx_nombuf);
	if (o != NULL && port->conf->host == HP_HOST_TAP)
		json_object_set_new(o, "host", dp_host_json(rt, p, true));
	return o;
}

static json_t *
drops_json(const uint64_t drops[DP_DROP_MAX])
{
	json_t *o = json_object();

	for (unsigned r = 1; r < DP_DROP_MAX; r++)
		json_object_set_new(o, dp_drop_names[r], json_integer((json_int_t)drops[r]));
	return o;
}

static json_t *
punts_json(const uint64_t punted[DP_PUNT_MAX])
{
	json_t *o = json_object();

	for (unsigned r = 1; r < DP_PUNT_MAX; r++)
		json_object_set_new(o, dp_punt_names[r], json_integer((json_int_t)punted[r]));
	return o;
}

static json_t *
slow_json(const struct dp_slow_stats *s)
{
	json_t *o = json_object();

#define DP_SLOW_JSON(name, help) json_object_set_new(o, #name, json_integer((json_int_t)s->name));
	DP_SLOW_COUNTERS(DP_SLOW_JSON)
	DP_NEIGH_GAUGES(DP_SLOW_JSON)
#undef DP_SLOW_JSON
	json_object_set_new(o, "punted", punts_json(s->punted));
	return o;
}

/* Hits of every ACL rule, summed over workers. */
static json_t *
acl_json(const struct dp_runtime *rt)
{
	const struct dp_tables *t = rt->tables;
	json_t *a = json_array();

	if (t == NULL || t->acl.compiled == NULL)
		return a;
	for (unsigned i = 0; i < dp_acl_n_rules(t->acl.compiled); i++) {
		struct dp_acl_rule_stats h = dp_tables_acl_hits(t, rt->n_workers, i);

		json_array_append_new(a, json_pack("{s:i, s:i, s:s, s:I, s:I}", "line", rt->cfg->acl[i].line,
						   "priority", (int)rt->cfg->acl[i].priority, "action",
						   hp_acl_action_name(rt->cfg->acl[i].action), "packets",
						   (json_int_t)h.packets, "bytes", (json_int_t)h.bytes));
	}
	return a;
}

/* Each policer's marks by colour, summed over workers, since the running ACL was built. */
static json_t *
policers_json(const struct dp_runtime *rt)
{
	const struct dp_tables *t = rt->tables;
	json_t *a = json_array();

	if (t == NULL || t->acl.compiled == NULL)
		return a;
	for (unsigned i = 0; i < rt->cfg->n_policers; i++) {
		uint64_t c[DP_ACL_NCOLOURS] = {0, 0, 0};

		for (unsigned w = 0; w < rt->n_workers; w++)
			dp_acl_worker_colours(t->acl.worker[w], i, c);
		json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:I}", "name", rt->cfg->policers[i].name,
						   "green", (json_int_t)c[0], "yellow", (json_int_t)c[1],
						   "red", (json_int_t)c[2]));
	}
	return a;
}

/* The ACL result cache per family, summed over workers (see acl.c). */
static json_t *
acl_cache_json(const struct dp_runtime *rt)
{
	const struct dp_tables *t = rt->tables;
	json_t *o = json_object();

	if (t == NULL || t->acl.compiled == NULL)
		return o;
	for (int f = 0; f < 2; f++) {
		uint64_t hits = 0, misses = 0;

		for (unsigned w = 0; w < rt->n_workers; w++) {
			const struct dp_acl_cache_stats *cs = dp_acl_worker_cache_stats(
				t->acl.worker[w], f == 0 ? DP_L3_IPV4 : DP_L3_IPV6);
			hits += cs->hits;
			misses += cs->misses;
		}
		json_object_set_new(
			o, f == 0 ? "ipv4" : "ipv6",
			json_pack("{s:I, s:I}", "hits", (json_int_t)hits, "misses", (json_int_t)misses));
	}
	return o;
}

static json_t *
worker_json(const struct dp_worker *w)
{
	uint64_t rx = 0, tx = 0, refused = 0;
	struct hp_stall_view sv;
	double cpp;

	for (unsigned i = 0; i < w->n_rx; i++)
		rx += w->rx_stats[i].packets;
	for (unsigned p = 0; p < HP_MAX_PORTS; p++) {
		tx += w->tx_stats[p].packets;
		refused += w->tx_stats[p].refused;
	}
	cpp = rx ? (double)w->busy_cycles / (double)rx : 0.0;
	hp_stall_read(&w->stall, NULL, w->stall_conf.thresh_ns, &sv);
	return json_pack("{s:i, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:o, s:o}",
			 "lcore", w->lcore, "rx_packets", (json_int_t)rx, "tx_packets", (json_int_t)tx,
			 "tx_refused", (json_int_t)refused, "drops", drops_json(w->drops), "punted",
			 punts_json(w->punted), "injected", (json_int_t)w->injected, "doorbells",
			 (json_int_t)w->doorbells, "loops", (json_int_t)w->loops, "busy_loops",
			 (json_int_t)w->busy_loops, "busy_cycles", (json_int_t)w->busy_cycles, "idle_cycles",
			 (json_int_t)w->idle_cycles, "cycles_per_packet", cpp, "latency_ns",
			 latency_json(&w->latency), "stall", dp_stall_json(&sv));
}

json_t *
dp_report_json(const struct dp_runtime *rt)
{
	json_t *ports = json_array(), *workers = json_array(), *pools = json_array();
	uint64_t drops[DP_DROP_MAX] = {0}, rx = 0, tx = 0;
	uint64_t end = rt->stop_tsc ? rt->stop_tsc : rte_rdtsc();
	double elapsed = rt->start_tsc && rt->tsc_hz ? (double)(end - rt->start_tsc) / (double)rt->tsc_hz
						     : 0.0;
	struct hp_hist *all = calloc(1, sizeof(*all));
	json_t *report;

	if (all == NULL)
		return NULL;
	hp_hist_init(all);
	for (unsigned p = 0; p < rt->ports.n; p++)
		json_array_append_new(ports, port_json(rt, p));
	for (unsigned w = 0; w < rt->n_workers; w++) {
		const struct dp_worker *wk = rt->workers[w];

		json_array_append_new(workers, worker_json(wk));
		for (unsigned r = 0; r < DP_DROP_MAX; r++)
			drops[r] += wk->drops[r];
		for (unsigned i = 0; i < wk->n_rx; i++)
			rx += wk->rx_stats[i].packets;
		for (unsigned p = 0; p < HP_MAX_PORTS; p++)
			tx += wk->tx_stats[p].packets;
		hp_hist_merge(all, &wk->latency);
	}
	for (unsigned s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		const struct rte_mempool *mp = rt->ports.pools[s];

		if (mp == NULL)
			continue;
		json_array_append_new(pools, json_pack("{s:s, s:i, s:i, s:i, s:i}", "name", mp->name,
						       "socket", (int)s, "size", (int)mp->size, "available",
						       (int)rte_mempool_avail_count(mp), "in_use",
						       (int)rte_mempool_in_use_count(mp)));
	}
	report = json_pack("{s:f, s:I, s:I, s:f, s:f, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
			   "elapsed_s", elapsed, "rx_packets", (json_int_t)rx, "tx_packets", (json_int_t)tx,
			   "rx_mpps", elapsed > 0 ? (double)rx / elapsed / 1e6 : 0.0, "tx_mpps",
			   elapsed > 0 ? (double)tx / elapsed / 1e6 : 0.0, "ports", ports, "workers", workers,
			   "drops", drops_json(drops), "latency_ns", latency_json(all), "mempools", pools,
			   "slowpath", slow_json(&rt->slow), "slowpath_latency_ns",
			   latency_json(&rt->slow_latency), "acl", acl_json(rt), "acl_cache",
			   acl_cache_json(rt), "policers", policers_json(rt));
	/* each worker's nodes (hpctl runtime), since runtime.clear */
	if (report != NULL) {
		json_t *nodes = json_array();

		for (unsigned w = 0; nodes != NULL && w < rt->n_workers; w++)
			json_array_append_new(
				nodes,
				dp_nodes_json(rt->workers[w], rt->nodes_base ? &rt->nodes_base[w] : NULL));
		json_object_set_new(report, "runtime", nodes);
		/* which copy of the fast path the workers run (l3_vec.h) */
		json_object_set_new(report, "fast_path", json_string(dp_l3_vec_name(dp_l3_vec_width)));
	}
	/* the load balancer's VIPs and backends with their counters, once one is configured */
	if (report != NULL && rt->tables != NULL && rt->tables->lb != NULL)
		json_object_set_new(report, "lb", dp_lb_json(rt->tables->lb, true, rte_rdtsc()));
	free(all);
	return report;
}

static json_int_t
geti(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static void
print_latency(FILE *f, const char *who, const json_t *l)
{
	fprintf(f,
		"  %-10s %12" JSON_INTEGER_FORMAT " %9" JSON_INTEGER_FORMAT " %9" JSON_INTEGER_FORMAT
		" %9" JSON_INTEGER_FORMAT " %9" JSON_INTEGER_FORMAT " %9" JSON_INTEGER_FORMAT
		" %9" JSON_INTEGER_FORMAT " %11" JSON_INTEGER_FORMAT "\n",
		who, geti(l, "count"), geti(l, "min"), geti(l, "p50"), geti(l, "p90"), geti(l, "p99"),
		geti(l, "p99.9"), geti(l, "p99.99"), geti(l, "max"));
}

void
dp_report_print(FILE *f, const json_t *r)
{
	const json_t *v, *d;
	size_t i;
	const char *k;
	double elapsed = json_real_value(json_object_get(r, "elapsed_s"));

	fprintf(f,
		"hotpathd: ran %.2f s, rx %" JSON_INTEGER_FORMAT
		" packets (%.3f Mpps), tx %" JSON_INTEGER_FORMAT " packets (%.3f Mpps)\n",
		elapsed, geti(r, "rx_packets"), json_real_value(json_object_get(r, "rx_mpps")),
		geti(r, "tx_packets"), json_real_value(json_object_get(r, "tx_mpps")));

	fprintf(f, "\n  %-8s %-12s %5s %5s %14s %14s %10s %10s %10s\n", "port", "driver", "rxq", "txq",
		"rx packets", "tx packets", "tx refused", "imissed", "rx_nombuf");
	json_array_foreach(json_object_get(r, "ports"), i, v) {
		const json_t *ds = json_object_get(v, "device_stats");
		fprintf(f,
			"  %-8s %-12s %5" JSON_INTEGER_FORMAT " %5" JSON_INTEGER_FORMAT
			" %14" JSON_INTEGER_FORMAT " %14" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
			" %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT "\n",
			json_string_value(json_object_get(v, "name")),
			json_string_value(json_object_get(v, "driver")), geti(v, "rx_queues"),
			geti(v, "tx_queues"), geti(v, "rx_packets"), geti(v, "tx_packets"),
			geti(v, "tx_refused"), geti(ds, "imissed"), geti(ds, "rx_nombuf"));
	}

	json_array_foreach(json_object_get(r, "ports"), i, v) {
		const json_t *h = json_object_get(v, "host");

		if (h == NULL)
			continue;
		fprintf(f, "  %-8s host interface %s (ifindex %" JSON_INTEGER_FORMAT "):",
			json_string_value(json_object_get(v, "name")),
			json_string_value(json_object_get(h, "ifname")), geti(h, "ifindex"));
		json_object_foreach((json_t *)h, k, d)
			if (json_is_integer(d) && strcmp(k, "ifindex") != 0)
				fprintf(f, " %s=%" JSON_INTEGER_FORMAT, k, json_integer_value(d));
		fprintf(f, "\n");
	}

	fprintf(f, "\n  %-8s %14s %14s %10s %8s %12s\n", "lcore", "rx packets", "tx packets", "dropped",
		"busy %", "cycles/pkt");
	json_array_foreach(json_object_get(r, "workers"), i, v) {
		json_int_t busy = geti(v, "busy_cycles"), idle = geti(v, "idle_cycles"), dropped = 0;
		json_object_foreach((json_t *)json_object_get(v, "drops"), k, d)
			dropped += json_integer_value(d);
		fprintf(f,
			"  %-8" JSON_INTEGER_FORMAT " %14" JSON_INTEGER_FORMAT " %14" JSON_INTEGER_FORMAT
			" %10" JSON_INTEGER_FORMAT " %7.1f%% %12.1f\n",
			geti(v, "lcore"), geti(v, "rx_packets"), geti(v, "tx_packets"), dropped,
			busy + idle ? 100.0 * (double)busy / (double)(busy + idle) : 0.0,
			json_real_value(json_object_get(v, "cycles_per_packet")));
	}

	fprintf(f, "\n  drops:");
	json_object_foreach((json_t *)json_object_get(r, "drops"), k, d)
		if (json_integer_value(d))
			fprintf(f, " %s=%" JSON_INTEGER_FORMAT, k, json_integer_value(d));
	fprintf(f, "\n  slow path:");
	json_object_foreach((json_t *)json_object_get(r, "slowpath"), k, d)
		if (json_is_integer(d) && json_integer_value(d))
			fprintf(f, " %s=%" JSON_INTEGER_FORMAT, k, json_integer_value(d));
	fprintf(f, "\n\n  latency (ns, RX burst -> TX)\n  %-10s %12s %9s %9s %9s %9s %9s %9s %11s\n", "",
		"count", "min", "p50", "p90", "p99", "p99.9", "p99.99", "max");
	json_array_foreach(json_object_get(r, "workers"), i, v) {
		char who[32];
		snprintf(who, sizeof(who), "lcore %" JSON_INTEGER_FORMAT, geti(v, "lcore"));
		print_latency(f, who, json_object_get(v, "latency_ns"));
	}
	print_latency(f, "all", json_object_get(r, "latency_ns"));
	print_latency(f, "slow path", json_object_get(r, "slowpath_latency_ns"));
	fprintf(f, "  (slow path: a punted packet's RX burst -> the control thread done with it)\n");

	v = json_array_get(json_object_get(r, "workers"), 0);
	fprintf(f,
		"\n  stalls (poll-loop gaps over %.1f us: the loop was not running; times in us)\n"
		"  %-10s %10s %10s %10s %10s %11s %11s %10s\n",
		(double)geti(json_object_get(v, "stall"), "threshold_ns") / 1e3, "", "count", "> 10us",
		"> 100us", "> 1ms", "max", "total", "busy");
	json_array_foreach(json_object_get(r, "workers"), i, v) {
		const json_t *s = json_object_get(v, "stall");
		fprintf(f,
			"  lcore %-4" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
			" %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
			" %11.1f %11.1f %10" JSON_INTEGER_FORMAT "\n",
			geti(v, "lcore"), geti(s, "count"), geti(s, "over_10us"), geti(s, "over_100us"),
			geti(s, "over_1ms"), (double)geti(s, "max_ns") / 1e3,
			(double)geti(s, "total_ns") / 1e3, geti(s, "busy"));
	}

	fprintf(f, "\n");
	json_array_foreach(json_object_get(r, "mempools"), i, v)
		fprintf(f,
			"  mempool %s: %" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT " mbufs available%s\n",
			json_string_value(json_object_get(v, "name")), geti(v, "available"), geti(v, "size"),
			geti(v, "available") == geti(v, "size") ? "" : " (NOT FULL)");
}
