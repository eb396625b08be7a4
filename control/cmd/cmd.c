/* Control requests: parse, check, dispatch to the object handlers, build the reply. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "cmd.h"
#include "control.h"
#include "xdp.h"
#include "log.h"

#define HP_VERSION "0.1"

/* A handler's failure: an errno-style code and a message naming what was wrong. */
struct cmd_err {
	const char *code;
	char msg[256];
};

static int __rte_format_printf(3, 4)
fail(struct cmd_err *e, const char *code, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * A handler: args is the request's "args" object (never NULL); on success
 * it sets *result (a new reference, NULL means {}) and returns 0, else
 * fills e and returns -1 having changed nothing.
 */
typedef int (*cmd_fn)(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e);

/* ---- argument helpers: every argument is checked for type and range ---- */

static int
no_args(json_t *args, struct cmd_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v)
		return fail(e, "EINVAL", "unknown argument \"%s\" (this command takes none)", key);
	return 0;
}

/* Only the keys in allowed (NULL-terminated) may appear. */
static int
known_args(json_t *args, const char *const *allowed, struct cmd_err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(args, key, v) {
		unsigned i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(key, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL)
			return fail(e, "EINVAL", "unknown argument \"%s\"", key);
	}
	return 0;
}

/* args[key] as a string: required, or optional (*out = NULL when absent). */
static int
arg_str(json_t *args, const char *key, bool required, const char **out, struct cmd_err *e)
{
	json_t *v = json_object_get(args, key);

	*out = NULL;
	if (v == NULL)
		return required ? fail(e, "EINVAL", "missing argument \"%s\"", key) : 0;
	if (!json_is_string(v))
		return fail(e, "EINVAL", "argument \"%s\" must be a string", key);
	*out = json_string_value(v);
	return 0;
}

/* ---- addresses and prefixes as JSON ---- */

static json_t *
prefix_json(const struct hp_prefix *p)
{
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN + 8];

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(s, sizeof(s), "%s/%u", a, p->len);
	return json_string(s);
}

static json_t *
range_json(uint16_t lo, uint16_t hi)
{
	char s[16];

	if (lo == hi)
		snprintf(s, sizeof(s), "%u", lo);
	else
		snprintf(s, sizeof(s), "%u-%u", lo, hi);
	return json_string(s);
}

static json_t *
addr_json(const struct hp_addr *a)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->addr, s, sizeof(s));
	return json_string(s);
}

static json_t *
mac_json(const uint8_t *mac)
{
	struct rte_ether_addr ea;
	char s[RTE_ETHER_ADDR_FMT_SIZE];

	memcpy(ea.addr_bytes, mac, 6);
	rte_ether_format_addr(s, sizeof(s), &ea);
	return json_string(s);
}

/* Rows of a table a callback fills (neighbour iteration). */
struct rows {
	const struct dp_runtime *rt;
	json_t *a;
};

/* ---- read-only objects ---- */

static json_t *
report_part(struct dp_runtime *rt, const char *key)
{
	json_t *r = dp_report_json(rt), *part;

	if (r == NULL)
		return NULL;
	part = json_incref(json_object_get(r, key));
	json_decref(r);
	return part;
}

static int
cmd_status(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *r;

	if (no_args(args, e) < 0)
		return -1;
	r = dp_report_json(rt);
	if (r == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = json_pack("{s:s, s:f, s:i, s:i, s:i, s:i, s:O, s:O, s:O, s:O}", "version", HP_VERSION,
			    "uptime_s", json_real_value(json_object_get(r, "elapsed_s")), "ports", (int)rt->ports.n,
			    "workers", (int)rt->n_workers, "routes", rt->tables ? (int)rt->tables->fib->n_routes : 0,
			    "acl_rules", (int)rt->cfg->n_acl, "rx_packets", json_object_get(r, "rx_packets"),
			    "tx_packets", json_object_get(r, "tx_packets"), "rx_mpps", json_object_get(r, "rx_mpps"),
			    "tx_mpps", json_object_get(r, "tx_mpps"));
	json_decref(r);
	return 0;
}

static json_t *
addrs_json(const struct hp_prefix *p, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, prefix_json(&p[i]));
	return a;
}

static int
cmd_port_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a = json_array();

	if (no_args(args, e) < 0) {
		json_decref(a);
		return -1;
	}
	for (unsigned p = 0; p < rt->ports.n; p++) {
		const struct hp_port_conf *pc = &rt->cfg->ports[p];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &rt->ports.ports[p].mac);
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:i, s:o, s:o, s:s}", "name", pc->name,
						   "mode", pc->mode == HP_MODE_L3 ? "l3" : "xconnect", "mac", mac,
						   "queues", (int)pc->queues, "ipv4", addrs_json(pc->ipv4, pc->n_ipv4),
						   "ipv6", addrs_json(pc->ipv6, pc->n_ipv6), "device", pc->device));
	}
	*result = a;
	return 0;
}

static int
cmd_port_stats(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"name", NULL};
	const char *name;
	json_t *ports, *out, *p;
	size_t i;

	if (known_args(args, allowed, e) < 0 || arg_str(args, "name", false, &name, e) < 0)
		return -1;
	if (name != NULL && hp_config_port_index(rt->cfg, name) < 0)
		return fail(e, "ENOENT", "no port \"%s\"", name);
	ports = report_part(rt, "ports");
	if (ports == NULL)
		return fail(e, "ENOMEM", "out of memory");
	out = json_array();
	json_array_foreach(ports, i, p) {
		if (name == NULL || strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
			json_array_append(out, p);
	}
	json_decref(ports);
	*result = out;
	return 0;
}

static int
cmd_worker_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *w;

	if (no_args(args, e) < 0)
		return -1;
	if ((w = report_part(rt, "workers")) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = w;
	return 0;
}

