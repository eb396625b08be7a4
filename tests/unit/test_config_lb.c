/* Unit tests of issue 16's configuration (parsed, checked, dumped; the data path comes elsewhere): the
 * lb: and lb_conf: sections, each key, its defaults, every refusal with its FILE:LINE, config dump read
 * back, lb.add's JSON entry (hp_config_parse_entry) and the model's VIP and backend operations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "../cunit_run.h"
#include "config.h"
#include "config_test.h"
#include "dump.h"
#include "model.h"

/* Line numbers: what follows base_yaml starts on line 10. */
static const char base_yaml[] =
	"ports:\n" /* 1 */
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n" /* 2 */
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [10.0.1.1/24], ipv6: [\"2001:db8:1::1/64\"] }\n" /* 3 */
	"  - { name: x0, device: net_null2, mode: xconnect, peer: x1 }\n" /* 4 */
	"  - { name: x1, device: net_null3, mode: xconnect, peer: x0 }\n" /* 5 */
	"routes:\n"                                                       /* 6 */
	"  - { prefix: 198.51.100.0/24, via: 10.0.1.2 }\n"                /* 7 */
	"  - { prefix: 198.51.100.128/25, action: drop }\n"               /* 8 */
	"  - { prefix: \"2001:db8:2::/48\", via: \"2001:db8:1::2\" }\n";  /* 9 */

static struct hp_config cfg, again;
static char err[HP_ERR_MAX];

static int
parse(struct hp_config *c, const char *extra)
{
	size_t len = strlen(base_yaml) + strlen(extra);
	char *text = malloc(len + 1);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	snprintf(text, len + 1, "%s%s", base_yaml, extra);
	err[0] = '\0';
	rc = hp_config_parse("t.yaml", text, len, c, err, sizeof(err));
	free(text);
	return rc;
}

/* extra is refused with exactly the message want (FILE:LINE: included). */
static void
expect_bad(const char *extra, const char *want)
{
	struct hp_config c;

	CU_ASSERT_EQUAL(parse(&c, extra), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, want);
	if (strcmp(err, want))
		fprintf(stderr, "\n  for: %s  expected \"%s\"\n       got \"%s\"\n", extra, want, err);
	CU_ASSERT_PTR_NULL(c.lb);
	CU_ASSERT_EQUAL(c.n_lb, 0);
	hp_config_free(&c);
}

static struct hp_addr
ip(const char *s)
{
	struct hp_addr a;

	CU_ASSERT_FATAL(hp_parse_addr(s, 0, &a) == 0);
	return a;
}

static bool
is_ip(const struct hp_addr *a, const char *s)
{
	struct hp_addr b = ip(s);

	return a->family == b.family && !memcmp(a->addr, b.addr, 16);
}

/* Two VIPs equal in every field but their lines (backends compared by content). */
static bool
same_vip(const struct hp_lb_vip *a, const struct hp_lb_vip *b)
{
	if (a->vip.family != b->vip.family || memcmp(a->vip.addr, b->vip.addr, 16) || a->proto != b->proto ||
	    a->port != b->port || a->encap != b->encap || a->gue_port != b->gue_port ||
	    a->flags != b->flags || memcmp(&a->health, &b->health, sizeof(a->health)) ||
	    a->n_backends != b->n_backends)
		return false;
	for (unsigned i = 0; i < a->n_backends; i++)
		if (a->backends[i].ip.family != b->backends[i].ip.family ||
		    memcmp(a->backends[i].ip.addr, b->backends[i].ip.addr, 16) ||
		    a->backends[i].weight != b->backends[i].weight)
			return false;
	return true;
}

static bool
same_lb_conf(const struct hp_lb_conf *a, const struct hp_lb_conf *b)
{
	return a->enabled == b->enabled && a->flows == b->flows && a->flow_timeout == b->flow_timeout &&
	       a->table_size == b->table_size && !memcmp(&a->src4, &b->src4, sizeof(a->src4)) &&
	       !memcmp(&a->src6, &b->src6, sizeof(a->src6));
}

/* ---- every key ---- */

static const char lb_example[] =
	"lb:\n"                      /* 10 */
	"  - vip: 192.0.2.10\n"      /* 11 */
	"    proto: tcp\n"           /* 12 */
	"    port: 80\n"             /* 13 */
	"    encap: gue\n"           /* 14 */
	"    gue_port: 7000\n"       /* 15 */
	"    flags: [no_src_port]\n" /* 16 */
	"    health: { check: http, port: 8080, path: /healthz, interval_ms: 2000, timeout_ms: 300, rise: 3, fall: 5 }\n" /* 17 */
	"    backends:\n"                                                                       /* 18 */
	"      - { ip: 10.0.1.20, weight: 100 }\n"                                              /* 19 */
	"      - { ip: 10.0.1.22, weight: 0 }\n"                                                /* 20 */
	"      - { ip: 198.51.100.7 }\n"                                                        /* 21 */
	"      - { ip: \"2001:db8:1::20\", weight: 65535 }\n"                                   /* 22 */
	"  - { vip: \"2001:db8:ff::10\", proto: udp, backends: [{ ip: \"2001:db8:2::5\" }] }\n" /* 23 */
	"  - { vip: 192.0.2.10, proto: udp, port: 53, health: { check: tcp }, backends: [{ ip: 10.0.0.5 }] }\n" /* 24 */
	"lb_conf:\n"                 /* 25 */
	"  flows: 1048576\n"         /* 26 */
	"  flow_timeout: 60\n"       /* 27 */
	"  table_size: 131071\n"     /* 28 */
	"  src4: 172.31.0.0/16\n"    /* 29 */
	"  src6: \"fd00:1::/64\"\n"; /* 30 */

static void
check_lb_example(const struct hp_config *c)
{
	const struct hp_lb_vip *v;

	CU_ASSERT_EQUAL_FATAL(c->n_lb, 3);
	v = &c->lb[0];
	CU_ASSERT_TRUE(is_ip(&v->vip, "192.0.2.10"));
	CU_ASSERT_EQUAL(v->proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(v->port, 80);
	CU_ASSERT_EQUAL(v->encap, HP_LB_GUE);
	CU_ASSERT_EQUAL(v->gue_port, 7000);
	CU_ASSERT_EQUAL(v->flags, HP_LB_NO_SRC_PORT);
	CU_ASSERT_EQUAL(v->health.check, HP_LB_CHECK_HTTP);
	CU_ASSERT_EQUAL(v->health.port, 8080);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/healthz");
	CU_ASSERT_EQUAL(v->health.interval_ms, 2000);
	CU_ASSERT_EQUAL(v->health.timeout_ms, 300);
	CU_ASSERT_EQUAL(v->health.rise, 3);
	CU_ASSERT_EQUAL(v->health.fall, 5);
	CU_ASSERT_EQUAL_FATAL(v->n_backends, 4);
	CU_ASSERT_TRUE(is_ip(&v->backends[0].ip, "10.0.1.20")); /* p1's subnet */
	CU_ASSERT_EQUAL(v->backends[0].weight, 100);
	CU_ASSERT_TRUE(is_ip(&v->backends[1].ip, "10.0.1.22"));
	CU_ASSERT_EQUAL(v->backends[1].weight, 0);                 /* draining */
	CU_ASSERT_TRUE(is_ip(&v->backends[2].ip, "198.51.100.7")); /* by a route */
	CU_ASSERT_EQUAL(v->backends[2].weight, HP_LB_WEIGHT_DEFAULT);
	CU_ASSERT_TRUE(is_ip(&v->backends[3].ip, "2001:db8:1::20")); /* IPv4 in IPv6 */
	CU_ASSERT_EQUAL(v->backends[3].weight, 65535);
	v = &c->lb[1];
	CU_ASSERT_TRUE(is_ip(&v->vip, "2001:db8:ff::10"));
	CU_ASSERT_EQUAL(v->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(v->port, 0); /* every port */
	CU_ASSERT_EQUAL(v->encap, HP_LB_IPIP);
	CU_ASSERT_EQUAL(v->gue_port, 0);
	CU_ASSERT_EQUAL(v->health.check, HP_LB_CHECK_NONE);
	CU_ASSERT_EQUAL_FATAL(v->n_backends, 1);
	CU_ASSERT_TRUE(is_ip(&v->backends[0].ip, "2001:db8:2::5")); /* by a route */
	v = &c->lb[2];
	CU_ASSERT_EQUAL(v->proto, IPPROTO_UDP);
	CU_ASSERT_EQUAL(v->port, 53);
	CU_ASSERT_EQUAL(v->health.check, HP_LB_CHECK_TCP);
	CU_ASSERT_EQUAL(v->health.port, 53); /* the VIP's */
	CU_ASSERT_STRING_EQUAL(v->health.path, "");
	CU_ASSERT_EQUAL(v->health.interval_ms, 1000);
	CU_ASSERT_EQUAL(v->health.timeout_ms, 500);
	CU_ASSERT_EQUAL(v->health.rise, 2);
	CU_ASSERT_EQUAL(v->health.fall, 3);
	CU_ASSERT_TRUE(c->lb_conf.enabled);
	CU_ASSERT_EQUAL(c->lb_conf.flows, 1048576);
	CU_ASSERT_EQUAL(c->lb_conf.flow_timeout, 60);
	CU_ASSERT_EQUAL(c->lb_conf.table_size, 131071);
	CU_ASSERT_EQUAL(c->lb_conf.src4.family, AF_INET);
	CU_ASSERT_EQUAL(c->lb_conf.src4.len, 16);
	CU_ASSERT_EQUAL(c->lb_conf.src4.addr[1], 31);
	CU_ASSERT_EQUAL(c->lb_conf.src6.family, AF_INET6);
	CU_ASSERT_EQUAL(c->lb_conf.src6.len, 64);
	CU_ASSERT_EQUAL(c->lb_conf.src6.addr[0], 0xfd);
	CU_ASSERT_EQUAL(c->lb_conf.src6.addr[3], 1);
}

static void
test_lb_every_key(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, lb_example), 0);
	check_lb_example(&cfg);
	CU_ASSERT_EQUAL(cfg.lb[0].line, 11);
	CU_ASSERT_EQUAL(cfg.lb[0].backends[0].line, 19);
	CU_ASSERT_EQUAL(cfg.lb[0].backends[3].line, 22);
	CU_ASSERT_EQUAL(cfg.lb[1].line, 23);
	CU_ASSERT_EQUAL(cfg.lb[2].line, 24);
	CU_ASSERT_EQUAL(cfg.lb_conf.line, 26); /* a block mapping starts at its first key */
	hp_config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.lb);
	CU_ASSERT_EQUAL(cfg.n_lb, 0);
}

