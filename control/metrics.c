/* Prometheus text exposition of every counter at GET /metrics, served by libmicrohttpd on the control thread. */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <microhttpd.h>
#include <rte_cycles.h>

#include "ct.h"
#include "ctview.h"
#include "jsonget.h"
#include "linux.h"
#include "log.h"
#include "loop.h"
#include "lb.h"
#include "lbhealth.h"
#include "metrics.h"
#include "nat.h"
#include "rib.h"
#include "tables.h"
#include "worker_state.h"
#include "xdp.h"

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define CTL_LATENCY_TOP_NS 10000000000ull /* the last finite histogram bound: 10 s */

/* ------------------------------------------------------------ exposition */

struct lbl {
	const char *k, *v;
};

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k="v",...}: values are config names and driver strings, escaped as the format asks. */
static void
series(FILE *f, const char *name, const struct lbl *l, unsigned n)
{
	fputs(name, f);
	for (unsigned i = 0; i < n; i++) {
		fprintf(f, "%s%s=\"", i ? "," : "{", l[i].k);
		for (const char *s = l[i].v; *s; s++) {
			if (*s == '\\' || *s == '"')
				fputc('\\', f);
			if (*s == '\n')
				fputs("\\n", f);
			else
				fputc(*s, f);
		}
		fputc('"', f);
	}
	if (n > 0)
		fputc('}', f);
}

static void
put_u64(FILE *f, const char *name, const struct lbl *l, unsigned n, uint64_t v)
{
	series(f, name, l, n);
	fprintf(f, " %" PRIu64 "\n", v);
}

static void
put_dbl(FILE *f, const char *name, const struct lbl *l, unsigned n, double v)
{
	series(f, name, l, n);
	fprintf(f, " %.9f\n", v); /* ns resolution, as counted */
}

/* Per-port counters: the workers' own counts, then what the device says (rte_eth_stats_get). */
static const struct {
	const char *name, *key;
	bool device; /* key is in device_stats */
	const char *help;
} port_counters[] = {
	{"hotpath_port_rx_packets_total", "rx_packets", false, "Packets the workers received from the port."},
	{"hotpath_port_rx_bytes_total", "rx_bytes", false, "Bytes the workers received from the port."},
	{"hotpath_port_tx_packets_total", "tx_packets", false, "Packets the port's TX queues accepted."},
	{"hotpath_port_tx_bytes_total", "tx_bytes", false, "Bytes the port's TX queues accepted."},
	{"hotpath_port_tx_refused_packets_total", "tx_refused", false,
	 "Packets dropped because the port's TX queue was full."},
	{"hotpath_port_device_rx_packets_total", "ipackets", true,
	 "Packets the device received (ethdev ipackets)."},
	{"hotpath_port_device_rx_bytes_total", "ibytes", true, "Bytes the device received (ethdev ibytes)."},
	{"hotpath_port_device_tx_packets_total", "opackets", true,
	 "Packets the device sent (ethdev opackets)."},
	{"hotpath_port_device_tx_bytes_total", "obytes", true, "Bytes the device sent (ethdev obytes)."},
	{"hotpath_port_rx_missed_packets_total", "imissed", true,
	 "Packets the device dropped because no RX descriptor was free (ethdev imissed)."},
	{"hotpath_port_rx_errors_total", "ierrors", true,
	 "Erroneous packets the device received (ethdev ierrors)."},
	{"hotpath_port_tx_errors_total", "oerrors", true,
	 "Packets the device failed to send (ethdev oerrors)."},
	{"hotpath_port_rx_nombuf_total", "rx_nombuf", true,
	 "RX mbuf allocation failures (ethdev rx_nombuf)."},
};

/* Per-queue counters: key in the port's rxq or txq entries. */
static const struct {
	const char *name, *list, *key, *help;
} queue_counters[] = {
	{"hotpath_port_queue_rx_packets_total", "rxq", "rx_packets",
	 "Packets a worker received from one RX queue."},
	{"hotpath_port_queue_rx_bytes_total", "rxq", "rx_bytes",
	 "Bytes a worker received from one RX queue."},
	{"hotpath_port_queue_tx_packets_total", "txq", "tx_packets", "Packets one TX queue accepted."},
	{"hotpath_port_queue_tx_bytes_total", "txq", "tx_bytes", "Bytes one TX queue accepted."},
	{"hotpath_port_queue_tx_refused_packets_total", "txq", "tx_refused",
	 "Packets dropped because one TX queue was full."},
};

/* Per-worker counters; cycle counts become seconds. */
static const struct {
	const char *name, *key;
	bool cycles;
	const char *help;
} worker_counters[] = {
	{"hotpath_worker_rx_packets_total", "rx_packets", false, "Packets the worker received."},
	{"hotpath_worker_tx_packets_total", "tx_packets", false, "Packets the worker's TX queues accepted."},
	{"hotpath_worker_tx_refused_packets_total", "tx_refused", false,
	 "Packets the worker dropped because a TX queue was full."},
	{"hotpath_worker_injected_packets_total", "injected", false,
	 "Packets of the control thread the worker sent."},
	{"hotpath_worker_doorbells_total", "doorbells", false,
	 "Times the worker woke the sleeping control thread for punted packets (one write each)."},
	{"hotpath_worker_loops_total", "loops", false, "Poll loop iterations."},
	{"hotpath_worker_busy_loops_total", "busy_loops", false,
	 "Poll loop iterations that received packets."},
	{"hotpath_worker_busy_seconds_total", "busy_cycles", true,
	 "Time spent in poll loop iterations that received packets."},
	{"hotpath_worker_idle_seconds_total", "idle_cycles", true,
	 "Time spent in poll loop iterations that received nothing."},
};