static int
cmd_stats(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const keep[] = {"elapsed_s", "rx_packets", "tx_packets", "rx_mpps", "tx_mpps",
					   "drops", "slowpath", "acl_cache", NULL};
	json_t *r, *out;

	if (no_args(args, e) < 0)
		return -1;
	if ((r = dp_report_json(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	out = json_object();
	for (unsigned i = 0; keep[i] != NULL; i++)
		json_object_set(out, keep[i], json_object_get(r, keep[i]));
	json_decref(r);
	if (ctl_xdp_active())
		json_object_set_new(out, "xdp", ctl_xdp_counters());
	*result = out;
	return 0;
}

/* ---- latency: merged over workers, since the last reset ---- */

static struct hp_hist *latency_base; /* what latency.reset saw; NULL: never reset */

/* The workers' histograms merged (a calloc'd copy; the workers keep writing theirs). */
static struct hp_hist *
latency_now(struct dp_runtime *rt)
{
	struct hp_hist *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	hp_hist_init(h);
	for (unsigned w = 0; w < rt->n_workers; w++)
		hp_hist_merge(h, &rt->workers[w]->latency);
	return h;
}

static int
cmd_latency_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_hist_summary s;
	struct hp_hist *h;

	if (no_args(args, e) < 0)
		return -1;
	if ((h = latency_now(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	if (latency_base != NULL)
		hp_hist_subtract(h, latency_base);
	hp_hist_summarize(h, &s);
	free(h);
	*result = json_pack("{s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)s.count,
			    "min_ns", (json_int_t)(s.count ? s.min_ns : 0), "mean_ns", s.mean_ns,
			    "p50_ns", (json_int_t)s.p50, "p90_ns", (json_int_t)s.p90, "p99_ns", (json_int_t)s.p99,
			    "p99.9_ns", (json_int_t)s.p999, "p99.99_ns", (json_int_t)s.p9999,
			    "max_ns", (json_int_t)s.max_ns);
	return 0;
}

static int
cmd_latency_reset(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_hist *h;

	(void)result;
	if (no_args(args, e) < 0)
		return -1;
	if ((h = latency_now(rt)) == NULL)
		return fail(e, "ENOMEM", "out of memory");
	free(latency_base);
	latency_base = h;
	return 0;
}

/* ---- routes ---- */

/* The request's table change is done once every worker has been through a quiescent state. */
static void
published(struct dp_runtime *rt)
{
	dp_tables_sync(rt);
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

static void
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

static int
need_fib(struct dp_runtime *rt, struct cmd_err *e)
{
	if (rt->tables == NULL)
		return fail(e, "ENOTSUP", "no l3 port: there is no routing table");
	return 0;
}

static int
parse_prefix_arg(json_t *args, struct hp_prefix *p, struct cmd_err *e)
{
	const char *s;

	if (arg_str(args, "prefix", true, &s, e) < 0)
		return -1;
	if (hp_parse_prefix(s, 0, p) < 0)
		return fail(e, "EINVAL", "bad prefix \"%.64s\": expected ADDRESS/LENGTH, e.g. 198.18.0.0/15", s);
	return 0;
}

/* One route as route.add's args give it (or one element of its "routes"). */
static int
parse_route(struct dp_runtime *rt, json_t *args, struct hp_route_conf *r, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", "via", "action", "port", NULL};
	const char *action, *port;
	json_t *via = json_object_get(args, "via"), *v;
	size_t i;

	*r = (struct hp_route_conf){.port = -1, .action = HP_ROUTE_FORWARD};
	if (known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &r->prefix, e) < 0 ||
	    arg_str(args, "action", false, &action, e) < 0 || arg_str(args, "port", false, &port, e) < 0)
		return -1;
	if (action != NULL && strcmp(action, "drop") != 0 && strcmp(action, "forward") != 0)
		return fail(e, "EINVAL", "unknown action \"%.32s\" (drop, or forward with via)", action);
	if (action != NULL && strcmp(action, "drop") == 0) {
		if (via != NULL)
			return fail(e, "EINVAL", "a drop route has no \"via\"");
		r->action = HP_ROUTE_DROP;
	} else {
		if (via == NULL)
			return fail(e, "EINVAL", "missing argument \"via\" (or action drop)");
		if (json_is_string(via)) {
			via = json_pack("[O]", via);
		} else if (json_is_array(via) && json_array_size(via) >= 1 && json_array_size(via) <= HP_MAX_ECMP) {
			json_incref(via);
		} else {
			return fail(e, "EINVAL", "\"via\" must be an address or a list of 1 to %d addresses",
				    HP_MAX_ECMP);
		}
		json_array_foreach(via, i, v) {
			if (!json_is_string(v) || hp_parse_addr(json_string_value(v), r->prefix.family, &r->via[i]) < 0) {
				json_decref(via);
				return fail(e, "EINVAL", "via #%zu: expected an IPv%d address", i + 1,
					    r->prefix.family == AF_INET ? 4 : 6);
			}
			for (size_t k = 0; k < i; k++)
				if (memcmp(&r->via[k], &r->via[i], sizeof(r->via[i])) == 0) {
					json_decref(via);
					return fail(e, "EINVAL", "via #%zu repeats #%zu", i + 1, k + 1);
				}
		}
		r->n_via = (unsigned)json_array_size(via);
		json_decref(via);
	}
	if (port != NULL) {
		r->port = hp_config_port_index(rt->cfg, port);
		if (r->port < 0 || rt->cfg->ports[r->port].mode != HP_MODE_L3)
			return fail(e, "EINVAL", "no l3 port \"%.32s\"", port);
	}
	return 0;
}

/*
 * route.add {"routes": [ROUTE, ...]}: up to CTL_ROUTES_MAX routes in one request, as
 * if each were a route.add in that order, acknowledged once. Every route is parsed and
 * checked before the first goes in; if the table then refuses one (full), the ones
 * before it are undone (replaced routes come back) and nothing stays changed.
 */
static int
route_add_many(struct dp_runtime *rt, json_t *routes, json_t **result, struct cmd_err *e)
{
	struct dp_fib *fib = rt->tables->fib;
	struct hp_route_conf *rs, *old;
	bool *had;
	size_t n = json_array_size(routes), i;
	char why[256];
	int rc = 0;

	if (!json_is_array(routes) || n == 0 || n > CTL_ROUTES_MAX)
		return fail(e, "EINVAL", "\"routes\" must be a list of 1 to %d routes", CTL_ROUTES_MAX);
	rs = calloc(n, sizeof(*rs));
	old = calloc(n, sizeof(*old));
	had = calloc(n, sizeof(*had));
	if (rs == NULL || old == NULL || had == NULL) {
		rc = fail(e, "ENOMEM", "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		json_t *one = json_array_get(routes, i);

		if (!json_is_object(one))
			fail(e, "EINVAL", "each route must be an object");
		else if (parse_route(rt, one, &rs[i], e) == 0 &&
			 dp_fib_route_check(fib, rt->cfg, &rs[i], why, sizeof(why)) < 0)
			fail(e, "EINVAL", "%s", why);
		if (e->code != NULL) {
			char msg[sizeof(e->msg)];

			snprintf(msg, sizeof(msg), "routes[%zu]: %.200s (nothing added)", i, e->msg);
			rc = fail(e, e->code, "%s", msg);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		const struct hp_route_conf *o = dp_fib_route_find(fib, &rs[i].prefix);

		if ((had[i] = o != NULL))
			old[i] = *o;
		if (dp_fib_route_add(fib, rt->cfg, &rs[i], why, sizeof(why)) < 0)
			break;
	}
	if (i < n) {
		/* undo in reverse, so a prefix listed twice ends as it began */
		for (size_t k = i; k-- > 0;) {
			if (had[k])
				dp_fib_route_add(fib, rt->cfg, &old[k], NULL, 0);
			else
				dp_fib_route_del(fib, &rs[k].prefix);
		}
		published(rt);
		rc = fail(e, "ENOSPC", "routes[%zu]: %s (nothing added)", i, why);
		goto out;
	}
	published_route(rt, &rs[0].prefix, false);
	*result = json_pack("{s:I}", "added", (json_int_t)n);
out:
	free(rs);
	free(old);
	free(had);
	return rc;
}

static int
cmd_route_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *routes = json_object_get(args, "routes");
	struct hp_route_conf r;
	char why[256];
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	if (routes != NULL) {
		if (json_object_size(args) != 1)
			return fail(e, "EINVAL", "\"routes\" comes alone (each route in it has its own prefix, via...)");
		return route_add_many(rt, routes, result, e);
	}
	if (parse_route(rt, args, &r, e) < 0)
		return -1;
	rc = dp_fib_route_add(rt->tables->fib, rt->cfg, &r, why, sizeof(why));
	if (rc < 0)
		return fail(e, rc == -ENOSPC ? "ENOSPC" : "EINVAL", "%s", why);
	published_route(rt, &r.prefix, false);
	return 0;
}

static int
cmd_route_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", NULL};
	struct hp_prefix p;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &p, e) < 0)
		return -1;
	if (dp_fib_route_del(rt->tables->fib, &p) < 0)
		return fail(e, "ENOENT", "no route %s", json_string_value(json_object_get(args, "prefix")));
	published_route(rt, &p, true);
	return 0;
}

/* A route as route.show lists it, or (as_config) as the config file writes it. */
static json_t *
route_json(const struct dp_runtime *rt, const struct hp_route_conf *r, bool as_config)
{
	json_t *o = json_pack("{s:o}", "prefix", prefix_json(&r->prefix)), *via = json_array();

	for (unsigned k = 0; k < r->n_via; k++)
		json_array_append_new(via, addr_json(&r->via[k]));
	if (!as_config || r->action == HP_ROUTE_DROP)
		json_object_set_new(o, "action", json_string(r->action == HP_ROUTE_DROP ? "drop" : "forward"));
	if (!as_config || r->action != HP_ROUTE_DROP)
		json_object_set_new(o, "via", via);
	else
		json_decref(via);
	if (r->port >= 0)
		json_object_set_new(o, "port", json_string(rt->cfg->ports[r->port].name));
	return o;
}

static int
cmd_route_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"family", NULL};
	json_t *fam = json_object_get(args, "family"), *a;
	const struct dp_fib *fib;
	int family = 0;

	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0)
		return -1;
	if (fam != NULL) {
		if (!json_is_integer(fam) || (json_integer_value(fam) != 4 && json_integer_value(fam) != 6))
			return fail(e, "EINVAL", "\"family\" must be 4 or 6");
		family = json_integer_value(fam) == 4 ? AF_INET : AF_INET6;
	}
	fib = rt->tables->fib;
	a = json_array();
	for (uint32_t i = 0; i < fib->n_routes; i++) {
		const struct hp_route_conf *r = dp_fib_route(fib, i);

		if (family == 0 || r->prefix.family == family)
			json_array_append_new(a, route_json(rt, r, false));
	}
	*result = a;
	return 0;
}

