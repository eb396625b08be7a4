/* /hotpath/... DPDK telemetry commands: the control thread builds the report, the telemetry thread formats it. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/epoll.h>
#include <sys/eventfd.h>

#include <rte_telemetry.h>

#include "commands.h"
#include "ctview.h"
#include "jsonget.h"
#include "log.h"
#include "loop.h"
#include "telemetry.h"
#include "xdp.h"

/*
 * Requests are numbered; the control thread answers every request made
 * before it started building with one report. Fields under `lock` are
 * shared with the telemetry threads (one per connected client).
 */
static struct {
	struct dp_runtime *rt; /* control thread only */
	struct ctl_watch wake; /* eventfd: a command waits for a report */
	bool registered;       /* the commands exist (once per process) */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* CLOCK_MONOTONIC */
	bool serving;        /* lock */
	uint64_t asked;      /* lock: the last request's number */
	uint64_t answered;   /* lock: requests up to this one have tel.report */
	json_t *report;      /* lock: the latest report (NULL: out of memory) */
} tel = {.wake = {.fd = -1}, .lock = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------ formatting (telemetry thread, under tel.lock) */

/* Telemetry names allow letters, digits, '_' and '/': anything else becomes '_'. */
static const char *
tel_name(char *buf, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++) {
		char c = s[i];
		buf[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
					 c == '/'
				 ? c
				 : '_';
	}
	buf[i] = '\0';
	return buf;
}

/* Every integer of a JSON object as u64 entries of d (nested objects and strings skipped). */
static void
add_ints(struct rte_tel_data *d, const json_t *o, const char *prefix)
{
	const char *k;
	const json_t *v;
	char name[RTE_TEL_MAX_STRING_LEN];

	json_object_foreach((json_t *)o, k, v) {
		if (!json_is_integer(v))
			continue;
		snprintf(name, sizeof(name), "%s%s", prefix, k);
		rte_tel_data_add_dict_u64(d, tel_name(name, sizeof(name), name),
					  (uint64_t)json_integer_value(v));
	}
}

/* d[name] = a new dict filled by fill(); the container is freed with d. */
static int
add_dict(struct rte_tel_data *d, const char *name, void (*fill)(struct rte_tel_data *, const json_t *),
	 const json_t *o)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	char n[RTE_TEL_MAX_STRING_LEN];

	if (c == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(c);
	fill(c, o);
	if (rte_tel_data_add_dict_container(d, tel_name(n, sizeof(n), name), c, 0) < 0) {
		rte_tel_data_free(c);
		return -E2BIG;
	}
	return 0;
}

static void
fill_ints(struct rte_tel_data *c, const json_t *o)
{
	add_ints(c, o, "");
}

static uint64_t
sum_ints(const json_t *o)
{
	const char *k;
	const json_t *v;
	uint64_t n = 0;

	json_object_foreach((json_t *)o, k, v)
		n += (uint64_t)json_integer_value(v);
	return n;
}

/* The slow path's counters, and what it took from the punt ring as punted_<reason>. */
static void
fill_slow(struct rte_tel_data *c, const json_t *slow)
{
	add_ints(c, slow, "");
	add_ints(c, json_object_get(slow, "punted"), "punted_");
}

static int
fmt_stats(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *p, *slow = json_object_get(r, "slowpath");
	uint64_t avail = 0, in_use = 0;
	size_t i;

	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "elapsed_ms",
				  (uint64_t)(json_real_value(json_object_get(r, "elapsed_s")) * 1e3));
	rte_tel_data_add_dict_u64(d, "rx_packets", ju(r, "rx_packets"));
	rte_tel_data_add_dict_u64(d, "tx_packets", ju(r, "tx_packets"));
	rte_tel_data_add_dict_u64(d, "dropped", sum_ints(json_object_get(r, "drops")));
	json_array_foreach(json_object_get(r, "mempools"), i, p) {
		avail += ju(p, "available");
		in_use += ju(p, "in_use");
	}
	rte_tel_data_add_dict_u64(d, "mbufs_available", avail);
	rte_tel_data_add_dict_u64(d, "mbufs_in_use", in_use);
	if (add_dict(d, "drops", fill_ints, json_object_get(r, "drops")) < 0)
		return -ENOMEM;
	if (add_dict(d, "slowpath", fill_slow, slow) < 0)
		return -ENOMEM;
	return 0;
}