static void
test_lb_defaults(void)
{
	const struct hp_lb_vip *v;
	struct hp_prefix p;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, ""), 0);
	CU_ASSERT_EQUAL(cfg.n_lb, 0);
	CU_ASSERT_PTR_NULL(cfg.lb);
	CU_ASSERT_FALSE(cfg.lb_conf.enabled);
	CU_ASSERT_EQUAL(cfg.lb_conf.line, 0);
	CU_ASSERT_EQUAL(cfg.lb_conf.flows, HP_LB_FLOWS_DEFAULT);
	CU_ASSERT_EQUAL(cfg.lb_conf.flows, 65536);
	CU_ASSERT_EQUAL(cfg.lb_conf.flow_timeout, 300);
	CU_ASSERT_EQUAL(cfg.lb_conf.table_size, 65537);
	CU_ASSERT_EQUAL(hp_parse_prefix("172.16.0.0/16", AF_INET, &p), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg.lb_conf.src4, &p, sizeof(p)), 0);
	CU_ASSERT_EQUAL(hp_parse_prefix("fd00:4c42::/64", AF_INET6, &p), 0);
	CU_ASSERT_EQUAL(memcmp(&cfg.lb_conf.src6, &p, sizeof(p)), 0);
	CU_ASSERT_FALSE(dump_has(&cfg, "\"lb\""));
	CU_ASSERT_FALSE(dump_has(&cfg, "\"lb_conf\""));
	hp_config_free(&cfg);

	/* the least VIP: every port, ipip, no flags, no health, weight 100 */
	CU_ASSERT_EQUAL_FATAL(
		parse(&cfg, "lb:\n  - { vip: 192.0.2.10, proto: tcp, backends: [{ ip: 10.0.1.20 }] }\n"), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.n_lb, 1);
	v = &cfg.lb[0];
	CU_ASSERT_EQUAL(v->port, 0);
	CU_ASSERT_EQUAL(v->encap, HP_LB_IPIP);
	CU_ASSERT_EQUAL(v->gue_port, 0);
	CU_ASSERT_EQUAL(v->flags, 0);
	CU_ASSERT_EQUAL(v->health.check, HP_LB_CHECK_NONE);
	CU_ASSERT_EQUAL(v->health.port, 0);
	CU_ASSERT_EQUAL(v->health.interval_ms, 0);
	CU_ASSERT_EQUAL(v->backends[0].weight, 100);
	CU_ASSERT_FALSE(cfg.lb_conf.enabled);
	CU_ASSERT_TRUE(dump_has(&cfg, "\"lb\""));
	CU_ASSERT_FALSE(dump_has(&cfg, "\"lb_conf\""));
	CU_ASSERT_FALSE(dump_has(&cfg, "\"port\": 0"));
	CU_ASSERT_FALSE(dump_has(&cfg, "gue_port"));
	CU_ASSERT_FALSE(dump_has(&cfg, "health"));
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(again.n_lb, 1);
	CU_ASSERT_TRUE(same_vip(&cfg.lb[0], &again.lb[0]));
	hp_config_free(&again);
	hp_config_free(&cfg);

	/* gue: port 6080; health: the VIP's port, 1000/500/2/3, http's path "/" */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg,
				    "lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 443, encap: gue, health: "
				    "{ check: http }, backends: [{ ip: 10.0.1.20 }] }\n"),
			      0);
	v = &cfg.lb[0];
	CU_ASSERT_EQUAL(v->encap, HP_LB_GUE);
	CU_ASSERT_EQUAL(v->gue_port, HP_LB_GUE_PORT_DEFAULT);
	CU_ASSERT_EQUAL(v->gue_port, 6080);
	CU_ASSERT_EQUAL(v->health.port, 443);
	CU_ASSERT_STRING_EQUAL(v->health.path, "/");
	CU_ASSERT_EQUAL(v->health.interval_ms, 1000);
	CU_ASSERT_EQUAL(v->health.timeout_ms, 500);
	CU_ASSERT_EQUAL(v->health.rise, 2);
	CU_ASSERT_EQUAL(v->health.fall, 3);
	hp_config_free(&cfg);

	/* a short interval alone: the timeout follows it down */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg,
				    "lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 80, health: { check: tcp, "
				    "interval_ms: 200 }, backends: [{ ip: 10.0.1.20 }] }\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.lb[0].health.interval_ms, 200);
	CU_ASSERT_EQUAL(cfg.lb[0].health.timeout_ms, 200);
	hp_config_free(&cfg);

	/* an empty lb_conf: given, every default; lb: [] is no VIP */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "lb: []\nlb_conf: {}\n"), 0);
	CU_ASSERT_EQUAL(cfg.n_lb, 0);
	CU_ASSERT_TRUE(cfg.lb_conf.enabled);
	CU_ASSERT_EQUAL(cfg.lb_conf.line, 11);
	CU_ASSERT_EQUAL(cfg.lb_conf.table_size, 65537);
	CU_ASSERT_FALSE(dump_has(&cfg, "\"lb\""));
	CU_ASSERT_TRUE(dump_has(&cfg, "\"lb_conf\""));
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same_lb_conf(&cfg.lb_conf, &again.lb_conf));
	hp_config_free(&again);
	hp_config_free(&cfg);
}

/* the bounds are taken */
static void
test_lb_limits_taken(void)
{
	CU_ASSERT_EQUAL_FATAL(
		parse(&cfg,
		      "lb:\n  - { vip: 192.0.2.10, proto: udp, port: 65535, encap: gue, gue_port: 1, health: "
		      "{ check: tcp, port: 1, interval_ms: 60000, timeout_ms: 10, rise: 10, fall: 1 }, "
		      "backends: [{ ip: 10.0.1.20, weight: 65535 }] }\n"
		      "  - { vip: 192.0.2.10, proto: tcp, port: 1, health: { check: http, path: \"/a?b=c&d=%2F\", "
		      "interval_ms: 100, timeout_ms: 100 }, backends: [{ ip: 10.0.1.20, weight: 0 }] }\n"
		      "lb_conf: { flows: 1024, flow_timeout: 86400, table_size: 1048573, src4: 10.9.9.9/32, "
		      "src6: \"fd00::/16\" }\n"),
		0);
	CU_ASSERT_EQUAL(cfg.lb[0].port, 65535);
	CU_ASSERT_EQUAL(cfg.lb[0].gue_port, 1);
	CU_ASSERT_EQUAL(cfg.lb[0].health.interval_ms, 60000);
	CU_ASSERT_EQUAL(cfg.lb[0].health.timeout_ms, 10);
	CU_ASSERT_STRING_EQUAL(cfg.lb[1].health.path, "/a?b=c&d=%2F");
	CU_ASSERT_EQUAL(cfg.lb_conf.flows, HP_LB_FLOWS_MIN);
	CU_ASSERT_EQUAL(cfg.lb_conf.flow_timeout, HP_LB_FLOW_TIMEOUT_MAX);
	CU_ASSERT_EQUAL(cfg.lb_conf.table_size, HP_LB_TABLE_SIZE_MAX);
	CU_ASSERT_EQUAL(cfg.lb_conf.src4.len, 32);
	CU_ASSERT_EQUAL(cfg.lb_conf.src6.len, 16);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg,
				    "lb_conf: { flows: 67108864, table_size: 65537, src4: 10.0.0.0/8, src6: "
				    "\"fd00:1:2:3:4:5:6:7/128\" }\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.lb_conf.flows, HP_LB_FLOWS_MAX);
	CU_ASSERT_EQUAL(cfg.lb_conf.src6.len, 128);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "lb_conf: { table_size: 262139 }\n"), 0);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "lb_conf: { table_size: 524287 }\n"), 0);
	hp_config_free(&cfg);
}

