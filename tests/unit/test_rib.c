/* Unit tests of the linux routes' store (control/rib.c) and its precedence against config/cli routes, looked up in the FIB after each step. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <jansson.h>
#include <rte_lcore.h>
#include <rte_lpm6.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "../cunit_run.h"
#include "../eal_test.h"
#include "cmd.h"
#include "config.h"
#include "dump.h"
#include "fib.h"
#include "model.h"
#include "rib.h"
#include "runtime.h"
#include "tables.h"

/*
 * The requests go through the real dispatch and handlers (ctl_cmd_line, as
 * the socket passes them): route.add and route.del as cli, config.apply from
 * a file. The linux routes come through the rib's API, as the rtnetlink
 * mirror gives them. After each step the FIB says which route is in.
 */

#define PORTS                                                                                        \
	"ports:\n"                                                                                   \
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: " \
	"[\"2001:db8::1/64\"] }\n"                                                                   \
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24], ipv6: " \
	"[\"2001:db8:1::1/64\"] }\n"

static const char config[] = PORTS
	"routes:\n"
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n";

static struct hp_config cfg;
static struct dp_runtime rt;
static char err[HP_ERR_MAX];

/* A fresh model from config, its tables built and published, no linux route. */
static void
fresh(void)
{
	struct dp_tables *t = NULL, *old;

	ctl_rib_linux_flush(&rt);
	ctl_rib_free();
	hp_config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	CU_ASSERT_EQUAL_FATAL(hp_config_parse("rib.yaml", config, sizeof(config) - 1, &cfg, err, sizeof(err)),
			      0);
	rt.cfg = &cfg;
	rt.ports.n = cfg.n_ports;
	for (unsigned p = 0; p < cfg.n_ports; p++)
		memcpy(rt.ports.ports[p].mac.addr_bytes, cfg.ports[p].mac, 6);
	CU_ASSERT_EQUAL_FATAL(dp_tables_build(&rt, &cfg, &t, err, sizeof(err)), 0);
	old = dp_tables_publish(&rt, t, &cfg);
	if (old != NULL)
		dp_tables_retire(&rt, old);
}

/* One request through the dispatch, in a batch as the socket does it; the reply, parsed. */
static json_t *
request(const char *fmt, ...)
{
	static char line[128 * 1024]; /* a route.add of CTL_ROUTES_MAX routes */
	char *reply;
	va_list ap;
	json_t *r;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	ctl_cmd_batch(&rt, true);
	reply = ctl_cmd_line(&rt, line, strlen(line));
	ctl_cmd_batch(&rt, false);
	r = json_loads(reply, 0, NULL);
	free(reply);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	return r;
}

static bool
ok(json_t *r)
{
	bool yes = json_is_true(json_object_get(r, "ok"));

	json_decref(r);
	return yes;
}

/*
 * What the FIB does with a packet to ip: "via ADDR" (the first path's next hop), "drop",
 * "local", "glean" or "none".
 */
static const char *
fib_says(const char *ip)
{
	static char out[64];
	const struct dp_fib *fib = rt.tables->fib;
	const struct dp_group *g;
	char abuf[HP_ADDR_STRLEN];
	uint8_t a[16];
	uint32_t hop;

	if (strchr(ip, ':') != NULL) {
		inet_pton(AF_INET6, ip, a);
		if (rte_lpm6_lookup(fib->lpm6, a, &hop) != 0)
			return "none";
	} else {
		uint32_t v;

		inet_pton(AF_INET, ip, &v);
		if (dp_lpm4_lookup(fib->lpm4, ntohl(v), &hop) != 0)
			return "none";
	}
	g = &fib->groups[hop];
	switch (g->type) {
	case DP_GROUP_FORWARD:
		snprintf(out, sizeof(out), "via %s",
			 hp_addr_format(&fib->nh_addr[g->nh[0]], abuf, sizeof(abuf)));
		return out;
	case DP_GROUP_DROP:
		return "drop";
	case DP_GROUP_LOCAL:
		return "local";
	default:
		return "glean";
	}
}

/* A linux route: prefix via a next hop on port (index), or a drop route when via is NULL. */
static struct hp_route_conf
lr(const char *prefix, const char *via, int port)
{
	struct hp_route_conf r = {.port = -1, .origin = HP_ORIGIN_CONFIG}; /* the rib sets linux */

	CU_ASSERT_EQUAL(hp_parse_prefix(prefix, 0, &r.prefix), 0);
	if (via == NULL) {
		r.action = HP_ROUTE_DROP;
	} else {
		r.action = HP_ROUTE_FORWARD;
		r.n_via = 1;
		r.port = port;
		CU_ASSERT_EQUAL(hp_parse_addr(via, r.prefix.family, &r.via[0]), 0);
	}
	return r;
}

static int
set(const char *prefix, const char *via, int port)
{
	struct hp_route_conf r = lr(prefix, via, port);

	err[0] = '\0';
	return ctl_rib_linux_set(&rt, &r, err, sizeof(err));
}

static int
del(const char *prefix)
{
	struct hp_prefix p;

	CU_ASSERT_EQUAL(hp_parse_prefix(prefix, 0, &p), 0);
	return ctl_rib_linux_del(&rt, &p);
}

/* -1: no linux route of prefix; else 1 when it is in the FIB, 0 when not. */
static int
linux_active(const char *prefix)
{
	struct hp_prefix p;
	const struct hp_route_conf *r;
	bool active;

	CU_ASSERT_EQUAL(hp_parse_prefix(prefix, 0, &p), 0);
	if ((r = ctl_rib_linux_find(&rt, &p, &active)) == NULL)
		return -1;
	CU_ASSERT_EQUAL(r->origin, HP_ORIGIN_LINUX);
	return active;
}

/* Store, replace, delete; refusals change nothing and name the route. */
static void
test_set_del(void)
{
	fresh();
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "none");
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 1);
	CU_ASSERT_EQUAL(linux_active("192.0.2.0/24"), 1);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.0.9");
	/* replaced in place */
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.1.9", 1), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 1);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.1.9");
	/* a drop route, and IPv6 */
	CU_ASSERT_EQUAL(set("203.0.113.0/24", NULL, -1), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("203.0.113.1"), "drop");
	CU_ASSERT_EQUAL(set("2001:db8:100::/48", "2001:db8:1::7", 1), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::5"), "via 2001:db8:1::7");
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 3);

	/* refused like any route, naming it; the stored route stays */
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.9.9.9", -1), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "192.0.2.0/24"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "10.9.9.9"));
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.1.9");
	CU_ASSERT_EQUAL(set("127.0.0.0/8", "10.0.0.9", 0), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "127.0.0.0/8"));
	CU_ASSERT_EQUAL(set("192.0.2.1/24", "10.0.0.9", 0), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "192.0.2.1/24"));
	CU_ASSERT_EQUAL(set("10.0.1.0/24", "10.0.0.9", 0), -EINVAL); /* a port's subnet */
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 3);

	CU_ASSERT_EQUAL(del("192.0.2.0/24"), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "none");
	CU_ASSERT_EQUAL(del("192.0.2.0/24"), -ENOENT);
	CU_ASSERT_EQUAL(del("2001:db8:100::/48"), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::5"), "none");
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 1);
	CU_ASSERT_EQUAL(linux_active("192.0.2.0/24"), -1);
	/* nothing of it reaches the model */
	CU_ASSERT_EQUAL(cfg.n_routes, 1);
}