static void
fill_port(struct rte_tel_data *c, const json_t *p)
{
	rte_tel_data_add_dict_string(c, "name", js(p, "name"));
	rte_tel_data_add_dict_string(c, "driver", js(p, "driver"));
	rte_tel_data_add_dict_string(c, "mac", js(p, "mac"));
	add_ints(c, p, "");
	add_ints(c, json_object_get(p, "device_stats"), "device_");
}

static int
fmt_ports(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *ports = json_object_get(r, "ports"), *p;
	size_t i;

	rte_tel_data_start_dict(d);
	json_array_foreach(ports, i, p) {
		char id[24];

		/* ",NAME" or ",PORT_ID": that port alone, flat */
		snprintf(id, sizeof(id), "%" PRIu64, ju(p, "port_id"));
		if (params != NULL && params[0] != '\0') {
			if (strcmp(params, js(p, "name")) != 0 && strcmp(params, id) != 0)
				continue;
			fill_port(d, p);
			return 0;
		}
		if (add_dict(d, js(p, "name"), fill_port, p) < 0)
			return -E2BIG;
	}
	return params != NULL && params[0] != '\0' ? -ENOENT : 0;
}

static void
fill_worker(struct rte_tel_data *c, const json_t *w)
{
	add_ints(c, w, "");
	rte_tel_data_add_dict_u64(c, "dropped", sum_ints(json_object_get(w, "drops")));
	rte_tel_data_add_dict_u64(c, "cycles_per_packet",
				  (uint64_t)(json_real_value(json_object_get(w, "cycles_per_packet")) + 0.5));
	add_ints(c, json_object_get(w, "punted"), "punted_");
	add_ints(c, json_object_get(w, "stall"), "stall_");
}

static int
fmt_workers(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *w;
	size_t i;

	rte_tel_data_start_dict(d);
	json_array_foreach(json_object_get(r, "workers"), i, w) {
		char lcore[24];

		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		/* ",LCORE": that worker alone, flat, with its drops by reason */
		if (params != NULL && params[0] != '\0') {
			if (strcmp(params, lcore) != 0)
				continue;
			fill_worker(d, w);
			return add_dict(d, "drops", fill_ints, json_object_get(w, "drops"));
		}
		if (add_dict(d, lcore, fill_worker, w) < 0)
			return -E2BIG;
	}
	return params != NULL && params[0] != '\0' ? -ENOENT : 0;
}

/* p99.9 is not a valid telemetry name: p99_9, p99_99. */
static void
fill_latency(struct rte_tel_data *d, const json_t *l)
{
	static const char *const keys[][2] = {
		{"count", "count"}, {"min", "min_ns"},     {"p50", "p50_ns"},       {"p90", "p90_ns"},
		{"p99", "p99_ns"},  {"p99.9", "p99_9_ns"}, {"p99.99", "p99_99_ns"}, {"max", "max_ns"},
	};

	for (size_t i = 0; i < RTE_DIM(keys); i++)
		rte_tel_data_add_dict_u64(d, keys[i][1], ju(l, keys[i][0]));
	rte_tel_data_add_dict_u64(d, "mean_ns",
				  (uint64_t)(json_real_value(json_object_get(l, "mean")) + 0.5));
}

/* Every worker's stalls as one: counts and times summed, the longest of all (stall_* as in /hotpath/workers). */
static void
add_stall_sum(struct rte_tel_data *d, const json_t *workers)
{
	static const char *const sums[] = {"count",    "over_10us", "over_100us",
					   "over_1ms", "total_ns",  "busy"};
	char name[RTE_TEL_MAX_STRING_LEN];
	uint64_t max = 0, thresh = 0;
	const json_t *w;
	size_t i;

	for (size_t k = 0; k < RTE_DIM(sums); k++) {
		uint64_t n = 0;

		json_array_foreach(workers, i, w)
			n += ju(json_object_get(w, "stall"), sums[k]);
		snprintf(name, sizeof(name), "stall_%s", sums[k]);
		rte_tel_data_add_dict_u64(d, name, n);
	}
	json_array_foreach(workers, i, w) {
		const json_t *s = json_object_get(w, "stall");

		if (ju(s, "max_ns") > max)
			max = ju(s, "max_ns");
		thresh = ju(s, "threshold_ns");
	}
	rte_tel_data_add_dict_u64(d, "stall_max_ns", max);
	rte_tel_data_add_dict_u64(d, "stall_threshold_ns", thresh);
}