static void
write_ports(FILE *f, const struct dp_runtime *rt, const json_t *ports)
{
	const json_t *p, *q;
	size_t i, j;
	char lcore[24], queue[24];

	family(f, "hotpath_port_info", "gauge",
	       "Ports: config name, driver, MAC address and mode (always 1).");
	json_array_foreach(ports, i, p) {
		const char *mode = i < rt->cfg->n_ports ? hp_port_mode_name(rt->cfg->ports[i].mode) : "";
		struct lbl l[] = {{"port", js(p, "name")},
				  {"driver", js(p, "driver")},
				  {"mac", js(p, "mac")},
				  {"mode", mode}};
		put_u64(f, "hotpath_port_info", l, 4, 1);
	}
	for (size_t c = 0; c < RTE_DIM(port_counters); c++) {
		family(f, port_counters[c].name, "counter", port_counters[c].help);
		json_array_foreach(ports, i, p) {
			const json_t *src = port_counters[c].device ? json_object_get(p, "device_stats") : p;
			struct lbl l[] = {{"port", js(p, "name")}};
			put_u64(f, port_counters[c].name, l, 1, ju(src, port_counters[c].key));
		}
	}
	for (size_t c = 0; c < RTE_DIM(queue_counters); c++) {
		family(f, queue_counters[c].name, "counter", queue_counters[c].help);
		json_array_foreach(ports, i, p) {
			json_array_foreach(json_object_get(p, queue_counters[c].list), j, q) {
				snprintf(queue, sizeof(queue), "%" PRIu64, ju(q, "queue"));
				snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(q, "lcore"));
				struct lbl l[] = {
					{"port", js(p, "name")}, {"queue", queue}, {"lcore", lcore}};
				put_u64(f, queue_counters[c].name, l, 3, ju(q, queue_counters[c].key));
			}
		}
	}
}

/* Host interfaces (ports[].host: tap, control/hostif.c): the report's ports[].host objects. */
static void
write_host(FILE *f, const json_t *ports)
{
	static const struct {
		const char *name, *lkey, *lval, *key;
	} rows[] = {
		{"hotpath_host_packets_total", "direction", "to_host", "to_host"},
		{"hotpath_host_packets_total", "direction", "to_port", "to_port"},
		{"hotpath_host_dropped_packets_total", "reason", "to_host_failed", "to_host_failed"},
		{"hotpath_host_dropped_packets_total", "reason", "oversize", "from_host_oversize"},
		{"hotpath_host_dropped_packets_total", "reason", "runt", "from_host_runt"},
		{"hotpath_host_dropped_packets_total", "reason", "inject_full", "from_host_inject_full"},
		{"hotpath_host_neighbours_total", "op", "added", "neigh_added"},
		{"hotpath_host_neighbours_total", "op", "removed", "neigh_removed"},
		{"hotpath_host_neighbours_total", "op", "arp_answered", "arp_answered"},
	};
	static const char *const help[] = {
		"Frames through a port's host interface: to_host (punted, not served by hotpathd, written to "
		"the TAP) and to_port (the kernel sent them on the TAP, out on the port).",
		"Frames the host interface path dropped: to_host_failed (the TAP refused a write), oversize "
		"(longer than the port's MTU), runt (shorter than Ethernet), inject_full (no mbuf or ring room).",
		"Neighbours hotpathd wrote to (added) or removed from (removed) the kernel on the host interface, "
		"and the kernel's ARP requests it answered from its own table (arp_answered).",
	};
	const json_t *p, *h;
	size_t i;
	char ifindex[24];
	bool any = false;

	json_array_foreach(ports, i, p)
		any |= json_object_get(p, "host") != NULL;
	if (!any)
		return;
	family(f, "hotpath_host_info", "gauge",
	       "A port's host interface: its kernel name and ifindex (always 1).");
	json_array_foreach(ports, i, p) {
		if ((h = json_object_get(p, "host")) == NULL)
			continue;
		snprintf(ifindex, sizeof(ifindex), "%" PRIu64, ju(h, "ifindex"));
		struct lbl l[] = {{"port", js(p, "name")}, {"ifname", js(h, "ifname")}, {"ifindex", ifindex}};
		put_u64(f, "hotpath_host_info", l, 3, 1);
	}
	for (size_t r = 0; r < RTE_DIM(rows); r++) {
		if (r == 0 || strcmp(rows[r].name, rows[r - 1].name) != 0)
			family(f, rows[r].name, "counter", help[r < 2 ? 0 : r < 6 ? 1 : 2]);
		json_array_foreach(ports, i, p) {
			if ((h = json_object_get(p, "host")) == NULL)
				continue;
			struct lbl l[] = {{"port", js(p, "name")}, {rows[r].lkey, rows[r].lval}};
			put_u64(f, rows[r].name, l, 2, ju(h, rows[r].key));
		}
	}
	family(f, "hotpath_host_netlink_errors_total", "counter",
	       "Netlink requests about a port's host interface the kernel refused.");
	json_array_foreach(ports, i, p) {
		if ((h = json_object_get(p, "host")) == NULL)
			continue;
		struct lbl l[] = {{"port", js(p, "name")}};
		put_u64(f, "hotpath_host_netlink_errors_total", l, 1, ju(h, "netlink_errors"));
	}
}

static void
write_workers(FILE *f, const struct dp_runtime *rt, const json_t *workers)
{
	const json_t *w, *v;
	const char *k;
	size_t i;
	char lcore[24];

	for (size_t c = 0; c < RTE_DIM(worker_counters); c++) {
		family(f, worker_counters[c].name, "counter", worker_counters[c].help);
		json_array_foreach(workers, i, w) {
			uint64_t n = ju(w, worker_counters[c].key);

			snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
			struct lbl l[] = {{"lcore", lcore}};
			if (worker_counters[c].cycles)
				put_dbl(f, worker_counters[c].name, l, 1,
					rt->tsc_hz ? (double)n / (double)rt->tsc_hz : 0.0);
			else
				put_u64(f, worker_counters[c].name, l, 1, n);
		}
	}
	/* by reason in hotpath_dropped_packets_total; here which worker drops */
	family(f, "hotpath_worker_dropped_packets_total", "counter",
	       "Packets the worker dropped, all reasons.");
	json_array_foreach(workers, i, w) {
		uint64_t n = 0;

		json_object_foreach((json_t *)json_object_get(w, "drops"), k, v)
			n += (uint64_t)json_integer_value(v);
		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		struct lbl l[] = {{"lcore", lcore}};
		put_u64(f, "hotpath_worker_dropped_packets_total", l, 1, n);
	}
}

