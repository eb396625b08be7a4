/* Unit tests of the YAML config: every field of a good file, a table of bad files with their exact line, the shared parsers, a big generated file, and mutated input. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <CUnit/Basic.h>
#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "../rng.h"
#include "config.h"
#include "dump.h"

/* Big structs live here, not on the stack. */
static struct hp_config cfg, cfg2;
static char err[HP_ERR_MAX];

/* DESIGN.md's example less its table sections (neighbors, routes, acl_default,
 * acl) and xdp. Line numbers below refer to this text. */
static const char good_yaml[] =
	"eal: [-l, \"0-1\", --in-memory]        # EAL arguments; `hotpathd -c F -- ARGS` overrides\n" /* 1 */
	"control: { socket: /run/hotpath/hotpath.sock, metrics: \"127.0.0.1:9469\" }\n"               /* 2 */
	"ports:\n"                                                                                    /* 3 */
	"  - name: p0\n"                                                                              /* 4 */
	"    device: \"net_pcap0,rx_pcap=in.pcap,tx_pcap=out0.pcap\"\n"                               /* 5 */
	"    queues: 1                        # RX = TX queues; RSS over them when > 1\n"             /* 6 */
	"    mac: \"02:00:00:00:00:01\"\n"                                                            /* 7 */
	"    ipv4: [\"10.0.0.1/24\"]\n"                                                               /* 8 */
	"    ipv6: [\"2001:db8:0::1/64\"]\n"                                                          /* 9 */
	"    mode: l3                         # l3 | xconnect\n"                                      /* 10 */
	"  - { name: p1, device: \"net_pcap1,rx_pcap=empty.pcap,tx_pcap=out1.pcap\",\n"               /* 11 */
	"      mac: \"02:00:00:00:01:01\", ipv4: [\"10.0.1.1/24\"] }\n"                               /* 12 */
	"workers:                             # optional; default spreads queues over worker lcores\n" /* 13 */
	"  - { lcore: 1, queues: [p0/0, p1/0] }\n"; /* 14 */

static int
parse(const char *name, const char *text, struct hp_config *c)
{
	return hp_config_parse(name, text, strlen(text), c, err, sizeof(err));
}