static int
fmt_latency(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *w;
	size_t i;

	rte_tel_data_start_dict(d);
	if (params == NULL || params[0] == '\0') {
		fill_latency(d, json_object_get(r, "latency_ns"));
		add_stall_sum(d, json_object_get(r, "workers"));
		return 0;
	}
	/* ",LCORE": one worker's histogram */
	json_array_foreach(json_object_get(r, "workers"), i, w) {
		char lcore[24];

		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		if (strcmp(params, lcore) == 0) {
			fill_latency(d, json_object_get(w, "latency_ns"));
			add_ints(d, json_object_get(w, "stall"), "stall_");
			return 0;
		}
	}
	return -ENOENT;
}

static void
fill_rule(struct rte_tel_data *c, const json_t *rule)
{
	rte_tel_data_add_dict_string(c, "action", js(rule, "action"));
	add_ints(c, rule, "");
}

static int
fmt_acl(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *rules = json_object_get(r, "acl"), *cache = json_object_get(r, "acl_cache"), *v;
	size_t n = json_array_size(rules), first = 0;
	const char *k;
	char name[32];

	/* ",FIRST": the page of rules from that index (a reply holds 16 KiB) */
	if (params != NULL && params[0] != '\0') {
		char *end;
		unsigned long long x = strtoull(params, &end, 10);

		if (*end != '\0' || x > n)
			return -EINVAL;
		first = (size_t)x;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rules", n);
	rte_tel_data_add_dict_u64(d, "first", first);
	json_object_foreach((json_t *)cache, k, v) {
		snprintf(name, sizeof(name), "cache_%s_", k);
		add_ints(d, v, name);
	}
	for (size_t i = first; i < n && i < first + CTL_TELEMETRY_ACL_PAGE; i++) {
		snprintf(name, sizeof(name), "%zu", i);
		if (add_dict(d, name, fill_rule, json_array_get(rules, i)) < 0)
			return -E2BIG;
	}
	if (first + CTL_TELEMETRY_ACL_PAGE < n)
		rte_tel_data_add_dict_u64(d, "next", first + CTL_TELEMETRY_ACL_PAGE);
	return 0;
}

/* /hotpath/conntrack: the table's size and counters (summed), packets by state, invalid by reason, NAT's counters. */
static int
fmt_conntrack(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *ct = json_object_get(r, "conntrack");

	(void)params;
	if (ct == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "enabled", json_is_true(json_object_get(ct, "enabled")));
	add_ints(d, ct, "");
	add_ints(d, json_object_get(ct, "timeouts"), "timeout_");
	add_ints(d, json_object_get(ct, "counters"), "");
	add_ints(d, json_object_get(ct, "packets"), "packets_");
	add_ints(d, json_object_get(ct, "invalid"), "invalid_");
	add_ints(d, json_object_get(r, "nat"), "nat_");
	return 0;
}

/* ------------------------------------------------------------ hand-over */

typedef int (*fmt_fn)(const json_t *report, const char *params, struct rte_tel_data *d);

/* Telemetry thread: ask the control thread for a report, wait, format it. */
static int
with_report(const char *params, struct rte_tel_data *d, fmt_fn fmt)
{
	struct timespec deadline;
	uint64_t want, one = 1;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += CTL_TELEMETRY_WAIT_MS / 1000;
	deadline.tv_nsec += (CTL_TELEMETRY_WAIT_MS % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&tel.lock);
	if (!tel.serving) {
		rc = -EAGAIN;
		goto out;
	}
	want = ++tel.asked;
	/* serving, under the lock: the eventfd is open */
	if (write(tel.wake.fd, &one, sizeof(one)) < 0 && errno != EAGAIN) {
		rc = -errno;
		goto out;
	}
	while (tel.serving && tel.answered < want && rc == 0)
		rc = -pthread_cond_timedwait(&tel.cond, &tel.lock, &deadline);
	if (tel.answered >= want)
		rc = tel.report != NULL ? fmt(tel.report, params, d) : -ENOMEM;
	else if (rc == 0)
		rc = -EAGAIN; /* stopped meanwhile */
out:
	pthread_mutex_unlock(&tel.lock);
	return rc;
}

/* Control thread: one report for every request made so far. */
static void
wake_ready(struct ctl_watch *w, uint32_t events)
{
	uint64_t n, want;
	json_t *report, *old;

	(void)events;
	if (read(w->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		DP_LOG(WARNING, "telemetry: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&tel.lock);
	want = tel.asked;
	pthread_mutex_unlock(&tel.lock);
	if (want == tel.answered) /* answered is written on this thread only */
		return;
	report = dp_report_json(tel.rt);
	if (report != NULL && ctl_xdp_active())
		json_object_set_new(report, "xdp", ctl_xdp_counters());
	if (report != NULL) {
		json_object_set_new(report, "conntrack", ctl_ct_stats(tel.rt));
		json_object_set_new(report, "nat", ctl_nat_counters(tel.rt));
	}
	pthread_mutex_lock(&tel.lock);
	old = tel.report;
	tel.report = report;
	tel.answered = want;
	pthread_cond_broadcast(&tel.cond);
	pthread_mutex_unlock(&tel.lock);
	json_decref(old);
}

static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_stats);
}

static int
cmd_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_ports);
}