/* Each worker's nodes (hpctl runtime, dataplane/nodes.h): counters while it counts them; cycles
 * per packet is rate(sampled_cycles) / rate(sampled_packets). */
static void
write_runtime(FILE *f, const json_t *workers, const char *fast)
{
	static const char *const fam[][3] = {
		{"hotpath_node_calls_total", "calls", "Times the node ran with packets (while counting)."},
		{"hotpath_node_packets_total", "packets", "Packets the node saw (while counting)."},
		{"hotpath_node_sampled_packets_total", "sampled_packets", "Packets of its timed calls."},
		{"hotpath_node_sampled_cycles_total", "sampled_cycles", "TSC cycles of its timed calls."},
	};
	const json_t *w, *nd;
	size_t i, k;
	char lcore[24];

	if (fast != NULL) {
		family(f, "hotpath_fast_path_info", "gauge",
		       "The fast path's copy the workers run (hotpathd --fast-path), always 1.");
		put_u64(f, "hotpath_fast_path_info", (struct lbl[]){{"copy", fast}}, 1, 1);
	}
	family(f, "hotpath_worker_counting_nodes", "gauge",
	       "1 while the worker counts its nodes (hpctl runtime on).");
	json_array_foreach(workers, i, w) {
		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		put_u64(f, "hotpath_worker_counting_nodes", (struct lbl[]){{"lcore", lcore}}, 1,
			json_is_true(json_object_get(w, "counting")));
	}
	for (size_t c = 0; c < RTE_DIM(fam); c++) {
		family(f, fam[c][0], "counter", fam[c][2]);
		json_array_foreach(workers, i, w) {
			snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
			json_array_foreach(json_object_get(w, "nodes"), k, nd) {
				struct lbl l[] = {{"lcore", lcore},
						  {"node", json_string_value(json_object_get(nd, "name"))}};

				put_u64(f, fam[c][0], l, 2, ju(nd, fam[c][1]));
			}
		}
	}
}

/*
 * Each worker's poll-loop stalls (gaps above the threshold, lib/stall.h) as a
 * histogram with the bounds 10 us, 100 us and 1 ms, from the exact counters
 * over them (one snapshot: +Inf == _count). Since start; latency.reset does
 * not touch them. The names are a contract with docs/grafana and the alert rules.
 */
static void
write_stalls(FILE *f, const json_t *workers)
{
	static const struct {
		const char *le, *over;
	} bounds[] = {{"1e-05", "over_10us"}, {"0.0001", "over_100us"}, {"0.001", "over_1ms"}};
	const json_t *w, *s;
	size_t i;
	char lcore[24];

	family(f, "hotpath_worker_stall_seconds", "histogram",
	       "Poll-loop gaps above the stall threshold (the loop was not running), per worker.");
	json_array_foreach(workers, i, w) {
		s = json_object_get(w, "stall");
		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		for (size_t b = 0; b < RTE_DIM(bounds); b++) {
			struct lbl l[] = {{"lcore", lcore}, {"le", bounds[b].le}};
			put_u64(f, "hotpath_worker_stall_seconds_bucket", l, 2,
				ju(s, "count") - ju(s, bounds[b].over));
		}
		struct lbl inf[] = {{"lcore", lcore}, {"le", "+Inf"}};
		put_u64(f, "hotpath_worker_stall_seconds_bucket", inf, 2, ju(s, "count"));
		struct lbl l[] = {{"lcore", lcore}};
		put_dbl(f, "hotpath_worker_stall_seconds_sum", l, 1, (double)ju(s, "total_ns") / 1e9);
		put_u64(f, "hotpath_worker_stall_seconds_count", l, 1, ju(s, "count"));
	}
	family(f, "hotpath_worker_stall_max_seconds", "gauge",
	       "Longest poll-loop stall since start, per worker.");
	json_array_foreach(workers, i, w) {
		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		struct lbl l[] = {{"lcore", lcore}};
		put_dbl(f, "hotpath_worker_stall_max_seconds", l, 1,
			(double)ju(json_object_get(w, "stall"), "max_ns") / 1e9);
	}
	family(f, "hotpath_worker_stall_threshold_seconds", "gauge",
	       "A poll-loop gap above this is a stall (control.stall_threshold_us).");
	put_dbl(f, "hotpath_worker_stall_threshold_seconds", NULL, 0,
		(double)ju(json_object_get(json_array_get(workers, 0), "stall"), "threshold_ns") / 1e9);
}

/* The slow path's own counters (runtime.h), one family each. */
static const struct {
	const char *key, *help;
} slow_counters[] = {
#define SLOW_ENTRY(name, help) {#name, help},
	DP_SLOW_COUNTERS(SLOW_ENTRY)
#undef SLOW_ENTRY
};

static const struct {
	const char *key, *help;
} neigh_gauges[] = {
#define SLOW_ENTRY(name, help) {#name, help},
	DP_NEIGH_GAUGES(SLOW_ENTRY)
#undef SLOW_ENTRY
};