/* route.add (cli) over a linux route shadows it; route.del reveals it. */
static void
test_cli_over_linux(void)
{
	json_t *r;

	fresh();
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT(
		ok(request("{\"id\":1,\"cmd\":\"route.add\",\"args\":{\"prefix\":\"192.0.2.0/24\","
			   "\"via\":\"10.0.1.2\"}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(linux_active("192.0.2.0/24"), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 1);
	/* a new linux route of the prefix while the cli one holds it: stored, still shadowed */
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.8", 0), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 1);

	CU_ASSERT(ok(request("{\"id\":2,\"cmd\":\"route.del\",\"args\":{\"prefix\":\"192.0.2.0/24\"}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.0.8");
	CU_ASSERT_EQUAL(linux_active("192.0.2.0/24"), 1);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 0);

	/* route.del does not delete a linux route, and says why */
	r = request("{\"id\":3,\"cmd\":\"route.del\",\"args\":{\"prefix\":\"192.0.2.0/24\"}}");
	CU_ASSERT(json_is_false(json_object_get(r, "ok")));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")), "linux"));
	json_decref(r);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.0.8");

	/* the same in IPv6, and with route.add's "routes" list */
	CU_ASSERT_EQUAL(set("2001:db8:100::/48", "2001:db8::7", 0), 0);
	CU_ASSERT(
		ok(request("{\"id\":4,\"cmd\":\"route.add\",\"args\":{\"routes\":[{\"prefix\":"
			   "\"2001:db8:100::/48\",\"via\":\"2001:db8:1::2\"}]}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::1"), "via 2001:db8:1::2");
	CU_ASSERT_EQUAL(linux_active("2001:db8:100::/48"), 0);
	CU_ASSERT(
		ok(request("{\"id\":5,\"cmd\":\"route.del\",\"args\":{\"prefix\":\"2001:db8:100::/48\"}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::1"), "via 2001:db8::7");
	CU_ASSERT_EQUAL(linux_active("2001:db8:100::/48"), 1);
}

/* A linux route of a config route's prefix: shadowed from the start; deleted while shadowed,
 * the FIB keeps the config route; deleting the config route reveals one. */
static void
test_linux_under_config(void)
{
	fresh();
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(linux_active("198.18.0.0/15"), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 1);
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(del("198.18.0.0/15"), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 0);

	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0);
	CU_ASSERT(ok(request("{\"id\":1,\"cmd\":\"route.del\",\"args\":{\"prefix\":\"198.18.0.0/15\"}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.0.9");
	CU_ASSERT_EQUAL(linux_active("198.18.0.0/15"), 1);
	/* and the config route back (as cli) takes the FIB again */
	CU_ASSERT(
		ok(request("{\"id\":2,\"cmd\":\"route.add\",\"args\":{\"prefix\":\"198.18.0.0/15\","
			   "\"via\":\"10.0.1.2\"}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(linux_active("198.18.0.0/15"), 0);
}

/* route.add over a config route replaces it and makes it cli; config dump keeps it, never a linux route. */
static void
test_origins_in_model(void)
{
	const struct hp_route_conf *r;
	struct hp_prefix p;
	char *text;

	fresh();
	CU_ASSERT_EQUAL(hp_parse_prefix("198.18.0.0/15", 0, &p), 0);
	CU_ASSERT_EQUAL(hp_model_route_find(&cfg, &p)->origin, HP_ORIGIN_CONFIG);
	CU_ASSERT(
		ok(request("{\"id\":1,\"cmd\":\"route.add\",\"args\":{\"prefix\":\"198.18.0.0/15\","
			   "\"via\":\"10.0.1.3\"}}")));
	r = hp_model_route_find(&cfg, &p);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_EQUAL(r->origin, HP_ORIGIN_CLI);
	CU_ASSERT_EQUAL(cfg.n_routes, 1);
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.3");
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	text = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "198.18.0.0/15"));
	CU_ASSERT_PTR_NULL(strstr(text, "192.0.2.0"));
	CU_ASSERT_PTR_NULL(strstr(text, "origin"));
	free(text);
}

/* Resync: mark, set what the kernel still has, sweep the rest. */
static void
test_mark_sweep(void)
{
	fresh();
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(set("198.51.100.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(set("2001:db8:100::/48", "2001:db8::7", 0), 0);
	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0); /* shadowed */
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 4);
	ctl_rib_linux_mark(&rt);
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0);
	/* a refused set keeps the mark: the old route goes with the sweep */
	CU_ASSERT_EQUAL(set("198.51.100.0/24", "10.9.9.9", -1), -EINVAL);
	CU_ASSERT_EQUAL(ctl_rib_linux_sweep(&rt), 2);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 2);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.0.9");
	CU_ASSERT_STRING_EQUAL(fib_says("198.51.100.5"), "none");
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::5"), "none");
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 1);
	CU_ASSERT_EQUAL(ctl_rib_linux_sweep(&rt), 0);
	/* a whole table gone: the shadowed one goes too, the config route stays */
	ctl_rib_linux_mark(&rt);
	CU_ASSERT_EQUAL(ctl_rib_linux_sweep(&rt), 2);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "none");
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
}

static void
test_flush(void)
{
	fresh();
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(set("2001:db8:100::/48", "2001:db8::7", 0), 0);
	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_flush(&rt), 3);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "none");
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::5"), "none");
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.1.2");
	CU_ASSERT_EQUAL(ctl_rib_linux_flush(&rt), 0);
}

/* route.show: every origin, active or not, and the origin filter. */
static void
test_route_show(void)
{
	json_t *r, *res, *o;
	size_t i;
	unsigned seen = 0;

	fresh();
	CU_ASSERT(
		ok(request("{\"id\":1,\"cmd\":\"route.add\",\"args\":{\"prefix\":\"203.0.113.0/24\","
			   "\"action\":\"drop\"}}")));
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0);
	r = request("{\"id\":2,\"cmd\":\"route.show\"}");
	res = json_object_get(r, "result");
	CU_ASSERT_EQUAL_FATAL(json_array_size(res), 4);
	json_array_foreach(res, i, o) {
		const char *prefix = json_string_value(json_object_get(o, "prefix"));
		const char *origin = json_string_value(json_object_get(o, "origin"));
		bool active = json_is_true(json_object_get(o, "active"));

		CU_ASSERT_PTR_NOT_NULL_FATAL(origin);
		CU_ASSERT(json_is_boolean(json_object_get(o, "active")));
		unsigned bit = 0;

		if (strcmp(prefix, "198.18.0.0/15") == 0 && strcmp(origin, "config") == 0)
			bit = 1;
		else if (strcmp(prefix, "203.0.113.0/24") == 0 && strcmp(origin, "cli") == 0)
			bit = 2;
		else if (strcmp(prefix, "192.0.2.0/24") == 0 && strcmp(origin, "linux") == 0)
			bit = 4;
		else if (strcmp(prefix, "198.18.0.0/15") == 0 && strcmp(origin, "linux") == 0)
			bit = 8;
		CU_ASSERT_NOT_EQUAL(bit, 0);
		CU_ASSERT_EQUAL(active, bit != 8); /* only the shadowed linux route is not in the FIB */
		seen |= bit;
	}
	CU_ASSERT_EQUAL(seen, 15);
	json_decref(r);

	r = request("{\"id\":3,\"cmd\":\"route.show\",\"args\":{\"origin\":\"linux\"}}");
	res = json_object_get(r, "result");
	CU_ASSERT_EQUAL(json_array_size(res), 2);
	json_array_foreach(res, i, o)
		CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(o, "origin")), "linux");
	json_decref(r);
	r = request("{\"id\":4,\"cmd\":\"route.show\",\"args\":{\"origin\":\"cli\",\"family\":4}}");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "result")), 1);
	json_decref(r);
	r = request("{\"id\":5,\"cmd\":\"route.show\",\"args\":{\"origin\":\"linux\",\"family\":6}}");
	CU_ASSERT_EQUAL(json_array_size(json_object_get(r, "result")), 0);
	json_decref(r);
	r = request("{\"id\":6,\"cmd\":\"route.show\",\"args\":{\"origin\":\"kernel\"}}");
	CU_ASSERT(json_is_false(json_object_get(r, "ok")));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(json_string_value(json_object_get(json_object_get(r, "error"), "message")), "kernel"));
	json_decref(r);
}

