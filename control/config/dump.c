/* The running configuration as a config file: JSON, which is YAML (hotpathd -c reads it back). */
#include <stdio.h>
#include <stdlib.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "dump.h"

json_t *
hp_json_prefix(const struct hp_prefix *p)
{
	char s[HP_PREFIX_STRLEN];

	return json_string(hp_prefix_format(p, s, sizeof(s)));
}

json_t *
hp_json_addr(const struct hp_addr *a)
{
	char s[HP_ADDR_STRLEN];

	return json_string(hp_addr_format(a, s, sizeof(s)));
}

json_t *
hp_json_mac(const uint8_t mac[6])
{
	char s[HP_MAC_STRLEN];

	return json_string(hp_mac_format(mac, s, sizeof(s)));
}

json_t *
hp_json_prefixes(const struct hp_prefix *p, unsigned n)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < n; i++)
		json_array_append_new(a, hp_json_prefix(&p[i]));
	return a;
}

json_t *
hp_json_port_range(uint16_t lo, uint16_t hi)
{
	char s[16];

	if (lo == hi)
		snprintf(s, sizeof(s), "%u", lo);
	else
		snprintf(s, sizeof(s), "%u-%u", lo, hi);
	return json_string(s);
}

json_t *
hp_dump_route(const struct hp_config *cfg, const struct hp_route_conf *r, bool as_config)
{
	json_t *o = json_pack("{s:o}", "prefix", hp_json_prefix(&r->prefix)), *via = json_array();

	for (unsigned k = 0; k < r->n_via; k++)
		json_array_append_new(via, hp_json_addr(&r->via[k]));
	if (!as_config || r->action == HP_ROUTE_DROP)
		json_object_set_new(o, "action",
				    json_string(r->action == HP_ROUTE_DROP ? "drop" : "forward"));
	if (!as_config || r->action != HP_ROUTE_DROP)
		json_object_set_new(o, "via", via);
	else
		json_decref(via);
	if (r->port >= 0)
		json_object_set_new(o, "port", json_string(cfg->ports[r->port].name));
	return o;
}

json_t *
hp_dump_policer(const struct hp_policer_conf *p)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:I}", "name", p->name, "type",
			      p->type == HP_POLICER_TRTCM ? "trtcm" : "srtcm", "cir", (json_int_t)p->cir,
			      "cbs", (json_int_t)p->cbs);

	if (p->type == HP_POLICER_TRTCM) {
		json_object_set_new(o, "pir", json_integer((json_int_t)p->pir));
		json_object_set_new(o, "pbs", json_integer((json_int_t)p->pbs));
	} else {
		json_object_set_new(o, "ebs", json_integer((json_int_t)p->ebs));
	}
	return o;
}

/* "deny", or "police NAME" */
void
hp_dump_acl_action(const struct hp_config *cfg, const struct hp_acl_rule *r, char *buf, size_t len)
{
	if (r->action == HP_ACL_POLICE)
		snprintf(buf, len, "police %s", cfg->policers[r->policer].name);
	else
		snprintf(buf, len, "%s", hp_acl_action_name(r->action));
}

static json_t *
acl_rule_json(const struct hp_config *cfg, const struct hp_acl_rule *r)
{
	json_t *o = json_pack("{s:i}", "priority", (int)r->priority);
	char action[HP_NAME_MAX + 8];

	if (r->has_src)
		json_object_set_new(o, "src", hp_json_prefix(&r->src));
	if (r->has_dst)
		json_object_set_new(o, "dst", hp_json_prefix(&r->dst));
	if (r->has_proto)
		json_object_set_new(o, "proto", json_integer(r->proto));
	if (r->sport_lo != 0 || r->sport_hi != 65535)
		json_object_set_new(o, "sport", hp_json_port_range(r->sport_lo, r->sport_hi));
	if (r->dport_lo != 0 || r->dport_hi != 65535)
		json_object_set_new(o, "dport", hp_json_port_range(r->dport_lo, r->dport_hi));
	if (r->state) {
		json_t *st = json_array();

		for (unsigned b = HP_CT_NEW; b <= HP_CT_INVALID; b <<= 1)
			if (r->state & b)
				json_array_append_new(st, json_string(hp_ct_state_name(b)));
		json_object_set_new(o, "state", st);
	}
	hp_dump_acl_action(cfg, r, action, sizeof(action));
	json_object_set_new(o, "action", json_string(action));
	return o;
}