/* ---- neighbours ---- */

/* args "ip" and "port" (an l3 port name; optional when one port's subnet holds ip). */
static int
neigh_target(struct dp_runtime *rt, json_t *args, bool port_required, struct hp_addr *ip, int *port,
	     struct cmd_err *e)
{
	const char *s, *pname;

	if (arg_str(args, "ip", true, &s, e) < 0 || arg_str(args, "port", port_required, &pname, e) < 0)
		return -1;
	if (hp_parse_addr(s, 0, ip) < 0)
		return fail(e, "EINVAL", "bad address \"%.64s\": expected IPv4 or IPv6", s);
	if (pname != NULL) {
		*port = hp_config_port_index(rt->cfg, pname);
		if (*port < 0 || rt->cfg->ports[*port].mode != HP_MODE_L3)
			return fail(e, "EINVAL", "no l3 port \"%.32s\"", pname);
	} else if ((*port = hp_config_via_port(rt->cfg, ip)) < 0) {
		return fail(e, "EINVAL", "%.64s is in no l3 port's subnet: give \"port\"", s);
	}
	return 0;
}

static int
cmd_neigh_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"ip", "mac", "port", NULL};
	struct hp_addr ip;
	uint8_t mac[6];
	const char *ms;
	int port, rc;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || neigh_target(rt, args, false, &ip, &port, e) < 0 ||
	    arg_str(args, "mac", true, &ms, e) < 0)
		return -1;
	if (hp_parse_mac(ms, mac) < 0 || (mac[0] & 1))
		return fail(e, "EINVAL", "bad MAC \"%.32s\": expected a unicast xx:xx:xx:xx:xx:xx", ms);
	if ((rc = ctl_neigh_add((unsigned)port, &ip, mac)) < 0)
		return fail(e, rc == -ENOSPC ? "ENOSPC" : "EINVAL", "neighbour table: %s", strerror(-rc));
	return 0;
}

static int
cmd_neigh_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"ip", "port", NULL};
	struct hp_addr ip;
	int port;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || neigh_target(rt, args, false, &ip, &port, e) < 0)
		return -1;
	if (ctl_neigh_del((unsigned)port, &ip) < 0)
		return fail(e, "ENOENT", "no neighbour %s on %s", json_string_value(json_object_get(args, "ip")),
			    rt->cfg->ports[port].name);
	published(rt);
	return 0;
}