/* config.apply: the new FIB takes the linux routes the new file does not shadow. */
static void
test_config_apply(void)
{
	static const char next[] = PORTS
		"routes:\n"
		"  - { prefix: 192.0.2.0/24, via: 10.0.1.2 }\n";
	char path[] = "/tmp/hp-test-rib-XXXXXX";
	int fd;

	fresh();
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);  /* the new file shadows it */
	CU_ASSERT_EQUAL(set("198.18.0.0/15", "10.0.0.9", 0), 0); /* the new file reveals it */
	CU_ASSERT_EQUAL(set("198.51.100.0/24", "10.0.0.8", 0), 0);
	CU_ASSERT_EQUAL(set("2001:db8:100::/48", "2001:db8::7", 0), 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 1);
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, next, sizeof(next) - 1), (ssize_t)(sizeof(next) - 1));
	close(fd);
	CU_ASSERT(ok(request("{\"id\":1,\"cmd\":\"config.apply\",\"args\":{\"file\":\"%s\"}}", path)));
	unlink(path);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.1.2");
	CU_ASSERT_STRING_EQUAL(fib_says("198.18.0.1"), "via 10.0.0.9");
	CU_ASSERT_STRING_EQUAL(fib_says("198.51.100.1"), "via 10.0.0.8");
	CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::1"), "via 2001:db8::7");
	CU_ASSERT_EQUAL(linux_active("192.0.2.0/24"), 0);
	CU_ASSERT_EQUAL(linux_active("198.18.0.0/15"), 1);
	CU_ASSERT_EQUAL(ctl_rib_linux_shadowed(&rt), 1);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 4);
	/* the model is the file's: deleting its route reveals the linux one */
	CU_ASSERT(ok(request("{\"id\":2,\"cmd\":\"route.del\",\"args\":{\"prefix\":\"192.0.2.0/24\"}}")));
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.0.9");
}