/* A VIP of n backends 2001:db8:2::1.. (under the route of line 9), one a line from line 14. */
static char *
many_backends(unsigned n)
{
	size_t cap = 64 + (size_t)n * 40;
	char *t = malloc(cap);
	size_t off;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	off = (size_t)snprintf(t, cap, "lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    backends:\n");
	for (unsigned i = 0; i < n; i++)
		off += (size_t)snprintf(t + off, cap - off, "      - { ip: \"2001:db8:2::%x\" }\n", i + 1);
	return t;
}

static void
test_lb_limits(void)
{
	char *t;
	size_t off;

	t = many_backends(HP_MAX_LB_BACKENDS);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, t), 0);
	CU_ASSERT_EQUAL(cfg.lb[0].n_backends, HP_MAX_LB_BACKENDS);
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(same_vip(&cfg.lb[0], &again.lb[0]));
	hp_config_free(&again);
	hp_config_free(&cfg);
	free(t);
	t = many_backends(HP_MAX_LB_BACKENDS + 1);
	expect_bad(t, "t.yaml:4110: key 'backends': too many backends (at most 4096)");
	free(t);

	/* 256 VIPs, then one more */
	t = malloc(300 * 80);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	off = (size_t)sprintf(t, "lb:\n");
	for (unsigned i = 1; i <= HP_MAX_LB_VIPS; i++)
		off += (size_t)sprintf(
			t + off,
			"  - { vip: 192.0.2.10, proto: tcp, port: %u, backends: [{ ip: 10.0.1.20 }] }\n", i);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, t), 0);
	CU_ASSERT_EQUAL(cfg.n_lb, HP_MAX_LB_VIPS);
	hp_config_free(&cfg);
	sprintf(t + off, "  - { vip: 192.0.2.11, proto: tcp, backends: [{ ip: 10.0.1.20 }] }\n");
	expect_bad(t, "t.yaml:267: key 'lb': too many VIPs (at most 256)");
	free(t);

	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: tcp, backends: [{ ip: 10.0.1.20, weight: 65536 }] }\n",
		   "t.yaml:11: key 'weight': expected an integer between 0 and 65535");
	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: tcp, backends: [{ ip: 10.0.1.20, weight: -1 }] }\n",
		   "t.yaml:11: key 'weight': expected an integer between 0 and 65535");
	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 0, backends: [{ ip: 10.0.1.20 }] }\n",
		   "t.yaml:11: key 'port': expected an integer between 1 and 65535");
	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 65536, backends: [{ ip: 10.0.1.20 }] }\n",
		   "t.yaml:11: key 'port': expected an integer between 1 and 65535");
	expect_bad(
		"lb:\n  - { vip: 192.0.2.10, proto: tcp, encap: gue, gue_port: 0, backends: [{ ip: 10.0.1.20 }] }\n",
		"t.yaml:11: key 'gue_port': expected an integer between 1 and 65535");
	expect_bad(
		"lb:\n  - { vip: 192.0.2.10, proto: tcp, encap: gue, gue_port: 65536, backends: [{ ip: 10.0.1.20 }] "
		"}\n",
		"t.yaml:11: key 'gue_port': expected an integer between 1 and 65535");

	/* lb_conf */
	expect_bad(
		"lb_conf:\n  table_size: 65536\n",
		"t.yaml:11: key 'table_size': 65536 is not a prime: Maglev needs a prime of at least 65537 "
		"entries (65537, 131071, 262139, 524287 or 1048573)");
	expect_bad("lb_conf:\n  table_size: 65521\n",
		   "t.yaml:11: key 'table_size': 65521 is too small: Maglev needs a prime of at least 65537 "
		   "entries (65537, 131071, 262139, 524287 or 1048573)");
	expect_bad(
		"lb_conf:\n  table_size: 131072\n",
		"t.yaml:11: key 'table_size': 131072 is not a prime: Maglev needs a prime of at least 65537 "
		"entries (65537, 131071, 262139, 524287 or 1048573)");
	expect_bad("lb_conf:\n  table_size: 1048574\n",
		   "t.yaml:11: key 'table_size': expected a prime between 65537 and 1048573 (65537, 131071, "
		   "262139, 524287 or 1048573)");
	expect_bad("lb_conf: { table_size: big }\n",
		   "t.yaml:10: key 'table_size': expected a prime between 65537 and 1048573 (65537, 131071, "
		   "262139, 524287 or 1048573)");
	expect_bad("lb_conf: { table_size: [65537] }\n",
		   "t.yaml:10: key 'table_size': expected a prime between 65537 and 1048573 (65537, 131071, "
		   "262139, 524287 or 1048573)");
	expect_bad("lb_conf: { flows: 1023 }\n",
		   "t.yaml:10: key 'flows': expected an integer between 1024 and 67108864");
	expect_bad("lb_conf: { flows: 67108865 }\n",
		   "t.yaml:10: key 'flows': expected an integer between 1024 and 67108864");
	expect_bad("lb_conf: { flow_timeout: 0 }\n",
		   "t.yaml:10: key 'flow_timeout': expected an integer between 1 and 86400");
	expect_bad("lb_conf: { flow_timeout: 86401 }\n",
		   "t.yaml:10: key 'flow_timeout': expected an integer between 1 and 86400");
	expect_bad(
		"lb_conf: { src4: 10.0.0.0/7 }\n",
		"t.yaml:10: key 'src4': expected an IPv4 prefix of length 8 to 32 (the outer source addresses), "
		"got 10.0.0.0/7");
	expect_bad(
		"lb_conf: { src4: \"fd00::/64\" }\n",
		"t.yaml:10: key 'src4': expected an IPv4 prefix of length 8 to 32 (the outer source addresses), "
		"got fd00::/64");
	expect_bad(
		"lb_conf: { src4: 172.16.0.1/16 }\n",
		"t.yaml:10: key 'src4': prefix 172.16.0.1/16 has host bits set; did you mean 172.16.0.0/16?");
	expect_bad("lb_conf: { src6: \"fd00::/15\" }\n",
		   "t.yaml:10: key 'src6': expected an IPv6 prefix of length 16 to 128 (the outer source "
		   "addresses), got fd00::/15");
	expect_bad("lb_conf: { src6: 172.16.0.0/16 }\n",
		   "t.yaml:10: key 'src6': expected an IPv6 prefix of length 16 to 128 (the outer source "
		   "addresses), got 172.16.0.0/16");
	expect_bad("lb_conf: { src6: fd00 }\n",
		   "t.yaml:10: key 'src6': bad prefix 'fd00': expected a prefix such as 10.0.0.0/8 or "
		   "2001:db8::/32 (ADDRESS/LENGTH)");
}

/* ---- refusals of one VIP's keys ---- */

#define VIP "  - { vip: 192.0.2.10, proto: tcp, "
#define B20 "backends: [{ ip: 10.0.1.20 }] }\n" /* the end of a flow-style VIP */
#define BB20 "backends: [{ ip: 10.0.1.20 }]\n"  /* the last key of a block-style VIP */