static void
neigh_row(void *arg, const struct ctl_neigh_info *ni)
{
	struct rows *x = arg;

	json_array_append_new(x->a, json_pack("{s:o, s:o, s:s, s:s, s:i}", "ip", addr_json(ni->ip), "mac",
					      ni->resolved ? mac_json(ni->mac) : json_string(""), "port",
					      x->rt->cfg->ports[ni->port].name, "state", ni->state, "held", (int)ni->held));
}

static int
cmd_neigh_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct rows x = {rt, NULL};

	if (need_fib(rt, e) < 0 || no_args(args, e) < 0)
		return -1;
	x.a = json_array();
	ctl_neigh_foreach(neigh_row, &x);
	*result = x.a;
	return 0;
}

/* ---- ACL and policers: changed through the config parser ---- */

static json_t *
policer_json(const struct hp_policer_conf *p)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", p->name, "type",
			      p->type == HP_POLICER_TRTCM ? "trtcm" : "srtcm", "cir", (json_int_t)p->cir, "cbs",
			      (json_int_t)p->cbs);

	if (p->type == HP_POLICER_TRTCM) {
		json_object_set_new(o, "pir", json_integer((json_int_t)p->pir));
		json_object_set_new(o, "pbs", json_integer((json_int_t)p->pbs));
	} else {
		json_object_set_new(o, "ebs", json_integer((json_int_t)p->ebs));
	}
	return o;
}


/*
 * A request's objects are checked by the same parser as the config file:
 * they are written as YAML flow (JSON is YAML) into a small document with
 * one placeholder port and the live policers, and parsed. Messages name
 * the argument as the config file would ("request:N: key 'dport': ...").
 */
static int
parse_objects(struct dp_runtime *rt, const char *section, json_t *objs, json_t *policers, struct hp_config *out,
	      struct cmd_err *e)
{
	char err[HP_ERR_MAX];
	char *a = json_dumps(objs, JSON_COMPACT), *pol = NULL, *text = NULL;
	json_t *pl = policers;
	int rc = -1;

	if (pl == NULL) {
		pl = json_array();
		for (unsigned i = 0; i < rt->cfg->n_policers; i++)
			json_array_append_new(pl, policer_json(&rt->cfg->policers[i]));
	} else {
		json_incref(pl);
	}
	pol = json_dumps(pl, JSON_COMPACT);
	json_decref(pl);
	if (a == NULL || pol == NULL || asprintf(&text, "ports:\n  - { name: p, device: net_null0 }\npolicers: %s\n%s: %s\n",
						pol, section, a) < 0) {
		text = NULL;
		fail(e, "ENOMEM", "out of memory");
		goto out;
	}
	memset(out, 0, sizeof(*out));
	if (hp_config_parse("request", text, strlen(text), out, err, sizeof(err)) != 0) {
		/* "request:LINE: what": the line is the synthetic document's, not the caller's */
		const char *what = strstr(err, ": ");

		fail(e, "EINVAL", "%s", what != NULL && strncmp(err, "request:", 8) == 0 ? what + 2 : err);
		goto out;
	}
	rc = 0;
out:
	free(a);
	free(pol);
	free(text);
	return rc;
}

/*
 * Publish an ACL built from rules and policers: new per-worker state, one
 * pointer store of new tables, a grace period, then the old ones go. On
 * success rt->cfg takes over rules and policers (the old arrays are freed).
 */
static int
publish_acl(struct dp_runtime *rt, struct hp_acl_rule *rules, unsigned n_rules, struct hp_policer_conf *policers,
	    unsigned n_policers, struct cmd_err *e)
{
	struct hp_config tmp = *rt->cfg;
	struct dp_tables *t;
	char err[HP_ERR_MAX];
	int rc;

	tmp.acl = rules;
	tmp.n_acl = n_rules;
	tmp.policers = policers;
	tmp.n_policers = n_policers;
	if ((rc = dp_tables_build_acl(rt, &tmp, &t, err, sizeof(err))) < 0)
		return fail(e, rc == -ENOMEM || errno == ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	dp_tables_retire(rt, dp_tables_publish(rt, t, &tmp));
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

static int
cmd_acl_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_config req;
	struct hp_acl_rule *rules;
	unsigned n = rt->cfg->n_acl;
	json_t *one;
	int rc;

	if (need_fib(rt, e) < 0)
		return -1;
	one = json_pack("[O]", args);
	rc = parse_objects(rt, "acl", one, NULL, &req, e);
	json_decref(one);
	if (rc < 0)
		return -1;
	rules = malloc((n + 1) * sizeof(*rules));
	if (rules == NULL) {
		hp_config_free(&req);
		return fail(e, "ENOMEM", "out of memory");
	}
	if (n > 0)
		memcpy(rules, rt->cfg->acl, n * sizeof(*rules));
	rules[n] = req.acl[0];
	rules[n].line = 0; /* added over the socket */
	hp_config_free(&req);
	if (publish_acl(rt, rules, n + 1, rt->cfg->policers, rt->cfg->n_policers, e) < 0) {
		free(rules);
		return -1;
	}
	*result = json_pack("{s:i}", "index", (int)n);
	return 0;
}

static int
index_arg(json_t *args, unsigned n, unsigned *idx, struct cmd_err *e)
{
	static const char *const allowed[] = {"index", NULL};
	json_t *v = json_object_get(args, "index");

	if (known_args(args, allowed, e) < 0)
		return -1;
	if (v == NULL || !json_is_integer(v))
		return fail(e, "EINVAL", "argument \"index\" (an integer) is required");
	if (json_integer_value(v) < 0 || json_integer_value(v) >= (json_int_t)n)
		return fail(e, "ENOENT", "no rule %" JSON_INTEGER_FORMAT " (there are %u)", json_integer_value(v), n);
	*idx = (unsigned)json_integer_value(v);
	return 0;
}

static int
cmd_acl_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	unsigned n = rt->cfg->n_acl, idx = 0;
	struct hp_acl_rule *rules;

	(void)result;
	if (need_fib(rt, e) < 0 || index_arg(args, n, &idx, e) < 0)
		return -1;
	rules = malloc(n * sizeof(*rules) + 1);
	if (rules == NULL)
		return fail(e, "ENOMEM", "out of memory");
	memcpy(rules, rt->cfg->acl, idx * sizeof(*rules));
	memcpy(rules + idx, rt->cfg->acl + idx + 1, (n - idx - 1) * sizeof(*rules));
	if (publish_acl(rt, rules, n - 1, rt->cfg->policers, rt->cfg->n_policers, e) < 0) {
		free(rules);
		return -1;
	}
	return 0;
}

