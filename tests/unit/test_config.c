/* Unit tests of the YAML config: every field of a good file, a table of bad files with their exact line, the shared parsers, and mutated input. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "config.h"

/* Big structs live here, not on the stack. */
static struct hp_config cfg, cfg2;
static char err[HP_ERR_MAX];

/* DESIGN.md's example less the sections not accepted yet (neighbors, routes,
 * acl_default, acl, xdp). Line numbers below refer to this text. */
static const char good_yaml[] =
	"eal: [-l, \"0-1\", --in-memory]        # EAL arguments; `hotpathd -c F -- ARGS` overrides\n" /* 1 */
	"control: { socket: /run/hotpath/hotpath.sock, metrics: \"127.0.0.1:9469\" }\n"          /* 2 */
	"ports:\n"                                                                                  /* 3 */
	"  - name: p0\n"                                                                            /* 4 */
	"    device: \"net_pcap0,rx_pcap=in.pcap,tx_pcap=out0.pcap\"\n"                            /* 5 */
	"    queues: 1                        # RX = TX queues; RSS over them when > 1\n"          /* 6 */
	"    mac: \"02:00:00:00:00:01\"\n"                                                          /* 7 */
	"    ipv4: [\"10.0.0.1/24\"]\n"                                                             /* 8 */
	"    ipv6: [\"2001:db8:0::1/64\"]\n"                                                        /* 9 */
	"    mode: l3                         # l3 | xconnect\n"                                    /* 10 */
	"  - { name: p1, device: \"net_pcap1,rx_pcap=empty.pcap,tx_pcap=out1.pcap\",\n"            /* 11 */
	"      mac: \"02:00:00:00:01:01\", ipv4: [\"10.0.1.1/24\"] }\n"                            /* 12 */
	"workers:                             # optional; default spreads queues over worker lcores\n" /* 13 */
	"  - { lcore: 1, queues: [p0/0, p1/0] }\n";                                                /* 14 */

static int
parse(const char *name, const char *text, struct hp_config *c)
{
	return hp_config_parse(name, text, strlen(text), c, err, sizeof(err));
}

static void
test_good_example(void)
{
	static const uint8_t a0[4] = { 10, 0, 0, 1 }, a1[4] = { 10, 0, 1, 1 };
	static const uint8_t mac0[6] = { 2, 0, 0, 0, 0, 1 }, mac1[6] = { 2, 0, 0, 0, 1, 1 };
	uint8_t a6[16];
	int rc = parse("good.yaml", good_yaml, &cfg);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_STRING_EQUAL(cfg.file, "good.yaml");

	CU_ASSERT_EQUAL(cfg.n_eal_args, 3);
	CU_ASSERT_EQUAL(cfg.eal_line, 1);
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[0], "-l");
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[1], "0-1");
	CU_ASSERT_STRING_EQUAL(cfg.eal_args[2], "--in-memory");
	CU_ASSERT_PTR_NULL(cfg.eal_args[3]);

	CU_ASSERT_STRING_EQUAL(cfg.control_socket, "/run/hotpath/hotpath.sock");
	CU_ASSERT_STRING_EQUAL(cfg.metrics, "127.0.0.1:9469");
	CU_ASSERT_EQUAL(cfg.mbufs, 0);

	CU_ASSERT_EQUAL_FATAL(cfg.n_ports, 2);
	const struct hp_port_conf *p0 = &cfg.ports[0], *p1 = &cfg.ports[1];

	CU_ASSERT_STRING_EQUAL(p0->name, "p0");
	CU_ASSERT_STRING_EQUAL(p0->device, "net_pcap0,rx_pcap=in.pcap,tx_pcap=out0.pcap");
	CU_ASSERT_EQUAL(p0->queues, 1);
	CU_ASSERT_EQUAL(p0->rx_desc, HP_DEFAULT_RX_DESC);
	CU_ASSERT_EQUAL(p0->tx_desc, HP_DEFAULT_TX_DESC);
	CU_ASSERT_TRUE(p0->has_mac);
	CU_ASSERT_EQUAL(memcmp(p0->mac, mac0, 6), 0);
	CU_ASSERT_EQUAL(p0->mode, HP_MODE_L3);
	CU_ASSERT_EQUAL(p0->peer, -1);
	CU_ASSERT_EQUAL(p0->peer_line, 0);
	CU_ASSERT_EQUAL(p0->line, 4);
	CU_ASSERT_EQUAL_FATAL(p0->n_ipv4, 1);
	CU_ASSERT_EQUAL(p0->ipv4[0].family, AF_INET);
	CU_ASSERT_EQUAL(p0->ipv4[0].len, 24);
	CU_ASSERT_EQUAL(memcmp(p0->ipv4[0].addr, a0, 4), 0);
	CU_ASSERT_EQUAL_FATAL(p0->n_ipv6, 1);
	CU_ASSERT_EQUAL(inet_pton(AF_INET6, "2001:db8::1", a6), 1);
	CU_ASSERT_EQUAL(p0->ipv6[0].family, AF_INET6);
	CU_ASSERT_EQUAL(p0->ipv6[0].len, 64);
	CU_ASSERT_EQUAL(memcmp(p0->ipv6[0].addr, a6, 16), 0);

	CU_ASSERT_STRING_EQUAL(p1->name, "p1");
	CU_ASSERT_STRING_EQUAL(p1->device, "net_pcap1,rx_pcap=empty.pcap,tx_pcap=out1.pcap");
	CU_ASSERT_EQUAL(p1->queues, 1);
	CU_ASSERT_EQUAL(p1->rx_desc, 1024);
	CU_ASSERT_EQUAL(p1->tx_desc, 1024);
	CU_ASSERT_TRUE(p1->has_mac);
	CU_ASSERT_EQUAL(memcmp(p1->mac, mac1, 6), 0);
	CU_ASSERT_EQUAL(p1->mode, HP_MODE_L3);
	CU_ASSERT_EQUAL(p1->peer, -1);
	CU_ASSERT_EQUAL(p1->line, 11);
	CU_ASSERT_EQUAL_FATAL(p1->n_ipv4, 1);
	CU_ASSERT_EQUAL(p1->ipv4[0].len, 24);
	CU_ASSERT_EQUAL(memcmp(p1->ipv4[0].addr, a1, 4), 0);
	CU_ASSERT_EQUAL(p1->n_ipv6, 0);

	CU_ASSERT_TRUE(cfg.has_workers);
	CU_ASSERT_EQUAL_FATAL(cfg.n_workers, 1);
	CU_ASSERT_EQUAL(cfg.workers[0].lcore, 1);
	CU_ASSERT_EQUAL(cfg.workers[0].line, 14);
	CU_ASSERT_EQUAL(cfg.workers[0].lcore_line, 14);
	CU_ASSERT_EQUAL_FATAL(cfg.workers[0].n_queues, 2);
	CU_ASSERT_EQUAL(cfg.workers[0].queues[0].port, 0);
	CU_ASSERT_EQUAL(cfg.workers[0].queues[0].queue, 0);
	CU_ASSERT_EQUAL(cfg.workers[0].queues[1].port, 1);
	CU_ASSERT_EQUAL(cfg.workers[0].queues[1].queue, 0);

	CU_ASSERT_EQUAL(hp_config_port_index(&cfg, "p0"), 0);
	CU_ASSERT_EQUAL(hp_config_port_index(&cfg, "p1"), 1);
	CU_ASSERT_EQUAL(hp_config_port_index(&cfg, "p2"), -1);
	hp_config_free(&cfg);
	CU_ASSERT_PTR_NULL(cfg.eal_args[0]);
	CU_ASSERT_EQUAL(cfg.n_eal_args, 0);
	hp_config_free(&cfg); /* twice is harmless */
}

