/* Unit tests of issue 15's configuration (parsed and checked; the data path comes later): the
 * conntrack: section, the acl state: match (file and acl.add's JSON entry) and the nat: section,
 * each key, its defaults, every refusal with its FILE:LINE, and config dump read back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "../cunit_run.h"
#include "config.h"
#include "config_test.h"
#include "dump.h"
#include "model.h"

/* Line numbers: what follows base_yaml starts on line 9. */
static const char base_yaml[] =
	"ports:\n" /* 1 */
	"  - { name: p0, device: net_null0, mac: \"02:00:00:00:00:01\", ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n" /* 2 */
	"  - { name: p1, device: net_null1, mac: \"02:00:00:00:01:01\", ipv4: [203.0.113.1/24] }\n" /* 3 */
	"  - { name: x0, device: net_null2, mode: xconnect, peer: x1 }\n"                           /* 4 */
	"  - { name: x1, device: net_null3, mode: xconnect, peer: x0 }\n"                           /* 5 */
	"routes:\n"                                                                                 /* 6 */
	"  - { prefix: 198.51.100.0/24, via: 10.0.0.2 }\n"                                          /* 7 */
	"  - { prefix: 198.51.100.128/25, action: drop }\n";                                        /* 8 */

static struct hp_config cfg, again;
static char err[HP_ERR_MAX];

static int
parse(struct hp_config *c, const char *extra)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s%s", base_yaml, extra);
	err[0] = '\0';
	return hp_config_parse("t.yaml", text, strlen(text), c, err, sizeof(err));
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
	hp_config_free(&c);
}

static struct hp_addr
v4(const char *s)
{
	struct hp_addr a = {.family = AF_INET};

	CU_ASSERT_EQUAL(inet_pton(AF_INET, s, a.addr), 1);
	return a;
}

static bool
same_addr(const struct hp_addr *a, const char *s)
{
	struct hp_addr b = v4(s);

	return a->family == AF_INET && !memcmp(a->addr, b.addr, 4);
}

/* ---- conntrack: ---- */

static void
test_conntrack_defaults(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, ""), 0);
	CU_ASSERT_FALSE(cfg.conntrack.enabled);
	CU_ASSERT_EQUAL(cfg.conntrack.max, HP_CT_MAX_DEFAULT);
	CU_ASSERT_EQUAL(cfg.conntrack.max, 65536);
	CU_ASSERT_EQUAL(cfg.conntrack.tcp_established, 3600);
	CU_ASSERT_EQUAL(cfg.conntrack.tcp_transitory, 120);
	CU_ASSERT_EQUAL(cfg.conntrack.udp, 30);
	CU_ASSERT_EQUAL(cfg.conntrack.icmp, 30);
	CU_ASSERT_EQUAL(cfg.conntrack.line, 0);
	CU_ASSERT_EQUAL(cfg.n_nat, 0);
	CU_ASSERT_PTR_NULL(cfg.nat);
	CU_ASSERT_FALSE(dump_has(&cfg, "\"conntrack\""));
	CU_ASSERT_FALSE(dump_has(&cfg, "\"nat\""));
	CU_ASSERT_FALSE(dump_has(&cfg, "\"state\""));
	hp_config_free(&cfg);

	/* an empty section: tracking configured, every default */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "conntrack: {}\n"), 0);
	CU_ASSERT_TRUE(cfg.conntrack.enabled);
	CU_ASSERT_EQUAL(cfg.conntrack.line, 9);
	CU_ASSERT_EQUAL(cfg.conntrack.max, 65536);
	CU_ASSERT_EQUAL(cfg.conntrack.udp, 30);
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(again.conntrack.enabled);
	CU_ASSERT_EQUAL(again.conntrack.max, 65536);
	hp_config_free(&again);
	hp_config_free(&cfg);
}