static int
cmd_acl_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	const struct dp_tables *t = rt->tables;
	json_t *a;

	if (need_fib(rt, e) < 0 || no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < rt->cfg->n_acl; i++) {
		const struct hp_acl_rule *r = &rt->cfg->acl[i];
		uint64_t pk = 0, by = 0;
		char action[HP_NAME_MAX + 8];
		json_t *o;

		struct dp_acl_rule_stats h = dp_tables_acl_hits(t, rt->n_workers, i);

		pk = h.packets, by = h.bytes;
		if (r->action == HP_ACL_POLICE)
			snprintf(action, sizeof(action), "police %s", rt->cfg->policers[r->policer].name);
		else
			snprintf(action, sizeof(action), "%s", hp_acl_action_name(r->action));
		o = json_pack("{s:i, s:i}", "index", (int)i, "priority", (int)r->priority);
		json_object_set_new(o, "src", r->has_src ? prefix_json(&r->src) : json_string("any"));
		json_object_set_new(o, "dst", r->has_dst ? prefix_json(&r->dst) : json_string("any"));
		json_object_set_new(o, "proto", r->has_proto ? json_integer(r->proto) : json_string("any"));
		json_object_set_new(o, "sport", range_json(r->sport_lo, r->sport_hi));
		json_object_set_new(o, "dport", range_json(r->dport_lo, r->dport_hi));
		json_object_set_new(o, "action", json_string(action));
		json_object_set_new(o, "packets", json_integer((json_int_t)pk));
		json_object_set_new(o, "bytes", json_integer((json_int_t)by));
		json_array_append_new(a, o);
	}
	*result = a;
	return 0;
}

static int
cmd_policer_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	struct hp_config req;
	json_t *all = json_array(), *none = json_array();
	int rc;

	(void)result;
	if (need_fib(rt, e) < 0) {
		json_decref(all);
		json_decref(none);
		return -1;
	}
	for (unsigned i = 0; i < rt->cfg->n_policers; i++)
		json_array_append_new(all, policer_json(&rt->cfg->policers[i]));
	json_array_append(all, args);
	/* the parser refuses a second policer of the same name, as in the file */
	rc = parse_objects(rt, "acl", none, all, &req, e);
	json_decref(all);
	json_decref(none);
	if (rc < 0)
		return -1;
	if (publish_acl(rt, rt->cfg->acl, rt->cfg->n_acl, req.policers, req.n_policers, e) < 0) {
		hp_config_free(&req);
		return -1;
	}
	req.policers = NULL; /* now the live configuration's */
	hp_config_free(&req);
	return 0;
}

static int
cmd_policer_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"name", NULL};
	struct hp_policer_conf *pols;
	struct hp_acl_rule *rules;
	unsigned n = rt->cfg->n_policers, idx;
	const char *name;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || arg_str(args, "name", true, &name, e) < 0)
		return -1;
	for (idx = 0; idx < n && strcmp(rt->cfg->policers[idx].name, name) != 0; idx++)
		;
	if (idx == n)
		return fail(e, "ENOENT", "no policer \"%.32s\"", name);
	for (unsigned i = 0; i < rt->cfg->n_acl; i++)
		if (rt->cfg->acl[i].action == HP_ACL_POLICE && rt->cfg->acl[i].policer == (int)idx)
			return fail(e, "EBUSY", "policer \"%.32s\" is used by ACL rule %u", name, i);
	pols = malloc(n * sizeof(*pols));
	rules = malloc(rt->cfg->n_acl * sizeof(*rules) + 1);
	if (pols == NULL || rules == NULL) {
		free(pols);
		free(rules);
		return fail(e, "ENOMEM", "out of memory");
	}
	memcpy(pols, rt->cfg->policers, idx * sizeof(*pols));
	memcpy(pols + idx, rt->cfg->policers + idx + 1, (n - idx - 1) * sizeof(*pols));
	/* the rules name policers by index: those after the removed one move down */
	if (rt->cfg->n_acl > 0)
		memcpy(rules, rt->cfg->acl, rt->cfg->n_acl * sizeof(*rules));
	for (unsigned i = 0; i < rt->cfg->n_acl; i++)
		if (rules[i].action == HP_ACL_POLICE && rules[i].policer > (int)idx)
			rules[i].policer--;
	if (publish_acl(rt, rules, rt->cfg->n_acl, pols, n - 1, e) < 0) {
		free(pols);
		free(rules);
		return -1;
	}
	return 0;
}

static int
cmd_policer_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a;

	if (no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < rt->cfg->n_policers; i++)
		json_array_append_new(a, policer_json(&rt->cfg->policers[i]));
	*result = a;
	return 0;
}

/* ---- config.dump: the live state as a config file ---- */

static void
static_neigh(void *arg, const struct ctl_neigh_info *ni)
{
	struct rows *x = arg;

	if (strcmp(ni->state, "static") != 0)
		return;
	json_array_append_new(x->a, json_pack("{s:o, s:o, s:s}", "ip", addr_json(ni->ip), "mac", mac_json(ni->mac),
					      "port", x->rt->cfg->ports[ni->port].name));
}

/*
 * The configuration that recreates the running state: the file's ports,
 * workers and EAL arguments, and the routes, static neighbours, ACL and
 * policers as they are now. Written as JSON, which is YAML: hotpathd -c
 * and --check read it as they read any config.
 */