static int
cmd_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_workers);
}

static int
cmd_latency(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_latency);
}

/* /hotpath/xdp[,IFACE]: the XDP program's counters by reason, each interface or one. */
static int
fmt_xdp(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *ifs = json_object_get(r, "xdp"), *counters, *v;
	const char *iface, *reason;

	rte_tel_data_start_dict(d);
	json_object_foreach((json_t *)ifs, iface, counters) {
		struct rte_tel_data *c;

		if (params != NULL && params[0] != '\0' && strcmp(params, iface) != 0)
			continue;
		if ((c = rte_tel_data_alloc()) == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		json_object_foreach((json_t *)counters, reason, v) {
			char name[48];

			snprintf(name, sizeof(name), "%s_packets", reason);
			rte_tel_data_add_dict_u64(c, name, ju(v, "packets"));
			snprintf(name, sizeof(name), "%s_bytes", reason);
			rte_tel_data_add_dict_u64(c, name, ju(v, "bytes"));
		}
		if (rte_tel_data_add_dict_container(d, iface, c, 0) < 0) {
			rte_tel_data_free(c);
			return -E2BIG;
		}
	}
	return 0;
}

static int
cmd_xdp(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_xdp);
}

static int
cmd_acl(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_acl);
}

static int
cmd_conntrack(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_conntrack);
}

/* /hotpath/lb: per VIP ("ADDR:PORT/PROTO") its counters and, per backend, state and counters. */
static int
fmt_lb(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *lb = json_object_get(r, "lb"), *v;
	size_t i;

	(void)params;
	rte_tel_data_start_dict(d);
	json_array_foreach(json_object_get(lb, "vips"), i, v) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		const json_t *b;
		char key[96];
		size_t k;

		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		add_ints(c, json_object_get(v, "stats"), "");
		json_array_foreach(json_object_get(v, "backends"), k, b) {
			const char *ip = json_string_value(json_object_get(b, "ip"));

			snprintf(key, sizeof(key), "%s_up", ip);
			rte_tel_data_add_dict_u64(
				c, tel_name(key, sizeof(key), key),
				!strcmp(json_string_value(json_object_get(b, "state")), "up"));
			snprintf(key, sizeof(key), "%s_ring_entries", ip);
			rte_tel_data_add_dict_u64(c, tel_name(key, sizeof(key), key), ju(b, "ring_entries"));
			snprintf(key, sizeof(key), "%s_packets", ip);
			rte_tel_data_add_dict_u64(c, tel_name(key, sizeof(key), key),
						  ju(json_object_get(b, "stats"), "packets"));
			snprintf(key, sizeof(key), "%s_new_flows", ip);
			rte_tel_data_add_dict_u64(c, tel_name(key, sizeof(key), key),
						  ju(json_object_get(b, "stats"), "new_flows"));
		}
		snprintf(key, sizeof(key), "%s:%" JSON_INTEGER_FORMAT "/%s",
			 json_string_value(json_object_get(v, "vip")),
			 json_integer_value(json_object_get(v, "port")),
			 json_string_value(json_object_get(v, "proto")));
		if (rte_tel_data_add_dict_container(d, tel_name(key, sizeof(key), key), c, 0) < 0) {
			rte_tel_data_free(c);
			return -E2BIG;
		}
	}
	return 0;
}

static int
cmd_lb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_lb);
}

/* One worker's nodes, flat (telemetry nests one level): NODE_calls, NODE_packets,
 * NODE_cycles_per_packet (rounded); its loop's busy share in per mille. */