/* DESIGN.md's whole example: the sections of later features are refused, at their line. */
static void
test_later_keys(void)
{
	static const char tail_neigh[] =
		"neighbors:\n"                                                          /* 15 */
		"  - { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 }\n";        /* 16 */
	static const char tail_rest[] =
		"routes:\n"
		"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"
		"  - { prefix: 203.0.113.0/24, action: drop }\n"
		"acl_default: permit\n"
		"acl:\n"
		"  - { priority: 100, src: 10.0.0.0/8, proto: udp, dport: \"5000-5010\", action: deny }\n"
		"xdp:\n"
		"  - { iface: eth1, mode: native, pass: [arp, \"tcp/22\"], block: [\"192.0.2.0/24\"] }\n";
	char text[4096];
	int rc;

	snprintf(text, sizeof(text), "%s%s%s", good_yaml, tail_neigh, tail_rest);
	rc = parse("design.yaml", text, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "design.yaml:15: unknown key 'neighbors' at top level", 52), 0);

	snprintf(text, sizeof(text), "%s%s", good_yaml, tail_rest);
	rc = parse("design.yaml", text, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "design.yaml:15: unknown key 'routes' at top level (expected one "
				    "of: eal, control, mbufs, ports, workers)");
}

/* Minimal config: defaults everywhere. */
static void
test_defaults(void)
{
	int rc = parse("min.yaml", "ports:\n  - name: p0\n    device: net_null0\n", &cfg);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_eal_args, 0);
	CU_ASSERT_PTR_NULL(cfg.eal_args[0]);
	CU_ASSERT_EQUAL(cfg.eal_line, 0);
	CU_ASSERT_STRING_EQUAL(cfg.control_socket, HP_DEFAULT_SOCKET);
	CU_ASSERT_STRING_EQUAL(cfg.metrics, HP_DEFAULT_METRICS);
	CU_ASSERT_EQUAL(cfg.mbufs, 0);
	CU_ASSERT_FALSE(cfg.has_workers);
	CU_ASSERT_EQUAL(cfg.n_workers, 0);
	CU_ASSERT_EQUAL_FATAL(cfg.n_ports, 1);
	CU_ASSERT_EQUAL(cfg.ports[0].queues, 1);
	CU_ASSERT_EQUAL(cfg.ports[0].rx_desc, 1024);
	CU_ASSERT_EQUAL(cfg.ports[0].tx_desc, 1024);
	CU_ASSERT_FALSE(cfg.ports[0].has_mac);
	CU_ASSERT_EQUAL(cfg.ports[0].mode, HP_MODE_L3);
	CU_ASSERT_EQUAL(cfg.ports[0].peer, -1);
	CU_ASSERT_EQUAL(cfg.ports[0].n_ipv4, 0);
	CU_ASSERT_EQUAL(cfg.ports[0].n_ipv6, 0);
	CU_ASSERT_EQUAL(cfg.ports[0].line, 2);
	hp_config_free(&cfg);
}

/*
 * Everything else the schema allows: workers before ports (forward queue refs),
 * xconnect peers named before they are defined, a port that is its own peer,
 * PCI devices, descriptor counts, mbufs, IPv6 and host-name metrics.
 */
static const char full_block[] =
	"workers:\n"                                      /* 1 */
	"  - lcore: 2\n"                                  /* 2 */
	"    queues: [x0/1, x1/1, p0/0]\n"                /* 3 */
	"  - lcore: 127\n"                                /* 4 */
	"    queues:\n"                                   /* 5 */
	"      - x0/0\n"                                  /* 6 */
	"      - x1/0\n"                                  /* 7 */
	"      - self/0\n"                                /* 8 */
	"mbufs: 16777216\n"                               /* 9 */
	"control:\n"                                      /* 10 */
	"  metrics: \"[::1]:9100\"\n"                     /* 11 */
	"  socket: /tmp/hp.sock\n"                        /* 12 */
	"eal:\n"                                          /* 13 */
	"  - -l\n"                                        /* 14 */
	"  - 0,2,127\n"                                   /* 15 */
	"ports:\n"                                        /* 16 */
	"  - name: x0\n"                                  /* 17 */
	"    device: 0000:3b:00.0\n"                      /* 18 */
	"    mode: xconnect\n"                            /* 19 */
	"    peer: x1\n"                                  /* 20 */
	"    queues: 2\n"                                 /* 21 */
	"    rx_desc: 64\n"                               /* 22 */
	"    tx_desc: 32768\n"                            /* 23 */
	"  - name: x1\n"                                  /* 24 */
	"    device: 3b:00.1,txq_inline=128\n"            /* 25 */
	"    peer: x0\n"                                  /* 26 */
	"    mode: xconnect\n"                            /* 27 */
	"    queues: 64\n"                                /* 28 */
	"  - name: self\n"                                /* 29 */
	"    device: net_memif0,role=server,socket=/run/hotpath/m0.sock\n" /* 30 */
	"    mode: xconnect\n"                            /* 31 */
	"    peer: self\n"                                /* 32 */
	"  - name: p0\n"                                  /* 33 */
	"    device: net_null_1\n"                        /* 34 */
	"    ipv4: [192.0.2.77/0, 0.0.0.0/32, 10.1.2.3/8]\n" /* 35 */
	"    ipv6: [\"::/0\", \"fe80::1/128\", \"::ffff:10.0.0.1/96\"]\n"; /* 36 */

/* The same in flow style, on a few lines. */
static const char full_flow[] =
	"{ workers: [ { lcore: 2, queues: [x0/1, x1/1, p0/0] },\n"
	"             { lcore: 127, queues: [x0/0, x1/0, self/0] } ],\n"
	"  mbufs: 16777216, control: { metrics: \"[::1]:9100\", socket: /tmp/hp.sock },\n"
	"  eal: [-l, \"0,2,127\"],\n"
	"  ports: [ { name: x0, device: \"0000:3b:00.0\", mode: xconnect, peer: x1, queues: 2,\n"
	"             rx_desc: 64, tx_desc: 32768 },\n"
	"           { name: x1, device: \"3b:00.1,txq_inline=128\", peer: x0, mode: xconnect,\n"
	"             queues: 64 },\n"
	"           { name: self, device: \"net_memif0,role=server,socket=/run/hotpath/m0.sock\",\n"
	"             mode: xconnect, peer: self },\n"
	"           { name: p0, device: net_null_1,\n"
	"             ipv4: [192.0.2.77/0, 0.0.0.0/32, 10.1.2.3/8],\n"
	"             ipv6: [\"::/0\", \"fe80::1/128\", \"::ffff:10.0.0.1/96\"] } ] }\n";