static json_t *
dump_config(struct dp_runtime *rt)
{
	const struct hp_config *cfg = rt->cfg;
	json_t *o = json_object(), *a;

	a = json_array();
	for (unsigned i = 0; i < cfg->n_eal_args; i++)
		json_array_append_new(a, json_string(cfg->eal_args[i]));
	if (cfg->n_eal_args > 0)
		json_object_set_new(o, "eal", a);
	else
		json_decref(a);
	json_object_set_new(o, "control", json_object());
	if (cfg->control_socket[0])
		json_object_set_new(json_object_get(o, "control"), "socket", json_string(cfg->control_socket));
	if (cfg->metrics[0])
		json_object_set_new(json_object_get(o, "control"), "metrics", json_string(cfg->metrics));
	if (cfg->mbufs)
		json_object_set_new(o, "mbufs", json_integer(cfg->mbufs));
	a = json_array();
	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct hp_port_conf *pc = &cfg->ports[p];
		json_t *po = json_pack("{s:s, s:s, s:i, s:i, s:i, s:s}", "name", pc->name, "device", pc->device, "queues",
				       (int)pc->queues, "rx_desc", (int)pc->rx_desc, "tx_desc", (int)pc->tx_desc, "mode",
				       pc->mode == HP_MODE_L3 ? "l3" : "xconnect");

		if (pc->has_mac)
			json_object_set_new(po, "mac", mac_json(pc->mac));
		if (pc->n_ipv4)
			json_object_set_new(po, "ipv4", addrs_json(pc->ipv4, pc->n_ipv4));
		if (pc->n_ipv6)
			json_object_set_new(po, "ipv6", addrs_json(pc->ipv6, pc->n_ipv6));
		if (pc->peer >= 0)
			json_object_set_new(po, "peer", json_string(cfg->ports[pc->peer].name));
		json_array_append_new(a, po);
	}
	json_object_set_new(o, "ports", a);
	if (cfg->has_workers) {
		a = json_array();
		for (unsigned w = 0; w < cfg->n_workers; w++) {
			json_t *q = json_array();

			for (unsigned k = 0; k < cfg->workers[w].n_queues; k++) {
				char ref[HP_NAME_MAX + 8];

				snprintf(ref, sizeof(ref), "%s/%u", cfg->ports[cfg->workers[w].queues[k].port].name,
					 cfg->workers[w].queues[k].queue);
				json_array_append_new(q, json_string(ref));
			}
			json_array_append_new(a, json_pack("{s:i, s:o}", "lcore", (int)cfg->workers[w].lcore, "queues", q));
		}
		json_object_set_new(o, "workers", a);
	}
	if (rt->tables != NULL) {
		struct rows x = {rt, json_array()};
		const struct dp_fib *fib = rt->tables->fib;

		ctl_neigh_foreach(static_neigh, &x);
		json_object_set_new(o, "neighbors", x.a);
		a = json_array();
		for (uint32_t i = 0; i < fib->n_routes; i++) {
			const struct hp_route_conf *r = dp_fib_route(fib, i);
			json_t *ro = route_json(rt, r, true);

			json_array_append_new(a, ro);
		}
		json_object_set_new(o, "routes", a);
	}
	json_object_set_new(o, "acl_default", json_string(cfg->acl_default_deny ? "deny" : "permit"));
	a = json_array();
	for (unsigned i = 0; i < cfg->n_policers; i++)
		json_array_append_new(a, policer_json(&cfg->policers[i]));
	json_object_set_new(o, "policers", a);
	a = json_array();
	for (unsigned i = 0; i < cfg->n_acl; i++) {
		const struct hp_acl_rule *r = &cfg->acl[i];
		json_t *ro = json_pack("{s:i}", "priority", (int)r->priority);
		char action[HP_NAME_MAX + 8];

		if (r->has_src)
			json_object_set_new(ro, "src", prefix_json(&r->src));
		if (r->has_dst)
			json_object_set_new(ro, "dst", prefix_json(&r->dst));
		if (r->has_proto)
			json_object_set_new(ro, "proto", json_integer(r->proto));
		if (r->sport_lo != 0 || r->sport_hi != 65535)
			json_object_set_new(ro, "sport", range_json(r->sport_lo, r->sport_hi));
		if (r->dport_lo != 0 || r->dport_hi != 65535)
			json_object_set_new(ro, "dport", range_json(r->dport_lo, r->dport_hi));
		if (r->action == HP_ACL_POLICE)
			snprintf(action, sizeof(action), "police %s", cfg->policers[r->policer].name);
		else
			snprintf(action, sizeof(action), "%s", hp_acl_action_name(r->action));
		json_object_set_new(ro, "action", json_string(action));
		json_array_append_new(a, ro);
	}
	json_object_set_new(o, "acl", a);
	if (ctl_xdp_active())
		json_object_set_new(o, "xdp", ctl_xdp_dump());
	return o;
}

static int
cmd_config_dump(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *c;
	char *text;

	if (no_args(args, e) < 0)
		return -1;
	c = dump_config(rt);
	text = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(c);
	if (text == NULL)
		return fail(e, "ENOMEM", "out of memory");
	*result = json_pack("{s:s+}", "yaml", "# hotpathd config dump (JSON is YAML: hotpathd -c reads it)\n", text);
	free(text);
	return 0;
}

/* ---- config.apply: a whole file as one transaction ---- */

/* What a running hotpathd cannot change: the ports, workers, EAL and control settings. */
static const char *
fixed_part_differs(const struct hp_config *a, const struct hp_config *b)
{
	if (a->n_ports != b->n_ports)
		return "the number of ports";
	for (unsigned p = 0; p < a->n_ports; p++) {
		struct hp_port_conf x = a->ports[p], y = b->ports[p];

		x.line = y.line = 0;
		x.peer_line = y.peer_line = 0;
		if (memcmp(&x, &y, sizeof(x)) != 0)
			return "a port (name, device, queues, descriptors, MAC, addresses, mode or peer)";
	}
	if (a->has_workers != b->has_workers || a->n_workers != b->n_workers ||
	    memcmp(a->workers, b->workers, sizeof(a->workers[0]) * a->n_workers) != 0)
		return "the workers";
	if (a->mbufs != b->mbufs || strcmp(a->control_socket, b->control_socket) != 0 ||
	    strcmp(a->metrics, b->metrics) != 0)
		return "mbufs or the control settings";
	return NULL;
}