/* A linux route the new model no longer takes (its prefix became a port's subnet) is left
 * out of the new FIB and counted, not fatal; a later reinstall that takes it puts it back. */
static void
test_reinstall_left_out(void)
{
	static const char other[] =
		"ports:\n"
		"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24, "
		"192.0.2.1/24] }\n"
		"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24] }\n";
	struct rte_ether_addr macs[2] = {{{2, 0, 0, 0, 0, 1}}, {{2, 0, 0, 0, 1, 1}}};
	struct hp_config nc = {0};
	struct dp_fib *fib;
	const struct dp_group *g;
	uint32_t hop;

	fresh();
	CU_ASSERT_EQUAL(set("192.0.2.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL(set("198.51.100.0/24", "10.0.0.9", 0), 0);
	CU_ASSERT_EQUAL_FATAL(hp_config_parse("other.yaml", other, sizeof(other) - 1, &nc, err, sizeof(err)),
			      0);
	fib = dp_fib_build(&nc, macs, NULL, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(fib);
	CU_ASSERT_EQUAL(ctl_rib_linux_reinstall(&rt, fib, &nc), 1);
	CU_ASSERT_EQUAL(ctl_rib_linux_left_out(&rt), 1);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), 2);
	CU_ASSERT_EQUAL(linux_active("192.0.2.0/24"), 0);
	CU_ASSERT_EQUAL(linux_active("198.51.100.0/24"), 1);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(fib->lpm4, 0xc0000205, &hop), 0); /* 192.0.2.5: connected */
	g = &fib->groups[hop];
	CU_ASSERT_EQUAL(g->type, DP_GROUP_GLEAN);
	CU_ASSERT_EQUAL(dp_lpm4_lookup(fib->lpm4, 0xc6336401, &hop), 0); /* 198.51.100.1 */
	CU_ASSERT_EQUAL(fib->groups[hop].type, DP_GROUP_FORWARD);
	/* back to the running model: both go in */
	CU_ASSERT_EQUAL(ctl_rib_linux_reinstall(&rt, rt.tables->fib, &cfg), 2);
	CU_ASSERT_EQUAL(ctl_rib_linux_left_out(&rt), 0);
	CU_ASSERT_STRING_EQUAL(fib_says("192.0.2.5"), "via 10.0.0.9");
	dp_fib_free(fib);
	hp_config_free(&nc);
}