static void
check_full(const struct hp_config *c)
{
	CU_ASSERT_EQUAL_FATAL(c->n_eal_args, 2);
	CU_ASSERT_STRING_EQUAL(c->eal_args[1], "0,2,127");
	CU_ASSERT_PTR_NULL(c->eal_args[2]);
	CU_ASSERT_EQUAL(c->mbufs, 16777216);
	CU_ASSERT_STRING_EQUAL(c->metrics, "[::1]:9100");
	CU_ASSERT_STRING_EQUAL(c->control_socket, "/tmp/hp.sock");
	CU_ASSERT_EQUAL_FATAL(c->n_ports, 4);
	CU_ASSERT_STRING_EQUAL(c->ports[0].device, "0000:3b:00.0");
	CU_ASSERT_EQUAL(c->ports[0].mode, HP_MODE_XCONNECT);
	CU_ASSERT_EQUAL(c->ports[0].peer, 1);
	CU_ASSERT_EQUAL(c->ports[0].queues, 2);
	CU_ASSERT_EQUAL(c->ports[0].rx_desc, 64);
	CU_ASSERT_EQUAL(c->ports[0].tx_desc, 32768);
	CU_ASSERT_EQUAL(c->ports[1].mode, HP_MODE_XCONNECT);
	CU_ASSERT_EQUAL(c->ports[1].peer, 0);
	CU_ASSERT_EQUAL(c->ports[1].queues, 64);
	CU_ASSERT_EQUAL(c->ports[2].peer, 2);
	CU_ASSERT_EQUAL(c->ports[3].mode, HP_MODE_L3);
	CU_ASSERT_EQUAL(c->ports[3].peer, -1);
	CU_ASSERT_EQUAL_FATAL(c->ports[3].n_ipv4, 3);
	CU_ASSERT_EQUAL(c->ports[3].ipv4[0].len, 0);
	CU_ASSERT_EQUAL(c->ports[3].ipv4[0].addr[3], 77); /* host bits kept */
	CU_ASSERT_EQUAL(c->ports[3].ipv4[1].len, 32);
	CU_ASSERT_EQUAL(c->ports[3].ipv4[2].addr[0], 10);
	CU_ASSERT_EQUAL_FATAL(c->ports[3].n_ipv6, 3);
	CU_ASSERT_EQUAL(c->ports[3].ipv6[0].len, 0);
	CU_ASSERT_EQUAL(c->ports[3].ipv6[1].len, 128);
	CU_ASSERT_EQUAL(c->ports[3].ipv6[1].addr[0], 0xfe);
	CU_ASSERT_EQUAL(c->ports[3].ipv6[2].addr[10], 0xff);
	CU_ASSERT_TRUE(c->has_workers);
	CU_ASSERT_EQUAL_FATAL(c->n_workers, 2);
	CU_ASSERT_EQUAL(c->workers[0].lcore, 2);
	CU_ASSERT_EQUAL(c->workers[1].lcore, 127);
	CU_ASSERT_EQUAL_FATAL(c->workers[0].n_queues, 3);
	CU_ASSERT_EQUAL(c->workers[0].queues[0].port, 0);
	CU_ASSERT_EQUAL(c->workers[0].queues[0].queue, 1);
	CU_ASSERT_EQUAL(c->workers[0].queues[1].port, 1);
	CU_ASSERT_EQUAL(c->workers[0].queues[1].queue, 1);
	CU_ASSERT_EQUAL(c->workers[0].queues[2].port, 3);
	CU_ASSERT_EQUAL_FATAL(c->workers[1].n_queues, 3);
	CU_ASSERT_EQUAL(c->workers[1].queues[2].port, 2);
	CU_ASSERT_EQUAL(c->workers[1].queues[2].queue, 0);
}

/* The two parses agree on every field but source lines. */
static void
check_same(const struct hp_config *a, const struct hp_config *b)
{
	CU_ASSERT_EQUAL_FATAL(a->n_eal_args, b->n_eal_args);
	for (unsigned i = 0; i < a->n_eal_args; i++)
		CU_ASSERT_STRING_EQUAL(a->eal_args[i], b->eal_args[i]);
	CU_ASSERT_STRING_EQUAL(a->control_socket, b->control_socket);
	CU_ASSERT_STRING_EQUAL(a->metrics, b->metrics);
	CU_ASSERT_EQUAL(a->mbufs, b->mbufs);
	CU_ASSERT_EQUAL_FATAL(a->n_ports, b->n_ports);
	for (unsigned i = 0; i < a->n_ports; i++) {
		const struct hp_port_conf *x = &a->ports[i], *y = &b->ports[i];

		CU_ASSERT_STRING_EQUAL(x->name, y->name);
		CU_ASSERT_STRING_EQUAL(x->device, y->device);
		CU_ASSERT_EQUAL(x->queues, y->queues);
		CU_ASSERT_EQUAL(x->rx_desc, y->rx_desc);
		CU_ASSERT_EQUAL(x->tx_desc, y->tx_desc);
		CU_ASSERT_EQUAL(x->has_mac, y->has_mac);
		CU_ASSERT_EQUAL(memcmp(x->mac, y->mac, 6), 0);
		CU_ASSERT_EQUAL(x->mode, y->mode);
		CU_ASSERT_EQUAL(x->peer, y->peer);
		CU_ASSERT_EQUAL_FATAL(x->n_ipv4, y->n_ipv4);
		CU_ASSERT_EQUAL_FATAL(x->n_ipv6, y->n_ipv6);
		CU_ASSERT_EQUAL(memcmp(x->ipv4, y->ipv4, x->n_ipv4 * sizeof(x->ipv4[0])), 0);
		CU_ASSERT_EQUAL(memcmp(x->ipv6, y->ipv6, x->n_ipv6 * sizeof(x->ipv6[0])), 0);
	}
	CU_ASSERT_EQUAL(a->has_workers, b->has_workers);
	CU_ASSERT_EQUAL_FATAL(a->n_workers, b->n_workers);
	for (unsigned i = 0; i < a->n_workers; i++) {
		CU_ASSERT_EQUAL(a->workers[i].lcore, b->workers[i].lcore);
		CU_ASSERT_EQUAL_FATAL(a->workers[i].n_queues, b->workers[i].n_queues);
		for (unsigned k = 0; k < a->workers[i].n_queues; k++) {
			CU_ASSERT_EQUAL(a->workers[i].queues[k].port, b->workers[i].queues[k].port);
			CU_ASSERT_EQUAL(a->workers[i].queues[k].queue, b->workers[i].queues[k].queue);
		}
	}
}