static void
test_lb_keys_bad(void)
{
	/* unknown and missing keys */
	expect_bad(
		"lb:\n" VIP "backend: [] }\n",
		"t.yaml:11: unknown key 'backend' in lb VIP (expected one of: vip, proto, port, encap, gue_port, "
		"flags, health, backends)");
	expect_bad(
		"lb:\n" VIP "health: { check: tcp, port: 80, url: /x }, " B20,
		"t.yaml:11: unknown key 'url' in lb health (expected one of: check, port, path, interval_ms, "
		"timeout_ms, rise, fall)");
	expect_bad("lb:\n" VIP "backends: [{ ip: 10.0.1.20, port: 80 }] }\n",
		   "t.yaml:11: unknown key 'port' in lb backend (expected one of: ip, weight)");
	expect_bad(
		"lb_conf:\n  flows: 2048\n  size: 10\n",
		"t.yaml:12: unknown key 'size' in lb_conf (expected one of: flows, flow_timeout, table_size, src4, "
		"src6)");
	expect_bad("lb:\n  - { proto: tcp, " B20, "t.yaml:11: missing required key 'vip' in lb VIP");
	expect_bad("lb:\n  - { vip: 192.0.2.10, " B20, "t.yaml:11: missing required key 'proto' in lb VIP");
	expect_bad("lb:\n" VIP "port: 80 }\n", "t.yaml:11: missing required key 'backends' in lb VIP");
	expect_bad("lb:\n" VIP "port: 80, health: { port: 80 }, " B20,
		   "t.yaml:11: missing required key 'check' in lb health");
	expect_bad("lb:\n" VIP "backends: [{ weight: 5 }] }\n",
		   "t.yaml:11: missing required key 'ip' in lb backend");
	expect_bad("lb:\n  - vip: 192.0.2.10\n    vip: 192.0.2.11\n    proto: tcp\n    " BB20,
		   "t.yaml:12: duplicate key 'vip' in lb VIP (first at line 11)");
	expect_bad("lb: []\nlb: []\n", "t.yaml:11: duplicate key 'lb' at top level (first at line 10)");

	/* types */
	expect_bad("lb: { vip: 192.0.2.10 }\n", "t.yaml:10: key 'lb': expected a sequence (found a mapping)");
	expect_bad("lb:\n  - 192.0.2.10\n",
		   "t.yaml:11: key 'lb': expected each VIP to be a mapping (found a scalar)");
	expect_bad("lb:\n" VIP "port: eighty, " B20,
		   "t.yaml:11: key 'port': expected an integer between 1 and 65535");
	expect_bad("lb:\n" VIP "port: [80], " B20,
		   "t.yaml:11: key 'port': expected an integer between 1 and 65535");
	expect_bad("lb:\n" VIP "backends: { ip: 10.0.1.20 } }\n",
		   "t.yaml:11: key 'backends': expected a sequence (found a mapping)");
	expect_bad("lb:\n" VIP "backends: [10.0.1.20] }\n",
		   "t.yaml:11: key 'backends': expected each backend to be a mapping (found a scalar)");
	expect_bad("lb:\n" VIP "health: [tcp], " B20,
		   "t.yaml:11: key 'health': expected a mapping (found a sequence)");
	expect_bad("lb:\n" VIP "flags: no_src_port, " B20,
		   "t.yaml:11: key 'flags': expected a sequence (found a scalar)");
	expect_bad("lb:\n" VIP "backends: [{ ip: 10.0.1.20, weight: heavy }] }\n",
		   "t.yaml:11: key 'weight': expected an integer between 0 and 65535");
	expect_bad("lb:\n  - { vip: [192.0.2.10], proto: tcp, " B20,
		   "t.yaml:11: key 'vip': expected an IP address (found a sequence)");
	expect_bad("lb_conf: [flows]\n", "t.yaml:10: key 'lb_conf': expected a mapping (found a sequence)");
	expect_bad("lb_conf: { flows: lots }\n",
		   "t.yaml:10: key 'flows': expected an integer between 1024 and 67108864");

	/* values */
	expect_bad(
		"lb:\n  - { vip: 192.0.2.10/32, proto: tcp, " B20,
		"t.yaml:11: key 'vip': bad address '192.0.2.10/32': expected an IPv4 or IPv6 address such as "
		"192.0.2.10 or 2001:db8::10 (no prefix length)");
	expect_bad(
		"lb:\n" VIP "backends: [{ ip: ten }] }\n",
		"t.yaml:11: key 'ip': bad address 'ten': expected an IPv4 or IPv6 address such as 192.0.2.10 or "
		"2001:db8::10 (no prefix length)");
	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: icmp, " B20,
		   "t.yaml:11: key 'proto': expected tcp or udp, got 'icmp'");
	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: 6, " B20,
		   "t.yaml:11: key 'proto': expected tcp or udp, got '6'");
	expect_bad("lb:\n" VIP "encap: vxlan, " B20,
		   "t.yaml:11: key 'encap': expected ipip or gue, got 'vxlan'");
	expect_bad("lb:\n" VIP "flags: [no_dst_port], " B20,
		   "t.yaml:11: key 'flags': unknown flag 'no_dst_port': expected no_src_port");
	expect_bad("lb:\n" VIP "flags: [no_src_port, no_src_port], " B20,
		   "t.yaml:11: key 'flags': 'no_src_port' listed twice");
	expect_bad("lb:\n" VIP "backends: [] }\n",
		   "t.yaml:11: key 'backends': expected at least one backend");
	expect_bad(
		"lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    backends:\n      - ip: 10.0.1.20\n      - ip: 10.0.1.21\n"
		"      - ip: 10.0.1.20\n",
		"t.yaml:16: key 'ip': backend 10.0.1.20 listed twice (first at line 14)");
	expect_bad("lb:\n" VIP "backends: [{ ip: \"2001:db8:1::20\" }, { ip: \"2001:db8:1:0::20\" }] }\n",
		   "t.yaml:11: key 'ip': backend 2001:db8:1::20 listed twice (first at line 11)");

	/* gue_port with ipip; reserved addresses */
	expect_bad("lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    gue_port: 7000\n    " BB20,
		   "t.yaml:13: key 'gue_port': only with encap: gue (this VIP's encap is ipip)");
	expect_bad("lb:\n" VIP "encap: ipip, gue_port: 6080, " B20,
		   "t.yaml:11: key 'gue_port': only with encap: gue (this VIP's encap is ipip)");
	expect_bad("lb:\n  - { vip: 127.0.0.1, proto: tcp, " B20,
		   "t.yaml:11: key 'vip': 127.0.0.1 is never forwarded (a reserved address)");
	expect_bad("lb:\n  - { vip: 224.0.0.5, proto: udp, " B20,
		   "t.yaml:11: key 'vip': 224.0.0.5 is never forwarded (a reserved address)");
	expect_bad("lb:\n  - { vip: 255.255.255.255, proto: udp, " B20,
		   "t.yaml:11: key 'vip': 255.255.255.255 is never forwarded (a reserved address)");
	expect_bad("lb:\n  - { vip: \"::1\", proto: tcp, backends: [{ ip: \"2001:db8:1::20\" }] }\n",
		   "t.yaml:11: key 'vip': ::1 is never forwarded (a reserved address)");
	expect_bad("lb:\n  - { vip: \"fe80::1\", proto: tcp, backends: [{ ip: \"2001:db8:1::20\" }] }\n",
		   "t.yaml:11: key 'vip': fe80::1 is never forwarded (a reserved address)");
	expect_bad("lb:\n" VIP "backends: [{ ip: 0.0.0.0 }] }\n",
		   "t.yaml:11: key 'ip': 0.0.0.0 is never forwarded (a reserved address)");

	/* health */
	expect_bad(
		"lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    health: { check: tcp }\n    " BB20,
		"t.yaml:13: key 'health': missing key 'port' (the VIP has none: every port is balanced, say which "
		"one to check)");
	expect_bad("lb:\n" VIP "port: 80, health: { check: udp }, " B20,
		   "t.yaml:11: key 'check': expected tcp or http, got 'udp'");
	expect_bad(
		"lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    port: 80\n    health:\n      check: tcp\n"
		"      path: /healthz\n    " BB20,
		"t.yaml:16: key 'path': only with check: http");
	expect_bad(
		"lb:\n" VIP "port: 80, health: { check: http, path: healthz }, " B20,
		"t.yaml:11: key 'path': expected a path that starts with '/', of printable ASCII without spaces and "
		"under 128 bytes, got 'healthz'");
	expect_bad(
		"lb:\n" VIP "port: 80, health: { check: http, path: \"/a b\" }, " B20,
		"t.yaml:11: key 'path': expected a path that starts with '/', of printable ASCII without spaces and "
		"under 128 bytes, got '/a b'");
	expect_bad(
		"lb:\n" VIP "port: 80, health: { check: http, path: \"/\\u00e9\" }, " B20,
		"t.yaml:11: key 'path': expected a path that starts with '/', of printable ASCII without spaces and "
		"under 128 bytes, got '/?\?'");
	expect_bad("lb:\n" VIP "port: 80, health: { check: tcp, port: 0 }, " B20,
		   "t.yaml:11: key 'port': expected an integer between 1 and 65535");
	expect_bad("lb:\n" VIP "port: 80, health: { check: tcp, interval_ms: 99 }, " B20,
		   "t.yaml:11: key 'interval_ms': expected an integer between 100 and 60000");
	expect_bad("lb:\n" VIP "port: 80, health: { check: tcp, interval_ms: 60001 }, " B20,
		   "t.yaml:11: key 'interval_ms': expected an integer between 100 and 60000");
	expect_bad("lb:\n" VIP "port: 80, health: { check: tcp, timeout_ms: 9 }, " B20,
		   "t.yaml:11: key 'timeout_ms': expected an integer between 10 and 60000");
	expect_bad(
		"lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    port: 80\n    health:\n      check: tcp\n"
		"      timeout_ms: 2000\n    " BB20,
		"t.yaml:16: key 'timeout_ms': 2000 is longer than interval_ms 1000 (a check ends before the next "
		"one starts)");
	expect_bad("lb:\n" VIP "port: 80, health: { check: tcp, rise: 0 }, " B20,
		   "t.yaml:11: key 'rise': expected an integer between 1 and 10");
	expect_bad("lb:\n" VIP "port: 80, health: { check: tcp, fall: 11 }, " B20,
		   "t.yaml:11: key 'fall': expected an integer between 1 and 10");

	/* a path of 127 bytes fits, 128 does not */
	{
		char text[512], path[130];

		memset(path, 'a', sizeof(path));
		path[0] = '/';
		path[127] = '\0';
		snprintf(text, sizeof(text), "lb:\n" VIP "port: 80, health: { check: http, path: %s }, " B20,
			 path);
		CU_ASSERT_EQUAL_FATAL(parse(&cfg, text), 0);
		CU_ASSERT_EQUAL(strlen(cfg.lb[0].health.path), 127);
		hp_config_free(&cfg);
		path[127] = 'a';
		path[128] = '\0';
		snprintf(text, sizeof(text), "lb:\n" VIP "port: 80, health: { check: http, path: %s }, " B20,
			 path);
		CU_ASSERT_EQUAL(parse(&cfg, text), -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(
			strstr(err, "t.yaml:11: key 'path': expected a path that starts with '/'"));
		hp_config_free(&cfg);
	}
}