static void
test_good_example(void)
{
	static const uint8_t a0[4] = {10, 0, 0, 1}, a1[4] = {10, 0, 1, 1};
	static const uint8_t mac0[6] = {2, 0, 0, 0, 0, 1}, mac1[6] = {2, 0, 0, 0, 1, 1};
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
	CU_ASSERT_EQUAL(p0->mtu, HP_DEFAULT_MTU);
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

/* DESIGN.md's whole example, xdp included. */
static void
test_design_example(void)
{
	static const char tail[] =
		"neighbors:\n"                                                 /* 15 */
		"  - { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 }\n" /* 16 */
		"routes:\n"                                                    /* 17 */
		"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"               /* 18 */
		"  - { prefix: 203.0.113.0/24, action: drop }\n"               /* 19 */
		"acl_default: permit\n"                                        /* 20 */
		"acl:\n"                                                       /* 21 */
		"  - { priority: 100, src: 10.0.0.0/8, proto: udp, dport: \"5000-5010\", action: deny }\n"; /* 22 */
	static const char xdp[] =
		"xdp:\n" /* 23 */
		"  - { iface: eth1, mode: native, pass: [arp, \"tcp/22\"], block: [\"192.0.2.0/24\"] }\n";
	static const uint8_t nbmac[6] = {2, 0, 0, 0, 1, 2};
	char text[4096];
	int rc;

	snprintf(text, sizeof(text), "%s%s%s", good_yaml, tail, xdp);
	rc = parse("design.yaml", text, &cfg);
	if (rc)
		printf("\n  design: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_ports, 2);
	CU_ASSERT_EQUAL(cfg.n_workers, 1);

	CU_ASSERT_EQUAL_FATAL(cfg.n_neighbors, 1);
	CU_ASSERT_EQUAL(cfg.neighbors[0].ip.family, AF_INET);
	CU_ASSERT_EQUAL(cfg.neighbors[0].ip.addr[0], 10);
	CU_ASSERT_EQUAL(cfg.neighbors[0].ip.addr[3], 2);
	CU_ASSERT_EQUAL(memcmp(cfg.neighbors[0].mac, nbmac, 6), 0);
	CU_ASSERT_EQUAL(cfg.neighbors[0].port, 1);
	CU_ASSERT_EQUAL(cfg.neighbors[0].line, 16);

	CU_ASSERT_EQUAL_FATAL(cfg.n_routes, 2);
	CU_ASSERT_EQUAL(cfg.routes[0].prefix.family, AF_INET);
	CU_ASSERT_EQUAL(cfg.routes[0].prefix.len, 15);
	CU_ASSERT_EQUAL(cfg.routes[0].prefix.addr[0], 198);
	CU_ASSERT_EQUAL(cfg.routes[0].prefix.addr[1], 18);
	CU_ASSERT_EQUAL(cfg.routes[0].action, HP_ROUTE_FORWARD);
	CU_ASSERT_EQUAL(cfg.routes[0].n_via, 1);
	CU_ASSERT_EQUAL(cfg.routes[0].via[0].family, AF_INET);
	CU_ASSERT_EQUAL(cfg.routes[0].via[0].addr[3], 2);
	CU_ASSERT_EQUAL(cfg.routes[0].port, -1);
	CU_ASSERT_EQUAL(cfg.routes[0].line, 18);
	CU_ASSERT_EQUAL(cfg.routes[1].action, HP_ROUTE_DROP);
	CU_ASSERT_EQUAL(cfg.routes[1].n_via, 0);
	CU_ASSERT_EQUAL(cfg.routes[1].prefix.len, 24);
	CU_ASSERT_EQUAL(cfg.routes[1].port, -1);
	CU_ASSERT_EQUAL(cfg.routes[1].line, 19);

	CU_ASSERT_FALSE(cfg.acl_default_deny);
	CU_ASSERT_EQUAL_FATAL(cfg.n_acl, 1);
	CU_ASSERT_EQUAL(cfg.acl[0].priority, 100);
	CU_ASSERT_EQUAL(cfg.acl[0].family, AF_INET);
	CU_ASSERT_TRUE(cfg.acl[0].has_src);
	CU_ASSERT_FALSE(cfg.acl[0].has_dst);
	CU_ASSERT_EQUAL(cfg.acl[0].src.len, 8);
	CU_ASSERT_TRUE(cfg.acl[0].has_proto);
	CU_ASSERT_EQUAL(cfg.acl[0].proto, 17);
	CU_ASSERT_EQUAL(cfg.acl[0].sport_lo, 0);
	CU_ASSERT_EQUAL(cfg.acl[0].sport_hi, 65535);
	CU_ASSERT_EQUAL(cfg.acl[0].dport_lo, 5000);
	CU_ASSERT_EQUAL(cfg.acl[0].dport_hi, 5010);
	CU_ASSERT_EQUAL(cfg.acl[0].action, HP_ACL_DENY);
	CU_ASSERT_EQUAL(cfg.acl[0].policer, -1);
	CU_ASSERT_EQUAL(cfg.acl[0].line, 22);
	CU_ASSERT_EQUAL(cfg.n_policers, 0);

	CU_ASSERT_EQUAL_FATAL(cfg.n_xdp, 1);
	CU_ASSERT_STRING_EQUAL(cfg.xdp[0].iface, "eth1");
	CU_ASSERT_TRUE(cfg.xdp[0].has_mode);
	CU_ASSERT_EQUAL(cfg.xdp[0].mode, HP_XDP_NATIVE);
	CU_ASSERT_EQUAL_FATAL(cfg.xdp[0].n_pass, 2);
	CU_ASSERT_EQUAL(cfg.xdp[0].pass[0].kind, HP_XDP_CLASS_ARP);
	CU_ASSERT_EQUAL(cfg.xdp[0].pass[1].kind, HP_XDP_CLASS_TCP);
	CU_ASSERT_EQUAL(cfg.xdp[0].pass[1].port_lo, 22);
	CU_ASSERT_EQUAL(cfg.xdp[0].pass[1].port_hi, 22);
	CU_ASSERT_EQUAL_FATAL(cfg.xdp[0].n_block, 1);
	CU_ASSERT_EQUAL(cfg.xdp[0].block[0].family, AF_INET);
	CU_ASSERT_EQUAL(cfg.xdp[0].block[0].len, 24);
	CU_ASSERT_EQUAL(cfg.xdp[0].block[0].addr[0], 192);
	CU_ASSERT_EQUAL(cfg.xdp[0].block[0].addr[2], 2);
	CU_ASSERT_EQUAL(cfg.xdp[0].line, 24);
	hp_config_free(&cfg);
	CU_ASSERT_EQUAL(cfg.n_xdp, 0);
	CU_ASSERT_PTR_NULL(cfg.neighbors);
	CU_ASSERT_PTR_NULL(cfg.routes);
	CU_ASSERT_PTR_NULL(cfg.acl);
	CU_ASSERT_EQUAL(cfg.n_routes, 0);
	CU_ASSERT_EQUAL(cfg.n_acl, 0);
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
	CU_ASSERT_EQUAL(cfg.n_neighbors, 0);
	CU_ASSERT_EQUAL(cfg.n_routes, 0);
	CU_ASSERT_FALSE(cfg.acl_default_deny);
	CU_ASSERT_EQUAL(cfg.n_acl, 0);
	CU_ASSERT_EQUAL(cfg.n_policers, 0);
	CU_ASSERT_EQUAL(cfg.stall_threshold_us, HP_DEFAULT_STALL_US);
	hp_config_free(&cfg);

	/* control.stall_threshold_us: 1 us .. 1 s (the out-of-range ones are in the error table) */
	for (unsigned us = 1; us <= 1000000; us *= 1000) {
		char text[128];

		snprintf(text, sizeof(text),
			 "control: { stall_threshold_us: %u }\nports: [{ name: p0, device: net_null0 }]\n",
			 us);
		rc = parse("stall.yaml", text, &cfg);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(cfg.stall_threshold_us, us);
		hp_config_free(&cfg);
	}

	/* empty table sections are fine */
	rc = parse("min.yaml",
		   "ports: [{ name: p0, device: net_null0 }]\nneighbors: []\nroutes: []\n"
		   "acl: []\npolicers: []\nacl_default: permit\n",
		   &cfg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_neighbors, 0);
	CU_ASSERT_EQUAL(cfg.n_routes, 0);
	CU_ASSERT_EQUAL(cfg.n_acl, 0);
	CU_ASSERT_EQUAL(cfg.n_policers, 0);
	hp_config_free(&cfg);
}

/*
 * Everything else the schema allows: workers before ports (forward queue refs),
 * xconnect peers named before they are defined, a port that is its own peer,
 * PCI devices, descriptor counts, mbufs, IPv6 and host-name metrics.
 */
static const char full_block[] =
	"workers:\n"                                                       /* 1 */
	"  - lcore: 2\n"                                                   /* 2 */
	"    queues: [x0/1, x1/1, p0/0]\n"                                 /* 3 */
	"  - lcore: 127\n"                                                 /* 4 */
	"    queues:\n"                                                    /* 5 */
	"      - x0/0\n"                                                   /* 6 */
	"      - x1/0\n"                                                   /* 7 */
	"      - self/0\n"                                                 /* 8 */
	"mbufs: 16777216\n"                                                /* 9 */
	"control:\n"                                                       /* 10 */
	"  metrics: \"[::1]:9100\"\n"                                      /* 11 */
	"  socket: /tmp/hp.sock\n"                                         /* 12 */
	"eal:\n"                                                           /* 13 */
	"  - -l\n"                                                         /* 14 */
	"  - 0,2,127\n"                                                    /* 15 */
	"ports:\n"                                                         /* 16 */
	"  - name: x0\n"                                                   /* 17 */
	"    device: 0000:3b:00.0\n"                                       /* 18 */
	"    mode: xconnect\n"                                             /* 19 */
	"    peer: x1\n"                                                   /* 20 */
	"    queues: 2\n"                                                  /* 21 */
	"    rx_desc: 64\n"                                                /* 22 */
	"    tx_desc: 32768\n"                                             /* 23 */
	"  - name: x1\n"                                                   /* 24 */
	"    device: 3b:00.1,txq_inline=128\n"                             /* 25 */
	"    peer: x0\n"                                                   /* 26 */
	"    mode: xconnect\n"                                             /* 27 */
	"    queues: 64\n"                                                 /* 28 */
	"  - name: self\n"                                                 /* 29 */
	"    device: net_memif0,role=server,socket=/run/hotpath/m0.sock\n" /* 30 */
	"    mode: xconnect\n"                                             /* 31 */
	"    peer: self\n"                                                 /* 32 */
	"  - name: p0\n"                                                   /* 33 */
	"    device: net_null_1\n"                                         /* 34 */
	"    ipv4: [192.0.2.77/0, 0.0.0.0/32, 10.1.2.3/8]\n"               /* 35 */
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

#define P0 "ports:\n  - { name: p0, device: net_null0 }\n"                       /* two lines */
#define PORT(keys) "ports:\n  - name: p0\n    device: net_null0\n    " keys "\n" /* keys on line 4 */
/* an l3 port p0 and an xconnect port x0 (three lines) */
#define L3 \
	"ports:\n  - { name: p0, device: net_null0 }\n  - { name: x0, device: net_null1, mode: xconnect, peer: x0 }\n"
#define NB(entry) L3 "neighbors:\n  - " entry "\n" /* entry on line 5 */
#define RT(entry) L3 "routes:\n  - " entry "\n"    /* entry on line 5 */
#define AC(entry) P0 "acl:\n  - " entry "\n"       /* entry on line 4 */
#define PL(entry) P0 "policers:\n  - " entry "\n"  /* entry on line 4 */
#define XD(entry) P0 "xdp:\n  - " entry "\n"       /* entry on line 4 */

static const struct bad_case bad_cases[] = {
	/* document shape */
	{"", 1, "expected a mapping with a ports: section"},
	{"# only a comment\n\n", 1, "expected a mapping with a ports: section"},
	{"hello\n", 1, "expected a mapping with a ports: section"},
	{"- a\n- b\n", 1, "expected a mapping with a ports: section"},
	{"eal: [-l, \"0-1\"]\ncontrol: { socket: /x }\n", 1, "expected a mapping with a ports: section"},
	{P0 "---\nports: []\n", 4, "found a second one"},
	{"? [a]\n: b\n" P0, 1, "expected a plain key at top level"},

	/* unknown keys */
	{P0 "bogus: 1\n", 3, "unknown key 'bogus' at top level"},
	{P0 "xdps: []\n", 3,
	 "unknown key 'xdps' at top level (expected one of: eal, control, mbufs, "
	 "ports, workers, neighbors, neighbor_config, routes, acl_default, acl, policers, xdp, linux, "
	 "conntrack, nat, lb, lb_conf)"},
	{P0 "route: []\n", 3, "unknown key 'route' at top level"},
	{PORT("speed: 10G"), 4, "unknown key 'speed' in port"},
	{P0 "workers:\n  - { lcore: 1, queues: [p0/0],\n      prio: 1 }\n", 5,
	 "unknown key 'prio' in worker"},
	{"control:\n  sock: /x\n" P0, 2, "unknown key 'sock' in control"},
	{"Ports:\n  - { name: p0, device: net_null0 }\n", 1, "unknown key 'Ports'"},

	/* duplicate keys */
	{PORT("queues: 1\n    queues: 2"), 5, "duplicate key 'queues' in port (first at line 4)"},
	{P0 P0, 3, "duplicate key 'ports' at top level (first at line 1)"},
	{"control: { socket: /a, socket: /b }\n" P0, 1, "duplicate key 'socket'"},
	{P0 "workers:\n  - { lcore: 1, lcore: 2, queues: [p0/0] }\n", 4, "duplicate key 'lcore'"},

	/* ports */
	{"ports:\n", 1, "key 'ports': expected a sequence"},
	{"ports: []\n", 1, "key 'ports': expected at least one port"},
	{"ports: {}\n", 1, "key 'ports': expected a sequence (found a mapping)"},
	{"ports: p0\n", 1, "key 'ports': expected a sequence (found a scalar)"},
	{"ports:\n  - p0\n", 2, "expected each port to be a mapping"},
	{"ports: &a [*a]\n", 1, "expected each port to be a mapping"},
	{"ports:\n  - device: net_null0\n", 2, "missing required key 'name' in port"},
	{"ports:\n  - name: p0\n", 2, "missing required key 'device' in port"},
	{"ports:\n  - {}\n", 2, "missing required key 'name'"},
	{"ports:\n  - { name: p0, device: net_null0 }\n  - { name: p0, device: net_null1 }\n", 3,
	 "duplicate port name 'p0' (first at line 2)"},
	{"ports:\n  - { name: \"\", device: net_null0 }\n", 2, "bad port name ''"},
	{"ports:\n  - { name: \"p 0\", device: net_null0 }\n", 2, "bad port name 'p 0'"},
	{"ports:\n  - { name: p0/1, device: net_null0 }\n", 2, "bad port name"},
	{"ports:\n  - { name: p23456789012345678901234567890123, device: net_null0 }\n", 2, "bad port name"},
	{"ports:\n  - { name: [p0], device: net_null0 }\n", 2,
	 "key 'name': expected a port name (found a sequence)"},
	{"ports:\n  - { name: \"p\\0\", device: net_null0 }\n", 2, "NUL byte"},

	/* devices */
	{"ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap=a.pcap\" }\n"
	 "  - { name: p1, device: \"net_pcap0,rx_pcap=b.pcap\" }\n",
	 3, "duplicate device 'net_pcap0' (first used by port 'p0' at line 2)"},
	{"ports:\n  - { name: p0, device: \"0000:3b:00.0\" }\n"
	 "  - { name: p1, device: \"3B:00.0,txq_inline=1\" }\n",
	 3, "duplicate device '0000:3b:00.0'"},
	{PORT("device: net_null1"), 4, "duplicate key 'device'"},
	{"ports:\n  - { name: p0, device: \"net_pcap0, rx_pcap=a.pcap\" }\n", 2,
	 "key 'device': bad devargs 'net_pcap0, rx_pcap=a.pcap'"},
	{"ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap=a\\tb\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: \"net_pcap0,=a.pcap\" }\n", 2, "empty key"},
	{"ports:\n  - { name: p0, device: net_ }\n", 2, "bad devargs 'net_': expected a PCI address"},
	{"ports:\n  - { name: p0, device: foo }\n", 2, "bad devargs 'foo': expected a PCI address"},
	{"ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap\" }\n", 2, "missing '='"},
	{"ports:\n  - { name: p0, device: \"net_pcap0,rx_pcap=\" }\n", 2, "empty value"},
	{"ports:\n  - { name: p0, device: \"net_null0,\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: \"net_null0,,a=b\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: net_PCAP0 }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: net_0 }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: \"0000:3b:20.0\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: \"0000:3b:00.8\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: \"000:3b:00.0\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: \"0000:3b:00.0,a=[1,2\" }\n", 2, "unbalanced '['"},
	{"ports:\n  - { name: p0, device: \"\" }\n", 2, "bad devargs"},
	{"ports:\n  - { name: p0, device: 12 }\n", 2, "bad devargs"},

	/* MAC */
	{PORT("mac: \"02:00:00:00:00\""), 4, "key 'mac': bad MAC address '02:00:00:00:00'"},
	{PORT("mac: \"02-00-00-00-00-01\""), 4, "bad MAC address"},
	{PORT("mac: \"02:00:00:00:00:0g\""), 4, "bad MAC address"},
	{PORT("mac: \"02:00:00:00:00:001\""), 4, "bad MAC address"},
	{PORT("mac: \"2:0:0:0:0:1\""), 4, "bad MAC address"},
	{PORT("mac: 12"), 4, "bad MAC address"},
	{PORT("mac: [02, 00]"), 4, "key 'mac': expected a MAC address (found a sequence)"},
	{PORT("mac: \"01:00:5e:00:00:01\""), 4, "multicast"},
	{PORT("mac: \"ff:ff:ff:ff:ff:ff\""), 4, "multicast"},
	{PORT("mac: \"00:00:00:00:00:00\""), 4, "not all zeros"},

	/* addresses */
	{PORT("ipv4: [10.0.0.1/33]"), 4, "key 'ipv4': bad address '10.0.0.1/33'"},
	{PORT("ipv4: [300.1.1.1/24]"), 4, "bad address '300.1.1.1/24'"},
	{PORT("ipv4: [10.0.0.1]"), 4, "bad address '10.0.0.1'"},
	{PORT("ipv4: [10.0.0.1/]"), 4, "bad address"},
	{PORT("ipv4: [10.0.0.1/-1]"), 4, "bad address"},
	{PORT("ipv4: [10.0.0/24]"), 4, "bad address"},
	{PORT("ipv4: [\"2001:db8::1/64\"]"), 4, "bad address"},
	{PORT("ipv4: 10.0.0.1/24"), 4, "key 'ipv4': expected a sequence"},
	{PORT("ipv4:\n      - 10.0.0.1/24\n      - [10.0.0.2/24]"), 6,
	 "key 'ipv4': expected an IPv4 address"},
	{PORT("ipv4: [1.0.0.1/8, 1.0.0.2/8, 1.0.0.3/8, 1.0.0.4/8, 1.0.0.5/8, 1.0.0.6/8, 1.0.0.7/8, "
	      "1.0.0.8/8, 1.0.0.9/8, 1.0.0.10/8, 1.0.0.11/8, 1.0.0.12/8, 1.0.0.13/8, 1.0.0.14/8, "
	      "1.0.0.15/8, 1.0.0.16/8, 1.0.0.17/8]"),
	 4, "at most 16 addresses"},
	{PORT("ipv6: [\"2001:db8::1/129\"]"), 4, "key 'ipv6': bad address '2001:db8::1/129'"},
	{PORT("ipv6: [\"2001:db8::g/64\"]"), 4, "bad address"},
	{PORT("ipv6: [\"2001:db8::1\"]"), 4, "bad address"},
	{PORT("ipv6: [10.0.0.1/24]"), 4, "bad address"},
	{PORT("ipv6: [\"fe80::1%eth0/64\"]"), 4, "bad address"},

	/* numbers */
	{PORT("queues: 0"), 4, "key 'queues': expected an integer between 1 and 64"},
	{PORT("queues: 65"), 4, "key 'queues': expected an integer between 1 and 64"},
	/* host interface */
	{PORT("host: tun"), 4, "key 'host': expected tap or none, got 'tun'"},
	{PORT("host: [tap]"), 4, "key 'host': expected tap or none"},
	{"ports:\n  - { name: abcdefghijklm, device: net_null0, host: tap }\n", 2,
	 "port 'abcdefghijklm': host: tap names its interface hp-abcdefghijklm, longer than an interface name"},
	{"ports:\n  - { name: x0, device: net_null0, mode: xconnect, peer: x0, host: tap }\n", 2,
	 "port 'x0': host: tap needs mode: l3"},
	{"ports:\n  - { name: p0, device: \"net_af_xdp0,iface=eth1\", host: tap }\n", 2,
	 "port 'p0': host: tap on a net_af_xdp device: the kernel keeps that interface already"},
	{PORT("mtu: 1279"), 4, "key 'mtu': expected an integer between 1280 and 9000"},
	{PORT("mtu: 9001"), 4, "key 'mtu': expected an integer between 1280 and 9000"},
	{PORT("mtu: jumbo"), 4, "key 'mtu': expected an integer between 1280 and 9000"},
	{PORT("queues: two"), 4, "key 'queues': expected an integer between 1 and 64"},
	{PORT("queues: -1"), 4, "expected an integer between 1 and 64"},
	{PORT("queues: +2"), 4, "expected an integer between 1 and 64"},
	{PORT("queues: 2.0"), 4, "expected an integer between 1 and 64"},
	{PORT("queues: 0x2"), 4, "expected an integer between 1 and 64"},
	{PORT("queues: 02"), 4, "expected an integer between 1 and 64"},
	{PORT("queues: \" 2\""), 4, "expected an integer between 1 and 64"},
	{PORT("queues: 99999999999999999999999999"), 4, "expected an integer between 1 and 64"},
	{PORT("queues: [2]"), 4, "expected an integer between 1 and 64"},
	{PORT("queues:"), 4, "expected an integer between 1 and 64"},
	{PORT("rx_desc: 100"), 4, "key 'rx_desc': expected a power of two between 64 and 32768"},
	{PORT("rx_desc: 32"), 4, "key 'rx_desc': expected a power of two"},
	{PORT("tx_desc: 65536"), 4, "key 'tx_desc': expected a power of two"},
	{PORT("tx_desc: 0"), 4, "key 'tx_desc': expected a power of two"},
	{"mbufs: 1023\n" P0, 1, "key 'mbufs': expected an integer between 1024 and 16777216"},
	{"mbufs: 16777217\n" P0, 1, "key 'mbufs': expected an integer between 1024 and 16777216"},

	/* mode and peer */
	{PORT("mode: bridge"), 4, "key 'mode': expected l3 or xconnect"},
	{PORT("mode: L3"), 4, "key 'mode': expected l3 or xconnect"},
	{"ports:\n  - name: p0\n    device: net_null0\n    mode: xconnect\n", 2,
	 "port 'p0': mode xconnect needs a peer"},
	{PORT("mode: xconnect\n    peer: p9"), 5, "key 'peer': unknown peer 'p9'"},
	{"ports:\n  - { name: p0, device: net_null0, peer: p1, mode: xconnect }\n"
	 "  - { name: p1, device: net_null1, mode: xconnect,\n      peer: nope }\n",
	 4, "unknown peer 'nope'"},
	{PORT("mode: l3\n    peer: p0"), 5, "key 'peer': only valid with mode: xconnect"},
	{PORT("peer: p0"), 4, "key 'peer': only valid with mode: xconnect"},
	{PORT("mode: xconnect\n    peer: [p0]"), 5, "key 'peer': expected a port name"},

	/* workers */
	{P0 "workers:\n  - { lcore: 1, queues: [p9/0] }\n", 4, "queue p9/0: unknown port 'p9'"},
	{"ports:\n  - { name: p0, device: net_null0, queues: 2 }\n"
	 "workers:\n  - { lcore: 1, queues: [p0/0, p0/1,\n      p0/3] }\n",
	 5, "queue p0/3 out of range: port p0 has 2 queues"},
	{P0 "workers:\n  - { lcore: 1, queues: [p0/1] }\n", 4,
	 "queue p0/1 out of range: port p0 has 1 queue"},
	{P0 "workers:\n  - { lcore: 1, queues: [p0-0] }\n", 4, "bad queue 'p0-0'"},
	{P0 "workers:\n  - { lcore: 1, queues: [p0/x] }\n", 4, "bad queue 'p0/x'"},
	{P0 "workers:\n  - { lcore: 1, queues: [/0] }\n", 4, "bad queue"},
	{P0 "workers:\n  - lcore: 1\n    queues: [p0/0]\n  - lcore: 2\n    queues:\n      - p0/0\n", 8,
	 "queue p0/0 is owned by two workers (lcore 1 at line 5 and lcore 2 at line 8)"},
	{"workers:\n  - lcore: 1\n    queues: [p0/0]\n  - lcore: 2\n    queues: [p0/0]\n" P0, 5,
	 "queue p0/0 is owned by two workers (lcore 1 at line 3 and lcore 2 at line 5)"},
	{P0 "workers:\n  - lcore: 1\n    queues: [p0/0,\n      p0/0]\n", 6,
	 "queue p0/0 is listed twice for lcore 1 (first at line 5)"},
	{P0 "workers:\n  - { lcore: 1, queues: [p0/0] }\n  - { lcore: 1, queues: [p0/0] }\n", 5,
	 "duplicate lcore 1 (first at line 4)"},
	{P0 "workers:\n  - { lcore: 128, queues: [p0/0] }\n", 4,
	 "key 'lcore': expected an integer between 0 and 127"},
	{P0 "workers:\n  - { lcore: -1, queues: [p0/0] }\n", 4, "key 'lcore': expected an integer"},
	{P0 "workers:\n  - { queues: [p0/0] }\n", 4, "missing required key 'lcore' in worker"},
	{P0 "workers:\n  - { lcore: 1 }\n", 4, "missing required key 'queues' in worker"},
	{P0 "workers:\n  - { lcore: 1, queues: [] }\n", 4, "key 'queues': expected 1 to 64 queues"},
	{P0 "workers:\n  - { lcore: 1, queues: p0/0 }\n", 4, "key 'queues': expected a sequence"},
	{P0 "workers:\n  - { lcore: 1, queues: [[p0/0]] }\n", 4, "key 'queues': expected PORT/QUEUE"},
	{P0 "workers: []\n", 3, "key 'workers': expected at least one worker"},
	{P0 "workers: { lcore: 1 }\n", 3, "key 'workers': expected a sequence (found a mapping)"},
	{P0 "workers:\n  - 1\n", 4, "expected each worker to be a mapping"},

	/* eal and control */
	{"eal: \"-l 0-1\"\n" P0, 1, "key 'eal': expected a sequence (found a scalar)"},
	{"eal: [-l, [0, 1]]\n" P0, 1, "key 'eal': expected a string (found a sequence)"},
	{"eal: [-l, \"\"]\n" P0, 1, "key 'eal': expected a non-empty argument"},
	{"control: [a]\n" P0, 1, "key 'control': expected a mapping (found a sequence)"},
	{"control: { stall_threshold_us: 0 }\n" P0, 1,
	 "key 'stall_threshold_us': expected an integer between 1 and 1000000"},
	{"control: { stall_threshold_us: 1000001 }\n" P0, 1,
	 "key 'stall_threshold_us': expected an integer between 1"},
	{"control: { stall_threshold_us: 5us }\n" P0, 1,
	 "key 'stall_threshold_us': expected an integer between 1"},
	{"control: { stall_threshold_us: [5] }\n" P0, 1,
	 "key 'stall_threshold_us': expected an integer between 1"},
	{"control: /run/x.sock\n" P0, 1, "key 'control': expected a mapping (found a scalar)"},
	{"control: { socket: run/hotpath.sock }\n" P0, 1,
	 "key 'socket': expected an absolute path (starting with /)"},
	{"control: { socket: \"\" }\n" P0, 1, "key 'socket': expected an absolute path"},
	{"control: { socket: /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa }\n" P0,
	 1, "key 'socket': path too long"},
	{"control: { metrics: \"127.0.0.1\" }\n" P0, 1, "key 'metrics': bad address '127.0.0.1'"},
	{"control: { metrics: \"127.0.0.1:0\" }\n" P0, 1, "key 'metrics': bad address"},
	{"control: { metrics: \"127.0.0.1:65536\" }\n" P0, 1, "key 'metrics': bad address"},
	{"control: { metrics: \"127.0.0.1:http\" }\n" P0, 1, "key 'metrics': bad address"},
	{"control: { metrics: \"::1:9469\" }\n" P0, 1, "must be in brackets"},
	{"control: { metrics: \"[::g]:9469\" }\n" P0, 1, "bad IPv6 address"},
	{"control: { metrics: \"[::1:9469\" }\n" P0, 1, "key 'metrics': bad address"},
	{"control: { metrics: \"300.0.0.1:80\" }\n" P0, 1, "bad IPv4 address"},
	{"control: { metrics: \"bad_host:80\" }\n" P0, 1, "bad host name"},
	{"control: { metrics: \"-host:80\" }\n" P0, 1, "bad host name"},
	{"control: { metrics: \":9469\" }\n" P0, 1, "missing host"},
	{"control: { metrics: [a] }\n" P0, 1, "key 'metrics': expected HOST:PORT (found a sequence)"},

	/* neighbors (L3: ports p0 (l3) and x0 (xconnect) on lines 1-3; NB: the entry on line 5) */
	{L3 "neighbors: {}\n", 4, "key 'neighbors': expected a sequence (found a mapping)"},
	{L3 "neighbors:\n", 4, "key 'neighbors': expected a sequence (found an empty value)"},
	{L3 "neighbors:\n  - 10.0.0.2\n", 5,
	 "key 'neighbors': expected each neighbor to be a mapping (found a scalar)"},
	{NB("{ mac: \"02:00:00:00:00:02\", port: p0 }"), 5, "missing required key 'ip' in neighbor"},
	{NB("{ ip: 10.0.0.2, port: p0 }"), 5, "missing required key 'mac' in neighbor"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00:02\" }"), 5, "missing required key 'port' in neighbor"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00:02\", port: p0, vlan: 1 }"), 5,
	 "unknown key 'vlan' in neighbor (expected one of: ip, mac, port)"},
	{NB("{ ip: 10.0.0.2, ip: 10.0.0.3, mac: \"02:00:00:00:00:02\", port: p0 }"), 5,
	 "duplicate key 'ip' in neighbor"},
	{NB("{ ip: 10.0.0.2/32, mac: \"02:00:00:00:00:02\", port: p0 }"), 5,
	 "key 'ip': bad address '10.0.0.2/32': expected an IPv4 or IPv6 address"},
	{NB("{ ip: 300.0.0.2, mac: \"02:00:00:00:00:02\", port: p0 }"), 5,
	 "key 'ip': bad address '300.0.0.2'"},
	{NB("{ ip: \"fe80::2%eth0\", mac: \"02:00:00:00:00:02\", port: p0 }"), 5, "key 'ip': bad address"},
	{NB("{ ip: [10.0.0.2], mac: \"02:00:00:00:00:02\", port: p0 }"), 5,
	 "key 'ip': expected an IP address (found a sequence)"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00\", port: p0 }"), 5,
	 "key 'mac': bad MAC address '02:00:00:00:00'"},
	{NB("{ ip: 10.0.0.2, mac: \"01:00:5e:00:00:01\", port: p0 }"), 5,
	 "key 'mac': 01:00:5e:00:00:01 is a multicast address"},
	{NB("{ ip: 10.0.0.2, mac: \"00:00:00:00:00:00\", port: p0 }"), 5,
	 "key 'mac': expected a unicast MAC, not all zeros"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00:02\",\n      port: p9 }"), 6,
	 "key 'port': unknown port 'p9' (no port by that name)"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00:02\", port: x0 }"), 5,
	 "key 'port': port 'x0' is mode xconnect: neighbors need an l3 port"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00:02\", port: [p0] }"), 5,
	 "key 'port': expected a port name (found a sequence)"},
	{NB("{ ip: 10.0.0.2, mac: \"02:00:00:00:00:02\", port: p0 }\n"
	    "  - { ip: 10.0.0.2, mac: \"02:00:00:00:00:03\", port: p0 }"),
	 6, "duplicate neighbor 10.0.0.2 on port p0 (first at line 5)"},
	{NB("mac: \"02:00:00:00:00:02\"\n    port: p0\n    ip: \"2001:db8::2\"\n"
	    "  - ip: \"2001:db8:0:0::2\"\n    port: p0\n    mac: \"02:00:00:00:00:03\""),
	 8, "duplicate neighbor 2001:db8::2 on port p0 (first at line 7)"},

	/* routes (RT: the entry on line 5) */
	{L3 "routes: 10.0.0.0/8\n", 4, "key 'routes': expected a sequence (found a scalar)"},
	{L3 "routes:\n  - [10.0.0.0/8, 10.0.0.1]\n", 5,
	 "key 'routes': expected each route to be a mapping (found a sequence)"},
	{RT("{ via: 10.0.0.1 }"), 5, "missing required key 'prefix' in route"},
	{RT("{ prefix: 127.0.0.0/16, action: drop }"), 5,
	 "route: inside the built-in 127.0.0.0/8, which is never forwarded"},
	{RT("{ prefix: \"fe80::/64\", action: drop }"), 5, "inside the built-in fe80::/10"},
	{RT("{ prefix: 10.0.0.0/8, via: 192.0.2.1 }"), 5,
	 "route: via 192.0.2.1 is in no l3 port's subnet (add the subnet to a port's ipv4/ipv6, or give port:)"},
	{RT("{ prefix: \"2001:db8:1::/48\", via: \"fe80::1\" }"), 5, "via fe80::1 is in no l3 port's subnet"},
	{RT("{ prefix: 10.0.0.0/8, via: 10.0.0.1, metric: 1 }"), 5,
	 "unknown key 'metric' in route (expected one of: prefix, via, action, port)"},
	{RT("{ prefix: 10.0.0.1/24, via: 10.0.0.1 }"), 5,
	 "key 'prefix': prefix 10.0.0.1/24 has host bits set; did you mean 10.0.0.0/24?"},
	{RT("{ prefix: 10.0.0.1/0, via: 10.0.0.1 }"), 5,
	 "prefix 10.0.0.1/0 has host bits set; did you mean 0.0.0.0/0?"},
	{RT("{ prefix: 10.255.255.255/31, via: 10.0.0.1 }"), 5, "did you mean 10.255.255.254/31?"},
	{RT("{ prefix: \"2001:db8::1/32\", via: \"2001:db8::1\" }"), 5,
	 "key 'prefix': prefix 2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?"},
	{RT("{ prefix: \"2001:db8:ffff::/33\", via: \"2001:db8::1\" }"), 5,
	 "did you mean 2001:db8:8000::/33?"},
	{RT("{ prefix: 10.0.0.0/33, via: 10.0.0.1 }"), 5,
	 "key 'prefix': bad prefix '10.0.0.0/33': expected a prefix such as 10.0.0.0/8"},
	{RT("{ prefix: 10.0.0.0, via: 10.0.0.1 }"), 5, "key 'prefix': bad prefix '10.0.0.0'"},
	{RT("{ prefix: [10.0.0.0/8], via: 10.0.0.1 }"), 5,
	 "key 'prefix': expected a prefix such as 10.0.0.0/8 or 2001:db8::/32 (found a sequence)"},
	{RT("{ prefix: 10.0.0.0/8 }"), 5,
	 "missing key 'via' in route 10.0.0.0/8 (expected via: NEXT_HOP, or action: drop)"},
	{RT("prefix: 10.0.0.0/8\n    action: forward"), 5, "missing key 'via' in route 10.0.0.0/8"},
	{RT("prefix: 10.0.0.0/8\n    via: 10.0.0.1\n    action: drop"), 7,
	 "key 'action': route 10.0.0.0/8 has both via and action: drop (expected one of them)"},
	{RT("{ prefix: 10.0.0.0/8, action: blackhole }"), 5,
	 "key 'action': expected forward or drop, got 'blackhole'"},
	{RT("{ prefix: 10.0.0.0/8, action: [drop] }"), 5,
	 "key 'action': expected forward or drop (found a sequence)"},
	{RT("{ prefix: 10.0.0.0/8, via: [] }"), 5, "key 'via': expected 1 to 8 next-hop addresses (found 0)"},
	{RT("{ prefix: 10.0.0.0/8, via: [10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6,\n"
	    "      10.0.0.7, 10.0.0.8, 10.0.0.9] }"),
	 5, "key 'via': expected 1 to 8 next-hop addresses (found 9)"},
	{RT("{ prefix: 10.0.0.0/8, via: { a: 1 } }"), 5,
	 "key 'via': expected a next-hop address or a sequence of 1 to 8 (found a mapping)"},
	{RT("{ prefix: 10.0.0.0/8, via: 10.0.0.1/32 }"), 5,
	 "key 'via': bad next hop '10.0.0.1/32': expected an IPv4 or IPv6 address"},
	{RT("{ prefix: 10.0.0.0/8, via: [10.0.0.1, [10.0.0.2]] }"), 5,
	 "key 'via': expected a next-hop address (found a sequence)"},
	{RT("prefix: 10.0.0.0/8\n    via:\n      - 10.0.0.1\n      - 10.0.0.2\n      - 10.0.0.1"), 9,
	 "key 'via': next hop 10.0.0.1 is listed twice (first at line 7)"},
	{RT("via:\n      - 10.0.0.1\n      - \"2001:db8::1\"\n    prefix: 10.0.0.0/8"), 7,
	 "key 'via': next hop 2001:db8::1 is IPv6 but prefix 10.0.0.0/8 is IPv4"},
	{RT("{ prefix: \"2001:db8::/32\", via: 10.0.0.1 }"), 5,
	 "key 'via': next hop 10.0.0.1 is IPv4 but prefix 2001:db8::/32 is IPv6"},
	{RT("prefix: 10.0.0.0/8\n    via: 10.0.0.1\n    port: p9"), 7,
	 "key 'port': unknown port 'p9' (no port by that name)"},
	{RT("prefix: 10.0.0.0/8\n    via: 10.0.0.1\n    port: x0"), 7,
	 "key 'port': port 'x0' is mode xconnect: routes need an l3 port"},
	{RT("prefix: 10.0.0.0/8\n    action: drop\n    port: p0"), 7,
	 "key 'port': route 10.0.0.0/8 drops: a port needs via: NEXT_HOP"},
	{RT("{ prefix: 10.0.0.0/8, via: 10.0.0.1 }\n  - { prefix: 10.0.0.0/16, via: 10.0.0.1 }\n"
	    "  - { prefix: 10.0.0.0/8, action: drop }"),
	 7, "duplicate route 10.0.0.0/8 (first at line 5)"},
	{RT("{ prefix: \"2001:db8::/32\", via: \"2001:db8::1\" }\n"
	    "  - { action: drop,\n      prefix: \"2001:0db8:0::/32\" }"),
	 7, "duplicate route 2001:db8::/32 (first at line 5)"},
	{RT("{ prefix: 0.0.0.0/0, via: 10.0.0.1 }\n  - { prefix: \"::/0\", via: \"::1\" }\n"
	    "  - { prefix: 0.0.0.0/0, via: 10.0.0.2 }"),
	 7, "duplicate route 0.0.0.0/0 (first at line 5)"},

	/* acl_default */
	{P0 "acl_default: allow\n", 3, "key 'acl_default': expected permit or deny, got 'allow'"},
	{P0 "acl_default: [deny]\n", 3, "key 'acl_default': expected permit or deny (found a sequence)"},
	{P0 "acl_default: Deny\n", 3, "key 'acl_default': expected permit or deny, got 'Deny'"},

	/* acl (AC: the rule on line 4) */
	{P0 "acl: { priority: 1 }\n", 3, "key 'acl': expected a sequence (found a mapping)"},
	{P0 "acl:\n  - deny\n", 4, "key 'acl': expected each rule to be a mapping (found a scalar)"},
	{AC("{ action: deny }"), 4, "missing required key 'priority' in acl rule"},
	{AC("{ priority: 1 }"), 4, "missing required key 'action' in acl rule"},
	{AC("{ priority: 1, action: deny, log: true }"), 4,
	 "unknown key 'log' in acl rule (expected one of: priority, src, dst, proto, sport, dport, state, action)"},
	{AC("{ priority: -1, action: deny }"), 4,
	 "key 'priority': expected an integer between 0 and 2147483647"},
	{AC("{ priority: 2147483648, action: deny }"), 4,
	 "key 'priority': expected an integer between 0 and 2147483647"},
	{AC("{ priority: high, action: deny }"), 4, "key 'priority': expected an integer"},
	{AC("{ priority: 1, src: 10.0.0.1/8, action: deny }"), 4,
	 "key 'src': prefix 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"},
	{AC("{ priority: 1, dst: \"2001:db8::1/64\", action: deny }"), 4,
	 "key 'dst': prefix 2001:db8::1/64 has host bits set; did you mean 2001:db8::/64?"},
	{AC("{ priority: 1, src: 10.0.0.0, action: deny }"), 4, "key 'src': bad prefix '10.0.0.0'"},
	{AC("{ priority: 1, dst: any, action: deny }"), 4, "key 'dst': bad prefix 'any'"},
	{AC("priority: 1\n    src: 10.0.0.0/8\n    dst: \"2001:db8::/32\"\n    action: deny"), 6,
	 "key 'dst': 2001:db8::/32 is IPv6 but src 10.0.0.0/8 is IPv4 (a rule matches one family)"},
	{AC("{ priority: 1, proto: ftp, action: deny }"), 4,
	 "key 'proto': expected tcp, udp, icmp, icmpv6, sctp, gre, esp or a protocol number 0..255, got 'ftp'"},
	{AC("{ priority: 1, proto: TCP, action: deny }"), 4, "got 'TCP'"},
	{AC("{ priority: 1, proto: 256, action: deny }"), 4, "key 'proto': expected tcp"},
	{AC("{ priority: 1, proto: -1, action: deny }"), 4, "key 'proto': expected tcp"},
	{AC("{ priority: 1, proto: [tcp], action: deny }"), 4,
	 "key 'proto': expected a protocol name or number (found a sequence)"},
	{AC("priority: 1\n    dst: \"2001:db8::/32\"\n    proto: icmp\n    action: deny"), 6,
	 "key 'proto': icmp is IPv4 only but the rule's addresses are IPv6 (use icmpv6)"},
	{AC("priority: 1\n    proto: icmpv6\n    src: 10.0.0.0/8\n    action: deny"), 5,
	 "key 'proto': icmpv6 is IPv6 only but the rule's addresses are IPv4 (use icmp)"},
	{AC("{ priority: 1, proto: 58, dst: 10.0.0.0/8, action: deny }"), 4, "icmpv6 is IPv6 only"},
	{AC("priority: 1\n    proto: icmp\n    sport: 7\n    action: deny"), 6,
	 "key 'sport': sport needs proto tcp, udp or sctp (proto is icmp)"},
	{AC("priority: 1\n    dport: 53\n    action: deny"), 5,
	 "key 'dport': dport needs proto tcp, udp or sctp (no proto given)"},
	{AC("{ priority: 1, proto: gre, dport: \"1-2\", action: deny }"), 4,
	 "dport needs proto tcp, udp or sctp (proto is gre)"},
	{AC("{ priority: 1, proto: 99, sport: 1, action: deny }"), 4,
	 "sport needs proto tcp, udp or sctp (proto is 99)"},
	{AC("{ priority: 1, proto: tcp, sport: \"10-5\", action: deny }"), 4,
	 "key 'sport': range 10-5 is backwards (expected A-B with A <= B)"},
	{AC("{ priority: 1, proto: udp, dport: 65536, action: deny }"), 4,
	 "key 'dport': expected a port 0..65535 or a range A-B such as \"5000-5010\", got '65536'"},
	{AC("{ priority: 1, proto: udp, dport: \"1-65536\", action: deny }"), 4,
	 "key 'dport': expected a port 0..65535"},
	{AC("{ priority: 1, proto: udp, dport: \"1-\", action: deny }"), 4, "key 'dport': expected a port"},
	{AC("{ priority: 1, proto: udp, dport: \"-1\", action: deny }"), 4, "key 'dport': expected a port"},
	{AC("{ priority: 1, proto: udp, dport: \"1 - 2\", action: deny }"), 4,
	 "key 'dport': expected a port"},
	{AC("{ priority: 1, proto: udp, dport: \"1-2-3\", action: deny }"), 4,
	 "key 'dport': expected a port"},
	{AC("{ priority: 1, proto: udp, dport: \"053\", action: deny }"), 4, "key 'dport': expected a port"},
	{AC("{ priority: 1, proto: udp, dport: \"00000001-2\", action: deny }"), 4,
	 "key 'dport': expected a port"},
	{AC("{ priority: 1, proto: udp, sport: http, action: deny }"), 4, "key 'sport': expected a port"},
	{AC("{ priority: 1, proto: udp, sport: [1, 2], action: deny }"), 4,
	 "key 'sport': expected a port or a range A-B (found a sequence)"},
	{AC("{ priority: 1, action: reject }"), 4,
	 "key 'action': expected permit, deny, count or police NAME, got 'reject'"},
	{AC("{ priority: 1, action: policegold }"), 4,
	 "key 'action': expected permit, deny, count or police NAME"},
	{AC("{ priority: 1, action: police }"), 4, "key 'action': police needs a policer name (police NAME)"},
	{AC("{ priority: 1, action: \"police  \" }"), 4, "key 'action': police needs a policer name"},
	{AC("priority: 1\n    action: police gold"), 5,
	 "key 'action': unknown policer 'gold' (no policer by that name in policers:)"},
	{AC("{ priority: 1, action: police gold }\n"
	    "policers:\n  - { name: silver, type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }"),
	 4, "unknown policer 'gold'"},

	/* policers (PL: the policer on line 4) */
	{P0 "policers: gold\n", 3, "key 'policers': expected a sequence (found a scalar)"},
	{P0 "policers:\n  - gold\n", 4,
	 "key 'policers': expected each policer to be a mapping (found a scalar)"},
	{PL("{ type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }"), 4, "missing required key 'name' in policer"},
	{PL("{ name: s, cir: 1M, cbs: 1k, ebs: 1k }"), 4, "missing required key 'type' in policer"},
	{PL("{ name: s, type: srtcm, cbs: 1k, ebs: 1k }"), 4, "missing required key 'cir' in policer"},
	{PL("{ name: s, type: srtcm, cir: 1M, ebs: 1k }"), 4, "missing required key 'cbs' in policer"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1k, ebs: 1k, color: blind }"), 4,
	 "unknown key 'color' in policer (expected one of: name, type, cir, cbs, pir, pbs, ebs)"},
	{PL("{ name: \"a b\", type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }"), 4,
	 "key 'name': bad policer name 'a b': expected 1 to 31 of A-Z a-z 0-9 _ -"},
	{PL("{ name: \"\", type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }"), 4, "key 'name': bad policer name ''"},
	{PL("{ name: p23456789012345678901234567890123, type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }"), 4,
	 "bad policer name"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }\n"
	    "  - { name: t, type: srtcm, cir: 1M, cbs: 1k, ebs: 1k }\n"
	    "  - { type: srtcm, cir: 1M, cbs: 1k, ebs: 1k,\n      name: s }"),
	 7, "duplicate policer name 's' (first at line 4)"},
	{PL("{ name: s, type: sr, cir: 1M, cbs: 1k, ebs: 1k }"), 4,
	 "key 'type': expected trtcm or srtcm, got 'sr'"},
	{PL("{ name: s, type: srtcm, cir: 0, cbs: 1k, ebs: 1k }"), 4,
	 "key 'cir': expected a rate in bits/s from 1 to 400G: an integer with an optional suffix k, M or G "
	 "(10^3, 10^6, 10^9) such as 100M, got '0'"},
	{PL("{ name: s, type: srtcm, cir: 0k, cbs: 1k, ebs: 1k }"), 4, "key 'cir': expected a rate"},
	{PL("{ name: s, type: srtcm, cir: 401G, cbs: 1k, ebs: 1k }"), 4, "key 'cir': expected a rate"},
	{PL("{ name: s, type: srtcm, cir: 400000001k, cbs: 1k, ebs: 1k }"), 4, "key 'cir': expected a rate"},
	{PL("{ name: s, type: srtcm, cir: 400000000001, cbs: 1k, ebs: 1k }"), 4,
	 "key 'cir': expected a rate"},
	{PL("{ name: s, type: srtcm, cir: 1T, cbs: 1k, ebs: 1k }"), 4, "got '1T'"},
	{PL("{ name: s, type: srtcm, cir: 10m, cbs: 1k, ebs: 1k }"), 4, "got '10m'"},
	{PL("{ name: s, type: srtcm, cir: 1.5M, cbs: 1k, ebs: 1k }"), 4, "got '1.5M'"},
	{PL("{ name: s, type: srtcm, cir: M, cbs: 1k, ebs: 1k }"), 4, "got 'M'"},
	{PL("{ name: s, type: srtcm, cir: -1, cbs: 1k, ebs: 1k }"), 4, "got '-1'"},
	{PL("{ name: s, type: srtcm, cir: 01M, cbs: 1k, ebs: 1k }"), 4, "got '01M'"},
	{PL("{ name: s, type: srtcm, cir: \"1 M\", cbs: 1k, ebs: 1k }"), 4, "got '1 M'"},
	{PL("{ name: s, type: srtcm, cir: [1M], cbs: 1k, ebs: 1k }"), 4,
	 "key 'cir': expected a rate in bits/s (found a sequence)"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 0, ebs: 1k }"), 4,
	 "key 'cbs': expected a size in bytes from 1 to 1G: an integer with an optional suffix k or M "
	 "(2^10, 2^20) such as 64k, got '0'"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1025M, ebs: 1k }"), 4,
	 "key 'cbs': expected a size in bytes"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1073741825, ebs: 1k }"), 4,
	 "key 'cbs': expected a size in bytes"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1G, ebs: 1k }"), 4, "key 'cbs': expected a size in bytes"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1K, ebs: 1k }"), 4, "got '1K'"},
	{PL("{ name: s, type: srtcm, cir: 1M, cbs: 1k, ebs: 0 }"), 4, "key 'ebs': expected a size in bytes"},
	{PL("name: s\n    type: srtcm\n    cir: 1M\n    cbs: 1k"), 4,
	 "missing required key 'ebs' in policer 's' (type srtcm needs ebs)"},
	{PL("name: s\n    type: srtcm\n    cir: 1M\n    cbs: 1k\n    ebs: 1k\n    pir: 2M"), 9,
	 "key 'pir': only valid with type trtcm (policer 's' is srtcm)"},
	{PL("name: s\n    type: srtcm\n    cir: 1M\n    pbs: 2k\n    cbs: 1k\n    ebs: 1k"), 7,
	 "key 'pbs': only valid with type trtcm (policer 's' is srtcm)"},
	{PL("name: g\n    type: trtcm\n    cir: 1M\n    cbs: 1k\n    pbs: 1k"), 4,
	 "missing required key 'pir' in policer 'g' (type trtcm needs pir and pbs)"},
	{PL("{ name: g, type: trtcm, cir: 1M, cbs: 1k, pir: 1M }"), 4,
	 "missing required key 'pbs' in policer 'g' (type trtcm needs pir and pbs)"},
	{PL("name: g\n    type: trtcm\n    cir: 1M\n    cbs: 1k\n    pir: 2M\n    pbs: 2k\n    ebs: 1k"), 10,
	 "key 'ebs': only valid with type srtcm (policer 'g' is trtcm)"},
	{PL("name: g\n    type: trtcm\n    cir: 100M\n    cbs: 1k\n    pir: 50M\n    pbs: 2k"), 8,
	 "key 'pir': 50000000 bits/s is below cir 100000000 bits/s (expected pir >= cir)"},
	{PL("{ name: g, type: trtcm, cir: 1M, cbs: 1k, pir: 401G, pbs: 1k }"), 4,
	 "key 'pir': expected a rate"},
	{PL("{ name: g, type: trtcm, cir: 1M, cbs: 1k, pir: 2M, pbs: 2G }"), 4,
	 "key 'pbs': expected a size in bytes"},

	/* xdp */
	{XD("{ mode: native }"), 4, "missing required key 'iface' in xdp interface"},
	{XD("{ iface: eth1, speed: 1 }"), 4, "unknown key 'speed' in xdp interface"},
	{XD("{ iface: \"\" }"), 4, "key 'iface': bad interface name ''"},
	{XD("{ iface: a23456789012345x }"), 4, "key 'iface': bad interface name 'a23456789012345x'"},
	{XD("{ iface: a/b }"), 4, "key 'iface': bad interface name 'a/b'"},
	{XD("{ iface: eth1 }\n  - { iface: eth1 }"), 5,
	 "interface eth1 has two xdp entries (first at line 4)"},
	{XD("{ iface: eth1, mode: fast }"), 4, "key 'mode': expected native or generic, got 'fast'"},
	{XD("{ iface: eth1, pass: arp }"), 4, "key 'pass': expected a sequence"},
	{XD("{ iface: eth1, pass: [tcp] }"), 4, "key 'pass': bad class 'tcp'"},
	{XD("{ iface: eth1, pass: [tcp/0] }"), 4, "key 'pass': bad class 'tcp/0'"},
	{XD("{ iface: eth1, pass: [udp/65536] }"), 4, "key 'pass': bad class 'udp/65536'"},
	{XD("{ iface: eth1, pass: [udp/10-5] }"), 4, "key 'pass': bad class 'udp/10-5'"},
	{XD("{ iface: eth1, pass: [arp/1] }"), 4, "key 'pass': bad class 'arp/1'"},
	{XD("{ iface: eth1, pass: [sctp/1] }"), 4, "key 'pass': bad class 'sctp/1'"},
	{XD("{ iface: eth1, pass: [arp, nd, arp] }"), 4, "key 'pass': class arp is listed twice"},
	{XD("{ iface: eth1, pass: [[arp]] }"), 4, "key 'pass': expected a class (found a sequence)"},
	{XD("{ iface: eth1, pass: [tcp/sport/179, \"tcp/179\", tcp/sport/179] }"), 4,
	 "key 'pass': class tcp/sport/179 is listed twice"},
	{XD("{ iface: eth1, pass: [tcp/src/179] }"), 4, "key 'pass': bad class 'tcp/src/179'"},
	{XD("{ iface: eth1, on_no_socket: maybe }"), 4,
	 "key 'on_no_socket': expected drop or pass, got 'maybe'"},
	{XD("{ iface: eth1, on_no_socket: [drop] }"), 4, "key 'on_no_socket': expected drop or pass"},
	{XD("{ iface: eth1, block: [10.0.0.1/8] }"), 4,
	 "prefix 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"},
	{XD("{ iface: eth1, block: [10.0.0.0/8, \"2001:db8::/32\", 10.0.0.0/8] }"), 4,
	 "key 'block': prefix 10.0.0.0/8 is listed twice"},
	{XD("{ iface: eth1, block: [10.0.0.0] }"), 4, "key 'block': bad prefix '10.0.0.0'"},
	{XD("[eth1]"), 4, "key 'xdp': expected each xdp interface to be a mapping (found a sequence)"},
	{"ports:\n  - { name: p0, device: \"net_af_xdp0,iface=v0\" }\n"
	 "  - { name: p1, device: \"net_af_xdp1,iface=v0,start_queue=1\" }\n",
	 3, "ports p0 and p1 are both net_af_xdp on v0"},
	{"ports:\n  - { name: p0, device: \"net_af_xdp0,iface=v0,xdp_prog=/x.o\" }\n"
	 "xdp:\n  - { iface: v0 }\n",
	 4, "xdp: v0 is port p0's, whose device names its own xdp_prog"},
	{"ports:\n  - { name: p0, device: \"net_af_xdp0,iface=v0\" }\n"
	 "xdp:\n  - { iface: v0, mode: generic }\n",
	 4, "remove mode: generic"},

	/* YAML syntax */
	{"ports:\n  - { name: p0, device: net_null0\n", 2,
	 "YAML syntax error: did not find expected ',' or '}'"},
	{"ports: [\n", 1, "YAML syntax error"},
	{"ports: [a,\n  b\n", 1, "while parsing a flow sequence at line 1"},
	{"ports:\n\t- { name: p0, device: net_null0 }\n", 2, "YAML syntax error"},
	{"ports: : x\n", 1, "YAML syntax error"},
	{"ports:\n  - name: p0\n   device: net_null0\n", 3, "YAML syntax error"},
	{"ports: *nope\n", 1, "YAML syntax error: found undefined alias"},
	{P0 "\"unterminated\n", 3, "YAML syntax error"},
	{"# \xc3\xa9\xc3\xa9\n" P0 "x: \"\xc3\xa9\xc3\xa9\n\n", 4,
	 "while scanning a quoted scalar at line 4"},
	{"ports:\n  - { name: p0,\n    device: \"\x01\" }\n", 3, "YAML syntax error: control characters"},
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
		CU_ASSERT_PTR_NULL(cfg.neighbors);
		CU_ASSERT_PTR_NULL(cfg.routes);
		CU_ASSERT_PTR_NULL(cfg.acl);
		CU_ASSERT_PTR_NULL(cfg.policers);
		CU_ASSERT_EQUAL(cfg.n_routes + cfg.n_neighbors + cfg.n_acl + cfg.n_policers, 0);
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
	off = (size_t)snprintf(t, cap,
			       "ports:\n  - { name: p0, device: net_null0, queues: 64 }\n"
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
	off = (size_t)snprintf(t, cap,
			       "ports:\n  - { name: p0, device: net_null0, queues: 64 }\n"
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
	rc = parse("t.yaml",
		   "ports:\n  - { name: p0, device: net_null0, \"a\\x1bbcdefghijklmnopqrstuvwxyz"
		   "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\": 1 }\n",
		   &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(
		err, "unknown key 'a?bcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk...'"));
	/* NULL text is an empty document */
	rc = hp_config_parse("t.yaml", NULL, 0, &cfg, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err,
			       "t.yaml:1: expected a mapping with a ports: section (the document is empty)");
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

	/* over 256 MiB: refused before parsing (a sparse file: nothing is read) */
	CU_ASSERT_EQUAL(ftruncate(fd, (256ll << 20) + 1), 0);
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
	CU_ASSERT_STRING_EQUAL(
		err, "/dev/null:1: expected a mapping with a ports: section (the document is empty)");
}

/* config.apply's loader: a regular file only, opened without blocking (a FIFO with no writer would block). */
static void
test_load_regular(void)
{
	char dir[] = "/tmp/test_config_XXXXXX", fifo[64], file[64];
	int fd;

	CU_ASSERT_TRUE_FATAL(mkdtemp(dir) != NULL);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/ok.yaml", dir);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	CU_ASSERT_EQUAL(hp_config_load_regular(fifo, &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file (a FIFO): refused"));
	CU_ASSERT_EQUAL(hp_config_load_regular(dir, &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file (a directory): refused"));
	CU_ASSERT_EQUAL(hp_config_load_regular("/dev/null", &cfg, err, sizeof(err)), -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "/dev/null: not a regular file (a character device): refused");
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(write(fd, good_yaml, strlen(good_yaml)), (ssize_t)strlen(good_yaml));
	close(fd);
	CU_ASSERT_EQUAL(hp_config_load_regular(file, &cfg, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfg.n_ports, 2);
	hp_config_free(&cfg);
	unlink(file);
	unlink(fifo);
	rmdir(dir);
}

static void
test_parse_queue_ref(void)
{
	static const char *const malformed[] = {"",      "p0",    "/0",    "p0/",   "p0/x", "p0/-1",
						"p0/+1", "p0/01", "p0/ 1", "p0/1 ", "p0:1"};
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
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, "a23456789012345678901234567890123456789/0", &r), -ENOENT);
	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++)
		CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, malformed[i], &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(&cfg, NULL, &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_parse_queue_ref(NULL, "p0/0", &r), -EINVAL);
	CU_ASSERT_EQUAL(hp_config_port_index(&cfg, NULL), -1);
	CU_ASSERT_EQUAL(hp_config_port_index(NULL, "p0"), -1);
	hp_config_free(&cfg);
}