static void
test_block_and_flow(void)
{
	int rc = parse("block.yaml", full_block, &cfg);

	if (rc)
		printf("\n  block: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	check_full(&cfg);
	CU_ASSERT_EQUAL(cfg.eal_line, 14);
	CU_ASSERT_EQUAL(cfg.ports[0].line, 17);
	CU_ASSERT_EQUAL(cfg.ports[0].peer_line, 20);
	CU_ASSERT_EQUAL(cfg.ports[1].peer_line, 26);
	CU_ASSERT_EQUAL(cfg.workers[1].line, 4);
	CU_ASSERT_EQUAL(cfg.workers[1].lcore_line, 4);

	rc = parse("flow.yaml", full_flow, &cfg2);
	if (rc)
		printf("\n  flow: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	check_full(&cfg2);
	check_same(&cfg, &cfg2);
	CU_ASSERT_EQUAL(cfg2.ports[1].line, 7);
	CU_ASSERT_EQUAL(cfg2.workers[1].line, 2);
	hp_config_free(&cfg);
	hp_config_free(&cfg2);
}

/* Anchors and aliases are plain YAML: allowed where they make sense. */
static void
test_aliases(void)
{
	static const char text[] =
		"eal: &args [-l, \"0-1\"]\n"
		"ports:\n"
		"  - { name: p0, device: net_null0, ipv4: &v4 [10.0.0.1/24] }\n"
		"  - { name: p1, device: net_null1, ipv4: *v4 }\n";
	int rc = parse("alias.yaml", text, &cfg);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.ports[1].n_ipv4, 1);
	hp_config_free(&cfg);
}

struct bad_case {
	const char *yaml;
	unsigned line;
	const char *msg; /* expected substring */
};

#define P0 "ports:\n  - { name: p0, device: net_null0 }\n" /* two lines */
#define PORT(keys) "ports:\n  - name: p0\n    device: net_null0\n    " keys "\n" /* keys on line 4 */

static const struct bad_case bad_cases[] = {
	/* document shape */
	{ "", 1, "expected a mapping with a ports: section" },
	{ "# only a comment\n\n", 1, "expected a mapping with a ports: section" },
	{ "hello\n", 1, "expected a mapping with a ports: section" },
	{ "- a\n- b\n", 1, "expected a mapping with a ports: section" },
	{ "eal: [-l, \"0-1\"]\ncontrol: { socket: /x }\n", 1,
	  "expected a mapping with a ports: section" },
	{ P0 "---\nports: []\n", 4, "found a second one" },
	{ "? [a]\n: b\n" P0, 1, "expected a plain key at top level" },

	/* unknown keys */
	{ P0 "bogus: 1\n", 3, "unknown key 'bogus' at top level" },
	{ P0 "routes:\n  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n", 3, "unknown key 'routes' at top level" },
	{ P0 "neighbors: []\n", 3, "unknown key 'neighbors'" },
	{ P0 "acl_default: permit\n", 3, "unknown key 'acl_default'" },
	{ P0 "xdp: []\n", 3, "unknown key 'xdp'" },
	{ PORT("speed: 10G"), 4, "unknown key 'speed' in port" },
	{ P0 "workers:\n  - { lcore: 1, queues: [p0/0],\n      prio: 1 }\n", 5,
	  "unknown key 'prio' in worker" },
	{ "control:\n  sock: /x\n" P0, 2, "unknown key 'sock' in control" },
	{ "Ports:\n  - { name: p0, device: net_null0 }\n", 1, "unknown key 'Ports'" },

	/* duplicate keys */
	{ PORT("queues: 1\n    queues: 2"), 5, "duplicate key 'queues' in port (first at line 4)" },
	{ P0 P0, 3, "duplicate key 'ports' at top level (first at line 1)" },
	{ "control: { socket: /a, socket: /b }\n" P0, 1, "duplicate key 'socket'" },
	{ P0 "workers:\n  - { lcore: 1, lcore: 2, queues: [p0/0] }\n", 4, "duplicate key 'lcore'" },

	/* ports */
	{ "ports:\n", 1, "key 'ports': expected a sequence" },
	{ "ports: []\n", 1, "key 'ports': expected at least one port" },
	{ "ports: {}\n", 1, "key 'ports': expected a sequence (found a mapping)" },
	{ "ports: p0\n", 1, "key 'ports': expected a sequence (found a scalar)" },
	{ "ports:\n  - p0\n", 2, "expected each port to be a mapping" },
	{ "ports: &a [*a]\n", 1, "expected each port to be a mapping" },
	{ "ports:\n  - device: net_null0\n", 2, "missing required key 'name' in port" },
	{ "ports:\n  - name: p0\n", 2, "missing required key 'device' in port" },
	{ "ports:\n  - {}\n", 2, "missing required key 'name'" },
	{ "ports:\n  - { name: p0, device: net_null0 }\n  - { name: p0, device: net_null1 }\n", 3,
	  "duplicate port name 'p0' (first at line 2)" },
	{ "ports:\n  - { name: \"\", device: net_null0 }\n", 2, "bad port name ''" },
	{ "ports:\n  - { name: \"p 0\", device: net_null0 }\n", 2, "bad port name 'p 0'" },
	{ "ports:\n  - { name: p0/1, device: net_null0 }\n", 2, "bad port name" },
	{ "ports:\n  - { name: p23456789012345678901234567890123, device: net_null0 }\n", 2,
	  "bad port name" },
	{ "ports:\n  - { name: [p0], device: net_null0 }\n", 2,
	  "key 'name': expected a port name (found a sequence)" },
	{ "ports:\n  - { name: \"p\\0\", device: net_null0 }\n", 2, "NUL byte" },

	/* devices */
	{ "ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap=a.pcap\" }\n"
	  "  - { name: p1, device: \"net_pcap0,rx_pcap=b.pcap\" }\n",
	  3, "duplicate device 'net_pcap0' (first used by port 'p0' at line 2)" },
	{ "ports:\n  - { name: p0, device: \"0000:3b:00.0\" }\n"
	  "  - { name: p1, device: \"3B:00.0,txq_inline=1\" }\n",
	  3, "duplicate device '0000:3b:00.0'" },
	{ PORT("device: net_null1"), 4, "duplicate key 'device'" },
	{ "ports:\n  - { name: p0, device: \"net_pcap0, rx_pcap=a.pcap\" }\n", 2,
	  "key 'device': bad devargs 'net_pcap0, rx_pcap=a.pcap'" },
	{ "ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap=a\\tb\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: \"net_pcap0,=a.pcap\" }\n", 2, "empty key" },
	{ "ports:\n  - { name: p0, device: net_ }\n", 2, "bad devargs 'net_': expected a PCI address" },
	{ "ports:\n  - { name: p0, device: foo }\n", 2, "bad devargs 'foo': expected a PCI address" },
	{ "ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap\" }\n", 2, "missing '='" },
	{ "ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap=\" }\n", 2, "empty value" },
	{ "ports:\n  - { name: p0, device: \"net_null0,\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: \"net_null0,,a=b\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: net_PCAP0 }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: net_0 }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: \"0000:3b:20.0\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: \"0000:3b:00.8\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: \"000:3b:00.0\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: \"0000:3b:00.0,a=[1,2\" }\n", 2, "unbalanced '['" },
	{ "ports:\n  - { name: p0, device: \"\" }\n", 2, "bad devargs" },
	{ "ports:\n  - { name: p0, device: 12 }\n", 2, "bad devargs" },

	/* MAC */
	{ PORT("mac: \"02:00:00:00:00\""), 4, "key 'mac': bad MAC address '02:00:00:00:00'" },
	{ PORT("mac: \"02-00-00-00-00-01\""), 4, "bad MAC address" },
	{ PORT("mac: \"02:00:00:00:00:0g\""), 4, "bad MAC address" },
	{ PORT("mac: \"02:00:00:00:00:001\""), 4, "bad MAC address" },
	{ PORT("mac: \"2:0:0:0:0:1\""), 4, "bad MAC address" },
	{ PORT("mac: 12"), 4, "bad MAC address" },
	{ PORT("mac: [02, 00]"), 4, "key 'mac': expected a MAC address (found a sequence)" },
	{ PORT("mac: \"01:00:5e:00:00:01\""), 4, "multicast" },
	{ PORT("mac: \"ff:ff:ff:ff:ff:ff\""), 4, "multicast" },
	{ PORT("mac: \"00:00:00:00:00:00\""), 4, "not all zeros" },

	/* addresses */
	{ PORT("ipv4: [10.0.0.1/33]"), 4, "key 'ipv4': bad address '10.0.0.1/33'" },
	{ PORT("ipv4: [300.1.1.1/24]"), 4, "bad address '300.1.1.1/24'" },
	{ PORT("ipv4: [10.0.0.1]"), 4, "bad address '10.0.0.1'" },
	{ PORT("ipv4: [10.0.0.1/]"), 4, "bad address" },
	{ PORT("ipv4: [10.0.0.1/-1]"), 4, "bad address" },
	{ PORT("ipv4: [10.0.0/24]"), 4, "bad address" },
	{ PORT("ipv4: [\"2001:db8::1/64\"]"), 4, "bad address" },
	{ PORT("ipv4: 10.0.0.1/24"), 4, "key 'ipv4': expected a sequence" },
	{ PORT("ipv4:\n      - 10.0.0.1/24\n      - [10.0.0.2/24]"), 6,
	  "key 'ipv4': expected an IPv4 address" },
	{ PORT("ipv4: [1.0.0.1/8, 1.0.0.2/8, 1.0.0.3/8, 1.0.0.4/8, 1.0.0.5/8, 1.0.0.6/8, 1.0.0.7/8, "
	       "1.0.0.8/8, 1.0.0.9/8, 1.0.0.10/8, 1.0.0.11/8, 1.0.0.12/8, 1.0.0.13/8, 1.0.0.14/8, "
	       "1.0.0.15/8, 1.0.0.16/8, 1.0.0.17/8]"),
	  4, "at most 16 addresses" },
	{ PORT("ipv6: [\"2001:db8::1/129\"]"), 4, "key 'ipv6': bad address '2001:db8::1/129'" },
	{ PORT("ipv6: [\"2001:db8::g/64\"]"), 4, "bad address" },
	{ PORT("ipv6: [\"2001:db8::1\"]"), 4, "bad address" },
	{ PORT("ipv6: [10.0.0.1/24]"), 4, "bad address" },
	{ PORT("ipv6: [\"fe80::1%eth0/64\"]"), 4, "bad address" },

	/* numbers */
	{ PORT("queues: 0"), 4, "key 'queues': expected an integer between 1 and 64" },
	{ PORT("queues: 65"), 4, "key 'queues': expected an integer between 1 and 64" },
	{ PORT("queues: two"), 4, "key 'queues': expected an integer between 1 and 64" },
	{ PORT("queues: -1"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: +2"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: 2.0"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: 0x2"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: 02"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: \" 2\""), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: 99999999999999999999999999"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues: [2]"), 4, "expected an integer between 1 and 64" },
	{ PORT("queues:"), 4, "expected an integer between 1 and 64" },
	{ PORT("rx_desc: 100"), 4, "key 'rx_desc': expected a power of two between 64 and 32768" },
	{ PORT("rx_desc: 32"), 4, "key 'rx_desc': expected a power of two" },
	{ PORT("tx_desc: 65536"), 4, "key 'tx_desc': expected a power of two" },
	{ PORT("tx_desc: 0"), 4, "key 'tx_desc': expected a power of two" },
	{ "mbufs: 1023\n" P0, 1, "key 'mbufs': expected an integer between 1024 and 16777216" },
	{ "mbufs: 16777217\n" P0, 1, "key 'mbufs': expected an integer between 1024 and 16777216" },

	/* mode and peer */
	{ PORT("mode: bridge"), 4, "key 'mode': expected l3 or xconnect" },
	{ PORT("mode: L3"), 4, "key 'mode': expected l3 or xconnect" },
	{ "ports:\n  - name: p0\n    device: net_null0\n    mode: xconnect\n", 2,
	  "port 'p0': mode xconnect needs a peer" },
	{ PORT("mode: xconnect\n    peer: p9"), 5, "key 'peer': unknown peer 'p9'" },
	{ "ports:\n  - { name: p0, device: net_null0, peer: p1, mode: xconnect }\n"
	  "  - { name: p1, device: net_null1, mode: xconnect,\n      peer: nope }\n",
	  4, "unknown peer 'nope'" },
	{ PORT("mode: l3\n    peer: p0"), 5, "key 'peer': only valid with mode: xconnect" },
	{ PORT("peer: p0"), 4, "key 'peer': only valid with mode: xconnect" },
	{ PORT("mode: xconnect\n    peer: [p0]"), 5, "key 'peer': expected a port name" },

	/* workers */
	{ P0 "workers:\n  - { lcore: 1, queues: [p9/0] }\n", 4, "queue p9/0: unknown port 'p9'" },
	{ "ports:\n  - { name: p0, device: net_null0, queues: 2 }\n"
	  "workers:\n  - { lcore: 1, queues: [p0/0, p0/1,\n      p0/3] }\n",
	  5, "queue p0/3 out of range: port p0 has 2 queues" },
	{ P0 "workers:\n  - { lcore: 1, queues: [p0/1] }\n", 4,
	  "queue p0/1 out of range: port p0 has 1 queue" },
	{ P0 "workers:\n  - { lcore: 1, queues: [p0-0] }\n", 4, "bad queue 'p0-0'" },
	{ P0 "workers:\n  - { lcore: 1, queues: [p0/x] }\n", 4, "bad queue 'p0/x'" },
	{ P0 "workers:\n  - { lcore: 1, queues: [/0] }\n", 4, "bad queue" },
	{ P0 "workers:\n  - lcore: 1\n    queues: [p0/0]\n  - lcore: 2\n    queues:\n      - p0/0\n", 8,
	  "queue p0/0 is owned by two workers (lcore 1 at line 5 and lcore 2 at line 8)" },
	{ "workers:\n  - lcore: 1\n    queues: [p0/0]\n  - lcore: 2\n    queues: [p0/0]\n" P0, 5,
	  "queue p0/0 is owned by two workers (lcore 1 at line 3 and lcore 2 at line 5)" },
	{ P0 "workers:\n  - lcore: 1\n    queues: [p0/0,\n      p0/0]\n", 6,
	  "queue p0/0 is listed twice for lcore 1 (first at line 5)" },
	{ P0 "workers:\n  - { lcore: 1, queues: [p0/0] }\n  - { lcore: 1, queues: [p0/0] }\n", 5,
	  "duplicate lcore 1 (first at line 4)" },
	{ P0 "workers:\n  - { lcore: 128, queues: [p0/0] }\n", 4,
	  "key 'lcore': expected an integer between 0 and 127" },
	{ P0 "workers:\n  - { lcore: -1, queues: [p0/0] }\n", 4, "key 'lcore': expected an integer" },
	{ P0 "workers:\n  - { queues: [p0/0] }\n", 4, "missing required key 'lcore' in worker" },
	{ P0 "workers:\n  - { lcore: 1 }\n", 4, "missing required key 'queues' in worker" },
	{ P0 "workers:\n  - { lcore: 1, queues: [] }\n", 4, "key 'queues': expected 1 to 64 queues" },
	{ P0 "workers:\n  - { lcore: 1, queues: p0/0 }\n", 4, "key 'queues': expected a sequence" },
	{ P0 "workers:\n  - { lcore: 1, queues: [[p0/0]] }\n", 4, "key 'queues': expected PORT/QUEUE" },
	{ P0 "workers: []\n", 3, "key 'workers': expected at least one worker" },
	{ P0 "workers: { lcore: 1 }\n", 3, "key 'workers': expected a sequence (found a mapping)" },
	{ P0 "workers:\n  - 1\n", 4, "expected each worker to be a mapping" },

	/* eal and control */
	{ "eal: \"-l 0-1\"\n" P0, 1, "key 'eal': expected a sequence (found a scalar)" },
	{ "eal: [-l, [0, 1]]\n" P0, 1, "key 'eal': expected a string (found a sequence)" },
	{ "eal: [-l, \"\"]\n" P0, 1, "key 'eal': expected a non-empty argument" },
	{ "control: [a]\n" P0, 1, "key 'control': expected a mapping (found a sequence)" },
	{ "control: /run/x.sock\n" P0, 1, "key 'control': expected a mapping (found a scalar)" },
	{ "control: { socket: run/hotpath.sock }\n" P0, 1,
	  "key 'socket': expected an absolute path (starting with /)" },
	{ "control: { socket: \"\" }\n" P0, 1, "key 'socket': expected an absolute path" },
	{ "control: { socket: /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }\n" P0, 1, "key 'socket': path too long" },
	{ "control: { metrics: \"127.0.0.1\" }\n" P0, 1, "key 'metrics': bad address '127.0.0.1'" },
	{ "control: { metrics: \"127.0.0.1:0\" }\n" P0, 1, "key 'metrics': bad address" },
	{ "control: { metrics: \"127.0.0.1:65536\" }\n" P0, 1, "key 'metrics': bad address" },
	{ "control: { metrics: \"127.0.0.1:http\" }\n" P0, 1, "key 'metrics': bad address" },
	{ "control: { metrics: \"::1:9469\" }\n" P0, 1, "must be in brackets" },
	{ "control: { metrics: \"[::g]:9469\" }\n" P0, 1, "bad IPv6 address" },
	{ "control: { metrics: \"[::1:9469\" }\n" P0, 1, "key 'metrics': bad address" },
	{ "control: { metrics: \"300.0.0.1:80\" }\n" P0, 1, "bad IPv4 address" },
	{ "control: { metrics: \"bad_host:80\" }\n" P0, 1, "bad host name" },
	{ "control: { metrics: \"-host:80\" }\n" P0, 1, "bad host name" },
	{ "control: { metrics: \":9469\" }\n" P0, 1, "missing host" },
	{ "control: { metrics: [a] }\n" P0, 1, "key 'metrics': expected HOST:PORT (found a sequence)" },

	/* YAML syntax */
	{ "ports:\n  - { name: p0, device: net_null0\n", 2, "YAML syntax error: did not find expected ',' or '}'" },
	{ "ports: [\n", 1, "YAML syntax error" },
	{ "ports: [a,\n  b\n", 1, "while parsing a flow sequence at line 1" },
	{ "ports:\n\t- { name: p0, device: net_null0 }\n", 2, "YAML syntax error" },
	{ "ports: : x\n", 1, "YAML syntax error" },
	{ "ports:\n  - name: p0\n   device: net_null0\n", 3, "YAML syntax error" },
	{ "ports: *nope\n", 1, "YAML syntax error: found undefined alias" },
	{ P0 "\"unterminated\n", 3, "YAML syntax error" },
	{ "# \xc3\xa9\xc3\xa9\n" P0 "x: \"\xc3\xa9\xc3\xa9\n\n", 4, "while scanning a quoted scalar at line 4" },
	{ "ports:\n  - { name: p0,\n    device: \"\x01\" }\n", 3, "YAML syntax error: control characters" },
};