/* ---- checks after the whole document ---- */

static void
test_lb_resolve_bad(void)
{
	/* the same VIP twice; one of every port beside a port's, either order */
	expect_bad("lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 80, " B20
		   "  - { vip: 192.0.2.10, proto: tcp, port: 80, backends: [{ ip: 10.0.1.21 }] }\n",
		   "t.yaml:12: lb: VIP 192.0.2.10 tcp/80 already defined at line 11");
	expect_bad(
		"lb:\n  - { vip: \"2001:db8:ff::10\", proto: udp, backends: [{ ip: \"2001:db8:1::20\" }] }\n"
		"  - { vip: \"2001:db8:ff:0::10\", proto: udp, backends: [{ ip: \"2001:db8:1::21\" }] }\n",
		"t.yaml:12: lb: VIP 2001:db8:ff::10 udp (every port) already defined at line 11");
	expect_bad(
		"lb:\n" VIP B20 "  - vip: 192.0.2.10\n    proto: tcp\n    port: 80\n    " BB20,
		"t.yaml:12: lb: VIP 192.0.2.10 tcp/80 overlaps VIP 192.0.2.10 tcp (every port) at line 11 (a VIP "
		"of every port takes the packets of each port)");
	expect_bad(
		"lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 443, " B20 VIP B20,
		"t.yaml:12: lb: VIP 192.0.2.10 tcp (every port) overlaps VIP 192.0.2.10 tcp/443 at line 11 (a VIP "
		"of every port takes the packets of each port)");

	/* VIPs of ours */
	expect_bad("lb:\n  - { vip: 10.0.0.1, proto: tcp, port: 80, " B20,
		   "t.yaml:11: lb: VIP 10.0.0.1 tcp/80 is one of our own addresses (port p0)");
	expect_bad(
		"lb:\n  - { vip: \"2001:db8:1::1\", proto: udp, backends: [{ ip: \"2001:db8:1::20\" }] }\n",
		"t.yaml:11: lb: VIP 2001:db8:1::1 udp (every port) is one of our own addresses (port p1)");

	/* backends nothing routes to: no subnet, no route, a drop route */
	expect_bad(
		"lb:\n  - vip: 192.0.2.10\n    proto: tcp\n    port: 80\n    backends:\n      - ip: 10.0.1.20\n"
		"      - ip: 192.0.2.99\n",
		"t.yaml:16: lb: VIP 192.0.2.10 tcp/80: backend 192.0.2.99 is outside every connected subnet and "
		"route (a backend must be reachable)");
	expect_bad(
		"lb:\n" VIP "backends: [{ ip: 198.51.100.200 }] }\n",
		"t.yaml:11: lb: VIP 192.0.2.10 tcp (every port): backend 198.51.100.200 is outside every connected "
		"subnet and route (a backend must be reachable)");
	expect_bad(
		"lb:\n" VIP "backends: [{ ip: \"2001:db8:9::1\" }] }\n",
		"t.yaml:11: lb: VIP 192.0.2.10 tcp (every port): backend 2001:db8:9::1 is outside every connected "
		"subnet and route (a backend must be reachable)");

	/* a backend that is the VIP or ours */
	expect_bad(
		"lb:\n  - { vip: 10.0.1.50, proto: tcp, port: 80, backends: [{ ip: 10.0.1.20 }, { ip: 10.0.1.50 }] }\n",
		"t.yaml:11: lb: VIP 10.0.1.50 tcp/80: backend 10.0.1.50 is the VIP itself");
	expect_bad(
		"lb:\n" VIP "backends: [{ ip: 10.0.1.1 }] }\n",
		"t.yaml:11: lb: VIP 192.0.2.10 tcp (every port): backend 10.0.1.1 is one of our own addresses (port "
		"p1)");
	expect_bad(
		"lb:\n" VIP "backends: [{ ip: \"2001:db8::1\" }] }\n",
		"t.yaml:11: lb: VIP 192.0.2.10 tcp (every port): backend 2001:db8::1 is one of our own addresses "
		"(port p0)");

	/* no 6in4, with either encapsulation */
	expect_bad(
		"lb:\n  - { vip: \"2001:db8:ff::10\", proto: tcp, port: 80, backends: [{ ip: 10.0.1.20 }] }\n",
		"t.yaml:11: lb: VIP 2001:db8:ff::10 tcp/80: backend 10.0.1.20 is IPv4: an IPv6 VIP's backends are "
		"IPv6 (6in4 is not offered)");
	expect_bad(
		"lb:\n  - { vip: \"2001:db8:ff::10\", proto: tcp, port: 80, encap: gue, backends: [{ ip: "
		"\"2001:db8:1::20\" }, { ip: 10.0.1.20 }] }\n",
		"t.yaml:11: lb: VIP 2001:db8:ff::10 tcp/80: backend 10.0.1.20 is IPv4: an IPv6 VIP's backends are "
		"IPv6 (6in4 is not offered)");

	/* the GUE port in use: the UDP VIP after the GUE one (at its port:), before it (at gue_port:, or
	 * encap: when the port is the default), and a GUE VIP on its own gue_port */
	expect_bad(
		"lb:\n  - { vip: 192.0.2.10, proto: tcp, port: 80, encap: gue, backends: [{ ip: 10.0.1.20 }, { ip: "
		"10.0.1.21 }] }\n"
		"  - vip: 192.0.2.11\n    proto: udp\n    port: 6080\n    backends: [{ ip: 10.0.1.22 }, { ip: "
		"10.0.1.21 }]\n",
		"t.yaml:14: lb: VIP 192.0.2.10 tcp/80 at line 11 sends GUE to UDP port 6080 of backend 10.0.1.21, "
		"where the UDP VIP 192.0.2.11 udp/6080 is served too (one UDP port cannot be the decapsulator's and "
		"the service's)");
	expect_bad(
		"lb:\n  - { vip: 192.0.2.11, proto: udp, port: 7000, " B20
		"  - vip: 192.0.2.10\n    proto: tcp\n    encap: gue\n    gue_port: 7000\n    " BB20,
		"t.yaml:15: lb: VIP 192.0.2.10 tcp (every port) sends GUE to UDP port 7000 of backend 10.0.1.20, "
		"where the UDP VIP 192.0.2.11 udp/7000 at line 11 is served too (one UDP port cannot be the "
		"decapsulator's and the service's)");
	expect_bad(
		"lb:\n  - { vip: 192.0.2.11, proto: udp, port: 6080, " B20
		"  - vip: 192.0.2.10\n    proto: tcp\n    encap: gue\n    " BB20,
		"t.yaml:14: lb: VIP 192.0.2.10 tcp (every port) sends GUE to UDP port 6080 of backend 10.0.1.20, "
		"where the UDP VIP 192.0.2.11 udp/6080 at line 11 is served too (one UDP port cannot be the "
		"decapsulator's and the service's)");
	expect_bad(
		"lb:\n  - { vip: 192.0.2.10, proto: udp, port: 6080, encap: gue, " B20,
		"t.yaml:11: lb: VIP 192.0.2.10 udp/6080 sends GUE to UDP port 6080 of backend 10.0.1.20, the port "
		"the VIP itself is served on there (one UDP port cannot be the decapsulator's and the service's)");
}

/* what is not refused: other proto, other port, other VIP, no common backend, a TCP VIP on the
 * GUE port, a UDP VIP of every port */