static void
write_drops_and_punts(FILE *f, const json_t *report)
{
	const json_t *workers = json_object_get(report, "workers"), *drops = json_object_get(report, "drops");
	const json_t *slow = json_object_get(report, "slowpath"), *w, *v, *first;
	const char *k;
	size_t i;

	family(f, "hotpath_dropped_packets_total", "counter", "Packets the workers dropped, by reason.");
	for (unsigned r = 1; r < DP_DROP_MAX; r++) {
		struct lbl l[] = {{"reason", dp_drop_names[r]}};
		put_u64(f, "hotpath_dropped_packets_total", l, 1, ju(drops, dp_drop_names[r]));
	}

	/* the reasons are the keys of any worker's "punted" object */
	family(f, "hotpath_punted_packets_total", "counter",
	       "Packets the workers handed to the control thread (slow path), by reason.");
	first = json_object_get(json_array_get(workers, 0), "punted");
	json_object_foreach((json_t *)first, k, v) {
		uint64_t n = 0;

		json_array_foreach(workers, i, w)
			n += ju(json_object_get(w, "punted"), k);
		struct lbl l[] = {{"reason", k}};
		put_u64(f, "hotpath_punted_packets_total", l, 1, n);
	}
	family(f, "hotpath_slowpath_received_packets_total", "counter",
	       "Packets the control thread took from the punt ring, by reason.");
	json_object_foreach((json_t *)json_object_get(slow, "punted"), k, v) {
		struct lbl l[] = {{"reason", k}};
		put_u64(f, "hotpath_slowpath_received_packets_total", l, 1, (uint64_t)json_integer_value(v));
	}

	for (size_t c = 0; c < RTE_DIM(slow_counters); c++) {
		/* "_us" would read as microseconds to Prometheus' linter */
		const char *key = slow_counters[c].key;
		char name[64], help[128];

		snprintf(name, sizeof(name), "hotpath_slowpath_%s_total",
			 strcmp(key, "not_for_us") == 0 ? "for_other_hosts" : key);
		snprintf(help, sizeof(help), "Slow path: %s.", slow_counters[c].help);
		family(f, name, "counter", help);
		put_u64(f, name, NULL, 0, ju(slow, key));
	}
	for (size_t c = 0; c < RTE_DIM(neigh_gauges); c++) {
		char name[64], help[128];

		snprintf(name, sizeof(name), "hotpath_%s", neigh_gauges[c].key);
		snprintf(help, sizeof(help), "Neighbour table: %s.", neigh_gauges[c].help);
		family(f, name, "gauge", help);
		put_u64(f, name, NULL, 0, ju(slow, neigh_gauges[c].key));
	}
}

static void
write_acl(FILE *f, const json_t *report)
{
	static const char *const names[] = {"hotpath_acl_rule_packets_total", "hotpath_acl_rule_bytes_total"};
	static const char *const keys[] = {"packets", "bytes"};
	static const char *const help[] = {"Packets that matched an ACL rule.",
					   "Bytes of packets that matched an ACL rule."};
	const json_t *rules = json_object_get(report, "acl"), *cache = json_object_get(report, "acl_cache"),
		     *r, *v;
	const char *k;
	char idx[24], line[24], prio[24];
	size_t i;

	for (unsigned c = 0; c < 2 && json_array_size(rules) > 0; c++) {
		family(f, names[c], "counter", help[c]);
		json_array_foreach(rules, i, r) {
			snprintf(idx, sizeof(idx), "%zu", i);
			snprintf(line, sizeof(line), "%" PRIu64, ju(r, "line"));
			snprintf(prio, sizeof(prio), "%" PRIu64, ju(r, "priority"));
			struct lbl l[] = {{"rule", idx},
					  {"line", line},
					  {"priority", prio},
					  {"action", js(r, "action")}};
			put_u64(f, names[c], l, 4, ju(r, keys[c]));
		}
	}
	if (json_object_size(cache) == 0)
		return;
	family(f, "hotpath_acl_cache_hits_total", "counter",
	       "ACL lookups answered by the per-worker flow cache.");
	json_object_foreach((json_t *)cache, k, v) {
		struct lbl l[] = {{"family", k}};
		put_u64(f, "hotpath_acl_cache_hits_total", l, 1, ju(v, "hits"));
	}
	family(f, "hotpath_acl_cache_misses_total", "counter", "ACL lookups that went to rte_acl.");
	json_object_foreach((json_t *)cache, k, v) {
		struct lbl l[] = {{"family", k}};
		put_u64(f, "hotpath_acl_cache_misses_total", l, 1, ju(v, "misses"));
	}
}

static void
write_mempools(FILE *f, const json_t *pools)
{
	static const char *const names[] = {"hotpath_mempool_size_mbufs", "hotpath_mempool_available_mbufs",
					    "hotpath_mempool_in_use_mbufs"};
	static const char *const keys[] = {"size", "available", "in_use"};
	static const char *const help[] = {"Mbufs in the packet pool.", "Mbufs free in the packet pool.",
					   "Mbufs of the packet pool in use (in rings, queues and workers)."};
	const json_t *p;
	char socket[24];
	size_t i;

	for (unsigned c = 0; c < 3; c++) {
		family(f, names[c], "gauge", help[c]);
		json_array_foreach(pools, i, p) {
			snprintf(socket, sizeof(socket), "%" PRIu64, ju(p, "socket"));
			struct lbl l[] = {{"pool", js(p, "name")}, {"socket", socket}};
			put_u64(f, names[c], l, 2, ju(p, keys[c]));
		}
	}
}

/*
 * The workers' log-linear histograms merged, folded into 1-2-5 bounds from
 * 100 ns to 10 s. A bucket of hp_hist counts under the first bound that its
 * whole range is below, so a sample may be counted one bound late when its
 * bucket (at most 1/64 of its value wide) straddles a bound, never early.
 */
/* The XDP program's verdicts by interface and reason (per-CPU counters summed). */
static void
write_xdp(FILE *f)
{
	static const char *const names[] = {"hotpath_xdp_packets_total", "hotpath_xdp_bytes_total"};
	static const char *const keys[] = {"packets", "bytes"};
	static const char *const help[] = {
		"Frames hotpath's XDP program decided on, by interface, verdict and reason.",
		"Bytes of those frames."};
	json_t *ifs, *counters, *v;
	const char *iface, *reason;

	if (!ctl_xdp_active() || (ifs = ctl_xdp_counters()) == NULL)
		return;
	for (size_t c = 0; c < RTE_DIM(names); c++) {
		family(f, names[c], "counter", help[c]);
		json_object_foreach(ifs, iface, counters) {
			json_object_foreach(counters, reason, v) {
				const char *verdict = strncmp(reason, "drop", 4) == 0   ? "drop"
						      : strncmp(reason, "pass", 4) == 0 ? "pass"
											: "redirect";
				struct lbl l[] = {{"iface", iface}, {"verdict", verdict}, {"reason", reason}};

				put_u64(f, names[c], l, RTE_DIM(l), ju(v, keys[c]));
			}
		}
	}
	json_decref(ifs);
}