static void
fill_runtime(struct rte_tel_data *c, const json_t *w)
{
	const json_t *nd;
	char key[RTE_TEL_MAX_STRING_LEN];
	size_t k;

	rte_tel_data_add_dict_u64(c, "counting", json_is_true(json_object_get(w, "counting")));
	rte_tel_data_add_dict_u64(c, "sample_every", ju(w, "sample_every"));
	rte_tel_data_add_dict_u64(c, "busy_permille",
				  (uint64_t)(json_real_value(json_object_get(w, "busy_share")) * 1000 + 0.5));
	json_array_foreach(json_object_get(w, "nodes"), k, nd) {
		const char *name = json_string_value(json_object_get(nd, "name"));

		snprintf(key, sizeof(key), "%s_calls", name);
		rte_tel_data_add_dict_u64(c, tel_name(key, sizeof(key), key), ju(nd, "calls"));
		snprintf(key, sizeof(key), "%s_packets", name);
		rte_tel_data_add_dict_u64(c, tel_name(key, sizeof(key), key), ju(nd, "packets"));
		snprintf(key, sizeof(key), "%s_cycles_per_packet", name);
		rte_tel_data_add_dict_u64(
			c, tel_name(key, sizeof(key), key),
			(uint64_t)(json_real_value(json_object_get(nd, "cycles_per_packet")) + 0.5));
	}
}

/* /hotpath/runtime: each worker (by lcore) with its nodes. */
static int
fmt_runtime(const json_t *r, const char *params, struct rte_tel_data *d)
{
	const json_t *w;
	size_t i;
	char lcore[24];

	(void)params;
	rte_tel_data_start_dict(d);
	json_array_foreach(json_object_get(r, "runtime"), i, w) {
		snprintf(lcore, sizeof(lcore), "%" PRIu64, ju(w, "lcore"));
		if (add_dict(d, lcore, fill_runtime, w) < 0)
			return -E2BIG;
	}
	return 0;
}

static int
cmd_runtime(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return with_report(params, d, fmt_runtime);
}

/* The callback of each command the registry's HP_TELEMETRY serves under a /hotpath/ name. */
static const telemetry_cb callbacks[HP_CMD_COUNT] = {
	[HP_CMD_stats] = cmd_stats,
	[HP_CMD_port_stats] = cmd_ports,
	[HP_CMD_worker_show] = cmd_workers,
	[HP_CMD_latency_show] = cmd_latency,
	[HP_CMD_acl_show] = cmd_acl,
	[HP_CMD_xdp_show] = cmd_xdp,
	[HP_CMD_conntrack_stats] = cmd_conntrack,
	[HP_CMD_lb_stats] = cmd_lb,
	[HP_CMD_runtime_show] = cmd_runtime,
};

static const struct {
	const char *cmd;
	enum hp_cmd_id id;
	const char *help;
} commands[] = {
#define TEL_ROW(id, name, help) {name, HP_CMD_##id, help},
	HP_TELEMETRY(TEL_ROW)
#undef TEL_ROW
};

static int
register_commands(void)
{
	pthread_condattr_t attr;
	int rc;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	rc = -pthread_cond_init(&tel.cond, &attr);
	pthread_condattr_destroy(&attr);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < RTE_DIM(commands); i++) {
		/* a registry row without its callback here: refused loudly, never skipped */
		telemetry_cb fn = callbacks[commands[i].id];

		rc = fn != NULL ? rte_telemetry_register_cmd(commands[i].cmd, fn, commands[i].help) : -ENOSYS;
		if (rc < 0) {
			DP_LOG(ERR, "telemetry: cannot register %s: %s", commands[i].cmd, strerror(-rc));
			return rc;
		}
	}
	tel.registered = true;
	return 0;
}

int
ctl_telemetry_start(struct dp_runtime *rt)
{
	int rc;

	tel.rt = rt;
	tel.wake.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (tel.wake.fd < 0)
		return -errno;
	tel.wake.ready = wake_ready;
	if ((rc = ctl_watch(&tel.wake, EPOLLIN)) < 0)
		goto fail;
	if (!tel.registered && (rc = register_commands()) < 0) {
		ctl_unwatch(&tel.wake);
		goto fail;
	}
	pthread_mutex_lock(&tel.lock);
	tel.serving = true;
	pthread_mutex_unlock(&tel.lock);
	return 0;
fail:
	close(tel.wake.fd);
	tel.wake.fd = -1;
	return rc;
}

void
ctl_telemetry_stop(struct dp_runtime *rt)
{
	json_t *old;

	(void)rt;
	if (tel.wake.fd < 0)
		return;
	/* waiting commands give up, new ones answer at once: nothing reads rt after this */
	pthread_mutex_lock(&tel.lock);
	tel.serving = false;
	old = tel.report;
	tel.report = NULL;
	pthread_cond_broadcast(&tel.cond);
	pthread_mutex_unlock(&tel.lock);
	json_decref(old);
	ctl_unwatch(&tel.wake);
	close(tel.wake.fd);
	tel.wake.fd = -1;
}
