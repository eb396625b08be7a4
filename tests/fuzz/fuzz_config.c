/*
 * libFuzzer target for the configuration parser (hp_config_parse) and the small
 * parsers the control socket shares with it: any bytes are either a config within
 * every limit or one "FILE:LINE: message" error with nothing left allocated; an
 * accepted xdp class, prefix or address prints back to itself.
 *
 * Run: build/fuzz/tests/fuzz/fuzz_config -max_total_time=60 /tmp/work tests/fuzz/corpus/config
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CHECK(cond)                                                                             \
	do {                                                                                    \
		if (!(cond)) {                                                                  \
			fprintf(stderr, "fuzz_config: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                \
		}                                                                               \
	} while (0)

static struct hp_config cfg;

static void
check_config(const struct hp_config *c)
{
	CHECK(c->n_ports >= 1 && c->n_ports <= HP_MAX_PORTS);
	CHECK(c->n_eal_args <= HP_MAX_EAL_ARGS);
	CHECK(c->n_workers <= HP_MAX_WORKERS);
	CHECK(c->n_xdp <= HP_MAX_XDP);
	for (unsigned i = 0; i < c->n_ports; i++) {
		const struct hp_port_conf *p = &c->ports[i];

		CHECK(p->name[0] != '\0' && memchr(p->name, '\0', sizeof(p->name)) != NULL);
		CHECK(p->queues >= 1 && p->queues <= HP_MAX_QUEUES);
		CHECK(p->n_ipv4 <= HP_MAX_ADDRS && p->n_ipv6 <= HP_MAX_ADDRS);
		CHECK(p->peer < (int)c->n_ports);
	}
	for (unsigned i = 0; i < c->n_routes; i++) {
		const struct hp_route_conf *r = &c->routes[i];
		struct hp_prefix net;

		CHECK(r->n_via <= HP_MAX_ECMP);
		CHECK(!hp_prefix_clear_host_bits(&r->prefix, &net));
		CHECK(r->port < (int)c->n_ports);
	}
	for (unsigned i = 0; i < c->n_acl; i++)
		CHECK(c->acl[i].policer < (int)c->n_policers &&
		      (c->acl[i].action != HP_ACL_POLICE || c->acl[i].policer >= 0) &&
		      c->acl[i].state <= HP_CT_STATE_ALL);
	CHECK(c->conntrack.max >= HP_CT_MAX_MIN && c->conntrack.max <= HP_CT_MAX_MAX);
	CHECK(c->conntrack.tcp_established >= HP_CT_TIMEOUT_MIN &&
	      c->conntrack.tcp_established <= HP_CT_TIMEOUT_MAX);
	CHECK(c->conntrack.tcp_transitory >= HP_CT_TIMEOUT_MIN &&
	      c->conntrack.tcp_transitory <= HP_CT_TIMEOUT_MAX);
	CHECK(c->conntrack.udp >= HP_CT_TIMEOUT_MIN && c->conntrack.udp <= HP_CT_TIMEOUT_MAX);
	CHECK(c->conntrack.icmp >= HP_CT_TIMEOUT_MIN && c->conntrack.icmp <= HP_CT_TIMEOUT_MAX);
	CHECK(c->n_nat <= HP_MAX_NAT_RULES && (c->n_nat == 0 || c->nat != NULL));
	for (unsigned i = 0; i < c->n_nat; i++) {
		const struct hp_nat_rule *r = &c->nat[i];

		CHECK(r->port >= 0 && r->port < (int)c->n_ports && c->ports[r->port].mode == HP_MODE_L3);
		if (r->type == HP_NAT_SNAT) {
			CHECK(r->src.family == AF_INET && r->n_to >= 1 && r->n_to <= HP_MAX_NAT_POOL);
			CHECK(r->port_lo >= 1 && r->port_lo <= r->port_hi);
			for (unsigned k = 0; k < r->n_to; k++)
				CHECK(r->to[k].family == AF_INET);
		} else {
			CHECK(r->type == HP_NAT_DNAT && r->n_to == 0 && r->dst.family == AF_INET);
			CHECK(r->to_addr.family == AF_INET && r->to_port >= 1 && r->dport >= 1);
			CHECK(r->proto == 6 || r->proto == 17);
		}
	}
	CHECK(c->n_lb <= HP_MAX_LB_VIPS && (c->n_lb == 0 || c->lb != NULL));
	for (unsigned i = 0; i < c->n_lb; i++) {
		const struct hp_lb_vip *v = &c->lb[i];

		CHECK(v->proto == 6 || v->proto == 17);
		CHECK(v->encap == HP_LB_GUE ? v->gue_port >= 1 : v->encap == HP_LB_IPIP && v->gue_port == 0);
		CHECK(v->n_backends >= 1 && v->n_backends <= HP_MAX_LB_BACKENDS && v->backends != NULL);
		CHECK(v->health.check == HP_LB_CHECK_NONE ||
		      (v->health.port >= 1 && v->health.timeout_ms <= v->health.interval_ms));
		for (unsigned k = 0; k < v->n_backends; k++)
			CHECK(v->backends[k].weight <= HP_LB_WEIGHT_MAX &&
			      !(v->vip.family == AF_INET6 && v->backends[k].ip.family == AF_INET));
		for (unsigned j = 0; j < i; j++) /* no two VIPs that overlap */
			CHECK(c->lb[j].proto != v->proto || c->lb[j].vip.family != v->vip.family ||
			      memcmp(c->lb[j].vip.addr, v->vip.addr, 16) ||
			      (c->lb[j].port != v->port && c->lb[j].port && v->port));
	}
	CHECK(c->lb_conf.flows >= HP_LB_FLOWS_MIN && c->lb_conf.flows <= HP_LB_FLOWS_MAX);
	CHECK(c->lb_conf.table_size >= HP_LB_TABLE_SIZE_DEFAULT &&
	      c->lb_conf.table_size <= HP_LB_TABLE_SIZE_MAX);
	CHECK(c->lb_conf.flow_timeout >= 1 && c->lb_conf.flow_timeout <= HP_LB_FLOW_TIMEOUT_MAX);
	for (unsigned i = 0; i < c->n_xdp; i++) {
		const struct hp_xdp_conf *x = &c->xdp[i];

		CHECK(hp_ifname_ok(x->iface));
		CHECK(x->n_pass <= HP_MAX_XDP_PASS && x->n_block <= HP_MAX_XDP_BLOCK);
		for (unsigned k = 0; k < x->n_block; k++) {
			struct hp_prefix net;

			CHECK(!hp_prefix_clear_host_bits(&x->block[k], &net));
		}
		for (unsigned k = 0; k < x->n_pass; k++) {
			struct hp_xdp_class back;
			char t[32];

			hp_xdp_class_text(&x->pass[k], t, sizeof(t));
			CHECK(hp_parse_xdp_class(t, &back) == 0 && hp_xdp_class_equal(&back, &x->pass[k]));
		}
	}
}