/* h as a Prometheus histogram in seconds (1-2-5 bounds from 100 ns to 10 s) and its largest value. */
static void
write_hist(FILE *f, const char *name, const char *help, const char *max_name, const char *max_help,
	   const struct hp_hist *h)
{
	static const uint64_t steps[] = {1, 2, 5};
	uint64_t bounds[32], cum[32] = {0}, total = 0;
	unsigned nb = 0, b = 0;
	char series[96];

	for (uint64_t decade = 100; decade <= CTL_LATENCY_TOP_NS; decade *= 10)
		for (unsigned m = 0; m < RTE_DIM(steps); m++)
			if (steps[m] * decade <= CTL_LATENCY_TOP_NS)
				bounds[nb++] = steps[m] * decade;
	for (unsigned i = 0; i < HP_HIST_BUCKETS; i++) {
		uint64_t last = hp_hist_bucket_hi(i) - 1; /* largest value the bucket holds */

		while (b < nb && bounds[b] < last)
			b++;
		if (b < nb)
			cum[b] += h->buckets[i];
		total += h->buckets[i];
	}
	family(f, name, "histogram", help);
	snprintf(series, sizeof(series), "%s_bucket", name);
	for (unsigned i = 0; i < nb; i++) {
		char le[32];

		if (i > 0)
			cum[i] += cum[i - 1];
		snprintf(le, sizeof(le), "%g", (double)bounds[i] / 1e9);
		struct lbl l[] = {{"le", le}};
		put_u64(f, series, l, 1, cum[i]);
	}
	/* +Inf and _count from the same bucket snapshot, so they agree even while workers write */
	put_u64(f, series, (struct lbl[]){{"le", "+Inf"}}, 1, total);
	snprintf(series, sizeof(series), "%s_sum", name);
	put_dbl(f, series, NULL, 0, (double)h->sum_ns / 1e9);
	snprintf(series, sizeof(series), "%s_count", name);
	put_u64(f, series, NULL, 0, total);
	family(f, max_name, "gauge", max_help);
	put_dbl(f, max_name, NULL, 0, (double)h->max_ns / 1e9);
}

static int
write_latency(FILE *f, const struct dp_runtime *rt)
{
	struct hp_hist *all = malloc(sizeof(*all));

	if (all == NULL)
		return -ENOMEM;
	hp_hist_init(all);
	for (unsigned w = 0; w < rt->n_workers; w++)
		hp_hist_merge(all, &rt->workers[w]->latency);
	write_hist(f, "hotpath_latency_seconds",
		   "Residence time of forwarded packets, RX burst to TX, all workers.",
		   "hotpath_latency_max_seconds", "Largest residence time seen since start.", all);
	free(all);
	write_hist(
		f, "hotpath_slowpath_latency_seconds",
		"Punted packets (ARP, ND, ICMP, to resolve): RX burst to the control thread done with them.",
		"hotpath_slowpath_latency_max_seconds", "Largest slow-path latency seen since start.",
		&rt->slow_latency);
	return 0;
}