/* ports[].host: tap on a 12-character name; the default is none; config dump writes it back. */
static void
test_host_tap(void)
{
	static const char text[] =
		"ports:\n  - { name: abcdefghijkl, device: net_null0, host: tap }\n"
		"  - { name: p1, device: net_null1, host: none }\n  - { name: p2, device: net_null2 }\n";
	struct hp_config c2;
	char *dump;

	CU_ASSERT_EQUAL_FATAL(parse("host.yaml", text, &cfg), 0);
	CU_ASSERT_EQUAL(cfg.ports[0].host, HP_HOST_TAP);
	CU_ASSERT_EQUAL(cfg.ports[1].host, HP_HOST_NONE);
	CU_ASSERT_EQUAL(cfg.ports[2].host, HP_HOST_NONE);
	dump = hp_dump_text(&cfg);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dump);
	CU_ASSERT_PTR_NOT_NULL(strstr(dump, "tap"));
	memset(&c2, 0, sizeof(c2));
	CU_ASSERT_EQUAL_FATAL(parse("dump.yaml", dump, &c2), 0);
	CU_ASSERT_EQUAL(c2.ports[0].host, HP_HOST_TAP);
	CU_ASSERT_EQUAL(c2.ports[1].host, HP_HOST_NONE);
	CU_ASSERT_EQUAL(c2.ports[2].host, HP_HOST_NONE);
	free(dump);
	hp_config_free(&c2);
	hp_config_free(&cfg);
}