static void
test_conntrack_keys(void)
{
	CU_ASSERT_EQUAL_FATAL(
		parse(&cfg,
		      "conntrack:\n"
		      "  max: 1000000\n"
		      "  timeouts: { tcp_established: 7200, tcp_transitory: 60, udp: 20, icmp: 10 }\n"),
		0);
	CU_ASSERT_TRUE(cfg.conntrack.enabled);
	CU_ASSERT_EQUAL(cfg.conntrack.line, 10);
	CU_ASSERT_EQUAL(cfg.conntrack.max, 1000000);
	CU_ASSERT_EQUAL(cfg.conntrack.tcp_established, 7200);
	CU_ASSERT_EQUAL(cfg.conntrack.tcp_transitory, 60);
	CU_ASSERT_EQUAL(cfg.conntrack.udp, 20);
	CU_ASSERT_EQUAL(cfg.conntrack.icmp, 10);
	CU_ASSERT_TRUE(dump_has(&cfg, "\"max\": 1000000"));
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(again.conntrack.enabled);
	CU_ASSERT_EQUAL(again.conntrack.max, 1000000);
	CU_ASSERT_EQUAL(again.conntrack.tcp_established, 7200);
	CU_ASSERT_EQUAL(again.conntrack.tcp_transitory, 60);
	CU_ASSERT_EQUAL(again.conntrack.udp, 20);
	CU_ASSERT_EQUAL(again.conntrack.icmp, 10);
	hp_config_free(&again);
	hp_config_free(&cfg);

	/* one timeout: the others keep their defaults; the bounds are taken */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "conntrack: { max: 1024, timeouts: { udp: 604800 } }\n"), 0);
	CU_ASSERT_EQUAL(cfg.conntrack.max, HP_CT_MAX_MIN);
	CU_ASSERT_EQUAL(cfg.conntrack.udp, HP_CT_TIMEOUT_MAX);
	CU_ASSERT_EQUAL(cfg.conntrack.tcp_established, 3600);
	CU_ASSERT_EQUAL(cfg.conntrack.icmp, 30);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "conntrack: { max: 16777216, timeouts: { icmp: 1 } }\n"), 0);
	CU_ASSERT_EQUAL(cfg.conntrack.max, HP_CT_MAX_MAX);
	CU_ASSERT_EQUAL(cfg.conntrack.icmp, 1);
	hp_config_free(&cfg);
}

static void
test_conntrack_bad(void)
{
	expect_bad("conntrack: { max: 1023 }\n",
		   "t.yaml:9: key 'max': expected an integer between 1024 and 16777216");
	expect_bad("conntrack: { max: 16777217 }\n",
		   "t.yaml:9: key 'max': expected an integer between 1024 and 16777216");
	expect_bad("conntrack: { max: lots }\n",
		   "t.yaml:9: key 'max': expected an integer between 1024 and 16777216");
	expect_bad("conntrack:\n  timeouts:\n    udp: 0\n",
		   "t.yaml:11: key 'udp': expected an integer between 1 and 604800");
	expect_bad("conntrack: { timeouts: { tcp_established: 604801 } }\n",
		   "t.yaml:9: key 'tcp_established': expected an integer between 1 and 604800");
	expect_bad("conntrack: { timeouts: { tcp_transitory: -1 } }\n",
		   "t.yaml:9: key 'tcp_transitory': expected an integer between 1 and 604800");
	expect_bad("conntrack: { timeouts: { icmp: 1.5 } }\n",
		   "t.yaml:9: key 'icmp': expected an integer between 1 and 604800");
	expect_bad("conntrack:\n  timeouts: { tcp: 10 }\n",
		   "t.yaml:10: unknown key 'tcp' in conntrack.timeouts (expected one of: tcp_established, "
		   "tcp_transitory, udp, icmp)");
	expect_bad("conntrack:\n  max: 2048\n  size: 10\n",
		   "t.yaml:11: unknown key 'size' in conntrack (expected one of: max, timeouts)");
	expect_bad("conntrack: [max]\n", "t.yaml:9: key 'conntrack': expected a mapping (found a sequence)");
	expect_bad("conntrack: { timeouts: 30 }\n",
		   "t.yaml:9: key 'timeouts': expected a mapping (found a scalar)");
	expect_bad("conntrack: {}\nconntrack: {}\n",
		   "t.yaml:10: duplicate key 'conntrack' at top level (first at line 9)");

	/* beyond memory: both numbers named (a small machine set for the test) */
	hp_config_set_memory(1u << 20);
	expect_bad("conntrack:\n  max: 1048576\n",
		   "t.yaml:10: key 'max': 1048576 connections need about 209715200 bytes (200 a connection), "
		   "beyond this machine's memory of 1048576 bytes");
	CU_ASSERT_EQUAL(parse(&cfg, "conntrack: { max: 5242 }\n"), 0); /* 1,048,400 bytes fit in 1 MiB */
	hp_config_free(&cfg);
	expect_bad("conntrack: { max: 5243 }\n",
		   "t.yaml:9: key 'max': 5243 connections need about 1048600 bytes (200 a connection), "
		   "beyond this machine's memory of 1048576 bytes");
	hp_config_set_memory(0);
	CU_ASSERT_EQUAL(parse(&cfg, "conntrack: { max: 5243 }\n"), 0);
	hp_config_free(&cfg);
}

/* ---- acl state: ---- */