static int
cmd_config_apply(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"file", NULL};
	struct dp_tables *old, *t;
	struct hp_config nc;
	char err[HP_ERR_MAX];
	const char *file, *what;
	int rc;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 || arg_str(args, "file", true, &file, e) < 0)
		return -1;
	memset(&nc, 0, sizeof(nc));
	if (hp_config_load(file, &nc, err, sizeof(err)) != 0) {
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s", err);
	}
	if ((what = fixed_part_differs(rt->cfg, &nc)) != NULL) {
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s: changes %s: restart hotpathd for that (nothing applied)", file, what);
	}
	if (ctl_xdp_check(&nc, err, sizeof(err)) < 0) {
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s: %s (nothing applied)", file, err);
	}
	/* everything is built aside; any failure leaves the running tables alone */
	if ((rc = dp_tables_build(rt, &nc, &t, err, sizeof(err))) < 0) {
		hp_config_free(&nc);
		return fail(e, rc == -ENOMEM ? "ENOMEM" : "EINVAL", "%s", err);
	}
	old = dp_tables_publish(rt, t, &nc);
	/* the XDP maps take the file's pass and block sets (sized by the parser to fit) */
	if (ctl_xdp_replace(&nc, err, sizeof(err)) < 0)
		DP_LOG(ERR, "config %s: %s", file, err);
	/* the live configuration takes the new tables' parts (ports and the rest are equal) */
	free(rt->cfg->neighbors);
	free(rt->cfg->routes);
	free(rt->cfg->acl);
	free(rt->cfg->policers);
	rt->cfg->neighbors = nc.neighbors, rt->cfg->n_neighbors = nc.n_neighbors;
	rt->cfg->routes = nc.routes, rt->cfg->n_routes = nc.n_routes;
	rt->cfg->acl = nc.acl, rt->cfg->n_acl = nc.n_acl;
	rt->cfg->policers = nc.policers, rt->cfg->n_policers = nc.n_policers;
	rt->cfg->acl_default_deny = nc.acl_default_deny;
	nc.neighbors = NULL, nc.routes = NULL, nc.acl = NULL, nc.policers = NULL;
	hp_config_free(&nc);
	ctl_fib_replaced(t->fib);
	/* held and punted packets of the old FIB are gone: nothing names it now */
	dp_tables_retire(rt, old);
	DP_LOG(NOTICE, "config %s applied: %u routes, %u ACL rules", file, rt->cfg->n_routes, rt->cfg->n_acl);
	return 0;
}

/* ---- xdp: hotpath's XDP program on the kernel's interfaces ---- */

static const char *
errno_name(int rc)
{
	switch (-rc) {
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOSPC: return "ENOSPC";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	default: return "EIO";
	}
}

static int
cmd_xdp_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt;
	if (no_args(args, e) < 0)
		return -1;
	*result = ctl_xdp_show();
	return 0;
}

static int
cmd_xdp_block_show(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"iface", NULL};
	const char *iface;

	(void)rt;
	if (known_args(args, allowed, e) < 0 || arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	if (!ctl_xdp_active())
		return fail(e, "ENOENT", "no interface runs hotpath's XDP program");
	if ((*result = ctl_xdp_blocks(iface)) == NULL)
		return fail(e, "ENOENT", "no XDP interface named %.32s", iface);
	return 0;
}

static int
xdp_block_change(json_t *args, bool add, struct cmd_err *e)
{
	static const char *const allowed[] = {"prefix", "iface", NULL};
	struct hp_prefix p, net;
	const char *iface, *text;
	char err[256];
	int rc;

	if (known_args(args, allowed, e) < 0 || parse_prefix_arg(args, &p, e) < 0 ||
	    arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	text = json_string_value(json_object_get(args, "prefix"));
	if (hp_prefix_clear_host_bits(&p, &net)) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(net.family, net.addr, a, sizeof(a));
		return fail(e, "EINVAL", "prefix %.64s has host bits set; did you mean %s/%u?", text, a, net.len);
	}
	if ((rc = ctl_xdp_block(add, &p, iface, err, sizeof(err))) < 0)
		return fail(e, errno_name(rc), "%s", err);
	return 0;
}

static int
cmd_xdp_block_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_block_change(args, true, e);
}

static int
cmd_xdp_block_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_block_change(args, false, e);
}

static int
xdp_pass_change(json_t *args, bool add, struct cmd_err *e)
{
	static const char *const allowed[] = {"class", "iface", NULL};
	struct hp_xdp_class c;
	const char *iface, *text;
	char err[256];
	int rc;

	if (known_args(args, allowed, e) < 0 || arg_str(args, "class", true, &text, e) < 0 ||
	    arg_str(args, "iface", false, &iface, e) < 0)
		return -1;
	if (hp_parse_xdp_class(text, &c) < 0)
		return fail(e, "EINVAL",
			    "bad class \"%.32s\": expected arp, nd, icmp, icmpv6, tcp/PORT, udp/PORT or a "
			    "range such as udp/5000-5010",
			    text);
	if ((rc = ctl_xdp_pass(add, &c, iface, err, sizeof(err))) < 0)
		return fail(e, errno_name(rc), "%s", err);
	return 0;
}

static int
cmd_xdp_pass_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_pass_change(args, true, e);
}

static int
cmd_xdp_pass_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	(void)rt, (void)result;
	return xdp_pass_change(args, false, e);
}

/* ---- log level ---- */

static int
cmd_log_level(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const struct {
		const char *name;
		uint32_t level;
	} levels[] = {
		{"emerg", RTE_LOG_EMERG}, {"alert", RTE_LOG_ALERT}, {"crit", RTE_LOG_CRIT},
		{"error", RTE_LOG_ERR},   {"warning", RTE_LOG_WARNING}, {"notice", RTE_LOG_NOTICE},
		{"info", RTE_LOG_INFO},   {"debug", RTE_LOG_DEBUG},
	};
	static const char *const allowed[] = {"level", NULL};
	const char *name;

	(void)rt;
	if (known_args(args, allowed, e) < 0 || arg_str(args, "level", false, &name, e) < 0)
		return -1;
	if (name == NULL) {
		uint32_t cur = rte_log_get_global_level();

		for (unsigned i = 0; i < RTE_DIM(levels); i++)
			if (levels[i].level == cur)
				*result = json_pack("{s:s}", "level", levels[i].name);
		return 0;
	}
	for (unsigned i = 0; i < RTE_DIM(levels); i++) {
		if (strcmp(levels[i].name, name) == 0) {
			rte_log_set_global_level(levels[i].level);
			DP_LOG(NOTICE, "log level %s", name);
			*result = json_pack("{s:s}", "level", name);
			return 0;
		}
	}
	return fail(e, "EINVAL", "unknown log level \"%s\" (emerg, alert, crit, error, warning, notice, info, debug)",
		    name);
}

/* ---- dispatch ---- */