/* The control thread itself: how often it woke and what CPU it used (the render runs on it). */
static void
write_control(FILE *f)
{
	const struct ctl_loop_stats *ls = ctl_loop_stats();
	struct rusage ru;

	family(f, "hotpath_control_wakeups_total", "counter",
	       "Turns of the control thread's event loop that slept first (epoll_wait woke it).");
	put_u64(f, "hotpath_control_wakeups_total", NULL, 0, ls->sleeps);
	family(f, "hotpath_control_loop_turns_total", "counter", "Turns of the control thread's event loop.");
	put_u64(f, "hotpath_control_loop_turns_total", NULL, 0, ls->turns);
	if (getrusage(RUSAGE_THREAD, &ru) == 0) {
		family(f, "hotpath_control_cpu_seconds_total", "counter",
		       "CPU time of the control thread (user and system).");
		put_dbl(f, "hotpath_control_cpu_seconds_total", NULL, 0,
			(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
				(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	}
}

/* The kernel route mirror (control/linux.c), when the config has a linux: section. */
static void
write_linux(FILE *f, const struct dp_runtime *rt)
{
	const struct ctl_linux_stats *st = ctl_linux_stats();

	if (!rt->cfg->linux_rt.enabled || rt->tables == NULL)
		return;
	family(f, "hotpath_linux_routes", "gauge",
	       "Routes mirrored from the kernel table (origin linux), shadowed ones included.");
	put_u64(f, "hotpath_linux_routes", NULL, 0, ctl_rib_linux_count(rt));
	family(f, "hotpath_linux_skipped_total", "counter",
	       "Kernel route messages the mirror did not take, by cause.");
	for (unsigned c = RTNL_OTHER_TABLE; c < RTNL_N_CAUSES; c++) {
		struct lbl l[] = {{"cause", rtnl_cause_name(c)}};

		put_u64(f, "hotpath_linux_skipped_total", l, 1, st->skipped[c]);
	}
	family(f, "hotpath_linux_resyncs_total", "counter",
	       "Full dumps of the kernel table: the first, after an overrun, a socket error, a link change or config.");
	put_u64(f, "hotpath_linux_resyncs_total", NULL, 0, st->resyncs);
	family(f, "hotpath_linux_messages_total", "counter", "Route and link messages read from the kernel.");
	put_u64(f, "hotpath_linux_messages_total", NULL, 0, st->messages);
}

/* Connection tracking and NAT (control/ctview.c's objects), once something was tracked (an ACL
 * rule with state: or a nat: rule created the table): like the ACL's, absent before. */
static void
write_conntrack(FILE *f, const struct dp_runtime *rt)
{
	static const struct {
		const char *key, *help;
	} ct[] =
		{
#define CT_ROW(name, help) {#name, help},
			CT_WORKER_COUNTERS(CT_ROW)
#undef CT_ROW
		},
	  nat[] = {
#define NAT_ROW(name, help) {#name, help},
		  DP_NAT_COUNTERS(NAT_ROW)
#undef NAT_ROW
	  };
	const json_t *counters;
	json_t *st, *nc, *v;
	const char *k;
	char name[96], help[192];

	if (rt->ct == NULL)
		return;
	st = ctl_ct_stats(rt);
	nc = ctl_nat_counters(rt);
	counters = json_object_get(st, "counters");
	family(f, "hotpath_conntrack_connections", "gauge", "Connections in the table now (live entries).");
	put_u64(f, "hotpath_conntrack_connections", NULL, 0, ju(st, "count"));
	family(f, "hotpath_conntrack_max", "gauge", "Connections the table holds at most (conntrack.max).");
	put_u64(f, "hotpath_conntrack_max", NULL, 0, ju(st, "max"));
	family(f, "hotpath_conntrack_memory_bytes", "gauge", "Memory the connection table takes.");
	put_u64(f, "hotpath_conntrack_memory_bytes", NULL, 0, ju(st, "bytes"));
	family(f, "hotpath_conntrack_limbo", "gauge",
	       "Connections removed and waiting for a grace period before their entry is reused.");
	put_u64(f, "hotpath_conntrack_limbo", NULL, 0, ju(counters, "limbo"));
	for (size_t c = 0; c < RTE_DIM(ct); c++) {
		snprintf(name, sizeof(name), "hotpath_conntrack_%s_total", ct[c].key);
		snprintf(help, sizeof(help), "Conntrack, all workers: %s.", ct[c].help);
		family(f, name, "counter", help);
		put_u64(f, name, NULL, 0, ju(counters, ct[c].key));
	}
	family(f, "hotpath_conntrack_packets_total", "counter",
	       "Packets the conntrack stage classified, by the state the ACL saw.");
	json_object_foreach(json_object_get(st, "packets"), k, v) {
		struct lbl l[] = {{"state", k}};
		put_u64(f, "hotpath_conntrack_packets_total", l, 1, (uint64_t)json_integer_value(v));
	}
	family(f, "hotpath_conntrack_fast_path_total", "counter",
	       "Packets of tracked connections the established fast path took (of hotpath_conntrack_packets_total).");
	put_u64(f, "hotpath_conntrack_fast_path_total", NULL, 0, ju(st, "fast_path"));
	family(f, "hotpath_conntrack_invalid_total", "counter", "Packets of state invalid, by reason.");
	json_object_foreach(json_object_get(st, "invalid"), k, v) {
		struct lbl l[] = {{"reason", k}};
		put_u64(f, "hotpath_conntrack_invalid_total", l, 1, (uint64_t)json_integer_value(v));
	}
	for (size_t c = 0; c < RTE_DIM(nat); c++) {
		snprintf(name, sizeof(name), "hotpath_nat_%s_total", nat[c].key);
		snprintf(help, sizeof(help), "NAT, all workers: %s.", nat[c].help);
		family(f, name, "counter", help);
		put_u64(f, name, NULL, 0, ju(nc, nat[c].key));
	}
	family(f, "hotpath_nat_pool_free_ports", "gauge",
	       "Ports free in an snat rule's pool (all its addresses), by rule index and protocol.");
	for (unsigned i = 0; i < rt->cfg->n_nat; i++) {
		json_t *fp = ctl_nat_pool_free(rt, i);
		char rule[16];

		snprintf(rule, sizeof(rule), "%u", i);
		json_object_foreach(fp, k, v) {
			struct lbl l[] = {{"rule", rule}, {"proto", k}};
			put_u64(f, "hotpath_nat_pool_free_ports", l, 2, (uint64_t)json_integer_value(v));
		}
		json_decref(fp);
	}
	json_decref(st);
	json_decref(nc);
}

/* The health checker's view of each backend (lb.stats' "health" and "check"). */
/* A VIP's label as lb's metrics write it: ADDR:PORT/PROTO (port 0: every port). */
static void
vip_label(const json_t *v, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%" JSON_INTEGER_FORMAT "/%s", json_string_value(json_object_get(v, "vip")),
		 json_integer_value(json_object_get(v, "port")),
		 json_string_value(json_object_get(v, "proto")));
}

static void
write_lb_health(FILE *f, const json_t *lb)
{
	static const struct {
		const char *key, *name, *help;
	} rows[] = {
		{"probes", "hotpath_lb_health_probes_total", "Health probes of a backend that finished."},
		{"failures", "hotpath_lb_health_failures_total",
		 "Health probes of a backend that failed (refused, timeout, bad status...)."},
	};
	const json_t *v, *b;
	size_t i, k, rows_out = 0;

	/* the probes' families only with a checked backend: a family is never written empty */
	json_array_foreach(json_object_get(lb, "vips"), i, v)
		json_array_foreach(json_object_get(v, "backends"), k, b)
			if (json_object_get(b, "check") != NULL)
				rows_out = RTE_DIM(rows);
	for (size_t r = 0; r <= rows_out; r++) {
		const char *metric = r == 0 ? "hotpath_lb_backend_health" : rows[r - 1].name;

		if (r == 0)
			family(f, metric, "gauge",
			       "A backend's health: 1 up, 0 down, -1 unknown (no check, or none concluded yet).");
		else
			family(f, metric, "counter", rows[r - 1].help);
		json_array_foreach(json_object_get(lb, "vips"), i, v) {
			char name[96];

			vip_label(v, name, sizeof(name));
			json_array_foreach(json_object_get(v, "backends"), k, b) {
				struct lbl l[] = {{"vip", name},
						  {"backend", json_string_value(json_object_get(b, "ip"))}};
				const char *h = json_string_value(json_object_get(b, "health"));
				const json_t *c = json_object_get(b, "check");

				if (r == 0) {
					series(f, metric, l, 2);
					fprintf(f, " %d\n",
						!strcmp(h, "up")     ? 1
						: !strcmp(h, "down") ? 0
								     : -1);
				} else if (c != NULL)
					put_u64(f, metric, l, 2, ju(c, rows[r - 1].key));
			}
		}
	}
}

/* The load balancer (dataplane/lb.c), once a VIP is configured: per VIP and per backend. */
static void
write_lb(FILE *f, const struct dp_runtime *rt)
{
	static const struct {
		const char *key, *name, *help;
	} vip_rows[] =
		{
			{"packets", "hotpath_lb_packets_total", "Packets to a VIP sent to a backend."},
			{"bytes", "hotpath_lb_bytes_total",
			 "Bytes (frames as received) to a VIP sent to a backend."},
			{"flows", "hotpath_lb_flows_total", "New flows a VIP gave a backend."},
			{"moved", "hotpath_lb_moved_total",
			 "Flows given another backend: theirs went down or away."},
			{"no_backend", "hotpath_lb_no_backend_total",
			 "Packets to a VIP dropped: no backend up."},
		},
	  be_rows[] = {
		  {"packets", "hotpath_lb_backend_packets_total", "Packets sent to a backend."},
		  {"bytes", "hotpath_lb_backend_bytes_total",
		   "Bytes (frames as received) sent to a backend."},
		  {"new_flows", "hotpath_lb_backend_flows_total", "New flows given to a backend."},
	  };
	const json_t *v, *b, *w;
	json_t *lb;
	size_t i, k;

	if (rt->tables == NULL || rt->tables->lb == NULL)
		return;
	lb = dp_lb_json(rt->tables->lb, true, rte_rdtsc());
	ctl_lbhealth_json_merge(lb);
	for (size_t r = 0; r < RTE_DIM(vip_rows); r++) {
		family(f, vip_rows[r].name, "counter", vip_rows[r].help);
		json_array_foreach(json_object_get(lb, "vips"), i, v) {
			char name[96];
			struct lbl l[] = {{"vip", name}};

			vip_label(v, name, sizeof(name));
			put_u64(f, vip_rows[r].name, l, 1, ju(json_object_get(v, "stats"), vip_rows[r].key));
		}
	}
	for (size_t r = 0; r < RTE_DIM(be_rows) + 2; r++) {
		const char *metric = r < RTE_DIM(be_rows)    ? be_rows[r].name
				     : r == RTE_DIM(be_rows) ? "hotpath_lb_backend_up"
							     : "hotpath_lb_backend_ring_entries";

		if (r < RTE_DIM(be_rows))
			family(f, metric, "counter", be_rows[r].help);
		else if (r == RTE_DIM(be_rows))
			family(f, metric, "gauge",
			       "1 when a backend takes new flows (up, weight above 0), else 0.");
		else
			family(f, metric, "gauge", "Entries of its VIP's Maglev ring a backend holds.");
		json_array_foreach(json_object_get(lb, "vips"), i, v) {
			char name[96];

			vip_label(v, name, sizeof(name));
			json_array_foreach(json_object_get(v, "backends"), k, b) {
				struct lbl l[] = {{"vip", name},
						  {"backend", json_string_value(json_object_get(b, "ip"))}};
				uint64_t x = r < RTE_DIM(be_rows)
						     ? ju(json_object_get(b, "stats"), be_rows[r].key)
					     : r == RTE_DIM(be_rows)
						     ? !strcmp(json_string_value(json_object_get(b, "state")),
							       "up")
						     : ju(b, "ring_entries");

				put_u64(f, metric, l, 2, x);
			}
		}
	}
	write_lb_health(f, lb);
	for (unsigned r = 0; r < 2; r++) {
		const char *metric = r == 0 ? "hotpath_lb_flow_table_entries"
					    : "hotpath_lb_flow_table_evictions_total";

		family(f, metric, r == 0 ? "gauge" : "counter",
		       r == 0 ? "Live flows in a worker's load balancer flow table."
			      : "Live flows a worker's flow table forgot for a new one (its bucket full).");
		json_array_foreach(json_object_get(lb, "flow_tables"), i, w) {
			char wk[24];
			struct lbl l[] = {{"worker", wk}};

			snprintf(wk, sizeof(wk), "%zu", i);
			put_u64(f, metric, l, 1, ju(w, r == 0 ? "count" : "evictions"));
		}
	}
	json_decref(lb);
}

static uint64_t metrics_renders; /* pages written, this one included */

int
ctl_metrics_write(FILE *f, const struct dp_runtime *rt)
{
	static double start_time; /* computed once: TSC and wall clock drift apart by jitter */
	json_t *report = dp_report_json(rt);
	int rc;

	if (report == NULL)
		return -ENOMEM;
	if (start_time == 0.0 && rt->start_tsc != 0 && rt->tsc_hz != 0) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		start_time = (double)now.tv_sec + (double)now.tv_nsec / 1e9 -
			     (double)(rte_rdtsc() - rt->start_tsc) / (double)rt->tsc_hz;
	}
	if (start_time != 0.0) {
		family(f, "hotpath_start_time_seconds", "gauge",
		       "When the workers started, in seconds since the epoch.");
		fprintf(f, "hotpath_start_time_seconds %.3f\n", start_time);
	}
	write_ports(f, rt, json_object_get(report, "ports"));
	write_host(f, json_object_get(report, "ports"));
	write_workers(f, rt, json_object_get(report, "workers"));
	write_stalls(f, json_object_get(report, "workers"));
	write_runtime(f, json_object_get(report, "runtime"),
		      json_string_value(json_object_get(report, "fast_path")));
	write_drops_and_punts(f, report);
	write_acl(f, report);
	write_mempools(f, json_object_get(report, "mempools"));
	write_xdp(f);
	rc = write_latency(f, rt);
	write_control(f);
	write_linux(f, rt);
	write_conntrack(f, rt);
	write_lb(f, rt);
	family(f, "hotpath_metrics_renders_total", "counter",
	       "Pages of /metrics rendered, this one included (scrapes close together share one).");
	fprintf(f, "hotpath_metrics_renders_total %" PRIu64 "\n", ++metrics_renders);
	json_decref(report);
	if (rc == 0 && ferror(f))
		rc = -ENOMEM;
	return rc;
}

/* ------------------------------------------------------------ HTTP server */

static struct {
	const struct dp_runtime *rt;
	struct MHD_Daemon *mhd;
	struct ctl_watch events;   /* MHD's own epoll fd, readable when any of its sockets is */
	struct ctl_watch timer;    /* armed with MHD_get_timeout(): idle connections to close */
	struct MHD_Response *page; /* the last page rendered (MHD frees it with its last user) */
	uint64_t page_ms;          /* when (ctl_now_ms) */
	uint64_t renders;          /* pages rendered */
} srv = {.events = {.fd = -1}, .timer = {.fd = -1}};

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	DP_LOG(WARNING, "metrics: %s", msg);
}