static void
test_acl_state(void)
{
	CU_ASSERT_EQUAL_FATAL(
		parse(&cfg,
		      "acl:\n"
		      "  - { priority: 10, state: [established, related], action: permit }\n"
		      "  - { priority: 20, src: 10.0.0.0/8, state: new, action: permit }\n"
		      "  - { priority: 30, state: [invalid], action: deny }\n"
		      "  - { priority: 40, state: [invalid, related, new, established], action: count }\n"
		      "  - { priority: 50, action: deny }\n"
		      "acl_default: deny\n"),
		0);
	CU_ASSERT_EQUAL_FATAL(cfg.n_acl, 5);
	CU_ASSERT_EQUAL(cfg.acl[0].state, HP_CT_ESTABLISHED | HP_CT_RELATED);
	CU_ASSERT_EQUAL(cfg.acl[1].state, HP_CT_NEW);
	CU_ASSERT_TRUE(cfg.acl[1].has_src);
	CU_ASSERT_EQUAL(cfg.acl[2].state, HP_CT_INVALID);
	CU_ASSERT_EQUAL(cfg.acl[3].state, HP_CT_STATE_ALL);
	CU_ASSERT_EQUAL(cfg.acl[4].state, 0); /* any */
	CU_ASSERT_EQUAL(HP_CT_NEW, 1);
	CU_ASSERT_EQUAL(HP_CT_ESTABLISHED, 2);
	CU_ASSERT_EQUAL(HP_CT_RELATED, 4);
	CU_ASSERT_EQUAL(HP_CT_INVALID, 8);
	CU_ASSERT_STRING_EQUAL(hp_ct_state_name(HP_CT_RELATED), "related");
	CU_ASSERT_PTR_NULL(hp_ct_state_name(3));
	CU_ASSERT_PTR_NULL(hp_ct_state_name(16));
	CU_ASSERT_TRUE(
		dump_has(&cfg, "\"state\": [\n        \"established\",\n        \"related\"\n      ]"));
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(again.n_acl, 5);
	for (unsigned i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(again.acl[i].state, cfg.acl[i].state);
	hp_config_free(&again);
	hp_config_free(&cfg);
}

static void
test_acl_state_bad(void)
{
	expect_bad(
		"acl:\n  - { priority: 1, state: open, action: permit }\n",
		"t.yaml:10: key 'state': unknown state 'open': expected new, established, related or invalid");
	expect_bad(
		"acl:\n  - { priority: 1, state: [new, NEW], action: permit }\n",
		"t.yaml:10: key 'state': unknown state 'NEW': expected new, established, related or invalid");
	expect_bad(
		"acl:\n  - priority: 1\n    state:\n      - new\n      - established\n      - new\n    action: permit\n",
		"t.yaml:14: key 'state': 'new' listed twice");
	expect_bad(
		"acl:\n  - { priority: 1, state: [], action: permit }\n",
		"t.yaml:10: key 'state': expected at least one of new, established, related, invalid (leave "
		"the key out to match any state)");
	expect_bad("acl:\n  - { priority: 1, state: { new: 1 }, action: permit }\n",
		   "t.yaml:10: key 'state': expected new, established, related or invalid, or a list of them "
		   "(found a mapping)");
	expect_bad("acl:\n  - { priority: 1, state: [[new]], action: permit }\n",
		   "t.yaml:10: key 'state': expected new, established, related or invalid, or a list of them "
		   "(found a sequence)");
	expect_bad("acl:\n  - { priority: 1, state: new, state: invalid, action: permit }\n",
		   "t.yaml:10: duplicate key 'state' in acl rule (first at line 10)");
}

/* acl.add reads its JSON with the file's parser (hp_config_parse_entry): state: too */
static void
test_acl_state_entry(void)
{
	struct hp_acl_rule r;
	json_t *j;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, ""), 0);
	j = json_pack("{s:i, s:[s, s], s:s}", "priority", 5, "state", "established", "related", "action",
		      "permit");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.state, HP_CT_ESTABLISHED | HP_CT_RELATED);
	json_decref(j);
	j = json_pack("{s:i, s:s, s:s}", "priority", 5, "state", "invalid", "action", "deny");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.state, HP_CT_INVALID);
	json_decref(j);
	j = json_pack("{s:i, s:s}", "priority", 5, "action", "deny");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.state, 0);
	json_decref(j);
	j = json_pack("{s:i, s:s, s:s}", "priority", 5, "state", "estab", "action", "permit");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err, "key 'state': unknown state 'estab': expected new, established, related or invalid");
	json_decref(j);
	j = json_pack("{s:i, s:[s, s], s:s}", "priority", 5, "state", "new", "new", "action", "permit");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "key 'state': 'new' listed twice");
	json_decref(j);
	j = json_pack("{s:i, s:[], s:s}", "priority", 5, "state", "action", "permit");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "key 'state': expected at least one of"));
	json_decref(j);
	j = json_pack("{s:i, s:i, s:s}", "priority", 5, "state", 1, "action", "permit");
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", j, &r, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(
		err, "key 'state': unknown state '1': expected new, established, related or invalid");
	json_decref(j);
	hp_config_free(&cfg);
}