static json_t *
conntrack_json(const struct hp_conntrack_conf *ct)
{
	return json_pack("{s:I, s:{s:I, s:I, s:I, s:I}}", "max", (json_int_t)ct->max, "timeouts",
			 "tcp_established", (json_int_t)ct->tcp_established, "tcp_transitory",
			 (json_int_t)ct->tcp_transitory, "udp", (json_int_t)ct->udp, "icmp",
			 (json_int_t)ct->icmp);
}

json_t *
hp_dump_nat_rule(const struct hp_config *cfg, const struct hp_nat_rule *r)
{
	char to[HP_ADDR_STRLEN + 8], a[HP_ADDR_STRLEN];
	json_t *o, *pool;

	if (r->type == HP_NAT_DNAT) {
		snprintf(to, sizeof(to), "%s:%u", hp_addr_format(&r->to_addr, a, sizeof(a)), r->to_port);
		return json_pack("{s:s, s:s, s:o, s:s, s:i, s:s}", "type", "dnat", "in",
				 cfg->ports[r->port].name, "dst", hp_json_addr(&r->dst), "proto",
				 r->proto == 6 ? "tcp" : "udp", "dport", (int)r->dport, "to", to);
	}
	pool = json_array();
	for (unsigned i = 0; i < r->n_to; i++)
		json_array_append_new(pool, hp_json_addr(&r->to[i]));
	o = json_pack("{s:s, s:s, s:o, s:o}", "type", "snat", "out", cfg->ports[r->port].name, "src",
		      hp_json_prefix(&r->src), "to", pool);
	snprintf(to, sizeof(to), "%u-%u", r->port_lo, r->port_hi);
	json_object_set_new(o, "ports", json_string(to));
	return o;
}

/* Every key of a health check, its defaults filled in (path with http only). */
static json_t *
lb_health_json(const struct hp_lb_health *h)
{
	json_t *o = json_pack("{s:s, s:i}", "check", h->check == HP_LB_CHECK_HTTP ? "http" : "tcp", "port",
			      (int)h->port);

	if (h->check == HP_LB_CHECK_HTTP)
		json_object_set_new(o, "path", json_string(h->path));
	json_object_set_new(o, "interval_ms", json_integer(h->interval_ms));
	json_object_set_new(o, "timeout_ms", json_integer(h->timeout_ms));
	json_object_set_new(o, "rise", json_integer(h->rise));
	json_object_set_new(o, "fall", json_integer(h->fall));
	return o;
}

json_t *
hp_dump_lb_vip(const struct hp_lb_vip *v)
{
	json_t *o = json_pack("{s:o, s:s}", "vip", hp_json_addr(&v->vip), "proto",
			      v->proto == IPPROTO_UDP ? "udp" : "tcp"),
	       *a = json_array();

	if (v->port)
		json_object_set_new(o, "port", json_integer(v->port));
	json_object_set_new(o, "encap", json_string(v->encap == HP_LB_GUE ? "gue" : "ipip"));
	if (v->encap == HP_LB_GUE)
		json_object_set_new(o, "gue_port", json_integer(v->gue_port));
	if (v->flags & HP_LB_NO_SRC_PORT)
		json_object_set_new(o, "flags", json_pack("[s]", "no_src_port"));
	if (v->health.check != HP_LB_CHECK_NONE)
		json_object_set_new(o, "health", lb_health_json(&v->health));
	for (unsigned i = 0; i < v->n_backends; i++)
		json_array_append_new(a, json_pack("{s:o, s:I}", "ip", hp_json_addr(&v->backends[i].ip),
						   "weight", (json_int_t)v->backends[i].weight));
	json_object_set_new(o, "backends", a);
	return o;
}

json_t *
hp_dump_lb_conf(const struct hp_lb_conf *l)
{
	return json_pack("{s:I, s:I, s:I, s:o, s:o}", "flows", (json_int_t)l->flows, "flow_timeout",
			 (json_int_t)l->flow_timeout, "table_size", (json_int_t)l->table_size, "src4",
			 hp_json_prefix(&l->src4), "src6", hp_json_prefix(&l->src6));
}

json_t *
hp_dump_xdp_pass(const struct hp_xdp_conf *x)
{
	json_t *a = json_array();

	for (unsigned i = 0; i < x->n_pass; i++) {
		char t[32];

		hp_xdp_class_text(&x->pass[i], t, sizeof(t));
		json_array_append_new(a, json_string(t));
	}
	return a;
}