static enum MHD_Result
reply(struct MHD_Connection *conn, unsigned status, const char *type, char *body, size_t len, bool owned)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body,
					       owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (resp == NULL) {
		if (owned)
			free(body);
		return MHD_NO; /* MHD closes the connection */
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/*
 * The page, rendered at most once per CTL_METRICS_CACHE_MS whatever the number
 * of scrapes: the others get the same response (MHD counts its users), so a
 * flood of requests costs the control thread their HTTP work, not a render
 * each. NULL on ENOMEM.
 */
static struct MHD_Response *
current_page(void)
{
	struct MHD_Response *resp;
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (srv.page != NULL && ctl_now_ms() - srv.page_ms < CTL_METRICS_CACHE_MS)
		return srv.page;
	f = open_memstream(&body, &len);
	if (f == NULL)
		return NULL;
	rc = ctl_metrics_write(f, srv.rt);
	if (fclose(f) != 0 || rc < 0) {
		free(body);
		return NULL;
	}
	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return NULL;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	if (srv.page != NULL)
		MHD_destroy_response(srv.page); /* connections still sending it keep it */
	srv.page = resp;
	srv.page_ms = ctl_now_ms();
	return resp;
}

static enum MHD_Result
request(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
	const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "not found: metrics are at /metrics\n";
	static char not_allowed[] = "method not allowed: use GET\n";
	static char failed[] = "out of memory\n";
	struct MHD_Response *page;

	(void)cls, (void)version, (void)upload_data, (void)upload_data_size, (void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", not_allowed,
			     strlen(not_allowed), false);
	if (strcmp(url, "/metrics") != 0)
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found, strlen(not_found), false);
	if ((page = current_page()) == NULL)
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain", failed, strlen(failed),
			     false);
	return MHD_queue_response(conn, MHD_HTTP_OK, page);
}