static void
test_lb_not_refused(void)
{
	CU_ASSERT_EQUAL(
		parse(&cfg,
		      "lb:\n"
		      "  - { vip: 192.0.2.10, proto: tcp, port: 80, encap: gue, " B20
		      "  - { vip: 192.0.2.10, proto: udp, port: 80, " B20
		      "  - { vip: 192.0.2.10, proto: tcp, port: 81, " B20
		      "  - { vip: 192.0.2.11, proto: tcp, port: 80, " B20
		      "  - { vip: 192.0.2.12, proto: udp, port: 6080, backends: [{ ip: 10.0.1.21 }] }\n"
		      "  - { vip: 192.0.2.13, proto: tcp, port: 6080, " B20
		      "  - { vip: 192.0.2.14, proto: udp, " B20 "  - { vip: 10.0.1.50, proto: tcp, " B20),
		0);
	CU_ASSERT_EQUAL(cfg.n_lb, 8);
	hp_config_free(&cfg);
}

static void
test_lb_round_trip(void)
{
	char *a, *b;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, lb_example), 0);
	CU_ASSERT_TRUE(dump_has(&cfg, "\"gue_port\": 7000"));
	CU_ASSERT_TRUE(dump_has(&cfg, "\"no_src_port\""));
	CU_ASSERT_TRUE(dump_has(&cfg, "\"path\": \"/healthz\""));
	CU_ASSERT_TRUE(dump_has(&cfg, "\"table_size\": 131071"));
	CU_ASSERT_TRUE(dump_has(&cfg, "\"src6\": \"fd00:1::/64\""));
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	check_lb_example(&again);
	CU_ASSERT_EQUAL_FATAL(again.n_lb, cfg.n_lb);
	for (unsigned i = 0; i < cfg.n_lb; i++)
		CU_ASSERT_TRUE(same_vip(&cfg.lb[i], &again.lb[i]));
	CU_ASSERT_TRUE(same_lb_conf(&cfg.lb_conf, &again.lb_conf));
	/* and the dump of the dump is the dump */
	a = hp_dump_text(&cfg);
	b = hp_dump_text(&again);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	hp_config_free(&again);
	hp_config_free(&cfg);
}

/* ---- lb.add's entry: the file's reading and checks, against the running VIPs ---- */

static int
lb_entry(const char *json, struct hp_lb_vip *out)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	rc = hp_config_parse_entry(&cfg, "lb", j, out, err, sizeof(err));
	json_decref(j);
	return rc;
}

static void
entry_bad(const char *json, const char *want)
{
	struct hp_lb_vip v;

	CU_ASSERT_EQUAL(lb_entry(json, &v), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, want);
	if (strcmp(err, want))
		fprintf(stderr, "\n  for: %s  expected \"%s\"\n       got \"%s\"\n", json, want, err);
}

static void
test_lb_entry(void)
{
	struct hp_lb_vip v;
	char *before, *after;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, lb_example), 0);
	before = hp_dump_text(&cfg);
	CU_ASSERT_EQUAL_FATAL(
		lb_entry(
			"{\"vip\":\"192.0.2.20\",\"proto\":\"tcp\",\"port\":80,\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
			&v),
		0);
	CU_ASSERT_TRUE(is_ip(&v.vip, "192.0.2.20"));
	CU_ASSERT_EQUAL(v.proto, IPPROTO_TCP);
	CU_ASSERT_EQUAL(v.port, 80);
	CU_ASSERT_EQUAL(v.encap, HP_LB_IPIP);
	CU_ASSERT_EQUAL(v.line, 0);
	CU_ASSERT_EQUAL_FATAL(v.n_backends, 1);
	CU_ASSERT_EQUAL(v.backends[0].weight, 100);
	CU_ASSERT_EQUAL(v.backends[0].line, 0);
	free(v.backends);
	CU_ASSERT_EQUAL_FATAL(
		lb_entry("{\"vip\":\"192.0.2.21\",\"proto\":\"udp\",\"port\":5000,\"encap\":\"gue\","
			 "\"gue_port\":6081,\"flags\":[\"no_src_port\"],\"health\":{\"check\":\"http\","
			 "\"path\":\"/ok\",\"rise\":1},\"backends\":[{\"ip\":\"10.0.1.20\",\"weight\":7},"
			 "{\"ip\":\"2001:db8:1::20\",\"weight\":0}]}",
			 &v),
		0);
	CU_ASSERT(v.encap == HP_LB_GUE && v.gue_port == 6081 && v.flags == HP_LB_NO_SRC_PORT);
	CU_ASSERT(v.health.check == HP_LB_CHECK_HTTP && v.health.port == 5000 && v.health.rise == 1 &&
		  !strcmp(v.health.path, "/ok"));
	CU_ASSERT(v.n_backends == 2 && v.backends[0].weight == 7 && v.backends[1].weight == 0);
	free(v.backends);

	/* refused, with no FILE:LINE of its own; a running VIP named by its line */
	entry_bad(
		"{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"port\":80,\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		"lb: VIP 192.0.2.10 tcp/80 already defined at line 11");
	entry_bad(
		"{\"vip\":\"192.0.2.10\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		"lb: VIP 192.0.2.10 tcp (every port) overlaps VIP 192.0.2.10 tcp/80 at line 11 (a VIP of every port "
		"takes the packets of each port)");
	entry_bad(
		"{\"vip\":\"192.0.2.41\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"192.0.2.99\"}]}",
		"lb: VIP 192.0.2.41 tcp (every port): backend 192.0.2.99 is outside every connected subnet and route "
		"(a backend must be reachable)");
	entry_bad("{\"vip\":\"10.0.1.1\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		  "lb: VIP 10.0.1.1 tcp (every port) is one of our own addresses (port p1)");
	entry_bad(
		"{\"vip\":\"2001:db8:ff::11\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		"lb: VIP 2001:db8:ff::11 tcp (every port): backend 10.0.1.20 is IPv4: an IPv6 VIP's backends are IPv6 "
		"(6in4 is not offered)");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"udp\",\"port\":7000,\"backends\":[{\"ip\":\"10.0.1.22\"}]}",
		"lb: VIP 192.0.2.10 tcp/80 at line 11 sends GUE to UDP port 7000 of backend 10.0.1.22, where the UDP "
		"VIP 192.0.2.30 udp/7000 is served too (one UDP port cannot be the decapsulator's and the service's)");
	entry_bad("{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"port\":80}",
		  "missing required key 'backends' in lb VIP");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"gue_port\":6080,\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		"key 'gue_port': only with encap: gue (this VIP's encap is ipip)");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"10.0.1.20\"},{\"ip\":\"10.0.1.20\"}]}",
		"key 'ip': backend 10.0.1.20 listed twice");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"port\":0,\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		"key 'port': expected an integer between 1 and 65535");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"10.0.1.20\",\"weight\":65536}]}",
		"key 'weight': expected an integer between 0 and 65535");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"backends\":[{\"ip\":\"10.0.1.20\",\"weight\":1.5}]}",
		"key 'weight': expected an integer between 0 and 65535");
	entry_bad("{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"backends\":{\"ip\":\"10.0.1.20\"}}",
		  "key 'backends': expected a sequence (found a mapping)");
	entry_bad(
		"{\"vip\":\"192.0.2.30\",\"proto\":\"tcp\",\"bogus\":1,\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
		"unknown key 'bogus' in lb VIP (expected one of: vip, proto, port, encap, gue_port, flags, health, "
		"backends)");
	entry_bad("[1]", "key 'lb': expected each VIP to be a mapping (found a sequence)");
	/* the running config is untouched */
	CU_ASSERT_EQUAL(cfg.n_lb, 3);
	after = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT_STRING_EQUAL(before, after);
	free(after);

	/* an entry the model takes; a VIP added over the socket is named by its index */
	CU_ASSERT_EQUAL_FATAL(
		lb_entry(
			"{\"vip\":\"192.0.2.20\",\"proto\":\"udp\",\"port\":6081,\"backends\":[{\"ip\":\"10.0.1.20\"}]}",
			&v),
		0);
	CU_ASSERT_EQUAL(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_EQUAL(cfg.lb[3].backends, v.backends); /* the model's own copy */
	free(v.backends);
	CU_ASSERT_EQUAL(cfg.n_lb, 4);
	entry_bad(
		"{\"vip\":\"192.0.2.20\",\"proto\":\"udp\",\"port\":6081,\"backends\":[{\"ip\":\"10.0.1.21\"}]}",
		"lb: VIP 192.0.2.20 udp/6081 already defined (VIP 3, added at run time)");
	entry_bad(
		"{\"vip\":\"192.0.2.22\",\"proto\":\"tcp\",\"encap\":\"gue\",\"gue_port\":6081,\"backends\":[{\"ip\":"
		"\"10.0.1.20\"}]}",
		"lb: VIP 192.0.2.22 tcp (every port) sends GUE to UDP port 6081 of backend 10.0.1.20, where the UDP "
		"VIP 192.0.2.20 udp/6081 (VIP 3, added at run time) is served too (one UDP port cannot be the "
		"decapsulator's and the service's)");
	free(before);
	hp_config_free(&cfg);
}

/* ---- the model's operations ---- */