static void
test_bad_configs(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		char prefix[64];
		int rc;

		memset(err, 'x', sizeof(err));
		rc = parse("bad.yaml", b->yaml, &cfg);
		snprintf(prefix, sizeof(prefix), "bad.yaml:%u: ", b->line);
		bool ok = rc == -EINVAL && !strncmp(err, prefix, strlen(prefix)) &&
			  strstr(err, b->msg) != NULL;
		if (!ok)
			printf("\n  case %zu: rc %d, want line %u and \"%s\", got \"%s\"", i, rc, b->line,
			       b->msg, err);
		CU_ASSERT_TRUE(ok);
		/* a failed parse leaves nothing to free */
		CU_ASSERT_PTR_NULL(cfg.eal_args[0]);
		CU_ASSERT_EQUAL(cfg.n_ports, 0);
	}
}

/* A failed parse after a good one frees what it allocated (leak checked by ASan). */
static void
test_error_after_eal(void)
{
	int rc = parse("e.yaml", "eal: [-l, \"0-1\", --no-pci]\nports: []\n", &cfg);

	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NULL(cfg.eal_args[0]);
	CU_ASSERT_EQUAL(cfg.n_eal_args, 0);
}

static void
test_limits(void)
{
	size_t cap = 64 * 1024, off = 0;
	char *t = malloc(cap);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	/* 32 ports fit, the 33rd does not */
	off = (size_t)snprintf(t, cap, "ports:\n");
	for (int i = 0; i < HP_MAX_PORTS; i++)
		off += (size_t)snprintf(t + off, cap - off, "  - { name: p%d, device: net_null%d }\n", i, i);
	rc = parse("n.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_ports, HP_MAX_PORTS);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, "  - { name: p99, device: net_null99 }\n");
	rc = parse("n.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "n.yaml:34: key 'ports': too many ports (at most 32)");

	/* 63 EAL arguments fit, 64 do not */
	off = (size_t)snprintf(t, cap, "eal: [");
	for (int i = 0; i < HP_MAX_EAL_ARGS - 1; i++)
		off += (size_t)snprintf(t + off, cap - off, "%sa%d", i ? ", " : "", i);
	snprintf(t + off, cap - off, "]\n" P0);
	rc = parse("e.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_eal_args, HP_MAX_EAL_ARGS - 1);
	CU_ASSERT_PTR_NULL(cfg.eal_args[HP_MAX_EAL_ARGS - 1]);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, ", one_more]\n" P0);
	rc = parse("e.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "e.yaml:1: key 'eal': at most 63 arguments");

	/* 64 queues per worker fit, 65 do not */
	off = (size_t)snprintf(t, cap, "ports:\n  - { name: p0, device: net_null0, queues: 64 }\n"
				       "  - { name: p1, device: net_null1, queues: 64 }\n"
				       "workers:\n  - lcore: 1\n    queues: [");
	for (int i = 0; i < HP_MAX_WORKER_QUEUES; i++)
		off += (size_t)snprintf(t + off, cap - off, "%sp0/%d", i ? ", " : "", i);
	snprintf(t + off, cap - off, "]\n");
	rc = parse("w.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.workers[0].n_queues, HP_MAX_WORKER_QUEUES);
	CU_ASSERT_EQUAL(cfg.workers[0].queues[63].queue, 63);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, ", p1/0]\n");
	rc = parse("w.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "w.yaml:6: key 'queues': expected 1 to 64 queues such as p0/0");

	/* 127 workers fit (lcores 0..126), a 128th does not */
	off = (size_t)snprintf(t, cap, "ports:\n  - { name: p0, device: net_null0, queues: 64 }\n"
				       "  - { name: p1, device: net_null1, queues: 64 }\nworkers:\n");
	for (int i = 0; i < HP_MAX_WORKERS; i++)
		off += (size_t)snprintf(t + off, cap - off, "  - { lcore: %d, queues: [p%d/%d] }\n", i,
					i / 64, i % 64);
	rc = parse("w.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_workers, HP_MAX_WORKERS);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, "  - { lcore: 127, queues: [p1/63] }\n");
	rc = parse("w.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "w.yaml:132: key 'workers': too many workers (at most 127)");

	/* a 511-byte device fits, 512 does not */
	memset(t, 0, cap);
	off = (size_t)snprintf(t, cap, "ports:\n  - { name: p0, device: \"net_null0,a=");
	memset(t + off, 'x', 511 - 12);
	off += 511 - 12;
	snprintf(t + off, cap - off, "\" }\n");
	rc = parse("d.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(strlen(cfg.ports[0].device), 511);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, "x\" }\n");
	rc = parse("d.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "d.yaml:2: key 'device': bad devargs: expected 1 to 511 bytes"));

	/* deep nesting is an error, not a stack overflow */
	off = (size_t)snprintf(t, cap, "ports: ");
	memset(t + off, '[', 20000);
	off += 20000;
	memset(t + off, ']', 20000);
	t[off + 20000] = '\0';
	rc = parse("deep.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(strncmp(err, "deep.yaml:1: ", 13), 0);

	/* the name in messages may be long; the buffer still ends in a NUL */
	memset(t, 'n', 1000);
	t[1000] = '\0';
	rc = hp_config_parse(t, "ports: []\n", 10, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(strlen(err), sizeof(err) - 1);
	free(t);
}

static void
test_err_buffer(void)
{
	char small[12];
	int rc;

	memset(small, 'x', sizeof(small));
	rc = hp_config_parse("t.yaml", "ports: []\n", 10, &cfg, small, sizeof(small));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(small, "t.yaml:1: k");
	memset(small, 'x', sizeof(small));
	rc = hp_config_parse("t.yaml", "ports: []\n", 10, &cfg, small, 1);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_EQUAL(small[0], '\0');
	CU_ASSERT_EQUAL(small[1], 'x');
	rc = hp_config_parse("t.yaml", "ports: []\n", 10, &cfg, NULL, 0);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	/* user strings in messages are cut and made printable */
	rc = parse("t.yaml", "ports:\n  - { name: p0, device: net_null0, \"a\\x1bbcdefghijklmnopqrstuvwxyz"
			     "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\": 1 }\n",
		   &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key 'a?bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk...'"));
	/* NULL text is an empty document */
	rc = hp_config_parse("t.yaml", NULL, 0, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "t.yaml:1: expected a mapping with a ports: section (the document is empty)");
	/* len, not the NUL, bounds the text */
	rc = hp_config_parse("t.yaml", P0 "bogus: 1\n", strlen(P0), &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	hp_config_free(&cfg);
}

static void
test_load(void)
{
	char path[] = "/tmp/test_config_XXXXXX";
	int fd = mkstemp(path), rc;
	char want[600];

	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, good_yaml, strlen(good_yaml)), (ssize_t)strlen(good_yaml));
	rc = hp_config_load(path, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(cfg.file, path);
	CU_ASSERT_EQUAL(cfg.n_ports, 2);
	hp_config_free(&cfg);

	/* errors name the path */
	CU_ASSERT_EQUAL(write(fd, "bogus: 1\n", 9), 9);
	rc = hp_config_load(path, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	snprintf(want, sizeof(want), "%s:15: unknown key 'bogus' at top level", path);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);

	/* over 16 MiB: refused before parsing */
	CU_ASSERT_EQUAL(ftruncate(fd, (16 << 20) + 1), 0);
	rc = hp_config_load(path, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EFBIG);
	snprintf(want, sizeof(want), "%s: file too large", path);
	CU_ASSERT_EQUAL(strncmp(err, want, strlen(want)), 0);
	close(fd);
	unlink(path);

	rc = hp_config_load(path, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	CU_ASSERT_STRING_EQUAL(err, want);

	rc = hp_config_load("/", &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EISDIR);
	CU_ASSERT_STRING_EQUAL(err, "/: Is a directory");

	rc = hp_config_load("/dev/null", &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/dev/null:1: expected a mapping with a ports: section (the document is empty)");
}

static void
test_parse_mac(void)
{
	static const char *const bad[] = { "", "02:00:00:00:00", "02:00:00:00:00:01:02",
		"02-00-00-00-00-01", "0200.0000.0001", "02:00:00:00:00:0g", "2:00:00:00:00:01",
		"02:00:00:00:00:1", "02:00:00:00:00:001", " 02:00:00:00:00:01", "02:00:00:00:00:01 ",
		"02::00:00:00:00:0", "+2:00:00:00:00:01" };
	uint8_t mac[6] = { 9, 9, 9, 9, 9, 9 };

	CU_ASSERT_EQUAL(hp_parse_mac("02:00:0a:Bc:fF:01", mac), 0);
	CU_ASSERT_EQUAL(mac[0], 0x02);
	CU_ASSERT_EQUAL(mac[2], 0x0a);
	CU_ASSERT_EQUAL(mac[3], 0xbc);
	CU_ASSERT_EQUAL(mac[4], 0xff);
	CU_ASSERT_EQUAL(mac[5], 0x01);
	/* syntax only: multicast is the caller's business */
	CU_ASSERT_EQUAL(hp_parse_mac("ff:ff:ff:ff:ff:ff", mac), 0);
	CU_ASSERT_EQUAL(mac[0], 0xff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(mac, 7, 6);
		CU_ASSERT_EQUAL(hp_parse_mac(bad[i], mac), -EINVAL);
		CU_ASSERT_EQUAL(mac[0], 7); /* untouched on error */
	}
	CU_ASSERT_EQUAL(hp_parse_mac(NULL, mac), -EINVAL);
}

static void
test_parse_prefix(void)
{
	static const char *const bad[] = { "", "/24", "10.0.0.1", "10.0.0.1/", "10.0.0.1/33",
		"10.0.0.1/-1", "10.0.0.1/+1", "10.0.0.1/024", "10.0.0.1/2x", "10.0.0.1/24/1",
		"10.0.0/24", "010.0.0.1/8", "10.0.0.1 /24", "2001:db8::1/129", "::1/1000000000000000000000",
		"fe80::1%lo/64", "1.2.3.4.5/8", "2001:db8:::1/64" };
	struct hp_prefix p;

	CU_ASSERT_EQUAL(hp_parse_prefix("10.1.2.3/24", 0, &p), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET);
	CU_ASSERT_EQUAL(p.len, 24);
	CU_ASSERT_EQUAL(p.addr[0], 10);
	CU_ASSERT_EQUAL(p.addr[3], 3); /* host bits kept */
	CU_ASSERT_EQUAL(p.addr[4], 0);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.1.2.3/0", AF_INET, &p), 0);
	CU_ASSERT_EQUAL(p.len, 0);
	CU_ASSERT_EQUAL(hp_parse_prefix("255.255.255.255/32", AF_INET, &p), 0);
	CU_ASSERT_EQUAL(p.len, 32);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.1.2.3/24", AF_INET6, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:db8::1/64", 0, &p), 0);
	CU_ASSERT_EQUAL(p.family, AF_INET6);
	CU_ASSERT_EQUAL(p.len, 64);
	CU_ASSERT_EQUAL(p.addr[0], 0x20);
	CU_ASSERT_EQUAL(p.addr[1], 0x01);
	CU_ASSERT_EQUAL(p.addr[15], 1);
	CU_ASSERT_EQUAL(hp_parse_prefix("::/128", AF_INET6, &p), 0);
	CU_ASSERT_EQUAL(p.len, 128);
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:db8::1/64", AF_INET, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix("2001:db8::1/64", 99, &p), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_prefix("10.0.0.1/33", AF_INET6, &p), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&p, 0x5a, sizeof(p));
		if (hp_parse_prefix(bad[i], 0, &p) != -EINVAL)
			printf("\n  prefix '%s' accepted", bad[i]);
		CU_ASSERT_EQUAL(hp_parse_prefix(bad[i], 0, &p), -EINVAL);
		CU_ASSERT_EQUAL(p.len, 0x5a);
	}
	CU_ASSERT_EQUAL(hp_parse_prefix(NULL, 0, &p), -EINVAL);
}

static void
test_parse_queue_ref(void)
{
	static const char *const malformed[] = { "", "p0", "/0", "p0/", "p0/x", "p0/-1", "p0/+1",
						 "p0/01", "p0/ 1", "p0/1 ", "p0:1" };
	struct hp_queue_ref r;
	int rc = parse("q.yaml",
		       "ports:\n  - { name: p0, device: net_null0, queues: 4 }\n"
		       "  - { name: p-1_x, device: net_null1 }\n",
		       &cfg);

	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p0/0", &r), 0);
	CU_ASSERT_EQUAL(r.port, 0);
	CU_ASSERT_EQUAL(r.queue, 0);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p0/3", &r), 0);
	CU_ASSERT_EQUAL(r.queue, 3);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p-1_x/0", &r), 0);
	CU_ASSERT_EQUAL(r.port, 1);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p0/4", &r), -ERANGE);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p-1_x/1", &r), -ERANGE);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p0/99999999999999999999", &r), -ERANGE);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p9/0", &r), -ENOENT);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "P0/0", &r), -ENOENT);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "p0/0/0", &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "a23456789012345678901234567890123456789/0", &r),
			-ENOENT);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, malformed[i], &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, NULL, &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(NULL, "p0/0", &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_config_port_index(&cfg, NULL), -1);
	CU_ASSERT_EQUAL(hp_config_port_index(NULL, "p0"), -1);
	hp_config_free(&cfg);
}

static void
test_misc(void)
{
	struct hp_config *z = calloc(1, sizeof(*z));

	CU_ASSERT_STRING_EQUAL(hp_port_mode_name(HP_MODE_L3), "l3");
	CU_ASSERT_STRING_EQUAL(hp_port_mode_name(HP_MODE_XCONNECT), "xconnect");
	CU_ASSERT_PTR_NOT_NULL(hp_port_mode_name((enum hp_port_mode)42));
	hp_config_free(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	hp_config_free(z); /* zeroed */
	z->eal_args[5] = strdup("half-filled");
	hp_config_free(z);
	CU_ASSERT_PTR_NULL(z->eal_args[5]);
	free(z);
	CU_ASSERT_EQUAL(hp_config_parse("x", "ports: []", 9, NULL, err, sizeof(err)), -EINVAL);
}

/* xorshift64*: fixed seed, same mutations everywhere. */
static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t
rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* One mutated parse: 0, or -EINVAL with a message naming the file. A good
 * result must hold together (indices in range). */
static bool
check_one(const char *text, size_t len)
{
	int rc;

	memset(err, 'x', sizeof(err));
	rc = hp_config_parse("fuzz.yaml", text, len, &cfg, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		return false;
	if (rc == -EINVAL)
		return !strncmp(err, "fuzz.yaml:", 10) && cfg.eal_args[0] == NULL;
	if (rc != 0)
		return false;
	bool ok = cfg.n_ports >= 1 && cfg.n_ports <= HP_MAX_PORTS && cfg.n_workers <= HP_MAX_WORKERS &&
		  cfg.n_eal_args < HP_MAX_EAL_ARGS && cfg.eal_args[cfg.n_eal_args] == NULL;
	for (unsigned i = 0; ok && i < cfg.n_ports; i++) {
		const struct hp_port_conf *p = &cfg.ports[i];

		ok = p->queues >= 1 && p->queues <= HP_MAX_QUEUES && p->peer < (int)cfg.n_ports &&
		     (p->mode == HP_MODE_L3) == (p->peer < 0) && p->name[0] && p->device[0];
	}
	for (unsigned w = 0; ok && w < cfg.n_workers; w++)
		for (unsigned k = 0; ok && k < cfg.workers[w].n_queues; k++) {
			const struct hp_queue_ref *r = &cfg.workers[w].queues[k];

			ok = r->port < cfg.n_ports && r->queue < cfg.ports[r->port].queues;
		}
	hp_config_free(&cfg);
	return ok;
}

static void
test_mutations(void)
{
	static const char interesting[] = ":-[]{},\"'&*!|>#\n \t\\0123456789/%@`?";
	const char *seeds[] = { good_yaml, full_block, full_flow };
	unsigned runs = 0, bad = 0, accepted = 0;
	char *buf = malloc(4096);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t len = strlen(seeds[s]);

		/* every prefix, in a buffer of exactly that size so ASan sees overreads */
		for (size_t cut = 0; cut <= len; cut++) {
			char *t = malloc(cut ? cut : 1);

			memcpy(t, seeds[s], cut);
			runs++;
			if (!check_one(t, cut)) {
				bad++;
				printf("\n  cut %zu of seed %zu: %s", cut, s, err);
			}
			free(t);
		}
		/* byte flips: 1 to 4 bytes, random or syntax characters */
		for (int m = 0; m < 3000; m++) {
			unsigned n = 1 + (unsigned)(rng_next() % 4);

			memcpy(buf, seeds[s], len);
			for (unsigned k = 0; k < n; k++) {
				size_t at = (size_t)(rng_next() % len);
				uint64_t r = rng_next();

				buf[at] = (r & 1) ? (char)(r >> 8) : interesting[(r >> 8) % (sizeof(interesting) - 1)];
			}
			runs++;
			if (check_one(buf, len)) {
				accepted += err[0] == '\0';
			} else {
				bad++;
				printf("\n  mutation %d of seed %zu: %s", m, s, err);
			}
		}
	}
	printf("\n  %u parses, %u accepted, %u misbehaved ", runs, accepted, bad);
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_TRUE(runs > 10000);
	CU_ASSERT_TRUE(accepted > 0); /* some mutations are harmless */
	free(buf);
}

int
main(void)
{
	CU_pSuite s;
	unsigned failures;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("config", NULL, NULL);
	if (!s || !CU_add_test(s, "DESIGN.md example", test_good_example) ||
	    !CU_add_test(s, "later sections refused", test_later_keys) ||
	    !CU_add_test(s, "defaults", test_defaults) ||
	    !CU_add_test(s, "block and flow styles", test_block_and_flow) ||
	    !CU_add_test(s, "anchors and aliases", test_aliases) ||
	    !CU_add_test(s, "bad configs", test_bad_configs) ||
	    !CU_add_test(s, "error after eal frees", test_error_after_eal) ||
	    !CU_add_test(s, "limits", test_limits) ||
	    !CU_add_test(s, "error buffer", test_err_buffer) ||
	    !CU_add_test(s, "load from file", test_load) ||
	    !CU_add_test(s, "hp_parse_mac", test_parse_mac) ||
	    !CU_add_test(s, "hp_parse_prefix", test_parse_prefix) ||
	    !CU_add_test(s, "hp_parse_queue_ref", test_parse_queue_ref) ||
	    !CU_add_test(s, "misc", test_misc) ||
	    !CU_add_test(s, "mutations", test_mutations)) {
		CU_cleanup_registry();
		return 1;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}
