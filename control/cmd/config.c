/* config.dump and config.apply: the running state as a config file, and a whole file as one transaction. */
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "handlers.h"
#include "log.h"
#include "xdp.h"

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

int
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

int
cmd_config_apply(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"file", NULL};
	struct rte_ether_addr macs[HP_MAX_PORTS];
	struct dp_tables *old = rt->tables, *t;
	struct hp_config nc;
	char err[HP_ERR_MAX];
	const char *file, *what;

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
	t = rte_zmalloc("hp_tables", sizeof(*t), RTE_CACHE_LINE_SIZE);
	if (t == NULL) {
		hp_config_free(&nc);
		return fail(e, "ENOMEM", "out of memory");
	}
	for (unsigned p = 0; p < rt->ports.n; p++)
		macs[p] = rt->ports.ports[p].mac;
	t->acl_default_deny = nc.acl_default_deny;
	t->fib = dp_fib_build(&nc, macs, rt->qsv, (int)rte_socket_id(), err, sizeof(err));
	if (t->fib == NULL || dp_tables_build_acl(t, &nc, &rt->map, err, sizeof(err)) < 0) {
		dp_tables_free(t);
		hp_config_free(&nc);
		return fail(e, "EINVAL", "%s", err);
	}
	__atomic_store_n(&dp_tables_current, t, __ATOMIC_RELEASE);
	rt->tables = t;
	published(rt);
	t->acl_base = carry_acl_hits(rt, old, rt->cfg->acl, rt->cfg->n_acl, rt->cfg->policers, nc.acl, nc.n_acl,
				     nc.policers);
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
	dp_tables_free(old);
	DP_LOG(NOTICE, "config %s applied: %u routes, %u ACL rules", file, rt->cfg->n_routes, rt->cfg->n_acl);
	return 0;
}