/* A route.add batch the FIB cannot take whole is undone: a linux route it had shadowed is
 * back in the FIB. */
static void
test_undone_batch_reveals(void)
{
	char *line = malloc(128 * 1024), *p;
	json_t *r;
	bool refused = false;

	CU_ASSERT_PTR_NOT_NULL_FATAL(line);
	fresh();
	CU_ASSERT_EQUAL(set("2001:db8:100::/48", "2001:db8::7", 0), 0);
	/* fill the IPv6 table until a batch does not fit; each batch starts with the linux prefix */
	for (unsigned b = 0; b < 200 && !refused; b++) {
		p = line + sprintf(line, "{\"id\":%u,\"cmd\":\"route.add\",\"args\":{\"routes\":[", b);
		p += sprintf(p, "{\"prefix\":\"2001:db8:100::/48\",\"via\":\"2001:db8:1::2\"}");
		for (unsigned k = 1; k < CTL_ROUTES_MAX; k++)
			p += sprintf(p, ",{\"prefix\":\"2001:db8:%x:%x::/64\",\"via\":\"2001:db8:1::2\"}",
				     0x200 + b, k);
		sprintf(p, "]}}");
		r = request("%s", line);
		refused = json_is_false(json_object_get(r, "ok"));
		if (refused)
			CU_ASSERT_STRING_EQUAL(
				json_string_value(json_object_get(json_object_get(r, "error"), "code")),
				"ENOSPC");
		json_decref(r);
		/* a batch that went in keeps the prefix cli: take it back for the next one */
		if (!refused) {
			CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::1"), "via 2001:db8:1::2");
			CU_ASSERT(
				ok(request("{\"id\":1,\"cmd\":\"route.del\",\"args\":{\"prefix\":"
					   "\"2001:db8:100::/48\"}}")));
		}
		CU_ASSERT_STRING_EQUAL(fib_says("2001:db8:100::1"), "via 2001:db8::7");
		CU_ASSERT_EQUAL(linux_active("2001:db8:100::/48"), 1);
	}
	CU_ASSERT(refused);
	free(line);
}