static json_t *
ports_json(const struct hp_config *cfg)
{
	json_t *a = json_array();

	for (unsigned p = 0; p < cfg->n_ports; p++) {
		const struct hp_port_conf *pc = &cfg->ports[p];
		json_t *po = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:s}", "name", pc->name, "device",
				       pc->device, "queues", (int)pc->queues, "rx_desc", (int)pc->rx_desc,
				       "tx_desc", (int)pc->tx_desc, "mtu", (int)pc->mtu, "mode",
				       pc->mode == HP_MODE_L3 ? "l3" : "xconnect");

		if (pc->has_mac)
			json_object_set_new(po, "mac", hp_json_mac(pc->mac));
		if (pc->n_ipv4)
			json_object_set_new(po, "ipv4", hp_json_prefixes(pc->ipv4, pc->n_ipv4));
		if (pc->n_ipv6)
			json_object_set_new(po, "ipv6", hp_json_prefixes(pc->ipv6, pc->n_ipv6));
		if (pc->host == HP_HOST_TAP)
			json_object_set_new(po, "host", json_string("tap"));
		if (pc->peer >= 0)
			json_object_set_new(po, "peer", json_string(cfg->ports[pc->peer].name));
		json_array_append_new(a, po);
	}
	return a;
}

static json_t *
workers_json(const struct hp_config *cfg)
{
	json_t *a = json_array();

	for (unsigned w = 0; w < cfg->n_workers; w++) {
		json_t *q = json_array();

		for (unsigned k = 0; k < cfg->workers[w].n_queues; k++) {
			char ref[HP_NAME_MAX + 8];

			snprintf(ref, sizeof(ref), "%s/%u", cfg->ports[cfg->workers[w].queues[k].port].name,
				 cfg->workers[w].queues[k].queue);
			json_array_append_new(q, json_string(ref));
		}
		json_array_append_new(
			a, json_pack("{s:i, s:o}", "lcore", (int)cfg->workers[w].lcore, "queues", q));
	}
	return a;
}

static bool
has_l3(const struct hp_config *cfg)
{
	for (unsigned p = 0; p < cfg->n_ports; p++)
		if (cfg->ports[p].mode == HP_MODE_L3)
			return true;
	return false;
}

json_t *
hp_dump_linux(const struct hp_linux_conf *l)
{
	json_t *o = json_object(), *a;

	if (l->table == HP_RT_TABLE_MAIN)
		json_object_set_new(o, "table", json_string("main"));
	else if (l->table == HP_RT_TABLE_LOCAL)
		json_object_set_new(o, "table", json_string("local"));
	else if (l->table == HP_RT_TABLE_DEFAULT)
		json_object_set_new(o, "table", json_string("default"));
	else
		json_object_set_new(o, "table", json_integer(l->table));
	if (l->has_protocols) {
		a = json_array();
		for (unsigned p = 0; p < 256; p++) {
			const char *name = hp_rtprot_name(p);
			bool both = hp_linux_proto_taken(l, HP_RTPROT_STATIC) &&
				    hp_linux_proto_taken(l, HP_RTPROT_FRR_STATIC);

			if (!hp_linux_proto_taken(l, p) || (both && p == HP_RTPROT_FRR_STATIC))
				continue;
			/* "static" reads back as 4 and 196: alone, 4 is written as a number */
			if (p == HP_RTPROT_STATIC && !both)
				name = NULL;
			json_array_append_new(a, name ? json_string(name) : json_integer(p));
		}
		json_object_set_new(o, "protocols", a);
	}
	if (l->ipv6_routes != HP_LINUX_IPV6_ROUTES_DEFAULT)
		json_object_set_new(o, "ipv6_routes", json_integer(l->ipv6_routes));
	return o;
}