static void
test_misc(void)
{
	struct hp_config *z = calloc(1, sizeof(*z));

	CU_ASSERT_STRING_EQUAL(hp_port_mode_name(HP_MODE_L3), "l3");
	CU_ASSERT_STRING_EQUAL(hp_port_mode_name(HP_MODE_XCONNECT), "xconnect");
	CU_ASSERT_PTR_NOT_NULL(hp_port_mode_name((enum hp_port_mode)42));
	CU_ASSERT_STRING_EQUAL(hp_acl_action_name(HP_ACL_PERMIT), "permit");
	CU_ASSERT_STRING_EQUAL(hp_acl_action_name(HP_ACL_DENY), "deny");
	CU_ASSERT_STRING_EQUAL(hp_acl_action_name(HP_ACL_COUNT), "count");
	CU_ASSERT_STRING_EQUAL(hp_acl_action_name(HP_ACL_POLICE), "police");
	CU_ASSERT_PTR_NOT_NULL(hp_acl_action_name((enum hp_acl_action)42));
	hp_config_free(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(z);
	hp_config_free(z); /* zeroed */
	z->eal_args[5] = strdup("half-filled");
	z->routes = calloc(3, sizeof(*z->routes));
	z->n_routes = 2; /* half-filled: fewer used than allocated */
	z->acl = calloc(1, sizeof(*z->acl));
	hp_config_free(z);
	CU_ASSERT_PTR_NULL(z->eal_args[5]);
	CU_ASSERT_PTR_NULL(z->routes);
	CU_ASSERT_PTR_NULL(z->acl);
	CU_ASSERT_EQUAL(z->n_routes, 0);
	free(z);
	CU_ASSERT_EQUAL(hp_config_parse("x", "ports: []", 9, NULL, err, sizeof(err)), -EINVAL);
}

/*
 * Every table key: neighbours (one address on two ports), routes (ECMP, drop,
 * IPv6, an egress port, a default route), acl_default, ACL rules of both
 * families and none, policers of both types, referenced before they are defined.
 */
static const char tables_block[] =
	"ports:\n"                                                                               /* 1 */
	"  - { name: p0, device: net_null0, ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n" /* 2 */
	"  - { name: p1, device: net_null1, ipv4: [10.0.1.1/24] }\n"                             /* 3 */
	"  - { name: x0, device: net_null2, mode: xconnect, peer: x0 }\n"                        /* 4 */
	"neighbors:\n"                                                                           /* 5 */
	"  - ip: 10.0.1.2\n"                                                                     /* 6 */
	"    mac: \"02:00:00:00:01:02\"\n"                                                       /* 7 */
	"    port: p1\n"                                                                         /* 8 */
	"  - ip: \"2001:db8::2\"\n"                                                              /* 9 */
	"    mac: \"02:00:00:00:00:02\"\n"                                                       /* 10 */
	"    port: p0\n"                                                                         /* 11 */
	"  - port: p0\n"                                                                         /* 12 */
	"    ip: 10.0.1.2\n"                                                                     /* 13 */
	"    mac: \"02:00:00:00:01:03\"\n"                                                       /* 14 */
	"routes:\n"                                                                              /* 15 */
	"  - prefix: 198.18.0.0/15\n"                                                            /* 16 */
	"    via: 10.0.1.2\n"                                                                    /* 17 */
	"  - prefix: 0.0.0.0/0\n"                                                                /* 18 */
	"    via:\n"                                                                             /* 19 */
	"      - 10.0.1.2\n"                                                                     /* 20 */
	"      - 10.0.1.3\n"                                                                     /* 21 */
	"    action: forward\n"                                                                  /* 22 */
	"    port: p1\n"                                                                         /* 23 */
	"  - prefix: 203.0.113.0/24\n"                                                           /* 24 */
	"    action: drop\n"                                                                     /* 25 */
	"  - prefix: \"2001:db8:100::/48\"\n"                                                    /* 26 */
	"    via: [\"2001:db8::2\", \"2001:db8::3\", \"2001:db8::4\"]\n"                         /* 27 */
	"  - prefix: 198.18.0.0/16\n"                                                            /* 28 */
	"    via: 10.0.1.4\n"                                                                    /* 29 */
	"  - action: drop\n"                                                                     /* 30 */
	"    prefix: 10.9.9.9/32\n"                                                              /* 31 */
	"acl_default: deny\n"                                                                    /* 32 */
	"acl:\n"                                                                                 /* 33 */
	"  - priority: 100\n"                                                                    /* 34 */
	"    src: 10.0.0.0/8\n"                                                                  /* 35 */
	"    proto: udp\n"                                                                       /* 36 */
	"    dport: \"5000-5010\"\n"                                                             /* 37 */
	"    action: deny\n"                                                                     /* 38 */
	"  - priority: 10\n"                                                                     /* 39 */
	"    dst: \"2001:db8::/32\"\n"                                                           /* 40 */
	"    proto: tcp\n"                                                                       /* 41 */
	"    sport: 1024-65535\n"                                                                /* 42 */
	"    dport: 443\n"                                                                       /* 43 */
	"    action: police gold\n"                                                              /* 44 */
	"  - priority: 0\n"                                                                      /* 45 */
	"    proto: icmp\n"                                                                      /* 46 */
	"    action: count\n"                                                                    /* 47 */
	"  - priority: 2147483647\n"                                                             /* 48 */
	"    src: 0.0.0.0/0\n"                                                                   /* 49 */
	"    dst: 192.0.2.0/24\n"                                                                /* 50 */
	"    proto: 47\n"                                                                        /* 51 */
	"    action: permit\n"                                                                   /* 52 */
	"  - priority: 5\n"                                                                      /* 53 */
	"    proto: sctp\n"                                                                      /* 54 */
	"    sport: \"7\"\n"                                                                     /* 55 */
	"    dport: 0-0\n"                                                                       /* 56 */
	"    action: police silver\n"                                                            /* 57 */
	"  - priority: 5\n"                                                                      /* 58 */
	"    src: \"::/0\"\n"                                                                    /* 59 */
	"    proto: icmpv6\n"                                                                    /* 60 */
	"    action: police gold\n"                                                              /* 61 */
	"policers:\n"                                                                            /* 62 */
	"  - name: gold\n"                                                                       /* 63 */
	"    type: trtcm\n"                                                                      /* 64 */
	"    cir: 100M\n"                                                                        /* 65 */
	"    cbs: 64k\n"                                                                         /* 66 */
	"    pir: 200M\n"                                                                        /* 67 */
	"    pbs: 128k\n"                                                                        /* 68 */
	"  - name: silver\n"                                                                     /* 69 */
	"    type: srtcm\n"                                                                      /* 70 */
	"    cir: 400G\n"                                                                        /* 71 */
	"    cbs: 1024M\n"                                                                       /* 72 */
	"    ebs: 1\n"                                                                           /* 73 */
	"  - { name: bronze_1, type: trtcm, cir: 1500, cbs: 1, pir: 1500k, pbs: 2M }\n";         /* 74 */

/* The same in flow style: the policers first, the ports last. */
static const char tables_flow[] =
	"{ policers: [ { name: gold, type: trtcm, cir: 100M, cbs: 64k, pir: 200M, pbs: 128k },\n"
	"              { name: silver, type: srtcm, cir: 400G, cbs: 1024M, ebs: 1 },\n"
	"              { name: bronze_1, type: trtcm, cir: 1500, cbs: 1, pir: 1500k, pbs: 2M } ],\n"
	"  acl: [ { priority: 100, src: 10.0.0.0/8, proto: udp, dport: \"5000-5010\", action: deny },\n"
	"         { priority: 10, dst: \"2001:db8::/32\", proto: tcp, sport: 1024-65535, dport: 443,\n"
	"           action: police gold },\n"
	"         { priority: 0, proto: icmp, action: count },\n"
	"         { priority: 2147483647, src: 0.0.0.0/0, dst: 192.0.2.0/24, proto: 47, action: permit },\n"
	"         { priority: 5, proto: sctp, sport: 7, dport: \"0-0\", action: police silver },\n"
	"         { priority: 5, src: \"::/0\", proto: icmpv6, action: \"police gold\" } ],\n"
	"  acl_default: deny,\n"
	"  routes: [ { prefix: 198.18.0.0/15, via: 10.0.1.2 },\n"
	"            { prefix: 0.0.0.0/0, via: [10.0.1.2, 10.0.1.3], action: forward, port: p1 },\n"
	"            { prefix: 203.0.113.0/24, action: drop },\n"
	"            { prefix: \"2001:db8:100::/48\", via: [\"2001:db8::2\", \"2001:db8::3\", \"2001:db8::4\"] },\n"
	"            { prefix: 198.18.0.0/16, via: 10.0.1.4 },\n"
	"            { action: drop, prefix: 10.9.9.9/32 } ],\n"
	"  neighbors: [ { ip: 10.0.1.2, mac: \"02:00:00:00:01:02\", port: p1 },\n"
	"               { ip: \"2001:db8::2\", mac: \"02:00:00:00:00:02\", port: p0 },\n"
	"               { port: p0, ip: 10.0.1.2, mac: \"02:00:00:00:01:03\" } ],\n"
	"  ports: [ { name: p0, device: net_null0, ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] },\n"
	"           { name: p1, device: net_null1, ipv4: [10.0.1.1/24] },\n"
	"           { name: x0, device: net_null2, mode: xconnect, peer: x0 } ] }\n";

static bool
is_addr(const struct hp_addr *a, const char *text)
{
	struct hp_addr want;

	return hp_parse_addr(text, 0, &want) == 0 && a->family == want.family &&
	       !memcmp(a->addr, want.addr, 16);
}

static bool
is_prefix(const struct hp_prefix *p, const char *text)
{
	struct hp_prefix want;

	return hp_parse_prefix(text, 0, &want) == 0 && p->family == want.family && p->len == want.len &&
	       !memcmp(p->addr, want.addr, 16);
}

static void
check_tables(const struct hp_config *c)
{
	static const uint8_t m0[6] = {2, 0, 0, 0, 1, 2}, m1[6] = {2, 0, 0, 0, 0, 2},
			     m2[6] = {2, 0, 0, 0, 1, 3};
	const struct hp_route_conf *r = c->routes;
	const struct hp_acl_rule *a = c->acl;
	const struct hp_policer_conf *p = c->policers;

	CU_ASSERT_EQUAL_FATAL(c->n_ports, 3);
	CU_ASSERT_EQUAL_FATAL(c->n_neighbors, 3);
	CU_ASSERT_TRUE(is_addr(&c->neighbors[0].ip, "10.0.1.2"));
	CU_ASSERT_EQUAL(memcmp(c->neighbors[0].mac, m0, 6), 0);
	CU_ASSERT_EQUAL(c->neighbors[0].port, 1);
	CU_ASSERT_TRUE(is_addr(&c->neighbors[1].ip, "2001:db8::2"));
	CU_ASSERT_EQUAL(c->neighbors[1].ip.family, AF_INET6);
	CU_ASSERT_EQUAL(memcmp(c->neighbors[1].mac, m1, 6), 0);
	CU_ASSERT_EQUAL(c->neighbors[1].port, 0);
	CU_ASSERT_TRUE(is_addr(&c->neighbors[2].ip, "10.0.1.2")); /* same address, other port */
	CU_ASSERT_EQUAL(memcmp(c->neighbors[2].mac, m2, 6), 0);
	CU_ASSERT_EQUAL(c->neighbors[2].port, 0);

	CU_ASSERT_EQUAL_FATAL(c->n_routes, 6);
	CU_ASSERT_TRUE(is_prefix(&r[0].prefix, "198.18.0.0/15"));
	CU_ASSERT_EQUAL(r[0].action, HP_ROUTE_FORWARD);
	CU_ASSERT_EQUAL_FATAL(r[0].n_via, 1);
	CU_ASSERT_TRUE(is_addr(&r[0].via[0], "10.0.1.2"));
	CU_ASSERT_EQUAL(r[0].port, -1);
	CU_ASSERT_TRUE(is_prefix(&r[1].prefix, "0.0.0.0/0"));
	CU_ASSERT_EQUAL(r[1].action, HP_ROUTE_FORWARD);
	CU_ASSERT_EQUAL_FATAL(r[1].n_via, 2);
	CU_ASSERT_TRUE(is_addr(&r[1].via[0], "10.0.1.2"));
	CU_ASSERT_TRUE(is_addr(&r[1].via[1], "10.0.1.3"));
	CU_ASSERT_EQUAL(r[1].port, 1);
	CU_ASSERT_TRUE(is_prefix(&r[2].prefix, "203.0.113.0/24"));
	CU_ASSERT_EQUAL(r[2].action, HP_ROUTE_DROP);
	CU_ASSERT_EQUAL(r[2].n_via, 0);
	CU_ASSERT_EQUAL(r[2].port, -1);
	CU_ASSERT_TRUE(is_prefix(&r[3].prefix, "2001:db8:100::/48"));
	CU_ASSERT_EQUAL(r[3].prefix.family, AF_INET6);
	CU_ASSERT_EQUAL_FATAL(r[3].n_via, 3);
	CU_ASSERT_TRUE(is_addr(&r[3].via[0], "2001:db8::2"));
	CU_ASSERT_TRUE(is_addr(&r[3].via[1], "2001:db8::3"));
	CU_ASSERT_TRUE(is_addr(&r[3].via[2], "2001:db8::4"));
	CU_ASSERT_TRUE(is_prefix(&r[4].prefix, "198.18.0.0/16")); /* same address, other length */
	CU_ASSERT_EQUAL(r[4].n_via, 1);
	CU_ASSERT_TRUE(is_prefix(&r[5].prefix, "10.9.9.9/32"));
	CU_ASSERT_EQUAL(r[5].action, HP_ROUTE_DROP);

	CU_ASSERT_TRUE(c->acl_default_deny);
	CU_ASSERT_EQUAL_FATAL(c->n_acl, 6);
	CU_ASSERT_EQUAL(a[0].priority, 100);
	CU_ASSERT_EQUAL(a[0].family, AF_INET);
	CU_ASSERT_TRUE(a[0].has_src);
	CU_ASSERT_TRUE(is_prefix(&a[0].src, "10.0.0.0/8"));
	CU_ASSERT_FALSE(a[0].has_dst);
	CU_ASSERT_TRUE(a[0].has_proto);
	CU_ASSERT_EQUAL(a[0].proto, 17);
	CU_ASSERT_EQUAL(a[0].sport_lo, 0);
	CU_ASSERT_EQUAL(a[0].sport_hi, 65535);
	CU_ASSERT_EQUAL(a[0].dport_lo, 5000);
	CU_ASSERT_EQUAL(a[0].dport_hi, 5010);
	CU_ASSERT_EQUAL(a[0].action, HP_ACL_DENY);
	CU_ASSERT_EQUAL(a[0].policer, -1);
	CU_ASSERT_EQUAL(a[1].priority, 10);
	CU_ASSERT_EQUAL(a[1].family, AF_INET6);
	CU_ASSERT_FALSE(a[1].has_src);
	CU_ASSERT_TRUE(a[1].has_dst);
	CU_ASSERT_TRUE(is_prefix(&a[1].dst, "2001:db8::/32"));
	CU_ASSERT_EQUAL(a[1].proto, 6);
	CU_ASSERT_EQUAL(a[1].sport_lo, 1024);
	CU_ASSERT_EQUAL(a[1].sport_hi, 65535);
	CU_ASSERT_EQUAL(a[1].dport_lo, 443);
	CU_ASSERT_EQUAL(a[1].dport_hi, 443);
	CU_ASSERT_EQUAL(a[1].action, HP_ACL_POLICE);
	CU_ASSERT_EQUAL(a[1].policer, 0);
	CU_ASSERT_EQUAL(a[2].priority, 0);
	CU_ASSERT_EQUAL(a[2].family, 0);
	CU_ASSERT_FALSE(a[2].has_src);
	CU_ASSERT_FALSE(a[2].has_dst);
	CU_ASSERT_EQUAL(a[2].proto, 1);
	CU_ASSERT_EQUAL(a[2].action, HP_ACL_COUNT);
	CU_ASSERT_EQUAL(a[2].policer, -1);
	CU_ASSERT_EQUAL(a[3].priority, 2147483647u);
	CU_ASSERT_EQUAL(a[3].family, AF_INET);
	CU_ASSERT_TRUE(a[3].has_src && a[3].has_dst);
	CU_ASSERT_EQUAL(a[3].src.len, 0);
	CU_ASSERT_TRUE(is_prefix(&a[3].dst, "192.0.2.0/24"));
	CU_ASSERT_EQUAL(a[3].proto, 47);
	CU_ASSERT_EQUAL(a[3].action, HP_ACL_PERMIT);
	CU_ASSERT_EQUAL(a[4].proto, 132);
	CU_ASSERT_EQUAL(a[4].sport_lo, 7);
	CU_ASSERT_EQUAL(a[4].sport_hi, 7);
	CU_ASSERT_EQUAL(a[4].dport_lo, 0);
	CU_ASSERT_EQUAL(a[4].dport_hi, 0);
	CU_ASSERT_EQUAL(a[4].action, HP_ACL_POLICE);
	CU_ASSERT_EQUAL(a[4].policer, 1);
	CU_ASSERT_EQUAL(a[5].family, AF_INET6);
	CU_ASSERT_EQUAL(a[5].proto, 58);
	CU_ASSERT_EQUAL(a[5].policer, 0);

	CU_ASSERT_EQUAL_FATAL(c->n_policers, 3);
	CU_ASSERT_STRING_EQUAL(p[0].name, "gold");
	CU_ASSERT_EQUAL(p[0].type, HP_POLICER_TRTCM);
	CU_ASSERT_EQUAL(p[0].cir, 100000000ull);
	CU_ASSERT_EQUAL(p[0].cbs, 65536ull);
	CU_ASSERT_EQUAL(p[0].pir, 200000000ull);
	CU_ASSERT_EQUAL(p[0].pbs, 131072ull);
	CU_ASSERT_EQUAL(p[0].ebs, 0);
	CU_ASSERT_STRING_EQUAL(p[1].name, "silver");
	CU_ASSERT_EQUAL(p[1].type, HP_POLICER_SRTCM);
	CU_ASSERT_EQUAL(p[1].cir, 400000000000ull);
	CU_ASSERT_EQUAL(p[1].cbs, 1073741824ull);
	CU_ASSERT_EQUAL(p[1].ebs, 1);
	CU_ASSERT_EQUAL(p[1].pir, 0);
	CU_ASSERT_EQUAL(p[1].pbs, 0);
	CU_ASSERT_STRING_EQUAL(p[2].name, "bronze_1");
	CU_ASSERT_EQUAL(p[2].cir, 1500);
	CU_ASSERT_EQUAL(p[2].cbs, 1);
	CU_ASSERT_EQUAL(p[2].pir, 1500000ull);
	CU_ASSERT_EQUAL(p[2].pbs, 2097152ull);
}

/* Both parses agree on every table field but source lines. */
static void
check_same_tables(const struct hp_config *x, const struct hp_config *y)
{
	CU_ASSERT_EQUAL_FATAL(x->n_neighbors, y->n_neighbors);
	for (unsigned i = 0; i < x->n_neighbors; i++) {
		struct hp_neighbor_conf a = x->neighbors[i], b = y->neighbors[i];

		a.line = b.line = 0;
		CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	}
	CU_ASSERT_EQUAL_FATAL(x->n_routes, y->n_routes);
	for (unsigned i = 0; i < x->n_routes; i++) {
		struct hp_route_conf a = x->routes[i], b = y->routes[i];

		a.line = b.line = 0;
		CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0); /* calloc'd: padding is zero */
	}
	CU_ASSERT_EQUAL(x->acl_default_deny, y->acl_default_deny);
	CU_ASSERT_EQUAL_FATAL(x->n_acl, y->n_acl);
	for (unsigned i = 0; i < x->n_acl; i++) {
		struct hp_acl_rule a = x->acl[i], b = y->acl[i];

		a.line = b.line = 0;
		CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	}
	CU_ASSERT_EQUAL_FATAL(x->n_policers, y->n_policers);
	for (unsigned i = 0; i < x->n_policers; i++) {
		struct hp_policer_conf a = x->policers[i], b = y->policers[i];

		a.line = b.line = 0;
		CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
	}
}