static int cmd_help(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e);

static const struct cmd {
	const char *name;
	cmd_fn fn;
	const char *args;
	const char *help;
} cmds[] = {
	{"help", cmd_help, "", "the commands this daemon serves"},
	{"status", cmd_status, "", "version, uptime, sizes, packet totals"},
	{"port.show", cmd_port_show, "", "ports: mode, MAC, queues, addresses, device"},
	{"port.stats", cmd_port_stats, "[name]", "per-port counters, per queue and from the device"},
	{"worker.show", cmd_worker_show, "", "per-worker counters, cycles and latency"},
	{"stats", cmd_stats, "", "totals, drops by reason, slow path, ACL cache"},
	{"latency.show", cmd_latency_show, "", "residence latency percentiles since the last reset (ns)"},
	{"latency.reset", cmd_latency_reset, "", "start latency.show afresh"},
	{"route.add", cmd_route_add, "prefix, via | action: drop, [port] | routes: [{...}, ...]",
	 "add or replace a route (ECMP: several via), or up to 1024 at once"},
	{"route.del", cmd_route_del, "prefix", "delete a route"},
	{"route.show", cmd_route_show, "[family: 4|6]", "the configured routes"},
	{"neigh.add", cmd_neigh_add, "ip, mac, [port]", "a static neighbour (its held packets are sent)"},
	{"neigh.del", cmd_neigh_del, "ip, [port]", "forget a neighbour's MAC (resolved again on use)"},
	{"neigh.show", cmd_neigh_show, "", "next hops: address, MAC, port, state, packets held"},
	{"acl.add", cmd_acl_add, "priority, [src, dst, proto, sport, dport], action", "add an ACL rule (as in the config file)"},
	{"acl.del", cmd_acl_del, "index", "delete ACL rule index (acl.show numbers them)"},
	{"acl.show", cmd_acl_show, "", "ACL rules in order with their hits"},
	{"policer.add", cmd_policer_add, "name, type, cir, cbs, [pir, pbs | ebs]", "add a policer (as in the config file)"},
	{"policer.del", cmd_policer_del, "name", "delete a policer no ACL rule uses"},
	{"policer.show", cmd_policer_show, "", "policers (rates in bit/s, bursts in bytes)"},
	{"config.apply", cmd_config_apply, "file", "replace routes, neighbours, ACL and policers with a file's (all or nothing)"},
	{"config.dump", cmd_config_dump, "", "the running state as a config file (hotpathd -c reads it)"},
	{"xdp.show", cmd_xdp_show, "", "XDP interfaces: role, mode, program, pass classes, counters by reason"},
	{"xdp.block.add", cmd_xdp_block_add, "prefix, [iface]", "drop this source prefix in XDP (every interface by default)"},
	{"xdp.block.del", cmd_xdp_block_del, "prefix, [iface]", "stop dropping a source prefix"},
	{"xdp.block.show", cmd_xdp_block_show, "[iface]", "the blocked source prefixes"},
	{"xdp.pass.add", cmd_xdp_pass_add, "class, [iface]", "send a class to the kernel: arp, nd, icmp, icmpv6, tcp/PORT, udp/PORT"},
	{"xdp.pass.del", cmd_xdp_pass_del, "class, [iface]", "stop passing a class (it is steered to hotpath)"},
	{"log.level", cmd_log_level, "[level]", "show or set the log level"},
};

static int
cmd_help(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	json_t *a;

	(void)rt;
	if (no_args(args, e) < 0)
		return -1;
	a = json_array();
	for (unsigned i = 0; i < RTE_DIM(cmds); i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "cmd", cmds[i].name, "args", cmds[i].args,
						   "help", cmds[i].help));
	*result = a;
	return 0;
}

static char *
dump(json_t *reply)
{
	char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;

	json_decref(reply);
	return s ? s : strdup("{\"id\":null,\"ok\":false,\"error\":{\"code\":\"ENOMEM\",\"message\":\"out of memory\"}}");
}

static char *
error_reply(json_t *id, const char *code, const char *msg)
{
	return dump(json_pack("{s:O, s:b, s:{s:s, s:s}}", "id", id ? id : json_null(), "ok", 0, "error", "code",
			      code, "message", msg));
}

char *
ctl_cmd_error_line(const char *code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return error_reply(NULL, code, msg);
}

char *
ctl_cmd_line(struct dp_runtime *rt, const char *line, size_t len)
{
	json_error_t jerr;
	json_t *req, *id, *args, *result = NULL;
	const char *name;
	struct cmd_err e = {0};
	char *reply;

	req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL)
		return ctl_cmd_error_line("EINVAL", "bad JSON at column %d: %s", jerr.column, jerr.text);
	if (!json_is_object(req)) {
		json_decref(req);
		return ctl_cmd_error_line("EINVAL", "the request must be a JSON object");
	}
	/* echo an integer or string id; anything else is refused with id null */
	id = json_object_get(req, "id");
	if (id != NULL && !json_is_integer(id) && !json_is_string(id) && !json_is_null(id)) {
		json_decref(req);
		return ctl_cmd_error_line("EINVAL", "\"id\" must be an integer or a string");
	}
	id = id ? json_incref(id) : json_null();
	name = json_string_value(json_object_get(req, "cmd"));
	args = json_object_get(req, "args");
	if (name == NULL) {
		reply = error_reply(id, "EINVAL", "missing \"cmd\" (a string)");
	} else if (args != NULL && !json_is_object(args)) {
		reply = error_reply(id, "EINVAL", "\"args\" must be an object");
	} else {
		const struct cmd *c = NULL;
		json_t *empty = json_object();

		for (unsigned i = 0; i < RTE_DIM(cmds); i++)
			if (strcmp(cmds[i].name, name) == 0)
				c = &cmds[i];
		if (c == NULL) {
			snprintf(e.msg, sizeof(e.msg), "unknown command \"%.64s\" (see \"help\")", name);
			reply = error_reply(id, "ENOENT", e.msg);
		} else if (c->fn(rt, args ? args : empty, &result, &e) < 0) {
			reply = error_reply(id, e.code, e.msg);
		} else {
			reply = dump(json_pack("{s:O, s:b, s:o}", "id", id, "ok", 1, "result",
					       result ? result : json_object()));
		}
		json_decref(empty);
	}
	json_decref(id);
	json_decref(req);
	return reply;
}