json_t *
hp_dump_config(const struct hp_config *cfg)
{
	json_t *o = json_object(), *a, *ctl = json_object();

	if (cfg->n_eal_args > 0) {
		a = json_array();
		for (unsigned i = 0; i < cfg->n_eal_args; i++)
			json_array_append_new(a, json_string(cfg->eal_args[i]));
		json_object_set_new(o, "eal", a);
	}
	if (cfg->control_socket[0])
		json_object_set_new(ctl, "socket", json_string(cfg->control_socket));
	if (cfg->metrics[0])
		json_object_set_new(ctl, "metrics", json_string(cfg->metrics));
	if (cfg->stall_threshold_us != HP_DEFAULT_STALL_US)
		json_object_set_new(ctl, "stall_threshold_us", json_integer(cfg->stall_threshold_us));
	json_object_set_new(o, "control", ctl);
	if (cfg->mbufs)
		json_object_set_new(o, "mbufs", json_integer(cfg->mbufs));
	json_object_set_new(o, "ports", ports_json(cfg));
	if (cfg->has_workers)
		json_object_set_new(o, "workers", workers_json(cfg));
	if (has_l3(cfg)) {
		a = json_array();
		for (unsigned i = 0; i < cfg->n_neighbors; i++) {
			const struct hp_neighbor_conf *nb = &cfg->neighbors[i];

			json_array_append_new(a, json_pack("{s:o, s:o, s:s}", "ip", hp_json_addr(&nb->ip),
							   "mac", hp_json_mac(nb->mac), "port",
							   cfg->ports[nb->port].name));
		}
		json_object_set_new(o, "neighbors", a);
		json_object_set_new(o, "neighbor_config",
				    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "max_per_port",
					      (json_int_t)cfg->neigh.max_per_port, "hold_per_neighbor",
					      (json_int_t)cfg->neigh.hold_per_neighbor, "hold_total_pct",
					      (json_int_t)cfg->neigh.hold_total_pct, "solicit_pps",
					      (json_int_t)cfg->neigh.solicit_pps, "solicit_per_target_ms",
					      (json_int_t)cfg->neigh.solicit_per_target_ms, "reachable_ms",
					      (json_int_t)cfg->neigh.reachable_ms, "delay_ms",
					      (json_int_t)cfg->neigh.delay_ms, "probes",
					      (json_int_t)cfg->neigh.probes));
		a = json_array();
		for (unsigned i = 0; i < cfg->n_routes; i++)
			json_array_append_new(a, hp_dump_route(cfg, &cfg->routes[i], true));
		json_object_set_new(o, "routes", a);
	}
	json_object_set_new(o, "acl_default", json_string(cfg->acl_default_deny ? "deny" : "permit"));
	a = json_array();
	for (unsigned i = 0; i < cfg->n_policers; i++)
		json_array_append_new(a, hp_dump_policer(&cfg->policers[i]));
	json_object_set_new(o, "policers", a);
	a = json_array();
	for (unsigned i = 0; i < cfg->n_acl; i++)
		json_array_append_new(a, acl_rule_json(cfg, &cfg->acl[i]));
	json_object_set_new(o, "acl", a);
	if (cfg->n_xdp > 0) {
		a = json_array();
		for (unsigned i = 0; i < cfg->n_xdp; i++) {
			const struct hp_xdp_conf *x = &cfg->xdp[i];
			json_t *xo = json_pack("{s:s}", "iface", x->iface);

			if (x->has_mode)
				json_object_set_new(
					xo, "mode",
					json_string(x->mode == HP_XDP_GENERIC ? "generic" : "native"));
			if (x->on_no_socket != HP_XDP_NOSOCK_DEFAULT)
				json_object_set_new(
					xo, "on_no_socket",
					json_string(x->on_no_socket == HP_XDP_NOSOCK_PASS ? "pass" : "drop"));
			json_object_set_new(xo, "pass", hp_dump_xdp_pass(x));
			json_object_set_new(xo, "block", hp_json_prefixes(x->block, x->n_block));
			json_array_append_new(a, xo);
		}
		json_object_set_new(o, "xdp", a);
	}
	if (cfg->linux_rt.enabled)
		json_object_set_new(o, "linux", hp_dump_linux(&cfg->linux_rt));
	if (cfg->conntrack.enabled)
		json_object_set_new(o, "conntrack", conntrack_json(&cfg->conntrack));
	if (cfg->n_nat > 0) {
		a = json_array();
		for (unsigned i = 0; i < cfg->n_nat; i++)
			json_array_append_new(a, hp_dump_nat_rule(cfg, &cfg->nat[i]));
		json_object_set_new(o, "nat", a);
	}
	if (cfg->n_lb > 0) {
		a = json_array();
		for (unsigned i = 0; i < cfg->n_lb; i++)
			json_array_append_new(a, hp_dump_lb_vip(&cfg->lb[i]));
		json_object_set_new(o, "lb", a);
	}
	if (cfg->lb_conf.enabled)
		json_object_set_new(o, "lb_conf", hp_dump_lb_conf(&cfg->lb_conf));
	return o;
}

char *
hp_dump_text(const struct hp_config *cfg)
{
	json_t *c = hp_dump_config(cfg);
	char *text = c ? json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL, *out = NULL;

	json_decref(c);
	if (text != NULL &&
	    asprintf(&out, "# hotpathd config dump (JSON is YAML: hotpathd -c reads it)\n%s", text) < 0)
		out = NULL;
	free(text);
	return out;
}