/* ---- nat: ---- */

static const char nat_example[] =
	"nat:\n"                                                                           /* 9 */
	"  - { type: snat, out: p1, src: 10.0.0.0/8, to: [203.0.113.10, 203.0.113.11] }\n" /* 10 */
	"  - { type: dnat, in: p1, dst: 203.0.113.10, proto: tcp, dport: 8080, to: \"10.0.0.5:80\" }\n" /* 11 */
	"  - { type: snat, out: p0, src: 192.168.0.0/16, to: 10.0.0.200, ports: \"20000-29999\" }\n" /* 12 */
	"  - { type: dnat, in: p1, dst: 203.0.113.10, proto: udp, dport: 53, to: \"198.51.100.7:5353\" }\n"; /* 13 */

static void
check_nat_example(const struct hp_config *c)
{
	const struct hp_nat_rule *r;

	CU_ASSERT_EQUAL_FATAL(c->n_nat, 4);
	r = &c->nat[0];
	CU_ASSERT_EQUAL(r->type, HP_NAT_SNAT);
	CU_ASSERT_EQUAL(r->port, 1);
	CU_ASSERT_EQUAL(r->src.family, AF_INET);
	CU_ASSERT_EQUAL(r->src.len, 8);
	CU_ASSERT_EQUAL(r->src.addr[0], 10);
	CU_ASSERT_EQUAL_FATAL(r->n_to, 2);
	CU_ASSERT_TRUE(same_addr(&r->to[0], "203.0.113.10"));
	CU_ASSERT_TRUE(same_addr(&r->to[1], "203.0.113.11"));
	CU_ASSERT_EQUAL(r->port_lo, 1024); /* the default */
	CU_ASSERT_EQUAL(r->port_hi, 65535);
	r = &c->nat[1];
	CU_ASSERT_EQUAL(r->type, HP_NAT_DNAT);
	CU_ASSERT_EQUAL(r->port, 1);
	CU_ASSERT_TRUE(same_addr(&r->dst, "203.0.113.10"));
	CU_ASSERT_EQUAL(r->proto, 6);
	CU_ASSERT_EQUAL(r->dport, 8080);
	CU_ASSERT_TRUE(same_addr(&r->to_addr, "10.0.0.5")); /* p0's subnet */
	CU_ASSERT_EQUAL(r->to_port, 80);
	CU_ASSERT_EQUAL(r->n_to, 0);
	r = &c->nat[2];
	CU_ASSERT_EQUAL(r->type, HP_NAT_SNAT);
	CU_ASSERT_EQUAL(r->port, 0);
	CU_ASSERT_EQUAL_FATAL(r->n_to, 1);
	CU_ASSERT_TRUE(same_addr(&r->to[0], "10.0.0.200"));
	CU_ASSERT_EQUAL(r->port_lo, 20000);
	CU_ASSERT_EQUAL(r->port_hi, 29999);
	r = &c->nat[3];
	CU_ASSERT_EQUAL(r->proto, 17);
	CU_ASSERT_EQUAL(r->dport, 53);
	CU_ASSERT_TRUE(same_addr(&r->to_addr, "198.51.100.7")); /* by a route */
	CU_ASSERT_EQUAL(r->to_port, 5353);
}