static struct hp_lb_vip
vip_of(const char *addr, uint8_t proto, uint16_t port, struct hp_lb_backend *b, unsigned n)
{
	return (struct hp_lb_vip){
		.vip = ip(addr), .proto = proto, .port = port, .n_backends = n, .backends = b};
}

/* A refusal with rc and a message holding want; the model's dump is as it was. */
static void
model_refused(int rc, int want_rc, const char *want)
{
	char *now = hp_dump_text(&cfg);
	static char *was;

	if (rc == 1) { /* take a snapshot */
		free(was);
		was = now;
		return;
	}
	CU_ASSERT_EQUAL(rc, want_rc);
	if (want != NULL && strstr(err, want) == NULL) {
		fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", want, err);
		CU_FAIL("message");
	}
	CU_ASSERT_PTR_NOT_NULL_FATAL(now);
	CU_ASSERT_STRING_EQUAL(now, was);
	free(now);
	if (want_rc == 0 && rc == 0) { /* the end: release the snapshot */
		free(was);
		was = NULL;
	}
}

#define SNAPSHOT() model_refused(1, 0, NULL)

static void
test_lb_model_vips(void)
{
	struct hp_lb_backend b[4] = {{.ip = ip("10.0.1.30"), .weight = 10},
				     {.ip = ip("10.0.1.31"), .weight = 20}};
	struct hp_lb_vip v, old;
	struct hp_addr a;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, lb_example), 0);
	a = ip("192.0.2.10");
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_TCP, 80), 0);
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_UDP, 53), 2);
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_TCP, 81), -1);
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_TCP, 0), -1);
	a = ip("2001:db8:ff::10");
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_UDP, 0), 1);

	/* refusals leave the model as it was */
	SNAPSHOT();
	v = vip_of("192.0.2.10", IPPROTO_TCP, 80, b, 2);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EEXIST,
		      "VIP 192.0.2.10 tcp/80 already defined at line 11");
	v = vip_of("192.0.2.10", IPPROTO_TCP, 0, b, 2);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EEXIST,
		      "VIP 192.0.2.10 tcp (every port) overlaps VIP 192.0.2.10 tcp/80 at line 11");
	v = vip_of("10.0.0.1", IPPROTO_TCP, 80, b, 2);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "VIP 10.0.0.1 tcp/80 is one of our own addresses (port p0)");
	v = vip_of("127.0.0.2", IPPROTO_TCP, 80, b, 2);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "VIP 127.0.0.2 tcp/80 is never forwarded (a reserved address)");
	v = vip_of("192.0.2.20", IPPROTO_ICMP, 80, b, 2);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL, "proto must be tcp or udp");
	v = vip_of("192.0.2.20", IPPROTO_TCP, 80, b, 2);
	v.gue_port = 6080; /* with ipip */
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "encap must be ipip (no gue_port)");
	v = vip_of("192.0.2.20", IPPROTO_TCP, 0, b, 2);
	v.health = (struct hp_lb_health){
		.check = HP_LB_CHECK_TCP, .interval_ms = 1000, .timeout_ms = 500, .rise = 2, .fall = 3};
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL, "health check needs a port");
	v = vip_of("192.0.2.20", IPPROTO_TCP, 80, b, 0);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "VIP 192.0.2.20 tcp/80: no backend");
	b[2] = (struct hp_lb_backend){.ip = ip("10.0.1.30")};
	v = vip_of("192.0.2.20", IPPROTO_TCP, 80, b, 3);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "VIP 192.0.2.20 tcp/80: backend 10.0.1.30 listed twice");
	b[2] = (struct hp_lb_backend){.ip = ip("203.0.113.9")};
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "backend 203.0.113.9 is outside every connected subnet and route");
	b[2] = (struct hp_lb_backend){.ip = ip("10.0.1.1")};
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "backend 10.0.1.1 is one of our own addresses (port p1)");
	b[2] = (struct hp_lb_backend){.ip = ip("10.0.1.32"), .weight = 65536};
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL, "weight 65536 is over 65535");
	v = vip_of("2001:db8:ff::20", IPPROTO_TCP, 80, b, 2);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL, "6in4 is not offered");
	b[2] = (struct hp_lb_backend){.ip = ip("10.0.1.20")};
	v = vip_of("192.0.2.20", IPPROTO_UDP, 7000, b, 3); /* VIP 0 sends GUE to 10.0.1.20:7000 */
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -EINVAL,
		      "VIP 192.0.2.10 tcp/80 at line 11 sends GUE to UDP port 7000 of backend 10.0.1.20");

	/* taken: a copy of v and its backends */
	v = vip_of("192.0.2.20", IPPROTO_UDP, 7000, b, 2);
	CU_ASSERT_EQUAL_FATAL(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.n_lb, 4);
	CU_ASSERT_PTR_NOT_EQUAL(cfg.lb[3].backends, b);
	CU_ASSERT_TRUE(same_vip(&cfg.lb[3], &v));
	b[0].weight = 99; /* the caller's array is its own */
	CU_ASSERT_EQUAL(cfg.lb[3].backends[0].weight, 10);
	a = ip("192.0.2.20");
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_UDP, 7000), 3);
	CU_ASSERT_TRUE(dump_has(&cfg, "\"vip\": \"192.0.2.20\""));

	/* delete: old takes the VIP and its backends; NULL frees them */
	CU_ASSERT_EQUAL(hp_model_lb_vip_del(&cfg, 4, NULL), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(hp_model_lb_vip_del(&cfg, 0, &old), 0);
	CU_ASSERT_TRUE(is_ip(&old.vip, "192.0.2.10") && old.port == 80 && old.n_backends == 4);
	CU_ASSERT_EQUAL(cfg.n_lb, 3);
	CU_ASSERT_EQUAL(hp_model_lb_vip_find(&cfg, &a, IPPROTO_UDP, 7000), 2); /* order kept */
	/* the GUE VIP gone, the UDP VIP of its port may take its backend */
	CU_ASSERT_EQUAL(hp_model_lb_backend_add(&cfg, 2,
						&(struct hp_lb_backend){.ip = ip("10.0.1.20"), .weight = 1},
						err, sizeof(err)),
			0);
	/* and the GUE VIP cannot come back beside it */
	SNAPSHOT();
	model_refused(
		hp_model_lb_vip_add(&cfg, &old, err, sizeof(err)), -EINVAL,
		"VIP 192.0.2.10 tcp/80 sends GUE to UDP port 7000 of backend 10.0.1.20, where the UDP VIP "
		"192.0.2.20 udp/7000 (VIP 2, added at run time) is served too");
	free(old.backends);
	CU_ASSERT_EQUAL(hp_model_lb_vip_del(&cfg, 0, NULL), 0);
	CU_ASSERT_EQUAL(cfg.n_lb, 2);

	/* the limit */
	while (cfg.n_lb < HP_MAX_LB_VIPS) {
		v = vip_of("192.0.2.99", IPPROTO_TCP, (uint16_t)(1 + cfg.n_lb), b, 1);
		CU_ASSERT_EQUAL_FATAL(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), 0);
	}
	SNAPSHOT();
	v = vip_of("192.0.2.98", IPPROTO_TCP, 1, b, 1);
	model_refused(hp_model_lb_vip_add(&cfg, &v, err, sizeof(err)), -ENOSPC, "more than 256 VIPs");
	model_refused(0, 0, NULL);
	hp_config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.lb);
}

