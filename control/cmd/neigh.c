/* neigh.add, neigh.del, neigh.show: static neighbours and the next hops' table. */
#include <errno.h>
#include <string.h>

#include "handlers.h"

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

int
cmd_neigh_add(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"ip", "mac", "port", NULL};
	const struct hp_neighbor_conf *cur;
	struct hp_neighbor_conf nb, old;
	struct hp_addr ip;
	uint8_t mac[6];
	char why[256];
	const char *ms;
	int port, rc;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 ||
	    neigh_target(rt, args, false, &ip, &port, e) < 0 || arg_str(args, "mac", true, &ms, e) < 0)
		return -1;
	if (hp_parse_mac(ms, mac) < 0 || (mac[0] & 1))
		return fail(e, "EINVAL", "bad MAC \"%.32s\": expected a unicast xx:xx:xx:xx:xx:xx", ms);
	nb = (struct hp_neighbor_conf){.ip = ip, .port = (uint16_t)port};
	memcpy(nb.mac, mac, 6);
	if ((cur = hp_model_neigh_find(rt->cfg, nb.port, &ip)) != NULL)
		old = *cur;
	if ((rc = hp_model_neigh_set(rt->cfg, &nb, why, sizeof(why))) < 0)
		return fail(e, rc == -ENOSPC ? "ENOSPC" : rc == -ENOMEM ? "ENOMEM" : "EINVAL", "%s", why);
	if ((rc = ctl_neigh_add((unsigned)port, &ip, mac)) < 0) {
		/* the next-hop table refused it: the model forgets it again */
		if (cur != NULL)
			hp_model_neigh_set(rt->cfg, &old, NULL, 0);
		else
			hp_model_neigh_del(rt->cfg, nb.port, &ip);
		return fail(e, rc == -ENOSPC ? "ENOSPC" : "EINVAL", "neighbour table: %s", strerror(-rc));
	}
	return 0;
}

int
cmd_neigh_del(struct dp_runtime *rt, json_t *args, json_t **result, struct cmd_err *e)
{
	static const char *const allowed[] = {"ip", "port", NULL};
	struct hp_addr ip;
	int port;

	(void)result;
	if (need_fib(rt, e) < 0 || known_args(args, allowed, e) < 0 ||
	    neigh_target(rt, args, false, &ip, &port, e) < 0)
		return -1;
	if (ctl_neigh_del((unsigned)port, &ip) < 0)
		return fail(e, "ENOENT", "no neighbour %s on %s",
			    json_string_value(json_object_get(args, "ip")), rt->cfg->ports[port].name);
	/* a static one leaves the model; a learned one was never in it */
	hp_model_neigh_del(rt->cfg, (unsigned)port, &ip);
	published(rt);
	return 0;
}

static void
neigh_row(void *arg, const struct ctl_neigh_info *ni)
{
	struct rows *x = arg;

	json_array_append_new(x->a, json_pack("{s:o, s:o, s:s, s:s, s:i}", "ip", hp_json_addr(ni->ip), "mac",
					      ni->resolved ? hp_json_mac(ni->mac) : json_string(""), "port",
					      x->rt->cfg->ports[ni->port].name, "state", ni->state, "held",
					      (int)ni->held));
}

int
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