/* The same bytes as a string for the token parsers: what they accept prints back to itself. */
static void
check_tokens(const uint8_t *data, size_t size)
{
	char s[64], t[64];
	struct hp_xdp_class c, c2;
	struct hp_prefix p, p2;
	uint8_t mac[6];

	if (size >= sizeof(s))
		size = sizeof(s) - 1;
	memcpy(s, data, size);
	s[size] = '\0';
	if (hp_parse_xdp_class(s, &c) == 0) {
		hp_xdp_class_text(&c, t, sizeof(t));
		CHECK(hp_parse_xdp_class(t, &c2) == 0 && hp_xdp_class_equal(&c, &c2));
	}
	if (hp_parse_prefix(s, 0, &p) == 0) {
		char a[INET6_ADDRSTRLEN];

		CHECK(p.len <= (p.family == AF_INET ? 32 : 128));
		CHECK(inet_ntop(p.family, p.addr, a, sizeof(a)) != NULL);
		snprintf(t, sizeof(t), "%s/%u", a, p.len);
		CHECK(hp_parse_prefix(t, p.family, &p2) == 0 && p2.len == p.len &&
		      memcmp(p2.addr, p.addr, p.family == AF_INET ? 4 : 16) == 0);
	}
	(void)hp_parse_mac(s, mac);
	(void)hp_ifname_ok(s);
	(void)hp_af_xdp_iface(s, t, sizeof(t));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[HP_ERR_MAX];
	int rc;

	memset(err, 0x5a, sizeof(err));
	rc = hp_config_parse("fuzz.yaml", (const char *)data, size, &cfg, err, sizeof(err));
	CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	if (rc == 0) {
		check_config(&cfg);
		hp_config_free(&cfg);
	} else {
		CHECK(rc == -EINVAL || rc == -ENOMEM);
		CHECK(strncmp(err, "fuzz.yaml:", 10) == 0 && strlen(err) > 12);
		CHECK(cfg.routes == NULL && cfg.acl == NULL && cfg.neighbors == NULL &&
		      cfg.policers == NULL && cfg.nat == NULL && cfg.lb == NULL);
	}
	check_tokens(data, size);
	return 0;
}