static void
test_lb_model_backends(void)
{
	struct hp_lb_backend nb = {.ip = ip("10.0.1.40"), .weight = 5};
	const struct hp_lb_vip *v;
	struct hp_addr a;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, lb_example), 0);
	v = &cfg.lb[2]; /* 192.0.2.10 udp/53: 10.0.0.5 */
	CU_ASSERT_EQUAL(hp_model_lb_backend_add(&cfg, 2, &nb, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(v->n_backends, 2);
	CU_ASSERT_TRUE(is_ip(&v->backends[1].ip, "10.0.1.40"));
	CU_ASSERT_EQUAL(v->backends[1].weight, 5);

	SNAPSHOT();
	model_refused(hp_model_lb_backend_add(&cfg, 3, &nb, err, sizeof(err)), -ENOENT, "no VIP 3");
	model_refused(hp_model_lb_backend_add(&cfg, 2, &nb, err, sizeof(err)), -EEXIST,
		      "VIP 192.0.2.10 udp/53: backend 10.0.1.40 already there");
	nb.ip = ip("192.0.2.77");
	model_refused(
		hp_model_lb_backend_add(&cfg, 2, &nb, err, sizeof(err)), -EINVAL,
		"VIP 192.0.2.10 udp/53: backend 192.0.2.77 is outside every connected subnet and route (a backend "
		"must be reachable)");
	nb.ip = ip("10.0.0.1");
	model_refused(hp_model_lb_backend_add(&cfg, 2, &nb, err, sizeof(err)), -EINVAL,
		      "VIP 192.0.2.10 udp/53: backend 10.0.0.1 is one of our own addresses (port p0)");
	nb.ip = ip("192.0.2.10");
	model_refused(hp_model_lb_backend_add(&cfg, 2, &nb, err, sizeof(err)), -EINVAL,
		      "backend 192.0.2.10 is the VIP itself");
	nb = (struct hp_lb_backend){.ip = ip("10.0.1.41"), .weight = 65536};
	model_refused(hp_model_lb_backend_add(&cfg, 2, &nb, err, sizeof(err)), -EINVAL,
		      "weight 65536 is over 65535");
	nb = (struct hp_lb_backend){.ip = ip("10.0.1.41"), .weight = 1};
	model_refused(hp_model_lb_backend_add(&cfg, 1, &nb, err, sizeof(err)), -EINVAL,
		      "6in4 is not offered");
	/* GUE port in use by a backend added on either side */
	CU_ASSERT_EQUAL_FATAL(
		hp_model_lb_vip_add(
			&cfg,
			&(struct hp_lb_vip){.vip = ip("192.0.2.30"),
					    .proto = IPPROTO_UDP,
					    .port = 7000,
					    .n_backends = 1,
					    .backends = &(struct hp_lb_backend){.ip = ip("10.0.1.50")}},
			err, sizeof(err)),
		0);
	SNAPSHOT();
	nb.ip = ip("10.0.1.20"); /* VIP 0's, which sends GUE to 7000 */
	model_refused(
		hp_model_lb_backend_add(&cfg, 3, &nb, err, sizeof(err)), -EINVAL,
		"VIP 192.0.2.10 tcp/80 at line 11 sends GUE to UDP port 7000 of backend 10.0.1.20, where the UDP VIP "
		"192.0.2.30 udp/7000 is served too");
	nb.ip = ip("10.0.1.50"); /* VIP 3's */
	model_refused(
		hp_model_lb_backend_add(&cfg, 0, &nb, err, sizeof(err)), -EINVAL,
		"VIP 192.0.2.10 tcp/80 sends GUE to UDP port 7000 of backend 10.0.1.50, where the UDP VIP "
		"192.0.2.30 udp/7000 (VIP 3, added at run time) is served too");

	/* weights */
	a = ip("10.0.1.40");
	CU_ASSERT_EQUAL(hp_model_lb_backend_set(&cfg, 2, &a, 0), 0);
	CU_ASSERT_EQUAL(cfg.lb[2].backends[1].weight, 0);
	CU_ASSERT_EQUAL(hp_model_lb_backend_set(&cfg, 2, &a, 65535), 0);
	CU_ASSERT_EQUAL(cfg.lb[2].backends[1].weight, 65535);
	CU_ASSERT_EQUAL(hp_model_lb_backend_set(&cfg, 2, &a, 65536), -EINVAL);
	CU_ASSERT_EQUAL(cfg.lb[2].backends[1].weight, 65535);
	CU_ASSERT_EQUAL(hp_model_lb_backend_set(&cfg, 1, &a, 1), -ENOENT);
	CU_ASSERT_EQUAL(hp_model_lb_backend_set(&cfg, 9, &a, 1), -ENOENT);

	/* delete: in order; not the last one */
	a = ip("10.0.1.22");
	CU_ASSERT_EQUAL(hp_model_lb_backend_del(&cfg, 0, &a), 0);
	CU_ASSERT_EQUAL_FATAL(cfg.lb[0].n_backends, 3);
	CU_ASSERT_TRUE(is_ip(&cfg.lb[0].backends[0].ip, "10.0.1.20"));
	CU_ASSERT_TRUE(is_ip(&cfg.lb[0].backends[1].ip, "198.51.100.7"));
	CU_ASSERT_TRUE(is_ip(&cfg.lb[0].backends[2].ip, "2001:db8:1::20"));
	CU_ASSERT_EQUAL(hp_model_lb_backend_del(&cfg, 0, &a), -ENOENT);
	CU_ASSERT_EQUAL(hp_model_lb_backend_del(&cfg, 9, &a), -ENOENT);
	a = ip("2001:db8:2::5");
	CU_ASSERT_EQUAL(hp_model_lb_backend_del(&cfg, 1, &a), -EBUSY);
	CU_ASSERT_EQUAL(cfg.lb[1].n_backends, 1);
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)),
			      0); /* what the operations made reads back */
	for (unsigned i = 0; i < cfg.n_lb; i++)
		CU_ASSERT_TRUE(same_vip(&cfg.lb[i], &again.lb[i]));
	hp_config_free(&again);

	/* up to the limit, then no more */
	while (cfg.lb[1].n_backends < HP_MAX_LB_BACKENDS) {
		char s[64];

		snprintf(s, sizeof(s), "2001:db8:2::1:%x", cfg.lb[1].n_backends);
		nb = (struct hp_lb_backend){.ip = ip(s), .weight = 1};
		CU_ASSERT_EQUAL_FATAL(hp_model_lb_backend_add(&cfg, 1, &nb, err, sizeof(err)), 0);
	}
	SNAPSHOT();
	nb.ip = ip("2001:db8:2::2:1");
	model_refused(hp_model_lb_backend_add(&cfg, 1, &nb, err, sizeof(err)), -ENOSPC,
		      "more than 4096 backends");
	model_refused(0, 0, NULL);
	hp_config_free(&cfg);
}

/* A draft (a struct copy of the running config) takes its own VIPs: changed and freed, the running
 * ones are as they were; config.apply's take moves a new file's VIPs into the model. */
static void
test_lb_model_copy(void)
{
	struct hp_config draft, nc;
	struct hp_addr a = ip("10.0.1.20");
	char *was, *now;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, lb_example), 0);
	was = hp_dump_text(&cfg);
	draft = cfg;
	CU_ASSERT_EQUAL_FATAL(hp_model_lb_copy(&cfg, &draft), 0);
	CU_ASSERT_EQUAL(draft.n_lb, cfg.n_lb);
	CU_ASSERT_PTR_NOT_EQUAL(draft.lb, cfg.lb);
	for (unsigned i = 0; i < cfg.n_lb; i++) {
		CU_ASSERT_PTR_NOT_EQUAL(draft.lb[i].backends, cfg.lb[i].backends);
		CU_ASSERT_TRUE(same_vip(&draft.lb[i], &cfg.lb[i]));
	}
	CU_ASSERT_TRUE(same_lb_conf(&draft.lb_conf, &cfg.lb_conf));
	CU_ASSERT_EQUAL(hp_model_lb_backend_set(&draft, 0, &a, 1), 0);
	CU_ASSERT_EQUAL(hp_model_lb_backend_del(&draft, 0, &a), 0);
	CU_ASSERT_EQUAL(hp_model_lb_vip_del(&draft, 2, NULL), 0);
	hp_model_lb_free(&draft);
	CU_ASSERT_PTR_NULL(draft.lb);
	CU_ASSERT_EQUAL(draft.n_lb, 0);
	now = hp_dump_text(&cfg);
	CU_ASSERT_STRING_EQUAL(was, now);
	free(now);

	/* an empty config copies to none */
	memset(&nc, 0, sizeof(nc));
	draft.lb = (struct hp_lb_vip *)1; /* overwritten, not freed */
	CU_ASSERT_EQUAL(hp_model_lb_copy(&nc, &draft), 0);
	CU_ASSERT_PTR_NULL(draft.lb);
	CU_ASSERT_EQUAL(draft.n_lb, 0);

	/* config.apply: the model takes nc's VIPs and lb_conf, nc is left without them */
	CU_ASSERT_EQUAL_FATAL(
		parse(&nc, "lb:\n  - { vip: 192.0.2.50, proto: tcp, " B20 "lb_conf: { flows: 2048 }\n"), 0);
	hp_model_take_tables(&cfg, &nc);
	CU_ASSERT_EQUAL_FATAL(cfg.n_lb, 1);
	CU_ASSERT_TRUE(is_ip(&cfg.lb[0].vip, "192.0.2.50"));
	CU_ASSERT_EQUAL(cfg.lb_conf.flows, 2048);
	CU_ASSERT_PTR_NULL(nc.lb);
	CU_ASSERT_EQUAL(nc.n_lb, 0);
	hp_config_free(&nc);
	hp_config_free(&cfg);
	free(was);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"lb_every_key", test_lb_every_key},
		{"lb_defaults", test_lb_defaults},
		{"lb_limits_taken", test_lb_limits_taken},
		{"lb_limits", test_lb_limits},
		{"lb_keys_bad", test_lb_keys_bad},
		{"lb_resolve_bad", test_lb_resolve_bad},
		{"lb_not_refused", test_lb_not_refused},
		{"lb_round_trip", test_lb_round_trip},
		{"lb_entry", test_lb_entry},
		{"lb_model_vips", test_lb_model_vips},
		{"lb_model_backends", test_lb_model_backends},
		{"lb_model_copy", test_lb_model_copy},
	};

	return HP_CUNIT_RUN("config_lb", tests);
}