static void
test_nat(void)
{
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, nat_example), 0);
	check_nat_example(&cfg);
	CU_ASSERT_EQUAL(cfg.nat[0].line, 10);
	CU_ASSERT_EQUAL(cfg.nat[3].line, 13);
	CU_ASSERT_FALSE(cfg.conntrack.enabled); /* nat alone: conntrack's defaults */
	CU_ASSERT_TRUE(dump_has(&cfg, "\"to\": \"10.0.0.5:80\""));
	CU_ASSERT_TRUE(dump_has(&cfg, "\"ports\": \"1024-65535\""));
	CU_ASSERT_EQUAL_FATAL(round_trip(&cfg, &again, err, sizeof(err)), 0);
	check_nat_example(&again);
	hp_config_free(&again);
	hp_config_free(&cfg);

	/* an empty list: no rule */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, "nat: []\n"), 0);
	CU_ASSERT_EQUAL(cfg.n_nat, 0);
	CU_ASSERT_FALSE(dump_has(&cfg, "\"nat\""));
	hp_config_free(&cfg);

	/* 64 pool addresses fit; the ports: bounds; numbers for proto */
	CU_ASSERT_EQUAL_FATAL(parse(&cfg,
				    "nat:\n  - { type: snat, out: p1, src: 10.0.0.0/8, ports: \"1-1\", to: "
				    "[203.0.113.100, 203.0.113.101] }\n"
				    "  - { type: dnat, in: p0, dst: 10.0.0.1, proto: 17, dport: 65535, to: "
				    "\"10.0.0.9:1\" }\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.nat[0].port_lo, 1);
	CU_ASSERT_EQUAL(cfg.nat[0].port_hi, 1);
	CU_ASSERT_EQUAL(cfg.nat[1].proto, 17);
	CU_ASSERT_EQUAL(cfg.nat[1].dport, 65535);
	CU_ASSERT_EQUAL(cfg.nat[1].to_port, 1);
	hp_config_free(&cfg);
}

static void
test_nat_pool_max(void)
{
	char text[4096];
	int n;

	n = snprintf(text, sizeof(text), "nat:\n  - { type: snat, out: p1, src: 10.0.0.0/8, to: [");
	for (unsigned i = 0; i < HP_MAX_NAT_POOL; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "%s203.0.113.%u", i ? ", " : "", 100 + i);
	snprintf(text + n, sizeof(text) - (size_t)n, "] }\n");
	CU_ASSERT_EQUAL_FATAL(parse(&cfg, text), 0);
	CU_ASSERT_EQUAL(cfg.nat[0].n_to, HP_MAX_NAT_POOL);
	hp_config_free(&cfg);
	snprintf(text + n, sizeof(text) - (size_t)n, ", 203.0.113.99] }\n");
	expect_bad(text, "t.yaml:10: key 'to': more than 64 addresses in one pool");
}

#define SNAT "  - { type: snat, out: p1, src: 10.0.0.0/8, "
#define DNAT "  - { type: dnat, in: p1, dst: 203.0.113.10, proto: tcp, dport: 8080, "

static void
test_nat_bad(void)
{
	/* types and keys */
	expect_bad("nat:\n  - { type: masquerade, out: p1, src: 10.0.0.0/8, to: [203.0.113.10] }\n",
		   "t.yaml:10: key 'type': expected snat or dnat, got 'masquerade'");
	expect_bad("nat:\n  - { out: p1, src: 10.0.0.0/8, to: [203.0.113.10] }\n",
		   "t.yaml:10: missing required key 'type' in nat rule");
	expect_bad(
		"nat:\n" SNAT "to: [203.0.113.10], pool: x }\n",
		"t.yaml:10: unknown key 'pool' in nat rule (expected one of: type, out, in, src, to, ports, dst, "
		"proto, dport)");
	expect_bad("nat:\n  - { type: snat, out: p1, src: 10.0.0.0/8 }\n",
		   "t.yaml:10: missing required key 'to' in nat rule");
	expect_bad("nat:\n" SNAT "to: [203.0.113.10], dport: 80 }\n",
		   "t.yaml:10: key 'dport': not a snat key (snat takes out, src, to, ports)");
	expect_bad("nat:\n" SNAT "to: [203.0.113.10], in: p0 }\n",
		   "t.yaml:10: key 'in': not a snat key (snat takes out, src, to, ports)");
	expect_bad("nat:\n  - { type: snat, out: p1, to: [203.0.113.10] }\n",
		   "t.yaml:10: snat rule: missing key 'src' (the inside prefix)");
	expect_bad("nat:\n  - { type: snat, src: 10.0.0.0/8, to: [203.0.113.10] }\n",
		   "t.yaml:10: snat rule: missing key 'out' (the port it leaves by)");
	expect_bad("nat:\n" SNAT "to: \"203.0.113.10:80\" }\n",
		   "t.yaml:10: key 'to': a snat pool is a list of addresses (ports: gives the ports)");
	expect_bad("nat:\n" DNAT "to: \"10.0.0.5:80\", src: 10.0.0.0/8 }\n",
		   "t.yaml:10: key 'src': not a dnat key (dnat takes in, dst, proto, dport, to)");
	expect_bad("nat:\n" DNAT "to: \"10.0.0.5:80\", ports: \"1-2\" }\n",
		   "t.yaml:10: key 'ports': not a dnat key (dnat takes in, dst, proto, dport, to)");
	expect_bad("nat:\n  - { type: dnat, in: p1, dst: 203.0.113.10, proto: tcp, to: \"10.0.0.5:80\" }\n",
		   "t.yaml:10: dnat rule: missing key 'dport'");
	expect_bad("nat:\n  - { type: dnat, dst: 203.0.113.10, proto: tcp, dport: 1, to: \"10.0.0.5:80\" }\n",
		   "t.yaml:10: dnat rule: missing key 'in'");
	expect_bad("nat:\n" DNAT "to: 10.0.0.5 }\n",
		   "t.yaml:10: key 'to': a dnat target is one \"ADDR:PORT\" (such as \"10.0.0.5:80\")");
	expect_bad("nat:\n" DNAT "to: [10.0.0.5] }\n",
		   "t.yaml:10: key 'to': a dnat target is one \"ADDR:PORT\" (such as \"10.0.0.5:80\")");
	expect_bad(
		"nat:\n" DNAT "to: \"10.0.0.5:0\" }\n",
		"t.yaml:10: key 'to': bad port in '10.0.0.5:0': expected \"ADDR:PORT\" with a port 1..65535");
	expect_bad(
		"nat:\n" DNAT "to: \"10.0.0.5:65536\" }\n",
		"t.yaml:10: key 'to': bad port in '10.0.0.5:65536': expected \"ADDR:PORT\" with a port 1..65535");
	expect_bad("nat:\n" DNAT "to: \"ten:80\" }\n",
		   "t.yaml:10: key 'to': bad address 'ten': expected an IPv4 address");
	expect_bad(
		"nat:\n  - { type: dnat, in: p1, dst: 203.0.113.10, proto: icmp, dport: 1, to: \"10.0.0.5:80\" }\n",
		"t.yaml:10: key 'proto': expected tcp or udp, got 'icmp'");
	expect_bad(
		"nat:\n  - { type: dnat, in: p1, dst: 203.0.113.10, proto: tcp, dport: 0, to: \"10.0.0.5:80\" }\n",
		"t.yaml:10: key 'dport': expected an integer between 1 and 65535");
	expect_bad(
		"nat:\n" SNAT "to: [203.0.113.10], ports: \"0-100\" }\n",
		"t.yaml:10: key 'ports': expected a range A-B with 1 <= A <= B <= 65535 such as \"1024-65535\", "
		"got '0-100'");
	expect_bad(
		"nat:\n" SNAT "to: [203.0.113.10], ports: \"2000-1000\" }\n",
		"t.yaml:10: key 'ports': expected a range A-B with 1 <= A <= B <= 65535 such as \"1024-65535\", "
		"got '2000-1000'");
	expect_bad(
		"nat:\n" SNAT "to: [203.0.113.10], ports: 1024 }\n",
		"t.yaml:10: key 'ports': expected a range A-B with 1 <= A <= B <= 65535 such as \"1024-65535\", "
		"got '1024'");
	expect_bad("nat:\n" SNAT "to: [] }\n", "t.yaml:10: key 'to': expected at least one address");
	expect_bad("nat: { type: snat }\n", "t.yaml:9: key 'nat': expected a sequence (found a mapping)");
	expect_bad("nat:\n  - snat\n",
		   "t.yaml:10: key 'nat': expected each rule to be a mapping (found a scalar)");

	/* IPv4 only */
	expect_bad("nat:\n  - { type: snat, out: p0, src: \"2001:db8::/64\", to: [203.0.113.10] }\n",
		   "t.yaml:10: key 'src': 2001:db8::/64 is IPv6: NAT is IPv4 only");
	expect_bad("nat:\n" SNAT "to: [\"2001:db8::5\"] }\n",
		   "t.yaml:10: key 'to': 2001:db8::5 is IPv6: NAT is IPv4 only");
	expect_bad(
		"nat:\n  - { type: dnat, in: p0, dst: \"2001:db8::1\", proto: tcp, dport: 80, to: \"10.0.0.5:80\" }\n",
		"t.yaml:10: key 'dst': 2001:db8::1 is IPv6: NAT is IPv4 only");
	expect_bad("nat:\n" DNAT "to: \"[2001:db8::5]:80\" }\n",
		   "t.yaml:10: key 'to': bad address '[2001:db8::5]:80': expected an IPv4 address");
	expect_bad("nat:\n" SNAT "to: [255.255.255.255] }\n",
		   "t.yaml:10: key 'to': 255.255.255.255 is never forwarded (a reserved address)");

	/* ports: known, l3 */
	expect_bad("nat:\n  - { type: snat, out: p9, src: 10.0.0.0/8, to: [203.0.113.10] }\n",
		   "t.yaml:10: key 'out': unknown port 'p9' (no port by that name)");
	expect_bad("nat:\n  - { type: snat, out: x0, src: 10.0.0.0/8, to: [203.0.113.10] }\n",
		   "t.yaml:10: key 'out': port 'x0' is mode xconnect: nat needs an l3 port");
	expect_bad(
		"nat:\n  - { type: dnat, in: x1, dst: 203.0.113.10, proto: tcp, dport: 80, to: \"10.0.0.5:80\" }\n",
		"t.yaml:10: key 'in': port 'x1' is mode xconnect: nat needs an l3 port");

	/* pools that overlap, in one rule or two */
	expect_bad("nat:\n" SNAT "to: [203.0.113.10, 203.0.113.10] }\n",
		   "t.yaml:10: key 'to': 203.0.113.10 listed twice");
	expect_bad(
		"nat:\n" SNAT
		"to: [203.0.113.10, 203.0.113.11] }\n"
		"  - { type: snat, out: p0, src: 192.168.0.0/16, to: [203.0.113.12, 203.0.113.11] }\n",
		"t.yaml:11: key 'to': 203.0.113.11 is in the pool of the snat rule at line 10 too (pools may "
		"not overlap)");
	expect_bad(
		"nat:\n" SNAT "to: 203.0.113.10 }\n" DNAT "to: \"10.0.0.5:80\" }\n" SNAT
		"to: 203.0.113.10 }\n",
		"t.yaml:12: key 'to': 203.0.113.10 is in the pool of the snat rule at line 10 too (pools may "
		"not overlap)");

	/* a dnat target the FIB cannot reach: no subnet, no route, or a drop route */
	expect_bad(
		"nat:\n" DNAT "to: \"172.16.0.5:80\" }\n",
		"t.yaml:10: key 'to': 172.16.0.5 is outside every connected subnet and route (the target must "
		"be reachable)");
	expect_bad(
		"nat:\n" DNAT "to: \"198.51.100.200:80\" }\n",
		"t.yaml:10: key 'to': 198.51.100.200 is outside every connected subnet and route (the target "
		"must be reachable)");

	/* the same forward twice */
	expect_bad(
		"nat:\n" DNAT "to: \"10.0.0.5:80\" }\n" DNAT "to: \"10.0.0.6:80\" }\n",
		"t.yaml:11: key 'dport': a dnat rule for 203.0.113.10 tcp/8080 on port p1 is at line 10 already");
}

/* what is not a duplicate: other proto, other port, other dst */
static void
test_nat_not_dup(void)
{
	CU_ASSERT_EQUAL(
		parse(&cfg,
		      "nat:\n" DNAT "to: \"10.0.0.5:80\" }\n"
		      "  - { type: dnat, in: p1, dst: 203.0.113.10, proto: udp, dport: 8080, to: \"10.0.0.5:80\" }\n"
		      "  - { type: dnat, in: p0, dst: 203.0.113.10, proto: tcp, dport: 8080, to: \"10.0.0.5:80\" }\n"
		      "  - { type: dnat, in: p1, dst: 203.0.113.11, proto: tcp, dport: 8080, to: \"10.0.0.5:80\" }\n"),
		0);
	CU_ASSERT_EQUAL(cfg.n_nat, 4);
	hp_config_free(&cfg);
}

/* nat.add reads its JSON with the section's own reading and checks (hp_config_parse_entry) against
 * the running rules, with messages that carry no FILE:LINE of their own; the model's nat operations
 * append, find (a pool as a set) and delete. */
static void
nat_entry(const char *json, int want_rc, const char *want_err, struct hp_nat_rule *out)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	struct hp_nat_rule r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "nat", j, out ? out : &r, err, sizeof(err)), want_rc);
	if (want_err != NULL && strstr(err, want_err) == NULL) {
		fprintf(stderr, "\n  for: %s  expected \"%s\" in \"%s\"\n", json, want_err, err);
		CU_FAIL("message");
	}
	json_decref(j);
}