static void
test_tables(void)
{
	int rc = parse("tables.yaml", tables_block, &cfg);

	if (rc)
		printf("\n  block: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	check_tables(&cfg);
	CU_ASSERT_EQUAL(cfg.neighbors[0].line, 6);
	CU_ASSERT_EQUAL(cfg.neighbors[2].line, 12);
	CU_ASSERT_EQUAL(cfg.routes[0].line, 16);
	CU_ASSERT_EQUAL(cfg.routes[1].line, 18);
	CU_ASSERT_EQUAL(cfg.routes[5].line, 30);
	CU_ASSERT_EQUAL(cfg.acl[0].line, 34);
	CU_ASSERT_EQUAL(cfg.acl[5].line, 58);
	CU_ASSERT_EQUAL(cfg.policers[0].line, 63);
	CU_ASSERT_EQUAL(cfg.policers[2].line, 74);

	rc = parse("tables_flow.yaml", tables_flow, &cfg2);
	if (rc)
		printf("\n  flow: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	check_tables(&cfg2);
	check_same_tables(&cfg, &cfg2);
	CU_ASSERT_EQUAL(cfg2.policers[1].line, 2);
	CU_ASSERT_EQUAL(cfg2.acl[1].line, 5);
	CU_ASSERT_EQUAL(cfg2.routes[5].line, 17);
	CU_ASSERT_EQUAL(cfg2.neighbors[2].line, 20);
	hp_config_free(&cfg);
	hp_config_free(&cfg2);

	/* anchors: one next-hop list and one rule body shared */
	rc = parse("alias.yaml",
		   "ports: [{ name: p0, device: net_null0, ipv4: [10.0.0.1/24] }]\n"
		   "routes:\n"
		   "  - { prefix: 10.1.0.0/16, via: &nh [10.0.0.2, 10.0.0.3] }\n"
		   "  - { prefix: 10.2.0.0/16, via: *nh }\n"
		   "acl:\n"
		   "  - &r { priority: 1, proto: tcp, dport: 22, action: deny }\n"
		   "  - *r\n",
		   &cfg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.routes[1].n_via, 2);
	CU_ASSERT_TRUE(is_addr(&cfg.routes[1].via[1], "10.0.0.3"));
	CU_ASSERT_EQUAL(cfg.n_acl, 2);
	CU_ASSERT_EQUAL(cfg.acl[1].dport_lo, 22);
	hp_config_free(&cfg);

	/* the same route twice through an alias is a duplicate */
	rc = parse("alias.yaml",
		   "ports: [{ name: p0, device: net_null0 }]\n"
		   "routes:\n  - &r { prefix: 10.1.0.0/16, action: drop }\n  - *r\n",
		   &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "alias.yaml:3: duplicate route 10.1.0.0/16 (first at line 3)");
}

/* Seconds since t0. */
static double
since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/*
 * A generated file of 100,000 routes (IPv4 and IPv6, ECMP, drops, egress
 * ports) and 5,000 ACL rules, as benchmarks load: it parses, it is timed
 * (printed, not asserted), and a duplicate at its very end is still found.
 */
static void
test_big(void)
{
	enum {
		N_ROUTES = 100000,
		N_ACL = 5000
	};
	size_t cap = 16u << 20, off;
	char *t = malloc(cap);
	struct timespec t0;
	unsigned line, dup_line = 0;
	char want[160];
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	off = (size_t)snprintf(
		t, cap,
		"ports:\n"                                                                           /* 1 */
		"  - { name: p0, device: net_null0, ipv4: [10.0.0.1/24], ipv6: [\"fd00::1/64\"] }\n" /* 2 */
		"  - { name: p1, device: net_null1, ipv4: [10.0.1.1/24] }\n"                         /* 3 */
		"policers:\n"                                                                        /* 4 */
		"  - { name: gold, type: trtcm, cir: 1G, cbs: 1M, pir: 2G, pbs: 2M }\n"              /* 5 */
		"routes:\n");                                                                        /* 6 */
	line = 7;
	for (unsigned i = 0; i < N_ROUTES; i++, line++) {
		unsigned a = 1 + i / 65536, b = (i / 256) % 256, cc = i % 256;

		if (i % 10 == 9) /* IPv6 */
			off += (size_t)snprintf(t + off, cap - off,
						"  - { prefix: \"2001:db8:%x:%x::/64\", via: \"fd00::2\" }\n",
						i >> 16, i & 0xffff);
		else if (i % 10 == 7)
			off += (size_t)snprintf(t + off, cap - off,
						"  - { prefix: %u.%u.%u.0/24, action: drop }\n", a, b, cc);
		else if (i % 10 == 5)
			off += (size_t)snprintf(
				t + off, cap - off,
				"  - { prefix: %u.%u.%u.0/24, via: [10.0.1.2, 10.0.1.3, 10.0.1.4], port: p1 }\n",
				a, b, cc);
		else
			off += (size_t)snprintf(t + off, cap - off,
						"  - { prefix: %u.%u.%u.0/24, via: 10.0.1.2 }\n", a, b, cc);
		if (i == N_ROUTES / 2)
			dup_line = line;
	}
	off += (size_t)snprintf(t + off, cap - off, "acl:\n");
	for (unsigned i = 0; i < N_ACL; i++)
		off += (size_t)snprintf(
			t + off, cap - off,
			"  - { priority: %u, src: 10.%u.%u.0/24, proto: udp, dport: \"%u-%u\", "
			"action: %s }\n",
			i, i / 256, i % 256, i % 60000, i % 60000 + 10,
			i % 3 == 0   ? "deny"
			: i % 3 == 1 ? "count"
				     : "police gold");
	CU_ASSERT_TRUE_FATAL(off < cap - 200);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = hp_config_parse("big.yaml", t, off, &cfg, err, sizeof(err));
	printf("\n  %u routes + %u ACL rules (%.1f MB): %.3f s ", N_ROUTES, N_ACL, (double)off / 1e6,
	       since(&t0));
	if (rc)
		printf("\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_routes, N_ROUTES);
	CU_ASSERT_EQUAL(cfg.n_acl, N_ACL);
	CU_ASSERT_EQUAL(cfg.routes[0].line, 7);
	CU_ASSERT_TRUE(is_prefix(&cfg.routes[0].prefix, "1.0.0.0/24"));
	CU_ASSERT_TRUE(is_prefix(&cfg.routes[9].prefix, "2001:db8:0:9::/64"));
	CU_ASSERT_EQUAL(cfg.routes[7].action, HP_ROUTE_DROP);
	CU_ASSERT_EQUAL(cfg.routes[5].n_via, 3);
	CU_ASSERT_EQUAL(cfg.routes[5].port, 1);
	CU_ASSERT_EQUAL(cfg.routes[N_ROUTES - 1].line, 7 + N_ROUTES - 1);
	CU_ASSERT_EQUAL(cfg.acl[N_ACL - 1].action, HP_ACL_COUNT);
	CU_ASSERT_EQUAL(cfg.acl[N_ACL - 1].policer, -1);
	CU_ASSERT_EQUAL(cfg.acl[N_ACL - 3].action, HP_ACL_POLICE);
	CU_ASSERT_EQUAL(cfg.acl[N_ACL - 3].policer, 0);
	CU_ASSERT_EQUAL(cfg.acl[N_ACL - 3].dport_lo, (N_ACL - 3) % 60000);
	CU_ASSERT_EQUAL(cfg.acl[N_ACL - 1].line, 7 + N_ROUTES + N_ACL);
	hp_config_free(&cfg);

	/* one more route after the last, equal to the one in the middle */
	off = (size_t)(strstr(t, "acl:\n") - t);
	snprintf(t + off, cap - off, "  - { prefix: %u.%u.%u.0/24, action: drop }\n",
		 1 + (N_ROUTES / 2) / 65536, (N_ROUTES / 2 / 256) % 256, (N_ROUTES / 2) % 256);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = parse("big.yaml", t, &cfg);
	printf("(duplicate found in %.3f s) ", since(&t0));
	CU_ASSERT_EQUAL(rc, -EINVAL);
	snprintf(want, sizeof(want), "big.yaml:%u: duplicate route %u.%u.%u.0/24 (first at line %u)", line,
		 1 + (N_ROUTES / 2) / 65536, (N_ROUTES / 2 / 256) % 256, (N_ROUTES / 2) % 256, dup_line);
	CU_ASSERT_STRING_EQUAL(err, want);
	free(t);
}

/* HP_MAX_POLICERS, HP_MAX_ACL_RULES and HP_MAX_NEIGHBORS entries fit, one more does not. */
static void
test_table_limits(void)
{
	size_t cap = 8u << 20, off;
	char *t = malloc(cap);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	off = (size_t)snprintf(t, cap, P0 "policers:\n");
	for (unsigned i = 0; i < HP_MAX_POLICERS; i++)
		off += (size_t)snprintf(t + off, cap - off,
					"  - { name: p%u, type: srtcm, cir: %uk, cbs: 1k, ebs: 1k }\n", i,
					i + 1);
	rc = parse("l.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_policers, HP_MAX_POLICERS);
	CU_ASSERT_EQUAL(cfg.policers[HP_MAX_POLICERS - 1].cir, 1024000ull);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, "  - { name: one_more, type: srtcm, cir: 1k, cbs: 1k, ebs: 1k }\n");
	rc = parse("l.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "l.yaml:1028: key 'policers': too many policers (at most 1024)");

	off = (size_t)snprintf(t, cap, P0 "acl:\n");
	for (unsigned i = 0; i < HP_MAX_ACL_RULES; i++)
		off += (size_t)snprintf(t + off, cap - off, "  - { priority: %u, action: count }\n", i);
	rc = parse("l.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_acl, HP_MAX_ACL_RULES);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, "  - { priority: 1, action: deny }\n");
	rc = parse("l.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "l.yaml:65540: key 'acl': too many rules (at most 65536)");

	/* every neighbour on both ports: same addresses, no duplicates */
	off = (size_t)snprintf(t, cap,
			       "ports: [{ name: p0, device: net_null0 }, "
			       "{ name: p1, device: net_null1 }]\nneighbors:\n");
	for (unsigned i = 0; i < HP_MAX_NEIGHBORS; i++)
		off += (size_t)snprintf(t + off, cap - off,
					"  - { ip: 10.0.%u.%u, mac: \"02:00:00:00:%02x:%02x\", port: p%u }\n",
					i / 2 / 256, i / 2 % 256, i / 512, i % 256, i % 2);
	rc = parse("l.yaml", t, &cfg);
	if (rc)
		printf("\n  %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(cfg.n_neighbors, HP_MAX_NEIGHBORS);
	CU_ASSERT_EQUAL(cfg.neighbors[HP_MAX_NEIGHBORS - 1].port, 1);
	hp_config_free(&cfg);
	snprintf(t + off, cap - off, "  - { ip: 10.9.9.9, mac: \"02:00:00:00:00:01\", port: p0 }\n");
	rc = parse("l.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "l.yaml:65539: key 'neighbors': too many neighbors (at most 65536)");
	/* the last one repeats the first: found at its line */
	t[off] = '\0';
	off = (size_t)(strrchr(t, '-') - t); /* the last entry, replaced */
	snprintf(t + off, cap - off, "- { ip: 10.0.0.0, mac: \"02:00:00:00:00:01\", port: p0 }\n");
	rc = parse("l.yaml", t, &cfg);
	CU_ASSERT_EQUAL(rc, -EINVAL);
	CU_ASSERT_STRING_EQUAL(err, "l.yaml:65538: duplicate neighbor 10.0.0.0 on port p0 (first at line 3)");
	free(t);
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
		return !strncmp(err, "fuzz.yaml:", 10) && cfg.eal_args[0] == NULL && !cfg.routes &&
		       !cfg.neighbors && !cfg.acl && !cfg.policers;
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
	ok = ok && cfg.n_neighbors <= HP_MAX_NEIGHBORS && cfg.n_routes <= HP_MAX_ROUTES &&
	     cfg.n_acl <= HP_MAX_ACL_RULES && cfg.n_policers <= HP_MAX_POLICERS &&
	     (!cfg.n_neighbors || cfg.neighbors) && (!cfg.n_routes || cfg.routes) &&
	     (!cfg.n_acl || cfg.acl) && (!cfg.n_policers || cfg.policers);
	for (unsigned i = 0; ok && i < cfg.n_neighbors; i++) {
		const struct hp_neighbor_conf *nb = &cfg.neighbors[i];

		ok = nb->port < cfg.n_ports && cfg.ports[nb->port].mode == HP_MODE_L3 &&
		     (nb->ip.family == AF_INET || nb->ip.family == AF_INET6) && !(nb->mac[0] & 1);
		for (unsigned k = 0; ok && k < i; k++) /* small inputs: quadratic is fine here */
			ok = nb->port != cfg.neighbors[k].port ||
			     memcmp(&nb->ip, &cfg.neighbors[k].ip, sizeof(nb->ip));
	}
	for (unsigned i = 0; ok && i < cfg.n_routes; i++) {
		const struct hp_route_conf *r = &cfg.routes[i];
		struct hp_addr net = {r->prefix.family, {0}};

		memcpy(net.addr, r->prefix.addr, 16);
		ok = hp_prefix_contains(&r->prefix, &net) &&
		     (r->action == HP_ROUTE_DROP ? r->n_via == 0 && r->port == -1
						 : r->n_via >= 1 && r->n_via <= HP_MAX_ECMP) &&
		     r->port < (int)cfg.n_ports && (r->port < 0 || cfg.ports[r->port].mode == HP_MODE_L3);
		for (unsigned k = 0; ok && k < r->n_via; k++)
			ok = r->via[k].family == r->prefix.family;
		for (unsigned k = 0; ok && k < i; k++)
			ok = memcmp(&r->prefix, &cfg.routes[k].prefix, sizeof(r->prefix)) != 0;
	}
	for (unsigned i = 0; ok && i < cfg.n_acl; i++) {
		const struct hp_acl_rule *a = &cfg.acl[i];

		ok = a->sport_lo <= a->sport_hi && a->dport_lo <= a->dport_hi && a->priority <= 2147483647u &&
		     (a->action == HP_ACL_POLICE) == (a->policer >= 0) && a->policer < (int)cfg.n_policers &&
		     (!a->has_src || a->src.family == a->family) &&
		     (!a->has_dst || a->dst.family == a->family);
	}
	for (unsigned i = 0; ok && i < cfg.n_policers; i++) {
		const struct hp_policer_conf *p = &cfg.policers[i];

		ok = p->name[0] && p->cir >= 1 && p->cbs >= 1 &&
		     (p->type == HP_POLICER_TRTCM ? p->pir >= p->cir && p->pbs >= 1 && !p->ebs
						  : p->ebs >= 1 && !p->pir && !p->pbs);
	}
	hp_config_free(&cfg);
	return ok;
}

static void
test_mutations(void)
{
	static const char interesting[] = ":-[]{},\"'&*!|>#\n \t\\0123456789/%@`?";
	const char *seeds[] = {good_yaml, full_block, full_flow, tables_block, tables_flow};
	unsigned runs = 0, bad = 0, accepted = 0;
	char *buf = malloc(8192);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t len = strlen(seeds[s]);

		CU_ASSERT_FATAL(len < 8192);

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

				buf[at] = (r & 1) ? (char)(r >> 8)
						  : interesting[(r >> 8) % (sizeof(interesting) - 1)];
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

static void
test_parse_xdp_class(void)
{
	static const struct {
		const char *in, *out;
		enum hp_xdp_class_kind kind;
		uint16_t lo, hi;
		bool sport;
	} good[] = {
		{"arp", "arp", HP_XDP_CLASS_ARP, 0, 0, false},
		{"nd", "nd", HP_XDP_CLASS_ND, 0, 0, false},
		{"icmp", "icmp", HP_XDP_CLASS_ICMP, 0, 0, false},
		{"icmpv6", "icmpv6", HP_XDP_CLASS_ICMP6, 0, 0, false},
		{"tcp/22", "tcp/22", HP_XDP_CLASS_TCP, 22, 22, false},
		{"udp/1", "udp/1", HP_XDP_CLASS_UDP, 1, 1, false},
		{"udp/65535", "udp/65535", HP_XDP_CLASS_UDP, 65535, 65535, false},
		{"tcp/179-179", "tcp/179", HP_XDP_CLASS_TCP, 179, 179, false},
		{"udp/5000-5010", "udp/5000-5010", HP_XDP_CLASS_UDP, 5000, 5010, false},
		{"tcp/dport/22", "tcp/22", HP_XDP_CLASS_TCP, 22, 22, false},
		{"tcp/sport/179", "tcp/sport/179", HP_XDP_CLASS_TCP, 179, 179, true},
		{"udp/sport/123", "udp/sport/123", HP_XDP_CLASS_UDP, 123, 123, true},
		{"udp/sport/1024-65535", "udp/sport/1024-65535", HP_XDP_CLASS_UDP, 1024, 65535, true},
		{"udp/dport/5000-5010", "udp/5000-5010", HP_XDP_CLASS_UDP, 5000, 5010, false},
	};
	static const char *const bad[] = {"",
					  "tcp",
					  "udp",
					  "tcp/",
					  "tcp/0",
					  "tcp/65536",
					  "tcp/-1",
					  "tcp/+1",
					  "tcp/1-",
					  "tcp/-5",
					  "tcp/5-4",
					  "tcp/1-2-3",
					  "tcp/22 ",
					  " tcp/22",
					  "TCP/22",
					  "arp/1",
					  "nd/",
					  "icmp/0",
					  "sctp/1",
					  "ip",
					  "tcp/0x16",
					  "tcp/1234567",
					  "ar",
					  "arpx",
					  "tcp/sport/",
					  "tcp/sport",
					  "tcp/sport/0",
					  "tcp/src/22",
					  "tcp/sport/dport/1",
					  "tcp//22",
					  "tcp/SPORT/22",
					  "arp/sport/1",
					  "tcp/sport/5-4",
					  "tcp/sport/-1"};
	struct hp_xdp_class c;
	char text[32];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(hp_parse_xdp_class(good[i].in, &c), 0);
		CU_ASSERT_EQUAL(c.kind, good[i].kind);
		CU_ASSERT_EQUAL(c.port_lo, good[i].lo);
		CU_ASSERT_EQUAL(c.port_hi, good[i].hi);
		CU_ASSERT_EQUAL(c.sport, good[i].sport);
		hp_xdp_class_text(&c, text, sizeof(text));
		CU_ASSERT_STRING_EQUAL(text, good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(hp_parse_xdp_class(bad[i], &c), -EINVAL);
		if (hp_parse_xdp_class(bad[i], &c) != -EINVAL)
			printf("\n  accepted '%s'", bad[i]);
	}
	{
		struct hp_xdp_class d, s;

		/* a destination and a source class on one port are two classes */
		CU_ASSERT_EQUAL(hp_parse_xdp_class("tcp/179", &d), 0);
		CU_ASSERT_EQUAL(hp_parse_xdp_class("tcp/sport/179", &s), 0);
		CU_ASSERT_FALSE(hp_xdp_class_equal(&d, &s));
	}
	CU_ASSERT_TRUE(hp_ifname_ok("eth1"));
	CU_ASSERT_TRUE(hp_ifname_ok("veth-hp.0"));
	CU_ASSERT_TRUE(hp_ifname_ok("a23456789012345"));
	CU_ASSERT_FALSE(hp_ifname_ok("a234567890123456"));
	CU_ASSERT_FALSE(hp_ifname_ok(""));
	CU_ASSERT_FALSE(hp_ifname_ok(".."));
	CU_ASSERT_FALSE(hp_ifname_ok("a b"));
	CU_ASSERT_TRUE(hp_af_xdp_iface("net_af_xdp0,iface=v0,start_queue=0", text, sizeof(text)));
	CU_ASSERT_STRING_EQUAL(text, "v0");
	CU_ASSERT_TRUE(hp_af_xdp_iface("net_af_xdp12,start_queue=0,iface=eth1", text, sizeof(text)));
	CU_ASSERT_STRING_EQUAL(text, "eth1");
	CU_ASSERT_FALSE(hp_af_xdp_iface("net_af_packet0,iface=v0", text, sizeof(text)));
	CU_ASSERT_FALSE(hp_af_xdp_iface("net_af_xdp0,iface=", text, sizeof(text)));
	CU_ASSERT_FALSE(hp_af_xdp_iface("net_af_xdp0", text, sizeof(text)));
}

/* One entry as the socket sends it (JSON), through the file's parsers, against a running config. */
static int
entry(const char *section, const char *json, void *out)
{
	json_error_t jerr;
	json_t *j = json_loads(json, JSON_DECODE_ANY, &jerr);
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	rc = hp_config_parse_entry(&cfg, section, j, out, err, sizeof(err));
	json_decref(j);
	return rc;
}

static void
test_parse_entry(void)
{
	static const char policers[] =
		"policers:\n  - { name: gold, type: trtcm, cir: 100M, cbs: 64k, pir: 200M, pbs: 128k }\n";
	static const struct {
		const char *section, *json, *msg;
	} bad[] = {
		{"acl", "{\"priority\": 10, \"src\": \"10.0.0.1/8\", \"action\": \"deny\"}",
		 "key 'src': prefix 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"},
		{"acl", "{\"priority\": 10, \"action\": \"police silver\"}",
		 "key 'action': unknown policer 'silver' (no policer by that name in policers:)"},
		{"acl", "{\"priority\": 1}", "missing required key 'action' in acl rule"},
		{"acl", "{\"priority\": -1, \"action\": \"deny\"}",
		 "key 'priority': expected an integer between 0 and 2147483647"},
		{"acl", "{\"priority\": true, \"action\": \"deny\"}",
		 "key 'priority': expected an integer between 0 and 2147483647"},
		{"acl", "{\"priority\": 1, \"dport\": [1], \"proto\": \"udp\", \"action\": \"deny\"}",
		 "key 'dport': expected a port or a range A-B (found a sequence)"},
		{"acl", "{\"priority\": 1, \"dport\": \"53\", \"action\": \"deny\"}",
		 "key 'dport': dport needs proto tcp, udp or sctp (no proto given)"},
		{"acl", "{\"priority\": 1, \"action\": \"deny\", \"vlan\": 3}",
		 "unknown key 'vlan' in acl rule (expected one of: priority, src, dst, proto, sport, dport, state, action)"},
		{"acl", "5", "key 'acl': expected each rule to be a mapping (found a scalar)"},
		{"acl", "{\"priority\": null, \"action\": \"deny\"}",
		 "key 'priority': expected an integer between 0 and 2147483647"},
		{"routes", "{\"prefix\": \"198.18.0.0/15\", \"via\": \"192.0.2.1\"}",
		 "route: via 192.0.2.1 is in no l3 port's subnet (add the subnet to a port's ipv4/ipv6, or give port:)"},
		{"routes", "{\"prefix\": \"198.18.0.0/15\", \"via\": \"2001:db8::2\"}",
		 "key 'via': next hop 2001:db8::2 is IPv6 but prefix 198.18.0.0/15 is IPv4"},
		{"routes", "{\"prefix\": \"198.18.0.0/15\"}",
		 "missing key 'via' in route 198.18.0.0/15 (expected via: NEXT_HOP, or action: drop)"},
		{"neighbors", "{\"ip\": \"10.0.1.2\", \"mac\": \"02:00:00:00:01:02\", \"port\": \"p9\"}",
		 "key 'port': unknown port 'p9' (no port by that name)"},
		{"neighbors", "{\"ip\": \"10.0.1.2\", \"mac\": \"01:00:5e:00:00:01\", \"port\": \"p1\"}",
		 "key 'mac': 01:00:5e:00:00:01 is a multicast address: expected a unicast MAC"},
		{"neighbors", "{\"ip\": \"192.0.2.9\", \"mac\": \"02:00:00:00:01:02\"}",
		 "key 'ip': 192.0.2.9 is in no l3 port's subnet: give \"port\""},
		{"neighbors", "{\"ip\": \"10.0.1.9\", \"port\": \"p1\"}",
		 "missing required key 'mac' in neighbor"},
		{"policers", "{\"name\": \"x\", \"type\": \"trtcm\", \"cir\": \"10M\", \"cbs\": \"64k\"}",
		 "missing required key 'pir' in policer 'x' (type trtcm needs pir and pbs)"},
		{"xdp", "{\"iface\": \"eth1\", \"block\": [\"10.0.0.1/8\"]}",
		 "key 'block': prefix 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?"},
		{"ports", "{\"name\": \"p9\"}", "no section 'ports' of single entries"},
	};
	struct hp_acl_rule a;
	struct hp_route_conf r;
	struct hp_neighbor_conf nb;
	struct hp_policer_conf pol;
	struct hp_xdp_conf x;
	char text[sizeof(good_yaml) + sizeof(policers)];

	snprintf(text, sizeof(text), "%s%s", good_yaml, policers);
	CU_ASSERT_EQUAL_FATAL(parse("good.yaml", text, &cfg), 0);

	CU_ASSERT_EQUAL(
		entry("acl",
		      "{\"priority\": 10, \"proto\": \"udp\", \"dport\": \"5000-5010\", \"action\": \"deny\"}",
		      &a),
		0);
	CU_ASSERT_STRING_EQUAL(err, "");
	CU_ASSERT_EQUAL(a.priority, 10);
	CU_ASSERT_TRUE(a.has_proto);
	CU_ASSERT_EQUAL(a.proto, 17);
	CU_ASSERT_EQUAL(a.sport_lo, 0);
	CU_ASSERT_EQUAL(a.sport_hi, 65535);
	CU_ASSERT_EQUAL(a.dport_lo, 5000);
	CU_ASSERT_EQUAL(a.dport_hi, 5010);
	CU_ASSERT_EQUAL(a.action, HP_ACL_DENY);
	CU_ASSERT_EQUAL(a.policer, -1);
	CU_ASSERT_EQUAL(a.family, 0);
	CU_ASSERT_EQUAL(a.line, 0);
	/* JSON integers read as their decimal text; police resolves against the running policers */
	CU_ASSERT_EQUAL(entry("acl",
			      "{\"priority\": 7, \"dst\": \"2001:db8::/32\", \"proto\": 6, \"dport\": 53, "
			      "\"action\": \"police gold\"}",
			      &a),
			0);
	CU_ASSERT_EQUAL(a.proto, 6);
	CU_ASSERT_EQUAL(a.dport_lo, 53);
	CU_ASSERT_EQUAL(a.dport_hi, 53);
	CU_ASSERT_EQUAL(a.family, AF_INET6);
	CU_ASSERT_EQUAL(a.action, HP_ACL_POLICE);
	CU_ASSERT_EQUAL(a.policer, 0);

	CU_ASSERT_EQUAL(
		entry("routes", "{\"prefix\": \"198.18.0.0/15\", \"via\": [\"10.0.0.2\", \"10.0.1.2\"]}", &r),
		0);
	CU_ASSERT_EQUAL(r.prefix.family, AF_INET);
	CU_ASSERT_EQUAL(r.prefix.len, 15);
	CU_ASSERT_EQUAL(r.action, HP_ROUTE_FORWARD);
	CU_ASSERT_EQUAL(r.n_via, 2);
	CU_ASSERT_EQUAL(r.port, -1);
	CU_ASSERT_EQUAL(entry("routes",
			      "{\"prefix\": \"2001:db8:1::/48\", \"via\": \"fe80::1\", \"port\": \"p1\"}",
			      &r),
			0);
	CU_ASSERT_EQUAL(r.port, 1);
	CU_ASSERT_EQUAL(entry("routes", "{\"prefix\": \"192.0.2.0/24\", \"action\": \"drop\"}", &r), 0);
	CU_ASSERT_EQUAL(r.action, HP_ROUTE_DROP);
	CU_ASSERT_EQUAL(r.n_via, 0);

	CU_ASSERT_EQUAL(entry("neighbors",
			      "{\"ip\": \"10.0.1.2\", \"mac\": \"02:00:00:00:01:02\", \"port\": \"p1\"}",
			      &nb),
			0);
	CU_ASSERT_EQUAL(nb.port, 1);
	CU_ASSERT_EQUAL(nb.ip.family, AF_INET);
	CU_ASSERT_EQUAL(nb.mac[5], 2);
	/* port: from the subnet that holds ip, as neigh.add finds it */
	CU_ASSERT_EQUAL(entry("neighbors", "{\"ip\": \"2001:db8::9\", \"mac\": \"02:00:00:00:01:09\"}", &nb),
			0);
	CU_ASSERT_EQUAL(nb.port, 0);
	CU_ASSERT_EQUAL(nb.ip.family, AF_INET6);

	/* a policer alone: a running name is the caller's to judge (replace or refuse) */
	CU_ASSERT_EQUAL(entry("policers",
			      "{\"name\": \"gold\", \"type\": \"srtcm\", \"cir\": \"10M\", \"cbs\": \"64k\", "
			      "\"ebs\": \"128k\"}",
			      &pol),
			0);
	CU_ASSERT_STRING_EQUAL(pol.name, "gold");
	CU_ASSERT_EQUAL(pol.type, HP_POLICER_SRTCM);
	CU_ASSERT_EQUAL(pol.cir, 10000000ull);
	CU_ASSERT_EQUAL(pol.ebs, 131072ull);

	CU_ASSERT_EQUAL(entry("xdp",
			      "{\"iface\": \"eth1\", \"mode\": \"generic\", \"pass\": [\"arp\", \"tcp/22\"], "
			      "\"block\": [\"192.0.2.0/24\", \"2001:db8::/32\"]}",
			      &x),
			0);
	CU_ASSERT_STRING_EQUAL(x.iface, "eth1");
	CU_ASSERT_EQUAL(x.mode, HP_XDP_GENERIC);
	CU_ASSERT_EQUAL(x.n_pass, 2);
	CU_ASSERT_EQUAL(x.n_block, 2);
	CU_ASSERT_EQUAL(x.on_no_socket, HP_XDP_NOSOCK_DEFAULT);
	free(x.block);
	CU_ASSERT_EQUAL(entry("xdp",
			      "{\"iface\": \"eth1\", \"on_no_socket\": \"pass\", \"pass\": [\"tcp/179\", "
			      "\"tcp/sport/179\"]}",
			      &x),
			0);
	CU_ASSERT_EQUAL(x.on_no_socket, HP_XDP_NOSOCK_PASS);
	CU_ASSERT_EQUAL(x.n_pass, 2);
	free(x.block);
	CU_ASSERT_EQUAL(entry("xdp", "{\"iface\": \"eth1\", \"on_no_socket\": \"drop\"}", &x), 0);
	CU_ASSERT_EQUAL(x.on_no_socket, HP_XDP_NOSOCK_DROP);
	free(x.block);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		union {
			struct hp_acl_rule a;
			struct hp_route_conf r;
			struct hp_neighbor_conf nb;
			struct hp_policer_conf p;
			struct hp_xdp_conf x;
		} out;

		CU_ASSERT_EQUAL(entry(bad[i].section, bad[i].json, &out), -EINVAL);
		if (strcmp(err, bad[i].msg))
			printf("\n  %s %s:\n    got  %s\n    want %s\n", bad[i].section, bad[i].json, err,
			       bad[i].msg);
		CU_ASSERT_STRING_EQUAL(err, bad[i].msg);
	}
	CU_ASSERT_EQUAL(hp_config_parse_entry(&cfg, "acl", NULL, &a, err, sizeof(err)), -EINVAL);

	/* the running config is read, never changed */
	CU_ASSERT_EQUAL(cfg.n_acl, 0);
	CU_ASSERT_EQUAL(cfg.n_routes, 0);
	CU_ASSERT_EQUAL(cfg.n_neighbors, 0);
	CU_ASSERT_EQUAL(cfg.n_policers, 1);
	CU_ASSERT_EQUAL(cfg.n_xdp, 0);
	CU_ASSERT_STRING_EQUAL(cfg.policers[0].name, "gold");
	hp_config_free(&cfg);
}

int
main(void)
{
	static const struct hp_cunit_test tests[] = {
		{"DESIGN.md example", test_good_example},
		{"DESIGN.md full example", test_design_example},
		{"defaults", test_defaults},
		{"block and flow styles", test_block_and_flow},
		{"anchors and aliases", test_aliases},
		{"neighbors, routes, acl, policers", test_tables},
		{"bad configs", test_bad_configs},
		{"error after eal frees", test_error_after_eal},
		{"limits", test_limits},
		{"table limits", test_table_limits},
		{"100k routes, 5k ACL rules", test_big},
		{"error buffer", test_err_buffer},
		{"load from file", test_load},
		{"load a regular file only", test_load_regular},
		{"hp_parse_queue_ref", test_parse_queue_ref},
		{"hp_parse_xdp_class", test_parse_xdp_class},
		{"misc", test_misc},
		{"ports[].host: tap", test_host_tap},
		{"mutations", test_mutations},
		{"one entry from JSON", test_parse_entry},
	};

	return HP_CUNIT_RUN("config", tests);
}