/* Many routes: set, find, resync half, flush (HP_TEST_RIB_ROUTES=N for more; times are printed, not checked). */
static void
test_many(void)
{
	const char *env = getenv("HP_TEST_RIB_ROUTES");
	unsigned n = env != NULL ? (unsigned)strtoul(env, NULL, 0) : 1u << 17;
	struct hp_route_conf r = lr("11.0.0.0/24", "10.0.0.9", 0);
	struct timespec t0, t1, t2, t3;
	unsigned fails = 0;

	fresh();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < n; i++) {
		r.prefix.addr[0] = (uint8_t)(11 + (i >> 16));
		r.prefix.addr[1] = (uint8_t)(i >> 8);
		r.prefix.addr[2] = (uint8_t)i;
		fails += ctl_rib_linux_set(&rt, &r, err, sizeof(err)) != 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), n);
	CU_ASSERT_STRING_EQUAL(fib_says("11.0.0.1"), "via 10.0.0.9");
	/* a resync that sees every other route */
	ctl_rib_linux_mark(&rt);
	for (unsigned i = 0; i < n; i += 2) {
		r.prefix.addr[0] = (uint8_t)(11 + (i >> 16));
		r.prefix.addr[1] = (uint8_t)(i >> 8);
		r.prefix.addr[2] = (uint8_t)i;
		fails += ctl_rib_linux_set(&rt, &r, err, sizeof(err)) != 0;
	}
	CU_ASSERT_EQUAL(fails, 0);
	CU_ASSERT_EQUAL(ctl_rib_linux_sweep(&rt), n / 2);
	CU_ASSERT_EQUAL(ctl_rib_linux_count(&rt), n - n / 2);
	CU_ASSERT_STRING_EQUAL(fib_says("11.0.0.1"), "via 10.0.0.9");
	CU_ASSERT_STRING_EQUAL(fib_says("11.0.1.1"), "none");
	clock_gettime(CLOCK_MONOTONIC, &t2);
	CU_ASSERT_EQUAL(ctl_rib_linux_flush(&rt), n - n / 2);
	clock_gettime(CLOCK_MONOTONIC, &t3);
	CU_ASSERT_STRING_EQUAL(fib_says("11.0.0.1"), "none");
	printf("\n  %u linux routes: set %.3f s, resync half %.3f s, flush %.3f s\n", n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       (double)(t2.tv_sec - t1.tv_sec) + (double)(t2.tv_nsec - t1.tv_nsec) / 1e9,
	       (double)(t3.tv_sec - t2.tv_sec) + (double)(t3.tv_nsec - t2.tv_nsec) / 1e9);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"set, replace, delete, refusals", test_set_del},
		{"cli over linux: shadowed, revealed", test_cli_over_linux},
		{"linux under a config route", test_linux_under_config},
		{"origins in the model, config dump", test_origins_in_model},
		{"mark and sweep", test_mark_sweep},
		{"flush", test_flush},
		{"route.show origins and filter", test_route_show},
		{"config.apply reinstalls linux routes", test_config_apply},
		{"reinstall leaves out what the new model refuses", test_reinstall_left_out},
		{"an undone route.add batch reveals the linux route", test_undone_batch_reveals},
		{"many routes", test_many},
	};
	size_t sz = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);
	int rc;

	if (hp_test_eal_init("rib") < 0)
		return 77;
	rte_log_set_global_level(RTE_LOG_ERR);
	rt.tsc_hz = rte_get_tsc_hz();
	rt.qsv = rte_zmalloc("rib_qsbr", sz, RTE_CACHE_LINE_SIZE);
	if (rt.qsv == NULL || rte_rcu_qsbr_init(rt.qsv, RTE_MAX_LCORE) < 0) {
		printf("FAIL: no memory for RCU\n");
		return 1;
	}
	/* one worker, never launched: RCU has no reader, grace periods end at once */
	rt.map.n_workers = 1;
	rt.map.workers[0].lcore = rte_lcore_id();
	rc = HP_CUNIT_RUN("rib", tests);
	ctl_rib_linux_flush(&rt);
	ctl_rib_free();
	dp_tables_free(rt.tables);
	dp_tables_current = NULL;
	hp_config_free(&cfg);
	rte_free(rt.qsv);
	rte_eal_cleanup();
	return rc;
}
