/*
 * libFuzzer target for hp_config_parse_entry(): one socket entry as JSON against a running
 * config. The first byte picks the section, the rest is the JSON. Any bytes give 0 with an
 * entry within its limits, or -EINVAL / -ENOMEM with one message and no FILE:LINE; the
 * running config is never changed and nothing stays allocated (ASan's leak check).
 *
 * Run: build/fuzz/tests/fuzz/fuzz_config_entry -max_total_time=60 /tmp/work tests/fuzz/corpus/config_entry
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

#define CHECK(cond)                                                                                   \
	do {                                                                                          \
		if (!(cond)) {                                                                        \
			fprintf(stderr, "fuzz_config_entry: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                      \
		}                                                                                     \
	} while (0)

static const char running[] =
	"ports:\n"
	"  - { name: p0, device: net_null0, ipv4: [10.0.0.1/24], ipv6: [\"2001:db8::1/64\"] }\n"
	"  - { name: p1, device: net_null1, ipv4: [10.0.1.1/24] }\n"
	"  - { name: x0, device: net_null2, mode: xconnect, peer: x1 }\n"
	"  - { name: x1, device: net_null3, mode: xconnect, peer: x0 }\n"
	"policers:\n"
	"  - { name: gold, type: trtcm, cir: 100M, cbs: 64k, pir: 200M, pbs: 128k }\n"
	"routes:\n"
	"  - { prefix: 198.18.0.0/15, via: 10.0.1.2 }\n"
	"nat:\n"
	"  - { type: snat, out: p1, src: 10.0.0.0/24, to: [10.0.1.100] }\n"
	"  - { type: dnat, in: p1, dst: 10.0.1.100, proto: tcp, dport: 8080, to: \"10.0.0.5:80\" }\n"
	"lb:\n"
	"  - { vip: 192.0.2.10, proto: tcp, port: 80, encap: gue, backends: [{ ip: 10.0.1.20 }] }\n";

static struct hp_config cfg, before;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = {"neighbors", "routes", "acl", "policers",
					       "xdp",       "ports",  "nat", "lb"};
	union {
		struct hp_neighbor_conf nb;
		struct hp_route_conf r;
		struct hp_acl_rule a;
		struct hp_policer_conf p;
		struct hp_xdp_conf x;
		struct hp_nat_rule n;
		struct hp_lb_vip l;
	} out;
	char err[HP_ERR_MAX];
	const char *section;
	json_t *j;
	int rc;

	if (cfg.n_ports == 0) {
		CHECK(hp_config_parse("running.yaml", running, sizeof(running) - 1, &cfg, err, sizeof(err)) ==
		      0);
		before = cfg;
	}
	if (size < 1)
		return 0;
	section = sections[data[0] % (sizeof(sections) / sizeof(sections[0]))];
	j = json_loadb((const char *)data + 1, size - 1, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (j == NULL)
		return 0;
	memset(err, 0x5a, sizeof(err));
	rc = hp_config_parse_entry(&cfg, section, j, &out, err, sizeof(err));
	json_decref(j);
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	CHECK(memcmp(&cfg, &before, sizeof(cfg)) == 0);
	if (rc != 0) {
		CHECK(rc == -EINVAL || rc == -ENOMEM);
		CHECK(err[0] != '\0' && strncmp(err, "running.yaml:", 13) != 0);
		return 0;
	}
	CHECK(strcmp(section, "ports") != 0);
	if (!strcmp(section, "neighbors")) {
		CHECK(out.nb.port < cfg.n_ports && cfg.ports[out.nb.port].mode == HP_MODE_L3);
	} else if (!strcmp(section, "routes")) {
		struct hp_prefix net;

		CHECK(!hp_prefix_clear_host_bits(&out.r.prefix, &net));
		CHECK(out.r.n_via <= HP_MAX_ECMP && (out.r.action == HP_ROUTE_DROP) == (out.r.n_via == 0));
		CHECK(out.r.port < (int)cfg.n_ports);
		for (unsigned k = 0; k < out.r.n_via; k++)
			CHECK(out.r.via[k].family == out.r.prefix.family);
	} else if (!strcmp(section, "acl")) {
		CHECK(out.a.sport_lo <= out.a.sport_hi && out.a.dport_lo <= out.a.dport_hi);
		CHECK(out.a.state <= HP_CT_STATE_ALL);
		CHECK((out.a.action == HP_ACL_POLICE) == (out.a.policer == 0));
	} else if (!strcmp(section, "policers")) {
		CHECK(out.p.name[0] != '\0' && out.p.cir > 0 && out.p.cbs > 0);
	} else if (!strcmp(section, "nat")) {
		/* an l3 port; a pool of distinct addresses in no running pool; a routed target */
		CHECK(out.n.port >= 0 && out.n.port < (int)cfg.n_ports &&
		      cfg.ports[out.n.port].mode == HP_MODE_L3);
		if (out.n.type == HP_NAT_SNAT) {
			CHECK(out.n.n_to >= 1 && out.n.n_to <= HP_MAX_NAT_POOL &&
			      out.n.src.family == AF_INET);
			CHECK(out.n.port_lo >= 1 && out.n.port_lo <= out.n.port_hi);
			for (unsigned k = 0; k < out.n.n_to; k++)
				CHECK(out.n.to[k].family == AF_INET &&
				      memcmp(out.n.to[k].addr, cfg.nat[0].to[0].addr, 4));
		} else {
			CHECK(out.n.type == HP_NAT_DNAT && (out.n.proto == 6 || out.n.proto == 17));
			CHECK(out.n.dport > 0 && out.n.to_port > 0 && out.n.to_addr.family == AF_INET);
			CHECK(!(out.n.dport == 8080 && out.n.proto == 6 && out.n.port == cfg.nat[1].port &&
				!memcmp(out.n.dst.addr, cfg.nat[1].dst.addr, 4)));
		}
	} else if (!strcmp(section, "lb")) {
		/* checked on its own and against the running VIP (tcp/80, GUE to 6080 of 10.0.1.20) */
		CHECK(out.l.n_backends >= 1 && out.l.n_backends <= HP_MAX_LB_BACKENDS && out.l.backends);
		CHECK(out.l.proto == 6 || out.l.proto == 17);
		CHECK(!(out.l.proto == 6 && !memcmp(out.l.vip.addr, cfg.lb[0].vip.addr, 16) &&
			out.l.vip.family == AF_INET && (out.l.port == 80 || out.l.port == 0)));
		for (unsigned k = 0; k < out.l.n_backends; k++)
			CHECK(out.l.backends[k].weight <= HP_LB_WEIGHT_MAX &&
			      !(out.l.vip.family == AF_INET6 && out.l.backends[k].ip.family == AF_INET));
		free(out.l.backends);
	} else {
		CHECK(out.x.iface[0] != '\0' && out.x.n_pass <= HP_MAX_XDP_PASS &&
		      out.x.n_block <= HP_MAX_XDP_BLOCK);
		free(out.x.block);
	}
	return 0;
}