/* Let MHD do its work, then arm the timer for when it must run again (0 ms: right away). */
static void
mhd_service(void)
{
	struct itimerspec its = {0};
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(srv.mhd);
	if (MHD_get_timeout(srv.mhd, &ms) == MHD_YES) {
		its.it_value.tv_sec = (time_t)(ms / 1000);
		its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
		if (ms == 0)
			its.it_value.tv_nsec = 1; /* all zero would disarm it */
	}
	timerfd_settime(srv.timer.fd, 0, &its, NULL);
}

static void
events_ready(struct ctl_watch *w, uint32_t events)
{
	(void)w, (void)events;
	mhd_service();
}

static void
timer_ready(struct ctl_watch *w, uint32_t events)
{
	uint64_t expirations;

	(void)events;
	if (read(w->fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		DP_LOG(WARNING, "metrics: timerfd: %s", strerror(errno));
	mhd_service();
}

/*
 * "host:port" (the config checked its form) to the first address it
 * resolves to; libmicrohttpd binds it. 0 or -errno.
 */
static int
resolve(const char *hostport, struct sockaddr_storage *ss, uint16_t *port)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	const char *colon = strrchr(hostport, ':'), *host = hostport;
	struct addrinfo *res;
	char name[64];
	size_t n;
	int rc;

	if (colon == NULL)
		return -EINVAL;
	n = (size_t)(colon - hostport);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(name))
		return -EINVAL;
	memcpy(name, host, n);
	name[n] = '\0';
	if ((rc = getaddrinfo(name, colon + 1, &hints, &res)) != 0) {
		DP_LOG(ERR, "metrics %s: %s", hostport, gai_strerror(rc));
		return -EADDRNOTAVAIL;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*port = (uint16_t)atoi(colon + 1);
	freeaddrinfo(res);
	return 0;
}

int
ctl_metrics_start(struct dp_runtime *rt)
{
	const char *addr = rt->cfg->metrics;
	struct sockaddr_storage ss = {0};
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;
	uint16_t port;
	int rc;

	srv.rt = rt;
	if (addr[0] == '\0')
		return 0;
	if (resolve(addr, &ss, &port) < 0)
		goto disabled;
	/* an IPv6 wildcard takes IPv4 too, as on any Linux socket */
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_DUAL_STACK;
	srv.timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (srv.timer.fd < 0)
		goto disabled;
	srv.timer.ready = timer_ready;
	/* external epoll mode: no thread of its own; MHD_run() from the control loop */
	srv.mhd = MHD_start_daemon(flags, port, NULL, NULL, request, NULL, MHD_OPTION_EXTERNAL_LOGGER,
				   mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CTL_METRICS_CONN_TIMEOUT_S,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)CTL_METRICS_CONN_MAX,
				   MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CTL_METRICS_PER_IP_MAX,
				   MHD_OPTION_END);
	if (srv.mhd == NULL)
		goto disabled;
	info = MHD_get_daemon_info(srv.mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || info->epoll_fd < 0)
		goto disabled;
	srv.events.fd = info->epoll_fd;
	srv.events.ready = events_ready;
	if ((rc = ctl_watch(&srv.events, EPOLLIN)) < 0) {
		srv.events.fd = -1;
		ctl_metrics_stop(rt);
		return rc;
	}
	if ((rc = ctl_watch(&srv.timer, EPOLLIN)) < 0) {
		ctl_metrics_stop(rt);
		return rc;
	}
	DP_LOG(INFO, "metrics on http://%s/metrics", addr);
	return 0;

disabled:
	/* the data plane runs on without metrics; the log says why (MHD's message precedes this) */
	DP_LOG(ERR, "metrics: cannot serve on %s: metrics disabled", addr);
	ctl_metrics_stop(rt);
	return 0;
}

void
ctl_metrics_stop(struct dp_runtime *rt)
{
	(void)rt;
	if (srv.events.fd >= 0) {
		ctl_unwatch(&srv.events);
		srv.events.fd = -1; /* MHD closes it */
	}
	if (srv.timer.fd >= 0) {
		ctl_unwatch(&srv.timer);
		close(srv.timer.fd);
		srv.timer.fd = -1;
	}
	if (srv.mhd != NULL) {
		MHD_stop_daemon(srv.mhd);
		srv.mhd = NULL;
	}
	if (srv.page != NULL) {
		MHD_destroy_response(srv.page);
		srv.page = NULL;
	}
}