static void
test_nat_entry(void)
{
	struct hp_nat_rule r, before[4];
	unsigned n;

	CU_ASSERT_EQUAL_FATAL(parse(&cfg, nat_example), 0);
	n = cfg.n_nat;
	memcpy(before, cfg.nat, sizeof(before));
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"p1\", \"src\": \"172.16.0.0/12\", \"to\": [\"203.0.113.20\"], "
		"\"ports\": \"2000-2999\"}",
		0, NULL, &r);
	CU_ASSERT(r.type == HP_NAT_SNAT && r.port == 1 && r.n_to == 1 && r.port_lo == 2000 &&
		  r.port_hi == 2999);
	CU_ASSERT_EQUAL(r.line, 0);
	nat_entry(
		"{\"type\": \"dnat\", \"in\": \"p1\", \"dst\": \"203.0.113.10\", \"proto\": \"tcp\", \"dport\": 8443, "
		"\"to\": \"10.0.0.5:443\"}",
		0, NULL, &r);
	CU_ASSERT(r.type == HP_NAT_DNAT && r.proto == 6 && r.dport == 8443 && r.to_port == 443);
	/* refused against the running rules: the message names the file's line of the other rule */
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"p1\", \"src\": \"172.16.0.0/12\", \"to\": [\"203.0.113.11\"]}",
		-EINVAL,
		"key 'to': 203.0.113.11 is in the pool of the snat rule at line 10 too (pools may not overlap)",
		NULL);
	CU_ASSERT_EQUAL(strncmp(err, "key 'to'", 8), 0); /* no FILE:LINE of its own */
	nat_entry(
		"{\"type\": \"dnat\", \"in\": \"p1\", \"dst\": \"203.0.113.10\", \"proto\": \"tcp\", \"dport\": 8080, "
		"\"to\": \"10.0.0.6:80\"}",
		-EINVAL,
		"key 'dport': a dnat rule for 203.0.113.10 tcp/8080 on port p1 is at line 11 already", NULL);
	nat_entry(
		"{\"type\": \"dnat\", \"in\": \"p1\", \"dst\": \"203.0.113.10\", \"proto\": \"tcp\", \"dport\": 81, "
		"\"to\": \"192.0.2.5:80\"}",
		-EINVAL, "192.0.2.5 is outside every connected subnet and route", NULL);
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"p1\", \"src\": \"2001:db8::/64\", \"to\": [\"203.0.113.20\"]}",
		-EINVAL, "NAT is IPv4 only", NULL);
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"p1\", \"src\": \"172.16.0.0/12\", \"to\": [\"203.0.113.20\"], "
		"\"ports\": \"9-3\"}",
		-EINVAL, "key 'ports'", NULL);
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"x0\", \"src\": \"172.16.0.0/12\", \"to\": [\"203.0.113.20\"]}",
		-EINVAL, "nat needs an l3 port", NULL);
	nat_entry("[1]", -EINVAL, "mapping", NULL);
	/* the running rules are untouched */
	CU_ASSERT_EQUAL(cfg.n_nat, n);
	CU_ASSERT_EQUAL(memcmp(cfg.nat, before, sizeof(before)), 0);

	/* a rule added over the socket (line 0) is named by its index in later messages */
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"p1\", \"src\": \"172.16.0.0/12\", \"to\": [\"203.0.113.21\", "
		"\"203.0.113.20\"]}",
		0, NULL, &r);
	CU_ASSERT_EQUAL(hp_model_nat_add(&cfg, &r, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.n_nat, n + 1);
	nat_entry(
		"{\"type\": \"snat\", \"out\": \"p0\", \"src\": \"10.1.0.0/16\", \"to\": [\"203.0.113.20\"]}",
		-EINVAL, "203.0.113.20 is in the pool of the snat rule 4 (nat.show numbers them) too", NULL);
	/* found by its fields whatever the pool's order; not with another range */
	r.to[0] = cfg.nat[n].to[1];
	r.to[1] = cfg.nat[n].to[0];
	CU_ASSERT_EQUAL(hp_model_nat_find(&cfg, &r), (int)n);
	r.port_hi = 60000;
	CU_ASSERT_EQUAL(hp_model_nat_find(&cfg, &r), -1);
	CU_ASSERT_EQUAL(hp_model_nat_find(&cfg, &before[1]), 1);
	CU_ASSERT_EQUAL(hp_model_nat_del(&cfg, 1, &r), 0);
	CU_ASSERT(r.type == HP_NAT_DNAT && r.dport == 8080);
	CU_ASSERT_EQUAL(cfg.n_nat, n);
	CU_ASSERT_EQUAL(hp_model_nat_find(&cfg, &before[1]), -1);
	CU_ASSERT_EQUAL(hp_model_nat_find(&cfg, &before[3]), 2);
	CU_ASSERT_EQUAL(hp_model_nat_del(&cfg, n, NULL), -ENOENT);
	hp_config_free(&cfg);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"conntrack_defaults", test_conntrack_defaults},
		{"conntrack_keys", test_conntrack_keys},
		{"conntrack_bad", test_conntrack_bad},
		{"acl_state", test_acl_state},
		{"acl_state_bad", test_acl_state_bad},
		{"acl_state_entry", test_acl_state_entry},
		{"nat", test_nat},
		{"nat_pool_max", test_nat_pool_max},
		{"nat_bad", test_nat_bad},
		{"nat_not_dup", test_nat_not_dup},
		{"nat_entry", test_nat_entry},
	};

	return HP_CUNIT_RUN("config_ct", tests);
}
